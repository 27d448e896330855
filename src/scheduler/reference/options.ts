/**
 * Options of the reference strategy ({@link AutoLRSController}): the interface, its
 * defaults and its validation. The option keys come from one object checked by the
 * compiler against the interface.
 */
import { BayesianOptimizer } from '../../bo/optimizer.js';
import {
  boolean,
  finiteNumber,
  func,
  integerAtLeast,
  knownKeys,
  nonNegativeNumber,
  optionsObject,
  oneOf,
  positiveNumber,
} from '../../util/validate.js';
import type { LrSearchFactory } from '../search.js';

/** Options of the AutoLRS schedule. Only `minLr` and `maxLr` are required. */
export interface AutoLRSControllerOptions {
  /** Smallest LR the search may try (> 0). A very small value wastes trials. */
  minLr: number;
  /** Largest LR the search may try (> minLr). */
  maxLr: number;
  /**
   * Steps trained at the chosen LR in the first stage (τ). Doubles after each stage
   * while τ < τmax and τ' < τmax/10.
   * @default 1000
   */
  tau?: number;
  /**
   * Steps of each LR probe in the first stage (τ'). At least 3 (the forecast fits three
   * parameters) and smaller than τ.
   * @default Math.max(3, Math.round(tau / 10))
   */
  tauPrime?: number;
  /**
   * LRs tried per stage (k).
   * @default 10
   */
  k?: number;
  /**
   * τ and τ' double after each stage while τ < τmax and τ' < τmax/10 (with τ' = τ/10,
   * as in the reference, the two conditions are one). So τ never doubles past 2·τmax,
   * whatever τ' is. Once they stop, the search forecasts the validation loss (when
   * `validationMode` is on).
   * @default 8000
   */
  tauMax?: number;
  /**
   * κ of the lower-confidence-bound acquisition (1e6: pure exploration of uncertainty).
   * @default 1e6
   */
  kappa?: number;
  /**
   * Acquisition function of the search.
   * @default 'lcb'
   */
  acquisition?: 'lcb' | 'ei';
  /**
   * Random LRs tried before the Gaussian process proposes them.
   * @default 1
   */
  nInitialPoints?: number;
  /**
   * Forecast told to the search for a probe whose loss became NaN or infinite.
   * @default 1e6
   */
  nanPenalty?: number;
  /**
   * A probe diverged when the mean of its last tenth of losses (tail) rose above the mean
   * of its first tenth (head) by more than `(divergenceFactor − 1) · |head|`: for a loss
   * ≥ 0, when tail > divergenceFactor × head. It is told `nanPenalty`, like a NaN probe.
   * See `divergence.ts`.
   * @default 3
   */
  divergenceFactor?: number;
  /**
   * Steps of linear warmup before the first search (not searched). 0 disables warmup.
   * @default 0
   */
  warmupSteps?: number;
  /**
   * LR reached at the end of the warmup; the warmup LR at step i (0-based) is
   * `warmupLr * (i + 1) / warmupSteps`. Required when `warmupSteps > 0`.
   */
  warmupLr?: number;
  /**
   * Whether stages after τ reaches τmax forecast the validation loss (as the reference
   * does). When false the training loss is forecast in every stage.
   * @default true
   */
  validationMode?: boolean;
  /**
   * Validation losses measured per probe in validation mode (every τ'/validationSamples steps).
   * @default 16
   */
  validationSamples?: number;
  /**
   * Seed of the search's random number generator; stage s uses `seed + s`.
   * @default 0
   */
  seed?: number;
  /**
   * Makes the search of each stage; defaults to a {@link BayesianOptimizer} over
   * log(LR) with the options above.
   */
  search?: LrSearchFactory;
}

/**
 * Every option key. `satisfies` makes the compiler reject a key missing from, or not in,
 * {@link AutoLRSControllerOptions}.
 */
const KEYS = {
  minLr: true,
  maxLr: true,
  tau: true,
  tauPrime: true,
  k: true,
  tauMax: true,
  kappa: true,
  acquisition: true,
  nInitialPoints: true,
  nanPenalty: true,
  divergenceFactor: true,
  warmupSteps: true,
  warmupLr: true,
  validationMode: true,
  validationSamples: true,
  seed: true,
  search: true,
} as const satisfies Record<keyof AutoLRSControllerOptions, true>;

/** Every option key of {@link AutoLRSControllerOptions}. */
export const AUTOLRS_OPTION_KEYS = Object.keys(KEYS) as Array<keyof AutoLRSControllerOptions>;

/** Resolved options: every default applied. */
export type ResolvedAutoLRSOptions = Required<Omit<AutoLRSControllerOptions, 'warmupLr' | 'search'>> & {
  warmupLr: number | undefined;
  search: LrSearchFactory;
};

