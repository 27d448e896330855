/**
 * AutoLRS and a baseline schedule end to end on the webgpu backend (SwiftShader): a tiny
 * CNN trained with model.fit, with checkpoints, restores, forecasts and the step log, all
 * on webgpu. The webgpu backend cannot read synchronously in Node (`dataSync` throws), so
 * any synchronous read left in a training path fails here.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, expect, it } from 'vitest';

import { stepLog, parseStepLog } from '../../src/report/step-log.js';
import { autoLRS } from '../../src/scheduler/callback.js';
import { Checkpoint, loadTrainingState, modelVariables, saveTrainingState } from '../../src/state/checkpoint.js';
import { cosineAnnealingLR } from '../../src/schedules/index.js';
import { describeWebgpu, useWebgpu } from './helpers.js';

const N = 40;
const BATCH = 8;
let dir: string;
let data: { x: tf.Tensor4D; y: tf.Tensor2D; vx: tf.Tensor4D; vy: tf.Tensor2D };

function makeData(n: number, seed: number): { x: tf.Tensor4D; y: tf.Tensor2D } {
  return tf.tidy(() => {
    const x = tf.randomNormal([n, 6, 6, 1], 0, 1, 'float32', seed) as tf.Tensor4D;
    // The class is the quadrant with the largest sum: learnable by a small CNN.
    const q = tf.stack([x.slice([0, 0, 0, 0], [n, 3, 3, 1]).sum([1, 2, 3]), x.slice([0, 0, 3, 0], [n, 3, 3, 1]).sum([1, 2, 3]), x.slice([0, 3, 0, 0], [n, 3, 3, 1]).sum([1, 2, 3])], 1);
    return { x, y: tf.oneHot(q.argMax(1), 3) as tf.Tensor2D };
  });
}

function cnn(): tf.LayersModel {
  const model = tf.sequential({
    layers: [
      tf.layers.conv2d({ inputShape: [6, 6, 1], filters: 4, kernelSize: 3, padding: 'same', useBias: false, kernelInitializer: tf.initializers.heNormal({ seed: 1 }) }),
      tf.layers.batchNormalization(),
      tf.layers.reLU(),
      tf.layers.conv2d({ filters: 6, kernelSize: 3, strides: 2, padding: 'same', kernelInitializer: tf.initializers.heNormal({ seed: 2 }) }),
      tf.layers.reLU(),
      tf.layers.globalAveragePooling2d({}),
      tf.layers.dense({ units: 3, activation: 'softmax', kernelInitializer: tf.initializers.glorotUniform({ seed: 3 }) }),
    ],
  });
  model.compile({ optimizer: tf.train.momentum(0.05, 0.9), loss: 'categoricalCrossentropy' });
  return model;
}

/** Every weight's bytes. */
async function weightBytes(model: tf.LayersModel): Promise<Buffer[]> {
  return Promise.all(model.weights.map(async (w) => Buffer.from(((await w.read().data()) as Float32Array).slice().buffer)));
}

function expectSameBytes(a: Buffer[], b: Buffer[]): void {
  expect(a.length).toBe(b.length);
  a.forEach((buf, i) => expect(buf.equals(b[i] as Buffer)).toBe(true));
}

/** A callback asserting, at every step, that training runs on webgpu. */
function onWebgpu(): tf.Callback & { steps: number } {
  return new (class extends tf.Callback {
    steps = 0;
    override async onBatchEnd(): Promise<void> {
      this.steps++;
      expect(tf.getBackend()).toBe('webgpu');
    }
  })();
}

