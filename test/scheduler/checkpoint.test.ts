import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { Checkpoint, modelVariables } from '../../src/state/checkpoint.js';
import { getLearningRate, setLearningRate } from '../../src/state/lr.js';
import { scheduleFreeAdamW } from '../../src/optimizers/schedule-free-adamw.js';
import { scheduleFreeSGD } from '../../src/optimizers/schedule-free-sgd.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const OPTIMIZERS: Record<string, () => tf.Optimizer> = {
  sgd: () => tf.train.sgd(0.05),
  momentum: () => tf.train.momentum(0.05, 0.9),
  nesterov: () => tf.train.momentum(0.05, 0.9, true),
  adam: () => tf.train.adam(0.01),
  adamax: () => tf.train.adamax(0.01, 0.9, 0.999, undefined, 0.01),
  // Non-centered: tfjs 4.22's centered RMSProp subtracts epsilon under the square root and yields NaN.
  rmsprop: () => tf.train.rmsprop(0.01, 0.9, 0.5),
  adagrad: () => tf.train.adagrad(0.05),
  adadelta: () => tf.train.adadelta(1, 0.9),
  scheduleFreeSGD: () => scheduleFreeSGD({ learningRate: 0.5, warmupSteps: 2, weightDecay: 1e-3 }),
  scheduleFreeAdamW: () => scheduleFreeAdamW({ learningRate: 0.01, warmupSteps: 2, weightDecay: 1e-3 }),
};

function makeModel(optimizer: tf.Optimizer): tf.LayersModel {
  const model = tf.sequential({
    layers: [
      tf.layers.dense({ inputShape: [6], units: 8, kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }) }),
      tf.layers.batchNormalization(),
      tf.layers.activation({ activation: 'relu' }),
      tf.layers.dense({ units: 3, activation: 'softmax', kernelInitializer: tf.initializers.glorotUniform({ seed: 2 }) }),
    ],
  });
  model.compile({ optimizer, loss: 'categoricalCrossentropy' });
  return model;
}

const x = tf.tidy(() => tf.randomNormal([16, 6], 0, 1, 'float32', 7));
const y = tf.tidy(() => tf.oneHot(tf.tensor1d([0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0], 'int32'), 3));

async function train(model: tf.LayersModel, steps: number): Promise<void> {
  for (let i = 0; i < steps; i++) await model.trainOnBatch(x, y);
}

/** Every weight's values, bit for bit. */
async function snapshot(model: tf.LayersModel): Promise<Float32Array[]> {
  return Promise.all(model.weights.map(async (w) => new Float32Array(await w.read().data())));
}

/**
 * The optimizer's state as tfjs itself reports it (independent of Checkpoint); empty
 * for Adamax, whose getWeights() tfjs does not implement (the trajectory check covers it).
 */
async function optimizerState(opt: tf.Optimizer): Promise<Array<{ name: string; values: Float32Array }>> {
  if (opt.getClassName() === 'Adamax') return [];
  const named = await opt.getWeights();
  return Promise.all(named.map(async (n) => ({ name: n.name, values: new Float32Array(await n.tensor.data()) })));
}

function expectBitIdentical(a: Float32Array[], b: Float32Array[]): void {
  expect(a.length).toBe(b.length);
  a.forEach((arr, i) => {
    expect(Buffer.from(arr.buffer).equals(Buffer.from(b[i]!.buffer))).toBe(true);
  });
}

describe.each(Object.keys(OPTIMIZERS))('Checkpoint with %s', (name) => {
  it('restores weights and optimizer state bit-exactly, so training retraces the same path', async () => {
    const model = makeModel(OPTIMIZERS[name]!());
    await train(model, 3);
    const state = { variables: modelVariables(model), optimizer: model.optimizer };
    const ckpt = Checkpoint.capture(state);
    const atCapture = await snapshot(model);
    const optAtCapture = await optimizerState(model.optimizer);

    await train(model, 4);
    const pathA = await snapshot(model);
    expect(pathA.some((w, i) => !Buffer.from(w.buffer).equals(Buffer.from(atCapture[i]!.buffer)))).toBe(true);

    ckpt.restore();
    expectBitIdentical(await snapshot(model), atCapture);
    const optRestored = await optimizerState(model.optimizer);
    expect(optRestored.map((o) => o.name)).toEqual(optAtCapture.map((o) => o.name));
    expectBitIdentical(
      optRestored.map((o) => o.values),
      optAtCapture.map((o) => o.values),
    );

    await train(model, 4);
    expectBitIdentical(await snapshot(model), pathA);
    ckpt.dispose();
    model.dispose();
  });

  it('restores a state captured before the first step (no optimizer slots yet)', async () => {
    const model = makeModel(OPTIMIZERS[name]!());
    const ckpt = Checkpoint.capture({ variables: modelVariables(model), optimizer: model.optimizer });
    const initial = await snapshot(model);
    await train(model, 3);
    const pathA = await snapshot(model);
    ckpt.restore();
    expectBitIdentical(await snapshot(model), initial);
    expect(model.optimizer.iterations).toBe(0);
    await train(model, 3);
    expectBitIdentical(await snapshot(model), pathA);
    ckpt.dispose();
    model.dispose();
  });
});

