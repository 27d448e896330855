/**
 * How the reference strategy judges one probe (pure, no tfjs): the value told to the search
 * for a probe's forecast, and why it differs from the forecast when it does.
 *
 * In order:
 * 1. a forecast that is not finite, or at least the NaN penalty: the penalty (`nan-penalty`);
 * 2. a probe whose loss rose (see {@link probeDiverged}): the penalty (`diverged`);
 * 3. a forecast below zero while every loss seen was >= 0: the exponential model does not
 *    describe the probe (a steep, nearly straight decline extrapolated far ahead), so the
 *    probe is judged by the loss it reached, the mean of its last tenth (`negative-forecast`);
 * 4. in validation mode, the reference's guard: a probe whose validation loss rose to or above
 *    the training loss at the first search (`initLoss`) is judged by its last measured loss
 *    (`validation-guard`).
 */
import { probeDiverged, type ProbeEnds } from './divergence.js';

/** Why the value told differs from the forecast. */
export type TrialNote = 'nan-penalty' | 'diverged' | 'negative-forecast' | 'validation-guard';

/** What {@link judgeTrial} needs besides the forecast. */
export interface TrialEvidence {
  /** Means of the first and last tenth of the probe's losses (training or validation). */
  ends: ProbeEnds | undefined;
  /** Told for a NaN or diverged probe. */
  nanPenalty: number;
  /** See {@link probeDiverged}. */
  divergenceFactor: number;
  /** Whether a loss below zero was seen in the run (then a negative forecast is a forecast). */
  lossSeenNegative: boolean;
  /** In validation mode: the probe's validation losses and the guard's threshold. */
  validation?: { values: readonly number[]; initLoss: number } | undefined;
}

/** The value told to the search for a probe's forecast, and the note when it is not the forecast. */
export function judgeTrial(forecast: number, e: TrialEvidence): { told: number; note?: TrialNote } {
  if (!Number.isFinite(forecast) || forecast >= e.nanPenalty) return { told: e.nanPenalty, note: 'nan-penalty' };
  if (e.ends !== undefined && probeDiverged(e.ends, e.divergenceFactor)) return { told: e.nanPenalty, note: 'diverged' };
  if (forecast < 0 && e.ends !== undefined && !e.lossSeenNegative) return { told: e.ends.tail, note: 'negative-forecast' };
  if (e.validation !== undefined) {
    const { values, initLoss } = e.validation;
    if (values.some((v) => v >= initLoss)) {
      const last = values[values.length - 1]!;
      return Number.isFinite(last) ? { told: last, note: 'validation-guard' } : { told: e.nanPenalty, note: 'nan-penalty' };
    }
  }
  return { told: forecast };
}
