import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { beforeAll, describe, expect, it } from 'vitest';

import { conv2DBackpropInputWasmOverride } from '../../src/backend/kernels/conv2d-backprop-input-wasm.js';
import { registerKernelOverrides } from '../../src/backend/kernels/register.js';
import { dyShape, expectClose, seededValues, sizeOf, valuesOn, type Case } from './helpers.js';

function inputGrad(c: Case, dyv: Float32Array, wv: Float32Array): tf.Tensor {
  return tf.engine().runKernel(
    'Conv2DBackpropInput',
    { dy: tf.tensor4d(dyv, dyShape(c)), filter: tf.tensor4d(wv, [c.k, c.k, c.x[3], c.co]) },
    { strides: c.stride, pad: c.pad, dataFormat: 'NHWC', inputShape: c.x } as unknown as tf.NamedAttrMap,
  ) as tf.Tensor;
}

async function compare(c: Case): Promise<void> {
  const dyv = seededValues(sizeOf(dyShape(c)), 31);
  const wv = seededValues(c.k * c.k * c.x[3] * c.co, 37);
  const expected = await valuesOn('cpu', () => inputGrad(c, dyv, wv));
  const actual = await valuesOn('wasm', () => inputGrad(c, dyv, wv));
  expect(actual.length).toBe(sizeOf(c.x));
  expectClose(actual, expected, 1e-4);
}

beforeAll(async () => {
  expect(await tf.setBackend('wasm')).toBe(true);
  registerKernelOverrides('wasm');
  expect(tf.getKernel('Conv2DBackpropInput', 'wasm')?.kernelFunc).toBe(conv2DBackpropInputWasmOverride.config.kernelFunc);
});

describe('Conv2DBackpropInput on wasm matches the cpu backend', () => {
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

  it('even sizes, stride 2, 1x1 valid with an unread last row (ResNet shortcut shapes)', async () => {
    await compare({ x: [2, 8, 10, 5], k: 3, stride: 2, pad: 'same', co: 6 });
    await compare({ x: [2, 5, 5, 4], k: 1, stride: 2, pad: 'valid', co: 3 });
  });

  it('explicit padding, and padding larger than the filter (handled by the replaced kernel)', async () => {
    await compare({ x: [2, 7, 9, 3], k: 3, stride: 2, pad: [[0, 0], [1, 2], [2, 0], [0, 0]], co: 5 });
    await compare({ x: [1, 6, 6, 2], k: 3, stride: 1, pad: [[0, 0], [3, 3], [3, 3], [0, 0]], co: 2 });
  });

  it('leaks no tensors and no backend data', async () => {
    expect(await tf.setBackend('wasm')).toBe(true);
    const c: Case = { x: [3, 11, 9, 3], k: 3, stride: 2, pad: 'same', co: 4 };
    const dy = tf.tensor4d(seededValues(sizeOf(dyShape(c)), 1), dyShape(c));
    const w = tf.tensor4d(seededValues(108, 2), [3, 3, 3, 4]);
    const x = tf.tensor4d(seededValues(sizeOf(c.x), 3), c.x);
    const tensorsBefore = tf.memory().numTensors;
    const dataBefore = tf.engine().backend.numDataIds();
    for (let i = 0; i < 3; i++) {
      const g = tf.engine().runKernel('Conv2DBackpropInput', { dy, filter: w }, {
        strides: 2,
        pad: 'same',
        dataFormat: 'NHWC',
        inputShape: c.x,
      } as unknown as tf.NamedAttrMap) as tf.Tensor;
      await g.data();
      g.dispose();
      tf.tidy(() => tf.grad((xx: tf.Tensor) => tf.conv2d(xx as tf.Tensor4D, w, 2, 'valid').square().sum())(x)).dispose();
    }
    expect(tf.memory().numTensors).toBe(tensorsBefore);
    expect(tf.engine().backend.numDataIds()).toBe(dataBefore);
    tf.dispose([dy, w, x]);
  });
});
