/**
 * Maximum-likelihood fitting of {@link GaussianProcess} hyperparameters.
 *
 * The negative log marginal likelihood is minimized by Nelder-Mead over the logarithms
 * of (constant, length scale(s), noise) inside box bounds. The first start is
 * `initial`; each further restart starts from a point drawn log-uniformly in the box
 * with the given seeded generator, so fits are deterministic for a given generator state.
 * The restart with the highest log marginal likelihood wins. With a single observation
 * nothing is fitted: the model uses the initial hyperparameters (clamped into the bounds).
 */
import { GPNumericalError } from './errors.js';
import { GaussianProcess, type GPHyperparameters } from './gp.js';
import { nelderMead } from './nelder-mead.js';
import { Rng } from './rng.js';
import { boolean, describe, integerAtLeast, knownKeys, optionsObject, positiveNumber } from '../util/validate.js';

/** A closed interval `[low, high]` with 0 < low <= high. */
export type Bounds = readonly [number, number];

/** Options of {@link fitGaussianProcess}. */
export interface FitOptions {
  /**
   * Generator for the restart points; it is advanced. Takes precedence over `seed`.
   * @default a new `Rng(seed)`
   */
  rng?: Rng;
  /**
   * Seed for a fresh generator when `rng` is not given.
   * @default 0
   */
  seed?: number;
  /**
   * Number of Nelder-Mead runs: one from `initial`, the others from random points.
   * @default 3
   */
  restarts?: number;
  /**
   * One length scale per input dimension (ARD) instead of one shared.
   * @default false
   */
  ard?: boolean;
  /**
   * Starting hyperparameters of the first run; missing fields take their default.
   * @default { constant: 1, lengthScale: input range per dimension (1 when constant), noise: 1e-2 }
   */
  initial?: Partial<GPHyperparameters>;
  /**
   * Bounds of the kernel constant (standardized target units).
   * @default [1e-2, 1e3]
   */
  constantBounds?: Bounds;
  /**
   * Bounds of the length scale, RELATIVE to the range of the inputs in each dimension
   * (a dimension whose inputs are all equal has range 1).
   * @default [1e-2, 1e2]
   */
  lengthScaleBounds?: Bounds;
  /**
   * Bounds of the noise variance (standardized target units).
   * @default [1e-6, 1e1]
   */
  noiseBounds?: Bounds;
  /**
   * Range of the input domain, one number for every dimension or one per dimension;
   * the length-scale bounds and the default initial length scale are relative to it.
   * @default the range of `X` in each dimension (1 where all inputs are equal)
   */
  inputRange?: number | readonly number[];
  /**
   * Maximum Nelder-Mead iterations per run.
   * @default 200 × number of fitted parameters
   */
  maxIterations?: number;
}

const FIT_KEYS = [
  'rng',
  'seed',
  'restarts',
  'ard',
  'initial',
  'constantBounds',
  'lengthScaleBounds',
  'noiseBounds',
  'inputRange',
  'maxIterations',
] as const;

function checkBounds(name: string, value: unknown): Bounds {
  if (!Array.isArray(value) || value.length !== 2) {
    throw new TypeError(`Expected \`${name}\` to be a pair [low, high], got ${describe(value)}.`);
  }
  const lo = positiveNumber(`${name}[0]`, value[0]);
  const hi = positiveNumber(`${name}[1]`, value[1]);
  if (hi < lo) throw new RangeError(`Expected \`${name}[1]\` to be >= \`${name}[0]\` (${lo}), got ${hi}.`);
  return [lo, hi];
}

const clampTo = (v: number, lo: number, hi: number): number => Math.min(Math.max(v, lo), hi);

/**
 * Fits the hyperparameters of a Gaussian process to `(X, y)` by maximizing the log
 * marginal likelihood, and returns the model conditioned with the best ones.
 * Throws {@link GPNumericalError} when no start gives a factorable covariance.
 */
