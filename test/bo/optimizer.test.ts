import { describe, expect, it } from 'vitest';
import { BayesianOptimizer, type BayesianOptimizerOptions } from '../../src/bo/optimizer.js';
import { Rng } from '../../src/bo/rng.js';

const f = (lr: number): number => (Math.log10(lr) + 2) ** 2;

/** Runs `n` ask/tell rounds on `objective` and returns the asked LRs. */
function run(bo: BayesianOptimizer, n: number, objective = f): number[] {
  const asked: number[] = [];
  for (let i = 0; i < n; i++) {
    const lr = bo.ask();
    asked.push(lr);
    bo.tell(lr, objective(lr));
  }
  return asked;
}

const base: BayesianOptimizerOptions = { minLr: 1e-4, maxLr: 1, nCandidates: 400, restarts: 2 };

describe('BayesianOptimizer', () => {
  it('gives the same sequence for the same seed and another for another seed', () => {
    const a = run(new BayesianOptimizer({ ...base, seed: 7 }), 6);
    const b = run(new BayesianOptimizer({ ...base, seed: 7 }), 6);
    const c = run(new BayesianOptimizer({ ...base, seed: 8 }), 6);
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
  });

  it('keeps every ask within [minLr, maxLr]', () => {
    // An objective that is best at maxLr pushes LCB to the upper edge; EI on an
    // objective with an interior optimum explores both edges.
    const cases = [
      { acquisition: 'lcb', kappa: 1e6, objective: (lr: number) => -Math.log(lr) },
      { acquisition: 'lcb', kappa: 0, objective: (lr: number) => -Math.log(lr) },
      { acquisition: 'ei', kappa: 1.96, objective: (lr: number) => (Math.log10(lr) + 1.5) ** 2 },
    ] as const;
    for (const { acquisition, kappa, objective } of cases) {
      for (const seed of [0, 1]) {
        const bo = new BayesianOptimizer({ minLr: 3e-3, maxLr: 0.3, acquisition, kappa, seed, nCandidates: 200, restarts: 1, maxDuplicateRepeats: 2 });
        for (const lr of run(bo, 8, objective)) {
          expect(lr).toBeGreaterThanOrEqual(3e-3);
          expect(lr).toBeLessThanOrEqual(0.3);
        }
      }
    }
  });

  it('draws the first nInitialPoints asks log-uniformly from the seeded generator, then uses the model', () => {
    const bo = new BayesianOptimizer({ ...base, nInitialPoints: 3, seed: 5 });
    const rng = new Rng(5);
    for (let i = 0; i < 3; i++) {
      const lr = bo.ask();
      expect(bo.lastAsk?.source).toBe('random');
      const expected = Math.exp(Math.log(1e-4) + rng.next() * (Math.log(1) - Math.log(1e-4)));
      expect(lr).toBeCloseTo(expected, 15);
      bo.tell(lr, f(lr));
    }
    bo.ask();
    expect(bo.lastAsk?.source).toBe('acquisition');
    expect(bo.asks).toBe(4);
  });

  it('stratified design: initial point i lies in the i-th of nInitialPoints equal log intervals, drawn from the seeded generator', () => {
    for (const seed of [0, 1, 2, 3]) {
      const bo = new BayesianOptimizer({ ...base, nInitialPoints: 4, initialDesign: 'stratified', seed });
      const rng = new Rng(seed);
      for (let i = 0; i < 4; i++) {
        const lr = bo.ask();
        expect(bo.lastAsk?.source).toBe('random');
        // Interval i of [1e-4, 1] in log10 is [-4 + i, -3 + i].
        const expected = 10 ** (-4 + i + rng.next());
        expect(lr / expected).toBeCloseTo(1, 12);
        expect(Math.log10(lr)).toBeGreaterThanOrEqual(-4 + i);
        expect(Math.log10(lr)).toBeLessThanOrEqual(-3 + i);
        bo.tell(lr, f(lr));
      }
      bo.ask();
      expect(bo.lastAsk?.source).toBe('acquisition');
    }
  });

  it('minSpacing: the acquisition never proposes an LR within that many decades of a told one', () => {
    // EI on a narrow minimum keeps proposing next to the best point; with minSpacing it may not.
    const g = (lr: number) => (Math.log10(lr) + 2) ** 2;
    for (const seed of [0, 1, 2]) {
      const bo = new BayesianOptimizer({ ...base, acquisition: 'ei', nInitialPoints: 3, initialDesign: 'stratified', minSpacing: 0.1, seed });
      const asked: number[] = [];
      for (let i = 0; i < 8; i++) {
        const lr = bo.ask();
        if (bo.lastAsk?.source === 'acquisition') {
          for (const prev of asked) expect(Math.abs(Math.log10(lr / prev))).toBeGreaterThanOrEqual(0.1 - 1e-9);
        }
        asked.push(lr);
        bo.tell(lr, g(lr));
      }
    }
  });

  it('spreads successive asks across the domain with kappa = 1e6 (pure exploration)', () => {
    const bo = new BayesianOptimizer({ ...base, kappa: 1e6, seed: 1 });
    const u = run(bo, 10)
      .map((lr) => (Math.log10(lr) + 4) / 4)
      .sort((a, b) => a - b);
    const gaps = [u[0]!, ...u.slice(1).map((v, i) => v - u[i]!), 1 - u[u.length - 1]!];
    expect(Math.max(...gaps)).toBeLessThan(0.25);
    // Pure exploitation clusters instead: its largest gap is much wider.
    const greedy = run(new BayesianOptimizer({ ...base, kappa: 0, seed: 1 }), 10)
      .map((lr) => (Math.log10(lr) + 4) / 4)
      .sort((a, b) => a - b);
    const greedyGaps = [greedy[0]!, ...greedy.slice(1).map((v, i) => v - greedy[i]!), 1 - greedy[greedy.length - 1]!];
    expect(Math.max(...greedyGaps)).toBeGreaterThan(0.3);
  });

  for (const [name, options] of [
    ['EI', { acquisition: 'ei' }],
    ['LCB with kappa 0.5', { acquisition: 'lcb', kappa: 0.5 }],
  ] as const) {
    it(`minimizes (log10 lr + 2)^2 on [1e-4, 1] with ${name} within 15 asks`, () => {
      const bo = new BayesianOptimizer({ minLr: 1e-4, maxLr: 1, seed: 1, ...options });
      const asked = run(bo, 15);
      // The random first point is far from the optimum, so the model did the work.
      expect(Math.abs(Math.log10(asked[0]!) + 2)).toBeGreaterThan(0.5);
      expect(Math.abs(Math.log10(bo.best!.lr) + 2)).toBeLessThan(0.1);
    });
  }

  it('re-tells a duplicate proposal its most recent value and asks again', () => {
    // With LCB and a small kappa the optimizer proposes an LR it already tried; seeded,
    // so this run is reproducible.
    const bo = new BayesianOptimizer({ minLr: 1e-4, maxLr: 1, kappa: 0.5, seed: 1 });
    let resolved = 0;
    for (let i = 0; i < 15; i++) {
      const before = bo.observations;
      const lr = bo.ask();
      const after = bo.observations;
      const info = bo.lastAsk!;
      expect(after.length - before.length).toBe(info.duplicatesTold);
      if (info.duplicatesTold > 0 && info.source === 'acquisition') {
        resolved++;
        for (const dup of after.slice(before.length)) {
          const earlier = [...before].reverse().find((o) => o.lr === dup.lr);
          expect(earlier).toBeDefined();
          expect(dup.y).toBe(earlier!.y);
        }
        expect(after.some((o) => o.lr === lr)).toBe(false);
      }
      bo.tell(lr, f(lr));
    }
    expect(resolved).toBeGreaterThan(0);
    expect(bo.maxVarianceFallbacks).toBe(0);
  });

  it('after maxDuplicateRepeats re-tells, returns the untold candidate with the largest variance', () => {
    // With kappa = 0 the posterior mean is lowest at the edge minLr, which was already
    // told: every proposal is that duplicate.
    const make = (maxDuplicateRepeats: number): BayesianOptimizer => {
      const bo = new BayesianOptimizer({ minLr: 1e-4, maxLr: 1, kappa: 0, seed: 3, maxDuplicateRepeats });
      bo.tell(1e-4, 0.3);
      bo.tell(1e-4, 0.0);
      bo.tell(1e-2, 1);
      bo.tell(1, 2);
      return bo;
    };
    const bo = make(3);
    const lr = bo.ask();
    expect(bo.lastAsk).toEqual({ lr, source: 'max-variance', duplicatesTold: 3 });
    expect(bo.maxVarianceFallbacks).toBe(1);
    const obs = bo.observations;
    expect(obs).toHaveLength(7);
    expect(obs.slice(4)).toEqual([
      { lr: 1e-4, y: 0 },
      { lr: 1e-4, y: 0 },
      { lr: 1e-4, y: 0 },
    ]);
    // Not a told LR, and far from every told one (variance is largest between them).
    const u = (Math.log10(lr) + 4) / 4;
    for (const told of [0, 0.5, 1]) expect(Math.abs(u - told)).toBeGreaterThan(0.1);

    const immediate = make(0);
    immediate.ask();
    expect(immediate.lastAsk?.source).toBe('max-variance');
    expect(immediate.lastAsk?.duplicatesTold).toBe(0);
    expect(immediate.observations).toHaveLength(4);
  });

  it('throws when the duplicate bound is hit and every candidate was already told', () => {
    const bo = new BayesianOptimizer({ minLr: 1e-3, maxLr: 1e-1, kappa: 0, nCandidates: 2, maxDuplicateRepeats: 2 });
    bo.tell(1e-3, 0);
    bo.tell(1e-1, 1);
    expect(() => bo.ask()).toThrow(/all 2 candidate LRs have already been told/);
  });

  it('exposes copies: observations and best cannot be mutated from outside', () => {
    const bo = new BayesianOptimizer(base);
    expect(bo.best).toBeUndefined();
    expect(bo.lastAsk).toBeNull();
    bo.tell(0.01, 3);
    bo.tell(0.1, 1);
    bo.tell(0.001, 1);
    expect(bo.best).toEqual({ lr: 0.1, y: 1 });
    bo.observations[0]!.y = -100;
    bo.best!.y = -100;
    expect(bo.observations[0]).toEqual({ lr: 0.01, y: 3 });
    expect(bo.best).toEqual({ lr: 0.1, y: 1 });
  });

  it('continues identically after a stateDict round trip through JSON', () => {
    const options: BayesianOptimizerOptions = { ...base, nInitialPoints: 2, seed: 11 };
    const original = new BayesianOptimizer(options);
    run(original, 4);
    const saved = JSON.stringify(original.stateDict());
    const restored = new BayesianOptimizer(options);
    restored.loadStateDict(JSON.parse(saved));
    expect(restored.observations).toEqual(original.observations);
    expect(restored.asks).toBe(4);
    expect(restored.lastAsk).toEqual(original.lastAsk);
    expect(run(restored, 4)).toEqual(run(original, 4));
    expect(restored.stateDict()).toEqual(original.stateDict());
    // A fresh optimizer without the state asks something else.
    const fresh = new BayesianOptimizer(options);
    fresh.loadStateDict({ ...JSON.parse(saved), observations: [] });
    expect(fresh.ask()).not.toBe(new BayesianOptimizer(options).ask());
  });

  it('loadStateDict rejects malformed states and changes nothing', () => {
    const bo = new BayesianOptimizer(base);
    bo.tell(0.01, 1);
    const good = bo.stateDict();
    const other = new BayesianOptimizer(base);
    expect(() => other.loadStateDict({ ...good, version: 2 } as never)).toThrow(/state\.version/);
    expect(() => other.loadStateDict({ ...good, maxLr: 2 })).toThrow(/maxLr/);
    expect(() => other.loadStateDict({ ...good, observations: [{ lr: 5, y: 1 }] })).toThrow(/state\.observations\[0\]\.lr/);
    expect(() => other.loadStateDict({ ...good, observations: [{ lr: 0.01, y: NaN }] })).toThrow(RangeError);
    expect(() => other.loadStateDict({ ...good, rng: { a: 1, b: 2, c: 3, d: 1.5 } })).toThrow(/state\.d/);
    expect(() => other.loadStateDict({ ...good, asks: -1 })).toThrow(/state\.asks/);
    expect(other.observations).toEqual([]);
    expect(other.stateDict()).toEqual(new BayesianOptimizer(base).stateDict());
  });

  it('tell rejects non-finite y and an lr outside [minLr, maxLr]', () => {
    const bo = new BayesianOptimizer(base);
    expect(() => bo.tell(0.01, NaN)).toThrow(RangeError);
    expect(() => bo.tell(0.01, NaN)).toThrow(/`y`/);
    expect(() => bo.tell(0.01, Infinity)).toThrow(RangeError);
    expect(() => bo.tell(2, 1)).toThrow(RangeError);
    expect(() => bo.tell(2, 1)).toThrow(/`lr`/);
    expect(() => bo.tell(1e-5, 1)).toThrow(RangeError);
    expect(() => bo.tell('0.01' as never, 1)).toThrow(TypeError);
    expect(bo.observations).toEqual([]);
    bo.tell(1e-4, 1);
    bo.tell(1, 1);
    expect(bo.observations).toHaveLength(2);
  });
});
