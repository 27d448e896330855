/**
 * Schedule-Free SGD and AdamW as tfjs optimizers: eval()/train(), checkpoints and saved
 * states (bit for bit), model.fit, the package's LR machinery (AutoLRS, the schedules, the
 * range test), memory, and bad input.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { scheduleFreeAdamW, ScheduleFreeAdamW } from '../../src/optimizers/schedule-free-adamw.js';
import { scheduleFreeSGD, ScheduleFreeSGD } from '../../src/optimizers/schedule-free-sgd.js';
import type { ScheduleFreeOptimizer } from '../../src/optimizers/schedule-free.js';
import { autoLRS } from '../../src/scheduler/callback.js';
import { Checkpoint, loadTrainingState, modelVariables, saveTrainingState } from '../../src/state/checkpoint.js';
import { lrRangeTest } from '../../src/schedules/lr-range-test.js';
import { assertLrSettable, getLearningRate, setLearningRate } from '../../src/state/lr.js';
import { cosineAnnealingLR } from '../../src/schedules/index.js';
import { atStep, data, recordAppliedLr } from '../helpers/training.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const MAKERS: Record<string, () => ScheduleFreeOptimizer> = {
  ScheduleFreeSGD: () => scheduleFreeSGD({ learningRate: 0.5, warmupSteps: 5, weightDecay: 1e-3 }),
  ScheduleFreeAdamW: () => scheduleFreeAdamW({ learningRate: 0.01, warmupSteps: 5, weightDecay: 1e-3 }),
};

/** A seeded perceptron with batch normalization, compiled with `optimizer`. */
function bnModel(optimizer: tf.Optimizer): tf.LayersModel {
  const m = tf.sequential({
    layers: [
      tf.layers.dense({ inputShape: [8], units: 12, kernelInitializer: tf.initializers.glorotUniform({ seed: 41 }) }),
      tf.layers.batchNormalization({ momentum: 0.9 }),
      tf.layers.activation({ activation: 'relu' }),
      tf.layers.dense({ units: 3, activation: 'softmax', kernelInitializer: tf.initializers.glorotUniform({ seed: 42 }) }),
    ],
  });
  m.compile({ optimizer, loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
  return m;
}

const { x, y } = data(96, 5);

async function trainSteps(model: tf.LayersModel, from: number, n: number): Promise<void> {
  for (let i = from; i < from + n; i++) {
    const start = (i * 16) % 96;
    const [xb, yb] = tf.tidy(() => [x.slice(start, 16), y.slice(start, 16)]);
    await model.trainOnBatch(xb!, yb!);
    tf.dispose([xb!, yb!]);
  }
}

/** Every model weight's bytes. */
async function bytes(model: tf.LayersModel): Promise<Buffer[]> {
  return Promise.all(model.weights.map(async (w) => Buffer.from(((await w.read().data()) as Float32Array).slice().buffer)));
}

function expectSameBytes(a: Buffer[], b: Buffer[]): void {
  expect(a.length).toBe(b.length);
  a.forEach((buf, i) => expect(buf.equals(b[i]!)).toBe(true));
}

function trainableNames(model: tf.LayersModel): string[] {
  return model.trainableWeights.map((w) => (w.read() as tf.Variable).name);
}

async function loss(model: tf.LayersModel): Promise<number> {
  const out = model.evaluate(x, y, { batchSize: 96 }) as tf.Scalar[];
  const v = (await out[0]!.data())[0]!;
  tf.dispose(out);
  return v;
}

describe.each(Object.keys(MAKERS))('%s', (name) => {
  const make = MAKERS[name]!;

  it('is a tfjs optimizer that model.compile accepts and model.fit trains with', async () => {
    const opt = make();
    expect(opt).toBeInstanceOf(tf.Optimizer);
    expect(opt.getClassName()).toBe(name);
    const model = bnModel(opt);
    const before = await loss(model);
    await model.fit(x, y, { batchSize: 16, epochs: 8, verbose: 0, shuffle: false });
    expect(opt.iterations).toBe(48);
    opt.eval();
    const after = await loss(model);
    expect(after).toBeLessThan(0.6 * before);
    model.dispose();
    opt.dispose();
  });

  it('eval() puts x into the variables and train() puts y back, bit for bit; each is a no-op when repeated', async () => {
    const opt = make();
    const model = bnModel(opt);
    await trainSteps(model, 0, 7);
    const atY = await bytes(model);
    const x0 = await Promise.all(opt.stateSlots()['x']!.map(async (s) => Buffer.from(((await s.variable.data()) as Float32Array).slice().buffer)));
    opt.eval();
    expect(opt.mode).toBe('eval');
    const atX = await bytes(model);
    // The trainable weights now hold x (the batch-norm statistics are not the optimizer's).
    const trainable = new Set(trainableNames(model));
    const trainableIdx = modelVariables(model).map((v, i) => (trainable.has(v.name) ? i : -1)).filter((i) => i >= 0);
    expect(trainableIdx.map((i) => atX[i]!)).toEqual(x0);
    expect(trainableIdx.some((i) => !atX[i]!.equals(atY[i]!))).toBe(true);
    opt.eval(); // no-op
    expectSameBytes(await bytes(model), atX);
    opt.train();
    expect(opt.mode).toBe('train');
    expectSameBytes(await bytes(model), atY);
    opt.train(); // no-op
    expectSameBytes(await bytes(model), atY);
    model.dispose();
    opt.dispose();
  });

  it('refuses to step in eval mode, changing nothing, and trains on after train()', async () => {
    const opt = make();
    const model = bnModel(opt);
    const twin = bnModel(make());
    await trainSteps(model, 0, 3);
    await trainSteps(twin, 0, 3);
    opt.eval();
    const atX = await bytes(model);
    const k = opt.iterations;
    await expect(trainSteps(model, 3, 1)).rejects.toThrow(/train mode.*optimizer\.train\(\)/);
    expect(opt.iterations).toBe(k);
    expect(opt.mode).toBe('eval');
    // Batch-norm statistics moved in the failed forward pass; the trainable weights did not.
    const trainable = trainableNames(model);
    const after = await bytes(model);
    modelVariables(model).forEach((v, i) => {
      if (trainable.includes(v.name)) expect(after[i]!.equals(atX[i]!)).toBe(true);
    });
    opt.train();
    // Same trajectory as a twin that never switched: restore the BN statistics the failed pass moved.
    const bnTwin = twin.weights.map((w) => w.read());
    modelVariables(model).forEach((v, i) => {
      if (!trainable.includes(v.name)) v.assign(bnTwin[i]!);
    });
    await trainSteps(model, 3, 4);
    await trainSteps(twin, 3, 4);
    expectSameBytes(await bytes(model), await bytes(twin));
    model.dispose();
    twin.dispose();
  });

  it('saveTrainingState mid-run, loaded into a fresh model and optimizer, continues bit for bit', async () => {
    const a = bnModel(make());
    await trainSteps(a, 0, 20);
    const uninterrupted = bnModel(make());
    await trainSteps(uninterrupted, 0, 35);

    const saved = JSON.parse(JSON.stringify(await saveTrainingState({ variables: modelVariables(a), optimizer: a.optimizer })));
    expect(saved.optimizer.className).toBe(name);
    expect(saved.optimizer.iterations).toBe(20);
    expect(saved.optimizer.scalars.evalMode).toBe(false);
    expect(saved.optimizer.scalars.weightSum).toBe((a.optimizer as ScheduleFreeOptimizer).weightSum);

    const b = bnModel(make());
    loadTrainingState({ variables: modelVariables(b), optimizer: b.optimizer }, saved);
    const ob = b.optimizer as ScheduleFreeOptimizer;
    expect(ob.iterations).toBe(20);
    expect(ob.stateScalars).toEqual((a.optimizer as ScheduleFreeOptimizer).stateScalars);
    await trainSteps(b, 20, 15);
    expectSameBytes(await bytes(b), await bytes(uninterrupted));
    // And x after eval() is the same too.
    ob.eval();
    (uninterrupted.optimizer as ScheduleFreeOptimizer).eval();
    expectSameBytes(await bytes(b), await bytes(uninterrupted));
    for (const m of [a, b, uninterrupted]) {
      m.optimizer.dispose();
      m.dispose();
    }
  });

  it('eval() right after loadTrainingState in a fresh model switches that model, not the one the state came from', async () => {
    const a = bnModel(make());
    await trainSteps(a, 0, 9);
    const saved = await saveTrainingState({ variables: modelVariables(a), optimizer: a.optimizer });
    const aBefore = await bytes(a);
    (a.optimizer as ScheduleFreeOptimizer).eval();
    const aAtX = await bytes(a);
    (a.optimizer as ScheduleFreeOptimizer).train();

    const b = bnModel(make());
    loadTrainingState({ variables: modelVariables(b), optimizer: b.optimizer }, JSON.parse(JSON.stringify(saved)));
    (b.optimizer as ScheduleFreeOptimizer).eval();
    expectSameBytes(await bytes(b), aAtX);
    expectSameBytes(await bytes(a), aBefore);
    (b.optimizer as ScheduleFreeOptimizer).train();
    expectSameBytes(await bytes(b), aBefore);
    for (const m of [a, b]) {
      m.optimizer.dispose();
      m.dispose();
    }
  });

  it('a state saved in eval mode loads into a fresh model in eval mode, and train() puts y back', async () => {
    const a = bnModel(make());
    await trainSteps(a, 0, 9);
    const atY = await bytes(a);
    (a.optimizer as ScheduleFreeOptimizer).eval();
    const atX = await bytes(a);
    const saved = JSON.parse(JSON.stringify(await saveTrainingState({ variables: modelVariables(a), optimizer: a.optimizer })));
    expect(saved.optimizer.scalars.evalMode).toBe(true);
    const b = bnModel(make());
    loadTrainingState({ variables: modelVariables(b), optimizer: b.optimizer }, saved);
    const ob = b.optimizer as ScheduleFreeOptimizer;
    expect(ob.mode).toBe('eval');
    expectSameBytes(await bytes(b), atX);
    ob.train();
    expectSameBytes(await bytes(b), atY);
    for (const m of [a, b]) {
      m.optimizer.dispose();
      m.dispose();
    }
  });

  it('refuses to switch modes when the restored state does not name the model variables', async () => {
    const a = bnModel(make());
    await trainSteps(a, 0, 2);
    const saved = await saveTrainingState({ variables: modelVariables(a), optimizer: a.optimizer });
    const b = bnModel(make());
    // Only the batch-norm statistics listed, and no slot bound: the slots' variables are unknown.
    const trainableA = new Set(trainableNames(a));
    const keep = modelVariables(a).map((v) => !trainableA.has(v.name));
    const stats = modelVariables(b).filter((_, i) => keep[i]);
    const partial = {
      ...saved,
      variables: saved.variables.filter((_, i) => keep[i]),
      optimizer: { ...saved.optimizer, variableIndex: saved.optimizer.variableIndex!.map(() => -1) },
    };
    loadTrainingState({ variables: stats, optimizer: b.optimizer }, partial);
    const before = await bytes(b);
    expect(() => (b.optimizer as ScheduleFreeOptimizer).eval()).toThrow(/Expected to know the model variable of optimizer state/);
    expect((b.optimizer as ScheduleFreeOptimizer).mode).toBe('train');
    expectSameBytes(await bytes(b), before);
    for (const m of [a, b]) {
      m.optimizer.dispose();
      m.dispose();
    }
  });

  it('a checkpoint that lists only some variables keeps the ones the optimizer already knows', async () => {
    const opt = make();
    const model = bnModel(opt);
    await trainSteps(model, 0, 3);
    const ckpt = Checkpoint.capture({ variables: modelVariables(model).slice(0, 1), optimizer: opt });
    await trainSteps(model, 3, 2);
    ckpt.restore();
    expect(opt.stateVariables.every((v) => v !== undefined)).toBe(true);
    opt.eval();
    expect(opt.mode).toBe('eval');
    opt.train();
    ckpt.dispose();
    model.dispose();
    opt.dispose();
  });

  it('a checkpoint taken in eval mode restores eval mode, x in the model and the y that train() puts back', async () => {
    const opt = make();
    const model = bnModel(opt);
    await trainSteps(model, 0, 6);
    const atY = await bytes(model);
    opt.eval();
    const atX = await bytes(model);
    const ckpt = Checkpoint.capture({ variables: modelVariables(model), optimizer: opt });
    opt.train();
    await trainSteps(model, 6, 5);
    ckpt.restore();
    expect(opt.mode).toBe('eval');
    expect(opt.iterations).toBe(6);
    expectSameBytes(await bytes(model), atX);
    opt.train();
    expectSameBytes(await bytes(model), atY);
    ckpt.dispose();
    model.dispose();
    opt.dispose();
  });

  it('a checkpoint taken in train mode and restored in eval mode leaves train mode and no saved y', async () => {
    const opt = make();
    const model = bnModel(opt);
    await trainSteps(model, 0, 4);
    const ckpt = Checkpoint.capture({ variables: modelVariables(model), optimizer: opt });
    const atCapture = await bytes(model);
    await trainSteps(model, 4, 3);
    opt.eval();
    ckpt.restore();
    expect(opt.mode).toBe('train');
    expect(opt.stateSlots()['y']).toHaveLength(0);
    expectSameBytes(await bytes(model), atCapture);
    ckpt.dispose();
    model.dispose();
    opt.dispose();
  });

  it('leaks no tensors over steps, eval/train cycles and checkpoints, and frees its state on dispose', async () => {
    const opt = make();
    const model = bnModel(opt);
    const beforeAny = tf.memory().numTensors;
    await trainSteps(model, 0, 1);
    const afterFirst = tf.memory().numTensors;
    const perVariable = name === 'ScheduleFreeAdamW' ? 3 : 2;
    expect(afterFirst - beforeAny).toBe(perVariable * model.trainableWeights.length);
    for (let i = 0; i < 3; i++) {
      await trainSteps(model, i + 1, 2);
      opt.eval();
      opt.train();
      const ckpt = Checkpoint.capture({ variables: modelVariables(model), optimizer: opt });
      ckpt.restore();
      ckpt.dispose();
    }
    expect(tf.memory().numTensors).toBe(afterFirst);
    opt.dispose();
    expect(tf.memory().numTensors).toBe(beforeAny);
    model.dispose();
  });

  it('has its LR set by setLearningRate and the schedules, and applies it from the next step', async () => {
    const opt = make();
    assertLrSettable(opt);
    setLearningRate(opt, 0.123);
    expect(getLearningRate(opt)).toBe(0.123);
    expect(opt.learningRate).toBe(0.123);
    const model = bnModel(opt);
    const used = recordAppliedLr(opt);
    await model.fit(x, y, { batchSize: 16, epochs: 1, verbose: 0, shuffle: false, callbacks: [cosineAnnealingLR({ lr: 0.1, tMax: 6 })] });
    const expected = Array.from({ length: 6 }, (_, t) => 0.05 * (1 + Math.cos((Math.PI * t) / 6)));
    used.forEach((lr, t) => expect(lr).toBeCloseTo(expected[t]!, 12));
    // The last step ran at the scheduled (warmup) LR: lr · 6/5 capped at lr.
    expect(opt.scheduledLr).toBeCloseTo(expected[5]!, 12);
    model.dispose();
    opt.dispose();
  });

  it('is driven by AutoLRS, whose probes restore the state: the training ends in train mode with finite weights', async () => {
    const opt = make();
    const model = bnModel(opt);
    const tuner = autoLRS({ strategy: 'reference', minLr: name === 'ScheduleFreeSGD' ? 0.05 : 1e-3, maxLr: name === 'ScheduleFreeSGD' ? 1 : 0.03, tau: 12, tauPrime: 3, k: 2, seed: 1 });
    await model.fit(x, y, { batchSize: 16, epochs: 8, verbose: 0, shuffle: false, callbacks: [tuner] });
    expect(tuner.history.filter((h) => h.chosenLr !== undefined).length).toBeGreaterThanOrEqual(2);
    for (const h of tuner.history) for (const t of h.trials) expect(getLearningRate(opt) > 0 && t.lr > 0).toBe(true);
    expect(opt.mode).toBe('train');
    for (const b of await bytes(model)) expect(Array.from(new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.length))).every(Number.isFinite)).toBe(true);
    model.dispose();
    opt.dispose();
  });

  it('goes through lrRangeTest and comes back bit for bit, state and LR included', async () => {
    const opt = make();
    const model = bnModel(opt);
    await trainSteps(model, 0, 3);
    const before = await bytes(model);
    const scalars = opt.stateScalars;
    const lr = opt.learningRate;
    const r = await lrRangeTest(model, { x, y }, { startLr: 1e-4, endLr: 10, numSteps: 20, batchSize: 16 });
    expect(r.lrs.length).toBeGreaterThan(2);
    expectSameBytes(await bytes(model), before);
    expect(opt.stateScalars).toEqual(scalars);
    expect(opt.iterations).toBe(3);
    expect(opt.learningRate).toBe(lr);
    model.dispose();
    opt.dispose();
  });

  it('round-trips getWeights/setWeights and getConfig/fromConfig', async () => {
    const opt = make();
    const model = bnModel(opt);
    await trainSteps(model, 0, 4);
    const weights = await opt.getWeights();
    const fresh = tf.serialization.SerializationMap.getMap().classNameMap[name]!;
    const copy = fresh[1](fresh[0], opt.getConfig()) as ScheduleFreeOptimizer;
    expect(copy.getConfig()).toEqual(opt.getConfig());
    await copy.setWeights(weights);
    expect(copy.iterations).toBe(4);
    expect(copy.stateScalars.weightSum).toBeCloseTo(opt.stateScalars.weightSum, 5);
    const a = opt.stateSlots()['z']!;
    const b = copy.stateSlots()['z']!;
    expect(b).toHaveLength(a.length);
    for (let i = 0; i < a.length; i++) expect(Array.from(await b[i]!.variable.data())).toEqual(Array.from(await a[i]!.variable.data()));
    copy.dispose();
    model.dispose();
    opt.dispose();
  });
});

