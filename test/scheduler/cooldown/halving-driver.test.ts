/**
 * Successive halving on a real model: a continued probe is the whole probe, bit for bit; the
 * first rung's dropped probes cost only their short run; every step and host read counted;
 * no leaks.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { formatCooldownEvent, modelTrainStep } from '../../../src/scheduler/cooldown/callback.js';
import type { CooldownEvent } from '../../../src/scheduler/cooldown/controller.js';
import { CooldownDriver, type CooldownDriverOptions } from '../../../src/scheduler/cooldown/driver.js';
import { ProbeData } from '../../../src/scheduler/cooldown/probe-data.js';
import { probeLr } from '../../../src/scheduler/cooldown/plan.js';
import type { LrSearch } from '../../../src/scheduler/search.js';
import { modelVariables } from '../../../src/state/checkpoint.js';
import { data, mlp, recordAppliedLr, values } from '../../helpers/training.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const { x, y } = data(512, 3);
const LRS = [0.05, 0.3, 0.01, 0.1];
// Probes of 10 steps (6 at the LR); a first rung of 5 steps (3 at the LR); the best 2 of 4 continue.
const base = { minLr: 1e-3, maxLr: 1, totalSteps: 300, probeSteps: 10, k: 4, stages: 1, seed: 1, tolerance: 0, trainFrom: 'probe', warmupFraction: 0 } as const;
const halving = { survivors: 2, rungSteps: 5 };

const scripted = (): LrSearch => {
  const queue = [...LRS];
  return { ask: () => queue.shift()!, tell: () => {}, stateDict: () => ({}), loadStateDict: () => {} };
};

/** A fresh model and a driver over it (the same initial weights and batches every time). */
function setup(extra: Partial<CooldownDriverOptions>) {
  const model = mlp();
  const probe = new ProbeData({ x, y, batchSize: 16, seed: 1, scoreSize: 64 });
  const step = modelTrainStep(model);
  const seen: tf.Tensor[] = [];
  const driver = new CooldownDriver(
    { variables: modelVariables(model), optimizer: model.optimizer },
    {
      ...base,
      ...extra,
      search: scripted,
      trainStep: (b) => {
        seen.push(b.xs as tf.Tensor);
        return step(b);
      },
      probeBatches: (stage, count) => probe.batches(stage, count),
      score: () => model.evaluate(probe.scoreSet.x, probe.scoreSet.y) as tf.Scalar,
    },
  );
  return { model, probe, driver, seen };
}

