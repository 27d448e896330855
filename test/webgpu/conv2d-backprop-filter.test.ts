import * as tf from '@tensorflow/tfjs';
import { beforeAll, expect, it } from 'vitest';

import {
  configureConv2DBackpropFilterWebgpu,
  conv2DBackpropFilterWebgpuOverride,
  planFilterGrad,
} from '../../src/backend/kernels/conv2d-backprop-filter-webgpu.js';
import { dyShape, expectClose, seededValues, sizeOf, type Case } from '../backend/helpers.js';
import { describeWebgpu, useWebgpu } from './helpers.js';

/** Float64 reference of the filter gradient, written from its definition. */
function reference(c: Case, x: Float32Array, dy: Float32Array): Float64Array {
  const [n, h, w, ci] = c.x;
  const info = tf.backend_util.computeConv2DInfo(c.x, [c.k, c.k, ci, c.co], c.stride, 1, c.pad);
  const { outHeight: oh, outWidth: ow } = info;
  const { top, left } = info.padInfo;
  const out = new Float64Array(c.k * c.k * ci * c.co);
  for (let kh = 0; kh < c.k; kh++)
    for (let kw = 0; kw < c.k; kw++)
      for (let i = 0; i < ci; i++)
        for (let o = 0; o < c.co; o++) {
          let sum = 0;
          for (let b = 0; b < n; b++)
            for (let y = 0; y < oh; y++)
              for (let z = 0; z < ow; z++) {
                const ih = y * c.stride + kh - top;
                const iw = z * c.stride + kw - left;
                if (ih < 0 || ih >= h || iw < 0 || iw >= w) continue;
                sum += (x[((b * h + ih) * w + iw) * ci + i] as number) * (dy[((b * oh + y) * ow + z) * c.co + o] as number);
              }
          out[((kh * c.k + kw) * ci + i) * c.co + o] = sum;
        }
  return out;
}

async function filterGradOn(backend: string, c: Case, xv: Float32Array, dyv: Float32Array): Promise<Float32Array> {
  expect(await tf.setBackend(backend)).toBe(true);
  const x = tf.tensor4d(xv, c.x);
  const dy = tf.tensor4d(dyv, dyShape(c));
  const g = tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, {
    strides: c.stride,
    pad: c.pad,
    dataFormat: 'NHWC',
    filterShape: [c.k, c.k, c.x[3], c.co],
  } as unknown as tf.NamedAttrMap) as tf.Tensor;
  const values = (await g.data()) as Float32Array;
  tf.dispose([x, dy, g]);
  return values;
}

async function compare(c: Case): Promise<void> {
  const xv = seededValues(sizeOf(c.x), 11);
  const dyv = seededValues(sizeOf(dyShape(c)), 23);
  const actual = await filterGradOn('webgpu', c, xv, dyv);
  expectClose(actual, reference(c, xv, dyv), 1e-5);
  expectClose(actual, await filterGradOn('cpu', c, xv, dyv), 1e-5);
}

