/** The LR range test: restores the training state bit for bit, and suggests a usable LR range. */
import * as tf from '@tensorflow/tfjs';
import { compile } from 'vega-lite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lrRangeTest, lrRangeTestSpec, suggestLrRange } from '../src/schedules/lr-range-test.js';
import { getLearningRate } from '../src/state/lr.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** Four Gaussian blobs in 10 dimensions, 512 examples: a separable classification problem. */
let x: tf.Tensor;
let y: tf.Tensor;
beforeAll(() => {
  const n = 512;
  const k = 4;
  tf.tidy(() => {
    const centers = tf.randomNormal([k, 10], 0, 2, 'float32', 11);
    const labels = tf.tensor1d(Array.from({ length: n }, (_, i) => i % k), 'int32');
    x = tf.keep(tf.gather(centers, labels).add(tf.randomNormal([n, 10], 0, 1, 'float32', 12)));
    y = tf.keep(tf.oneHot(labels, k).toFloat());
  });
});
afterAll(() => tf.dispose([x, y]));

function makeModel(optimizer: tf.Optimizer): tf.LayersModel {
  const model = tf.sequential({
    layers: [
      tf.layers.dense({ units: 32, activation: 'relu', inputShape: [10], kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }) }),
      tf.layers.dense({ units: 4, activation: 'softmax', kernelInitializer: tf.initializers.glorotUniform({ seed: 2 }) }),
    ],
  });
  model.compile({ optimizer, loss: 'categoricalCrossentropy' });
  return model;
}

type Internals = Record<string, unknown> & { iterations_?: number };

/** Host copies of every model weight and every optimizer state tensor, plus the iteration count and LR. */
async function snapshot(model: tf.LayersModel): Promise<unknown[]> {
  const o = model.optimizer as unknown as Internals;
  const tensors: tf.Tensor[] = model.weights.map((w) => w.read());
  for (const slot of ['accumulations', 'accumulatedFirstMoment', 'accumulatedSecondMoment']) {
    for (const e of (o[slot] as Array<{ variable: tf.Variable }> | undefined) ?? []) tensors.push(e.variable);
  }
  for (const v of ['accBeta1', 'accBeta2']) if (o[v] instanceof tf.Tensor) tensors.push(o[v] as tf.Tensor);
  const values = await Promise.all(tensors.map(async (t) => Array.from(await t.data())));
  return [values, tensors.length, o.iterations_, getLearningRate(model.optimizer)];
}

async function evaluate(model: tf.LayersModel): Promise<number> {
  const loss = model.evaluate(x, y, { batchSize: 512 }) as tf.Scalar;
  const v = (await loss.data())[0]!;
  loss.dispose();
  return v;
}

describe('lrRangeTest restores the training state', () => {
  for (const [name, make] of [
    ['momentum', () => tf.train.momentum(0.01, 0.9)],
    ['adam', () => tf.train.adam(0.001)],
  ] as const) {
    it(`weights and ${name} state are bit-identical afterwards`, async () => {
      const model = makeModel(make());
      await model.fit(x, y, { batchSize: 64, epochs: 1, verbose: 0, shuffle: false }); // accumulators exist now
      const before = await snapshot(model);
      const result = await lrRangeTest(model, { x, y }, { startLr: 1e-4, endLr: 10, numSteps: 30 });
      expect(result.lrs.length).toBeGreaterThan(5);
      const after = await snapshot(model);
      expect(after).toEqual(before);
      // ... and training continues exactly as without the range test.
      const twin = makeModel(make());
      await twin.fit(x, y, { batchSize: 64, epochs: 1, verbose: 0, shuffle: false });
      await model.fit(x, y, { batchSize: 64, epochs: 1, verbose: 0, shuffle: false });
      await twin.fit(x, y, { batchSize: 64, epochs: 1, verbose: 0, shuffle: false });
      expect(await snapshot(model)).toEqual(await snapshot(twin));
      model.dispose();
      twin.dispose();
    });
  }

  it('restores the state when a step throws', async () => {
    const model = makeModel(tf.train.momentum(0.01, 0.9));
    await model.fit(x, y, { batchSize: 64, epochs: 1, verbose: 0 });
    const before = await snapshot(model);
    const original = model.trainOnBatch.bind(model);
    let calls = 0;
    model.trainOnBatch = async (xs, ys) => {
      if (++calls === 6) throw new Error('boom');
      return original(xs, ys);
    };
    await expect(lrRangeTest(model, { x, y }, { numSteps: 20, startLr: 0.01, endLr: 1 })).rejects.toThrow('boom');
    model.trainOnBatch = original;
    expect(calls).toBe(6);
    expect(await snapshot(model)).toEqual(before);
    model.dispose();
  });

  it('leaks no tensors', async () => {
    const model = makeModel(tf.train.adam(0.001));
    await model.fit(x, y, { batchSize: 64, epochs: 1, verbose: 0 });
    await lrRangeTest(model, { x, y }, { numSteps: 5 }); // compiled functions are created once
    const before = tf.memory().numTensors;
    await lrRangeTest(model, { x, y }, { startLr: 1e-3, endLr: 1e3, numSteps: 40, batchSize: 100 });
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
  });
});

