/**
 * Closed-form values of every schedule. The expected values are computed here from
 * PyTorch's documented formulas, independently of the code under test.
 */
import { describe, expect, it } from 'vitest';
import {
  cosineAnnealingLR,
  cosineAnnealingWarmRestarts,
  cyclicLR,
  exponentialLR,
  linearWarmup,
  multiStepLR,
  oneCycleLR,
  sequential,
  stepLR,
  type ClosedFormSchedule,
} from '../../src/schedules/index.js';

function seq(schedule: ClosedFormSchedule, n: number): number[] {
  return Array.from({ length: n }, (_, t) => schedule.lrAt(t));
}

function expectClose(actual: number[], expected: number[], rel = 1e-12): void {
  expect(actual.length).toBe(expected.length);
  actual.forEach((a, i) => {
    const e = expected[i]!;
    if (Math.abs(a - e) > rel * Math.max(1e-300, Math.abs(e)) + 1e-15) {
      throw new Error(`step ${i}: expected ${e}, got ${a}`);
    }
  });
}

describe('StepLR', () => {
  it('decays by gamma every stepSize steps: lr * gamma ** floor(t / stepSize)', () => {
    const s = stepLR({ lr: 0.1, stepSize: 30 });
    expectClose(seq(s, 200), Array.from({ length: 200 }, (_, t) => 0.1 * 0.1 ** Math.floor(t / 30)));
    expect(s.lrAt(29)).toBe(0.1);
    expect(s.lrAt(30)).toBeCloseTo(0.01, 15);
    expect(s.lrAt(59)).toBeCloseTo(0.01, 15);
    expect(s.lrAt(60)).toBeCloseTo(0.001, 15);
  });

  it('uses the given gamma', () => {
    const s = stepLR({ lr: 1, stepSize: 2, gamma: 0.5 });
    expectClose(seq(s, 7), [1, 1, 0.5, 0.5, 0.25, 0.25, 0.125]);
  });
});

describe('MultiStepLR', () => {
  it('multiplies by gamma at each milestone, exactly at the boundary', () => {
    const s = multiStepLR({ lr: 0.05, milestones: [30, 80] });
    const expected = Array.from({ length: 120 }, (_, t) => (t < 30 ? 0.05 : t < 80 ? 0.005 : 0.0005));
    expectClose(seq(s, 120), expected);
    expect(s.lrAt(29)).toBe(0.05);
    expect(s.lrAt(30)).toBeCloseTo(0.005, 15);
    expect(s.lrAt(79)).toBeCloseTo(0.005, 15);
    expect(s.lrAt(80)).toBeCloseTo(0.0005, 15);
  });

  it('handles a milestone at step 1 and adjacent milestones', () => {
    const s = multiStepLR({ lr: 1, milestones: [1, 2, 5], gamma: 0.5 });
    expectClose(seq(s, 7), [1, 0.5, 0.25, 0.25, 0.25, 0.125, 0.125]);
  });
});

describe('ExponentialLR', () => {
  it('is lr * gamma ** t', () => {
    const s = exponentialLR({ lr: 0.1, gamma: 0.9 });
    expectClose(seq(s, 100), Array.from({ length: 100 }, (_, t) => 0.1 * Math.pow(0.9, t)));
    expect(s.lrAt(0)).toBe(0.1);
    expect(s.lrAt(2)).toBeCloseTo(0.081, 15);
  });
});

describe('CosineAnnealingLR', () => {
  const lr = 0.1;
  const etaMin = 0.001;
  const tMax = 10;
  const cosine = (t: number) => etaMin + ((lr - etaMin) * (1 + Math.cos((Math.PI * t) / tMax))) / 2;

  it('follows eta_min + (base - eta_min)(1 + cos(pi t / T_max)) / 2 up to T_max', () => {
    const s = cosineAnnealingLR({ lr, tMax, etaMin });
    expectClose(seq(s, tMax + 1), Array.from({ length: tMax + 1 }, (_, t) => cosine(t)));
    expect(s.lrAt(0)).toBe(lr);
    expect(s.lrAt(5)).toBeCloseTo((lr + etaMin) / 2, 15);
    expect(s.lrAt(tMax)).toBeCloseTo(etaMin, 15);
  });

  it('continues the cosine past T_max (back to the base LR at 2 T_max), like PyTorch', () => {
    const s = cosineAnnealingLR({ lr, tMax, etaMin });
    expect(s.lrAt(tMax + 1)).toBeCloseTo(cosine(tMax - 1), 15);
    expect(s.lrAt(2 * tMax)).toBeCloseTo(lr, 15);
    expect(s.lrAt(3 * tMax)).toBeCloseTo(etaMin, 15);
    expect(s.lrAt(tMax + 1)).toBeGreaterThan(s.lrAt(tMax));
  });
});

