/** Schedules inside model.fit: the LR that reaches the optimizer at every update. */
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getLearningRate } from '../../src/state/lr.js';
import {
  cosineAnnealingWarmRestarts,
  cyclicLR,
  exponentialLR,
  linearWarmup,
  multiStepLR,
  oneCycleLR,
  reduceLROnPlateau,
  sequential,
  stepLR,
  cosineAnnealingLR,
  type ClosedFormSchedule,
} from '../../src/schedules/index.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

let x: tf.Tensor;
let y: tf.Tensor;
beforeAll(() => {
  x = tf.randomNormal([40, 4], 0, 1, 'float32', 1);
  y = tf.randomNormal([40, 1], 0, 1, 'float32', 2);
});
afterAll(() => tf.dispose([x, y]));

function makeModel(optimizer: tf.Optimizer): tf.LayersModel {
  const model = tf.sequential({
    layers: [tf.layers.dense({ units: 8, activation: 'relu', inputShape: [4] }), tf.layers.dense({ units: 1 })],
  });
  model.compile({ optimizer, loss: 'meanSquaredError' });
  return model;
}

/** Records the optimizer's LR at every applyGradients, i.e. the LR each update uses. */
function recordUpdates(optimizer: tf.Optimizer): number[] {
  const used: number[] = [];
  const original = optimizer.applyGradients.bind(optimizer);
  optimizer.applyGradients = (grads) => {
    used.push(getLearningRate(optimizer));
    return original(grads);
  };
  return used;
}

const optimizers: Array<[string, () => tf.Optimizer]> = [
  ['sgd', () => tf.train.sgd(0.5)],
  ['adam', () => tf.train.adam(0.5)],
  ['momentum', () => tf.train.momentum(0.5, 0.9)],
  ['rmsprop', () => tf.train.rmsprop(0.5)],
];

const schedules: Array<[string, () => ClosedFormSchedule]> = [
  ['stepLR', () => stepLR({ lr: 0.01, stepSize: 3, gamma: 0.5 })],
  ['multiStepLR', () => multiStepLR({ lr: 0.01, milestones: [2, 7, 11] })],
  ['exponentialLR', () => exponentialLR({ lr: 0.01, gamma: 0.8 })],
  ['cyclicLR', () => cyclicLR({ baseLr: 0.001, maxLr: 0.01, stepSizeUp: 3, mode: 'triangular2' })],
  ['cosineAnnealingLR', () => cosineAnnealingLR({ lr: 0.01, tMax: 7 })],
  ['cosineAnnealingWarmRestarts', () => cosineAnnealingWarmRestarts({ lr: 0.01, t0: 2, tMult: 2 })],
  ['oneCycleLR', () => oneCycleLR({ maxLr: 0.01, totalSteps: 15 })],
  ['linearWarmup', () => linearWarmup({ lr: 0.01, warmupSteps: 4 })],
  [
    'sequential',
    () => sequential([linearWarmup({ lr: 0.01, warmupSteps: 3, startFactor: 0.1 }), cosineAnnealingLR({ lr: 0.01, tMax: 12 })], { milestones: [3] }),
  ],
];

