import { describe, expect, it } from 'vitest';
import { expectedImprovement, lowerConfidenceBound } from '../../src/bo/acquisition.js';
import { normalCdf, normalPdf } from '../../src/bo/normal.js';
import type { PosteriorModel } from '../../src/bo/posterior.js';

// Expected values printed by test/fixtures/gp_reference.py (plain Python, `math` only).
const means = [1.0, 0.2, -0.5, 0.0, 3.0];
const variances = [0.25, 1.0, 0.01, 0.0, 4.0];
/** A mock model: point i has the fixed posterior (means[i], variances[i]). */
const mock: PosteriorModel = {
  posterior: (x) => ({ mean: x.map(([i]) => means[i!]!), variance: x.map(([i]) => variances[i!]!) }),
};
const points = [[0], [1], [2], [3], [4]];

describe('normal distribution', () => {
  it('matches the reference Φ and the density', () => {
    const z = [-8.0, -3.0, -1.0, 0.0, 0.5, 2.0, 6.0];
    const ref = [
      6.220960574271819e-16, 0.0013498980316300957, 0.15865525393145707, 0.5, 0.6914624612740131, 0.9772498680518208,
      0.9999999990134123,
    ];
    z.forEach((v, i) => expect(normalCdf(v)).toBeCloseTo(ref[i]!, 14));
    expect(normalCdf(-8) / ref[0]!).toBeCloseTo(1, 7);
    expect(normalPdf(0)).toBeCloseTo(1 / Math.sqrt(2 * Math.PI), 15);
  });
});

describe('lowerConfidenceBound (to minimize)', () => {
  it('matches the reference for kappa = 1.96 and 1e6', () => {
    const a = lowerConfidenceBound(mock, { kappa: 1.96 });
    expect(a.direction).toBe('minimize');
    const ref = [0.020000000000000018, -1.76, -0.696, 0.0, -0.9199999999999999];
    a(points).forEach((v, i) => expect(v).toBeCloseTo(ref[i]!, 12));
    const big = lowerConfidenceBound(mock, { kappa: 1e6 });
    const refBig = [-499999.0, -999999.8, -100000.5, 0.0, -1999997.0];
    big(points).forEach((v, i) => expect(v).toBeCloseTo(refBig[i]!, 6));
  });

  it('defaults kappa to 1.96 and is the mean for kappa = 0', () => {
    expect(lowerConfidenceBound(mock)(points)).toEqual(lowerConfidenceBound(mock, { kappa: 1.96 })(points));
    expect(lowerConfidenceBound(mock, { kappa: 0 })(points)).toEqual(means);
  });
});

describe('expectedImprovement (for minimization, to maximize)', () => {
  it('matches the reference for xi = 0.01 and xi = 0', () => {
    const a = expectedImprovement(mock, { best: 0.5, xi: 0.01 });
    expect(a.direction).toBe('maximize');
    const ref = [0.040095218519595036, 0.5606012162105984, 0.99, 0.49, 0.10012179559376666];
    a(points).forEach((v, i) => expect(v).toBeCloseTo(ref[i]!, 12));
    const ref0 = [0.041657735293843146, 0.5667612421172099, 1.0, 0.5, 0.10117373661090562];
    expectedImprovement(mock, { best: 0.5, xi: 0 })(points).forEach((v, i) => expect(v).toBeCloseTo(ref0[i]!, 12));
  });

  it('defaults xi to 0.01, is never negative, and is 0 without variance above best', () => {
    expect(expectedImprovement(mock, { best: 0.5 })(points)).toEqual(expectedImprovement(mock, { best: 0.5, xi: 0.01 })(points));
    const flat: PosteriorModel = { posterior: (x) => ({ mean: x.map(() => 2), variance: x.map(() => 0) }) };
    expect(expectedImprovement(flat, { best: 1 })([[0], [1]])).toEqual([0, 0]);
    const far: PosteriorModel = { posterior: (x) => ({ mean: x.map(() => 50), variance: x.map(() => 1) }) };
    for (const v of expectedImprovement(far, { best: 0 })([[0]])) expect(v).toBeGreaterThanOrEqual(0);
  });

  it('rejects bad options and malformed posteriors', () => {
    expect(() => expectedImprovement(mock, {} as never)).toThrow(/`best`/);
    expect(() => expectedImprovement(mock, { best: NaN })).toThrow(RangeError);
    expect(() => expectedImprovement(mock, { best: 0, xi: -1 })).toThrow(/`xi`/);
    expect(() => lowerConfidenceBound(mock, { kappa: -0.1 })).toThrow(/`kappa`/);
    expect(() => lowerConfidenceBound(mock, { kapa: 1 } as never)).toThrow(/Unknown option `kapa`/);
    const broken: PosteriorModel = { posterior: () => ({ mean: [1], variance: [] }) };
    expect(() => lowerConfidenceBound(broken)([[0]])).toThrow(RangeError);
  });
});
