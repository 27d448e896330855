import { describe, expect, it } from 'vitest';
import { fitGaussianProcess } from '../../src/bo/fit.js';
import { GaussianProcess } from '../../src/bo/gp.js';
import { Rng } from '../../src/bo/rng.js';

const X = [[0.0], [0.15], [0.3], [0.45], [0.6], [0.75], [0.9], [1.0]];
const y = X.map(([x]) => Math.sin(6 * x!) + 0.05 * Math.cos(37 * x!));

describe('fitGaussianProcess', () => {
  it('increases the log marginal likelihood over the initial hyperparameters', () => {
    const initial = { constant: 1, lengthScale: 1, noise: 1e-2 };
    const before = new GaussianProcess(X, y, initial).logMarginalLikelihood();
    const fitted = fitGaussianProcess(X, y, { seed: 0, initial });
    expect(fitted.logMarginalLikelihood()).toBeGreaterThan(before + 1);
    // The data are a smooth curve: a length scale well below 1 and a small noise fit them.
    const h = fitted.hyperparameters;
    expect(h.lengthScale as number).toBeLessThan(0.8);
    expect(h.noise).toBeLessThan(0.05);
  });

  it('is deterministic for a seed and consumes the given generator', () => {
    const a = fitGaussianProcess(X, y, { seed: 3, restarts: 4 });
    const b = fitGaussianProcess(X, y, { seed: 3, restarts: 4 });
    expect(a.hyperparameters).toEqual(b.hyperparameters);
    const rng1 = new Rng(9);
    const rng2 = new Rng(9);
    const c = fitGaussianProcess(X, y, { rng: rng1, restarts: 3 });
    const d = fitGaussianProcess(X, y, { rng: rng2, restarts: 3 });
    expect(c.hyperparameters).toEqual(d.hyperparameters);
    expect(rng1.getState()).toEqual(rng2.getState());
    expect(rng1.getState()).not.toEqual(new Rng(9).getState());
  });

  it('more restarts never give a lower likelihood than fewer (same first start)', () => {
    const one = fitGaussianProcess(X, y, { seed: 1, restarts: 1 });
    const five = fitGaussianProcess(X, y, { seed: 1, restarts: 5 });
    expect(five.logMarginalLikelihood()).toBeGreaterThanOrEqual(one.logMarginalLikelihood() - 1e-9);
  });

  it('keeps hyperparameters inside the bounds', () => {
    const bounds = { constantBounds: [0.5, 2] as const, lengthScaleBounds: [0.3, 3] as const, noiseBounds: [1e-3, 1e-1] as const };
    const g = fitGaussianProcess(X, y, { seed: 2, ...bounds, inputRange: 1 });
    const h = g.hyperparameters;
    const eps = 1e-9;
    expect(h.constant).toBeGreaterThanOrEqual(0.5 - eps);
    expect(h.constant).toBeLessThanOrEqual(2 + eps);
    expect(h.lengthScale as number).toBeGreaterThanOrEqual(0.3 - eps);
    expect(h.lengthScale as number).toBeLessThanOrEqual(3 + eps);
    expect(h.noise).toBeGreaterThanOrEqual(1e-3 - eps);
    expect(h.noise).toBeLessThanOrEqual(1e-1 + eps);
    // Length-scale bounds are relative to the input range.
    const wide = fitGaussianProcess(X.map(([x]) => [x! * 10]), y, { seed: 2, lengthScaleBounds: [0.3, 3] });
    expect(wide.hyperparameters.lengthScale as number).toBeGreaterThanOrEqual(3 - eps);
  });

  it('fits one length scale per dimension with ard', () => {
    const X2 = [];
    const y2 = [];
    for (let i = 0; i < 5; i++) {
      for (let j = 0; j < 3; j++) {
        X2.push([i / 4, j / 2]);
        y2.push(Math.sin(5 * (i / 4))); // varies only along the first dimension
      }
    }
    const g = fitGaussianProcess(X2, y2, { seed: 0, ard: true });
    const ls = g.hyperparameters.lengthScale as number[];
    expect(ls).toHaveLength(2);
    expect(ls[1]!).toBeGreaterThan(ls[0]!);
  });

  it('keeps the initial hyperparameters for a single observation', () => {
    const rng = new Rng(4);
    const before = rng.getState();
    const g = fitGaussianProcess([[0.3]], [2], { rng, initial: { constant: 2, lengthScale: 0.5, noise: 1e-3 } });
    const h = g.hyperparameters;
    expect(h.constant).toBeCloseTo(2, 12);
    expect(h.lengthScale as number).toBeCloseTo(0.5, 12);
    expect(h.noise).toBeCloseTo(1e-3, 14);
    expect(rng.getState()).toEqual(before);
  });

  it('rejects bad options', () => {
    expect(() => fitGaussianProcess(X, y, { restarts: 0 })).toThrow(/`restarts`/);
    expect(() => fitGaussianProcess(X, y, { noiseBounds: [1, 0.1] })).toThrow(/`noiseBounds\[1\]`/);
    expect(() => fitGaussianProcess(X, y, { constantBounds: [0, 1] })).toThrow(/`constantBounds\[0\]`/);
    expect(() => fitGaussianProcess(X, y, { rng: {} as Rng })).toThrow(/`rng`/);
    expect(() => fitGaussianProcess(X, y, { inputRange: -1 })).toThrow(/`inputRange`/);
    expect(() => fitGaussianProcess(X, y, { restart: 2 } as never)).toThrow(/Unknown option `restart`/);
    expect(() => fitGaussianProcess([], [])).toThrow(RangeError);
  });
});
