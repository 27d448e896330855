/**
 * The cooldown strategy on a real model: common batches for every probe of a stage, the
 * best probe's state kept, every gradient step counted, one host read per probe, no leaks,
 * and the model never left inside a probe.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { AutoLRSCooldown, modelTrainStep } from '../../../src/scheduler/cooldown/callback.js';
import { CooldownDriver } from '../../../src/scheduler/cooldown/driver.js';
import { ProbeData, type ProbeBatch } from '../../../src/scheduler/cooldown/probe-data.js';
import { probeLr } from '../../../src/scheduler/cooldown/plan.js';
import { Checkpoint, modelVariables } from '../../../src/state/checkpoint.js';
import { data, mlp, recordAppliedLr, values } from '../../helpers/training.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const { x, y } = data(512, 3);
// tolerance 0: the search takes the lowest score, whose probe state is kept. Searches not
// halved (survivors 0): halving on a model is tested in halving-driver.test.ts.
const small = { minLr: 1e-3, maxLr: 1, totalSteps: 300, probeSteps: 10, k: 4, laterK: 2, stages: 2, seed: 1, tolerance: 0, survivors: 0, trainFrom: 'probe' as 'probe' | 'checkpoint', warmupFraction: 0 };

/** A driver over a model with spies on the batches each probe step trains on. */
function instrumented(model: tf.LayersModel, probe: ProbeData) {
  const step = modelTrainStep(model);
  const seen: tf.Tensor[] = [];
  const optimizer = model.optimizer;
  const driver = new CooldownDriver(
    { variables: modelVariables(model), optimizer },
    {
      ...small,
      trainStep: (b: ProbeBatch) => {
        seen.push(b.xs as tf.Tensor);
        return step(b);
      },
      probeBatches: (stage, count) => probe.batches(stage, count),
      score: () => model.evaluate(probe.scoreSet.x, probe.scoreSet.y) as tf.Scalar,
    },
  );
  return { driver, seen };
}

/** A driver over a model, with options beyond `small`; its train step too. */
function plainDriver(model: tf.LayersModel, probe: ProbeData, extra: Partial<typeof small> & { trainFrom?: 'probe' | 'checkpoint' }) {
  const step = modelTrainStep(model);
  const driver = new CooldownDriver(
    { variables: modelVariables(model), optimizer: model.optimizer },
    {
      ...small,
      ...extra,
      trainStep: step,
      probeBatches: (stage, count) => probe.batches(stage, count),
      score: () => model.evaluate(probe.scoreSet.x, probe.scoreSet.y) as tf.Scalar,
    },
  );
  return { driver, step };
}

