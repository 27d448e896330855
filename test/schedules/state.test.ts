/** stateDict / loadStateDict: a schedule resumed in a "new process" continues the same sequence. */
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getLearningRate } from '../../src/state/lr.js';
import {
  cosineAnnealingWarmRestarts,
  cyclicLR,
  linearWarmup,
  oneCycleLR,
  reduceLROnPlateau,
  sequential,
  stepLR,
  cosineAnnealingLR,
  type LRSchedule,
  type LRScheduleState,
} from '../../src/schedules/index.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

let x: tf.Tensor;
let y: tf.Tensor;
beforeAll(() => {
  x = tf.randomNormal([30, 3], 0, 1, 'float32', 3);
  y = tf.randomNormal([30, 1], 0, 1, 'float32', 4);
});
afterAll(() => tf.dispose([x, y]));

function makeModel(optimizer: tf.Optimizer): tf.LayersModel {
  const model = tf.sequential({ layers: [tf.layers.dense({ units: 1, inputShape: [3] })] });
  model.compile({ optimizer, loss: 'meanSquaredError' });
  return model;
}

function recordUpdates(optimizer: tf.Optimizer): number[] {
  const used: number[] = [];
  const original = optimizer.applyGradients.bind(optimizer);
  optimizer.applyGradients = (grads) => {
    used.push(getLearningRate(optimizer));
    return original(grads);
  };
  return used;
}

/** Runs `epochs` epochs of 3 steps each (batch 10 of 30 examples). */
async function train(schedule: LRSchedule, optimizer: tf.Optimizer, epochs: number, extra: tf.Callback[] = []): Promise<number[]> {
  const model = makeModel(optimizer);
  const used = recordUpdates(optimizer);
  await model.fit(x, y, { batchSize: 10, epochs, verbose: 0, shuffle: false, callbacks: [...extra, schedule] });
  model.dispose();
  return used;
}

const cases: Array<[string, () => LRSchedule]> = [
  ['stepLR (lr from the optimizer)', () => stepLR({ stepSize: 4, gamma: 0.5 })],
  ['cyclicLR', () => cyclicLR({ baseLr: 0.01, maxLr: 0.1, stepSizeUp: 2, mode: 'triangular2' })],
  ['cosineAnnealingWarmRestarts', () => cosineAnnealingWarmRestarts({ lr: 0.1, t0: 2, tMult: 2 })],
  ['oneCycleLR', () => oneCycleLR({ maxLr: 0.1, totalSteps: 18 })],
  [
    'sequential (sub-schedule lr from the optimizer)',
    () => sequential([linearWarmup({ warmupSteps: 4 }), cosineAnnealingLR({ lr: 0.05, tMax: 10 })], { milestones: [4] }),
  ],
];

describe('stateDict round trip through JSON', () => {
  for (const [name, make] of cases) {
    it(`${name}: stop at step k, resume in a fresh schedule and optimizer, same LRs`, async () => {
      const full = await train(make(), tf.train.sgd(0.08), 6);
      expect(full).toHaveLength(18);

      const first = make();
      const part1 = await train(first, tf.train.sgd(0.08), 2);
      const json = JSON.stringify(first.stateDict());
      expect(first.step).toBe(6);

      // A new process: a fresh schedule from the same options, and an optimizer whose LR is
      // whatever the resumed training set up (here a different value on purpose).
      const resumed = make();
      resumed.loadStateDict(JSON.parse(json) as LRScheduleState);
      expect(resumed.step).toBe(6);
      const part2 = await train(resumed, tf.train.sgd(123), 4);
      expect([...part1, ...part2]).toEqual(full);
    });
  }

  it('ReduceLROnPlateau keeps best, bad-epoch count, cooldown and the reduced LR', async () => {
    const values = [5, 4, 4, 4, 4, 4, 3, 3, 3, 3];
    const feeder = (offset: number) =>
      new (class extends tf.Callback {
        override async onEpochEnd(epoch: number, logs?: tf.Logs): Promise<void> {
          logs!['m'] = values[offset + epoch]!;
        }
      })();
    const make = () => reduceLROnPlateau({ lr: 0.1, monitor: 'm', patience: 1, cooldown: 1, factor: 0.5 });

    const full = make();
    const fullUsed = await train(full, tf.train.sgd(0.1), 10, [feeder(0)]);

    const first = make();
    const used1 = await train(first, tf.train.sgd(0.1), 5, [feeder(0)]);
    const state = JSON.parse(JSON.stringify(first.stateDict())) as LRScheduleState;
    expect(state.extra).toMatchObject({ best: 4 });
    const resumed = make();
    resumed.loadStateDict(state);
    expect(resumed.best).toBe(first.best);
    expect(resumed.numBadEpochs).toBe(first.numBadEpochs);
    expect(resumed.cooldownCounter).toBe(first.cooldownCounter);
    const used2 = await train(resumed, tf.train.sgd(999), 5, [feeder(5)]);
    expect([...used1, ...used2]).toEqual(fullUsed);
    expect(resumed.lr).toBe(full.lr);
    expect(full.lr).toBeLessThan(0.1);
  });

  it('a fresh ReduceLROnPlateau state (best = Infinity) survives JSON', () => {
    const s = reduceLROnPlateau({ lr: 0.1 });
    const state = JSON.parse(JSON.stringify(s.stateDict())) as LRScheduleState;
    const t = reduceLROnPlateau({ lr: 0.1 });
    t.loadStateDict(state);
    expect(t.best).toBe(Infinity);
    expect(reduceLROnPlateau({ mode: 'max' }).best).toBe(-Infinity);
  });

  it('reset() goes back to the state at construction', () => {
    const s = reduceLROnPlateau({ lr: 1, patience: 0, monitor: 'm' });
    s.observe(1);
    s.observe(2);
    expect(s.lr).toBe(0.1);
    expect(s.step).toBe(2);
    s.reset();
    expect(s.step).toBe(0);
    expect(s.lr).toBe(1);
    expect(s.best).toBe(Infinity);
  });

  it('rejects a state of another schedule or a malformed one', () => {
    const s = stepLR({ lr: 0.1, stepSize: 2 });
    expect(() => s.loadStateDict(cyclicLR({ baseLr: 0, maxLr: 1 }).stateDict())).toThrow(/state\.schedule/);
    expect(() => s.loadStateDict({ ...s.stateDict(), step: -1 })).toThrow(RangeError);
    expect(() => s.loadStateDict({ ...s.stateDict(), step: 1.5 })).toThrow(/state\.step/);
    expect(() => s.loadStateDict({ ...s.stateDict(), extra: null as never })).toThrow(/state\.extra/);
    expect(() => s.loadStateDict({ ...s.stateDict(), bogus: 1 } as never)).toThrow(/bogus/);
    const r = reduceLROnPlateau();
    expect(() => r.loadStateDict({ ...r.stateDict(), extra: { best: 1, numBadEpochs: -1, cooldownCounter: 0, pendingLr: null } })).toThrow(
      /numBadEpochs/,
    );
  });
});
