/**
 * Acquisition functions. Each takes a fitted model (anything with a `posterior`
 * method) and returns a function of candidate points.
 *
 * Conventions (the objective itself is always MINIMIZED, e.g. a loss):
 * - {@link lowerConfidenceBound}: mean − κ·sd; the next point is its ARGMIN.
 * - {@link expectedImprovement}: E[max(best − ξ − f, 0)]; the next point is its ARGMAX.
 * The returned function carries a `direction` saying which one applies.
 */
import { normalCdf, normalPdf } from './normal.js';
import type { Posterior, PosteriorModel } from './posterior.js';
import { finiteNumber, knownKeys, nonNegativeNumber, optionsObject } from '../util/validate.js';

/** An acquisition function: values at the candidate points, plus how to optimize them. */
export interface AcquisitionFunction {
  (x: number[][]): number[];
  /** `'minimize'`: pick the candidate with the smallest value; `'maximize'`: the largest. */
  readonly direction: 'minimize' | 'maximize';
}

/** Options of {@link lowerConfidenceBound}. */
export interface LowerConfidenceBoundOptions {
  /**
   * Weight κ >= 0 of the standard deviation. 0 is pure exploitation (the posterior
   * mean); a huge κ (AutoLRS uses 1e6) is pure exploration (the largest variance).
   * @default 1.96
   */
  kappa?: number;
}

/** Options of {@link expectedImprovement}. */
export interface ExpectedImprovementOptions {
  /** Best (lowest) objective value seen so far, in the model's units. */
  best: number;
  /**
   * Margin ξ >= 0 an improvement must exceed: improvement is counted below `best − ξ`.
   * @default 0.01
   */
  xi?: number;
}

function checkPosterior(p: Posterior, n: number): void {
  if (!p || !Array.isArray(p.mean) || !Array.isArray(p.variance) || p.mean.length !== n || p.variance.length !== n) {
    throw new RangeError(`Expected the model's posterior to hold ${n} means and ${n} variances.`);
  }
}

function makeAcquisition(
  fn: (x: number[][]) => number[],
  direction: 'minimize' | 'maximize',
): AcquisitionFunction {
  return Object.assign(fn, { direction }) as AcquisitionFunction;
}

/** LCB(x) = mean(x) − κ·sd(x). To be MINIMIZED. */
export function lowerConfidenceBound(
  model: PosteriorModel,
  options: LowerConfidenceBoundOptions = {},
): AcquisitionFunction {
  const opts = optionsObject<LowerConfidenceBoundOptions>('options', options);
  knownKeys('options', opts, ['kappa']);
  const kappa = nonNegativeNumber('kappa', opts.kappa ?? 1.96);
  return makeAcquisition((x) => {
    const p = model.posterior(x);
    checkPosterior(p, x.length);
    return p.mean.map((m, i) => m - kappa * Math.sqrt(Math.max(p.variance[i] as number, 0)));
  }, 'minimize');
}

/**
 * Expected improvement for minimization, EI(x) = E[max(best − ξ − f(x), 0)] with
 * f(x) ~ N(mean, variance):
 *   EI = (best − ξ − mean)·Φ(z) + sd·φ(z),  z = (best − ξ − mean) / sd,
 * and max(best − ξ − mean, 0) where sd = 0. To be MAXIMIZED.
 */
export function expectedImprovement(model: PosteriorModel, options: ExpectedImprovementOptions): AcquisitionFunction {
  const opts = optionsObject<ExpectedImprovementOptions>('options', options);
  knownKeys('options', opts, ['best', 'xi']);
  const best = finiteNumber('best', opts.best);
  const xi = nonNegativeNumber('xi', opts.xi ?? 0.01);
  return makeAcquisition((x) => {
    const p = model.posterior(x);
    checkPosterior(p, x.length);
    return p.mean.map((m, i) => {
      const sd = Math.sqrt(Math.max(p.variance[i] as number, 0));
      const improvement = best - xi - m;
      if (!(sd > 0)) return Math.max(improvement, 0);
      const z = improvement / sd;
      return Math.max(improvement * normalCdf(z) + sd * normalPdf(z), 0);
    });
  }, 'maximize');
}
