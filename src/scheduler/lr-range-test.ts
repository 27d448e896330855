/**
 * The learning-rate range test ("LR finder", Smith 2017; fastai's `lr_find`).
 *
 * Trains the model for a short pre-pass while the LR grows exponentially from `startLr`
 * to `endLr`, records the loss of every step, and suggests an LR range from the curve.
 * The model's weights and the optimizer's state (accumulators, iteration count, LR) are
 * put back afterwards, bit for bit, also when the test throws.
 */
import * as tf from '@tensorflow/tfjs';
import type { TopLevelSpec } from 'vega-lite';
import { Checkpoint, modelVariables } from './checkpoint.js';
import { assertLrSettable, getLearningRate, setLearningRate } from './lr.js';
import { assertModelTfjs } from '../util/engine.js';
import { describe, integerAtLeast, numberInRange, positiveNumber } from '../util/validate.js';
import { readOptions } from './schedules/base.js';

/** Training data of the range test: inputs and targets with the same first dimension. */
export interface LrRangeTestData {
  /** Inputs, first dimension = examples. */
  x: tf.Tensor;
  /** Targets, first dimension = examples. */
  y: tf.Tensor;
}

export interface LrRangeTestOptions {
  /**
   * The LR of the first step; > 0.
   * @default 1e-7
   */
  startLr?: number;
  /**
   * The LR of the last step; > `startLr`.
   * @default 10
   */
  endLr?: number;
  /**
   * Number of steps (one batch each); an integer >= 2. Step `i` uses
   * `startLr * (endLr / startLr) ** (i / (numSteps - 1))`.
   * @default 100
   */
  numSteps?: number;
  /**
   * Examples per step; an integer >= 1. Batches are taken in order and wrap around the
   * data; a batch size above the number of examples uses all of them.
   * @default 32
   */
  batchSize?: number;
  /**
   * The factor `beta` of the loss's exponential moving average, in [0, 1):
   * `avg = beta * avg + (1 - beta) * loss`, reported bias-corrected as
   * `avg / (1 - beta ** (i + 1))` (fastai's choice; 0 disables smoothing).
   * @default 0.98
   */
  smoothing?: number;
  /**
   * The test stops early when the smoothed loss exceeds `divergeThreshold` times the
   * lowest smoothed loss so far (or a loss is not finite); > 1.
   * @default 4
   */
  divergeThreshold?: number;
}

/** The LR range suggested by a range test (see {@link lrRangeTest} for the rule). */
export interface LrSuggestion {
  /** A lower LR of the useful range: `maxLr / 10`. */
  minLr: number;
  /** An upper LR of the useful range: the LR at the lowest smoothed loss, divided by 10. */
  maxLr: number;
  /** The LR where the smoothed loss falls fastest against `log(lr)`, up to its minimum. */
  steepestLr: number;
}

export interface LrRangeTestResult {
  /** The LR of each step taken. */
  lrs: number[];
  /** The loss of each step (the training loss returned by `trainOnBatch`). */
  losses: number[];
  /** The bias-corrected exponential moving average of `losses`. */
  smoothedLosses: number[];
  /** The suggested range. */
  suggestion: LrSuggestion;
  /** True when the test stopped before `numSteps` because the loss diverged. */
  stoppedEarly: boolean;
}

const OPTION_KEYS = ['startLr', 'endLr', 'numSteps', 'batchSize', 'smoothing', 'divergeThreshold'] as const;

function isTensor(value: unknown): value is tf.Tensor {
  return value instanceof tf.Tensor;
}

/**
 * Runs the LR range test on a compiled model and returns the loss curve and a
 * suggested LR range; the model and its optimizer are left as they were.
 *
 * Each step sets the LR, trains on one batch with `model.trainOnBatch` and reads the
 * loss back (one scalar read per step, plus one per compiled metric). The test stops
 * after `numSteps` steps, or early once the smoothed loss exceeds
 * `divergeThreshold` times its lowest value, or a loss is NaN or infinite.
 *
 * The suggestion follows fastai's "minimum / 10" rule: `maxLr` is one tenth of the LR at
 * which the smoothed loss is lowest (at the minimum itself training is already about
 * to become unstable, an order of magnitude lower the loss still falls fast), and
 * `minLr = maxLr / 10`, a lower bound for a cyclic or one-cycle schedule (e.g.
 * `oneCycleLR({ maxLr })` starts at `maxLr / 25`). `steepestLr` is fastai's "steepest"
 * point: the LR where the smoothed loss has its most negative slope against `log(lr)`
 * (central differences), searched from the first step up to the minimum. When the loss
 * never fell, the minimum is the first step and the suggestion is at the bottom of the
 * range: lower `startLr`.
 *
 * @example
 * ```ts
 * model.compile({ optimizer: tf.train.sgd(0.01), loss: 'categoricalCrossentropy' });
 * const result = await lrRangeTest(model, { x, y }, { startLr: 1e-5, endLr: 10, numSteps: 100 });
 * // e.g. result.suggestion = { minLr: 0.003, maxLr: 0.03, steepestLr: 0.02 }
 * await model.fit(x, y, { callbacks: [oneCycleLR({ maxLr: result.suggestion.maxLr, totalSteps: 1000 })] });
 * ```
 */