describeWebgpu('Conv2DBackpropFilter on webgpu (split-K) matches a float64 reference and the cpu backend', () => {
  beforeAll(async () => {
    await useWebgpu();
    expect(tf.getKernel('Conv2DBackpropFilter', 'webgpu')?.kernelFunc).toBe(conv2DBackpropFilterWebgpuOverride.config.kernelFunc);
  });

  const cases: Case[] = [];
  for (const k of [1, 3, 7]) {
    for (const stride of [1, 2]) {
      for (const pad of ['same', 'valid'] as const) {
        for (const batch of [1, 3]) cases.push({ x: [batch, 11, 9, 3], k, stride, pad, co: 4 });
      }
    }
  }
  it.each(cases.map((c) => [`k${c.k} s${c.stride} ${String(c.pad)} batch ${c.x[0]}`, c] as const))('%s', async (_name, c) => {
    await compare(c);
  });

  it('wide layers: several tiles of taps and channels, 2 and 4 per thread, even sizes', async () => {
    await compare({ x: [2, 8, 8, 16], k: 3, stride: 2, pad: 'same', co: 32 });
    await compare({ x: [1, 6, 5, 9], k: 3, stride: 1, pad: 'same', co: 70 });
  });

  it('explicit padding', async () => {
    await compare({ x: [2, 7, 9, 3], k: 3, stride: 2, pad: [[0, 0], [1, 2], [2, 0], [0, 0]], co: 5 });
  });

  it('a reduction split into many chunks (and a short last chunk) sums to the same gradient', async () => {
    const c: Case = { x: [5, 13, 11, 2], k: 3, stride: 1, pad: 'same', co: 3 };
    const info = tf.backend_util.computeConv2DInfo(c.x, [3, 3, 2, 3], 1, 1, 'same');
    try {
      const opts = configureConv2DBackpropFilterWebgpu({ minChunk: 32, targetWorkgroups: 1000 });
      const plan = planFilterGrad(info, opts);
      expect(plan.splits).toBe(Math.ceil(715 / 32));
      expect(715 % plan.chunk).not.toBe(0);
      await compare(c);
      configureConv2DBackpropFilterWebgpu({ minChunk: 16, targetWorkgroups: 1 });
      expect(planFilterGrad(info).splits).toBe(1);
      await compare(c);
    } finally {
      configureConv2DBackpropFilterWebgpu();
    }
  });

  it('the gradient through tf.grad of a conv2d, and NCHW through the replaced kernel', async () => {
    const xv = seededValues(2 * 7 * 7 * 3, 5);
    const wv = seededValues(3 * 3 * 3 * 4, 6);
    const run = async (backend: string): Promise<Float32Array> => {
      expect(await tf.setBackend(backend)).toBe(true);
      const g = tf.tidy(() =>
        tf.grad((w: tf.Tensor) => tf.conv2d(tf.tensor4d(xv, [2, 7, 7, 3]), w as tf.Tensor4D, 2, 'same').square().sum())(
          tf.tensor4d(wv, [3, 3, 3, 4]),
        ),
      );
      const v = (await g.data()) as Float32Array;
      g.dispose();
      return v;
    };
    expectClose(await run('webgpu'), await run('cpu'), 1e-5);

    const nchw = async (backend: string): Promise<Float32Array> => {
      expect(await tf.setBackend(backend)).toBe(true);
      const g = tf.tidy(
        () =>
          tf.engine().runKernel('Conv2DBackpropFilter', { x: tf.tensor4d(xv, [2, 3, 7, 7]), dy: tf.tensor4d(seededValues(2 * 4 * 4 * 4, 9), [2, 4, 4, 4]) }, {
            strides: 2,
            pad: 'same',
            dataFormat: 'NCHW',
            filterShape: [3, 3, 3, 4],
          } as unknown as tf.NamedAttrMap) as tf.Tensor,
      );
      const v = (await g.data()) as Float32Array;
      g.dispose();
      return v;
    };
    expectClose(await nchw('webgpu'), await nchw('cpu'), 1e-5);
  });

  it('leaks no tensors and no backend data', async () => {
    expect(await tf.setBackend('webgpu')).toBe(true);
    const c: Case = { x: [3, 11, 9, 3], k: 3, stride: 2, pad: 'same', co: 4 };
    const x = tf.tensor4d(seededValues(sizeOf(c.x), 1), c.x);
    const dy = tf.tensor4d(seededValues(sizeOf(dyShape(c)), 2), dyShape(c));
    const attrs = { strides: 2, pad: 'same', dataFormat: 'NHWC', filterShape: [3, 3, 3, 4] } as unknown as tf.NamedAttrMap;
    configureConv2DBackpropFilterWebgpu({ minChunk: 16 }); // several chunks: an intermediate buffer
    try {
      const tensorsBefore = tf.memory().numTensors;
      const dataBefore = tf.engine().backend.numDataIds();
      for (let i = 0; i < 3; i++) {
        const g = tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, attrs) as tf.Tensor;
        await g.data();
        g.dispose();
      }
      expect(tf.memory().numTensors).toBe(tensorsBefore);
      expect(tf.engine().backend.numDataIds()).toBe(dataBefore);
    } finally {
      configureConv2DBackpropFilterWebgpu();
      tf.dispose([x, dy]);
    }
  });

  it('rejects bad tuning options', () => {
    expect(() => configureConv2DBackpropFilterWebgpu({ minChunk: 0 })).toThrow('Expected `minChunk` to be a positive integer, got 0.');
    expect(() => configureConv2DBackpropFilterWebgpu({ chunk: 3 } as never)).toThrow(TypeError);
  });
});
