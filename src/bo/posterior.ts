/** What acquisition functions need from a model: a posterior at candidate points. */

/** Posterior mean and variance of the objective at some points, in its original units. */
export interface Posterior {
  mean: number[];
  /** Variance (>= 0) of the latent objective (observation noise not included). */
  variance: number[];
}

/** Anything that gives a posterior at points, e.g. a `GaussianProcess` or a test mock. */
export interface PosteriorModel {
  posterior(x: number[][]): Posterior;
}