export async function lrRangeTest(model: tf.LayersModel, data: LrRangeTestData, options: LrRangeTestOptions = {}): Promise<LrRangeTestResult> {
  assertModelTfjs(model, 'lrRangeTest');
  if (!(model instanceof tf.LayersModel)) throw new TypeError(`Expected \`model\` to be a tf.LayersModel, got ${describe(model)}.`);
  const optimizer = model.optimizer as unknown;
  if (optimizer == null) throw new TypeError('Expected `model` to be compiled (model.compile) with an optimizer, got no optimizer.');
  assertLrSettable(optimizer, 'model.optimizer');
  if (data === null || typeof data !== 'object') throw new TypeError(`Expected \`data\` to be an object { x, y } of tensors, got ${describe(data)}.`);
  if (!isTensor(data.x)) throw new TypeError(`Expected \`data.x\` to be a tf.Tensor, got ${describe(data.x)}.`);
  if (!isTensor(data.y)) throw new TypeError(`Expected \`data.y\` to be a tf.Tensor, got ${describe(data.y)}.`);
  const n = data.x.shape[0];
  if (n === undefined || n < 1) throw new RangeError(`Expected \`data.x\` to have at least one example, got shape [${data.x.shape.join(', ')}].`);
  if (data.y.shape[0] !== n) {
    throw new RangeError(`Expected \`data.y\` to have as many examples as \`data.x\` (${n}), got shape [${data.y.shape.join(', ')}].`);
  }

  const o = readOptions<LrRangeTestOptions>('lrRangeTest options', options, OPTION_KEYS);
  const startLr = positiveNumber('startLr', o.startLr ?? 1e-7);
  const endLr = positiveNumber('endLr', o.endLr ?? 10);
  if (!(endLr > startLr)) throw new RangeError(`Expected \`endLr\` to be > \`startLr\` (${startLr}), got ${endLr}.`);
  const numSteps = integerAtLeast('numSteps', o.numSteps ?? 100, 2);
  const batchSize = Math.min(integerAtLeast('batchSize', o.batchSize ?? 32, 1), n);
  const beta = o.smoothing ?? 0.98;
  numberInRange('smoothing', beta, 0, 1);
  if (beta === 1) throw new RangeError('Expected `smoothing` to be a number in [0, 1), got 1.');
  const divergeThreshold = positiveNumber('divergeThreshold', o.divergeThreshold ?? 4);
  if (!(divergeThreshold > 1)) throw new RangeError(`Expected \`divergeThreshold\` to be a number > 1, got ${divergeThreshold}.`);

  const lrs: number[] = [];
  const losses: number[] = [];
  const smoothedLosses: number[] = [];
  let stoppedEarly = false;

  const originalLr = getLearningRate(optimizer);
  const checkpoint = Checkpoint.capture({ variables: modelVariables(model), optimizer });
  try {
    let avg = 0;
    let best = Infinity;
    for (let i = 0; i < numSteps; i++) {
      const lr = startLr * (endLr / startLr) ** (i / (numSteps - 1));
      setLearningRate(optimizer, lr);
      const start = (i * batchSize) % n;
      const [xb, yb] = tf.tidy(() => [batch(data.x, start, batchSize, n), batch(data.y, start, batchSize, n)]);
      let out: number | number[];
      try {
        out = await model.trainOnBatch(xb!, yb!);
      } finally {
        tf.dispose([xb!, yb!]);
      }
      const loss = Array.isArray(out) ? out[0]! : out;
      avg = beta * avg + (1 - beta) * loss;
      const smoothed = avg / (1 - beta ** (i + 1));
      lrs.push(lr);
      losses.push(loss);
      smoothedLosses.push(smoothed);
      if (!Number.isFinite(loss) || !Number.isFinite(smoothed)) {
        stoppedEarly = i < numSteps - 1;
        break;
      }
      if (smoothed < best) best = smoothed;
      if (smoothed > divergeThreshold * best) {
        stoppedEarly = i < numSteps - 1;
        break;
      }
    }
  } finally {
    checkpoint.restore();
    checkpoint.dispose();
    setLearningRate(optimizer, originalLr);
  }
  return { lrs, losses, smoothedLosses, suggestion: suggestLrRange(lrs, smoothedLosses), stoppedEarly };
}

