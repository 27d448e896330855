/** reestimateBatchNorm: the moving statistics become the average of the batches' statistics. */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { reestimateBatchNorm } from '../../src/optimizers/batch-norm.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const N = 40;
const F = 5;
const xs = tf.tidy(() => tf.randomNormal([N, F], 2, 3, 'float32', 17));

/** input → (dense) → BN(momentum) → dense; `nested` puts the BN inside an inner sequential model. */
function model(nested = false, momentum = 0.99): { m: tf.LayersModel; bn: tf.layers.Layer } {
  const bn = tf.layers.batchNormalization({ momentum, inputShape: [F] });
  const head = tf.layers.dense({ units: 2, kernelInitializer: tf.initializers.glorotUniform({ seed: 3 }) });
  if (!nested) return { m: tf.sequential({ layers: [bn, head] }), bn };
  const inner = tf.sequential({ layers: [bn] });
  const input = tf.input({ shape: [F] });
  const out = head.apply(inner.apply(input)) as tf.SymbolicTensor;
  return { m: tf.model({ inputs: input, outputs: out }), bn };
}

/** Per-feature mean and biased variance of rows [start, start + size) of `rows`, wrapping, in float64. */
function batchStats(rows: number[][], start: number, size: number): { mean: number[]; variance: number[] } {
  const picked = Array.from({ length: size }, (_, i) => rows[(start + i) % rows.length]!);
  const mean = Array.from({ length: F }, (_, f) => picked.reduce((a, r) => a + r[f]!, 0) / size);
  const variance = Array.from({ length: F }, (_, f) => picked.reduce((a, r) => a + (r[f]! - mean[f]!) ** 2, 0) / size);
  return { mean, variance };
}

async function expected(numBatches: number, batchSize: number): Promise<{ mean: number[]; variance: number[] }> {
  const rows = (await xs.array()) as number[][];
  const mean = new Array<number>(F).fill(0);
  const variance = new Array<number>(F).fill(0);
  for (let i = 0; i < numBatches; i++) {
    const s = batchStats(rows, (i * batchSize) % N, batchSize);
    for (let f = 0; f < F; f++) {
      mean[f] = mean[f]! + s.mean[f]! / numBatches;
      variance[f] = variance[f]! + s.variance[f]! / numBatches;
    }
  }
  return { mean, variance };
}

async function stats(bn: tf.layers.Layer): Promise<{ mean: number[]; variance: number[] }> {
  const w = bn.getWeights(); // gamma, beta, moving mean, moving variance
  return { mean: Array.from(await w[2]!.data()), variance: Array.from(await w[3]!.data()) };
}

