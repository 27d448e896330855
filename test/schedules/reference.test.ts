/**
 * The schedules against sequences produced by PyTorch's own step-by-step algorithms
 * (recursive forms, last_epoch counting), re-implemented in plain Python in
 * test/fixtures/schedule_reference.py.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  cosineAnnealingLR,
  cosineAnnealingWarmRestarts,
  cyclicLR,
  exponentialLR,
  linearWarmup,
  oneCycleLR,
  sequential,
  stepLR,
  type ClosedFormSchedule,
} from '../../src/schedules/index.js';

const reference = JSON.parse(readFileSync(new URL('../fixtures/schedule-reference.json', import.meta.url), 'utf8')) as Record<
  string,
  { options: never; lrs: number[] }
>;

const make: Record<string, (options: never) => ClosedFormSchedule> = {
  stepLR,
  exponentialLR,
  cosineAnnealingLR,
  linearWarmup,
  warmRestarts1: cosineAnnealingWarmRestarts,
  warmRestarts2: cosineAnnealingWarmRestarts,
  cyclicTriangular: cyclicLR,
  cyclicAsymmetric: cyclicLR,
  cyclicTriangular2: cyclicLR,
  cyclicExpRange: cyclicLR,
  oneCycleCos: oneCycleLR,
  oneCycleLinear: oneCycleLR,
  oneCycleThreePhase: oneCycleLR,
  sequentialWarmupCosine: () =>
    sequential([linearWarmup({ lr: 0.1, warmupSteps: 5, startFactor: 0.1 }), cosineAnnealingLR({ lr: 0.1, tMax: 20, etaMin: 0.001 })], {
      milestones: [5],
    }),
};

describe('schedules match the PyTorch reference sequences', () => {
  it('covers every case of the fixture', () => {
    expect(Object.keys(reference).sort()).toEqual(Object.keys(make).sort());
  });

  for (const [name, { options, lrs }] of Object.entries(reference)) {
    it(name, () => {
      const schedule = make[name]!(options);
      expect(lrs.length).toBeGreaterThan(5);
      lrs.forEach((expected, t) => {
        // Recursive forms in PyTorch round differently from closed forms: 1e-9 relative.
        const got = schedule.lrAt(t);
        if (Math.abs(got - expected) > 1e-9 * Math.abs(expected) + 1e-15) throw new Error(`${name} step ${t}: expected ${expected}, got ${got}`);
      });
    });
  }
});
