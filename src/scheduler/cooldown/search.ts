/**
 * The default search of the cooldown strategy: Gaussian-process Bayesian optimization over
 * log(LR), whose first probes form a stratified design so that a handful of probes already
 * covers the range, then proposed by the acquisition function at least a tenth of a decade
 * away from every LR probed.
 */
import { BayesianOptimizer } from '../../bo/optimizer.js';
import type { LrSearchFactory } from '../search.js';

/** A factory of {@link BayesianOptimizer}s with a stratified initial design. */
export function defaultCooldownSearch(o: { acquisition: 'ei' | 'lcb'; nInitialPoints: number }): LrSearchFactory {
  return ({ minLr, maxLr, seed }) =>
    new BayesianOptimizer({
      minLr,
      maxLr,
      seed,
      acquisition: o.acquisition,
      nInitialPoints: o.nInitialPoints,
      initialDesign: 'stratified',
      // A probe within a tenth of a decade of another tells little: EI would otherwise spend
      // probes next to the best one while whole stretches of the range go untried.
      minSpacing: 0.1,
    });
}
