/** lrFinderOneCycle: the range test, then one-cycle at its suggestion, within one step budget. */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { lrFinderOneCycle } from '../../src/schedules/lr-finder-one-cycle.js';
import { lrRangeTest } from '../../src/schedules/lr-range-test.js';
import { data, mlp, recordAppliedLr } from '../helpers/training.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const { x, y } = data(128, 9);

async function weights(model: tf.LayersModel): Promise<number[][]> {
  return Promise.all(model.weights.map(async (w) => Array.from(await w.read().data())));
}

describe('lrFinderOneCycle', () => {
  it('runs the range test (restoring the model), then builds one-cycle at the valley LR for the rest of the budget', async () => {
    const model = mlp(tf.train.momentum(0.01, 0.9));
    const before = await weights(model);
    const recipe = await lrFinderOneCycle(model, { x, y }, { totalSteps: 200, rangeTest: { batchSize: 16, startLr: 1e-4, endLr: 10 } });
    expect(await weights(model)).toEqual(before);
    // The same test on an identical model gives the suggestion to expect.
    const twin = await lrRangeTest(mlp(tf.train.momentum(0.01, 0.9)), { x, y }, { batchSize: 16, startLr: 1e-4, endLr: 10, numSteps: 40 });
    expect(recipe.rangeTest.suggestion).toEqual(twin.suggestion);
    expect(recipe.rangeTest.suggestion.rule).toBe('valley');
    expect(recipe.rangeTestSteps).toBe(twin.lrs.length); // min(100, 200 / 5) asked
    expect(recipe.rangeTestSteps).toBeLessThanOrEqual(40);
    expect(recipe.oneCycleSteps).toBe(200 - recipe.rangeTestSteps);
    expect(recipe.maxLr).toBe(twin.suggestion.valleyLr);
    const s = recipe.schedule;
    expect(s.totalSteps).toBe(recipe.oneCycleSteps);
    // fastai's fit_one_cycle shape: from maxLr / 25, peak near 25 % of the steps, end at maxLr / 1e5.
    expect(s.lrAt(0)).toBeCloseTo(recipe.maxLr / 25, 12);
    const lrs = Array.from({ length: recipe.oneCycleSteps }, (_, t) => s.lrAt(t));
    const peak = lrs.indexOf(Math.max(...lrs));
    expect(Math.abs(peak - 0.25 * recipe.oneCycleSteps)).toBeLessThanOrEqual(1.5);
    expect(Math.max(...lrs)).toBeCloseTo(recipe.maxLr, 9);
    expect(lrs.at(-1)!).toBeCloseTo(recipe.maxLr / 1e5, 15);

    // Training with it applies those LRs, one per step.
    const used = recordAppliedLr(model.optimizer);
    await model.fit(x, y, { batchSize: 16, epochs: Math.floor(recipe.oneCycleSteps / 8), verbose: 0, callbacks: [s] });
    expect(used).toHaveLength(8 * Math.floor(recipe.oneCycleSteps / 8));
    used.forEach((lr, t) => expect(lr).toBeCloseTo(lrs[t]!, 12));
    model.dispose();
  });

  it('gives the steps the range test did not take to one-cycle when the loss diverges early', async () => {
    const model = mlp(tf.train.momentum(0.01, 0.9));
    const recipe = await lrFinderOneCycle(model, { x, y }, { totalSteps: 600, rangeTest: { batchSize: 16, startLr: 1e-3, endLr: 1e4 } });
    expect(recipe.rangeTest.stoppedEarly).toBe(true);
    expect(recipe.rangeTestSteps).toBeLessThan(100);
    expect(recipe.oneCycleSteps).toBe(600 - recipe.rangeTestSteps);
    expect(recipe.schedule.totalSteps).toBe(recipe.oneCycleSteps);
    model.dispose();
  });

  it('passes its rule and one-cycle options on', async () => {
    const model = mlp(tf.train.momentum(0.01, 0.9));
    const recipe = await lrFinderOneCycle(model, { x, y }, {
      totalSteps: 100,
      rangeTest: { batchSize: 16, rule: 'minimum', numSteps: 30 },
      oneCycle: { pctStart: 0.5, divFactor: 10 },
    });
    expect(recipe.maxLr).toBe(recipe.rangeTest.suggestion.minimumLr);
    expect(recipe.schedule.lrAt(0)).toBeCloseTo(recipe.maxLr / 10, 12);
    model.dispose();
  });

  it('refuses bad options before the range test takes a step', async () => {
    const model = mlp(tf.train.momentum(0.01, 0.9));
    let steps = 0;
    const original = model.trainOnBatch.bind(model);
    model.trainOnBatch = (a, b) => {
      steps++;
      return original(a, b);
    };
    const cases: Array<[Parameters<typeof lrFinderOneCycle>[2], new (...a: never[]) => Error, RegExp]> = [
      [{} as never, TypeError, /`totalSteps`/],
      [{ totalSteps: 9 }, RangeError, /`totalSteps` to be an integer >= 10, got 9/],
      [{ totalSteps: 100, rangeTest: { numSteps: 95 } }, RangeError, /leave at least 10/],
      [{ totalSteps: 100, rangeTest: { numSteps: 1 } }, RangeError, /`rangeTest.numSteps`/],
      [{ totalSteps: 100, rangeTest: { steps: 5 } as never }, TypeError, /Unknown option `steps`/],
      [{ totalSteps: 100, oneCycle: { pctStart: 1.5 } }, RangeError, /`pctStart`/],
      [{ totalSteps: 100, oneCycle: { maxLr: 1 } as never }, TypeError, /Unknown option `maxLr`/],
      [{ totalSteps: 100, rangeTest: { rule: 'slide' as never } }, TypeError, /`rule`/],
    ];
    for (const [options, type, message] of cases) {
      const p = lrFinderOneCycle(model, { x, y }, options);
      await expect(p).rejects.toThrow(type);
      await expect(lrFinderOneCycle(model, { x, y }, options)).rejects.toThrow(message);
    }
    expect(steps).toBe(0);
    model.dispose();
  });
});