describe('Checkpoint memory', () => {
  it('holds no tensors after dispose and leaks none over repeated restore cycles', async () => {
    const model = makeModel(tf.train.adam(0.01));
    await train(model, 1);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 5; i++) {
      const ckpt = Checkpoint.capture({ variables: modelVariables(model), optimizer: model.optimizer });
      expect(ckpt.numTensors).toBeGreaterThan(model.weights.length);
      await train(model, 2);
      ckpt.restore();
      ckpt.dispose();
      expect(ckpt.disposed).toBe(true);
      ckpt.dispose(); // twice is harmless
    }
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
  });

  it('refuses to restore after dispose', () => {
    const model = makeModel(tf.train.sgd(0.1));
    const ckpt = Checkpoint.capture({ variables: modelVariables(model), optimizer: model.optimizer });
    ckpt.dispose();
    expect(() => ckpt.restore()).toThrow(/disposed/);
    model.dispose();
  });
});

describe('learning-rate setting', () => {
  it.each(Object.keys(OPTIMIZERS))('changes the step size that %s actually applies', async (name) => {
    // Two identical models; one gets its LR halved through setLearningRate. The first
    // update of SGD-like optimizers scales with the LR, and every optimizer's differs.
    const a = makeModel(OPTIMIZERS[name]!());
    const b = makeModel(OPTIMIZERS[name]!());
    const lr = getLearningRate(b.optimizer);
    setLearningRate(b.optimizer, lr / 2);
    expect(getLearningRate(b.optimizer)).toBe(lr / 2);
    const w0 = await snapshot(a);
    await train(a, 1);
    await train(b, 1);
    const da = (await snapshot(a))[0]!.map((v, i) => v - w0[0]![i]!);
    const db = (await snapshot(b))[0]!.map((v, i) => v - w0[0]![i]!);
    // The kernel of the first layer moved by half as much (within float rounding).
    const ratio = db.reduce((s, v) => s + Math.abs(v), 0) / da.reduce((s, v) => s + Math.abs(v), 0);
    expect(ratio).toBeCloseTo(0.5, 3);
    a.dispose();
    b.dispose();
  });

  it.each(['sgd', 'momentum'] as const)(
    '%s: applies an LR written directly to `learningRate` once setLearningRate is called with it',
    async (name) => {
      // w = 1, loss = w, so dL/dw = 1 and the first update is w -= lr (momentum starts at 0).
      const optimizer = name === 'sgd' ? tf.train.sgd(0.1) : tf.train.momentum(0.1, 0.9);
      const w = tf.variable(tf.scalar(1));
      setLearningRate(optimizer, 0.1);
      // A direct write leaves the optimizer's cached `-lr` scalar at -0.1.
      (optimizer as unknown as { learningRate: number }).learningRate = 0.5;
      setLearningRate(optimizer, 0.5);
      optimizer.minimize(() => w.mul(1).asScalar());
      expect((await w.data())[0]).toBeCloseTo(1 - 0.5, 6);
      // Setting the same LR again allocates nothing.
      const before = tf.memory().numTensors;
      for (let i = 0; i < 5; i++) setLearningRate(optimizer, 0.5);
      expect(tf.memory().numTensors).toBe(before);
      // Another value takes effect: w -= 0.2 * g (SGD), w -= 0.2 * (0.9 * 1 + 1) (momentum).
      setLearningRate(optimizer, 0.2);
      optimizer.minimize(() => w.mul(1).asScalar());
      expect((await w.data())[0]).toBeCloseTo(name === 'sgd' ? 0.5 - 0.2 : 0.5 - 0.2 * 1.9, 6);
      expect(tf.memory().numTensors).toBe(before);
      w.dispose();
      optimizer.dispose();
    },
  );

  it('rejects an optimizer whose LR cannot be set', () => {
    const fake = { getClassName: () => 'MyOptimizer', learningRate: 0.1 };
    expect(() => setLearningRate(fake as never, 0.1)).toThrow(TypeError);
    expect(() => setLearningRate(fake as never, 0.1)).toThrow(/Expected `optimizer` to be a tfjs optimizer whose learning rate can be set.*got a MyOptimizer optimizer/);
    expect(() => getLearningRate({} as never)).toThrow(/got an object/);
    expect(() => setLearningRate(tf.train.sgd(0.1), -1)).toThrow(RangeError);
    expect(() => setLearningRate(tf.train.sgd(0.1), NaN)).toThrow(RangeError);
  });
});
