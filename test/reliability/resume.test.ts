/**
 * Resume after a crash: the state is saved at a step, the process "dies", and a fresh
 * model + callback continue from the saved JSON. The resumed run must end with the
 * same weights, bit for bit, as a run that was never interrupted.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { autoLRS, type AutoLRSArgs } from '../../src/scheduler/callback.js';
import { loadTrainingState, modelVariables, saveTrainingState } from '../../src/state/checkpoint.js';
import { cosineAnnealingWarmRestarts } from '../../src/schedules/index.js';
import { atStep } from '../helpers/training.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const TOTAL = 110;
const BATCH = 8;

const pool = tf.tidy(() => {
  const x = tf.randomNormal([64, 6], 0, 1, 'float32', 21);
  const w = tf.randomNormal([6, 3], 0, 1, 'float32', 22);
  return { x, y: tf.oneHot(tf.argMax(tf.matMul(x, w), 1), 3) };
});
const validation: [tf.Tensor, tf.Tensor] = tf.tidy(() => {
  const x = tf.randomNormal([32, 6], 0, 1, 'float32', 23);
  const w = tf.randomNormal([6, 3], 0, 1, 'float32', 22);
  return [x, tf.oneHot(tf.argMax(tf.matMul(x, w), 1), 3)];
});

/** Batch i of the fixed training order. */
function batch(i: number): { xs: tf.Tensor; ys: tf.Tensor } {
  const start = (i * BATCH) % 64;
  return { xs: pool.x.slice([start, 0], [BATCH, 6]), ys: pool.y.slice([start, 0], [BATCH, 3]) };
}

function steps(from: number, to: number): tf.data.Dataset<tf.TensorContainer> {
  return tf.data.generator(function* () {
    for (let i = from; i < to; i++) yield batch(i);
  }) as unknown as tf.data.Dataset<tf.TensorContainer>;
}

function model(optimizer: () => tf.Optimizer): tf.LayersModel {
  const m = tf.sequential({
    layers: [
      tf.layers.dense({ inputShape: [6], units: 12, kernelInitializer: tf.initializers.glorotUniform({ seed: 31 }) }),
      tf.layers.batchNormalization(),
      tf.layers.activation({ activation: 'relu' }),
      tf.layers.dense({ units: 3, activation: 'softmax', kernelInitializer: tf.initializers.glorotUniform({ seed: 32 }) }),
    ],
  });
  m.compile({ optimizer: optimizer(), loss: 'categoricalCrossentropy' });
  return m;
}

async function weights(m: tf.LayersModel): Promise<Buffer[]> {
  return Promise.all(m.weights.map(async (w) => Buffer.from((await w.read().data() as Float32Array).buffer)));
}

// Warmup 4 steps; stage 1: 3 probes x 4 + 16 training steps (train loss); tau' reaches
// tauMax/10 at once, so stage 2 on forecasts validation loss (4 samples per probe).
const ARGS: AutoLRSArgs & { strategy: 'reference' } = {
  strategy: 'reference',
  minLr: 1e-3,
  maxLr: 0.5,
  tau: 16,
  tauPrime: 4,
  k: 3,
  tauMax: 16,
  validationSamples: 4,
  warmupSteps: 4,
  warmupLr: 0.05,
  validationData: validation,
  seed: 5,
};

