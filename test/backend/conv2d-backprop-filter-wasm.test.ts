import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { beforeAll, describe, expect, it } from 'vitest';

import { conv2DBackpropFilterWasmConfig } from '../../src/backend/kernels/conv2d-backprop-filter-wasm.js';
import { registerKernelOverrides } from '../../src/backend/kernels/register.js';
import { dyShape, expectClose, seededValues, sizeOf, valuesOn, type Case } from './helpers.js';

function filterGrad(c: Case, xv: Float32Array, dyv: Float32Array): tf.Tensor {
  const x = tf.tensor4d(xv, c.x);
  const dy = tf.tensor4d(dyv, dyShape(c));
  return tf.engine().runKernel(
    'Conv2DBackpropFilter',
    { x, dy },
    { strides: c.stride, pad: c.pad, dataFormat: 'NHWC', filterShape: [c.k, c.k, c.x[3], c.co] } as unknown as tf.NamedAttrMap,
  ) as tf.Tensor;
}

async function compare(c: Case): Promise<void> {
  const xv = seededValues(sizeOf(c.x), 11);
  const dyv = seededValues(sizeOf(dyShape(c)), 23);
  const expected = await valuesOn('cpu', () => filterGrad(c, xv, dyv));
  const actual = await valuesOn('wasm', () => filterGrad(c, xv, dyv));
  expect(actual.length).toBe(c.k * c.k * c.x[3] * c.co);
  expectClose(actual, expected, 1e-4);
}

beforeAll(async () => {
  expect(await tf.setBackend('wasm')).toBe(true);
  expect(registerKernelOverrides('wasm')).toEqual(['Conv2DBackpropFilter', 'Conv2DBackpropInput', 'Tile']);
});

describe('Conv2DBackpropFilter on wasm matches the cpu backend', () => {
  const cases: Case[] = [];
  for (const k of [1, 3, 7]) {
    for (const stride of [1, 2]) {
      for (const pad of ['same', 'valid'] as const) {
        for (const batch of [1, 3]) {
          cases.push({ x: [batch, 11, 9, 3], k, stride, pad, co: 4 });
        }
      }
    }
  }
  it.each(cases.map((c) => [`k${c.k} s${c.stride} ${String(c.pad)} batch ${c.x[0]}`, c] as const))('%s', async (_name, c) => {
    await compare(c);
  });

  it('even spatial size with stride 2 and same padding (an unread last row and column)', async () => {
    await compare({ x: [2, 8, 10, 5], k: 3, stride: 2, pad: 'same', co: 6 });
  });

  it('explicit padding', async () => {
    await compare({ x: [2, 7, 9, 3], k: 3, stride: 2, pad: [[0, 0], [1, 2], [2, 0], [0, 0]], co: 5 });
  });

  it('one input channel and wide layers (ResNet shapes)', async () => {
    await compare({ x: [2, 9, 9, 1], k: 3, stride: 1, pad: 'same', co: 3 });
    await compare({ x: [2, 8, 8, 16], k: 3, stride: 2, pad: 'same', co: 32 });
  });

  it('rank-3 inputs (batch of one, through the public op)', async () => {
    const xv = seededValues(7 * 7 * 2, 5);
    const wv = seededValues(3 * 3 * 2 * 4, 6);
    const run = (): tf.Tensor =>
      tf.grad((w: tf.Tensor) => tf.conv2d(tf.tensor3d(xv, [7, 7, 2]), w as tf.Tensor4D, 2, 'same').sum())(
        tf.tensor4d(wv, [3, 3, 2, 4]),
      );
    expectClose(await valuesOn('wasm', run), await valuesOn('cpu', run));
  });
});

describe('gradients through tf.grad of a conv2d', () => {
  it('filter and input gradients on wasm match cpu', async () => {
    const xShape: [number, number, number, number] = [3, 9, 9, 4];
    const wShape: [number, number, number, number] = [3, 3, 4, 6];
    const xv = seededValues(sizeOf(xShape), 1);
    const wv = seededValues(sizeOf(wShape), 2);
    const gv = seededValues(3 * 5 * 5 * 6, 3);
    const grads = (which: 0 | 1) => (): tf.Tensor => {
      const g = tf.tensor4d(gv, [3, 5, 5, 6]);
      const f = (x: tf.Tensor, w: tf.Tensor): tf.Scalar =>
        tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 2, 'same').relu().mul(g).sum();
      return tf.grads(f)([tf.tensor4d(xv, xShape), tf.tensor4d(wv, wShape)])[which] as tf.Tensor;
    };
    expectClose(await valuesOn('wasm', grads(1)), await valuesOn('cpu', grads(1)));
    expectClose(await valuesOn('wasm', grads(0)), await valuesOn('cpu', grads(0)));
  });

  it('one SGD step of a small conv net gives the same weights on wasm and cpu', async () => {
    const build = (): tf.LayersModel => {
      const m = tf.sequential();
      m.add(tf.layers.conv2d({ inputShape: [9, 9, 3], filters: 4, kernelSize: 3, strides: 2, padding: 'same', useBias: false }));
      m.add(tf.layers.batchNormalization());
      m.add(tf.layers.reLU());
      m.add(tf.layers.conv2d({ filters: 5, kernelSize: 1, padding: 'valid', useBias: false }));
      m.add(tf.layers.globalAveragePooling2d({}));
      m.add(tf.layers.dense({ units: 3, activation: 'softmax' }));
      m.compile({ optimizer: tf.train.momentum(0.1, 0.9), loss: 'categoricalCrossentropy' });
      return m;
    };
    const trained = async (backend: string): Promise<Float32Array[]> => {
      expect(await tf.setBackend(backend)).toBe(true);
      const model = build();
      model.setWeights(model.getWeights().map((w, i) => tf.tensor(seededValues(w.size, 100 + i), w.shape)));
      const x = tf.tensor4d(seededValues(4 * 9 * 9 * 3, 7), [4, 9, 9, 3]);
      const y = tf.oneHot(tf.tensor1d([0, 1, 2, 1], 'int32'), 3);
      await model.trainOnBatch(x, y);
      await model.trainOnBatch(x, y);
      const out = await Promise.all(model.getWeights().map(async (w) => (await w.data()) as Float32Array));
      tf.dispose([x, y]);
      model.dispose();
      return out;
    };
    const onCpu = await trained('cpu');
    const onWasm = await trained('wasm');
    expect(onWasm.length).toBe(onCpu.length);
    onCpu.forEach((w, i) => expectClose(onWasm[i] as Float32Array, w, 1e-3));
  });
});

