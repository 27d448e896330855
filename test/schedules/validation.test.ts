/** Option validation: typed errors at construction, naming the option. */
import { describe, expect, it } from 'vitest';
import {
  cosineAnnealingLR,
  cosineAnnealingWarmRestarts,
  cyclicLR,
  exponentialLR,
  linearWarmup,
  multiStepLR,
  oneCycleLR,
  reduceLROnPlateau,
  sequential,
  stepLR,
} from '../../src/schedules/index.js';

type Case = [label: string, make: () => unknown, error: typeof TypeError | typeof RangeError, message: RegExp];

const cases: Case[] = [
  // stepLR
  ['stepLR: options not an object', () => stepLR(null as never), TypeError, /stepLR options/],
  ['stepLR: missing stepSize', () => stepLR({} as never), TypeError, /`stepSize`/],
  ['stepLR: stepSize 0', () => stepLR({ lr: 0.1, stepSize: 0 }), RangeError, /`stepSize`/],
  ['stepLR: stepSize 1.5', () => stepLR({ lr: 0.1, stepSize: 1.5 }), RangeError, /`stepSize`/],
  ['stepLR: negative lr', () => stepLR({ lr: -0.1, stepSize: 1 }), RangeError, /`lr`/],
  ['stepLR: NaN lr', () => stepLR({ lr: NaN, stepSize: 1 }), RangeError, /`lr`/],
  ['stepLR: infinite lr', () => stepLR({ lr: Infinity, stepSize: 1 }), RangeError, /`lr`/],
  ['stepLR: string lr', () => stepLR({ lr: '0.1' as never, stepSize: 1 }), TypeError, /`lr`/],
  ['stepLR: gamma 0', () => stepLR({ lr: 0.1, stepSize: 1, gamma: 0 }), RangeError, /`gamma`/],
  ['stepLR: gamma negative', () => stepLR({ lr: 0.1, stepSize: 1, gamma: -0.5 }), RangeError, /`gamma`/],
  ['stepLR: unknown key', () => stepLR({ lr: 0.1, stepSize: 1, step_size: 2 } as never), TypeError, /`step_size`/],
  ['stepLR: unknown interval', () => stepLR({ lr: 0.1, stepSize: 1, interval: 'batch' as never }), TypeError, /`interval`/],
  // multiStepLR
  ['multiStepLR: milestones not an array', () => multiStepLR({ lr: 0.1, milestones: 5 as never }), TypeError, /`milestones`/],
  ['multiStepLR: unsorted milestones', () => multiStepLR({ lr: 0.1, milestones: [30, 10] }), RangeError, /`milestones`/],
  ['multiStepLR: duplicate milestones', () => multiStepLR({ lr: 0.1, milestones: [10, 10] }), RangeError, /`milestones`/],
  ['multiStepLR: milestone 0', () => multiStepLR({ lr: 0.1, milestones: [0, 10] }), RangeError, /`milestones`/],
  ['multiStepLR: fractional milestone', () => multiStepLR({ lr: 0.1, milestones: [2.5] }), RangeError, /`milestones`/],
  ['multiStepLR: string milestone', () => multiStepLR({ lr: 0.1, milestones: ['3' as never] }), TypeError, /`milestones`/],
  ['multiStepLR: gamma infinite', () => multiStepLR({ lr: 0.1, milestones: [1], gamma: Infinity }), RangeError, /`gamma`/],
  // exponentialLR
  ['exponentialLR: missing gamma', () => exponentialLR({ lr: 0.1 } as never), TypeError, /`gamma`/],
  ['exponentialLR: gamma 0', () => exponentialLR({ lr: 0.1, gamma: 0 }), RangeError, /`gamma`/],
  // cyclicLR
  ['cyclicLR: missing baseLr', () => cyclicLR({ maxLr: 0.1 } as never), TypeError, /`baseLr`/],
  ['cyclicLR: negative maxLr', () => cyclicLR({ baseLr: 0, maxLr: -1 }), RangeError, /`maxLr`/],
  ['cyclicLR: maxLr < baseLr', () => cyclicLR({ baseLr: 0.1, maxLr: 0.01 }), RangeError, /`maxLr`/],
  ['cyclicLR: stepSizeUp 0', () => cyclicLR({ baseLr: 0, maxLr: 1, stepSizeUp: 0 }), RangeError, /`stepSizeUp`/],
  ['cyclicLR: stepSizeDown 2.5', () => cyclicLR({ baseLr: 0, maxLr: 1, stepSizeDown: 2.5 }), RangeError, /`stepSizeDown`/],
  ['cyclicLR: unknown mode', () => cyclicLR({ baseLr: 0, maxLr: 1, mode: 'exp' as never }), TypeError, /`mode`/],
  ['cyclicLR: gamma 0', () => cyclicLR({ baseLr: 0, maxLr: 1, mode: 'exp_range', gamma: 0 }), RangeError, /`gamma`/],
  ['cyclicLR: unknown key', () => cyclicLR({ baseLr: 0, maxLr: 1, cycleMomentum: true } as never), TypeError, /`cycleMomentum`/],
  // cosineAnnealingLR
  ['cosineAnnealingLR: tMax 0', () => cosineAnnealingLR({ lr: 0.1, tMax: 0 }), RangeError, /`tMax`/],
  ['cosineAnnealingLR: missing tMax', () => cosineAnnealingLR({ lr: 0.1 } as never), TypeError, /`tMax`/],
  ['cosineAnnealingLR: negative etaMin', () => cosineAnnealingLR({ lr: 0.1, tMax: 5, etaMin: -1 }), RangeError, /`etaMin`/],
  // cosineAnnealingWarmRestarts
  ['warmRestarts: t0 0', () => cosineAnnealingWarmRestarts({ lr: 0.1, t0: 0 }), RangeError, /`t0`/],
  ['warmRestarts: tMult 1.5', () => cosineAnnealingWarmRestarts({ lr: 0.1, t0: 2, tMult: 1.5 }), RangeError, /`tMult`/],
  ['warmRestarts: tMult 0', () => cosineAnnealingWarmRestarts({ lr: 0.1, t0: 2, tMult: 0 }), RangeError, /`tMult`/],
  ['warmRestarts: etaMin NaN', () => cosineAnnealingWarmRestarts({ lr: 0.1, t0: 2, etaMin: NaN }), RangeError, /`etaMin`/],
  // oneCycleLR
  ['oneCycleLR: missing maxLr', () => oneCycleLR({ totalSteps: 100 } as never), TypeError, /`maxLr`/],
  ['oneCycleLR: maxLr 0', () => oneCycleLR({ maxLr: 0, totalSteps: 100 }), RangeError, /`maxLr`/],
  ['oneCycleLR: totalSteps 1', () => oneCycleLR({ maxLr: 0.1, totalSteps: 1 }), RangeError, /`totalSteps`/],
  ['oneCycleLR: totalSteps 10.5', () => oneCycleLR({ maxLr: 0.1, totalSteps: 10.5 }), RangeError, /`totalSteps`/],
  ['oneCycleLR: pctStart 0', () => oneCycleLR({ maxLr: 0.1, totalSteps: 100, pctStart: 0 }), RangeError, /`pctStart`/],
  ['oneCycleLR: pctStart 1', () => oneCycleLR({ maxLr: 0.1, totalSteps: 100, pctStart: 1 }), RangeError, /`pctStart`/],
  ['oneCycleLR: pctStart too small for totalSteps', () => oneCycleLR({ maxLr: 0.1, totalSteps: 10, pctStart: 0.1 }), RangeError, /`pctStart`/],
  ['oneCycleLR: three phases without room', () => oneCycleLR({ maxLr: 0.1, totalSteps: 10, pctStart: 0.6, threePhase: true }), RangeError, /`pctStart`/],
  ['oneCycleLR: unknown annealStrategy', () => oneCycleLR({ maxLr: 0.1, totalSteps: 100, annealStrategy: 'cosine' as never }), TypeError, /`annealStrategy`/],
  ['oneCycleLR: divFactor 0', () => oneCycleLR({ maxLr: 0.1, totalSteps: 100, divFactor: 0 }), RangeError, /`divFactor`/],
  ['oneCycleLR: finalDivFactor negative', () => oneCycleLR({ maxLr: 0.1, totalSteps: 100, finalDivFactor: -1 }), RangeError, /`finalDivFactor`/],
  ['oneCycleLR: threePhase not boolean', () => oneCycleLR({ maxLr: 0.1, totalSteps: 100, threePhase: 1 as never }), TypeError, /`threePhase`/],
  ['oneCycleLR: unknown key', () => oneCycleLR({ maxLr: 0.1, totalSteps: 100, epochs: 3 } as never), TypeError, /`epochs`/],
  // linearWarmup
  ['linearWarmup: warmupSteps 0', () => linearWarmup({ lr: 0.1, warmupSteps: 0 }), RangeError, /`warmupSteps`/],
  ['linearWarmup: startFactor 0', () => linearWarmup({ lr: 0.1, warmupSteps: 5, startFactor: 0 }), RangeError, /`startFactor`/],
  ['linearWarmup: startFactor 1.5', () => linearWarmup({ lr: 0.1, warmupSteps: 5, startFactor: 1.5 }), RangeError, /`startFactor`/],
  ['linearWarmup: endFactor -0.1', () => linearWarmup({ lr: 0.1, warmupSteps: 5, endFactor: -0.1 }), RangeError, /`endFactor`/],
  // sequential
  ['sequential: empty', () => sequential([], { milestones: [] }), TypeError, /`schedules`/],
  ['sequential: plateau inside', () => sequential([reduceLROnPlateau() as never, stepLR({ lr: 1, stepSize: 1 })], { milestones: [2] }), TypeError, /`schedules\[0\]`/],
  ['sequential: wrong number of milestones', () => sequential([stepLR({ lr: 1, stepSize: 1 }), stepLR({ lr: 1, stepSize: 1 })], { milestones: [2, 4] }), RangeError, /`milestones`/],
  ['sequential: unsorted milestones', () => sequential([stepLR({ lr: 1, stepSize: 1 }), stepLR({ lr: 1, stepSize: 1 }), stepLR({ lr: 1, stepSize: 1 })], { milestones: [4, 2] }), RangeError, /`milestones`/],
  ['sequential: mixed intervals', () => sequential([stepLR({ lr: 1, stepSize: 1 }), stepLR({ lr: 1, stepSize: 1, interval: 'epoch' })], { milestones: [2] }), RangeError, /interval/],
  ['sequential: unknown key', () => sequential([stepLR({ lr: 1, stepSize: 1 })], { milestones: [], interval: 'epoch' } as never), TypeError, /`interval`/],
  // reduceLROnPlateau
  ['plateau: unknown mode', () => reduceLROnPlateau({ mode: 'minimum' as never }), TypeError, /`mode`/],
  ['plateau: factor 1', () => reduceLROnPlateau({ factor: 1 }), RangeError, /`factor`/],
  ['plateau: factor 0', () => reduceLROnPlateau({ factor: 0 }), RangeError, /`factor`/],
  ['plateau: patience -1', () => reduceLROnPlateau({ patience: -1 }), RangeError, /`patience`/],
  ['plateau: patience 1.5', () => reduceLROnPlateau({ patience: 1.5 }), RangeError, /`patience`/],
  ['plateau: threshold negative', () => reduceLROnPlateau({ threshold: -1e-4 }), RangeError, /`threshold`/],
  ['plateau: unknown thresholdMode', () => reduceLROnPlateau({ thresholdMode: 'relative' as never }), TypeError, /`thresholdMode`/],
  ['plateau: cooldown -1', () => reduceLROnPlateau({ cooldown: -1 }), RangeError, /`cooldown`/],
  ['plateau: minLr negative', () => reduceLROnPlateau({ minLr: -1 }), RangeError, /`minLr`/],
  ['plateau: eps NaN', () => reduceLROnPlateau({ eps: NaN }), RangeError, /`eps`/],
  ['plateau: empty monitor', () => reduceLROnPlateau({ monitor: '' }), TypeError, /`monitor`/],
  ['plateau: unknown key', () => reduceLROnPlateau({ verbose: true } as never), TypeError, /`verbose`/],
];

describe('schedule option validation', () => {
  for (const [label, make, error, message] of cases) {
    it(label, () => {
      let thrown: unknown;
      try {
        make();
      } catch (e) {
        thrown = e;
      }
      expect(thrown).toBeInstanceOf(error);
      expect((thrown as Error).message).toMatch(message);
    });
  }

  it('valid options construct without error', () => {
    expect(() => stepLR({ stepSize: 1 })).not.toThrow();
    expect(() => cyclicLR({ baseLr: 0, maxLr: 0 })).not.toThrow();
    expect(() => oneCycleLR({ maxLr: 0.1, totalSteps: 10, pctStart: 0.45, threePhase: true })).not.toThrow();
    expect(() => reduceLROnPlateau()).not.toThrow();
  });

  it('lrAt rejects negative and fractional steps', () => {
    const s = stepLR({ lr: 1, stepSize: 1 });
    expect(() => s.lrAt(-1)).toThrow(RangeError);
    expect(() => s.lrAt(0.5)).toThrow(/`step`/);
  });
});