/** Seeded cut points: some in each phase. */
function cutPoints(): number[] {
  let s = 12345;
  const rand = () => ((s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const cuts = new Set([1, 3, 4, 5, 9, 16, 17, 30, 32, 33, 40, 47]);
  while (cuts.size < 16) cuts.add(1 + Math.floor(rand() * (TOTAL - 2)));
  return [...cuts].sort((a, b) => a - b);
}

/** Trains a fresh model with `callback` for `total` steps, uninterrupted. */
async function uninterrupted<C extends tf.Callback>(optimizer: () => tf.Optimizer, callback: C, total: number): Promise<Buffer[]> {
  const m = model(optimizer);
  await m.fitDataset(steps(0, total), { epochs: 1, verbose: 0, callbacks: [callback] });
  const w = await weights(m);
  m.dispose();
  return w;
}

/**
 * A crash at step `cut`: a first "process" trains to `cut` and saves the training state
 * and `save(callback)` as JSON text; a second one builds a fresh model and callback,
 * loads both (`load`) and trains on to `total`. Returns the second one's weights and callback.
 */
async function interruptAndResume<C extends tf.Callback>(o: {
  optimizer: () => tf.Optimizer;
  callback: () => C;
  cut: number;
  total: number;
  save: (c: C) => unknown;
  load: (c: C, saved: unknown) => void;
  /** Called with the first process's callback at the moment of saving. */
  onSave?: (c: C) => void;
}): Promise<{ weights: Buffer[]; callback: C }> {
  const m1 = model(o.optimizer);
  const c1 = o.callback();
  let saved = '';
  const saver = atStep(o.cut, async () => {
    o.onSave?.(c1);
    const training = await saveTrainingState({ variables: modelVariables(m1), optimizer: m1.optimizer });
    saved = JSON.stringify({ training, callback: await o.save(c1) });
  });
  await m1.fitDataset(steps(0, o.cut), { epochs: 1, verbose: 0, callbacks: [c1, saver] });
  m1.dispose();

  const { training, callback } = JSON.parse(saved);
  const m2 = model(o.optimizer);
  loadTrainingState({ variables: modelVariables(m2), optimizer: m2.optimizer }, training);
  const c2 = o.callback();
  o.load(c2, callback);
  await m2.fitDataset(steps(o.cut, o.total), { epochs: 1, verbose: 0, callbacks: [c2] });
  const w = await weights(m2);
  m2.dispose();
  return { weights: w, callback: c2 };
}

const sameWeights = (a: Buffer[], b: Buffer[]) => a.every((w, i) => w.equals(b[i]!));

describe.each([
  ['momentum', () => tf.train.momentum(0.01, 0.9)],
  ['adam', () => tf.train.adam(0.01)],
] as const)('AutoLRS resume with %s', (_name, optimizer) => {
  it('continues bit-exactly from saveState() at any step: warmup, search (train and validation loss) and training', async () => {
    const reference = autoLRS(ARGS);
    const expected = await uninterrupted(optimizer, reference, TOTAL);
    const phases = new Set<string>();
    for (const cut of cutPoints()) {
      const resumed = await interruptAndResume({
        optimizer,
        callback: () => autoLRS(ARGS),
        cut,
        total: TOTAL,
        save: (t) => t.saveState(),
        load: (t, saved) => t.loadState(saved as never),
        onSave: (t) => phases.add(`${t.phase}${t.phase === 'search' ? `/${t.history.at(-1)!.source}` : ''}`),
      });
      expect(sameWeights(resumed.weights, expected), `cut at step ${cut}`).toBe(true);
      expect(resumed.callback.history, `history after a cut at step ${cut}`).toEqual(reference.history);
    }
    expect([...phases].sort()).toEqual(['search/train', 'search/validation', 'train', 'warmup']);
  });
});

describe('AutoLRS resume from the tensor-free stateDict()', () => {
  it('is exact outside a search, and restarts an interrupted search from the saved model', async () => {
    const optimizer = () => tf.train.momentum(0.01, 0.9);
    const expected = await uninterrupted(optimizer, autoLRS(ARGS), TOTAL);
    for (const [cut, insideSearch] of [[2, false], [20, false], [7, true]] as const) {
      const resumed = await interruptAndResume({
        optimizer,
        callback: () => autoLRS(ARGS),
        cut,
        total: TOTAL,
        save: (t) => t.stateDict(),
        load: (t, saved) => t.loadStateDict(saved as never),
      });
      expect(sameWeights(resumed.weights, expected), `cut at step ${cut}`).toBe(!insideSearch);
      if (insideSearch) {
        // The documented difference: the interrupted stage's search restarts at the cut.
        expect(resumed.callback.history[0]!.startStep).toBe(cut);
        expect(resumed.callback.history[0]!.trials).toHaveLength(3);
      }
    }
  });
});

describe('baseline schedule resume', () => {
  it('continues bit-exactly from stateDict() plus the training state', async () => {
    const optimizer = () => tf.train.momentum(0.05, 0.9);
    const make = () => cosineAnnealingWarmRestarts({ lr: 0.05, t0: 10, tMult: 2, etaMin: 1e-3 });
    const expected = await uninterrupted(optimizer, make(), 60);
    for (const cut of [1, 9, 10, 11, 29, 30, 45]) {
      const resumed = await interruptAndResume({
        optimizer,
        callback: make,
        cut,
        total: 60,
        save: (s) => s.stateDict(),
        load: (s, saved) => s.loadStateDict(saved as never),
      });
      expect(sameWeights(resumed.weights, expected), `cut at step ${cut}`).toBe(true);
    }
  });
});

describe('AutoLRS resume into a callback that already trained', () => {
  it('loads a saved search checkpoint into the optimizer the model was compiled with since', async () => {
    const adam = () => tf.train.adam(0.01);
    const expected = await uninterrupted(adam, autoLRS(ARGS), TOTAL);
    // Saved at step 9, inside stage 1's second probe. The callback that resumes first
    // trained the model with SGD; the model is then compiled with Adam and the state loaded.
    const m1 = model(adam);
    const c1 = autoLRS(ARGS);
    let saved = '';
    const saver = atStep(9, async () => {
      const training = await saveTrainingState({ variables: modelVariables(m1), optimizer: m1.optimizer });
      saved = JSON.stringify({ training, callback: await c1.saveState() });
    });
    await m1.fitDataset(steps(0, 9), { epochs: 1, verbose: 0, callbacks: [c1, saver] });
    m1.dispose();
    const { training, callback } = JSON.parse(saved);
    const m2 = model(() => tf.train.sgd(0.1));
    const c2 = autoLRS(ARGS);
    await m2.fitDataset(steps(0, 3), { epochs: 1, verbose: 0, callbacks: [c2] });
    m2.compile({ optimizer: adam(), loss: 'categoricalCrossentropy' });
    loadTrainingState({ variables: modelVariables(m2), optimizer: m2.optimizer }, training);
    c2.loadState(callback);
    expect((await c2.saveState())!.controller).toEqual(callback.controller);
    await m2.fitDataset(steps(9, TOTAL), { epochs: 1, verbose: 0, callbacks: [c2] });
    expect(sameWeights(await weights(m2), expected)).toBe(true);
    m2.dispose();
  });
});

describe('AutoLRS resume, cooldown strategy', () => {
  // 110 gradient steps: stage 1 probes 3 LRs, stage 2 probes 2, 4 steps each (20 probe steps,
  // run inside the callback); the fit takes the other 90 steps; the final cooldown from step 72.
  const cooldownArgs = () =>
    autoLRS({ data: { x: pool.x, y: pool.y }, validationData: validation, minLr: 1e-3, maxLr: 0.5, totalSteps: 110, batchSize: BATCH, stages: 2, k: 3, laterK: 2, probeSteps: 4, seed: 5 });

  it.each([
    ['momentum', () => tf.train.momentum(0.01, 0.9)],
    ['adam', () => tf.train.adam(0.01)],
  ] as const)('continues bit-exactly from saveState() after any training step (%s)', async (_name, optimizer) => {
    const reference = cooldownArgs();
    const expected = await uninterrupted(optimizer, reference, 200);
    expect(reference.stats!.gradientSteps).toBe(110);
    expect(reference.stats!.trainSteps).toBe(90);
    const phases = new Set<string>();
    for (const cut of [1, 2, 17, 30, 31, 55, 70, 89]) {
      const resumed = await interruptAndResume({
        optimizer,
        callback: cooldownArgs,
        cut,
        total: 200,
        save: (t) => t.saveState(),
        load: (t, saved) => t.loadState(saved as never),
        onSave: (t) => phases.add(`${t.phase}/${t.stage}`),
      });
      expect(sameWeights(resumed.weights, expected), `cut at step ${cut}`).toBe(true);
      expect(resumed.callback.history, `history after a cut at step ${cut}`).toEqual(reference.history);
      expect(resumed.callback.stats!.gradientSteps).toBe(110);
    }
    // Cuts fell in training before and after the second search (a search runs whole inside
    // one step's callback, so no cut falls in one), and in the final cooldown.
    expect([...phases].sort()).toEqual(['cooldown/2', 'train/1', 'train/2']);
  });
});
