import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { beforeAll, describe, expect, it } from 'vitest';

import { registerKernelOverrides } from '../../src/backend/kernels/register.js';
import { tileWasmOverride } from '../../src/backend/kernels/tile-wasm.js';
import { seededValues, sizeOf } from './helpers.js';

async function tiledOn(backend: string, shape: number[], reps: number[], dtype: 'float32' | 'int32' | 'bool'): Promise<number[]> {
  expect(await tf.setBackend(backend)).toBe(true);
  const raw = seededValues(sizeOf(shape), 9);
  const values = dtype === 'float32' ? raw : Array.from(raw, (v) => (dtype === 'bool' ? (v > 0 ? 1 : 0) : Math.round(v * 100)));
  const x = tf.tensor(values, shape, dtype);
  const t = tf.tile(x, reps);
  const out = Array.from(await t.data());
  tf.dispose([x, t]);
  return out;
}

beforeAll(async () => {
  expect(await tf.setBackend('wasm')).toBe(true);
  registerKernelOverrides('wasm');
  expect(tf.getKernel('Tile', 'wasm')?.kernelFunc).toBe(tileWasmOverride.config.kernelFunc);
});

describe('Tile on wasm matches the cpu backend', () => {
  const cases: Array<[number[], number[], 'float32' | 'int32' | 'bool']> = [
    [[1, 1, 1, 5], [3, 4, 6, 1], 'float32'], // batch-norm gradient pattern
    [[2, 3], [2, 3], 'float32'],
    [[3], [4], 'int32'],
    [[2, 1, 3], [1, 5, 2], 'bool'],
    [[2, 3, 1, 2, 2], [2, 1, 3, 1, 2], 'float32'],
    [[4, 2], [1, 1], 'float32'],
    [[2, 0], [3, 2], 'float32'],
  ];
  it.each(cases)('shape %j reps %j (%s)', async (shape, reps, dtype) => {
    const expected = await tiledOn('cpu', shape, reps, dtype);
    const actual = await tiledOn('wasm', shape, reps, dtype);
    expect(actual).toEqual(expected);
    expect(actual.length).toBe(sizeOf(shape) * sizeOf(reps));
  });

  it('rejects string tensors with a clear error', async () => {
    expect(await tf.setBackend('wasm')).toBe(true);
    const x = tf.tensor(['a', 'b']);
    expect(() => tf.tile(x, [2])).toThrow('Tile (wasm): dtype string is not supported.');
    x.dispose();
  });

  it('leaks no tensors and no backend data', async () => {
    expect(await tf.setBackend('wasm')).toBe(true);
    const x = tf.ones([1, 1, 1, 4]);
    const tensorsBefore = tf.memory().numTensors;
    const dataBefore = tf.engine().backend.numDataIds();
    for (let i = 0; i < 3; i++) tf.tile(x, [2, 3, 3, 1]).dispose();
    expect(tf.memory().numTensors).toBe(tensorsBefore);
    expect(tf.engine().backend.numDataIds()).toBe(dataBefore);
    x.dispose();
  });
});