describe('per-step schedules in fit', () => {
  for (const [optName, makeOptimizer] of optimizers) {
    for (const [name, makeSchedule] of schedules) {
      it(`${name} with ${optName}: every update uses lrAt(global step)`, async () => {
        const optimizer = makeOptimizer();
        const model = makeModel(optimizer);
        const used = recordUpdates(optimizer);
        const schedule = makeSchedule();
        // 40 examples, batch 8: 5 steps per epoch, 3 epochs = 15 global steps.
        await model.fit(x, y, { batchSize: 8, epochs: 3, shuffle: false, verbose: 0, callbacks: [schedule] });
        expect(used).toHaveLength(15);
        expect(used).toEqual(Array.from({ length: 15 }, (_, t) => schedule.lrAt(t)));
        expect(schedule.step).toBe(15);
        expect(schedule.lr).toBe(schedule.lrAt(14));
        model.dispose();
      });
    }
  }

  it('a recorder callback after the schedule sees the scheduled LR in onBatchBegin', async () => {
    const model = makeModel(tf.train.sgd(1));
    const schedule = stepLR({ lr: 0.1, stepSize: 4 });
    const seen: number[] = [];
    const recorder = new (class extends tf.Callback {
      override async onBatchBegin(): Promise<void> {
        seen.push(getLearningRate(model.optimizer));
      }
    })();
    await model.fit(x, y, { batchSize: 10, epochs: 3, verbose: 0, callbacks: [schedule, recorder] });
    expect(seen).toEqual(Array.from({ length: 12 }, (_, t) => 0.1 * 0.1 ** Math.floor(t / 4)));
    model.dispose();
  });

  it('counts steps across fit calls (no reset in onTrainBegin)', async () => {
    const optimizer = tf.train.sgd(1);
    const model = makeModel(optimizer);
    const used = recordUpdates(optimizer);
    const schedule = exponentialLR({ lr: 0.1, gamma: 0.5 });
    await model.fit(x, y, { batchSize: 20, epochs: 2, verbose: 0, callbacks: [schedule] });
    await model.fit(x, y, { batchSize: 20, epochs: 1, verbose: 0, callbacks: [schedule] });
    expect(used).toEqual([0, 1, 2, 3, 4, 5].map((t) => 0.1 * 0.5 ** t));
    schedule.reset();
    expect(schedule.step).toBe(0);
    model.dispose();
  });

  it('reads the base LR from the optimizer when lr is omitted', async () => {
    const optimizer = tf.train.adam(0.04);
    const model = makeModel(optimizer);
    const used = recordUpdates(optimizer);
    const schedule = stepLR({ stepSize: 2, gamma: 0.5 });
    expect(schedule.baseLr).toBeUndefined();
    expect(() => schedule.lrAt(0)).toThrow(/not known yet/);
    await model.fit(x, y, { batchSize: 20, epochs: 2, verbose: 0, callbacks: [schedule] });
    expect(schedule.baseLr).toBe(0.04);
    expect(used).toEqual([0.04, 0.04, 0.02, 0.02]);
    model.dispose();
  });

  it('sub-schedules of sequential without lr get the optimizer LR', async () => {
    const optimizer = tf.train.sgd(0.2);
    const model = makeModel(optimizer);
    const used = recordUpdates(optimizer);
    const schedule = sequential([linearWarmup({ warmupSteps: 2, startFactor: 0.5 }), exponentialLR({ gamma: 0.5 })], { milestones: [2] });
    await model.fit(x, y, { batchSize: 10, epochs: 1, verbose: 0, callbacks: [schedule] });
    expect(used.map((v) => +v.toFixed(12))).toEqual([0.1, 0.15, 0.2, 0.1]);
    model.dispose();
  });
});

describe('per-epoch schedules in fit', () => {
  it("interval 'epoch' sets lrAt(epoch count) for every step of the epoch", async () => {
    const optimizer = tf.train.sgd(1);
    const model = makeModel(optimizer);
    const used = recordUpdates(optimizer);
    const schedule = multiStepLR({ lr: 0.1, milestones: [1, 3], interval: 'epoch' });
    await model.fit(x, y, { batchSize: 20, epochs: 4, verbose: 0, callbacks: [schedule] });
    const perEpoch = [0.1, 0.01, 0.01, 0.001];
    expect(used.map((v) => +v.toPrecision(12))).toEqual(perEpoch.flatMap((v) => [v, v]));
    expect(schedule.step).toBe(4);
    model.dispose();
  });

  it('counts epochs itself, independently of initialEpoch', async () => {
    const optimizer = tf.train.sgd(1);
    const model = makeModel(optimizer);
    const used = recordUpdates(optimizer);
    const schedule = exponentialLR({ lr: 1, gamma: 0.5, interval: 'epoch' });
    await model.fit(x, y, { batchSize: 40, epochs: 5, initialEpoch: 3, verbose: 0, callbacks: [schedule] });
    expect(used).toEqual([1, 0.5]);
    model.dispose();
  });
});

