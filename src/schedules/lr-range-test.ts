/**
 * The learning-rate range test ("LR finder", Smith 2017; fastai's `lr_find`).
 *
 * Trains the model for a short pre-pass while the LR grows exponentially from `startLr`
 * to `endLr`, records the loss of every step, and suggests an LR from the curve by one of
 * fastai's rules: `valley` (the default, as in fastai's `lr_find`), `minimum` (the LR of
 * the lowest loss / 10) or `steep`.
 * The model's weights and the optimizer's state (accumulators, iteration count, LR) are
 * put back afterwards, bit for bit, also when the test throws.
 */
import * as tf from '@tensorflow/tfjs';
import type { TopLevelSpec } from 'vega-lite';
import { Checkpoint, modelVariables } from '../state/checkpoint.js';
import { assertLrSettable, getLearningRate, setLearningRate } from '../state/lr.js';
import { assertModelTfjs } from '../util/engine.js';
import { describe, integerAtLeast, numberInRange, oneOf, positiveNumber } from '../util/validate.js';
import { readOptions } from './base.js';

/** Training data of the range test: inputs and targets with the same first dimension. */
export interface LrRangeTestData {
  /** Inputs, first dimension = examples. */
  x: tf.Tensor;
  /** Targets, first dimension = examples. */
  y: tf.Tensor;
}

/** The rules that pick the suggested LR from a range test's curve (fastai's names). */
export const LR_SUGGESTION_RULES = ['valley', 'minimum', 'steep'] as const;
export type LrSuggestionRule = (typeof LR_SUGGESTION_RULES)[number];

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
  /**
   * Which LR becomes `suggestion.maxLr` (see {@link suggestLrRange}): `'valley'`,
   * `'minimum'` (the LR of the lowest smoothed loss / 10) or `'steep'`.
   * @default 'valley'
   */
  rule?: LrSuggestionRule;
}

