/**
 * Failure behaviour: no leaks over many stages with diverging trials, and a model that
 * is never left inside a probe when training stops early, runs out of data, or throws.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { autoLRS, type AutoLRS } from '../../src/scheduler/callback.js';
import type { LrSearchFactory } from '../../src/scheduler/reference/controller.js';
import { atStep } from '../helpers/training.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

function problem(n: number, seed: number): { x: tf.Tensor2D; y: tf.Tensor2D } {
  return tf.tidy(() => {
    const x = tf.randomNormal([n, 8], 0, 1, 'float32', seed) as tf.Tensor2D;
    const w = tf.randomNormal([8, 3], 0, 1, 'float32', 99);
    return { x, y: tf.oneHot(tf.argMax(tf.matMul(x, w), 1), 3) as tf.Tensor2D };
  });
}

function mlp(): tf.LayersModel {
  const m = tf.sequential({
    layers: [
      tf.layers.dense({ inputShape: [8], units: 16, activation: 'relu', kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }) }),
      tf.layers.dense({ units: 3, activation: 'softmax', kernelInitializer: tf.initializers.glorotUniform({ seed: 2 }) }),
    ],
  });
  m.compile({ optimizer: tf.train.momentum(0.02, 0.9), loss: 'categoricalCrossentropy' });
  return m;
}

async function weights(m: tf.LayersModel): Promise<Buffer[]> {
  return Promise.all(m.weights.map(async (w) => Buffer.from(((await w.read().data()) as Float32Array).buffer)));
}
const same = (a: Buffer[], b: Buffer[]) => a.length === b.length && a.every((w, i) => w.equals(b[i]!));

/** Proposes, stage by stage, the LRs listed (1e30 makes the loss NaN; 40 makes it explode). */
function scripted(perStage: number[][]): LrSearchFactory {
  return ({ stage }) => {
    let i = 0;
    const lrs = perStage[(stage - 1) % perStage.length]!;
    return { ask: () => lrs[i++ % lrs.length]!, tell: () => {}, stateDict: () => ({ i }), loadStateDict: (s) => void (i = (s as { i: number }).i) };
  };
}

/** Records, before each step, the weights at the start of each stage's search. */
function searchStarts(tuner: AutoLRS, model: tf.LayersModel): { byStage: Map<number, Buffer[]>; cb: tf.Callback } {
  const byStage = new Map<number, Buffer[]>();
  const cb = new (class extends tf.Callback {
    override async onBatchBegin(): Promise<void> {
      if (tuner.phase === 'search' && !byStage.has(tuner.stage)) byStage.set(tuner.stage, await weights(model));
    }
  })();
  return { byStage, cb };
}

describe('memory over many stages with diverging trials', () => {
  it('does not grow in tensors or bytes across 5 stages, and frees everything at the end', async () => {
    const { x, y } = problem(1024, 4);
    const model = mlp();
    // Stage 2 probes a NaN LR, stage 3 an exploding one, stage 4 diverges entirely.
    const search = scripted([[0.05, 0.01, 0.2], [1e30, 0.05, 0.01], [40, 0.02, 0.1], [1e30, 1e29, 1e30], [0.01, 0.05, 1e30]]);
    const tuner = autoLRS({ strategy: 'reference', minLr: 1e-3, maxLr: 1e31, tau: 10, tauPrime: 3, k: 3, tauMax: 10, search });
    const atStageStart = new Map<number, { numTensors: number; numBytes: number }>();
    const probe = new (class extends tf.Callback {
      override async onBatchBegin(): Promise<void> {
        if (!atStageStart.has(tuner.stage)) atStageStart.set(tuner.stage, { numTensors: tf.memory().numTensors, numBytes: tf.memory().numBytes });
      }
    })();
    const before = tf.memory();
    // 19 steps a stage; 128 steps in one epoch reach stage 7.
    await model.fit(x, y, { batchSize: 8, epochs: 1, shuffle: false, verbose: 0, callbacks: [tuner, probe] });
    expect(tuner.stage).toBeGreaterThanOrEqual(6);
    const notes = tuner.history.map((h) => h.trials.map((t) => t.note ?? 'ok'));
    // The NaN probe gets the penalty; the others are judged (by forecast or measured loss).
    expect(notes[1]![0]).toBe('nan-penalty');
    for (const note of notes[1]!.slice(1)) expect(note).not.toMatch(/nan-penalty|diverged/);
    expect(notes[2]![0]).toMatch(/diverged|nan-penalty/);
    expect(notes[3]).toEqual(['nan-penalty', 'nan-penalty', 'nan-penalty']);
    expect(tuner.history[3]!.note).toMatch(/every trial of stage 4 diverged/);
    expect(tuner.history[3]!.chosenLr).toBe(tuner.history[2]!.chosenLr);
    // Stage 2 starts after stage 1 (first optimizer slots exist); every later stage start matches it.
    for (const s of [3, 4, 5, 6]) expect(atStageStart.get(s), `stage ${s}`).toEqual(atStageStart.get(2));
    for (const w of await weights(model)) expect(new Float32Array(w.buffer, w.byteOffset, w.byteLength / 4).every(Number.isFinite)).toBe(true);
    // After fit: only the optimizer's momentum slots (one per trainable weight) were added.
    const after = tf.memory();
    const slotBytes = model.trainableWeights.reduce((s, w) => s + (w.shape as number[]).reduce((a, b) => a * b, 1) * 4, 0);
    expect(after.numTensors).toBe(before.numTensors + model.trainableWeights.length);
    expect(after.numBytes).toBe(before.numBytes + slotBytes);
    tf.dispose([x, y]);
    model.dispose();
  });
});