describe('cooldown strategy: probes', () => {
  it('trains every probe of a stage on the same batches, in the same order, at the probe LR schedule', async () => {
    const model = mlp();
    const probe = new ProbeData({ x, y, batchSize: 16, seed: 1, scoreSize: 64 });
    const lrs = recordAppliedLr(model.optimizer);
    const { driver, seen } = instrumented(model, probe);
    await driver.begin();
    const stage = driver.controller.history[0]!;
    expect(seen).toHaveLength(4 * 10);
    for (let t = 1; t < 4; t++) for (let i = 0; i < 10; i++) expect(seen[t * 10 + i]).toBe(seen[i]);
    expect(new Set(seen.slice(0, 10)).size).toBe(10);
    const expected = stage.trials.flatMap((t) => Array.from({ length: 10 }, (_, i) => probeLr(t.lr, i, 10, 6)));
    expect(lrs).toHaveLength(40);
    lrs.forEach((lr, i) => expect(lr).toBeCloseTo(expected[i]!, 12));
    probe.dispose();
  });

  it("continues from the best probe's state after its first h steps, bit for bit", async () => {
    const model = mlp();
    const probe = new ProbeData({ x, y, batchSize: 16, seed: 1, scoreSize: 64 });
    const start = Checkpoint.capture({ variables: modelVariables(model), optimizer: model.optimizer });
    const { driver } = instrumented(model, probe);
    await driver.begin();
    const after = await values(model);
    const stage = driver.controller.history[0]!;
    const best = stage.trials.reduce((a, t) => (t.note === undefined && (a === null || t.score < a.score) ? t : a), null as null | (typeof stage.trials)[0]);
    expect(stage.chosenLr).toBe(best!.lr);
    expect(stage.kept).toBe('probe');
    // Replay: from the starting state, h = 6 steps at the chosen LR on the stage's batches.
    start.restore();
    const batches = probe.batches(1, 10);
    const f = modelTrainStep(model);
    (model.optimizer as tf.MomentumOptimizer).setLearningRate(stage.chosenLr!);
    for (let i = 0; i < 6; i++) f(batches[i]!).dispose();
    const replay = await values(model);
    replay.forEach((v, i) => expect(Buffer.from(v.buffer).equals(Buffer.from(after[i]!.buffer))).toBe(true));
    start.dispose();
    tf.dispose(batches.flatMap((b) => [b.xs, b.ys] as tf.Tensor[]));
    probe.dispose();
  });

  it('continues from the checkpoint, bit for bit, when the LR chosen is not the best probe (tolerance)', async () => {
    const model = mlp();
    const probe = new ProbeData({ x, y, batchSize: 16, seed: 1, scoreSize: 64 });
    const before = await values(model);
    // Any usable LR qualifies: the smallest LR of the usable range is chosen.
    const { driver } = plainDriver(model, probe, { tolerance: 100 });
    await driver.begin();
    const stage = driver.controller.history[0]!;
    const usable = stage.trials.filter((t) => t.note === undefined).map((t) => t.lr);
    expect(stage.chosenLr).toBeCloseTo(Math.min(...usable), 12);
    expect(stage.kept).toBe('checkpoint');
    const after = await values(model);
    after.forEach((v, i) => expect(Buffer.from(v.buffer).equals(Buffer.from(before[i]!.buffer))).toBe(true));
    expect(driver.stats.keptProbeSteps).toBe(0);
    probe.dispose();
  });

  it("with trainFrom 'checkpoint', starts from the checkpoint, bit for bit, after the first search only", async () => {
    const model = mlp();
    const probe = new ProbeData({ x, y, batchSize: 16, seed: 1, scoreSize: 64 });
    const before = await values(model);
    const { driver, step } = plainDriver(model, probe, { trainFrom: 'checkpoint' });
    const tensors = tf.memory().numTensors;
    await driver.begin();
    const first = driver.controller.history[0]!;
    // The best probe is chosen (tolerance 0), yet training starts from the model before the search.
    const best = first.trials.reduce((a, t) => (t.note === undefined && (a === null || t.score < a.score) ? t : a), null as null | (typeof first.trials)[0]);
    expect(first.chosenLr).toBe(best!.lr);
    expect(first.kept).toBe('checkpoint');
    const after = await values(model);
    after.forEach((v, i) => expect(Buffer.from(v.buffer).equals(Buffer.from(before[i]!.buffer))).toBe(true));
    // No probe's state was copied: the search never trains on from one.
    expect(driver.stats).toMatchObject({ searchSteps: 40, keptProbeSteps: 0, discardedSteps: 40, checkpoints: 1, snapshots: 0 });
    expect(tf.memory().numTensors).toBe(tensors);
    // The second search keeps its best probe's state.
    while (driver.controller.history.length < 2) {
      const [b] = probe.batches(9, 1);
      step(b!).dispose();
      tf.dispose([b!.xs, b!.ys] as tf.Tensor[]);
      await driver.afterStep();
    }
    expect(driver.controller.history[1]!.kept).toBe('probe');
    expect(driver.stats.keptProbeSteps).toBe(6);
    // The second search (2 probes, not halved) snapshots each probe at its hold point.
    expect(driver.stats).toMatchObject({ checkpoints: 2, snapshots: 2 });
    probe.dispose();
  });

  it('restores the checkpoint and propagates the error when a probe throws, and can search again', async () => {
    const model = mlp();
    const probe = new ProbeData({ x, y, batchSize: 16, seed: 1, scoreSize: 64 });
    const before = await values(model);
    const step = modelTrainStep(model);
    let calls = 0;
    const driver = new CooldownDriver(
      { variables: modelVariables(model), optimizer: model.optimizer },
      {
        ...small,
        trainStep: (b) => {
          if (++calls === 17) throw new Error('device lost');
          return step(b);
        },
        probeBatches: (stage, count) => probe.batches(stage, count),
        score: () => model.evaluate(probe.scoreSet.x, probe.scoreSet.y) as tf.Scalar,
      },
    );
    const tensors = tf.memory().numTensors;
    await expect(driver.begin()).rejects.toThrow('device lost');
    const after = await values(model);
    after.forEach((v, i) => expect(Buffer.from(v.buffer).equals(Buffer.from(before[i]!.buffer))).toBe(true));
    expect(driver.controller.searchDue).toBe(true);
    expect(driver.controller.globalStep).toBe(0);
    // Only the optimizer's own accumulators may have appeared.
    expect(tf.memory().numTensors - tensors).toBeLessThanOrEqual(4);
    await driver.begin();
    expect(driver.controller.phase).toBe('train');
    probe.dispose();
  });
});