/** Rows `start .. start + size - 1` of `t`, wrapping around its first dimension of length `n`. */
function batch(t: tf.Tensor, start: number, size: number, n: number): tf.Tensor {
  if (start + size <= n) return t.slice(start, size);
  return tf.concat([t.slice(start, n - start), t.slice(0, size - (n - start))], 0);
}

/**
 * The suggestion rule of {@link lrRangeTest} applied to a recorded curve: `maxLr` is the
 * LR at the lowest finite smoothed loss divided by 10, `minLr = maxLr / 10`, and
 * `steepestLr` the LR of the most negative central-difference slope of the smoothed loss
 * against `log(lr)` up to the minimum. Throws when no loss is finite.
 */
export function suggestLrRange(lrs: readonly number[], smoothedLosses: readonly number[]): LrSuggestion {
  let kMin = -1;
  for (let i = 0; i < smoothedLosses.length; i++) {
    const s = smoothedLosses[i]!;
    if (Number.isFinite(s) && (kMin < 0 || s < smoothedLosses[kMin]!)) kMin = i;
  }
  if (kMin < 0) {
    throw new Error('The LR range test recorded no finite loss; lower `startLr` or check the model and data.');
  }
  const maxLr = lrs[kMin]! / 10;
  let steepest = 0;
  let steepestSlope = Infinity;
  for (let i = 0; i <= kMin && kMin > 0; i++) {
    const lo = Math.max(0, i - 1);
    const hi = Math.min(kMin, i + 1);
    const slope = (smoothedLosses[hi]! - smoothedLosses[lo]!) / (Math.log(lrs[hi]!) - Math.log(lrs[lo]!));
    if (slope < steepestSlope) {
      steepestSlope = slope;
      steepest = i;
    }
  }
  return { minLr: maxLr / 10, maxLr, steepestLr: lrs[steepest]! };
}

/**
 * A Vega-Lite spec of a range test: raw and smoothed loss against the LR (log scale),
 * with vertical rules at the suggested `minLr`, `maxLr` and `steepestLr`. Non-finite
 * losses are left out.
 */
export function lrRangeTestSpec(result: LrRangeTestResult, options: { title?: string } = {}): TopLevelSpec {
  const curve: Array<{ lr: number; loss: number; series: string }> = [];
  result.lrs.forEach((lr, i) => {
    const loss = result.losses[i]!;
    const smoothed = result.smoothedLosses[i]!;
    if (Number.isFinite(loss)) curve.push({ lr, loss, series: 'loss' });
    if (Number.isFinite(smoothed)) curve.push({ lr, loss: smoothed, series: 'smoothed loss' });
  });
  const { minLr, maxLr, steepestLr } = result.suggestion;
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: options.title ?? 'LR range test',
    width: 480,
    height: 300,
    layer: [
      {
        data: { values: curve },
        mark: { type: 'line' },
        encoding: {
          x: { field: 'lr', type: 'quantitative', scale: { type: 'log' }, title: 'learning rate' },
          y: { field: 'loss', type: 'quantitative', scale: { zero: false }, title: 'loss' },
          color: { field: 'series', type: 'nominal', title: null },
        },
      },
      {
        data: {
          values: [
            { lr: minLr, label: 'minLr' },
            { lr: maxLr, label: 'maxLr' },
            { lr: steepestLr, label: 'steepestLr' },
          ],
        },
        mark: { type: 'rule', strokeDash: [4, 4] },
        encoding: {
          x: { field: 'lr', type: 'quantitative' },
          tooltip: [{ field: 'label', type: 'nominal' }, { field: 'lr', type: 'quantitative' }],
        },
      },
    ],
  };
}