describe('resources and errors', () => {
  it('leaks no tensors and no backend data on wasm', async () => {
    expect(await tf.setBackend('wasm')).toBe(true);
    const c: Case = { x: [3, 11, 9, 3], k: 3, stride: 2, pad: 'same', co: 4 };
    const x = tf.tensor4d(seededValues(sizeOf(c.x), 1), c.x);
    const dy = tf.tensor4d(seededValues(sizeOf(dyShape(c)), 2), dyShape(c));
    const w = tf.tensor4d(seededValues(3 * 3 * 3 * 4, 3), [3, 3, 3, 4]);
    const tensorsBefore = tf.memory().numTensors;
    const dataBefore = tf.engine().backend.numDataIds();
    for (let i = 0; i < 3; i++) {
      const g = tf.engine().runKernel(
        'Conv2DBackpropFilter',
        { x, dy },
        { strides: 2, pad: 'same', dataFormat: 'NHWC', filterShape: [3, 3, 3, 4] } as unknown as tf.NamedAttrMap,
      ) as tf.Tensor;
      await g.data();
      g.dispose();
      const gw = tf.tidy(() => tf.grad((ww: tf.Tensor) => tf.conv2d(x, ww as tf.Tensor4D, 2, 'valid').square().sum())(w));
      gw.dispose();
    }
    expect(tf.memory().numTensors).toBe(tensorsBefore);
    expect(tf.engine().backend.numDataIds()).toBe(dataBefore);
    tf.dispose([x, dy, w]);
  });

  it('rejects NCHW and dilations other than 1 with a clear error', async () => {
    expect(await tf.setBackend('wasm')).toBe(true);
    const x = tf.zeros([1, 2, 5, 5]);
    const dy = tf.zeros([1, 3, 5, 5]);
    expect(() =>
      tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, {
        strides: 1,
        pad: 'same',
        dataFormat: 'NCHW',
        filterShape: [3, 3, 2, 3],
      } as unknown as tf.NamedAttrMap),
    ).toThrow(/Conv2DBackpropFilter \(wasm\): dataFormat "NCHW" \(only "NHWC", channels last\) is not supported/);
    const x2 = tf.zeros([1, 5, 5, 2]);
    const dy2 = tf.zeros([1, 5, 5, 3]);
    expect(() =>
      tf.engine().runKernel('Conv2DBackpropFilter', { x: x2, dy: dy2 }, {
        strides: 1,
        pad: 'same',
        dataFormat: 'NHWC',
        dilations: 2,
        filterShape: [3, 3, 2, 3],
      } as unknown as tf.NamedAttrMap),
    ).toThrow(/dilations \[2, 2\] \(only 1\) is not supported/);
    tf.dispose([x, dy, x2, dy2]);
  });

  it('registration is idempotent and keeps this kernel', () => {
    expect(registerKernelOverrides('wasm')).toEqual(['Conv2DBackpropFilter', 'Conv2DBackpropInput', 'Tile']);
    expect(registerKernelOverrides('wasm')).toEqual(['Conv2DBackpropFilter', 'Conv2DBackpropInput', 'Tile']);
    expect(tf.getKernel('Conv2DBackpropFilter', 'wasm')?.kernelFunc).toBe(conv2DBackpropFilterWasmConfig.kernelFunc);
    expect(registerKernelOverrides('cpu')).toEqual([]);
    expect(tf.getKernel('Conv2DBackpropFilter', 'cpu')?.kernelFunc).not.toBe(conv2DBackpropFilterWasmConfig.kernelFunc);
  });

  it('replaces a kernel registered earlier under the same name', () => {
    const other: tf.KernelFunc = () => {
      throw new Error('placeholder kernel');
    };
    tf.unregisterKernel('Conv2DBackpropFilter', 'wasm');
    tf.registerKernel({ kernelName: 'Conv2DBackpropFilter', backendName: 'wasm', kernelFunc: other });
    registerKernelOverrides('wasm');
    expect(tf.getKernel('Conv2DBackpropFilter', 'wasm')?.kernelFunc).toBe(conv2DBackpropFilterWasmConfig.kernelFunc);
  });
});
