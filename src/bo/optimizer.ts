/**
 * Ask/tell Bayesian optimization of a learning rate over a log-uniform domain.
 *
 * The search space is log(lr) on [log minLr, log maxLr], mapped linearly to u ∈ [0, 1]
 * for the Gaussian process. While fewer than `nInitialPoints` observations have been
 * told, `ask` returns a log-uniform random LR. After that, every `ask` fits a fresh GP
 * (Matérn 5/2 × constant, Gaussian noise, standardized targets, hyperparameters by
 * maximum likelihood) to all observations and returns the best of `nCandidates`
 * candidate points under the acquisition function: the argmin of the lower confidence
 * bound, or the argmax of expected improvement. Lower `y` is better.
 *
 * Duplicate rule (as in the AutoLRS reference): when the proposed LR has already been
 * told (exact equality), the optimizer tells that LR its most recent value again,
 * which adds a duplicate observation, and proposes again. After `maxDuplicateRepeats`
 * such re-tells within one `ask`, it stops re-telling and returns the candidate with
 * the largest posterior variance among those not yet told; that ask is recorded with
 * source `'max-variance'` in {@link BayesianOptimizer.lastAsk} and counted in
 * {@link BayesianOptimizer.maxVarianceFallbacks}.
 */
import { expectedImprovement, lowerConfidenceBound, type AcquisitionFunction } from './acquisition.js';
import { fitGaussianProcess } from './fit.js';
import type { GaussianProcess } from './gp.js';
import { Rng, type RngState } from './rng.js';
import {
  describe,
  finiteNumber,
  integerAtLeast,
  knownKeys,
  nonNegativeNumber,
  numberInRange,
  oneOf,
  optionsObject,
  positiveNumber,
} from '../util/validate.js';

/** Acquisition functions the optimizer can use. */
export const ACQUISITIONS = ['lcb', 'ei'] as const;
export type AcquisitionName = (typeof ACQUISITIONS)[number];

/** Options of {@link BayesianOptimizer}. */
export interface BayesianOptimizerOptions {
  /** Smallest learning rate searched (> 0). Required. */
  minLr: number;
  /** Largest learning rate searched (> minLr). Required. */
  maxLr: number;
  /**
   * Number of observations before the model is used: while fewer have been told,
   * `ask` returns a log-uniform random LR drawn from the seeded generator.
   * @default 1
   */
  nInitialPoints?: number;
  /**
   * How the `nInitialPoints` random LRs are drawn. `'random'`: each log-uniformly on the
   * whole range. `'stratified'`: a Latin hypercube in log space: the range is cut into
   * `nInitialPoints` equal log intervals and initial point i is drawn log-uniformly in
   * interval i, so a few initial points already cover the range.
   * @default 'random'
   */
  initialDesign?: InitialDesign;
  /**
   * `'lcb'`: minimize mean − κ·sd; `'ei'`: maximize expected improvement.
   * @default 'lcb'
   */
  acquisition?: AcquisitionName;
  /**
   * κ of the lower confidence bound (>= 0). AutoLRS uses 1e6 (pure exploration).
   * @default 1.96
   */
  kappa?: number;
  /**
   * ξ of expected improvement (>= 0), in the units of `y`.
   * @default 0.01
   */
  xi?: number;
  /**
   * Seed of the generator behind the random initial points, the random candidates and
   * the hyperparameter restarts (a non-negative integer).
   * @default 0
   */
  seed?: number;
  /**
   * Candidate points at which the acquisition is evaluated: an evenly spaced grid of
   * max(2, ⌈nCandidates/2⌉) points in log space, endpoints included, plus the rest drawn
   * log-uniformly at random on each ask. At least 2.
   * @default 2000
   */
  nCandidates?: number;
  /**
   * Nelder-Mead runs of each hyperparameter fit (see `fitGaussianProcess`). At least 1.
   * @default 3
   */
  restarts?: number;
  /**
   * Smallest distance, in decades of LR, between a proposal of the acquisition function and
   * any LR already told: candidates closer than this are not proposed (a probe 1 % away from
   * one already run tells little). 0 keeps every candidate (only exact repeats are handled,
   * by the duplicate rule).
   * @default 0
   */
  minSpacing?: number;
  /**
   * Re-tells of duplicate proposals allowed within one `ask` before it falls back to
   * the untold candidate with the largest posterior variance. At least 0.
   * @default 20
   */
  maxDuplicateRepeats?: number;
}

/** How the initial points are drawn (see {@link BayesianOptimizerOptions.initialDesign}). */
export const INITIAL_DESIGNS = ['random', 'stratified'] as const;
export type InitialDesign = (typeof INITIAL_DESIGNS)[number];