describe('CosineAnnealingWarmRestarts', () => {
  const lr = 0.1;
  const etaMin = 0.01;
  const value = (tCur: number, tI: number) => etaMin + ((lr - etaMin) * (1 + Math.cos((Math.PI * tCur) / tI))) / 2;

  it('restarts every t0 steps with tMult = 1', () => {
    const s = cosineAnnealingWarmRestarts({ lr, t0: 5, etaMin });
    expectClose(seq(s, 23), Array.from({ length: 23 }, (_, t) => value(t % 5, 5)));
    for (const restart of [0, 5, 10, 15, 20]) expect(s.lrAt(restart)).toBe(lr);
    expect(s.lrAt(4)).toBeCloseTo(value(4, 5), 15);
    expect(s.lrAt(4)).toBeLessThan(s.lrAt(3));
  });

  it('doubles the cycle length with tMult = 2: restarts at 0, 3, 9, 21, 45', () => {
    const s = cosineAnnealingWarmRestarts({ lr, t0: 3, tMult: 2, etaMin });
    // Cycle i starts at t0 * (2**i - 1) and lasts t0 * 2**i steps.
    const expected: number[] = [];
    for (let i = 0, start = 0; expected.length < 50; start += 3 * 2 ** i, i++) {
      for (let k = 0; k < 3 * 2 ** i && expected.length < 50; k++) expected.push(value(k, 3 * 2 ** i));
    }
    expectClose(seq(s, 50), expected);
    for (const restart of [0, 3, 9, 21, 45]) expect(s.lrAt(restart)).toBe(lr);
    // The step before each restart is the last one of its cycle.
    expect(s.lrAt(8)).toBeCloseTo(value(5, 6), 15);
    expect(s.lrAt(20)).toBeCloseTo(value(11, 12), 15);
    expect(s.lrAt(44)).toBeCloseTo(value(23, 24), 15);
    expect(s.cyclePosition(44)).toEqual({ tCur: 23, tI: 24 });
  });

  it('handles tMult = 3 and large steps', () => {
    const s = cosineAnnealingWarmRestarts({ lr: 1, t0: 2, tMult: 3 });
    // Cycles: [0,2) [2,8) [8,26) [26,80)
    expect(s.cyclePosition(1)).toEqual({ tCur: 1, tI: 2 });
    expect(s.cyclePosition(2)).toEqual({ tCur: 0, tI: 6 });
    expect(s.cyclePosition(25)).toEqual({ tCur: 17, tI: 18 });
    expect(s.cyclePosition(26)).toEqual({ tCur: 0, tI: 54 });
    expect(s.lrAt(1_000_000)).toBeGreaterThanOrEqual(0);
  });
});