export function fitGaussianProcess(
  X: readonly (readonly number[])[],
  y: readonly number[],
  options: FitOptions = {},
): GaussianProcess {
  const opts = optionsObject<FitOptions>('options', options);
  knownKeys('options', opts, FIT_KEYS);
  if (opts.rng !== undefined && !(opts.rng instanceof Rng)) {
    throw new TypeError(`Expected \`rng\` to be an Rng, got ${describe(opts.rng)}.`);
  }
  const rng = opts.rng ?? new Rng(opts.seed ?? 0);
  const restarts = integerAtLeast('restarts', opts.restarts ?? 3, 1);
  const ard = boolean('ard', opts.ard ?? false);
  const cBounds = checkBounds('constantBounds', opts.constantBounds ?? [1e-2, 1e3]);
  const lRel = checkBounds('lengthScaleBounds', opts.lengthScaleBounds ?? [1e-2, 1e2]);
  const nBounds = checkBounds('noiseBounds', opts.noiseBounds ?? [1e-6, 1e1]);
  if (!Array.isArray(X) || X.length === 0) throw new RangeError('Expected `X` to hold at least 1 point, got 0.');
  const dim = (X[0] as readonly number[]).length;

  // Input range per dimension, used to scale the length-scale bounds.
  const ranges: number[] = [];
  const givenRange = opts.inputRange;
  if (givenRange !== undefined) {
    if (Array.isArray(givenRange) && givenRange.length !== dim) {
      throw new RangeError(`Expected \`inputRange\` to be a number or an array of length ${dim}, got ${describe(givenRange)}.`);
    }
    for (let j = 0; j < dim; j++) {
      const r = typeof givenRange === 'number' ? givenRange : givenRange[j];
      ranges.push(positiveNumber(typeof givenRange === 'number' ? 'inputRange' : `inputRange[${j}]`, r));
    }
  }
  for (let j = ranges.length; j < dim; j++) {
    let lo = Infinity;
    let hi = -Infinity;
    for (const p of X) {
      lo = Math.min(lo, p[j] as number);
      hi = Math.max(hi, p[j] as number);
    }
    const r = hi - lo;
    ranges.push(Number.isFinite(r) && r > 0 ? r : 1);
  }
  const nLs = ard ? dim : 1;
  const lsRange = (j: number): number => (ard ? (ranges[j] as number) : Math.max(...ranges));

  const lower: number[] = [Math.log(cBounds[0])];
  const upper: number[] = [Math.log(cBounds[1])];
  for (let j = 0; j < nLs; j++) {
    lower.push(Math.log(lRel[0] * lsRange(j)));
    upper.push(Math.log(lRel[1] * lsRange(j)));
  }
  lower.push(Math.log(nBounds[0]));
  upper.push(Math.log(nBounds[1]));
  const nParams = lower.length;
  const maxIterations = integerAtLeast('maxIterations', opts.maxIterations ?? 200 * nParams, 1);

  const decode = (theta: readonly number[]): GPHyperparameters => {
    const ls = theta.slice(1, 1 + nLs).map(Math.exp);
    return {
      constant: Math.exp(theta[0] as number),
      lengthScale: ard ? ls : (ls[0] as number),
      noise: Math.exp(theta[nParams - 1] as number),
    };
  };

  const init = opts.initial ?? {};
  const initLs = init.lengthScale;
  const theta0: number[] = [Math.log(positiveNumber('initial.constant', init.constant ?? 1))];
  for (let j = 0; j < nLs; j++) {
    const l = initLs === undefined ? lsRange(j) : typeof initLs === 'number' ? initLs : (initLs[j] as number);
    theta0.push(Math.log(positiveNumber('initial.lengthScale', l)));
  }
  theta0.push(Math.log(positiveNumber('initial.noise', init.noise ?? 1e-2)));
  for (let i = 0; i < nParams; i++) theta0[i] = clampTo(theta0[i] as number, lower[i] as number, upper[i] as number);

  // With a single observation the likelihood says nothing about the length scale: keep
  // the initial hyperparameters (the generator is not advanced).
  if (y.length < 2) return new GaussianProcess(X, y, decode(theta0));

  const objective = (theta: number[]): number => {
    try {
      return -new GaussianProcess(X, y, decode(theta)).logMarginalLikelihood();
    } catch (e) {
      if (e instanceof GPNumericalError) return Infinity;
      throw e;
    }
  };

  let bestTheta: number[] | undefined;
  let bestValue = Infinity;
  for (let r = 0; r < restarts; r++) {
    const start =
      r === 0 ? theta0 : lower.map((lo, i) => rng.uniform(lo, upper[i] as number));
    const result = nelderMead(objective, start, {
      lower,
      upper,
      step: 0.5,
      maxIterations,
      fTolerance: 1e-7,
      xTolerance: 1e-5,
    });
    if (result.fx < bestValue) {
      bestValue = result.fx;
      bestTheta = result.x;
    }
  }
  if (bestTheta === undefined) {
    throw new GPNumericalError(
      `Fitting the GP hyperparameters failed: no start among ${restarts} gave a factorable covariance matrix.`,
    );
  }
  return new GaussianProcess(X, y, decode(bestTheta));
}
