/**
 * Pure metrics of the head-to-head benchmark (no tfjs): steps and wall time to reach a
 * target accuracy, speedup ratios, mean ± sd across seeds, mean curves.
 *
 * Accuracies are in percent. A curve is a list of evaluation points in increasing step
 * order; `step` counts every optimizer step the method took (for AutoLRS the search
 * steps included) and `wallMs` the training time up to that point (evaluation excluded).
 */
import { mean, sampleStandardDeviation } from 'simple-statistics';

/** One evaluation of a run. */
export interface CurvePoint {
  /** Optimizer steps taken so far (search steps included). */
  step: number;
  /** Training wall time so far, in ms, evaluation time excluded. */
  wallMs: number;
  /** Test accuracy, in percent. */
  acc: number;
}

/** Where a curve first reaches a target. */
export interface Reached {
  step: number;
  wallMs: number;
}

/** Mean and sample standard deviation (0 for a single value). */
export interface MeanSd {
  mean: number;
  sd: number;
  n: number;
}

/**
 * The first point of `curve` whose accuracy is >= `target`, or null when none is.
 * @throws RangeError when the steps of `curve` are not increasing.
 */
export function stepsToTarget(curve: readonly CurvePoint[], target: number): Reached | null {
  for (let i = 1; i < curve.length; i++) {
    if (!(curve[i]!.step > curve[i - 1]!.step)) {
      throw new RangeError(`Expected the steps of \`curve\` to be increasing, got ${curve[i - 1]!.step} then ${curve[i]!.step}.`);
    }
  }
  for (const p of curve) if (p.acc >= target) return { step: p.step, wallMs: p.wallMs };
  return null;
}

/**
 * The target of the benchmark: the best final mean accuracy among the baselines minus
 * `margin` percentage points (0.1 by default).
 * @throws RangeError when there is no baseline.
 */
export function targetAccuracy(baselineFinalMeans: readonly number[], margin = 0.1): number {
  if (baselineFinalMeans.length === 0) throw new RangeError('Expected at least one baseline accuracy, got none.');
  return Math.max(...baselineFinalMeans) - margin;
}

/**
 * Speedup of AutoLRS over a baseline: baseline cost to target / AutoLRS cost to target.
 * null when AutoLRS did not reach the target (no finite ratio); Infinity is never
 * returned. When only the baseline did not reach it the ratio is also null: the caller
 * reports "baseline not reached" from the reached flags.
 */
export function speedup(baselineCost: number | null, autoCost: number | null): number | null {
  if (baselineCost === null || autoCost === null) return null;
  if (!(autoCost > 0)) throw new RangeError(`Expected \`autoCost\` to be > 0, got ${autoCost}.`);
  return baselineCost / autoCost;
}

/** Mean ± sample standard deviation of `xs` (simple-statistics). */
export function meanSd(xs: readonly number[]): MeanSd {
  if (xs.length === 0) throw new RangeError('Expected at least one value, got none.');
  return { mean: mean([...xs]), sd: xs.length > 1 ? sampleStandardDeviation([...xs]) : 0, n: xs.length };
}

/**
 * The pointwise mean of several curves (one per seed) over the steps that all of them
 * evaluated; wall time is averaged too.
 */
export function meanCurve(curves: readonly (readonly CurvePoint[])[]): CurvePoint[] {
  if (curves.length === 0) return [];
  const maps = curves.map((c) => new Map(c.map((p) => [p.step, p])));
  const steps = [...maps[0]!.keys()].filter((s) => maps.every((m) => m.has(s))).sort((a, b) => a - b);
  return steps.map((step) => {
    const pts = maps.map((m) => m.get(step)!);
    return {
      step,
      wallMs: mean(pts.map((p) => p.wallMs)),
      acc: mean(pts.map((p) => p.acc)),
    };
  });
}

/** Formats a {@link MeanSd} as "m ± s" with `digits` decimals. */
export function formatMeanSd(m: MeanSd, digits = 2): string {
  return `${m.mean.toFixed(digits)} ± ${m.sd.toFixed(digits)}`;
}
