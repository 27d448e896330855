/**
 * The filter-gradient microbenchmark of bench/gpu.ts: for the conv shapes of a CIFAR
 * ResNet, the time of the forward convolution, of the input gradient, and of the filter
 * gradient by this library's split-K kernel (with a few splits) and by the kernel it
 * replaced (webgpu only), with the largest difference between the two.
 *
 * Times are wall-clock per call: `reps` calls are queued, then the last result is read
 * (`await data()`), which waits for the queue; the read of one small tensor is included.
 */
import * as tf from '@tensorflow/tfjs';

import {
  configureConv2DBackpropFilterWebgpu,
  planFilterGrad,
  replacedConv2DBackpropFilterWebgpu,
  type Conv2DBackpropFilterWebgpuOptions,
} from '../../src/backend/kernels/conv2d-backprop-filter-webgpu.js';
import { registerKernelOverrides } from '../../src/backend/kernels/register.js';

/** Which filter-gradient kernel the webgpu backend runs. */
export type FilterGradKernel = 'split-k' | 'built-in';

/** Registers this library's kernel (`split-k`) or the one it replaced (`built-in`). */
export function useFilterGradKernel(which: FilterGradKernel): void {
  if (tf.getBackend() !== 'webgpu') throw new Error(`Expected the webgpu backend, got ${tf.getBackend()}.`);
  if (which === 'split-k') {
    registerKernelOverrides('webgpu');
    return;
  }
  const builtIn = replacedConv2DBackpropFilterWebgpu();
  if (builtIn === undefined) throw new Error('The built-in Conv2DBackpropFilter of webgpu is not known (were the overrides registered?).');
  tf.unregisterKernel('Conv2DBackpropFilter', 'webgpu');
  tf.registerKernel(builtIn);
}

/** One convolution: input [N, H, W, Ci], a square kernel, output channels, stride. */
export interface ConvShape {
  x: [number, number, number, number];
  k: number;
  co: number;
  stride: number;
}

export interface ConvShapeResult {
  shape: string;
  forwardMs: number;
  inputGradMs: number;
  filterGrad: {
    splitK: { ms: number; splits: number; chunk: number; workgroups: number };
    /** The split-K kernel with other splits (targetWorkgroups, minChunk). */
    variants: Array<{ options: Required<Conv2DBackpropFilterWebgpuOptions>; ms: number; splits: number }>;
    builtInMs: number | null;
    /** max |split-K − built-in| / max |built-in|. */
    maxRelDiff: number | null;
  };
  splitKOverForward: number;
  builtInOverForward: number | null;
}

const r3 = (x: number): number => Number(x.toFixed(3));

async function timeOp(reps: number, op: () => tf.Tensor): Promise<number> {
  for (let i = 0; i < 2; i++) {
    const w = op();
    await w.data();
    w.dispose();
  }
  const outs: tf.Tensor[] = [];
  const t0 = performance.now();
  for (let i = 0; i < reps; i++) outs.push(op());
  await (outs[outs.length - 1] as tf.Tensor).data();
  const ms = (performance.now() - t0) / reps;
  tf.dispose(outs);
  return ms;
}

function label(s: ConvShape): string {
  return `${s.x.join('x')} k${s.k} s${s.stride} -> ${s.co}`;
}

/** Measures one shape; `variants` are extra split settings of the split-K kernel. */
export async function benchConvShape(
  s: ConvShape,
  reps: number,
  variants: Array<Required<Conv2DBackpropFilterWebgpuOptions>>,
): Promise<ConvShapeResult> {
  const webgpu = tf.getBackend() === 'webgpu';
  const x = tf.randomNormal(s.x, 0, 1, 'float32', 1) as tf.Tensor4D;
  const w = tf.randomNormal([s.k, s.k, s.x[3], s.co], 0, 0.1, 'float32', 2) as tf.Tensor4D;
  const info = tf.backend_util.computeConv2DInfo(s.x, [s.k, s.k, s.x[3], s.co], s.stride, 1, 'same');
  const dy = tf.randomNormal(info.outShape, 0, 1, 'float32', 3) as tf.Tensor4D;
  const attrs = { strides: s.stride, pad: 'same', dataFormat: 'NHWC' };
  const filterGrad = (): tf.Tensor =>
    tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, { ...attrs, filterShape: [s.k, s.k, s.x[3], s.co] } as unknown as tf.NamedAttrMap) as tf.Tensor;
  try {
    const forwardMs = await timeOp(reps, () => tf.conv2d(x, w, s.stride, 'same'));
    const inputGradMs = await timeOp(reps, () =>
      tf.engine().runKernel('Conv2DBackpropInput', { dy, filter: w }, { ...attrs, inputShape: s.x } as unknown as tf.NamedAttrMap) as tf.Tensor,
    );
    if (webgpu) useFilterGradKernel('split-k');
    const defaults = configureConv2DBackpropFilterWebgpu();
    const plan = planFilterGrad(info, defaults);
    const splitKMs = await timeOp(reps, filterGrad);
    const splitK = filterGrad();
    const splitKValues = (await splitK.data()) as Float32Array;
    splitK.dispose();
    const variantResults: ConvShapeResult['filterGrad']['variants'] = [];
    if (webgpu) {
      for (const v of variants) {
        try {
          const options = configureConv2DBackpropFilterWebgpu(v);
          variantResults.push({ options, ms: r3(await timeOp(reps, filterGrad)), splits: planFilterGrad(info, options).splits });
        } finally {
          configureConv2DBackpropFilterWebgpu();
        }
      }
    }
    let builtInMs: number | null = null;
    let maxRelDiff: number | null = null;
    if (webgpu) {
      useFilterGradKernel('built-in');
      try {
        builtInMs = await timeOp(reps, filterGrad);
        const b = filterGrad();
        const ref = (await b.data()) as Float32Array;
        b.dispose();
        let err = 0;
        let scale = 0;
        for (let i = 0; i < ref.length; i++) {
          err = Math.max(err, Math.abs((splitKValues[i] as number) - (ref[i] as number)));
          scale = Math.max(scale, Math.abs(ref[i] as number));
        }
        maxRelDiff = err / Math.max(scale, 1e-30);
      } finally {
        useFilterGradKernel('split-k');
      }
    }
    return {
      shape: label(s),
      forwardMs: r3(forwardMs),
      inputGradMs: r3(inputGradMs),
      filterGrad: {
        splitK: { ms: r3(splitKMs), splits: plan.splits, chunk: plan.chunk, workgroups: plan.dispatch[0] * plan.dispatch[1] * plan.dispatch[2] },
        variants: variantResults,
        builtInMs: builtInMs === null ? null : r3(builtInMs),
        maxRelDiff,
      },
      splitKOverForward: r3(splitKMs / forwardMs),
      builtInOverForward: builtInMs === null ? null : r3(builtInMs / forwardMs),
    };
  } finally {
    tf.dispose([x, w, dy]);
  }
}
