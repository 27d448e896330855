/**
 * The Bayesian-optimization core: plain numbers only, no tensors.
 */
export { Rng, type RngState } from './rng.js';
export { matern52, matern52Correlation, kernelMatrix, scaledDistance, type KernelParameters } from './kernel.js';
export { GPNumericalError } from './errors.js';
export { cholesky, choleskyWithJitter, JITTER_SEQUENCE, type JitteredCholesky } from './linalg.js';
export { GaussianProcess, type GPHyperparameters } from './gp.js';
export type { Posterior, PosteriorModel } from './posterior.js';
export { fitGaussianProcess, type FitOptions, type Bounds } from './fit.js';
export { nelderMead, type NelderMeadOptions, type NelderMeadResult } from './nelder-mead.js';
export { normalCdf, normalPdf } from './normal.js';
export {
  lowerConfidenceBound,
  expectedImprovement,
  type AcquisitionFunction,
  type LowerConfidenceBoundOptions,
  type ExpectedImprovementOptions,
} from './acquisition.js';
export {
  BayesianOptimizer,
  ACQUISITIONS,
  INITIAL_DESIGNS,
  type AcquisitionName,
  type InitialDesign,
  type BayesianOptimizerOptions,
  type BayesianOptimizerState,
  type Observation,
  type AskRecord,
  type AskSource,
} from './optimizer.js';
