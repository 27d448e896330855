/**
 * Options of the cooldown strategy: the interface, its defaults and its validation. The
 * option keys come from one object checked by the compiler against the interface, so a
 * key cannot be added to one and forgotten in the other.
 */
import type { LrSearchFactory } from '../search.js';
import { defaultCooldownSearch } from './search.js';
import { COOLDOWN_SHAPES, type CooldownShape } from './plan.js';
import {
  finiteNumber,
  func,
  integerAtLeast,
  knownKeys,
  nonNegativeNumber,
  numberInRange,
  oneOf,
  optionsObject,
  positiveNumber,
} from '../../util/validate.js';

/** Where training starts after the first search (see {@link CooldownOptions.trainFrom}). */
export type TrainFrom = 'checkpoint' | 'probe';

/** Every {@link TrainFrom}. */
export const TRAIN_FROM: readonly TrainFrom[] = ['checkpoint', 'probe'];

/** Options of the cooldown strategy. `minLr`, `maxLr` and `totalSteps` are required. */
export interface CooldownOptions {
  /** Smallest LR the search may try (> 0). */
  minLr: number;
  /** Largest LR the search may try (> minLr). */
  maxLr: number;
  /**
   * Gradient steps of the whole run, T: LR probes, range-test steps and training steps all
   * count. The final cooldown ends there, and so does training.
   */
  totalSteps: number;
  /**
   * Gradient steps already taken when the schedule starts (e.g. by an LR range test); they
   * count in `totalSteps`.
   * @default 0
   */
  startStep?: number;
  /**
   * Number of stages, each beginning with a search. Stage lengths double (L, 2L, 4L, ...)
   * and fill the budget up to the final cooldown. With the default, one search at the start
   * chooses the LR that the run keeps until its final cooldown: later searches with short
   * probes lean towards LRs smaller than the rest of the run wants (bench/README.md).
   * @default 1
   */
  stages?: number;
  /**
   * Probes of the first stage's search, over the whole range [minLr, maxLr]. 5 had the higher
   * validation accuracy than 6 on both head-to-head tasks, with 50 fewer probe steps thrown
   * away (bench/README.md, section 7).
   * @default 5
   */
  k?: number;
  /**
   * Probes of every later stage's search, over [lr / windowBelow, lr · windowAbove] around the
   * LR in use (within [minLr, maxLr]).
   * @default 3
   */
  laterK?: number;
  /**
   * Steps of each probe, τ'.
   * @default Math.max(8, Math.round(0.02 * totalSteps))
   */
  probeSteps?: number;
  /**
   * Successive halving: probes of a search that continue to `probeSteps` steps after a first,
   * shorter rung, m (an integer >= 0). With m > 0 every probe first runs `rungSteps` steps (with
   * its own mini-cooldown) and is scored; the m best then continue from their state before that
   * mini-cooldown to the whole probe, are scored again, and the search chooses among them (by
   * their scores alone, with `tolerance`). The probes the first rung drops cost `rungSteps`
   * steps instead of `probeSteps`. A search of no more than m probes (`k`, `laterK`) is not
   * halved. 0: every probe runs `probeSteps`. With the defaults (5 probes, 2 continued) a search
   * takes 176 of a 2,500-step budget instead of 250; on the head-to-head it had the higher
   * validation accuracy than 0 over both tasks (bench/README.md, section 7).
   * @default 2
   */
  survivors?: number;
  /**
   * Steps of a first-rung probe when `survivors` > 0, τ₁ in [1, probeSteps); the last
   * round(probeCooldown · τ₁) of them decay the LR.
   * @default Math.max(1, Math.round(0.4 * probeSteps))
   */
  rungSteps?: number;
  /**
   * Fraction of each probe whose LR decays linearly to 0 before the probe is scored (the
   * mini-cooldown), in [0, 1).
   * @default 0.4
   */
  probeCooldown?: number;
  /**
   * Fraction of the budget over which the last stage's LR decays to 0 (`cooldownShape`), in [0, 1).
   * 0.5 had the higher validation accuracy than 0.35 on both head-to-head tasks
   * (bench/README.md, section 7).
   * @default 0.5
   */
  cooldownFraction?: number;
  /**
   * How the final cooldown decays the LR to 0: `'linear'`, or `'cosine'` (the second half of
   * a cosine, which stays near the LR chosen longer and ends more gently); see {@link cooldownLr}.
   * @default 'linear'
   */
  cooldownShape?: CooldownShape;
  /**
   * Fraction of the budget over which training after the first search warms up linearly to
   * the LR chosen (step i of W at lr·(i + 1)/W), in [0, 1): warmup, stable, decay. 0: none.
   * With `trainFrom` 'checkpoint' it replaces a start at the full LR (see there).
   * @default 0.05
   */
  warmupFraction?: number;
  /**
   * Where training starts after the first search: `'checkpoint'`, the model the search started
   * from (every probe step is thrown away), or `'probe'`, the chosen probe's state (its steps
   * at the LR are kept). A probe trains at its LR from the first step; kept, those steps are a
   * start at the full LR with no warmup. On the head-to-head's CNN (SGD momentum, no batch norm)
   * 30 such steps cost tuned one-cycle 0.71 points, and `'checkpoint'` with a warmup
   * (`warmupFraction` 0.02 to 0.4) raised AutoLRS's test accuracy by 0.2 to 0.4 (5 seeds). With
   * the 0.05 warmup its mean validation accuracy over both tasks was 0.15 above keeping the
   * probe's on 10 seeds (the rule fixed before seeds 5 to 9 ran; on 3 seeds it was 0.14 below):
   * the default (bench/README.md, section 7). Later searches always continue from their chosen
   * probe: the model they start from is no longer fresh.
   * @default 'checkpoint'
   */
  trainFrom?: TrainFrom;
  /**
   * A later stage searches down to the LR in use divided by this factor (>= 1).
   * @default 4
   */
  windowBelow?: number;
  /**
   * A later stage searches up to the LR in use times this factor (>= 1).
   * @default 2
   */
  windowAbove?: number;
  /**
   * How far from the best score an LR may be and still be chosen, relative to |best|: the
   * search takes the smallest LR whose score (read off the Gaussian process below the best
   * probe) is within `tolerance`·|best| of the best. 0 takes the best probe. On the curve
   * bank a tolerance of 0.03 chose better at the first search (its truth: 750 steps), but on
   * the head-to-head's full runs 0 did better on validation accuracy (bench/README.md).
   * @default 0
   */
  tolerance?: number;
  /**
   * Factor the LR a search chooses is multiplied by before the stage trains at it, in (0, 1]
   * (never below `minLr`). A probe measures how far an LR gets in τ' steps from the model the
   * search starts from; the stage then holds the LR hundreds of steps, and from a fresh model
   * the probe scores favour a larger LR than the whole run wants. 1: the LR chosen as it is.
   * The best probe's state is still kept. On the head-to-head, 0.7 raised ResNet-8's
   * validation accuracy and lowered the CNN's, by more (bench/README.md, section 7).
   * @default 1
   */
  shrink?: number;
  /**
   * Probes of each search drawn as a stratified (Latin hypercube) design in log space before
   * the Gaussian process proposes.
   * @default 3
   */
  nInitialPoints?: number;
  /**
   * Acquisition function of the Gaussian-process search.
   * @default 'ei'
   */
  acquisition?: 'ei' | 'lcb';
  /**
   * Seed of the searches (stage s uses `seed + s`) and of the probe batches.
   * @default 0
   */
  seed?: number;
  /** Makes each stage's search; defaults to a Bayesian optimizer with the options above. */
  search?: LrSearchFactory;
}

