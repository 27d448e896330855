/**
 * A model compiled again with a new optimizer between two fits with the same AutoLRS
 * callback: the schedule goes on, and its LRs reach the optimizer that trains.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { autoLRS } from '../../src/scheduler/callback.js';
import { modelVariables } from '../../src/state/checkpoint.js';
import { AutoLRSDriver } from '../../src/scheduler/reference/driver.js';
import { getLearningRate } from '../../src/state/lr.js';
import { data, mlp, recordAppliedLr } from '../helpers/training.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const { x, y } = data();
const ARGS = { strategy: 'reference' as const, minLr: 1e-3, maxLr: 0.5, tau: 20, tauPrime: 4, k: 3, tauMax: 1000 };
// 8 steps per epoch. Stage 1: 3 probes x 4 steps (0-11), training 12-31.
// Stage 2: 3 probes x 8 steps (32-55), training 56-95.
const fit = (model: tf.LayersModel, tuner: tf.Callback, epochs: number) =>
  model.fit(x, y, { batchSize: 8, epochs, shuffle: false, verbose: 0, callbacks: [tuner] });

describe('recompiling with a new optimizer between fits', () => {
  it.each([
    ['sgd(0.1) then sgd(0.2)', () => tf.train.sgd(0.1), () => tf.train.sgd(0.2)],
    ['momentum then adam', () => tf.train.momentum(0.01, 0.9), () => tf.train.adam(0.01)],
  ] as const)('%s, first fit ending in a training phase: the chosen LR, then the probes, reach the new optimizer', async (_n, first, second) => {
    const model = mlp(first());
    const usedOld = recordAppliedLr(model.optimizer);
    const tuner = autoLRS(ARGS);
    await fit(model, tuner, 3); // 24 steps: 12 probe steps, 12 of stage 1's 20 training steps
    const s1 = tuner.history[0]!;
    expect(usedOld).toEqual([...s1.trials.flatMap((t) => Array(4).fill(t.lr)), ...Array(12).fill(s1.chosenLr)]);
    const oldOptimizer = model.optimizer;
    const oldLr = getLearningRate(oldOptimizer);

    const next = second();
    model.compile({ optimizer: next, loss: 'categoricalCrossentropy' });
    const usedNew = recordAppliedLr(next);
    await fit(model, tuner, 9); // 72 steps: the last 8 of stage 1, all of stage 2
    const s2 = tuner.history[1]!;
    expect(tuner.history[0]).toEqual(s1);
    expect(s2.trials).toHaveLength(3);
    expect(usedNew).toEqual([
      ...Array(8).fill(s1.chosenLr),
      ...s2.trials.flatMap((t) => Array(8).fill(t.lr)),
      ...Array(40).fill(s2.chosenLr),
    ]);
    // The old optimizer took no step and no LR change.
    expect(usedOld).toHaveLength(24);
    expect(getLearningRate(oldOptimizer)).toBe(oldLr);
    expect(tuner.lr).toBe(getLearningRate(next));
    model.dispose();
  });

  it('first fit ending inside a probe: the model is restored, and the search restarts on the new optimizer', async () => {
    const model = mlp(tf.train.momentum(0.01, 0.9));
    const tuner = autoLRS(ARGS);
    await fit(model, tuner, 5); // 40 steps: stage 2's first probe (steps 32-39) ended, the second began
    expect(tuner.endState).toBe('restored-checkpoint');
    const atCheckpoint = await Promise.all(model.weights.map(async (w) => Array.from(await w.read().data())));

    const next = tf.train.adam(0.01);
    model.compile({ optimizer: next, loss: 'categoricalCrossentropy' });
    const usedNew = recordAppliedLr(next);
    const starts: number[][][] = [];
    const probe = new (class extends tf.Callback {
      override async onTrainBegin(): Promise<void> {
        starts.push(await Promise.all(model.weights.map(async (w) => Array.from(await w.read().data()))));
      }
    })();
    await model.fit(x, y, { batchSize: 8, epochs: 8, shuffle: false, verbose: 0, callbacks: [tuner, probe] });
    // The second fit starts from the search's checkpoint.
    expect(starts[0]).toEqual(atCheckpoint);
    const s2 = tuner.history[1]!;
    expect(tuner.history.map((s) => s.startStep)).toEqual([0, 40, 104]);
    expect(s2.startStep).toBe(40);
    expect(usedNew).toEqual([...s2.trials.flatMap((t) => Array(8).fill(t.lr)), ...Array(40).fill(s2.chosenLr)]);
    model.dispose();
  });
});

describe('AutoLRSDriver.rebind', () => {
  it('refuses during a run, and with a loaded checkpoint of another optimizer; works once the run ended', async () => {
    const model = mlp(tf.train.momentum(0.01, 0.9));
    const state = { variables: modelVariables(model), optimizer: model.optimizer };
    const { strategy: _s, ...driverArgs } = ARGS;
    const driver = new AutoLRSDriver(state, { ...driverArgs, validationMode: false });
    await driver.begin();
    const other = { variables: state.variables, optimizer: tf.train.sgd(0.1) };
    expect(() => driver.rebind(other)).toThrow('AutoLRSDriver.rebind() called during a run: call end() first.');
    // Inside the first probe: save everything, checkpoint included.
    const loss = tf.scalar(1);
    await driver.afterStep(loss);
    const snapshot = await driver.saveState();
    await driver.end();
    expect(() => driver.rebind({ variables: state.variables, optimizer: {} as tf.Optimizer })).toThrow(TypeError);

    driver.loadState(snapshot); // the checkpoint is of the momentum optimizer
    expect(driver.hasCheckpoint).toBe(true);
    expect(() => driver.rebind(other)).toThrow(/holds a search checkpoint of other variables or another optimizer/);
    driver.rebind(state); // the same state: nothing to carry over
    await driver.end();
    expect(driver.hasCheckpoint).toBe(false);
    driver.rebind(other);
    await driver.begin();
    expect(getLearningRate(other.optimizer)).toBe(driver.controller.lr);
    await driver.end();
    driver.dispose();
    loss.dispose();
    other.optimizer.dispose();
    model.dispose();
  });
});