describe('CyclicLR', () => {
  function pytorchCyclic(t: number, base: number, max: number, up: number, down: number, scale: (cycle: number, t: number) => number) {
    const total = up + down;
    const ratio = up / total;
    const cycle = Math.floor(1 + t / total);
    const x = 1 + t / total - cycle;
    const s = x <= ratio ? x / ratio : (x - 1) / (ratio - 1);
    return base + (max - base) * s * scale(cycle, t);
  }

  it('triangular: troughs at multiples of 2 * stepSize, peaks in between', () => {
    const s = cyclicLR({ baseLr: 0.001, maxLr: 0.006, stepSizeUp: 4 });
    expectClose(seq(s, 40), Array.from({ length: 40 }, (_, t) => pytorchCyclic(t, 0.001, 0.006, 4, 4, () => 1)), 1e-12);
    for (const trough of [0, 8, 16, 24, 32]) expect(s.lrAt(trough)).toBeCloseTo(0.001, 15);
    for (const peak of [4, 12, 20, 28]) expect(s.lrAt(peak)).toBeCloseTo(0.006, 15);
    expect(s.lrAt(2)).toBeCloseTo(0.0035, 15);
    expect(s.lrAt(6)).toBeCloseTo(0.0035, 15);
  });

  it('asymmetric up and down phases', () => {
    const s = cyclicLR({ baseLr: 0.01, maxLr: 0.1, stepSizeUp: 3, stepSizeDown: 7 });
    expectClose(seq(s, 31), Array.from({ length: 31 }, (_, t) => pytorchCyclic(t, 0.01, 0.1, 3, 7, () => 1)));
    expect(s.lrAt(3)).toBeCloseTo(0.1, 15);
    expect(s.lrAt(13)).toBeCloseTo(0.1, 15);
    expect(s.lrAt(10)).toBeCloseTo(0.01, 15);
    expect(s.lrAt(20)).toBeCloseTo(0.01, 15);
  });

  it('triangular2 halves the amplitude every cycle', () => {
    const s = cyclicLR({ baseLr: 0.001, maxLr: 0.009, stepSizeUp: 5, mode: 'triangular2' });
    expectClose(seq(s, 41), Array.from({ length: 41 }, (_, t) => pytorchCyclic(t, 0.001, 0.009, 5, 5, (c) => 1 / 2 ** (c - 1))));
    expect(s.lrAt(5)).toBeCloseTo(0.009, 15);
    expect(s.lrAt(15)).toBeCloseTo(0.005, 15);
    expect(s.lrAt(25)).toBeCloseTo(0.003, 15);
    expect(s.lrAt(35)).toBeCloseTo(0.002, 15);
    expect(s.lrAt(30)).toBeCloseTo(0.001, 15);
  });

  it('exp_range scales the amplitude by gamma ** t', () => {
    const s = cyclicLR({ baseLr: 0.001, maxLr: 0.01, stepSizeUp: 5, mode: 'exp_range', gamma: 0.95 });
    expectClose(seq(s, 41), Array.from({ length: 41 }, (_, t) => pytorchCyclic(t, 0.001, 0.01, 5, 5, (_c, tt) => 0.95 ** tt)));
    expect(s.lrAt(5)).toBeCloseTo(0.001 + 0.009 * 0.95 ** 5, 15);
    expect(s.lrAt(15)).toBeCloseTo(0.001 + 0.009 * 0.95 ** 15, 15);
    expect(s.lrAt(15) - 0.001).toBeLessThan(s.lrAt(5) - 0.001);
  });

  it('defaults to stepSizeUp = 2000', () => {
    const s = cyclicLR({ baseLr: 0, maxLr: 1 });
    expect(s.lrAt(2000)).toBe(1);
    expect(s.lrAt(1000)).toBe(0.5);
    expect(s.lrAt(4000)).toBe(0);
  });
});

describe('OneCycleLR', () => {
  function pytorchOneCycle(t: number, o: { maxLr: number; total: number; pct: number; div: number; finalDiv: number; cos: boolean; three: boolean }) {
    const initial = o.maxLr / o.div;
    const min = initial / o.finalDiv;
    const phases = o.three
      ? [
          [o.pct * o.total - 1, initial, o.maxLr],
          [2 * o.pct * o.total - 2, o.maxLr, initial],
          [o.total - 1, initial, min],
        ]
      : [
          [o.pct * o.total - 1, initial, o.maxLr],
          [o.total - 1, o.maxLr, min],
        ];
    let startStep = 0;
    for (let i = 0; i < phases.length; i++) {
      const [end, start, stop] = phases[i] as [number, number, number];
      if (t <= end || i === phases.length - 1) {
        const pct = (t - startStep) / (end - startStep);
        return o.cos ? stop + ((start - stop) / 2) * (Math.cos(Math.PI * pct) + 1) : (stop - start) * pct + start;
      }
      startStep = end;
    }
    throw new Error('unreachable');
  }

  it('two phases, cosine: starts at maxLr / 25, peaks at step pct * T - 1, ends at initial / 1e4', () => {
    const s = oneCycleLR({ maxLr: 0.1, totalSteps: 100 });
    const o = { maxLr: 0.1, total: 100, pct: 0.3, div: 25, finalDiv: 1e4, cos: true, three: false };
    expectClose(seq(s, 100), Array.from({ length: 100 }, (_, t) => pytorchOneCycle(t, o)));
    expect(s.lrAt(0)).toBeCloseTo(0.004, 15);
    expect(s.lrAt(29)).toBeCloseTo(0.1, 15); // phase end: 0.3 * 100 - 1 = 29
    expect(s.lrAt(99)).toBeCloseTo(0.004 / 1e4, 18); // the last step runs at the final LR
    expect(s.lrAt(28)).toBeLessThan(0.1);
    expect(s.lrAt(30)).toBeLessThan(0.1);
  });

  it('linear annealing with a fractional phase boundary', () => {
    const s = oneCycleLR({ maxLr: 1, totalSteps: 37, pctStart: 0.25, annealStrategy: 'linear', divFactor: 10, finalDivFactor: 100 });
    const o = { maxLr: 1, total: 37, pct: 0.25, div: 10, finalDiv: 100, cos: false, three: false };
    expectClose(seq(s, 37), Array.from({ length: 37 }, (_, t) => pytorchOneCycle(t, o)));
    // Phase 1 ends at 0.25 * 37 - 1 = 8.25: step 8 is still rising, step 9 is falling.
    expect(s.lrAt(8)).toBeCloseTo(0.1 + 0.9 * (8 / 8.25), 14);
    expect(s.lrAt(9)).toBeCloseTo(1 + (0.001 - 1) * ((9 - 8.25) / (36 - 8.25)), 14);
    expect(s.lrAt(36)).toBeCloseTo(0.001, 15);
  });

  it('three phases', () => {
    const s = oneCycleLR({ maxLr: 0.5, totalSteps: 40, threePhase: true });
    const o = { maxLr: 0.5, total: 40, pct: 0.3, div: 25, finalDiv: 1e4, cos: true, three: true };
    expectClose(seq(s, 40), Array.from({ length: 40 }, (_, t) => pytorchOneCycle(t, o)));
    expect(s.lrAt(11)).toBeCloseTo(0.5, 15); // 0.3 * 40 - 1
    expect(s.lrAt(22)).toBeCloseTo(0.02, 15); // 2 * 0.3 * 40 - 2
    expect(s.lrAt(39)).toBeCloseTo(0.02 / 1e4, 18);
  });

  it('throws past totalSteps', () => {
    const s = oneCycleLR({ maxLr: 0.1, totalSteps: 10 });
    expect(() => s.lrAt(9)).not.toThrow();
    expect(() => s.lrAt(10)).toThrow(/totalSteps/);
  });
});