const OPTION_KEYS = [
  'minLr',
  'maxLr',
  'nInitialPoints',
  'initialDesign',
  'acquisition',
  'kappa',
  'xi',
  'seed',
  'nCandidates',
  'restarts',
  'minSpacing',
  'maxDuplicateRepeats',
] as const;

/** One told pair. */
export interface Observation {
  lr: number;
  y: number;
}

/** How an asked LR was chosen. */
export type AskSource = 'random' | 'acquisition' | 'max-variance';

/** What the last `ask` returned and how. */
export interface AskRecord {
  lr: number;
  source: AskSource;
  /** Duplicate observations the optimizer told itself during that ask. */
  duplicatesTold: number;
}

/** The JSON-serializable state of a {@link BayesianOptimizer}. */
export interface BayesianOptimizerState {
  version: 1;
  minLr: number;
  maxLr: number;
  observations: Observation[];
  rng: RngState;
  asks: number;
  maxVarianceFallbacks: number;
  lastAsk: AskRecord | null;
}

interface Proposal {
  index: number;
  lr: number;
}

/** Bayesian optimization of a learning rate with a scikit-optimize style ask/tell API. */
export class BayesianOptimizer {
  readonly #minLr: number;
  readonly #maxLr: number;
  readonly #logMin: number;
  readonly #logSpan: number;
  readonly #nInitialPoints: number;
  readonly #initialDesign: InitialDesign;
  readonly #acquisition: AcquisitionName;
  readonly #kappa: number;
  readonly #xi: number;
  readonly #seed: number;
  readonly #nCandidates: number;
  readonly #restarts: number;
  readonly #maxDuplicateRepeats: number;
  readonly #minSpacing: number;
  readonly #rng: Rng;
  #observations: Observation[] = [];
  #asks = 0;
  #maxVarianceFallbacks = 0;
  #lastAsk: AskRecord | null = null;