describe('cooldown strategy: the fit callback', () => {
  it('spends exactly totalSteps gradient steps, probes included, and stops fit there', async () => {
    const model = mlp();
    const tuner = new AutoLRSCooldown({ data: { x, y }, ...small, scoreSize: 64 });
    let fitSteps = 0;
    const counter = new (class extends tf.Callback {
      override async onBatchEnd(): Promise<void> {
        fitSteps++;
      }
    })();
    await model.fit(x, y, { batchSize: 16, epochs: 50, shuffle: false, verbose: 0, callbacks: [tuner, counter] });
    const s = tuner.stats!;
    expect(s.gradientSteps).toBe(300);
    expect(s.searchSteps).toBe((4 + 2) * 10);
    expect(fitSteps).toBe(300 - 60);
    expect(s.trainSteps).toBe(fitSteps);
    expect(s.keptProbeSteps).toBe(2 * 6);
    expect(s.discardedSteps).toBe(60 - 12);
    expect(tuner.done).toBe(true);
    expect(tuner.history.map((h) => h.kept)).toEqual(['probe', 'probe']);
  });

  it('takes its budget from fit (epochs × steps per epoch) and reads the host once per probe and once per search', async () => {
    const proto = tf.Tensor.prototype as unknown as { data: () => Promise<unknown>; dataSync: () => unknown; array: () => Promise<unknown>; arraySync: () => unknown };
    const orig = { data: proto.data, dataSync: proto.dataSync, array: proto.array, arraySync: proto.arraySync };
    /** Host reads made while `fn` runs. */
    async function countReads(fn: () => Promise<unknown>): Promise<number> {
      let n = 0;
      for (const k of Object.keys(orig) as Array<keyof typeof orig>) {
        const f = orig[k] as (this: tf.Tensor) => unknown;
        (proto as Record<string, unknown>)[k] = function (this: tf.Tensor) {
          n++;
          return f.call(this);
        };
      }
      try {
        await fn();
      } finally {
        Object.assign(proto, orig);
      }
      return n;
    }
    const { totalSteps: _t, ...rest } = small;
    const tuner = new AutoLRSCooldown({ data: { x, y }, ...rest, scoreSize: 64 });
    const model = mlp();
    // 512 examples / 16 = 32 steps per epoch × 10 epochs = 320 gradient steps.
    const withTuner = await countReads(() => model.fit(x, y, { batchSize: 16, epochs: 10, shuffle: false, verbose: 0, callbacks: [tuner] }));
    expect(tuner.totalSteps).toBe(320);
    expect(tuner.stats!.gradientSteps).toBe(320);
    const fitSteps = tuner.stats!.trainSteps;
    expect(fitSteps).toBe(320 - 60);
    // The same fit without the tuner, stopped after as many steps.
    const plain = mlp();
    let n = 0;
    const stop = new (class extends tf.Callback {
      override async onBatchEnd(): Promise<void> {
        if (++n === fitSteps) plain.stopTraining = true;
      }
    })();
    const without = await countReads(() => plain.fit(x, y, { batchSize: 16, epochs: 10, shuffle: false, verbose: 0, callbacks: [stop] }));
    // 6 probes (4 + 2) and one base score per search (2).
    expect(withTuner - without).toBe(6 + 2);
  });

  it('leaks no tensor: after fit only the optimizer slots remain', async () => {
    const model = mlp();
    const tuner = new AutoLRSCooldown({ data: { x, y }, ...small, scoreSize: 64 });
    await model.fit(x, y, { batchSize: 16, epochs: 1, shuffle: false, verbose: 0 });
    const before = tf.memory().numTensors;
    await model.fit(x, y, { batchSize: 16, epochs: 50, shuffle: false, verbose: 0, callbacks: [tuner] });
    // The momentum optimizer's setLearningRate replaces its LR scalar: the count is the same.
    expect(tf.memory().numTensors).toBe(before);
  });

  it('validates its arguments before any training', () => {
    expect(() => new AutoLRSCooldown({} as never)).toThrow(/Expected `data` to be \{ x, y \}/);
    expect(() => new AutoLRSCooldown({ data: { x, y }, minLr: 0.1 })).toThrow(/both `minLr` and `maxLr`, or neither/);
    expect(() => new AutoLRSCooldown({ data: { x, y }, minLr: 0.1, maxLr: 0.01 })).toThrow(/`maxLr` to be greater than `minLr`/);
    expect(() => new AutoLRSCooldown({ data: { x, y }, totalSteps: 50, minLr: 0.01, maxLr: 1 })).toThrow(/budget that holds the searches/);
    expect(() => new AutoLRSCooldown({ data: { x, y }, strategy: 'fast' as never })).toThrow(/`strategy`/);
    expect(() => new AutoLRSCooldown({ data: { x, y }, probeCooldown: 1 })).toThrow(/`probeCooldown`/);
    expect(() => new AutoLRSCooldown({ data: { x, y }, bogus: 1 } as never)).toThrow(/Unknown option `bogus`/);
  });
});