/**
 * Every option key. `satisfies` makes the compiler reject a key missing from, or not in,
 * {@link CooldownOptions}.
 */
const KEYS = {
  minLr: true,
  maxLr: true,
  totalSteps: true,
  startStep: true,
  stages: true,
  k: true,
  laterK: true,
  probeSteps: true,
  survivors: true,
  rungSteps: true,
  probeCooldown: true,
  cooldownFraction: true,
  cooldownShape: true,
  warmupFraction: true,
  trainFrom: true,
  windowBelow: true,
  windowAbove: true,
  tolerance: true,
  shrink: true,
  nInitialPoints: true,
  acquisition: true,
  seed: true,
  search: true,
} as const satisfies Record<keyof CooldownOptions, true>;

/** Every option key of {@link CooldownOptions}. */
export const COOLDOWN_OPTION_KEYS = Object.keys(KEYS) as Array<keyof CooldownOptions>;

/** Options with every default applied. */
export type ResolvedCooldownOptions = Required<CooldownOptions>;

/** Validates options and applies the defaults; a TypeError or RangeError on bad input. */
export function resolveCooldownOptions(options: CooldownOptions): ResolvedCooldownOptions {
  const o = optionsObject<CooldownOptions>('options', options);
  knownKeys('options', o, COOLDOWN_OPTION_KEYS);
  const minLr = positiveNumber('minLr', o.minLr);
  const maxLr = positiveNumber('maxLr', o.maxLr);
  if (maxLr <= minLr) throw new RangeError(`Expected \`maxLr\` to be greater than \`minLr\` (${minLr}), got ${maxLr}.`);
  const totalSteps = integerAtLeast('totalSteps', o.totalSteps, 1);
  const startStep = integerAtLeast('startStep', o.startStep ?? 0, 0);
  if (startStep >= totalSteps) throw new RangeError(`Expected \`startStep\` to be smaller than \`totalSteps\` (${totalSteps}), got ${startStep}.`);
  const stages = integerAtLeast('stages', o.stages ?? 1, 1);
  const k = integerAtLeast('k', o.k ?? 5, 1);
  const laterK = integerAtLeast('laterK', o.laterK ?? 3, 1);
  const probeSteps = integerAtLeast('probeSteps', o.probeSteps ?? Math.max(8, Math.round(0.02 * totalSteps)), 2);
  const survivors = integerAtLeast('survivors', o.survivors ?? 2, 0);
  const rungSteps = integerAtLeast('rungSteps', o.rungSteps ?? Math.max(1, Math.round(0.4 * probeSteps)), 1);
  if (rungSteps >= probeSteps) throw new RangeError(`Expected \`rungSteps\` to be smaller than \`probeSteps\` (${probeSteps}), got ${rungSteps}.`);
  const probeCooldown = numberInRange('probeCooldown', o.probeCooldown ?? 0.4, 0, 1);
  if (probeCooldown === 1) throw new RangeError('Expected `probeCooldown` to be a number in [0, 1), got 1.');
  const cooldownFraction = numberInRange('cooldownFraction', o.cooldownFraction ?? 0.5, 0, 1);
  if (cooldownFraction === 1) throw new RangeError('Expected `cooldownFraction` to be a number in [0, 1), got 1.');
  const cooldownShape = oneOf('cooldownShape', o.cooldownShape ?? 'linear', COOLDOWN_SHAPES);
  const warmupFraction = numberInRange('warmupFraction', o.warmupFraction ?? 0.05, 0, 1);
  if (warmupFraction === 1) throw new RangeError('Expected `warmupFraction` to be a number in [0, 1), got 1.');
  const trainFrom = oneOf('trainFrom', o.trainFrom ?? 'checkpoint', TRAIN_FROM);
  const windowBelow = finiteNumber('windowBelow', o.windowBelow ?? 4);
  if (windowBelow < 1) throw new RangeError(`Expected \`windowBelow\` to be a number >= 1, got ${windowBelow}.`);
  const windowAbove = finiteNumber('windowAbove', o.windowAbove ?? 2);
  if (windowAbove < 1) throw new RangeError(`Expected \`windowAbove\` to be a number >= 1, got ${windowAbove}.`);
  const tolerance = nonNegativeNumber('tolerance', o.tolerance ?? 0);
  const shrink = finiteNumber('shrink', o.shrink ?? 1);
  if (!(shrink > 0 && shrink <= 1)) throw new RangeError(`Expected \`shrink\` to be a number in (0, 1], got ${shrink}.`);
  const nInitialPoints = integerAtLeast('nInitialPoints', o.nInitialPoints ?? 3, 1);
  const acquisition = oneOf('acquisition', o.acquisition ?? 'ei', ['ei', 'lcb'] as const);
  const seed = integerAtLeast('seed', o.seed ?? 0, 0);
  const search =
    o.search === undefined ? defaultCooldownSearch({ acquisition, nInitialPoints }) : func<LrSearchFactory>('search', o.search);
  return {
    minLr,
    maxLr,
    totalSteps,
    startStep,
    stages,
    k,
    laterK,
    probeSteps,
    survivors,
    rungSteps,
    probeCooldown,
    cooldownFraction,
    cooldownShape,
    warmupFraction,
    trainFrom,
    windowBelow,
    windowAbove,
    tolerance,
    shrink,
    nInitialPoints,
    acquisition,
    seed,
    search,
  };
}
