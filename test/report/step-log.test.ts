import * as tf from '@tensorflow/tfjs';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { autoLRS } from '../../src/scheduler/callback.js';
import { stepLR } from '../../src/schedules/index.js';
import { parseStepLog, stepLog, StepLog } from '../../src/report/step-log.js';
import { data, mlp, recordAppliedLr } from '../helpers/training.js';

const dir = mkdtempSync(join(tmpdir(), 'autolrs-steplog-'));

beforeAll(async () => {
  await tf.setBackend('cpu');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Counts every host read (data and dataSync of any tensor) while `fn` runs. */
async function countReads(fn: () => Promise<void>): Promise<number> {
  const proto = tf.Tensor.prototype as unknown as { data: (...a: unknown[]) => unknown; dataSync: (...a: unknown[]) => unknown };
  const data = proto.data;
  const dataSync = proto.dataSync;
  let reads = 0;
  proto.data = function (this: unknown, ...a: unknown[]) {
    reads++;
    return data.apply(this, a);
  };
  proto.dataSync = function (this: unknown, ...a: unknown[]) {
    reads++;
    return dataSync.apply(this, a);
  };
  try {
    await fn();
  } finally {
    proto.data = data;
    proto.dataSync = dataSync;
  }
  return reads;
}

const { x, y } = data();

describe('stepLog', () => {
  it('reads the losses once per flushEvery steps, and the epoch metrics once per epoch', async () => {
    const fitOnce = async (callbacks: tf.Callback[]) => {
      const model = mlp();
      // 8 batches per epoch, 3 epochs: 24 steps.
      return countReads(async () => {
        await model.fit(x, y, { batchSize: 8, epochs: 3, verbose: 0, callbacks });
      });
    };
    const baseline = await fitOnce([]);
    const log = stepLog({ flushEvery: 10 });
    const withLog = await fitOnce([log]);
    // 24 steps: flushes after steps 10 and 20, and at the end of training (4 steps): 3 reads;
    // plus one read of the epoch metrics per epoch.
    expect(log.hostReads).toBe(3 + 3);
    expect(withLog - baseline).toBe(3 + 3);
    expect(log.records).toHaveLength(24);
    expect(log.records.map((r) => r.step)).toEqual(Array.from({ length: 24 }, (_, i) => i));
    expect(log.records.every((r) => typeof r.loss === 'number' && r.loss > 0)).toBe(true);
    expect(log.epochs.map((e) => e.epoch)).toEqual([0, 1, 2]);
    expect(log.epochs.map((e) => e.step)).toEqual([8, 16, 24]);
    expect(log.records.map((r) => r.epoch)).toEqual([...Array(8).fill(0), ...Array(8).fill(1), ...Array(8).fill(2)]);
  });

  it('keeps no tensor after training', async () => {
    const model = mlp();
    await model.fit(x, y, { batchSize: 8, epochs: 1, verbose: 0 }); // warm up tfjs' own caches
    const before = tf.memory().numTensors;
    const log = stepLog({ flushEvery: 3 });
    await model.fit(x, y, { batchSize: 8, epochs: 2, verbose: 0, callbacks: [log] });
    expect(log.pending).toBe(0);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('records the per-step losses that fit reports', async () => {
    const model = mlp();
    const seen: number[] = [];
    const log = stepLog({ flushEvery: 5 });
    const spy = new (class extends tf.Callback {
      override async onBatchEnd(_b: number, logs?: tf.Logs): Promise<void> {
        const l = (logs as Record<string, unknown>)['loss'];
        seen.push(typeof l === 'number' ? l : (await (l as tf.Tensor).data())[0]!);
      }
    })();
    await model.fit(x, y, { batchSize: 16, epochs: 2, verbose: 0, callbacks: [log, spy] });
    expect(log.records.map((r) => r.loss)).toEqual(seen.map((v) => Math.fround(v)));
  });

  it('records the LR each step uses under a baseline schedule (log after the schedule)', async () => {
    const model = mlp(tf.train.sgd(0.1));
    const used = recordAppliedLr(model.optimizer);
    const log = stepLog({ flushEvery: 7 });
    await model.fit(x, y, { batchSize: 8, epochs: 2, verbose: 0, callbacks: [stepLR({ stepSize: 5, gamma: 0.5 }), log] });
    expect(used).toHaveLength(16);
    expect(log.records.map((r) => r.lr)).toEqual(used);
    expect(new Set(used).size).toBe(4);
    expect(log.records.every((r) => r.phase === 'schedule' && r.stage === undefined)).toBe(true);
  });

  it('records phase, stage, trial and LR with autoLRS, and writes valid JSON lines', async () => {
    const model = mlp();
    const used = recordAppliedLr(model.optimizer);
    const tuner = autoLRS({ strategy: 'reference', minLr: 1e-3, maxLr: 0.5, tau: 20, tauPrime: 4, k: 3, tauMax: 1000 });
    const path = join(dir, 'run1', 'steps.jsonl');
    const log = stepLog({ path, autolrs: tuner, flushEvery: 16 });
    // 8 steps per epoch; stage 1 = 12 search + 20 train steps, stage 2 = 24 + 40.
    await model.fit(x, y, { batchSize: 8, epochs: 12, verbose: 0, callbacks: [tuner, log] });
    const r = log.records;
    expect(r).toHaveLength(96);
    expect(r.map((s) => s.lr)).toEqual(used);
    const phases = r.map((s) => s.phase);
    expect(phases.slice(0, 12)).toEqual(Array(12).fill('search'));
    expect(phases.slice(12, 32)).toEqual(Array(20).fill('train'));
    expect(phases.slice(32, 56)).toEqual(Array(24).fill('search'));
    expect(phases.slice(56)).toEqual(Array(40).fill('train'));
    expect(r.slice(0, 32).every((s) => s.stage === 1)).toBe(true);
    expect(r.slice(32).every((s) => s.stage === 2)).toBe(true);
    expect(r.slice(0, 12).map((s) => s.trial)).toEqual([0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2]);
    expect(r.slice(32, 56).map((s) => s.trial)).toEqual([...Array(8).fill(0), ...Array(8).fill(1), ...Array(8).fill(2)]);
    expect(r.slice(12, 32).every((s) => s.trial === undefined)).toBe(true);
    // The probes use the LRs the history says were tried; training uses the chosen LR.
    const h = tuner.history;
    expect([0, 4, 8].map((i) => r[i]!.lr)).toEqual(h[0]!.trials.map((t) => t.lr));
    expect(r[12]!.lr).toBe(h[0]!.chosenLr);
    expect(r[56]!.lr).toBe(h[1]!.chosenLr);

    const text = readFileSync(path, 'utf8');
    const lines = text.trimEnd().split('\n');
    expect(lines).toHaveLength(96 + 12);
    for (const line of lines) expect(() => JSON.parse(line)).not.toThrow();
    const parsed = parseStepLog(text);
    expect(parsed.steps).toEqual(r);
    expect(parsed.epochs).toHaveLength(12);
    expect(parsed.epochs[0]!.metrics['loss']).toBeGreaterThan(0);
  });

  it('works in a hand-written loop with beginStep/endStep, numbers and tensors', async () => {
    const optimizer = tf.train.sgd(0.05);
    const log = new StepLog({ optimizer, flushEvery: 2 });
    log.beginStep(0);
    await log.endStep(tf.scalar(1.5));
    log.beginStep(0);
    await log.endStep(0.25);
    log.beginStep(1);
    await log.endStep(tf.scalar(Number.NaN));
    await log.flush();
    expect(log.records.map((r) => [r.step, r.epoch, r.lr, r.loss])).toEqual([
      [0, 0, 0.05, 1.5],
      [1, 0, 0.05, 0.25],
      [2, 1, 0.05, null],
    ]);
    expect(log.hostReads).toBe(2);
  });

  it('rejects bad options and misuse', async () => {
    expect(() => stepLog({ flushEvery: 0 })).toThrow(/Expected `flushEvery` to be an integer >= 1, got 0/);
    expect(() => stepLog({ path: '' })).toThrow(/Expected `path` to be a non-empty string/);
    expect(() => stepLog({ autolrs: {} as never })).toThrow(/Expected `autolrs` to be an AutoLRS callback or controller/);
    expect(() => stepLog({ flushevery: 3 } as never)).toThrow(/Unknown option `flushevery`/);
    const log = stepLog();
    expect(() => log.beginStep()).toThrow(/has no optimizer/);
    await expect(log.endStep(1)).rejects.toThrow(/without beginStep/);
    expect(() => parseStepLog('{"type":"x"}')).toThrow(/`type` "step" or "epoch"/);
  });
});
