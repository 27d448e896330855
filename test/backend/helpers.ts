/** Shared helpers of the backend tests: seeded data and CPU-vs-WASM comparison. */
import * as tf from '@tensorflow/tfjs';
import { expect } from 'vitest';

/** Deterministic values in [-1, 1) from a 32-bit LCG, so every backend sees the same data. */
export function seededValues(size: number, seed: number): Float32Array {
  const out = new Float32Array(size);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < size; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 2 ** 31 - 1;
  }
  return out;
}

/** Number of elements of a shape. */
export function sizeOf(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** Asserts max |a - b| <= rtol * max(max |b|, 1e-6) elementwise over two arrays. */
export function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, rtol = 1e-4): void {
  expect(actual.length).toBe(expected.length);
  let maxErr = 0;
  let maxRef = 0;
  for (let i = 0; i < expected.length; i++) {
    const e = expected[i] as number;
    const a = actual[i] as number;
    expect(Number.isFinite(a)).toBe(true);
    maxErr = Math.max(maxErr, Math.abs(a - e));
    maxRef = Math.max(maxRef, Math.abs(e));
  }
  expect(maxRef).toBeGreaterThan(0);
  expect(maxErr / Math.max(maxRef, 1e-6)).toBeLessThanOrEqual(rtol);
}

/** Runs `fn` on the named backend and returns the values of the tensor it produces. */
export async function valuesOn(backend: string, fn: () => tf.Tensor): Promise<Float32Array> {
  const ok = await tf.setBackend(backend);
  expect(ok).toBe(true);
  const t = tf.tidy(fn);
  const values = (await t.data()) as Float32Array;
  t.dispose();
  return values;
}

/** Padding of a conv2d case: a mode or explicit NHWC pads. */
export type Pad = 'same' | 'valid' | [[number, number], [number, number], [number, number], [number, number]];

/** One conv2d case: input shape, square kernel size, stride, padding, output channels. */
export interface Case {
  x: [number, number, number, number];
  k: number;
  stride: number;
  pad: Pad;
  co: number;
}

/** dy shape of a conv2d with these parameters (computed by tfjs's own shape logic). */
export function dyShape(c: Case): [number, number, number, number] {
  return tf.backend_util.computeConv2DInfo(c.x, [c.k, c.k, c.x[3], c.co], c.stride, 1, c.pad).outShape as [number, number, number, number];
}
