/**
 * Schedule-Free SGD and AdamW against the float64 implementation of the equations in
 * test/fixtures/schedule-free-reference.ts: 60 steps of a least-squares problem with
 * warmup and weight decay, compared in y after every step and in x after eval().
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { scheduleFreeAdamW } from '../../src/optimizers/schedule-free-adamw.js';
import { scheduleFreeSGD } from '../../src/optimizers/schedule-free-sgd.js';
import type { ScheduleFreeOptimizer } from '../../src/optimizers/schedule-free.js';
import { leastSquaresGrad, ScheduleFreeReference, type ReferenceConfig } from '../fixtures/schedule-free-reference.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const D = 4;
const M = 3;
const N = 8;
const STEPS = 60;

/** A deterministic stream of float32-representable numbers in [-1, 1). */
function stream(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return Math.fround(s / 2 ** 31 - 1);
  };
}

/** Step t's batch: X [N, D] and T = X·W* + 1 + noise. */
function batch(t: number): { X: number[][]; T: number[][] } {
  const rnd = stream(1000 + t);
  const wStar = stream(7);
  const W = Array.from({ length: D * M }, () => 2 * wStar());
  const X = Array.from({ length: N }, () => Array.from({ length: D }, () => rnd()));
  const T = X.map((row) => Array.from({ length: M }, (_, j) => Math.fround(1 + row.reduce((a, xi, i) => a + xi * W[i * M + j]!, 0) + 0.1 * rnd())));
  return { X, T };
}

const init = (() => {
  const rnd = stream(3);
  return { W: Array.from({ length: D * M }, () => rnd()), b: Array.from({ length: M }, () => 0.5 * rnd()) };
})();

let counter = 0;

async function run(
  optimizer: ScheduleFreeOptimizer,
  cfg: ReferenceConfig,
  evalAt: readonly number[],
): Promise<{ yErr: number[]; xErr: number[]; yScale: number }> {
  const tag = counter++;
  const W = tf.variable(tf.tensor2d(init.W, [D, M]), true, `sfref_W_${tag}`);
  const b = tf.variable(tf.tensor1d(init.b), true, `sfref_b_${tag}`);
  const ref = new ScheduleFreeReference([init.W, init.b], cfg);
  const yErr: number[] = [];
  const xErr: number[] = [];
  let yScale = 0;
  const maxErr = async (ref64: number[][]): Promise<number> => {
    const got = [Array.from(await W.data()), Array.from(await b.data())];
    let e = 0;
    got.forEach((arr, p) => arr.forEach((v, i) => (e = Math.max(e, Math.abs(v - ref64[p]![i]!) / (1 + Math.abs(ref64[p]![i]!))))));
    return e;
  };
  for (let t = 0; t < STEPS; t++) {
    const { X, T } = batch(t);
    const grads = leastSquaresGrad(X, T, ref.y[0]!, ref.y[1]!, D, M);
    ref.step(grads);
    const Xt = tf.tensor2d(X);
    const Tt = tf.tensor2d(T);
    optimizer.minimize(() => tf.mean(tf.square(tf.sub(tf.add(tf.matMul(Xt, W), b), Tt))) as tf.Scalar, false, [W, b]);
    tf.dispose([Xt, Tt]);
    yErr.push(await maxErr(ref.y));
    yScale = Math.max(yScale, ...ref.y.flat().map(Math.abs));
    if (evalAt.includes(t + 1)) {
      optimizer.eval();
      xErr.push(await maxErr(ref.x));
      optimizer.train();
    }
  }
  optimizer.dispose();
  tf.dispose([W, b]);
  return { yErr, xErr, yScale };
}

/** Every step's y and x after eval() within float32 rounding: 60 steps measured about 2e-7 relative. */
const TOLERANCE = 2e-6;

const CONFIGS: Record<string, ReferenceConfig> = {
  'SGD, warmup 20, weight decay 0.05': { kind: 'sgd', lr: 0.2, beta: 0.9, beta2: 0, eps: 0, weightDecay: 0.05, warmupSteps: 20, r: 0, weightLrPower: 2 },
  'SGD, r = 1, weightLrPower = 1, momentum 0.8': { kind: 'sgd', lr: 0.1, beta: 0.8, beta2: 0, eps: 0, weightDecay: 0.01, warmupSteps: 7, r: 1, weightLrPower: 1 },
  'AdamW, warmup 20, weight decay 0.05': { kind: 'adamw', lr: 0.05, beta: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.05, warmupSteps: 20, r: 0, weightLrPower: 2 },
  'AdamW, r = 1, beta2 0.99, eps 1e-3': { kind: 'adamw', lr: 0.02, beta: 0.95, beta2: 0.99, eps: 1e-3, weightDecay: 0.1, warmupSteps: 5, r: 1, weightLrPower: 2 },
};

function optimizerFor(c: ReferenceConfig): ScheduleFreeOptimizer {
  const common = { learningRate: c.lr, weightDecay: c.weightDecay, warmupSteps: c.warmupSteps, r: c.r, weightLrPower: c.weightLrPower };
  return c.kind === 'sgd'
    ? scheduleFreeSGD({ ...common, momentum: c.beta })
    : scheduleFreeAdamW({ ...common, beta1: c.beta, beta2: c.beta2, epsilon: c.eps });
}

describe('Schedule-Free against a float64 implementation of the equations', () => {
  it.each(Object.keys(CONFIGS))('%s: y after each of 60 steps, x after eval() at steps 1, 10, 20, 40, 60', async (name) => {
    const cfg = CONFIGS[name]!;
    const { yErr, xErr, yScale } = await run(optimizerFor(cfg), cfg, [1, 10, 20, 40, 60]);
    expect(yErr).toHaveLength(STEPS);
    expect(xErr).toHaveLength(5);
    expect(Math.max(...yErr)).toBeLessThan(TOLERANCE);
    expect(Math.max(...xErr)).toBeLessThan(TOLERANCE);
    expect(yScale).toBeGreaterThan(0.5); // the weights moved: the comparison is not of near-zero values
  });

  it('tells the method from near variants: each differs from the reference by far more than the tolerance', async () => {
    const base = CONFIGS['SGD, warmup 20, weight decay 0.05']!;
    const adam = CONFIGS['AdamW, warmup 20, weight decay 0.05']!;
    const variants: Array<[ReferenceConfig, ReferenceConfig]> = [
      [base, { ...base, weightLrPower: 0 }], // uniform averaging instead of lr_max^2 weights
      [base, { ...base, weightDecay: 0 }],
      [base, { ...base, warmupSteps: 0 }],
      [adam, { ...adam, beta2: 0.99 }],
      [adam, { ...adam, r: 1 }],
    ];
    for (const [real, variant] of variants) {
      const { yErr, xErr } = await run(optimizerFor(real), variant, [60]);
      expect(Math.max(...yErr, ...xErr)).toBeGreaterThan(100 * TOLERANCE);
    }
  });
});
