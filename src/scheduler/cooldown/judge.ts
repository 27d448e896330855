/**
 * How the cooldown strategy judges a probe (pure): by its score, the loss on the scoring
 * data after the probe's mini-cooldown, compared with the base score, the same loss
 * measured on the model the search started from.
 *
 * A probe that ends no better than the base made no progress (its LR is too high, or it
 * diverged): it cannot be chosen, and the search is told a capped value, so one exploding
 * loss does not flatten the Gaussian process's view of the others. The rules hold for losses
 * of any sign.
 */

/** Why a probe cannot be chosen. */
export type ProbeNote = 'not-finite' | 'no-progress';

/** The verdict on one probe. */
export interface ProbeVerdict {
  /** What the search is told (lower is better). */
  told: number;
  /** Set when the probe cannot be chosen. */
  note?: ProbeNote;
}

/**
 * The value told for a probe that made no progress: the base score plus its magnitude
 * (twice the base for a positive loss; 0 for a negative one), or base + 1 when the base is 0.
 */
export function penaltyFor(base: number): number {
  return base + (base === 0 ? 1 : Math.abs(base));
}

/** Judges a probe's score against the base score (which must be finite). */
export function judgeProbe(score: number, base: number): ProbeVerdict {
  if (!Number.isFinite(base)) throw new RangeError(`Expected the base score to be a finite number, got ${base}.`);
  const cap = penaltyFor(base);
  if (!Number.isFinite(score)) return { told: cap, note: 'not-finite' };
  if (score >= base) return { told: Math.min(score, cap), note: 'no-progress' };
  return { told: score };
}