/** The LR range suggested by a range test (see {@link suggestLrRange} for the rules). */
export interface LrSuggestion {
  /** The rule that chose `maxLr`. */
  rule: LrSuggestionRule;
  /**
   * The suggested LR, by `rule`: the top of the useful range, e.g. the peak LR of a
   * one-cycle schedule (`valleyLr`, `minimumLr` or `steepestLr`).
   */
  maxLr: number;
  /** A lower LR of the useful range: `maxLr / 10`. */
  minLr: number;
  /** fastai's `valley` LR: two thirds of the way down the longest valley of the curve. */
  valleyLr: number;
  /** fastai's "minimum / 10": the LR at the lowest smoothed loss, divided by 10. */
  minimumLr: number;
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

const OPTION_KEYS = ['startLr', 'endLr', 'numSteps', 'batchSize', 'smoothing', 'divergeThreshold', 'rule'] as const;

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
 * The suggestion (see {@link suggestLrRange}) holds the LR of each rule; `maxLr` is the
 * one of `rule` (fastai's `valley` unless given) and `minLr = maxLr / 10`, a lower bound
 * for a cyclic or one-cycle schedule (e.g. `oneCycleLR({ maxLr })` starts at
 * `maxLr / 25`). The suggestion used to be "minimum / 10" only: `rule: 'minimum'` gives
 * that one. When the loss never fell, every rule points at the bottom of the range:
 * lower `startLr`.
 *
 * @example
 * ```ts
 * model.compile({ optimizer: tf.train.sgd(0.01), loss: 'categoricalCrossentropy' });
 * const result = await lrRangeTest(model, { x, y }, { startLr: 1e-5, endLr: 10, numSteps: 100 });
 * // e.g. result.suggestion = { rule: 'valley', maxLr: 0.02, minLr: 0.002, valleyLr: 0.02, minimumLr: 0.03, steepestLr: 0.01 }
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
  const rule = oneOf('rule', o.rule ?? 'valley', LR_SUGGESTION_RULES);

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
  return { lrs, losses, smoothedLosses, suggestion: suggestLrRange(lrs, smoothedLosses, { rule, numSteps }), stoppedEarly };
}

/** Rows `start .. start + size - 1` of `t`, wrapping around its first dimension of length `n`. */
function batch(t: tf.Tensor, start: number, size: number, n: number): tf.Tensor {
  if (start + size <= n) return t.slice(start, size);
  return tf.concat([t.slice(start, n - start), t.slice(0, size - (n - start))], 0);
}

/** Options of {@link suggestLrRange}. */
export interface SuggestLrRangeOptions {
  /**
   * The rule whose LR becomes `maxLr`.
   * @default 'valley'
   */
  rule?: LrSuggestionRule;
  /**
   * The number of steps the range test was asked for (it may have stopped earlier); the
   * valley rule leaves out its first tenth, as fastai does. An integer >= 1.
   * @default lrs.length
   */
  numSteps?: number;
}

/**
 * The suggestion rules of {@link lrRangeTest}, applied to a recorded curve (LRs and
 * smoothed losses). Each rule's LR is returned; `maxLr` is that of `rule` and
 * `minLr = maxLr / 10`.
 *
 * - **valley** (fastai's `valley`, the default of fastai's `lr_find`): on the curve
 *   without its first `floor(numSteps / 10)` points and its last 5 (and cut at the
 *   first non-finite loss), find the longest strictly decreasing run of losses (a longest
 *   decreasing subsequence, computed as fastai does); with `start` and `end` its ends as
 *   fastai defines them, `s = (end − start) / 3` and the LR at index
 *   `start + floor(s) + floor(s / 2)`, about two thirds of the way down. When fewer than
 *   two points are left after trimming, the whole finite curve is used; an index below
 *   0 (a two-point valley) is clamped to 0.
 * - **minimum**: the LR at the lowest finite smoothed loss, divided by 10 (at the
 *   minimum itself training is about to become unstable). The whole curve is used.
 * - **steep**: the LR where the smoothed loss has its most negative slope against
 *   `log(lr)` (central differences), from the first step up to the minimum.
 *
 * Throws when no loss is finite.
 */
export function suggestLrRange(lrs: readonly number[], smoothedLosses: readonly number[], options: SuggestLrRangeOptions = {}): LrSuggestion {
  const o = readOptions<SuggestLrRangeOptions>('suggestLrRange options', options, ['rule', 'numSteps']);
  const rule = oneOf('rule', o.rule ?? 'valley', LR_SUGGESTION_RULES);
  const numSteps = integerAtLeast('numSteps', o.numSteps ?? lrs.length, 1);
  if (lrs.length !== smoothedLosses.length) {
    throw new RangeError(`Expected as many losses as LRs (${lrs.length}), got ${smoothedLosses.length}.`);
  }
  let kMin = -1;
  for (let i = 0; i < smoothedLosses.length; i++) {
    const s = smoothedLosses[i]!;
    if (Number.isFinite(s) && (kMin < 0 || s < smoothedLosses[kMin]!)) kMin = i;
  }
  if (kMin < 0) {
    throw new Error('The LR range test recorded no finite loss; lower `startLr` or check the model and data.');
  }
  const minimumLr = lrs[kMin]! / 10;
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
  const steepestLr = lrs[steepest]!;
  const valleyLr = lrs[valleyIndex(smoothedLosses, numSteps)]!;
  const maxLr = rule === 'valley' ? valleyLr : rule === 'minimum' ? minimumLr : steepestLr;
  return { rule, maxLr, minLr: maxLr / 10, valleyLr, minimumLr, steepestLr };
}

/** The index (into the whole curve) that fastai's `valley` rule picks; see {@link suggestLrRange}. */
function valleyIndex(losses: readonly number[], numSteps: number): number {
  let finiteEnd = losses.findIndex((l) => !Number.isFinite(l));
  if (finiteEnd < 0) finiteEnd = losses.length;
  let from = Math.floor(numSteps / 10);
  let to = Math.min(losses.length - 5, finiteEnd);
  if (to - from < 2) {
    from = 0;
    to = finiteEnd;
  }
  const l = losses.slice(from, to);
  const n = l.length;
  const lds = new Array<number>(n).fill(1);
  let maxStart = 0;
  let maxEnd = 0;
  for (let i = 1; i < n; i++) {
    for (let j = 0; j < i; j++) {
      if (l[i]! < l[j]! && lds[i]! < lds[j]! + 1) lds[i] = lds[j]! + 1;
      // fastai updates the longest valley inside the inner loop; kept as it is.
      if (lds[maxEnd]! < lds[i]!) {
        maxEnd = i;
        maxStart = maxEnd - lds[maxEnd]!;
      }
    }
  }
  const sections = (maxEnd - maxStart) / 3;
  const idx = maxStart + Math.floor(sections) + Math.floor(sections / 2);
  return from + Math.min(Math.max(idx, 0), n - 1);
}

/**
 * A Vega-Lite spec of a range test: raw and smoothed loss against the LR (log scale),
 * with vertical rules at the suggested `minLr` and `maxLr` and at each rule's LR. Non-finite
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
  const { minLr, maxLr, valleyLr, minimumLr, steepestLr, rule } = result.suggestion;
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
            { lr: maxLr, label: `maxLr (${rule})` },
            { lr: valleyLr, label: 'valleyLr' },
            { lr: minimumLr, label: 'minimumLr' },
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
