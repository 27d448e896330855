/**
 * The budget plan of the cooldown strategy (pure, no tfjs): where each stage's search
 * begins, where the final cooldown begins, and the LR of every step in between.
 *
 * With a budget of T gradient steps (LR probes included), S stages and a final cooldown
 * over the last fraction f of the budget:
 * - the cooldown begins at C = round((1 − f)·T): from there the LR of the last stage
 *   decays linearly, reaching 0 after step T − 1;
 * - the stages fill [s0, C), where s0 is the first step of the schedule (after the steps an
 *   LR range test took); each begins with its search (k·τ' probe steps, fewer when halved), then trains at the
 *   LR chosen until the next stage begins;
 * - the training steps outside the searches, N = C − s0 − (all probe steps), are split
 *   between the stages doubling as in the reference AutoLRS: L, 2L, 4L, ... with
 *   L = N/(2^S − 1) (rounded at the stage boundaries).
 *
 * A probe of τ' steps trains at its LR for the first h = τ' − round(c·τ') steps, then
 * decays linearly towards 0 over the last round(c·τ') steps (a mini-cooldown, see
 * {@link probeLr}), and is scored after that.
 *
 * With successive halving (m survivors, m < k), a search runs in two rungs: every probe first
 * runs τ₁ (`rungSteps`) steps, h₁ = τ₁ − round(c·τ₁) at its LR and the rest decaying, and is
 * scored; then the m best continue from their state after h₁ steps to the whole probe (steps
 * h₁ to τ' − 1 of a τ'-step probe) and are scored again. Such a search takes
 * k·τ₁ + m·(τ' − h₁) steps instead of k·τ'.
 */

/** Everything that fixes the plan. */
export interface StagePlanInput {
  /** Gradient steps in all (T). */
  totalSteps: number;
  /** Gradient steps taken before the schedule began (e.g. by an LR range test). */
  startStep: number;
  /** Number of stages (searches), S. */
  stages: number;
  /** Fraction of the budget spent in the final cooldown, f. */
  cooldownFraction: number;
  /** Steps of each probe, τ'. */
  probeSteps: number;
  /** Fraction of each probe spent decaying its LR, c. */
  probeCooldown: number;
  /** Probes of the first stage's search. */
  trials: number;
  /** Probes of every later stage's search. */
  laterTrials: number;
  /**
   * Probes that continue to τ' steps after the first rung, m (0: no halving, every probe runs τ'
   * steps). A stage whose search has no more than m probes is not halved.
   */
  survivors?: number;
  /** Steps of a probe in the first rung, τ₁ (< τ'); used when survivors > 0. */
  rungSteps?: number;
}

/** The plan. Step positions count every gradient step, probes included. */
export interface StagePlan {
  totalSteps: number;
  /** First step of the final cooldown, C. */
  cooldownStart: number;
  /** Step at which each stage's search begins. */
  stageStarts: number[];
  /** Step at which each stage ends (the next stage's start; C for the last). */
  stageEnds: number[];
  /** Probes of each stage's search. */
  trials: number[];
  probeSteps: number;
  /** Steps of a probe at its full LR before its mini-cooldown, h. */
  holdSteps: number;
  /** Probes of each stage's search that continue to τ' steps after the first rung (0: no halving). */
  survivors: number[];
  /** Steps of a first-rung probe, τ₁ (τ' when no stage is halved). */
  rungSteps: number;
  /** Steps of a first-rung probe at its full LR, h₁ (h when no stage is halved). */
  rungHoldSteps: number;
  /** Gradient steps of each stage's search. */
  searchSteps: number[];
}

/** Steps at the LR of a probe of `steps` steps whose last round(probeCooldown·steps) decay: steps − round(probeCooldown·steps). */
export function holdStepsOf(steps: number, probeCooldown: number): number {
  return steps - Math.round(probeCooldown * steps);
}

