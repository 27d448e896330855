import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { AutoLRS, autoLRS } from '../../src/scheduler/callback.js';
import { modelVariables } from '../../src/state/checkpoint.js';
import type { LrSearchFactory } from '../../src/scheduler/reference/controller.js';
import { AutoLRSDriver } from '../../src/scheduler/reference/driver.js';
import { lrRangeTest } from '../../src/schedules/lr-range-test.js';
import { getLearningRate } from '../../src/state/lr.js';
import { data, mlp, recordAppliedLr } from '../helpers/training.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

async function weights(model: tf.LayersModel): Promise<Float32Array[]> {
  return Promise.all(model.weights.map(async (w) => new Float32Array(await w.read().data())));
}

const same = (a: Float32Array[], b: Float32Array[]) =>
  a.length === b.length && a.every((w, i) => Buffer.from(w.buffer).equals(Buffer.from(b[i]!.buffer)));

const { x, y } = data();

describe('autoLRS in model.fit', () => {
  it('probes each trial LR for tau\' steps, then trains tau steps at the trial LR with the lowest forecast', async () => {
    const model = mlp();
    const used = recordAppliedLr(model.optimizer);
    const tuner = autoLRS({ strategy: 'reference', minLr: 1e-3, maxLr: 0.5, tau: 20, tauPrime: 4, k: 3, tauMax: 1000 });
    // 8 steps per epoch; stage 1 = 12 + 20 steps, stage 2 = 24 + 40 steps.
    await model.fit(x, y, { batchSize: 8, epochs: 12, shuffle: false, verbose: 0, callbacks: [tuner] });
    expect(used).toHaveLength(96);
    const [s1, s2] = tuner.history;
    expect(s1!.trials).toHaveLength(3);
    // Probe steps use the trial LRs in order.
    const probeLrs1 = s1!.trials.flatMap((t) => Array(4).fill(t.lr));
    expect(used.slice(0, 12)).toEqual(probeLrs1);
    // The chosen LR is the trial with the lowest forecast, and it is what trains.
    const best1 = s1!.trials.reduce((a, b) => (b.told < a.told ? b : a)).lr;
    expect(s1!.chosenLr).toBe(best1);
    expect(used.slice(12, 32).every((lr) => lr === best1)).toBe(true);
    // Stage 2 doubled tau and tau'.
    expect(s2).toMatchObject({ tau: 40, tauPrime: 8, startStep: 32 });
    const best2 = s2!.trials.reduce((a, b) => (b.told < a.told ? b : a)).lr;
    expect(used.slice(32, 56)).toEqual(s2!.trials.flatMap((t) => Array(8).fill(t.lr)));
    expect(used.slice(56, 96).every((lr) => lr === best2)).toBe(true);
    // Every forecast is a finite number within the loss scale, and every LR within bounds.
    for (const t of [...s1!.trials, ...s2!.trials]) {
      expect(Number.isFinite(t.forecast)).toBe(true);
      expect(t.lr).toBeGreaterThanOrEqual(1e-3);
      expect(t.lr).toBeLessThanOrEqual(0.5);
    }
    expect(tuner.events.filter((e) => e.type === 'trialEnd')).toHaveLength(6);
    // Stage 3's search began at step 96 (third checkpoint); onTrainEnd restored it (7th restore).
    expect(tuner.stats).toMatchObject({ searchSteps: 36, trainSteps: 60, checkpoints: 3, restores: 7 });
    expect(tuner.endState).toBe('restored-checkpoint');
    model.dispose();
  });

  it('rolls the model back: each trial and the training phase start from the search checkpoint, bit for bit', async () => {
    const model = mlp(tf.train.adam(0.01));
    const tuner = autoLRS({ strategy: 'reference', minLr: 1e-3, maxLr: 0.1, tau: 20, tauPrime: 4, k: 3 });
    const starts: Array<{ phase: string; stage: number; w: Float32Array[] }> = [];
    let last = '';
    const probe = new (class extends tf.Callback {
      override async onBatchBegin(): Promise<void> {
        const key = `${tuner.stage}/${tuner.phase}/${tuner.history.at(-1)?.trials.length ?? 0}`;
        if (key !== last) starts.push({ phase: tuner.phase, stage: tuner.stage, w: await weights(model) });
        last = key;
      }
    })();
    await model.fit(x, y, { batchSize: 8, epochs: 4, shuffle: false, verbose: 0, callbacks: [tuner, probe] });
    const stage1 = starts.filter((s) => s.stage === 1);
    expect(stage1.map((s) => s.phase)).toEqual(['search', 'search', 'search', 'train']);
    for (const s of stage1.slice(1)) expect(same(s.w, stage1[0]!.w)).toBe(true);
    model.dispose();
  });

  it('uses the same number of tensors after stage 3 as after stage 1', async () => {
    // One epoch: tfjs's fit itself holds one more tensor per epoch until it returns.
    const big = data(2048, 5);
    const model = mlp();
    const tuner = autoLRS({ strategy: 'reference', minLr: 1e-3, maxLr: 0.5, tau: 20, tauPrime: 3, k: 3, tauMax: 1000 });
    const counts = new Map<number, number>();
    const beforeFit = tf.memory().numTensors;
    const probe = new (class extends tf.Callback {
      override async onBatchBegin(): Promise<void> {
        if (!counts.has(tuner.stage)) counts.set(tuner.stage, tf.memory().numTensors);
      }
    })();
    // Stages: 9+20, 18+40, 36+80 steps: stage 2 begins at step 29 (after stage 1), stage 4 at step 203 (after stage 3).
    await model.fit(big.x, big.y, { batchSize: 8, epochs: 1, shuffle: false, verbose: 0, callbacks: [tuner, probe] });
    expect(tuner.history.map((h) => h.startStep).slice(0, 4)).toEqual([0, 29, 87, 203]);
    expect(counts.get(4)).toBe(counts.get(2));
    // After fit, the checkpoint and the recorded losses are gone: only the optimizer's
    // momentum slots (one per weight), created by the first step, remain.
    expect(tf.memory().numTensors).toBe(beforeFit + model.trainableWeights.length);
    tf.dispose([big.x, big.y]);
    model.dispose();
  });

  it('survives a NaN trial: tells it the penalty, restores, and never trains at that LR', async () => {
    const model = mlp(tf.train.sgd(0.01));
    const lrs = [1e30, 0.05, 0.01];
    const search: LrSearchFactory = () => {
      let i = 0;
      return { ask: () => lrs[i++]!, tell: () => {}, stateDict: () => ({ i }), loadStateDict: () => {} };
    };
    const tuner = autoLRS({ strategy: 'reference', minLr: 1e-3, maxLr: 1e31, tau: 20, tauPrime: 4, k: 3, search });
    const used = recordAppliedLr(model.optimizer);
    await model.fit(x, y, { batchSize: 8, epochs: 4, shuffle: false, verbose: 0, callbacks: [tuner] });
    const t0 = tuner.history[0]!.trials[0]!;
    expect(t0.lr).toBe(1e30);
    expect(t0.forecast).toBeNaN();
    expect(t0.told).toBe(1e6);
    expect(t0.note).toBe('nan-penalty');
    expect(tuner.history[0]!.chosenLr).not.toBe(1e30);
    expect(used.slice(12).every((lr) => lr !== 1e30)).toBe(true);
    for (const w of await weights(model)) expect(w.every(Number.isFinite)).toBe(true);
    model.dispose();
  });

  it('leaves the model at the checkpoint when fit ends inside a probe, and says so', async () => {
    const model = mlp();
    const tuner = autoLRS({ strategy: 'reference', minLr: 1e-3, maxLr: 0.5, tau: 20, tauPrime: 4, k: 3 });
    let atCheckpoint: Float32Array[] = [];
    const probe = new (class extends tf.Callback {
      override async onBatchBegin(): Promise<void> {
        if (tuner.stage === 2 && atCheckpoint.length === 0) atCheckpoint = await weights(model);
      }
    })();
    // Stage 2 begins at step 32; 5 epochs = 40 steps end inside its second probe.
    await model.fit(x, y, { batchSize: 8, epochs: 5, shuffle: false, verbose: 0, callbacks: [tuner, probe] });
    expect(tuner.phase).toBe('search');
    expect(tuner.endState).toBe('restored-checkpoint');
    expect(same(await weights(model), atCheckpoint)).toBe(true);
    model.dispose();
  });

  it('reads the device once per probe and not per step', async () => {
    const count = { n: 0 };
    const proto = tf.Tensor.prototype as unknown as Record<string, (...a: unknown[]) => unknown>;
    const originals = Object.fromEntries(['data', 'dataSync', 'array', 'arraySync'].map((k) => [k, proto[k]!]));
    for (const k of Object.keys(originals)) {
      proto[k] = function (this: unknown, ...a: unknown[]) {
        count.n++;
        return originals[k]!.apply(this, a);
      };
    }
    try {
      const run = async (callbacks: tf.Callback[]) => {
        const model = mlp();
        count.n = 0;
        await model.fit(x, y, { batchSize: 8, epochs: 4, shuffle: false, verbose: 0, callbacks });
        model.dispose();
        return count.n;
      };
      const plain = await run([]);
      const tuner = autoLRS({ strategy: 'reference', minLr: 1e-3, maxLr: 0.5, tau: 20, tauPrime: 4, k: 3 });
      const withTuner = await run([tuner]);
      // 32 steps: stage 1 (3 probes) ends at step 32.
      expect(tuner.history[0]!.trials).toHaveLength(3);
      expect(withTuner - plain).toBe(3);
      expect(tuner.stats!.hostReads).toBe(3);
    } finally {
      Object.assign(proto, originals);
    }
  });

  it('works with fitDataset: the probe and chosen LRs reach the optimizer at the right steps, across epochs', async () => {
    const model = mlp();
    const used = recordAppliedLr(model.optimizer);
    const ds = tf.data.zip({ xs: tf.data.array(x.unstack()), ys: tf.data.array(y.unstack()) }).batch(8);
    const tuner = autoLRS({ strategy: 'reference', minLr: 1e-3, maxLr: 0.5, tau: 10, tauPrime: 3, k: 2 });
    await model.fitDataset(ds as tf.data.Dataset<tf.TensorContainer>, { epochs: 3, verbose: 0, callbacks: [tuner] });
    // 3 epochs of 8 batches. Stage 1: probes at steps 0-2 and 3-5, training 6-15.
    // Stage 2 (tau' = 6): its first probe at steps 16-21, the second from step 22 on.
    expect(tuner.globalStep).toBe(24);
    const [s1, s2] = tuner.history;
    expect(s1!.trials).toHaveLength(2);
    const best = s1!.trials.reduce((a, b) => (b.told < a.told ? b : a)).lr;
    expect(s1!.chosenLr).toBe(best);
    expect(s2).toMatchObject({ startStep: 16, tau: 20, tauPrime: 6 });
    expect(s2!.trials).toHaveLength(1);
    expect(tuner.phase).toBe('search');
    expect(tuner.lr).not.toBe(s2!.trials[0]!.lr);
    expect(used).toEqual([
      ...Array(3).fill(s1!.trials[0]!.lr),
      ...Array(3).fill(s1!.trials[1]!.lr),
      ...Array(10).fill(best),
      ...Array(6).fill(s2!.trials[0]!.lr),
      ...Array(2).fill(tuner.lr),
    ]);
    expect(tuner.endState).toBe('restored-checkpoint');
    model.dispose();
  });

  it('measures validation loss in validation mode when validationData is given', async () => {
    const model = mlp();
    const v = data(32, 9);
    const tuner = autoLRS({ strategy: 'reference', minLr: 1e-3, maxLr: 0.5, tau: 16, tauPrime: 8, k: 2, tauMax: 16, validationSamples: 4, validationData: [v.x, v.y] });
    // Stage 1 (train loss): 16 + 16 steps; stage 2 (validation loss) starts at step 32.
    await model.fit(x, y, { batchSize: 8, epochs: 7, shuffle: false, verbose: 0, callbacks: [tuner] });
    const s2 = tuner.history[1]!;
    expect(s2.source).toBe('validation');
    expect(s2.baselineLoss).toBeGreaterThan(0);
    expect(s2.trials).toHaveLength(2);
    expect(tuner.stats!.hostReads).toBe(2 + 1 + 2 * 4 + 2); // 2 forecasts, baseline, 8 val losses, 2 forecasts
    model.dispose();
  });
});