describeWebgpu('training on webgpu (SwiftShader)', () => {
  beforeAll(async () => {
    await useWebgpu();
    dir = mkdtempSync(join(tmpdir(), 'autolrs-webgpu-'));
    const train = makeData(N, 5);
    const val = makeData(16, 6);
    data = { x: train.x, y: train.y, vx: val.x, vy: val.y };
  });
  afterAll(() => {
    if (data !== undefined) tf.dispose([data.x, data.y, data.vx, data.vy]);
    rmSync(dir, { recursive: true, force: true });
  });

  it('AutoLRS (reference strategy) in model.fit: searches (checkpoint, probes, restores, forecasts), trains, logs every step, leaks nothing', async () => {
    const model = cnn();
    const tuner = autoLRS({ strategy: 'reference', minLr: 1e-3, maxLr: 0.3, tau: 9, tauPrime: 3, k: 2, tauMax: 30, validationData: [data.vx, data.vy], validationSamples: 3, validationBatchSize: 16, seed: 3 });
    const path = join(dir, 'autolrs.jsonl');
    const log = stepLog({ path, autolrs: tuner, flushEvery: 5 });
    const check = onWebgpu();
    const tensorsBefore = tf.memory().numTensors;
    // 5 batches per epoch, 6 epochs = 30 steps: stage 1 (2 probes x 3 steps + 9 training
    // steps, training loss), then, tau' being tauMax / 10, stage 2 alike on the validation
    // loss. The search of stage 3 begins (a checkpoint, a validation baseline) as the data
    // ends, and the end of training restores that checkpoint.
    await model.fit(data.x, data.y, { batchSize: BATCH, epochs: 6, shuffle: false, verbose: 0, callbacks: [tuner, log, check] });
    expect(check.steps).toBe(30);

    expect(tuner.history.map((h) => [h.startStep, h.source])).toEqual([
      [0, 'train'],
      [15, 'validation'],
      [30, 'validation'],
    ]);
    for (const stage of tuner.history.slice(0, 2)) {
      expect(stage.trials).toHaveLength(2);
      for (const t of stage.trials) {
        expect(t.lr).toBeGreaterThanOrEqual(1e-3);
        expect(t.lr).toBeLessThanOrEqual(0.3);
        expect(Number.isFinite(t.forecast)).toBe(true);
      }
      expect(stage.trials.map((t) => t.lr)).toContain(stage.chosenLr);
    }
    const stats = tuner.stats;
    if (stats === null) throw new Error('expected AutoLRS stats after fit');
    expect(Number.isFinite(tuner.history[1]!.baselineLoss)).toBe(true);
    expect(stats.searchSteps).toBe(12);
    expect(stats.trainSteps).toBe(18);
    expect(stats.checkpoints).toBe(3);
    // Per stage: before probe 2, and before training; then the end of training.
    expect(stats.restores).toBe(5);
    expect(tuner.endState).toBe('restored-checkpoint');

    const { steps, epochs } = parseStepLog(readFileSync(path, 'utf8'));
    expect(steps.map((s) => s.step)).toEqual(Array.from({ length: 30 }, (_, i) => i));
    expect(epochs).toHaveLength(6);
    expect(new Set(steps.map((s) => s.phase))).toEqual(new Set(['search', 'train']));
    for (const s of steps) expect(Number.isFinite(s.loss)).toBe(true);
    // The LR each step used is the one the schedule set: probes at their trial LRs, then the chosen LR.
    const stage1 = tuner.history[0]!;
    const trainLrs = steps.filter((s) => s.phase === 'train' && s.stage === 1).map((s) => s.lr);
    expect(trainLrs).toHaveLength(9);
    for (const lr of trainLrs) expect(lr).toBeCloseTo(stage1.chosenLr as number, 6);

    // What remains is the model's and the momentum slots (one per trainable weight).
    expect(tf.memory().numTensors).toBe(tensorsBefore + model.trainableWeights.length);
    model.dispose();
  });

  it('AutoLRS (cooldown strategy, the default) in model.fit: probes on common batches, kept probe state, the budget, no leaks', async () => {
    const model = cnn();
    const tuner = autoLRS({
      data: { x: data.x, y: data.y },
      validationData: [data.vx, data.vy],
      minLr: 1e-3,
      maxLr: 0.3,
      totalSteps: 30,
      probeSteps: 3,
      k: 2,
      laterK: 2,
      stages: 2,
      scoreSize: 16,
      scoreBatchSize: 16,
      tolerance: 0, // the best probe is chosen
      seed: 3,
    });
    const check = onWebgpu();
    const tensorsBefore = tf.memory().numTensors;
    await model.fit(data.x, data.y, { batchSize: BATCH, epochs: 10, shuffle: false, verbose: 0, callbacks: [tuner, check] });
    // 30 gradient steps: 4 probes of 3 steps inside the callback, 18 steps of fit.
    expect(tuner.stats).toMatchObject({ gradientSteps: 30, searchSteps: 12, trainSteps: 18 });
    expect(check.steps).toBe(18);
    expect(tuner.done).toBe(true);
    expect(tuner.history).toHaveLength(2);
    for (const [i, stage] of tuner.history.entries()) {
      expect(stage.trials).toHaveLength(2);
      expect(Number.isFinite(stage.baseScore)).toBe(true);
      for (const t of stage.trials) expect(Number.isFinite(t.score)).toBe(true);
      const usable = stage.trials.filter((t) => t.note === undefined);
      if (usable.length > 0) {
        // Tolerance 0: the best probe's LR. The first search trains on from the model it started
        // from (trainFrom's default, 'checkpoint'); the second from the best probe's state.
        const best = usable.reduce((x, t) => (t.score < x.score ? t : x));
        expect(stage.chosenLr).toBe(best.lr);
        expect(stage.kept).toBe(i === 0 ? 'checkpoint' : 'probe');
        expect(stage.note).toBeUndefined();
      } else {
        // No probe beat the base score: training goes on from the checkpoint, below every LR tried.
        expect(stage.note).toMatch(/improved on the model/);
        expect(stage.chosenLr).toBeLessThan(Math.min(...stage.trials.map((t) => t.lr)));
      }
    }
    // Each kept probe keeps its 2 held steps (3 steps, the last 40 % decaying).
    const kept = tuner.history.filter((s) => s.kept === 'probe').length;
    expect(kept).toBeGreaterThan(0);
    expect(tuner.stats!.keptProbeSteps).toBe(2 * kept);
    expect(tf.memory().numTensors).toBe(tensorsBefore + model.trainableWeights.length);
    model.dispose();
  });

  it('a checkpoint restore gives bit-identical weights and optimizer state, and a saved training state reloads exactly', async () => {
    const model = cnn();
    const state = { variables: modelVariables(model), optimizer: model.optimizer };
    await model.fit(data.x, data.y, { batchSize: BATCH, epochs: 1, shuffle: false, verbose: 0 });
    const ckpt = Checkpoint.capture(state);
    const atCapture = await weightBytes(model);
    const saved = JSON.parse(JSON.stringify(await saveTrainingState(state)));

    await model.fit(data.x, data.y, { batchSize: BATCH, epochs: 1, shuffle: false, verbose: 0 });
    const moved = await weightBytes(model);
    expect(moved.some((b, i) => !b.equals(atCapture[i] as Buffer))).toBe(true);

    ckpt.restore();
    expectSameBytes(await weightBytes(model), atCapture);
    ckpt.dispose();

    // A fresh model on webgpu, loaded from the JSON, holds the same bytes, momentum included:
    // one more step from either gives the same weights.
    const other = cnn();
    const otherState = { variables: modelVariables(other), optimizer: other.optimizer };
    await other.fit(data.x.slice(0, BATCH), data.y.slice(0, BATCH), { batchSize: BATCH, epochs: 1, verbose: 0 }); // creates the momentum slots
    loadTrainingState(otherState, saved);
    expectSameBytes(await weightBytes(other), atCapture);
    const step = async (m: tf.LayersModel): Promise<void> => {
      await m.trainOnBatch(data.x.slice(0, BATCH), data.y.slice(0, BATCH));
    };
    await step(model);
    await step(other);
    expectSameBytes(await weightBytes(other), await weightBytes(model));
    model.dispose();
    other.dispose();
  });

  it('a baseline schedule (cosine annealing) with the step log: the LR of every step is the schedule\'s', async () => {
    const model = cnn();
    const schedule = cosineAnnealingLR({ tMax: 20, etaMin: 0.001 });
    const log = stepLog({ flushEvery: 4 });
    const check = onWebgpu();
    await model.fit(data.x, data.y, { batchSize: BATCH, epochs: 4, shuffle: false, verbose: 0, callbacks: [schedule, log, check] });
    expect(check.steps).toBe(20);
    const steps = log.records.filter((r) => r.type === 'step');
    expect(steps).toHaveLength(20);
    steps.forEach((s, t) => {
      expect(s.phase).toBe('schedule');
      expect(s.lr).toBeCloseTo(0.001 + ((0.05 - 0.001) * (1 + Math.cos((Math.PI * t) / 20))) / 2, 6);
      expect(Number.isFinite(s.loss)).toBe(true);
    });
    expect(schedule.stateDict()).toMatchObject({ schedule: 'CosineAnnealingLR', step: 20 });
    model.dispose();
  });
});
