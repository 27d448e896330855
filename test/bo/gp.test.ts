import { describe, expect, it } from 'vitest';
import { GaussianProcess, GPNumericalError } from '../../src/bo/gp.js';
import { choleskyWithJitter, cholesky } from '../../src/bo/linalg.js';

// Expected values printed by test/fixtures/gp_reference.py (plain Python, `math` only,
// textbook Cholesky formulas); not taken from the code under test.
describe('GaussianProcess posterior', () => {
  const X = [[0.05], [0.3], [0.55], [0.9]];
  const y = [2.0, 0.7, 1.1, 3.4];
  const gp = new GaussianProcess(X, y, { constant: 1.3, lengthScale: 0.35, noise: 0.01 });

  it('matches the reference mean and variance in original units (1-D)', () => {
    const post = gp.posterior([[0.0], [0.3], [0.42], [0.75], [1.0]]);
    const mean = [2.1674719087939, 0.7165713334547483, 0.6237023461704434, 2.5561484530961187, 3.4895800373414394];
    const variance = [
      0.041439159451166094, 0.010424389747441825, 0.043626307065792326, 0.12065385899454065, 0.1521536715050672,
    ];
    mean.forEach((m, i) => expect(post.mean[i]).toBeCloseTo(m, 10));
    variance.forEach((v, i) => expect(post.variance[i]).toBeCloseTo(v, 10));
  });

  it('matches the reference log marginal likelihood (standardized targets)', () => {
    expect(gp.logMarginalLikelihood()).toBeCloseTo(-5.9577796011635495, 10);
    expect(gp.jitter).toBe(0);
  });

  it('matches the reference in 2-D with per-dimension length scales', () => {
    const gp2 = new GaussianProcess([[0.1, 0.2], [0.5, 0.9], [0.8, 0.4]], [-1.0, 0.5, 2.0], {
      constant: 0.9,
      lengthScale: [0.4, 0.8],
      noise: 1e-3,
    });
    const post = gp2.posterior([[0.3, 0.3], [0.8, 0.4]]);
    expect(post.mean[0]).toBeCloseTo(-0.3987830475052342, 10);
    expect(post.mean[1]).toBeCloseTo(1.9976471162803373, 10);
    expect(post.variance[0]).toBeCloseTo(0.30250285753116096, 10);
    expect(post.variance[1]).toBeCloseTo(0.0014976599224426066, 10);
    expect(gp2.logMarginalLikelihood()).toBeCloseTo(-4.4977645995204645, 10);
  });

  it('standardizes targets with std = 1 for constant targets and a single point', () => {
    const flat = new GaussianProcess([[0], [1]], [3, 3], { constant: 1, lengthScale: 0.5, noise: 0.1 });
    expect(flat.targetMean).toBe(3);
    expect(flat.targetStd).toBe(1);
    const far = flat.posterior([[100]]);
    expect(far.mean[0]).toBeCloseTo(3, 12);
    expect(far.variance[0]).toBeCloseTo(1, 12); // prior variance = constant × std²
    const one = new GaussianProcess([[0.5]], [7], { constant: 2, lengthScale: 1, noise: 1e-6 });
    expect(one.targetStd).toBe(1);
    expect(one.posterior([[0.5]]).mean[0]).toBeCloseTo(7, 12);
    // Far from the data the variance returns to the prior, scaled by std² in original units.
    const scaled = new GaussianProcess([[0], [1]], [0, 10], { constant: 1.5, lengthScale: 0.2, noise: 0.01 });
    expect(scaled.targetStd).toBeCloseTo(5, 14);
    expect(scaled.posterior([[50]]).variance[0]).toBeCloseTo(1.5 * 25, 10);
  });

  it('copies its inputs and exposes read-only copies', () => {
    const Xin = [[0], [1]];
    const yin = [1, 2];
    const g = new GaussianProcess(Xin, yin, { constant: 1, lengthScale: [0.5], noise: 0.1 });
    Xin[0]![0] = 99;
    yin[0] = 99;
    expect(g.X).toEqual([[0], [1]]);
    expect(g.y).toEqual([1, 2]);
    const h = g.hyperparameters;
    (h.lengthScale as number[])[0] = 5;
    expect(g.hyperparameters.lengthScale).toEqual([0.5]);
  });

  it('rejects malformed inputs', () => {
    const h = { constant: 1, lengthScale: 1, noise: 0.1 };
    expect(() => new GaussianProcess([], [], h)).toThrow(RangeError);
    expect(() => new GaussianProcess([[0], [1]], [1], h)).toThrow(/`y`/);
    expect(() => new GaussianProcess([[0], [NaN]], [1, 2], h)).toThrow(/`X\[1\]\[0\]`/);
    expect(() => new GaussianProcess([[0], [1, 2]], [1, 2], h)).toThrow(/`X\[1\]`/);
    expect(() => new GaussianProcess([[0]], [Infinity], h)).toThrow(/`y\[0\]`/);
    expect(() => new GaussianProcess([[0]], [1], { ...h, constant: 0 })).toThrow(/hyperparameters\.constant/);
    expect(() => new GaussianProcess([[0]], [1], { ...h, noise: -1 })).toThrow(/hyperparameters\.noise/);
    expect(() => new GaussianProcess([[0]], [1], { ...h, lengthScale: [1, 2] })).toThrow(/hyperparameters\.lengthScale/);
    expect(() => new GaussianProcess([[0]], [1], h).posterior([[0, 1]])).toThrow(/`x\[0\]`/);
  });
});

describe('Cholesky with jitter', () => {
  it('retries with jitter on duplicate inputs with zero noise', () => {
    // Two identical inputs and no noise: the covariance is exactly singular.
    const X = [[0.2], [0.2], [0.7]];
    expect(cholesky([[1, 1], [1, 1]])).toBeUndefined();
    const gp = new GaussianProcess(X, [1, 1.2, 0.5], { constant: 1, lengthScale: 0.3, noise: 0 });
    expect(gp.jitter).toBeGreaterThan(0);
    expect(gp.jitter).toBeLessThanOrEqual(1e-4);
    const post = gp.posterior([[0.2], [0.7]]);
    // The two duplicates are averaged; the third point is interpolated.
    expect(post.mean[0]).toBeCloseTo(1.1, 4);
    expect(post.mean[1]).toBeCloseTo(0.5, 4);
    expect(Number.isFinite(gp.logMarginalLikelihood())).toBe(true);
  });

  it('uses no jitter when the tiny noise already makes the matrix factorable', () => {
    const { jitter } = choleskyWithJitter([
      [1 + 1e-6, 1],
      [1, 1 + 1e-6],
    ]);
    expect(jitter).toBe(0);
  });

  it('throws GPNumericalError, saying what failed, on NaN and on indefinite matrices', () => {
    expect(() => choleskyWithJitter([[1, NaN], [NaN, 1]])).toThrow(GPNumericalError);
    expect(() => choleskyWithJitter([[1, NaN], [NaN, 1]])).toThrow(/entry \[0\]\[1\] is NaN/);
    let err: unknown;
    try {
      choleskyWithJitter([[1, 2], [2, 1]], 'test matrix');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(GPNumericalError);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).name).toBe('GPNumericalError');
    expect((err as Error).message).toMatch(/2×2 test matrix failed: not positive definite/);
  });
});
