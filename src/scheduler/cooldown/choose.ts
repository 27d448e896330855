/**
 * Which LR a search of the cooldown strategy chooses (pure, no tfjs).
 *
 * A short probe scored after its mini-cooldown measures how far an LR gets in τ' steps.
 * With `tolerance` 0 (the default) the best probe's LR is chosen. A tolerance makes the
 * choice conservative: among the LRs whose score is within `tolerance`·|best| of the best,
 * the smallest. (On the curve bank, from a fresh model, the best probe score is at 0.0316
 * where the best loss 750 steps later is at 0.0178; over whole runs, the head-to-head's
 * validation accuracy preferred 0: bench/README.md.) Below the best probe it reads the
 * scores off the search's model (a Gaussian process's posterior mean) when the search has
 * one, on a log grid that never goes below the smallest usable probe.
 */

/** A probe as the rule sees it. */
export interface ScoredProbe {
  lr: number;
  score: number;
  /** Set when the probe cannot be chosen (it diverged or made no progress). */
  note?: string;
}

/** Points of the log grid read off the model between the smallest usable LR and the best probe's. */
export const CHOICE_GRID = 256;

/**
 * The LR chosen among `probes`, or null when none is usable.
 *
 * The reference is the best (lowest) score of a usable probe, b. An LR qualifies when its
 * value is at most b + tolerance·|b|: a usable probe by its score, and, when `predict` is
 * given, an LR on a log grid from the smallest usable LR up to the best probe's LR by the
 * model's value there. The smallest qualifying LR is chosen; when a qualifying probe lies
 * within 1 % of it, that probe's LR. With tolerance 0 the best probe is chosen.
 */
export function chooseLr(probes: readonly ScoredProbe[], tolerance: number, predict?: (lrs: number[]) => number[]): number | null {
  const usable = probes.filter((p) => p.note === undefined && Number.isFinite(p.score));
  if (usable.length === 0) return null;
  const bestProbe = usable.reduce((a, p) => (p.score < a.score ? p : a));
  if (tolerance === 0) return bestProbe.lr;
  const limit = bestProbe.score + tolerance * Math.abs(bestProbe.score);
  const qualifying = usable.filter((p) => p.score <= limit);
  let chosen = Math.min(...qualifying.map((p) => p.lr));
  const lo = Math.min(...usable.map((p) => p.lr));
  const hi = bestProbe.lr;
  if (predict !== undefined && hi > lo) {
    const grid = Array.from({ length: CHOICE_GRID }, (_, i) => Math.exp(Math.log(lo) + ((Math.log(hi) - Math.log(lo)) * i) / (CHOICE_GRID - 1)));
    const mean = predict(grid);
    grid.forEach((lr, i) => {
      const v = mean[i]!;
      if (Number.isFinite(v) && v <= limit && lr < chosen) chosen = lr;
    });
    const near = qualifying.find((p) => Math.abs(Math.log(p.lr / chosen)) < Math.log(1.01));
    if (near !== undefined) chosen = near.lr;
  }
  return chosen;
}