describe("autoLRS with lrBounds: 'auto'", () => {
  it('runs the LR range test first, restores the model, searches the bounds it chose and logs them', async () => {
    const rangeOptions = { startLr: 1e-5, endLr: 10, numSteps: 60, batchSize: 16 };
    // The same test on an identical model gives the suggestion to expect.
    const twin = mlp();
    const expected = (await lrRangeTest(twin, { x, y }, rangeOptions)).suggestion;
    twin.dispose();

    const model = mlp();
    const before = await weights(model);
    const events: string[] = [];
    const tuner = autoLRS({ strategy: 'reference', lrBounds: 'auto', lrRangeTest: { data: { x, y }, ...rangeOptions }, tau: 20, tauPrime: 4, k: 3, onEvent: (e) => events.push(e.type) });
    let firstStep: Float32Array[] = [];
    const probe = new (class extends tf.Callback {
      override async onBatchBegin(): Promise<void> {
        if (firstStep.length === 0) firstStep = await weights(model);
      }
    })();
    await model.fit(x, y, { batchSize: 8, epochs: 4, shuffle: false, verbose: 0, callbacks: [tuner, probe] });
    expect(tuner.lrBounds).toEqual({ minLr: expected.minLr / 10, maxLr: expected.maxLr });
    expect(events[0]).toBe('lrBounds');
    expect(tuner.events[0]).toMatchObject({ type: 'lrBounds', suggestion: expected });
    // The range test left the model as it was before the first training step.
    expect(same(firstStep, before)).toBe(true);
    for (const t of tuner.history[0]!.trials) {
      expect(t.lr).toBeGreaterThanOrEqual(expected.minLr / 10);
      expect(t.lr).toBeLessThanOrEqual(expected.maxLr);
    }
    model.dispose();
  });

  it('refuses bounds given together with auto, and auto without data', () => {
    expect(() => autoLRS({ strategy: 'reference', lrBounds: 'auto', minLr: 1e-3, maxLr: 0.1, lrRangeTest: { data: { x, y } } })).toThrow(/omitted/);
    expect(() => autoLRS({ strategy: 'reference', lrBounds: 'auto' })).toThrow(/lrRangeTest.data/);
    expect(() => autoLRS({ strategy: 'reference', lrBounds: 'manual' as 'auto', minLr: 1e-3, maxLr: 0.1 })).toThrow(TypeError);
    expect(() => autoLRS({ strategy: 'reference', minLr: 1e-3, maxLr: 0.1, lrRangeTest: { data: { x, y } } })).toThrow(/only with/);
    expect(() => autoLRS({ strategy: 'reference', maxLr: 0.1 })).toThrow(/minLr/);
  });
});