describe('Schedule-Free arguments', () => {
  it('has the reference defaults', () => {
    const sgd = new ScheduleFreeSGD();
    expect([sgd.learningRate, sgd.momentum, sgd.weightDecay, sgd.warmupSteps, sgd.r, sgd.weightLrPower]).toEqual([1.0, 0.9, 0, 0, 0, 2]);
    const adamw = new ScheduleFreeAdamW();
    expect([adamw.learningRate, adamw.beta1, adamw.beta2, adamw.epsilon, adamw.weightDecay, adamw.warmupSteps, adamw.r, adamw.weightLrPower]).toEqual([
      0.0025, 0.9, 0.999, 1e-8, 0, 0, 0, 2,
    ]);
  });

  it('refuses bad input with a typed error before any state exists', () => {
    const cases: Array<[() => unknown, new (...a: never[]) => Error, RegExp]> = [
      [() => scheduleFreeSGD({ learningRate: -1 }), RangeError, /`learningRate` to be a finite number >= 0, got -1/],
      [() => scheduleFreeAdamW({ learningRate: NaN }), RangeError, /`learningRate`.*got NaN/],
      [() => scheduleFreeAdamW({ learningRate: Infinity }), RangeError, /`learningRate`.*got Infinity/],
      [() => scheduleFreeSGD({ learningRate: '0.1' as never }), TypeError, /`learningRate`/],
      [() => scheduleFreeSGD({ momentum: 1 }), RangeError, /`momentum` to be a number in \[0, 1\), got 1/],
      [() => scheduleFreeSGD({ momentum: -0.1 }), RangeError, /`momentum`/],
      [() => scheduleFreeAdamW({ beta1: 1.5 }), RangeError, /`beta1`/],
      [() => scheduleFreeAdamW({ beta2: 1 }), RangeError, /`beta2`/],
      [() => scheduleFreeAdamW({ epsilon: 0 }), RangeError, /`epsilon`/],
      [() => scheduleFreeSGD({ warmupSteps: -1 }), RangeError, /`warmupSteps` to be an integer >= 0, got -1/],
      [() => scheduleFreeSGD({ warmupSteps: 2.5 }), RangeError, /`warmupSteps`/],
      [() => scheduleFreeAdamW({ weightDecay: -1e-4 }), RangeError, /`weightDecay`/],
      [() => scheduleFreeAdamW({ r: -1 }), RangeError, /`r`/],
      [() => scheduleFreeAdamW({ weightLrPower: NaN }), RangeError, /`weightLrPower`/],
      [() => scheduleFreeSGD({ lr: 0.1 } as never), TypeError, /Unknown option `lr`/],
      [() => scheduleFreeAdamW({ momentum: 0.9 } as never), TypeError, /Unknown option `momentum`/],
      [() => scheduleFreeSGD(null as never), TypeError, /`args`/],
      [() => scheduleFreeSGD({ warmupSteps: null } as never), TypeError, /`warmupSteps`/],
    ];
    for (const [fn, type, message] of cases) {
      expect(fn).toThrow(type);
      expect(fn).toThrow(message);
    }
  });

  it('refuses a bad LR set later, keeping the old one', () => {
    const opt = scheduleFreeAdamW({ learningRate: 0.01 });
    expect(() => (opt.learningRate = -0.5)).toThrow(RangeError);
    expect(() => setLearningRate(opt, NaN)).toThrow(RangeError);
    expect(() => opt.setLearningRate(Infinity)).toThrow(RangeError);
    expect(opt.learningRate).toBe(0.01);
  });

  it('eval() and train() before any step change nothing', async () => {
    const opt = scheduleFreeSGD();
    const model = bnModel(opt);
    const w = await bytes(model);
    opt.eval();
    expect(opt.mode).toBe('eval');
    expectSameBytes(await bytes(model), w);
    opt.train();
    expectSameBytes(await bytes(model), w);
    model.dispose();
  });

  it('warms up: the scheduled LR grows linearly to the base LR, and the average weighs steps by lr_max²', async () => {
    const opt = scheduleFreeSGD({ learningRate: 0.4, warmupSteps: 4 });
    const model = bnModel(opt);
    const seen: Array<[number, number]> = [];
    await model.fit(x, y, {
      batchSize: 16,
      epochs: 1,
      verbose: 0,
      shuffle: false,
      callbacks: [atStep(1, () => void seen.push([opt.scheduledLr, opt.weightSum])), atStep(4, () => void seen.push([opt.scheduledLr, opt.weightSum])), atStep(6, () => void seen.push([opt.scheduledLr, opt.weightSum]))],
    });
    // Weights: 0.1², 0.2², 0.3², 0.4², 0.4², 0.4².
    expect(seen[0]![0]).toBeCloseTo(0.1, 15);
    expect(seen[0]![1]).toBeCloseTo(0.01, 15);
    expect(seen[1]![0]).toBeCloseTo(0.4, 15);
    expect(seen[1]![1]).toBeCloseTo(0.01 + 0.04 + 0.09 + 0.16, 15);
    expect(seen[2]![1]).toBeCloseTo(0.3 + 2 * 0.16, 15);
    model.dispose();
    opt.dispose();
  });
});