/** Validates options and applies the defaults; throws a TypeError or RangeError on bad input. */
export function resolveAutoLRSOptions(options: AutoLRSControllerOptions): ResolvedAutoLRSOptions {
  const o = optionsObject<AutoLRSControllerOptions>('options', options);
  knownKeys('options', o, AUTOLRS_OPTION_KEYS);
  const minLr = positiveNumber('minLr', o.minLr);
  const maxLr = positiveNumber('maxLr', o.maxLr);
  if (maxLr <= minLr) throw new RangeError(`Expected \`maxLr\` to be greater than \`minLr\` (${minLr}), got ${maxLr}.`);
  const tau = integerAtLeast('tau', o.tau ?? 1000, 4);
  // A probe must record at least 3 losses to fit the 3 parameters of a·exp(b·t) + c.
  const tauPrime = integerAtLeast('tauPrime', o.tauPrime ?? Math.max(3, Math.round(tau / 10)), 3);
  if (tauPrime >= tau) throw new RangeError(`Expected \`tauPrime\` to be smaller than \`tau\` (${tau}), got ${tauPrime}.`);
  const k = integerAtLeast('k', o.k ?? 10, 1);
  const tauMax = integerAtLeast('tauMax', o.tauMax ?? 8000, 1);
  if (tauMax < tau) throw new RangeError(`Expected \`tauMax\` to be at least \`tau\` (${tau}), got ${tauMax}.`);
  const kappa = nonNegativeNumber('kappa', o.kappa ?? 1e6);
  const acquisition = oneOf('acquisition', o.acquisition ?? 'lcb', ['lcb', 'ei'] as const);
  const nInitialPoints = integerAtLeast('nInitialPoints', o.nInitialPoints ?? 1, 1);
  const nanPenalty = finiteNumber('nanPenalty', o.nanPenalty ?? 1e6);
  const divergenceFactor = positiveNumber('divergenceFactor', o.divergenceFactor ?? 3);
  if (divergenceFactor <= 1) throw new RangeError(`Expected \`divergenceFactor\` to be a finite number > 1, got ${divergenceFactor}.`);
  const warmupSteps = integerAtLeast('warmupSteps', o.warmupSteps ?? 0, 0);
  let warmupLr: number | undefined;
  if (warmupSteps > 0) {
    if (o.warmupLr === undefined) {
      throw new TypeError(`Expected \`warmupLr\` to be a finite number > 0 when \`warmupSteps\` is ${warmupSteps}, got undefined.`);
    }
    warmupLr = positiveNumber('warmupLr', o.warmupLr);
  } else if (o.warmupLr !== undefined) {
    warmupLr = positiveNumber('warmupLr', o.warmupLr);
  }
  const validationMode = boolean('validationMode', o.validationMode ?? true);
  const validationSamples = integerAtLeast('validationSamples', o.validationSamples ?? 16, 3);
  if (validationMode) {
    const tp = tauPrimeInValidationMode(tau, tauPrime, tauMax);
    if (tp < validationSamples) {
      throw new RangeError(
        `Expected \`tauPrime\` in validation mode (${tp} with tau=${tau}, tauPrime=${tauPrime}, tauMax=${tauMax}) ` +
          `to be at least \`validationSamples\` (${validationSamples}); raise tauMax or tauPrime, or set validationMode: false.`,
      );
    }
  }
  const seed = integerAtLeast('seed', o.seed ?? 0, 0);
  const search =
    o.search === undefined
      ? defaultSearch({ acquisition, kappa, nInitialPoints })
      : func<LrSearchFactory>('search', o.search);
  return {
    minLr,
    maxLr,
    tau,
    tauPrime,
    k,
    tauMax,
    kappa,
    acquisition,
    nInitialPoints,
    nanPenalty,
    divergenceFactor,
    warmupSteps,
    warmupLr,
    validationMode,
    validationSamples,
    seed,
    search,
  };
}

/**
 * Whether τ and τ' double after a stage. The reference tests τ' < τmax/10 alone, which
 * caps τ only because its τ' is always τ/10; with a shorter τ', τ would grow far past τmax.
 */
export function keepsDoubling(tau: number, tauPrime: number, tauMax: number): boolean {
  return tau < tauMax && tauPrime < tauMax / 10;
}

/** τ' once the doubling has stopped (the value used by validation-mode stages). */
export function tauPrimeInValidationMode(tau: number, tauPrime: number, tauMax: number): number {
  let tp = tauPrime;
  for (let t = tau; keepsDoubling(t, tp, tauMax); t *= 2) tp *= 2;
  return tp;
}

function defaultSearch(o: { acquisition: 'lcb' | 'ei'; kappa: number; nInitialPoints: number }): LrSearchFactory {
  return ({ minLr, maxLr, seed }) =>
    new BayesianOptimizer({ minLr, maxLr, seed, acquisition: o.acquisition, kappa: o.kappa, nInitialPoints: o.nInitialPoints });
}

