/**
 * AutoLRS with losses below zero: a cross-entropy shifted by -5, and a Gaussian negative
 * log-likelihood that falls below zero as the fit improves.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { autoLRS, type AutoLRSArgs } from '../../src/scheduler/callback.js';
import type { StageRecord } from '../../src/scheduler/reference/controller.js';
import { data, mlp, recordAppliedLr } from '../helpers/training.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

type Loss = (yTrue: tf.Tensor, yPred: tf.Tensor) => tf.Tensor;

/** Fits `model` compiled with `loss` under AutoLRS; returns the history and the LR of every update. */
async function tune(
  model: tf.LayersModel,
  optimizer: tf.Optimizer,
  loss: Loss,
  xy: { x: tf.Tensor; y: tf.Tensor },
  args: AutoLRSArgs,
  fit: { batchSize: number; epochs: number },
): Promise<{ history: StageRecord[]; used: number[] }> {
  model.compile({ optimizer, loss });
  const used = recordAppliedLr(optimizer);
  const tuner = autoLRS({ ...args, strategy: 'reference' });
  await model.fit(xy.x, xy.y, { ...fit, shuffle: false, verbose: 0, callbacks: [tuner] });
  const history = tuner.history;
  model.dispose();
  return { history, used };
}

const trials = (h: StageRecord[]) => h.flatMap((s) => s.trials);

describe('a cross-entropy shifted by -5', () => {
  it('is tuned as the cross-entropy itself: the same LRs at every step, forecasts 5 lower, no probe diverged', async () => {
    const xy = data();
    const args = { minLr: 1e-3, maxLr: 0.5, tau: 20, tauPrime: 4, k: 3, tauMax: 1000 };
    const fit = { batchSize: 8, epochs: 12 }; // 96 steps: stages 1 and 2
    const ce: Loss = (t, p) => tf.metrics.categoricalCrossentropy(t, p);
    const a = await tune(mlp(), tf.train.momentum(0.01, 0.9), ce, xy, args, fit);
    const b = await tune(mlp(), tf.train.momentum(0.01, 0.9), (t, p) => tf.sub(ce(t, p), 5), xy, args, fit);
    expect(b.history.map((s) => s.trials.length)).toEqual([3, 3, 0]);
    // Without sign-safe checks every probe of `b` was judged diverged and every stage fell back to minLr.
    expect(trials(b.history).filter((t) => t.note !== undefined)).toEqual([]);
    trials(b.history).forEach((t, i) => {
      const ta = trials(a.history)[i]!;
      expect(t.lr).toBe(ta.lr);
      expect(t.forecast).toBeCloseTo(ta.forecast - 5, 3);
      expect(t.told).toBe(t.forecast);
    });
    expect(b.history.map((s) => s.chosenLr)).toEqual(a.history.map((s) => s.chosenLr));
    expect(b.used).toHaveLength(96);
    expect(b.used).toEqual(a.used);
  });
});

describe('a Gaussian negative log-likelihood', () => {
  it('below zero: no probe is judged diverged and negative forecasts are told as they are', async () => {
    // y = x·w + noise(0.05); loss = mean(0.5·((y − ŷ)/σ)² + log σ + log √(2π)) with σ = 0.1:
    // about 100 at the start, about -1.2 once fitted.
    const { x } = data(256, 3);
    const y = tf.tidy(() => tf.add(tf.matMul(x, tf.randomNormal([8, 1], 0, 0.35, 'float32', 21)), tf.randomNormal([256, 1], 0, 0.05, 'float32', 22)));
    const sigma = 0.1;
    const nll: Loss = (t, p) =>
      tf.tidy(() => tf.add(tf.mul(0.5, tf.square(tf.div(tf.sub(t, p), sigma))), Math.log(sigma) + 0.5 * Math.log(2 * Math.PI)).mean(-1));
    const model = tf.sequential({ layers: [tf.layers.dense({ inputShape: [8], units: 1, kernelInitializer: tf.initializers.glorotUniform({ seed: 13 }) })] });
    const { history, used } = await tune(
      model,
      tf.train.sgd(1e-3),
      nll,
      { x, y },
      { minLr: 1e-5, maxLr: 0.01, tau: 20, tauPrime: 4, k: 3, tauMax: 1000 },
      { batchSize: 16, epochs: 6 }, // 96 steps: stages 1 and 2
    );
    const [s1, s2] = history;
    // Stage 1: every loss seen so far is >= 0, so a negative forecast is judged by the loss reached.
    for (const t of s1!.trials) expect(t.note).toBe(t.forecast < 0 ? 'negative-forecast' : undefined);
    // Stage 2 starts below zero (the old rule, tail > 3 x head, called all three probes diverged).
    expect(s2!.trials).toHaveLength(3);
    expect(s2!.trials.every((t) => t.forecast < 0)).toBe(true);
    for (const t of s2!.trials) expect(t).toEqual({ lr: t.lr, forecast: t.forecast, told: t.forecast });
    const best = s2!.trials.reduce((p, q) => (q.forecast < p.forecast ? q : p));
    expect(s2!.note).toBeUndefined();
    expect(s2!.chosenLr).toBe(best.lr);
    // Stage 2 trains its 40 steps at that LR: steps 32 + 3·8 = 56 to 95.
    expect(used.slice(56, 96)).toEqual(Array(40).fill(best.lr));
    tf.dispose([x, y]);
  });
});