describe('ReduceLROnPlateau in fit', () => {
  it('reduces the LR after patience epochs without improvement of the monitored value', async () => {
    const optimizer = tf.train.sgd(1);
    const model = makeModel(optimizer);
    const used = recordUpdates(optimizer);
    // Feed a fixed metric sequence through a callback placed before the schedule.
    const values = [1, 0.9, 0.95, 0.95, 0.95, 0.8, 0.85, 0.85];
    const feeder = new (class extends tf.Callback {
      override async onEpochEnd(epoch: number, logs?: tf.Logs): Promise<void> {
        logs!['score'] = values[epoch]!;
      }
    })();
    const schedule = reduceLROnPlateau({ lr: 0.1, monitor: 'score', patience: 1, factor: 0.5 });
    await model.fit(x, y, { batchSize: 40, epochs: 8, verbose: 0, callbacks: [feeder, schedule] });
    // PyTorch: epochs 2 and 3 are bad (count 2 > 1) -> halve after epoch 3; epoch 4 bad (1);
    // epoch 5 improves; 6, 7 bad -> halve after epoch 7.
    expect(used).toEqual([0.1, 0.1, 0.1, 0.1, 0.05, 0.05, 0.05, 0.05]);
    expect(schedule.lr).toBe(0.025);
    expect(schedule.best).toBe(0.8);
    expect(schedule.step).toBe(8);
    model.dispose();
  });

  it('reads val_loss tensors from the epoch logs', async () => {
    const model = makeModel(tf.train.sgd(0.05));
    const schedule = reduceLROnPlateau({ lr: 0.1, patience: 0, factor: 0.5, threshold: 0 });
    const history = await model.fit(x, y, { batchSize: 10, epochs: 6, verbose: 0, validationSplit: 0.25, callbacks: [schedule] });
    const valLoss = history.history['val_loss'] as number[];
    // PyTorch's rule with patience 0 and threshold 0: halve after every epoch that is not a new minimum.
    let best = Infinity;
    let lr = 0.1;
    for (const v of valLoss) {
      if (v < best) best = v;
      else lr *= 0.5;
    }
    expect(valLoss).toHaveLength(6);
    expect(schedule.best).toBe(best);
    expect(schedule.lr).toBe(lr);
    expect(schedule.step).toBe(6);
    model.dispose();
  });

  it('throws a clear error naming the available keys when the metric is missing', async () => {
    const model = makeModel(tf.train.sgd(0.01));
    const schedule = reduceLROnPlateau({ monitor: 'val_loss' });
    await expect(model.fit(x, y, { batchSize: 20, epochs: 1, verbose: 0, callbacks: [schedule] })).rejects.toThrow(/`val_loss`.*`loss`/s);
    model.dispose();
  });
});

describe('errors before any step', () => {
  it('rejects an optimizer whose LR cannot be set in onTrainBegin', async () => {
    const model = makeModel(tf.train.sgd(0.1));
    // Replace the optimizer by an object that is not a tfjs optimizer.
    const updates: number[] = [];
    (model as unknown as { optimizer: unknown }).optimizer = { getClassName: () => 'Custom', applyGradients: () => updates.push(1) };
    await expect(model.fit(x, y, { batchSize: 20, epochs: 1, verbose: 0, callbacks: [stepLR({ lr: 0.1, stepSize: 1 })] })).rejects.toThrow(
      /model\.optimizer/,
    );
    expect(updates).toHaveLength(0);
  });

  it('oneCycleLR throws at step totalSteps', async () => {
    const model = makeModel(tf.train.sgd(0.1));
    const schedule = oneCycleLR({ maxLr: 0.1, totalSteps: 3, pctStart: 0.5 });
    await expect(model.fit(x, y, { batchSize: 10, epochs: 1, verbose: 0, callbacks: [schedule] })).rejects.toThrow(/totalSteps/);
    expect(schedule.step).toBe(3);
    model.dispose();
  });
});

describe('memory', () => {
  it('a fit with a schedule leaks no tensors', async () => {
    const model = makeModel(tf.train.adam(0.01));
    // Warm up: optimizer slots and compiled functions are created once.
    await model.fit(x, y, { batchSize: 10, epochs: 1, verbose: 0 });
    const before = tf.memory().numTensors;
    await model.fit(x, y, { batchSize: 10, epochs: 3, verbose: 0, callbacks: [cyclicLR({ baseLr: 0.001, maxLr: 0.01, stepSizeUp: 2 })] });
    await model.fit(x, y, {
      batchSize: 10,
      epochs: 3,
      verbose: 0,
      validationSplit: 0.25,
      callbacks: [reduceLROnPlateau({ patience: 0 })],
    });
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
  });
});