describe('training that ends inside a search', () => {
  const ARGS = { strategy: 'reference', minLr: 1e-3, maxLr: 0.5, tau: 20, tauPrime: 4, k: 3 } as const;

  it('model.stopTraining inside a probe: the model is restored to the checkpoint', async () => {
    const { x, y } = problem(512, 5);
    const model = mlp();
    const tuner = autoLRS(ARGS);
    const starts = searchStarts(tuner, model);
    const stopper = atStep(32 + 6, () => void (model.stopTraining = true)); // stage 2, inside its second probe
    await model.fit(x, y, { batchSize: 8, epochs: 1, shuffle: false, verbose: 0, callbacks: [tuner, starts.cb, stopper] });
    expect(tuner.globalStep).toBe(38);
    expect(tuner.phase).toBe('search');
    expect(tuner.endState).toBe('restored-checkpoint');
    expect(same(await weights(model), starts.byStage.get(2)!)).toBe(true);
    tf.dispose([x, y]);
    model.dispose();
  });

  it('the end of a finite dataset inside a probe: restored too; outside a search the model stays trained', async () => {
    const { x, y } = problem(512, 6);
    for (const [batches, inside] of [[32 + 9, true], [32 + 24 + 5, false]] as const) {
      const model = mlp();
      const tuner = autoLRS(ARGS);
      const starts = searchStarts(tuner, model);
      const ds = tf.data.zip({ xs: tf.data.array(x.unstack()), ys: tf.data.array(y.unstack()) }).batch(8).take(batches);
      await model.fitDataset(ds as tf.data.Dataset<tf.TensorContainer>, { epochs: 1, verbose: 0, callbacks: [tuner, starts.cb] });
      expect(tuner.endState).toBe(inside ? 'restored-checkpoint' : 'trained');
      expect(same(await weights(model), starts.byStage.get(2)!)).toBe(inside);
      model.dispose();
    }
    tf.dispose([x, y]);
  });

  it('an exception inside a probe: recover() restores the checkpoint and says so; a later fit resumes cleanly', async () => {
    const { x, y } = problem(512, 7);
    const model = mlp();
    const tuner = autoLRS(ARGS);
    const starts = searchStarts(tuner, model);
    const thrower = atStep(32 + 5, () => {
      throw new Error('disk full');
    });
    await expect(model.fit(x, y, { batchSize: 8, epochs: 1, verbose: 0, callbacks: [tuner, starts.cb, thrower] })).rejects.toThrow('disk full');
    // tfjs skipped onTrainEnd: the model is inside a probe until recover().
    expect(same(await weights(model), starts.byStage.get(2)!)).toBe(false);
    expect(await tuner.recover()).toBe('restored-checkpoint');
    expect(tuner.endState).toBe('restored-checkpoint');
    expect(same(await weights(model), starts.byStage.get(2)!)).toBe(true);

    // The next fit (without the thrower) restarts the interrupted search from the model as it is.
    await model.fit(x, y, { batchSize: 8, epochs: 1, shuffle: false, verbose: 0, callbacks: [tuner] });
    expect(tuner.history[1]!.startStep).toBe(37);
    expect(tuner.history[1]!.trials).toHaveLength(3);
    tf.dispose([x, y]);
    model.dispose();
  });

  it('restores by itself at the next fit when recover() was not called', async () => {
    const { x, y } = problem(256, 8);
    const model = mlp();
    const tuner = autoLRS(ARGS);
    const starts = searchStarts(tuner, model);
    const thrower = atStep(6, () => {
      throw new Error('interrupted');
    });
    await expect(model.fit(x, y, { batchSize: 8, epochs: 1, verbose: 0, callbacks: [tuner, starts.cb, thrower] })).rejects.toThrow('interrupted');
    let firstStepWeights: Buffer[] = [];
    const probe = new (class extends tf.Callback {
      override async onBatchBegin(): Promise<void> {
        if (firstStepWeights.length === 0) firstStepWeights = await weights(model);
      }
    })();
    await model.fit(x, y, { batchSize: 8, epochs: 1, shuffle: false, verbose: 0, callbacks: [tuner, probe] });
    expect(same(firstStepWeights, starts.byStage.get(1)!)).toBe(true);
    tf.dispose([x, y]);
    model.dispose();
  });
});

describe('errors at the start', () => {
  it('an uncompiled model fails before any step', async () => {
    const { x, y } = problem(16, 9);
    const model = tf.sequential({ layers: [tf.layers.dense({ inputShape: [8], units: 3 })] });
    await expect(model.fit(x, y, { epochs: 1, verbose: 0, callbacks: [autoLRS({ strategy: 'reference', minLr: 1e-3, maxLr: 0.1 })] })).rejects.toThrow(/compile/);
    tf.dispose([x, y]);
    model.dispose();
  });
});
