/**
 * Fuzzing bad input: hundreds of random invalid option sets for AutoLRS and every
 * baseline schedule. Each must be refused with a TypeError or RangeError that names
 * what was expected, before any training step, without leaking a tensor.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../../src/bo/rng.js';
import { autoLRS } from '../../src/scheduler/callback.js';
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

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** Values that are invalid for every option of the given kind. */
const BAD = {
  common: [null, 'abc', {}, [], () => 1, Symbol.for('x')],
  number: [NaN, '0.1', true, [0.1]],
  positive: [0, -1, -1e-9, NaN, Infinity, -Infinity, '1'],
  nonNegative: [-1, -0.5, NaN, Infinity, '0'],
  integer1: [0, -3, 1.5, 2.0001, NaN, Infinity, '10'],
  integer0: [-1, 0.5, NaN, Infinity, '0'],
  fraction: [0, 1, -0.2, 1.5, NaN],
  /** [0, 1): 0 is valid. */
  share: [1, -0.2, 1.5, NaN, -1e-9],
  /** (0, 1]: 1 is valid. */
  factor: [0, -0.2, 1.0001, 2, NaN, Infinity, '0.5'],
  enumeration: ['bogus', '', 1, 'LCB'],
  bool: ['true', 1, 0],
  milestones: [[3, 2], [2, 2], [-1, 4], [1.5], 'x', [NaN], [0]],
  verbosity: [2, -1, '1', true, 0.5],
} as const;

type Kind = keyof typeof BAD;

interface Spec {
  make: (o: unknown) => unknown;
  base: Record<string, unknown>;
  keys: Record<string, Exclude<Kind, 'common'>>;
  /** Options that must be present (deleting one is invalid). */
  required: string[];
  /** Option sets invalid because of a relation between options. */
  relational?: Array<Record<string, unknown>>;
}

const SPECS: Record<string, Spec> = {
  autoLRS: {
    make: (o) => autoLRS(o as never),
    base: { strategy: 'reference', minLr: 1e-3, maxLr: 0.1, tau: 100, tauPrime: 10, k: 4, tauMax: 800 },
    required: ['minLr', 'maxLr'],
    keys: {
      minLr: 'positive',
      maxLr: 'positive',
      tau: 'integer1',
      tauPrime: 'integer1',
      k: 'integer1',
      tauMax: 'integer1',
      kappa: 'nonNegative',
      acquisition: 'enumeration',
      nInitialPoints: 'integer1',
      nanPenalty: 'number',
      warmupSteps: 'integer0',
      warmupLr: 'positive',
      validationMode: 'bool',
      validationSamples: 'integer1',
      seed: 'integer0',
      validationBatchSize: 'integer1',
      verbose: 'verbosity',
    },
    relational: [
      { minLr: 0.1, maxLr: 0.1 },
      { minLr: 0.2, maxLr: 0.1 },
      { tau: 100, tauPrime: 100 },
      { tau: 100, tauPrime: 200 },
      { tauPrime: 2 },
      { tau: 1000, tauMax: 500 },
      { warmupSteps: 10 },
      { validationMode: true },
      { tau: 40, tauPrime: 4, tauMax: 40, validationSamples: 16, validationMode: true, validationData: [tf.zeros([1, 1]), tf.zeros([1, 1])] },
      { validationData: [tf.zeros([1, 1])] },
    ],
  },
  autoLRSCooldown: {
    make: (o) => autoLRS(o as never),
    base: { data: { x: tf.zeros([64, 2]), y: tf.zeros([64, 1]) }, minLr: 1e-3, maxLr: 0.1, totalSteps: 2000 },
    required: ['data'],
    keys: {
      minLr: 'positive',
      maxLr: 'positive',
      totalSteps: 'integer1',
      stages: 'integer1',
      k: 'integer1',
      laterK: 'integer1',
      probeSteps: 'integer1',
      probeCooldown: 'share',
      cooldownFraction: 'share',
      windowBelow: 'positive',
      windowAbove: 'positive',
      tolerance: 'nonNegative',
      shrink: 'factor',
      survivors: 'integer0',
      rungSteps: 'integer1',
      nInitialPoints: 'integer1',
      acquisition: 'enumeration',
      seed: 'integer0',
      batchSize: 'integer1',
      scoreSize: 'integer1',
      scoreBatchSize: 'integer1',
      batchNormBatches: 'integer0',
      verbose: 'verbosity',
    },
    relational: [
      { minLr: 0.1, maxLr: 0.1 },
      { minLr: 0.2, maxLr: 0.1 },
      { minLr: 0.01, maxLr: undefined },
      { totalSteps: 50 },
      { probeSteps: 300 },
      { probeSteps: 20, rungSteps: 20 },
      { windowBelow: 0.5 },
      { strategy: 'greedy' },
      { data: { x: tf.zeros([4, 2]) } },
    ],
  },
  stepLR: { make: stepLR as (o: unknown) => unknown, base: { lr: 0.1, stepSize: 10 }, required: ['stepSize'], keys: { lr: 'nonNegative', stepSize: 'integer1', gamma: 'positive', interval: 'enumeration' } },
  multiStepLR: { make: multiStepLR as (o: unknown) => unknown, base: { lr: 0.1, milestones: [5, 10] }, required: ['milestones'], keys: { lr: 'nonNegative', milestones: 'milestones', gamma: 'positive', interval: 'enumeration' } },
  exponentialLR: { make: exponentialLR as (o: unknown) => unknown, base: { lr: 0.1, gamma: 0.9 }, required: ['gamma'], keys: { lr: 'nonNegative', gamma: 'positive', interval: 'enumeration' } },
  cyclicLR: {
    make: cyclicLR as (o: unknown) => unknown,
    base: { baseLr: 0.01, maxLr: 0.1 },
    required: ['baseLr', 'maxLr'],
    keys: { baseLr: 'nonNegative', maxLr: 'nonNegative', stepSizeUp: 'integer1', stepSizeDown: 'integer1', mode: 'enumeration', gamma: 'positive', interval: 'enumeration' },
    relational: [{ baseLr: 0.2, maxLr: 0.1 }],
  },
  cosineAnnealingLR: { make: cosineAnnealingLR as (o: unknown) => unknown, base: { lr: 0.1, tMax: 50 }, required: ['tMax'], keys: { lr: 'nonNegative', tMax: 'integer1', etaMin: 'nonNegative', interval: 'enumeration' } },
  cosineAnnealingWarmRestarts: {
    make: cosineAnnealingWarmRestarts as (o: unknown) => unknown,
    base: { lr: 0.1, t0: 10 },
    required: ['t0'],
    keys: { lr: 'nonNegative', t0: 'integer1', tMult: 'integer1', etaMin: 'nonNegative', interval: 'enumeration' },
  },
  oneCycleLR: {
    make: oneCycleLR as (o: unknown) => unknown,
    base: { maxLr: 0.1, totalSteps: 100 },
    required: ['maxLr', 'totalSteps'],
    keys: { maxLr: 'positive', totalSteps: 'integer1', pctStart: 'fraction', annealStrategy: 'enumeration', divFactor: 'positive', finalDivFactor: 'positive', threePhase: 'bool', interval: 'enumeration' },
  },
  linearWarmup: { make: linearWarmup as (o: unknown) => unknown, base: { lr: 0.1, warmupSteps: 10 }, required: ['warmupSteps'], keys: { lr: 'nonNegative', warmupSteps: 'integer1', startFactor: 'positive', endFactor: 'nonNegative', interval: 'enumeration' } },
  reduceLROnPlateau: {
    make: reduceLROnPlateau as (o: unknown) => unknown,
    base: { lr: 0.1 },
    required: [],
    keys: { lr: 'nonNegative', mode: 'enumeration', factor: 'fraction', patience: 'integer0', threshold: 'nonNegative', thresholdMode: 'enumeration', cooldown: 'integer0', minLr: 'nonNegative', eps: 'nonNegative' },
  },
  sequential: {
    make: (o) => sequential([stepLR({ lr: 0.1, stepSize: 5 }), cosineAnnealingLR({ lr: 0.1, tMax: 20 })], o as never),
    base: { milestones: [10] },
    required: ['milestones'],
    keys: { milestones: 'milestones' },
    relational: [{ milestones: [5, 10] }, { milestones: [] }],
  },
};

