/**
 * The default search of the cooldown strategy: Gaussian-process Bayesian optimization over
 * log(LR), whose first probes form a stratified design so that a handful of probes already
 * covers the range, then proposed by the acquisition function.
 */
import { BayesianOptimizer } from '../../bo/optimizer.js';
import type { LrSearchFactory } from '../search.js';

/** A factory of {@link BayesianOptimizer}s with a stratified initial design. */
export function defaultCooldownSearch(o: { acquisition: 'ei' | 'lcb'; nInitialPoints: number }): LrSearchFactory {
  return ({ minLr, maxLr, seed }) =>
    new BayesianOptimizer({ minLr, maxLr, seed, acquisition: o.acquisition, nInitialPoints: o.nInitialPoints, initialDesign: 'stratified' });
}
