import { describe, expect, it } from 'vitest';
import { nelderMead } from '../../src/bo/nelder-mead.js';

describe('nelderMead', () => {
  it('finds the minimum of the Rosenbrock function', () => {
    const rosen = (x: number[]): number => 100 * (x[1]! - x[0]! ** 2) ** 2 + (1 - x[0]!) ** 2;
    const r = nelderMead(rosen, [-1.2, 1], { maxIterations: 2000, fTolerance: 1e-12, xTolerance: 1e-10 });
    expect(r.converged).toBe(true);
    expect(r.x[0]).toBeCloseTo(1, 5);
    expect(r.x[1]).toBeCloseTo(1, 5);
    expect(r.fx).toBeLessThan(1e-10);
    expect(r.evaluations).toBeGreaterThan(r.iterations);
  });

  it('keeps every evaluated point inside the bounds', () => {
    const seen: number[][] = [];
    const f = (x: number[]): number => {
      seen.push([...x]);
      return (x[0]! - 5) ** 2 + (x[1]! + 5) ** 2;
    };
    const r = nelderMead(f, [0, 0], { lower: [-1, -2], upper: [2, 1] });
    for (const p of seen) {
      expect(p[0]).toBeGreaterThanOrEqual(-1);
      expect(p[0]).toBeLessThanOrEqual(2);
      expect(p[1]).toBeGreaterThanOrEqual(-2);
      expect(p[1]).toBeLessThanOrEqual(1);
    }
    // The constrained minimum is the corner (2, -2).
    expect(r.x[0]).toBeCloseTo(2, 6);
    expect(r.x[1]).toBeCloseTo(-2, 6);
  });

  it('treats non-finite values as +Infinity and stops at maxIterations', () => {
    const f = (x: number[]): number => (x[0]! < 0 ? NaN : (x[0]! - 1) ** 2);
    const r = nelderMead(f, [3], { step: 1 });
    expect(r.x[0]).toBeCloseTo(1, 5);
    const capped = nelderMead((x) => (x[0]! - 100) ** 2, [0], { maxIterations: 3 });
    expect(capped.iterations).toBe(3);
    expect(capped.converged).toBe(false);
  });
});
