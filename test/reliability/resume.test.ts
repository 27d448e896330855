/**
 * Resume after a crash: the state is saved at a step, the process "dies", and a fresh
 * model + callback continue from the saved JSON. The resumed run must end with the
 * same weights, bit for bit, as a run that was never interrupted.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { autoLRS, type AutoLRSArgs } from '../../src/scheduler/callback.js';
import { loadTrainingState, modelVariables, saveTrainingState } from '../../src/scheduler/checkpoint.js';
import { cosineAnnealingWarmRestarts } from '../../src/scheduler/schedules/index.js';

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

/** Calls `fn` after the callbacks before it have handled step `at` (1-based count of steps). */
function atStep(at: number, fn: () => Promise<void>): tf.Callback {
  let n = 0;
  return new (class extends tf.Callback {
    override async onBatchEnd(): Promise<void> {
      if (++n === at) await fn();
    }
  })();
}

// Warmup 4 steps; stage 1: 3 probes x 4 + 16 training steps (train loss); tau' reaches
// tauMax/10 at once, so stage 2 on forecasts validation loss (4 samples per probe).
const ARGS: AutoLRSArgs = {
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

describe.each([
  ['momentum', () => tf.train.momentum(0.01, 0.9)],
  ['adam', () => tf.train.adam(0.01)],
] as const)('AutoLRS resume with %s', (_name, optimizer) => {
  it('continues bit-exactly from saveState() at any step: warmup, search (train and validation loss) and training', async () => {
    const full = model(optimizer);
    const reference = autoLRS(ARGS);
    await full.fitDataset(steps(0, TOTAL), { epochs: 1, verbose: 0, callbacks: [reference] });
    const expected = await weights(full);
    const phases = new Set<string>();

    for (const cut of cutPoints()) {
      // First process: train to `cut`, save everything as JSON text.
      const m1 = model(optimizer);
      const t1 = autoLRS(ARGS);
      let saved = '';
      await m1.fitDataset(steps(0, cut), {
        epochs: 1,
        verbose: 0,
        callbacks: [
          t1,
          atStep(cut, async () => {
            phases.add(`${t1.phase}${t1.phase === 'search' ? `/${t1.history.at(-1)!.source}` : ''}`);
            const training = await saveTrainingState({ variables: modelVariables(m1), optimizer: m1.optimizer });
            saved = JSON.stringify({ training, tuner: await t1.saveState() });
          }),
        ],
      });
      m1.dispose();

      // Second process: a fresh model and callback continue from the JSON.
      const { training, tuner } = JSON.parse(saved);
      const m2 = model(optimizer);
      loadTrainingState({ variables: modelVariables(m2), optimizer: m2.optimizer }, training);
      const t2 = autoLRS(ARGS);
      t2.loadState(tuner);
      await m2.fitDataset(steps(cut, TOTAL), { epochs: 1, verbose: 0, callbacks: [t2] });
      const got = await weights(m2);
      expect(got.every((w, i) => w.equals(expected[i]!)), `cut at step ${cut}`).toBe(true);
      expect(t2.history, `history after a cut at step ${cut}`).toEqual(reference.history);
      m2.dispose();
    }
    expect([...phases].sort()).toEqual(['search/train', 'search/validation', 'train', 'warmup']);
    full.dispose();
  });
});

describe('AutoLRS resume from the tensor-free stateDict()', () => {
  it('is exact outside a search, and restarts an interrupted search from the saved model', async () => {
    const optimizer = () => tf.train.momentum(0.01, 0.9);
    const full = model(optimizer);
    const reference = autoLRS(ARGS);
    await full.fitDataset(steps(0, TOTAL), { epochs: 1, verbose: 0, callbacks: [reference] });
    const expected = await weights(full);

    for (const [cut, insideSearch] of [[2, false], [20, false], [7, true]] as const) {
      const m1 = model(optimizer);
      const t1 = autoLRS(ARGS);
      let saved = '';
      await m1.fitDataset(steps(0, cut), {
        epochs: 1,
        verbose: 0,
        callbacks: [t1, atStep(cut, async () => {
          const training = await saveTrainingState({ variables: modelVariables(m1), optimizer: m1.optimizer });
          saved = JSON.stringify({ training, tuner: t1.stateDict() });
        })],
      });
      m1.dispose();
      const { training, tuner } = JSON.parse(saved);
      const m2 = model(optimizer);
      loadTrainingState({ variables: modelVariables(m2), optimizer: m2.optimizer }, training);
      const t2 = autoLRS(ARGS);
      t2.loadStateDict(tuner);
      await m2.fitDataset(steps(cut, TOTAL), { epochs: 1, verbose: 0, callbacks: [t2] });
      const same = (await weights(m2)).every((w, i) => w.equals(expected[i]!));
      expect(same, `cut at step ${cut}`).toBe(!insideSearch);
      if (insideSearch) {
        // The documented difference: the interrupted stage's search restarts at the cut.
        expect(t2.history[0]!.startStep).toBe(cut);
        expect(t2.history[0]!.trials).toHaveLength(3);
      }
      m2.dispose();
    }
    full.dispose();
  });
});

describe('baseline schedule resume', () => {
  it('continues bit-exactly from stateDict() plus the training state', async () => {
    const optimizer = () => tf.train.momentum(0.05, 0.9);
    const make = () => cosineAnnealingWarmRestarts({ lr: 0.05, t0: 10, tMult: 2, etaMin: 1e-3 });
    const full = model(optimizer);
    await full.fitDataset(steps(0, 60), { epochs: 1, verbose: 0, callbacks: [make()] });
    const expected = await weights(full);
    for (const cut of [1, 9, 10, 11, 29, 30, 45]) {
      const m1 = model(optimizer);
      const s1 = make();
      let saved = '';
      await m1.fitDataset(steps(0, cut), {
        epochs: 1,
        verbose: 0,
        callbacks: [s1, atStep(cut, async () => {
          const training = await saveTrainingState({ variables: modelVariables(m1), optimizer: m1.optimizer });
          saved = JSON.stringify({ training, schedule: s1.stateDict() });
        })],
      });
      m1.dispose();
      const { training, schedule } = JSON.parse(saved);
      const m2 = model(optimizer);
      loadTrainingState({ variables: modelVariables(m2), optimizer: m2.optimizer }, training);
      const s2 = make();
      s2.loadStateDict(schedule);
      await m2.fitDataset(steps(cut, 60), { epochs: 1, verbose: 0, callbacks: [s2] });
      expect((await weights(m2)).every((w, i) => w.equals(expected[i]!)), `cut at step ${cut}`).toBe(true);
      m2.dispose();
    }
    full.dispose();
  });
});