describe('LinearWarmup (LinearLR)', () => {
  it('goes linearly from lr * startFactor to lr over warmupSteps, then holds', () => {
    const s = linearWarmup({ lr: 0.1, warmupSteps: 4, startFactor: 0.25 });
    const expected = Array.from({ length: 10 }, (_, t) => 0.1 * (0.25 + ((1 - 0.25) * Math.min(4, t)) / 4));
    expectClose(seq(s, 10), expected);
    expect(s.lrAt(0)).toBeCloseTo(0.025, 15);
    expect(s.lrAt(4)).toBeCloseTo(0.1, 15);
    expect(s.lrAt(1000)).toBeCloseTo(0.1, 15);
  });

  it("defaults to PyTorch's startFactor 1/3 and supports endFactor", () => {
    expect(linearWarmup({ lr: 0.3, warmupSteps: 5 }).lrAt(0)).toBeCloseTo(0.1, 15);
    const s = linearWarmup({ lr: 1, warmupSteps: 2, startFactor: 1, endFactor: 0.5 });
    expectClose(seq(s, 4), [1, 0.75, 0.5, 0.5]);
  });
});

describe('Sequential (SequentialLR)', () => {
  it('switches at each milestone and restarts the next schedule from its own step 0', () => {
    const warm = linearWarmup({ lr: 0.1, warmupSteps: 5, startFactor: 0.1 });
    const cos = cosineAnnealingLR({ lr: 0.1, tMax: 20, etaMin: 0.001 });
    const s = sequential([warm, cos], { milestones: [5] });
    const expected = Array.from({ length: 30 }, (_, t) =>
      t < 5 ? 0.1 * (0.1 + (0.9 * t) / 5) : 0.001 + ((0.1 - 0.001) * (1 + Math.cos((Math.PI * (t - 5)) / 20))) / 2,
    );
    expectClose(seq(s, 30), expected);
    expect(s.lrAt(4)).toBeCloseTo(0.082, 15);
    expect(s.lrAt(5)).toBe(0.1);
    expect(s.lrAt(25)).toBeCloseTo(0.001, 15);
  });

  it('handles three schedules', () => {
    const s = sequential([stepLR({ lr: 1, stepSize: 1, gamma: 0.5 }), exponentialLR({ lr: 2, gamma: 0.1 }), linearWarmup({ lr: 4, warmupSteps: 2, startFactor: 0.5 })], {
      milestones: [3, 5],
    });
    expectClose(seq(s, 8), [1, 0.5, 0.25, 2, 0.2, 2, 3, 4]);
  });
});
