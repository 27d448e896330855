/**
 * `Tile` for the WASM backend, as block copies on the WebAssembly heap.
 *
 * The built-in WASM kernel computes a source index per output element and takes about a
 * fifth of a ResNet training step: batch-norm gradients tile per-channel vectors to the
 * full activation shape. Here each dimension's block is written once and then replicated
 * with `copyWithin`, so the cost is close to a memcpy of the output. String tensors,
 * which the built-in kernel cannot tile either, get a clear error.
 */
import * as tf from '@tensorflow/tfjs';

import type { KernelOverride } from './call-kernel.js';

const OWNER = 'Tile (wasm)';

type HeapArray = Float32Array | Int32Array | Uint8Array;

/** The parts of the WASM backend this kernel uses. */
interface WasmHeapBackend {
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(info: tf.TensorInfo): HeapArray;
}

let fallback: tf.KernelConfig | undefined;

/** Writes `x` (shape `shape`) tiled `reps` times into `out`; exported for tests. */
export function tileInto(x: ArrayLike<number>, shape: readonly number[], reps: readonly number[], out: HeapArray): void {
  const rank = shape.length;
  const outShape = shape.map((s, i) => s * (reps[i] as number));
  const inStrides = new Array<number>(rank).fill(1);
  const outStrides = new Array<number>(rank).fill(1);
  for (let d = rank - 2; d >= 0; d--) {
    inStrides[d] = (inStrides[d + 1] as number) * (shape[d + 1] as number);
    outStrides[d] = (outStrides[d + 1] as number) * (outShape[d + 1] as number);
  }
  const write = (d: number, inOff: number, outOff: number): void => {
    const n = shape[d] as number;
    if (d === rank - 1) {
      for (let i = 0; i < n; i++) out[outOff + i] = x[inOff + i] as number;
    } else {
      for (let i = 0; i < n; i++) write(d + 1, inOff + i * (inStrides[d] as number), outOff + i * (outStrides[d] as number));
    }
    const block = n * (outStrides[d] as number);
    for (let r = 1; r < (reps[d] as number); r++) out.copyWithin(outOff + r * block, outOff, outOff + block);
  };
  if (rank === 0) {
    if (out.length > 0) out[0] = x[0] as number;
    return;
  }
  if (outShape.some((s) => s === 0)) return;
  write(0, 0, 0);
}

/** Kernel function: `inputs` {x}, attrs {reps}; returns x tiled. */
export function tileWasm(args: { inputs: tf.NamedTensorInfoMap; backend: tf.KernelBackend; attrs: tf.NamedAttrMap }): tf.TensorInfo {
  const x = args.inputs['x'];
  if (x === undefined) throw new Error(`${OWNER}: expected input \`x\`.`);
  const reps = args.attrs['reps'] as number[];
  if (x.dtype === 'string' || x.dtype === 'complex64') {
    // The built-in kernel aborts the WebAssembly module on these; say so instead.
    throw new Error(`${OWNER}: dtype ${x.dtype} is not supported.`);
  }
  if (reps.length !== x.shape.length) {
    throw new Error(`${OWNER}: reps [${reps.join(', ')}] must have one entry per dimension of x [${x.shape.join(', ')}].`);
  }
  const backend = args.backend as unknown as WasmHeapBackend;
  const out = backend.makeOutput(
    x.shape.map((s, i) => s * (reps[i] as number)),
    x.dtype,
  );
  // Views are taken after the allocation: a growing heap detaches earlier views.
  const outVals = backend.typedArrayFromHeap(out);
  const xVals = backend.typedArrayFromHeap(x);
  tileInto(xVals, x.shape, reps, outVals);
  return out;
}

/** Kernel registration (the replaced kernel's setup still runs at backend start). */
export const tileWasmOverride: KernelOverride = {
  config: {
    kernelName: 'Tile',
    backendName: 'wasm',
    kernelFunc: tileWasm as unknown as tf.KernelFunc,
    setupFunc: (backend) => fallback?.setupFunc?.(backend),
  },
  setFallback: (previous) => {
    fallback = previous;
  },
};
