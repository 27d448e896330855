/**
 * Exact Gaussian-process regression with a Matérn 5/2 × constant kernel and Gaussian
 * observation noise, on standardized targets.
 *
 * The model is fixed once built: hyperparameters are given, not learned here (see
 * `fitGaussianProcess` in `fit.ts` for that). Targets are standardized internally,
 * ỹ = (y − mean(y)) / std(y), with the population standard deviation; std is taken as 1
 * when all targets are equal (std below 1e-12 · max(1, |mean|)) or there is one target.
 * The kernel constant and the noise variance are in these standardized units.
 */
import { GPNumericalError } from './errors.js';
import { kernelMatrix, type KernelParameters } from './kernel.js';
import { choleskyWithJitter, solveLower, solveUpperTransposed } from './linalg.js';
import type { Posterior, PosteriorModel } from './posterior.js';
import { describe } from '../util/validate.js';

export { GPNumericalError } from './errors.js';

/** Hyperparameters of a {@link GaussianProcess}, in standardized target units. */
export interface GPHyperparameters extends KernelParameters {
  /** Variance of the Gaussian observation noise (standardized units), >= 0. */
  noise: number;
}

function checkPoints(name: string, X: unknown, dim?: number): number {
  if (!Array.isArray(X)) throw new TypeError(`Expected \`${name}\` to be an array of points, got ${describe(X)}.`);
  let d = dim;
  X.forEach((p: unknown, i) => {
    if (!Array.isArray(p)) throw new TypeError(`Expected \`${name}[${i}]\` to be an array of numbers, got ${describe(p)}.`);
    if (d === undefined) d = p.length;
    if (p.length !== d || p.length === 0) {
      throw new RangeError(`Expected \`${name}[${i}]\` to have ${d || 'at least 1'} coordinates, got ${p.length}.`);
    }
    p.forEach((v: unknown, j) => {
      if (typeof v !== 'number' || !Number.isFinite(v)) {
        throw new RangeError(`Expected \`${name}[${i}][${j}]\` to be a finite number, got ${describe(v)}.`);
      }
    });
  });
  return d ?? 0;
}

function checkHyperparameters(h: GPHyperparameters, dim: number): void {
  if (h === null || typeof h !== 'object') throw new TypeError(`Expected \`hyperparameters\` to be an object, got ${describe(h)}.`);
  const positive = (name: string, v: unknown): void => {
    if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) {
      throw new RangeError(`Expected \`hyperparameters.${name}\` to be a finite number > 0, got ${describe(v)}.`);
    }
  };
  positive('constant', h.constant);
  if (typeof h.lengthScale === 'number') positive('lengthScale', h.lengthScale);
  else if (Array.isArray(h.lengthScale)) {
    if (h.lengthScale.length !== dim) {
      throw new RangeError(
        `Expected \`hyperparameters.lengthScale\` to be a number or an array of length ${dim}, got ${describe(h.lengthScale)}.`,
      );
    }
    h.lengthScale.forEach((v, i) => positive(`lengthScale[${i}]`, v));
  } else {
    throw new TypeError(`Expected \`hyperparameters.lengthScale\` to be a number or an array, got ${describe(h.lengthScale)}.`);
  }
  if (typeof h.noise !== 'number' || !Number.isFinite(h.noise) || h.noise < 0) {
    throw new RangeError(`Expected \`hyperparameters.noise\` to be a finite number >= 0, got ${describe(h.noise)}.`);
  }
}

/** A Gaussian process conditioned on training data, with fixed hyperparameters. */
export class GaussianProcess implements PosteriorModel {
  readonly #X: number[][];
  readonly #y: number[];
  readonly #hyper: GPHyperparameters;
  readonly #yMean: number;
  readonly #yStd: number;
  readonly #L: number[][];
  readonly #alpha: number[];
  readonly #jitter: number;
  readonly #yStandardized: number[];