/** Random invalid option sets for one spec: 1–3 bad keys, unknown keys, relations, non-objects. */
function invalidSets(spec: Spec, count: number, seed: number): unknown[] {
  const random = new Rng(seed);
  const r = () => random.next();
  const pick = <T,>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const keys = Object.keys(spec.keys);
  const sets: unknown[] = [5, 'options', [], null, true];
  for (const rel of spec.relational ?? []) sets.push({ ...spec.base, ...rel });
  while (sets.length < count) {
    const o: Record<string, unknown> = { ...spec.base };
    const roll = r();
    if (roll < 0.1) {
      o[pick(['bogus', 'learningRate', 'Tau', 'min_lr'])] = 1;
    } else {
      const n = 1 + Math.floor(r() * 3);
      for (let i = 0; i < n; i++) {
        const key = pick(keys);
        const kind = spec.keys[key]!;
        // An empty array is a valid list of milestones (a constant LR, as in PyTorch).
        const common = kind === 'milestones' ? BAD.common.filter((v) => !Array.isArray(v)) : BAD.common;
        o[key] = r() < 0.25 ? pick(common) : pick(BAD[kind] as readonly unknown[]);
      }
      // A required option that is missing is invalid too.
      if (roll > 0.95 && spec.required.length > 0) delete o[pick(spec.required)];
    }
    sets.push(o);
  }
  return sets;
}

describe.each(Object.keys(SPECS))('invalid options for %s', (name) => {
  it('are refused with a typed, explanatory error before any training step, leaking nothing', async () => {
    const spec = SPECS[name]!;
    // The valid base works, so each refusal below is due to the mutation.
    expect(() => spec.make({ ...spec.base })).not.toThrow();
    const model = tf.sequential({ layers: [tf.layers.dense({ inputShape: [2], units: 1 })] });
    model.compile({ optimizer: tf.train.sgd(0.1), loss: 'meanSquaredError' });
    let updates = 0;
    const apply = model.optimizer.applyGradients.bind(model.optimizer);
    model.optimizer.applyGradients = (g) => {
      updates++;
      apply(g);
    };
    const before = tf.memory().numTensors;
    const sets = invalidSets(spec, 220, name.length * 7919);
    expect(sets.length).toBeGreaterThanOrEqual(200);
    for (const options of sets) {
      let error: unknown;
      try {
        spec.make(options);
      } catch (e) {
        error = e;
      }
      const shown = (() => {
        try {
          return JSON.stringify(options, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : typeof v === 'function' || typeof v === 'symbol' ? String(v) : v));
        } catch {
          return String(options);
        }
      })();
      expect(error, `no error for ${name}(${shown})`).toBeDefined();
      expect(error instanceof TypeError || error instanceof RangeError, `${name}(${shown}) threw ${String(error)}`).toBe(true);
      expect((error as Error).message, `${name}(${shown})`).toMatch(/^(Expected|Unknown option)/);
    }
    expect(updates).toBe(0);
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
  });
});