describe('autoLRS errors before any training step', () => {
  it('rejects an optimizer whose LR cannot be set, leaving the weights untouched', async () => {
    const model = mlp();
    const before = await weights(model);
    (model as unknown as { optimizer: unknown }).optimizer = { getClassName: () => 'Custom', minimize() {} };
    await expect(model.fit(x, y, { batchSize: 8, epochs: 1, shuffle: false, verbose: 0, callbacks: [autoLRS({ strategy: 'reference', minLr: 1e-3, maxLr: 0.1 })] })).rejects.toThrow(
      /Expected `model.optimizer` to be a tfjs optimizer whose learning rate can be set/,
    );
    expect(same(await weights(model), before)).toBe(true);
  });

  it('requires validationData when validationMode is forced on', () => {
    expect(() => autoLRS({ strategy: 'reference', minLr: 1e-3, maxLr: 0.1, validationMode: true })).toThrow(TypeError);
    expect(() => autoLRS({ strategy: 'reference', minLr: 1e-3, maxLr: 0.1, validationMode: true })).toThrow(/validationData/);
  });

  it('validates options in the constructor', () => {
    expect(() => autoLRS({ strategy: 'reference', minLr: 0, maxLr: 0.1 })).toThrow(RangeError);
    expect(() => new AutoLRS({ minLr: 0.1, maxLr: 0.01 })).toThrow(/maxLr/);
    expect(() => autoLRS({ strategy: 'reference', minLr: 1e-3, maxLr: 0.1, tau: 10, tauPrime: 10 })).toThrow(/tauPrime/);
    expect(() => autoLRS({ strategy: 'reference', minLr: 1e-3, maxLr: 0.1, verbose: 2 as 0 })).toThrow(/verbose/);
    // null must not slip past the validationMode default (callback and driver alike).
    expect(() => autoLRS({ strategy: 'reference', minLr: 1e-3, maxLr: 0.1, validationMode: null as never })).toThrow(/`validationMode`.*null/);
    const w = tf.variable(tf.zeros([2]));
    expect(() => new AutoLRSDriver({ variables: [w], optimizer: tf.train.sgd(0.1) }, { minLr: 1e-3, maxLr: 0.1, validationMode: null as never })).toThrow(
      /`validationMode`.*null/,
    );
    expect(() => autoLRS({ strategy: 'reference', minLr: 1e-3, maxLr: 0.1, bogus: 1 } as never)).toThrow(/Unknown option `bogus`/);
    w.dispose();
  });
});