describe('lrRangeTest curve and suggestion', () => {
  it('sweeps the LR exponentially and smooths the loss with a bias-corrected EMA', async () => {
    const model = makeModel(tf.train.sgd(0.01));
    const r = await lrRangeTest(model, { x, y }, { startLr: 1e-4, endLr: 1e-1, numSteps: 4, smoothing: 0.5 });
    expect(r.lrs).toHaveLength(4);
    [1e-4, 1e-3, 1e-2, 1e-1].forEach((v, i) => expect(r.lrs[i]).toBeCloseTo(v, 12));
    let avg = 0;
    r.losses.forEach((l, i) => {
      avg = 0.5 * avg + 0.5 * l;
      expect(r.smoothedLosses[i]).toBeCloseTo(avg / (1 - 0.5 ** (i + 1)), 12);
    });
    expect(r.smoothedLosses[0]).toBe(r.losses[0]);
    expect(r.stoppedEarly).toBe(false);
    model.dispose();
  });

  it('suggests LRs where training is stable (valley by default, minimum / 10), and 100x maxLr is not', async () => {
    const model = makeModel(tf.train.momentum(0.01, 0.9));
    const r = await lrRangeTest(model, { x, y }, { startLr: 1e-5, endLr: 100, numSteps: 100 });
    const { rule, minLr, maxLr, valleyLr, minimumLr, steepestLr } = r.suggestion;
    expect(r.stoppedEarly).toBe(true); // the loss diverged before 100
    expect(r.lrs.length).toBeLessThan(100);
    expect(rule).toBe('valley');
    expect(maxLr).toBe(valleyLr);
    expect(minLr).toBeCloseTo(maxLr / 10, 12);
    const iMin = r.smoothedLosses.indexOf(Math.min(...r.smoothedLosses));
    expect(minimumLr).toBeCloseTo(r.lrs[iMin]! / 10, 12);
    // The valley lies on the falling part of the curve, past fastai's trimmed first tenth.
    expect(r.lrs.indexOf(valleyLr)).toBeGreaterThanOrEqual(10);
    expect(valleyLr).toBeLessThan(r.lrs[iMin]!);
    expect(steepestLr).toBeLessThanOrEqual(r.lrs[iMin]!);
    expect(steepestLr).toBeGreaterThanOrEqual(1e-5);
    // The same curve with the minimum rule.
    const m = await lrRangeTest(makeModel(tf.train.momentum(0.01, 0.9)), { x, y }, { startLr: 1e-5, endLr: 100, numSteps: 100, rule: 'minimum' });
    expect(m.suggestion).toMatchObject({ rule: 'minimum', maxLr: m.suggestion.minimumLr, minLr: m.suggestion.minimumLr / 10 });

    const finalLoss: Record<string, number> = {};
    for (const [label, lr] of [
      ['minLr', minLr],
      ['valleyLr', valleyLr],
      ['minimumLr', minimumLr],
      ['100x maxLr', 100 * maxLr],
    ] as const) {
      const m = makeModel(tf.train.momentum(lr, 0.9));
      const initial = await evaluate(m);
      await m.fit(x, y, { batchSize: 32, epochs: 4, verbose: 0, shuffle: false });
      finalLoss[label] = await evaluate(m);
      finalLoss[`${label} initial`] = initial;
      m.dispose();
    }
    // Stable and decreasing at the suggested LRs.
    for (const label of ['minLr', 'valleyLr', 'minimumLr']) {
      expect(Number.isFinite(finalLoss[label])).toBe(true);
      expect(finalLoss[label]!).toBeLessThan(0.5 * finalLoss[`${label} initial`]!);
    }
    // Far above the range: diverged (NaN) or clearly worse than at maxLr.
    const high = finalLoss['100x maxLr']!;
    expect(Number.isNaN(high) || high > 10 * finalLoss['valleyLr']!).toBe(true);
    model.dispose();
  });

  it('suggestLrRange applies the minimum / 10 rule and finds the steepest slope', () => {
    const lrs = [1e-4, 1e-3, 1e-2, 1e-1, 1, 10];
    const losses = [2, 1.9, 1.2, 0.5, 0.4, 3];
    const s = suggestLrRange(lrs, losses, { rule: 'minimum' });
    expect(s.rule).toBe('minimum');
    expect(s.maxLr).toBeCloseTo(0.1, 15);
    expect(s.minLr).toBeCloseTo(0.01, 15);
    expect(s.minimumLr).toBe(s.maxLr);
    // Central slopes up to the minimum (index 4): the steepest is at index 2 or 3.
    expect(s.steepestLr).toBe(1e-2);
    expect(suggestLrRange(lrs, losses, { rule: 'steep' })).toMatchObject({ rule: 'steep', maxLr: 1e-2, minLr: 1e-3 });
    expect(() => suggestLrRange([1, 2], [NaN, Infinity])).toThrow(/no finite loss/);
  });

  it("suggestLrRange's valley rule follows fastai: trimmed curve, longest decreasing run, two thirds down", () => {
    // 20 steps: fastai leaves out the first 20 // 10 = 2 and the last 5, keeping indices 2..14.
    const lrs = Array.from({ length: 20 }, (_, i) => 10 ** (-6 + i / 3));
    // Indices 0-1 and 15-19 would change the answer if they were kept (a lower minimum, a
    // longer decreasing run). Kept part, by position t = index − 2:
    //   t:    0  1  2  3    4    5  6    7  8    9    10   11   12
    //   loss: 5  6  4  3.5  3.8  3  2.5  2  1.5  1.8  1.2  2.5  4
    // Longest strictly decreasing subsequence: 5/6, 4, 3.5 or 3.8, 3, 2.5, 2, 1.5, 1.2 (8
    // points, ending at t = 10). fastai's start is end − 8 = 2, s = (10 − 2) / 3, and the
    // index 2 + floor(2.67) + floor(1.33) = 5 (t), i.e. index 7 of the curve.
    const losses = [0.1, 0.05, 5, 6, 4, 3.5, 3.8, 3, 2.5, 2, 1.5, 1.8, 1.2, 2.5, 4, 0.5, 0.4, 0.3, 0.2, 0.01];
    const s = suggestLrRange(lrs, losses);
    expect(s.rule).toBe('valley');
    expect(s.valleyLr).toBe(lrs[7]);
    expect(s.maxLr).toBe(lrs[7]);
    expect(s.minLr).toBe(lrs[7]! / 10);
    // The minimum rule uses the whole curve: its minimum is the last point.
    expect(s.minimumLr).toBe(lrs[19]! / 10);
    // numSteps (asked for, not taken) sets the trimmed head: with 40, the first 4 go.
    //   kept: 4 3.5 3.8 3 2.5 2 1.5 1.8 1.2 2.5 4 → run of 7 ending at 1.2 (t = 8), start 8 − 7 = 1,
    //   s = 7 / 3, index 1 + 2 + 1 = 4 (t) → curve index 8.
    expect(suggestLrRange(lrs, losses, { numSteps: 40 }).valleyLr).toBe(lrs[8]);
    // A non-finite loss cuts the curve there.
    const cut = [...losses];
    cut[9] = NaN; // keeps t = 0..6: 5 6 4 3.5 3.8 3 2.5 → run of 5 ending at t = 6, start 1, s = 5/3, index 1 + 1 + 0 = 2 → 4
    expect(suggestLrRange(lrs, cut).valleyLr).toBe(lrs[4]);
  });

  it('suggestLrRange uses the whole curve when trimming leaves fewer than two points, and checks its options', () => {
    // 6 points of a 100-step test: the first 10 would be trimmed.
    const lrs = [1e-4, 1e-3, 1e-2, 1e-1, 1, 10];
    const losses = [2, 1.9, 1.2, 0.5, 0.4, 3];
    // Run 2 > 1.9 > 1.2 > 0.5 > 0.4 (5 points, fastai's start −1), s = 5/3, index −1 + 1 + 0 = 0.
    expect(suggestLrRange(lrs, losses, { numSteps: 100 }).valleyLr).toBe(1e-4);
    expect(() => suggestLrRange(lrs, losses, { rule: 'slide' as never })).toThrow(TypeError);
    expect(() => suggestLrRange(lrs, losses, { numSteps: 0 })).toThrow(RangeError);
    expect(() => suggestLrRange(lrs, losses.slice(1))).toThrow(/as many losses as LRs/);
  });

  it('lrRangeTestSpec returns a Vega-Lite spec that compiles', async () => {
    const model = makeModel(tf.train.sgd(0.01));
    const r = await lrRangeTest(model, { x, y }, { numSteps: 10, startLr: 1e-3, endLr: 1 });
    const spec = lrRangeTestSpec(r, { title: 'range' });
    const json = JSON.parse(JSON.stringify(spec)) as { layer: Array<{ data: { values: unknown[] } }> };
    expect(json.layer[0]!.data.values).toHaveLength(20);
    expect(json.layer[1]!.data.values).toEqual([
      { lr: r.suggestion.minLr, label: 'minLr' },
      { lr: r.suggestion.maxLr, label: 'maxLr (valley)' },
      { lr: r.suggestion.valleyLr, label: 'valleyLr' },
      { lr: r.suggestion.minimumLr, label: 'minimumLr' },
      { lr: r.suggestion.steepestLr, label: 'steepestLr' },
    ]);
    expect(compile(spec).spec).toBeTruthy();
    model.dispose();
  });
});

