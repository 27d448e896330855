/** Errors raised by the Bayesian-optimization core. */

/**
 * A Gaussian-process computation failed numerically, e.g. the covariance matrix
 * could not be factored even after adding the largest jitter, or it holds NaN.
 */
export class GPNumericalError extends Error {
  override name = 'GPNumericalError';
}