describe('AutoLRSDriver in a custom loop', () => {
  it('drives optimizer.minimize with the same schedule', async () => {
    const w = tf.variable(tf.zeros([8, 3]));
    const b = tf.variable(tf.zeros([3]));
    const optimizer = tf.train.sgd(0.1);
    const used = recordAppliedLr(optimizer);
    const driver = new AutoLRSDriver({ variables: [w, b], optimizer }, { minLr: 1e-3, maxLr: 1, tau: 10, tauPrime: 3, k: 3 });
    await driver.begin();
    const before = tf.memory().numTensors;
    for (let i = 0; i < 32; i++) {
      const loss = optimizer.minimize(() => tf.losses.softmaxCrossEntropy(y, tf.add(tf.matMul(x, w), b)), true, [w, b])!;
      await driver.afterStep(loss);
      loss.dispose();
    }
    const end = await driver.end();
    expect(['trained', 'restored-checkpoint']).toContain(end);
    const h = driver.controller.history;
    expect(h[0]!.trials).toHaveLength(3);
    expect(used.slice(9, 19).every((lr) => lr === h[0]!.chosenLr)).toBe(true);
    expect(tf.memory().numTensors).toBeLessThanOrEqual(before);
    tf.dispose([w, b]);
  });

  it('starts the schedule when resuming a state saved before the first step', async () => {
    const w = tf.variable(tf.zeros([8, 3]));
    const options = { minLr: 1e-3, maxLr: 1, tau: 10, tauPrime: 3, k: 2 };
    const a = new AutoLRSDriver({ variables: [w], optimizer: tf.train.sgd(0.1) }, options);
    const saved = JSON.parse(JSON.stringify(await a.saveState()));
    const optimizer = tf.train.sgd(0.1);
    const b = new AutoLRSDriver({ variables: [w], optimizer }, options);
    b.loadState(saved);
    expect(b.running).toBe(false);
    await b.begin();
    expect(b.running).toBe(true);
    expect(b.controller.phase).toBe('search');
    expect(b.hasCheckpoint).toBe(true);
    expect(getLearningRate(optimizer)).toBe(b.controller.lr);
    expect(await b.end()).toBe('restored-checkpoint');
    expect(b.running).toBe(false);
    w.dispose();
  });

  it('accepts the model variables helper for a layers model', () => {
    const model = mlp();
    expect(modelVariables(model)).toHaveLength(model.weights.length);
    model.dispose();
  });
});