describe('lrRangeTest validation', () => {
  it('rejects bad arguments with typed errors naming them', async () => {
    const model = makeModel(tf.train.sgd(0.01));
    const uncompiled = tf.sequential({ layers: [tf.layers.dense({ units: 1, inputShape: [10] })] });
    const cases: Array<[() => Promise<unknown>, typeof TypeError | typeof RangeError, RegExp]> = [
      [() => lrRangeTest({} as never, { x, y }), TypeError, /`model`/],
      [() => lrRangeTest(uncompiled, { x, y }), TypeError, /compiled/],
      [() => lrRangeTest(model, null as never), TypeError, /`data`/],
      [() => lrRangeTest(model, { x: [1, 2] as never, y }), TypeError, /`data\.x`/],
      [() => lrRangeTest(model, { x, y: y.slice(0, 10) }), RangeError, /`data\.y`/],
      [() => lrRangeTest(model, { x, y }, { startLr: 0 }), RangeError, /`startLr`/],
      [() => lrRangeTest(model, { x, y }, { startLr: 1, endLr: 0.5 }), RangeError, /`endLr`/],
      [() => lrRangeTest(model, { x, y }, { numSteps: 1 }), RangeError, /`numSteps`/],
      [() => lrRangeTest(model, { x, y }, { batchSize: 0 }), RangeError, /`batchSize`/],
      [() => lrRangeTest(model, { x, y }, { smoothing: 1 }), RangeError, /`smoothing`/],
      [() => lrRangeTest(model, { x, y }, { divergeThreshold: 1 }), RangeError, /`divergeThreshold`/],
      [() => lrRangeTest(model, { x, y }, { steps: 10 } as never), TypeError, /`steps`/],
      [() => lrRangeTest(model, { x, y }, { rule: 'slide' as never }), TypeError, /`rule` to be one of "valley", "minimum", "steep"/],
    ];
    for (const [run, error, message] of cases) {
      const p = run();
      await expect(p).rejects.toBeInstanceOf(error);
      await expect(p).rejects.toThrow(message);
    }
    const before = await snapshot(model);
    expect(before[1]).toBe(4);
    model.dispose();
    uncompiled.dispose();
  });
});