describe('cooldown strategy: successive halving on a model', () => {
  it('scores a continued probe exactly as the whole probe, and trains on from the same state when it wins', async () => {
    const whole = setup({ survivors: 0 });
    await whole.driver.begin();
    const halved = setup(halving);
    const applied = recordAppliedLr(halved.model.optimizer);
    await halved.driver.begin();

    const w = whole.driver.controller.history[0]!;
    const h = halved.driver.controller.history[0]!;
    const continued = h.trials.filter((t) => t.continued !== undefined);
    expect(continued).toHaveLength(2);
    for (const t of continued) {
      const same = w.trials.find((u) => u.lr === t.lr)!;
      expect(t.continued!.score).toBe(same.score);
      expect(t.continued!.losses!.length).toBe(7);
      // The continuation's losses are the whole probe's steps 3 to 9.
      expect(t.continued!.losses).toEqual(same.losses!.slice(3));
    }
    // The first rung's probes: 5 steps on the same first 5 batches, then each continuation on batches 3 to 9.
    expect(halved.seen).toHaveLength(4 * 5 + 2 * 7);
    for (let t = 0; t < 4; t++) for (let i = 0; i < 5; i++) expect(halved.seen[t * 5 + i]).toBe(halved.seen[i]);
    for (let c = 0; c < 2; c++) for (let i = 0; i < 7; i++) expect(halved.seen[20 + c * 7 + i]).toBe(halved.seen[20 + i]);
    expect(halved.seen.slice(20, 22)).toEqual(halved.seen.slice(3, 5));
    expect(new Set(halved.seen.slice(0, 27)).size).toBe(10);
    // The LR of every probe step.
    const order = [...h.trials.map((t) => ({ lr: t.lr, rung: 1 })), ...[...continued].sort((a, b) => a.score - b.score).map((t) => ({ lr: t.lr, rung: 2 }))];
    const expected = order.flatMap(({ lr, rung }) =>
      rung === 1 ? Array.from({ length: 5 }, (_, i) => probeLr(lr, i, 5, 3)) : Array.from({ length: 7 }, (_, i) => probeLr(lr, 3 + i, 10, 6)),
    );
    expect(applied.slice(0, 34)).toHaveLength(34);
    applied.slice(0, 34).forEach((lr, i) => expect(lr).toBeCloseTo(expected[i]!, 12));
    // Both searches chose the same LR here (the whole search's best probe was continued): the
    // model trains on from the same state, bit for bit.
    expect(h.chosenLr).toBe(w.chosenLr);
    expect(h.kept).toBe('probe');
    const a = await values(whole.model);
    const b = await values(halved.model);
    b.forEach((v, i) => expect(Buffer.from(v.buffer).equals(Buffer.from(a[i]!.buffer))).toBe(true));
    whole.probe.dispose();
    halved.probe.dispose();
  });

  it('counts every probe step, keeps the winner’s h steps, reads the host once per probe, and leaks nothing', async () => {
    const s = setup(halving);
    // One step first so that the optimizer's slots exist before counting tensors.
    await s.model.fit(x.slice(0, 16), y.slice(0, 16), { batchSize: 16, epochs: 1, verbose: 0 });
    const before = tf.memory().numTensors;
    await s.driver.begin();
    expect(tf.memory().numTensors).toBe(before);
    expect(s.driver.stats).toMatchObject({
      gradientSteps: 34,
      searchSteps: 34,
      keptProbeSteps: 6,
      discardedSteps: 28,
      checkpoints: 1,
      // Every first-rung probe's state at its hold point (it may continue), and each continuation's.
      snapshots: 6,
      // 3 first-rung probes from the checkpoint, 2 continuations, and the winner's state.
      restores: 6,
      // The base score, 4 first-rung probes, 2 continuations.
      hostReads: 7,
    });
    expect(s.driver.controller.globalStep).toBe(34);
    s.probe.dispose();
  });

  it("with trainFrom 'checkpoint', snapshots only the first rung, trains on from the checkpoint bit for bit, and leaks nothing", async () => {
    const s = setup({ ...halving, trainFrom: 'checkpoint' });
    await s.model.fit(x.slice(0, 16), y.slice(0, 16), { batchSize: 16, epochs: 1, verbose: 0 });
    const before = await values(s.model);
    const tensors = tf.memory().numTensors;
    await s.driver.begin();
    expect(tf.memory().numTensors).toBe(tensors);
    expect(s.driver.controller.history[0]!.kept).toBe('checkpoint');
    const after = await values(s.model);
    after.forEach((v, i) => expect(Buffer.from(v.buffer).equals(Buffer.from(before[i]!.buffer))).toBe(true));
    expect(s.driver.stats).toMatchObject({
      searchSteps: 34,
      keptProbeSteps: 0,
      discardedSteps: 34,
      checkpoints: 1,
      // The 4 first-rung probes' states (2 are continued from); none of the continuations'.
      snapshots: 4,
      // 3 first-rung probes from the checkpoint, 2 continuations from their snapshots, the checkpoint at the end.
      restores: 6,
    });
    s.probe.dispose();
  });

  it('says in its log lines that the search is halved and which probes were continued', async () => {
    const events: CooldownEvent[] = [];
    const s = setup({ ...halving, onEvent: (e) => events.push(e) });
    await s.driver.begin();
    const lines = events.map(formatCooldownEvent);
    expect(lines[0]).toMatch(/stage 1 searches \[0\.00100, 1\.00\] with 4 probes of 5 steps, the best 2 continued to 10$/);
    expect(lines.filter((l) => / probe \d: lr=/.test(l))).toHaveLength(4);
    const continued = lines.filter((l) => /probe \d continued to 10 steps: lr=/.test(l));
    expect(continued).toHaveLength(2);
    expect(lines.at(-1)).toMatch(/^\[autolrs\] step 34: stage 1 trains 116 steps at lr=/);
    s.probe.dispose();
  });

  it('leaves the model at the checkpoint and keeps no snapshot when a probe throws in the second rung', async () => {
    const s = setup(halving);
    await s.model.fit(x.slice(0, 16), y.slice(0, 16), { batchSize: 16, epochs: 1, verbose: 0 });
    const before = await values(s.model);
    const count = tf.memory().numTensors;
    let steps = 0;
    const step = modelTrainStep(s.model);
    const driver = new CooldownDriver(
      { variables: modelVariables(s.model), optimizer: s.model.optimizer },
      {
        ...base,
        ...halving,
        search: scripted,
        trainStep: (b) => {
          // The 25th probe step is in the first continuation (the first rung takes 20).
          if (++steps === 25) throw new Error('device lost');
          return step(b);
        },
        probeBatches: (stage, n) => s.probe.batches(stage, n),
        score: () => s.model.evaluate(s.probe.scoreSet.x, s.probe.scoreSet.y) as tf.Scalar,
      },
    );
    await expect(driver.begin()).rejects.toThrow('device lost');
    const after = await values(s.model);
    after.forEach((v, i) => expect(Buffer.from(v.buffer).equals(Buffer.from(before[i]!.buffer))).toBe(true));
    expect(driver.controller.phase).toBe('search-due');
    expect(driver.controller.globalStep).toBe(0);
    expect(tf.memory().numTensors).toBe(count);
    s.probe.dispose();
  });
});