/** Computes the plan; throws a RangeError when the budget cannot hold it. */
export function planStages(input: StagePlanInput): StagePlan {
  const { totalSteps: T, startStep, stages: S, cooldownFraction: f, probeSteps, probeCooldown: c } = input;
  const cooldownStart = Math.round((1 - f) * T);
  const holdSteps = holdStepsOf(probeSteps, c);
  if (holdSteps < 1) {
    throw new RangeError(`Expected \`probeCooldown\` (${c}) to leave at least one step of a ${probeSteps}-step probe at its full LR, got none.`);
  }
  const trials = Array.from({ length: S }, (_, s) => (s === 0 ? input.trials : input.laterTrials));
  const m = input.survivors ?? 0;
  // Halving applies to the searches of more than m probes; with none, the first rung is unused.
  const halved = m > 0 && trials.some((k) => k > m);
  const rungSteps = halved ? input.rungSteps! : probeSteps;
  if (halved && !(rungSteps >= 1 && rungSteps < probeSteps)) {
    throw new RangeError(`Expected \`rungSteps\` to be smaller than \`probeSteps\` (${probeSteps}), got ${rungSteps}.`);
  }
  const rungHoldSteps = halved ? holdStepsOf(rungSteps, c) : holdSteps;
  if (rungHoldSteps < 1) {
    throw new RangeError(`Expected \`probeCooldown\` (${c}) to leave at least one step of a ${rungSteps}-step first-rung probe at its full LR, got none.`);
  }
  const survivors = trials.map((k) => (halved && k > m ? m : 0));
  const perStage = trials.map((k, s) => (survivors[s]! > 0 ? k * rungSteps + survivors[s]! * (probeSteps - rungHoldSteps) : k * probeSteps));
  const searchSteps = perStage.reduce((a, n) => a + n, 0);
  // Training steps outside the searches, split L, 2L, 4L, ... between the stages.
  const training = cooldownStart - startStep - searchSteps;
  if (training < 2 ** S - 1) {
    throw new RangeError(
      `Expected a budget that holds the searches (${searchSteps} probe steps: ` +
        (halved ? `${perStage.join(' + ')} in searches of ${trials.join(', ')} probes of ${rungSteps} steps, the best ${m} continued to ${probeSteps}` : `${trials.join(' + ')} probes of ${probeSteps} steps`) +
        ') ' +
        `and at least ${2 ** S - 1} training steps before the final cooldown, got ${cooldownStart - startStep} steps ` +
        `(totalSteps=${T}, startStep=${startStep}, cooldownFraction=${f}); raise totalSteps or lower stages, k, laterK or probeSteps.`,
    );
  }
  const stageStarts: number[] = [];
  let trainedBefore = 0;
  let searchedBefore = 0;
  for (let s = 0; s < S; s++) {
    stageStarts.push(startStep + searchedBefore + Math.round((training * trainedBefore) / (2 ** S - 1)));
    trainedBefore += 2 ** s;
    searchedBefore += perStage[s]!;
  }
  const stageEnds = stageStarts.map((_, s) => (s + 1 < S ? stageStarts[s + 1]! : cooldownStart));
  return { totalSteps: T, cooldownStart, stageStarts, stageEnds, trials, probeSteps, holdSteps, survivors, rungSteps, rungHoldSteps, searchSteps: perStage };
}

/**
 * LR of step i (0-based) of a probe at peak LR `lr`: `lr` for the first h steps, then linear
 * towards 0 over the d = τ' − h decay steps, every one of them below `lr`: decay step j
 * (0-based) uses lr·(d − j)/(d + 1), so even a single decay step halves the LR.
 */
export function probeLr(lr: number, i: number, probeSteps: number, holdSteps: number): number {
  if (i < holdSteps) return lr;
  const d = probeSteps - holdSteps;
  return (lr * (probeSteps - i)) / (d + 1);
}

/**
 * LR of training step t after the first search during a linear warmup of `steps` steps that
 * begins at `start`: step start + i uses lr·(i + 1)/steps; `lr` from start + steps on.
 */
export function warmupLr(lr: number, t: number, start: number, steps: number): number {
  if (steps <= 0 || t >= start + steps || t < start) return lr;
  return (lr * (t - start + 1)) / steps;
}

/** How the final cooldown decays the LR: linearly, or along a half cosine. */
export type CooldownShape = 'linear' | 'cosine';

/** Every {@link CooldownShape}. */
export const COOLDOWN_SHAPES: readonly CooldownShape[] = ['linear', 'cosine'];

/**
 * LR of training step t during the final cooldown (C ≤ t < T), from `lr` at step C to 0 at
 * step T:
 * - `'linear'` (the default): lr·(T − t)/(T − C), so lr/(T − C) at step T − 1;
 * - `'cosine'`: lr·(1 + cos(π·(t − C)/(T − C)))/2, the second half of a cosine.
 * `lr` before C.
 */
export function cooldownLr(lr: number, t: number, cooldownStart: number, totalSteps: number, shape: CooldownShape = 'linear'): number {
  if (t < cooldownStart) return lr;
  if (t >= totalSteps) return 0;
  const span = totalSteps - cooldownStart;
  if (shape === 'cosine') return (lr * (1 + Math.cos((Math.PI * (t - cooldownStart)) / span))) / 2;
  return (lr * (totalSteps - t)) / span;
}
