/**
 * fastai's zero-tuning recipe: the LR range test (`lr_find`), then one-cycle at its
 * suggestion (`fit_one_cycle`), within one budget of optimizer steps.
 */
import type * as tf from '@tensorflow/tfjs';
import { integerAtLeast } from '../util/validate.js';
import { lrRangeTest, type LrRangeTestData, type LrRangeTestOptions, type LrRangeTestResult } from './lr-range-test.js';
import { ONE_CYCLE_OPTION_KEYS, OneCycleLR, type OneCycleLROptions } from './one-cycle-lr.js';
import { readOptions } from './base.js';

export interface LrFinderOneCycleOptions {
  /**
   * Optimizer steps in all: the range test's plus the one-cycle schedule's; an integer
   * >= 10. No default (required).
   */
  totalSteps: number;
  /**
   * Options of the range test. `numSteps` defaults to `min(100, floor(totalSteps / 5))`
   * (fastai runs 100), the rule to `'valley'`; the others to {@link lrRangeTest}'s.
   */
  rangeTest?: LrRangeTestOptions;
  /**
   * Options of the one-cycle schedule other than `maxLr` and `totalSteps`. The defaults
   * are fastai's `fit_one_cycle`: `pctStart` 0.25, `divFactor` 25 and a final LR of
   * maxLr / 1e5 (`finalDivFactor` 4000).
   */
  oneCycle?: Omit<OneCycleLROptions, 'maxLr' | 'totalSteps'>;
}

export interface LrFinderOneCycleResult {
  /** The one-cycle schedule to train with, for `oneCycleSteps` steps at peak `maxLr`. */
  schedule: OneCycleLR;
  /** The range test's curve and suggestion. */
  rangeTest: LrRangeTestResult;
  /** Steps the range test took (fewer than asked when the loss diverged). */
  rangeTestSteps: number;
  /** Steps left for training: `totalSteps − rangeTestSteps`. */
  oneCycleSteps: number;
  /** The peak LR: the range test's `suggestion.maxLr`. */
  maxLr: number;
}

/**
 * Runs the LR range test on `data` (the model and optimizer are put back as they were),
 * then builds a one-cycle schedule peaking at the suggested LR for the steps left of
 * `totalSteps`. Train with it for exactly `oneCycleSteps` steps.
 *
 * Differences from fastai: the one-cycle schedule is PyTorch's (`oneCycleLR`, whose
 * phase ends are PyTorch's) and the momentum is not cycled.
 *
 * ```ts
 * // 1,000 examples in batches of 50: 20 steps per epoch, 600 steps in all.
 * const recipe = await lrFinderOneCycle(model, { x, y }, { totalSteps: 600, rangeTest: { batchSize: 50 } });
 * await model.fit(x, y, { batchSize: 50, epochs: Math.floor(recipe.oneCycleSteps / 20), callbacks: [recipe.schedule] });
 * ```
 */
export async function lrFinderOneCycle(model: tf.LayersModel, data: LrRangeTestData, options: LrFinderOneCycleOptions): Promise<LrFinderOneCycleResult> {
  const o = readOptions<LrFinderOneCycleOptions>('lrFinderOneCycle options', options, ['totalSteps', 'rangeTest', 'oneCycle']);
  const totalSteps = integerAtLeast('totalSteps', o.totalSteps, 10);
  const rangeOptions = readOptions<LrRangeTestOptions>('rangeTest', o.rangeTest, [
    'startLr',
    'endLr',
    'numSteps',
    'batchSize',
    'smoothing',
    'divergeThreshold',
    'rule',
  ]);
  const numSteps = integerAtLeast('rangeTest.numSteps', rangeOptions.numSteps ?? Math.min(100, Math.floor(totalSteps / 5)), 2);
  if (numSteps > totalSteps - 10) {
    throw new RangeError(`Expected \`rangeTest.numSteps\` to leave at least 10 of \`totalSteps\` (${totalSteps}) for one-cycle, got ${numSteps}.`);
  }
  const cycleOptions = {
    pctStart: 0.25,
    divFactor: 25,
    finalDivFactor: 4000,
    ...readOptions<Omit<OneCycleLROptions, 'maxLr' | 'totalSteps'>>(
      'oneCycle',
      o.oneCycle,
      ONE_CYCLE_OPTION_KEYS.filter((k) => k !== 'maxLr' && k !== 'totalSteps'),
    ),
  };
  // Checks the one-cycle options before the range test runs (the schedule gets at least these steps).
  new OneCycleLR({ ...cycleOptions, maxLr: 1, totalSteps: totalSteps - numSteps });

  const rangeTest = await lrRangeTest(model, data, { ...rangeOptions, numSteps });
  const rangeTestSteps = rangeTest.lrs.length;
  const oneCycleSteps = totalSteps - rangeTestSteps;
  const maxLr = rangeTest.suggestion.maxLr;
  const schedule = new OneCycleLR({ ...cycleOptions, maxLr, totalSteps: oneCycleSteps });
  return { schedule, rangeTest, rangeTestSteps, oneCycleSteps, maxLr };
}
