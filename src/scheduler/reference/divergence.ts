/**
 * When an LR probe counts as diverged, for a loss of any sign (pure, no tfjs).
 *
 * A probe is summarised by the mean of its first tenth of losses (`head`) and of its last
 * tenth (`tail`). It diverged when its loss rose by more than `factor − 1` times the
 * magnitude of where it started:
 *
 *     tail − head > (factor − 1) · |head|
 *
 * For a loss ≥ 0 this is `tail > factor · head`, the rule as first written. Measured
 * against |head|, it also holds for a loss below zero (a shifted loss, a log-likelihood):
 * there `tail > factor · head` would call every probe diverged, since a negative head
 * times a factor > 1 lies below any loss that merely stayed where it was.
 *
 * The scale is |head|, so a probe that starts near zero is judged on a small scale: a
 * loss that crosses zero may need a larger `factor`.
 */
import { describe } from '../../util/validate.js';

/** The means of the first and last tenth of a probe's losses. */
export interface ProbeEnds {
  head: number;
  tail: number;
}

/** Means of the first and last ⌈n/10⌉ values of a series (n ≥ 1). */
export function probeEnds(values: readonly number[]): ProbeEnds {
  if (values.length === 0) throw new RangeError('Expected `values` to hold at least one loss, got an empty array.');
  const m = Math.max(1, Math.ceil(values.length / 10));
  const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  return { head: mean(values.slice(0, m)), tail: mean(values.slice(-m)) };
}

/**
 * Whether a probe diverged: its tail is not finite, or it rose above its head by more
 * than `(factor − 1) · |head|`. A head that is not finite counts as diverged too.
 * @param factor the divergence factor (> 1).
 */
export function probeDiverged(ends: ProbeEnds, factor: number): boolean {
  if (typeof factor !== 'number' || !(factor > 1) || !Number.isFinite(factor)) {
    throw new RangeError(`Expected \`factor\` to be a finite number > 1, got ${describe(factor)}.`);
  }
  const { head, tail } = ends;
  if (!Number.isFinite(head) || !Number.isFinite(tail)) return true;
  return tail - head > (factor - 1) * Math.abs(head);
}