describe('reestimateBatchNorm', () => {
  it.each([
    ['a sequential model, 5 batches of 8', false, 5, 8],
    ['a nested model, 7 batches of 8 (wrapping around the 40 examples)', true, 7, 8],
    ['50 batches (the default) of 16', false, 50, 16],
  ] as const)('sets the moving statistics to the mean of the batch statistics: %s', async (_label, nested, numBatches, batchSize) => {
    const { m, bn } = model(nested);
    const trainableBefore = await Promise.all(m.trainableWeights.map((w) => w.read().data()));
    const before = await stats(bn);
    expect(before.mean.every((v) => v === 0)).toBe(true); // initial moving mean
    const result = reestimateBatchNorm(m, xs, numBatches === 50 ? { batchSize } : { numBatches, batchSize });
    expect(result).toEqual({ layers: 1, batches: numBatches });
    const got = await stats(bn);
    const want = await expected(numBatches, batchSize);
    got.mean.forEach((v, f) => expect(Math.abs(v - want.mean[f]!)).toBeLessThan(1e-5 * (1 + Math.abs(want.mean[f]!))));
    got.variance.forEach((v, f) => expect(Math.abs(v - want.variance[f]!)).toBeLessThan(1e-5 * (1 + want.variance[f]!)));
    // The layer's momentum is put back, and the trainable weights are untouched.
    expect((bn as unknown as { momentum: number }).momentum).toBe(0.99);
    const trainableAfter = await Promise.all(m.trainableWeights.map((w) => w.read().data()));
    trainableAfter.forEach((a, i) => expect(Array.from(a)).toEqual(Array.from(trainableBefore[i]!)));
    m.dispose();
  });

  it('does not depend on the old statistics (the plain momentum update would keep 0.99^50 of them)', async () => {
    const a = model(false);
    const b = model(false);
    b.bn.setWeights([...b.bn.getWeights().slice(0, 2), tf.fill([F], 100), tf.fill([F], 50)]);
    reestimateBatchNorm(a.m, xs, { batchSize: 8 });
    reestimateBatchNorm(b.m, xs, { batchSize: 8 });
    const [sa, sb] = [await stats(a.bn), await stats(b.bn)];
    // Equal up to float32 rounding of the first update (100 − (100 − mean)).
    sb.mean.forEach((v, f) => expect(Math.abs(v - sa.mean[f]!)).toBeLessThan(1e-4));
    sb.variance.forEach((v, f) => expect(Math.abs(v - sa.variance[f]!)).toBeLessThan(1e-4));
    expect(Math.max(...sb.mean)).toBeLessThan(10);
    a.m.dispose();
    b.m.dispose();
  });

  it('runs nothing for a model without batch normalization, and leaks no tensors', () => {
    const plain = tf.sequential({ layers: [tf.layers.dense({ inputShape: [F], units: 2 })] });
    expect(reestimateBatchNorm(plain, xs)).toEqual({ layers: 0, batches: 0 });
    const { m } = model(true);
    reestimateBatchNorm(m, xs, { numBatches: 2 });
    const before = tf.memory().numTensors;
    reestimateBatchNorm(m, xs, { numBatches: 9, batchSize: 7 });
    expect(tf.memory().numTensors).toBe(before);
    plain.dispose();
    m.dispose();
  });

  it('feeds the same rows of every input to a multi-input model', async () => {
    // Input a through the batch norm, input b (another scale) straight to the head.
    const a = tf.input({ shape: [F] });
    const b = tf.input({ shape: [F] });
    const bn = tf.layers.batchNormalization({ momentum: 0.99 });
    const out = tf.layers.dense({ units: 2 }).apply(tf.layers.concatenate().apply([bn.apply(a) as tf.SymbolicTensor, b]) as tf.SymbolicTensor) as tf.SymbolicTensor;
    const m = tf.model({ inputs: [a, b], outputs: out });
    const other = tf.mul(xs, 100);
    expect(reestimateBatchNorm(m, [xs, other], { numBatches: 7, batchSize: 8 })).toEqual({ layers: 1, batches: 7 });
    const want = await expected(7, 8);
    const got = await stats(bn);
    got.mean.forEach((v, f) => expect(v).toBeCloseTo(want.mean[f]!, 4));
    got.variance.forEach((v, f) => expect(v).toBeCloseTo(want.variance[f]!, 3));
    expect(() => reestimateBatchNorm(m, [xs, other.slice(0, 30)])).toThrow(/same number of examples, got 40, 30/);
    expect(() => reestimateBatchNorm(m, [])).toThrow(/non-empty array/);
    other.dispose();
    m.dispose();
  });

  it('refuses bad input before any forward pass', async () => {
    const { m, bn } = model(false);
    const cases: Array<[() => unknown, new (...a: never[]) => Error, RegExp]> = [
      [() => reestimateBatchNorm({} as never, xs), TypeError, /`model`/],
      [() => reestimateBatchNorm(m, [1, 2] as never), TypeError, /`x`/],
      [() => reestimateBatchNorm(m, xs, { numBatches: 0 }), RangeError, /`numBatches` to be an integer >= 1, got 0/],
      [() => reestimateBatchNorm(m, xs, { batchSize: 1.5 }), RangeError, /`batchSize`/],
      [() => reestimateBatchNorm(m, xs, { batches: 3 } as never), TypeError, /Unknown option `batches`/],
    ];
    for (const [fn, type, message] of cases) {
      expect(fn).toThrow(type);
      expect(fn).toThrow(message);
    }
    expect((await stats(bn)).mean.every((v) => v === 0)).toBe(true);
    m.dispose();
  });
});