  /**
   * Factors the training covariance. Throws {@link GPNumericalError} when it cannot be
   * factored even with jitter, RangeError/TypeError for malformed inputs.
   * @param X training inputs, n points of the same dimension (n >= 1).
   * @param y training targets, n finite numbers.
   */
  constructor(X: readonly (readonly number[])[], y: readonly number[], hyperparameters: GPHyperparameters) {
    const dim = checkPoints('X', X);
    if (X.length === 0) throw new RangeError('Expected `X` to hold at least 1 point, got 0.');
    if (!Array.isArray(y) || y.length !== X.length) {
      throw new RangeError(`Expected \`y\` to be an array of ${X.length} numbers, got ${describe(y)}.`);
    }
    y.forEach((v, i) => {
      if (typeof v !== 'number' || !Number.isFinite(v)) throw new RangeError(`Expected \`y[${i}]\` to be a finite number, got ${describe(v)}.`);
    });
    checkHyperparameters(hyperparameters, dim);
    this.#X = X.map((p) => [...p]);
    this.#y = [...y];
    const ls = hyperparameters.lengthScale;
    this.#hyper = {
      constant: hyperparameters.constant,
      lengthScale: typeof ls === 'number' ? ls : [...ls],
      noise: hyperparameters.noise,
    };

    const n = y.length;
    const mean = y.reduce((s, v) => s + v, 0) / n;
    const variance = y.reduce((s, v) => s + (v - mean) * (v - mean), 0) / n;
    let std = Math.sqrt(variance);
    if (n === 1 || !(std > 1e-12 * Math.max(1, Math.abs(mean)))) std = 1;
    this.#yMean = mean;
    this.#yStd = std;
    this.#yStandardized = y.map((v) => (v - mean) / std);

    const K = kernelMatrix(this.#X, this.#X, this.#hyper);
    for (let i = 0; i < n; i++) (K[i] as number[])[i] = ((K[i] as number[])[i] as number) + this.#hyper.noise;
    const { L, jitter } = choleskyWithJitter(K, 'GP training covariance (kernel + noise)');
    this.#L = L;
    this.#jitter = jitter;
    this.#alpha = solveUpperTransposed(L, solveLower(L, this.#yStandardized));
  }

  /** Copies of the training inputs. */
  get X(): number[][] {
    return this.#X.map((p) => [...p]);
  }

  /** Copies of the training targets (original units). */
  get y(): number[] {
    return [...this.#y];
  }

  /** The hyperparameters (a copy). */
  get hyperparameters(): GPHyperparameters {
    const ls = this.#hyper.lengthScale;
    return { ...this.#hyper, lengthScale: typeof ls === 'number' ? ls : [...ls] };
  }

  /** Mean subtracted from the targets before fitting. */
  get targetMean(): number {
    return this.#yMean;
  }

  /** Scale the centred targets were divided by (1 for constant targets or n = 1). */
  get targetStd(): number {
    return this.#yStd;
  }

  /** Absolute jitter that had to be added to the covariance diagonal (0 when none). */
  get jitter(): number {
    return this.#jitter;
  }

  /** Input dimension. */
  get dimension(): number {
    return (this.#X[0] as number[]).length;
  }

  /**
   * Posterior mean and variance of the latent function at `x`, in the original target
   * units. Observation noise is not added to the variance.
   */
  posterior(x: readonly (readonly number[])[]): Posterior {
    checkPoints('x', x, this.dimension);
    const Ks = kernelMatrix(x, this.#X, this.#hyper);
    const c = this.#hyper.constant;
    const s2 = this.#yStd * this.#yStd;
    const mean: number[] = [];
    const variance: number[] = [];
    for (const k of Ks) {
      let m = 0;
      for (let i = 0; i < k.length; i++) m += (k[i] as number) * (this.#alpha[i] as number);
      const v = solveLower(this.#L, k);
      let vv = 0;
      for (const vi of v) vv += vi * vi;
      mean.push(m * this.#yStd + this.#yMean);
      variance.push(Math.max(c - vv, 0) * s2);
    }
    return { mean, variance };
  }

  /**
   * Log marginal likelihood of the standardized targets,
   * −½ ỹᵀ(K + σ²I)⁻¹ỹ − ½ log|K + σ²I| − n/2 · log 2π
   * (any jitter added during factorization is included in K).
   */
  logMarginalLikelihood(): number {
    const n = this.#yStandardized.length;
    let fit = 0;
    for (let i = 0; i < n; i++) fit += (this.#yStandardized[i] as number) * (this.#alpha[i] as number);
    let logDet = 0;
    for (let i = 0; i < n; i++) logDet += Math.log((this.#L[i] as number[])[i] as number);
    const lml = -0.5 * fit - logDet - 0.5 * n * Math.log(2 * Math.PI);
    if (!Number.isFinite(lml)) throw new GPNumericalError(`Log marginal likelihood is not finite (${lml}).`);
    return lml;
  }
}