  constructor(options: BayesianOptimizerOptions) {
    const o = optionsObject<BayesianOptimizerOptions>('options', options);
    knownKeys('options', o, OPTION_KEYS);
    const minLr = positiveNumber('minLr', o.minLr);
    const maxLr = positiveNumber('maxLr', o.maxLr);
    if (!(maxLr > minLr)) {
      throw new RangeError(`Expected \`maxLr\` to be a finite number > \`minLr\` (${minLr}), got ${describe(maxLr)}.`);
    }
    this.#minLr = minLr;
    this.#maxLr = maxLr;
    this.#logMin = Math.log(minLr);
    this.#logSpan = Math.log(maxLr) - Math.log(minLr);
    if (!(this.#logSpan > 0)) {
      throw new RangeError(`Expected \`maxLr\` to be measurably larger than \`minLr\` (${minLr}) in log space, got ${maxLr}.`);
    }
    this.#nInitialPoints = integerAtLeast('nInitialPoints', o.nInitialPoints ?? 1, 1);
    this.#initialDesign = oneOf('initialDesign', o.initialDesign ?? 'random', INITIAL_DESIGNS);
    this.#acquisition = oneOf('acquisition', o.acquisition ?? 'lcb', ACQUISITIONS);
    this.#kappa = nonNegativeNumber('kappa', o.kappa ?? 1.96);
    this.#xi = nonNegativeNumber('xi', o.xi ?? 0.01);
    this.#seed = integerAtLeast('seed', o.seed ?? 0, 0);
    this.#nCandidates = integerAtLeast('nCandidates', o.nCandidates ?? 2000, 2);
    this.#restarts = integerAtLeast('restarts', o.restarts ?? 3, 1);
    this.#maxDuplicateRepeats = integerAtLeast('maxDuplicateRepeats', o.maxDuplicateRepeats ?? 20, 0);
    this.#minSpacing = nonNegativeNumber('minSpacing', o.minSpacing ?? 0);
    this.#rng = new Rng(this.#seed);
  }

  get minLr(): number {
    return this.#minLr;
  }

  get maxLr(): number {
    return this.#maxLr;
  }

  get acquisition(): AcquisitionName {
    return this.#acquisition;
  }

  get nInitialPoints(): number {
    return this.#nInitialPoints;
  }

  /** A copy of every told pair in order, duplicates told by the optimizer included. */
  get observations(): Observation[] {
    return this.#observations.map((o) => ({ ...o }));
  }

  /** The observation with the lowest `y` (the first one on ties), or undefined. */
  get best(): Observation | undefined {
    let best: Observation | undefined;
    for (const o of this.#observations) if (best === undefined || o.y < best.y) best = o;
    return best ? { ...best } : undefined;
  }

  /** Number of `ask` calls so far. */
  get asks(): number {
    return this.#asks;
  }

  /** How many asks hit `maxDuplicateRepeats` and returned the largest-variance candidate. */
  get maxVarianceFallbacks(): number {
    return this.#maxVarianceFallbacks;
  }

  /** What the last `ask` returned and how, or null before the first ask. */
  get lastAsk(): AskRecord | null {
    return this.#lastAsk ? { ...this.#lastAsk } : null;
  }

  /** Maps u ∈ [0, 1] to an LR; u = 0 and u = 1 give exactly minLr and maxLr. */
  #toLr(u: number): number {
    if (u <= 0) return this.#minLr;
    if (u >= 1) return this.#maxLr;
    return Math.min(Math.max(Math.exp(this.#logMin + u * this.#logSpan), this.#minLr), this.#maxLr);
  }

  #toU(lr: number): number {
    return Math.min(Math.max((Math.log(lr) - this.#logMin) / this.#logSpan, 0), 1);
  }

  #toldValue(lr: number): number | undefined {
    for (let i = this.#observations.length - 1; i >= 0; i--) {
      const o = this.#observations[i] as Observation;
      if (o.lr === lr) return o.y;
    }
    return undefined;
  }

  #fit(): GaussianProcess {
    const X = this.#observations.map((o) => [this.#toU(o.lr)]);
    const y = this.#observations.map((o) => o.y);
    return fitGaussianProcess(X, y, { rng: this.#rng, restarts: this.#restarts, inputRange: 1 });
  }

  #candidates(): number[] {
    const grid = Math.max(2, Math.ceil(this.#nCandidates / 2));
    const u: number[] = [];
    for (let i = 0; i < grid; i++) u.push(i / (grid - 1));
    for (let i = grid; i < this.#nCandidates; i++) u.push(this.#rng.next());
    return u;
  }

  #propose(model: GaussianProcess, candidates: number[]): Proposal {
    let acq: AcquisitionFunction;
    if (this.#acquisition === 'lcb') acq = lowerConfidenceBound(model, { kappa: this.#kappa });
    else {
      let best = Infinity;
      for (const o of this.#observations) best = Math.min(best, o.y);
      acq = expectedImprovement(model, { best, xi: this.#xi });
    }
    const values = acq(candidates.map((u) => [u]));
    const sign = acq.direction === 'minimize' ? 1 : -1;
    // Candidates closer than minSpacing (in u: decades / decades of the range) to a told LR are left out.
    const spacing = this.#minSpacing > 0 ? (this.#minSpacing * Math.LN10) / this.#logSpan : 0;
    const told = spacing > 0 ? this.#observations.map((o) => this.#toU(o.lr)) : [];
    const allowed = (i: number): boolean => spacing === 0 || told.every((u) => Math.abs((candidates[i] as number) - u) >= spacing);
    let index = -1;
    for (let i = 0; i < values.length; i++) {
      if (!allowed(i)) continue;
      if (index < 0 || sign * (values[i] as number) < sign * (values[index] as number)) index = i;
    }
    if (index < 0) index = 0; // every candidate is near a told LR: the duplicate rule takes over
    return { index, lr: this.#toLr(candidates[index] as number) };
  }

  /**
   * The next LR to try. Advances the seeded generator (random initial point, random
   * candidates, hyperparameter restarts) and may add duplicate observations (see the
   * module documentation). Throws an Error only when every candidate has already been
   * told and the duplicate bound is hit (possible only with very few candidates).
   */
  ask(): number {
    this.#asks++;
    let duplicates = 0;
    for (;;) {
      let lr: number;
      let source: AskSource;
      let model: GaussianProcess | undefined;
      let candidates: number[] | undefined;
      if (this.#observations.length < this.#nInitialPoints) {
        const u = this.#rng.next();
        // Stratified: the i-th initial point (i = observations told so far) lies in the
        // i-th of nInitialPoints equal intervals of [0, 1].
        lr = this.#toLr(this.#initialDesign === 'stratified' ? (this.#observations.length + u) / this.#nInitialPoints : u);
        source = 'random';
      } else {
        model = this.#fit();
        candidates = this.#candidates();
        lr = this.#propose(model, candidates).lr;
        source = 'acquisition';
      }
      const told = this.#toldValue(lr);
      if (told === undefined) return this.#record(lr, source, duplicates);
      if (duplicates < this.#maxDuplicateRepeats) {
        this.#observations.push({ lr, y: told });
        duplicates++;
        continue;
      }
      // Duplicate bound hit: the untold candidate with the largest posterior variance.
      model ??= this.#fit();
      candidates ??= this.#candidates();
      const variance = model.posterior(candidates.map((u) => [u])).variance;
      let bestIndex = -1;
      for (let i = 0; i < candidates.length; i++) {
        const candidateLr = this.#toLr(candidates[i] as number);
        if (this.#toldValue(candidateLr) !== undefined) continue;
        if (bestIndex < 0 || (variance[i] as number) > (variance[bestIndex] as number)) bestIndex = i;
      }
      if (bestIndex < 0) {
        throw new Error(
          `BayesianOptimizer.ask: all ${candidates.length} candidate LRs have already been told and ` +
            `the duplicate bound (maxDuplicateRepeats = ${this.#maxDuplicateRepeats}) was hit; increase \`nCandidates\`.`,
        );
      }
      this.#maxVarianceFallbacks++;
      return this.#record(this.#toLr(candidates[bestIndex] as number), 'max-variance', duplicates);
    }
  }

  /**
   * The Gaussian process's posterior mean and variance of `y` at each LR, fitted to every
   * observation told so far (the fit draws hyperparameter restarts from the seeded
   * generator, so it advances it). Throws a RangeError with fewer than two observations.
   */
  predict(lrs: readonly number[]): { mean: number[]; variance: number[] } {
    if (this.#observations.length < 2) {
      throw new RangeError(`Expected at least 2 observations to predict, got ${this.#observations.length}.`);
    }
    for (const [i, lr] of lrs.entries()) positiveNumber(`lrs[${i}]`, lr);
    const model = this.#fit();
    const p = model.posterior(lrs.map((lr) => [this.#toU(lr)]));
    return { mean: [...p.mean], variance: [...p.variance] };
  }

  #record(lr: number, source: AskSource, duplicatesTold: number): number {
    this.#lastAsk = { lr, source, duplicatesTold };
    return lr;
  }

  #checkObservation(lr: unknown, y: unknown, where: string): Observation {
    finiteNumber(`${where}lr`, lr);
    numberInRange(`${where}lr`, lr, this.#minLr, this.#maxLr);
    finiteNumber(`${where}y`, y);
    return { lr: lr as number, y: y as number };
  }

  /**
   * Records that `lr` gave objective `y` (lower is better). Throws a RangeError when `y`
   * is not finite (map NaN losses to a penalty first) or `lr` is outside [minLr, maxLr];
   * a TypeError when either is not a number.
   */
  tell(lr: number, y: number): void {
    this.#observations.push(this.#checkObservation(lr, y, ''));
  }

  /** The complete state as plain JSON: observations, generator state and counters. */
  stateDict(): BayesianOptimizerState {
    return {
      version: 1,
      minLr: this.#minLr,
      maxLr: this.#maxLr,
      observations: this.observations,
      rng: this.#rng.getState(),
      asks: this.#asks,
      maxVarianceFallbacks: this.#maxVarianceFallbacks,
      lastAsk: this.lastAsk,
    };
  }

  /**
   * Restores a state from {@link BayesianOptimizer.stateDict}. Given the same options,
   * the optimizer then asks exactly what the saved one would have asked next. Throws
   * (and changes nothing) when the state is malformed or its LR bounds differ.
   */
  loadStateDict(state: BayesianOptimizerState): void {
    const s = optionsObject<BayesianOptimizerState>('state', state);
    if (s.version !== 1) throw new RangeError(`Expected \`state.version\` to be 1, got ${describe(s.version)}.`);
    if (s.minLr !== this.#minLr || s.maxLr !== this.#maxLr) {
      throw new RangeError(
        `Expected \`state\` to have minLr = ${this.#minLr} and maxLr = ${this.#maxLr}, got ${describe(s.minLr)} and ${describe(s.maxLr)}.`,
      );
    }
    if (!Array.isArray(s.observations)) {
      throw new TypeError(`Expected \`state.observations\` to be an array, got ${describe(s.observations)}.`);
    }
    const observations = s.observations.map((o: unknown, i) => {
      const obs = optionsObject<Observation>(`state.observations[${i}]`, o);
      return this.#checkObservation(obs.lr, obs.y, `state.observations[${i}].`);
    });
    const asks = integerAtLeast('state.asks', s.asks, 0);
    const fallbacks = integerAtLeast('state.maxVarianceFallbacks', s.maxVarianceFallbacks, 0);
    let lastAsk: AskRecord | null = null;
    if (s.lastAsk !== null && s.lastAsk !== undefined) {
      const a = optionsObject<AskRecord>('state.lastAsk', s.lastAsk);
      lastAsk = {
        lr: finiteNumber('state.lastAsk.lr', a.lr),
        source: oneOf('state.lastAsk.source', a.source, ['random', 'acquisition', 'max-variance'] as const),
        duplicatesTold: integerAtLeast('state.lastAsk.duplicatesTold', a.duplicatesTold, 0),
      };
    }
    const rng = Rng.fromState(s.rng as RngState); // validates before anything changes
    this.#rng.setState(rng.getState());
    this.#observations = observations;
    this.#asks = asks;
    this.#maxVarianceFallbacks = fallbacks;
    this.#lastAsk = lastAsk;
  }
}
