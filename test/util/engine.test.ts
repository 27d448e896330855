/**
 * One TensorFlow.js, checked: a model, optimizer or variable from a second copy of tfjs
 * is refused with a DuplicateTfjsError before any step. The second copy here is a real
 * one: tfjs's CommonJS files loaded a second time, as Node does for a second install.
 * (test/consumer/ runs the same case with two installed versions.)
 */
import * as tf from '@tensorflow/tfjs';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';

import { AutoLRSDriver, DuplicateTfjsError, autoLRS, loadedTfjsCopies, lrRangeTest, modelVariables, stepLR, stepLog } from '../../src/index.js';
import { data, mlp } from '../helpers/training.js';

const require = createRequire(import.meta.url);
type Tfjs = typeof tf;

/** Loads @tensorflow/tfjs again from its files: a second copy with its own classes. */
function loadSecondCopy(): Tfjs {
  const ours = (key: string) => /[\\/]@tensorflow[\\/]/.test(key);
  const saved = Object.entries(require.cache).filter(([key]) => ours(key));
  for (const [key] of saved) delete require.cache[key];
  const warn = console.warn;
  console.warn = () => {}; // "kernel ... is already registered", as with any second copy
  try {
    return require('@tensorflow/tfjs') as Tfjs;
  } finally {
    console.warn = warn;
    for (const key of Object.keys(require.cache)) if (ours(key)) delete require.cache[key];
    for (const [key, module] of saved) require.cache[key] = module;
  }
}

/** The version of @tensorflow/tfjs-core installed here, read from its package.json. */
function installedCoreVersion(): string {
  const dir = dirname(createRequire(require.resolve('@tensorflow/tfjs')).resolve('@tensorflow/tfjs-core/package.json'));
  return (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version: string }).version;
}

let other: Tfjs;
beforeAll(() => {
  other = loadSecondCopy();
});

let built = 0;
function otherMlp(optimizer?: tf.Optimizer): tf.LayersModel {
  // Named layers: both copies register variables in the one global engine, and their
  // automatic names (dense_Dense1, ...) would collide.
  built++;
  const model = other.sequential({
    layers: [
      other.layers.dense({ inputShape: [8], units: 4, activation: 'relu', name: `other_${built}_a` }),
      other.layers.dense({ units: 3, activation: 'softmax', name: `other_${built}_b` }),
    ],
  });
  model.compile({ optimizer: optimizer ?? other.train.momentum(0.01, 0.9), loss: 'categoricalCrossentropy' });
  return model;
}

function expectDuplicate(err: unknown, what: string): void {
  expect(err).toBeInstanceOf(DuplicateTfjsError);
  expect(err).toBeInstanceOf(TypeError);
  const e = err as DuplicateTfjsError;
  const version = installedCoreVersion();
  expect(e.autolrsVersion).toBe(version);
  expect(e.message).toContain(`expected ${what} to come from the TensorFlow.js that autolrs uses (@tensorflow/tfjs-core ${version}`);
  expect(e.message).toContain('got it from another copy of TensorFlow.js');
  expect(e.message).toContain('npm dedupe');
  expect(e.message).toContain('npm ls @tensorflow/tfjs-core');
}

async function rejection(p: Promise<unknown>): Promise<unknown> {
  return p.then(
    () => {
      throw new Error('expected a rejection');
    },
    (err: unknown) => err,
  );
}

describe('a second copy of tfjs', () => {
  it('is a real second copy: its classes differ, its tensors pass tfjs duck-typed instanceof', () => {
    expect(other.Callback).not.toBe(tf.Callback);
    expect(other.LayersModel).not.toBe(tf.LayersModel);
    expect(other.randomNormal([2])).toBeInstanceOf(tf.Tensor);
  });

  it('autoLRS in its model.fit fails at onTrainBegin with the duplicate-engine error, before any step', async () => {
    const model = otherMlp();
    const { x, y } = data(32);
    const before = model.getWeights().map((w) => w.arraySync());
    const tuner = autoLRS({ strategy: 'reference', minLr: 1e-3, maxLr: 0.1, tau: 8, tauPrime: 3, k: 2 });
    const err = await rejection(model.fit(x, y, { batchSize: 8, epochs: 1, verbose: 0, callbacks: [tuner] }));
    expectDuplicate(err, 'model.fit');
    expect((err as Error).message).toMatch(/^AutoLRS: /);
    expect(model.getWeights().map((w) => w.arraySync())).toEqual(before);
    expect(tuner.globalStep).toBe(0);
  });

  it('a baseline schedule in its model.fit fails the same way', async () => {
    const model = otherMlp();
    const { x, y } = data(32);
    const err = await rejection(model.fit(x, y, { batchSize: 8, epochs: 1, verbose: 0, callbacks: [stepLR({ stepSize: 2 })] }));
    expectDuplicate(err, 'model.fit');
    expect((err as Error).message).toMatch(/^the LR schedule: /);
  });

  it('the step log in its model.fit fails the same way', async () => {
    const model = otherMlp();
    const { x, y } = data(32);
    const err = await rejection(model.fit(x, y, { batchSize: 8, epochs: 1, verbose: 0, callbacks: [stepLog()] }));
    expectDuplicate(err, 'model.fit');
    expect((err as Error).message).toMatch(/^StepLog: /);
  });

  it("after a callback of that copy, autolrs's callback gets its model and refuses it, naming its version", async () => {
    const model = otherMlp();
    const { x, y } = data(32);
    const first = new (class extends other.Callback {})();
    const err = await rejection(
      model.fit(x, y, { batchSize: 8, epochs: 1, verbose: 0, callbacks: [first, autoLRS({ strategy: 'reference', minLr: 1e-3, maxLr: 0.1, tau: 8, tauPrime: 3, k: 2 })] }),
    );
    expectDuplicate(err, 'the model');
    expect((err as Error).message).toMatch(/^AutoLRS: /);
    expect((err as DuplicateTfjsError).otherVersion).toBe(other.version_layers);
  });

  it("autolrs's model compiled with its optimizer fails at onTrainBegin", async () => {
    const model = mlp(other.train.momentum(0.01, 0.9));
    const { x, y } = data(32);
    const err = await rejection(model.fit(x, y, { batchSize: 8, epochs: 1, verbose: 0, callbacks: [stepLR({ stepSize: 2 })] }));
    expectDuplicate(err, "the model's optimizer");
  });

  it('AutoLRSDriver refuses its optimizer at construction', () => {
    const own = mlp();
    const foreign = otherMlp();
    const options = { minLr: 1e-3, maxLr: 0.1 };
    let err: unknown;
    try {
      new AutoLRSDriver({ variables: modelVariables(own), optimizer: foreign.optimizer }, options);
    } catch (e) {
      err = e;
    }
    expectDuplicate(err, 'the optimizer');
    expect((err as Error).message).toMatch(/^AutoLRSDriver: /);
    expect(() => new AutoLRSDriver({ variables: modelVariables(own), optimizer: own.optimizer }, options)).not.toThrow();
  });

  it('lrRangeTest refuses its model', async () => {
    const { x, y } = data(32);
    const err = await rejection(lrRangeTest(otherMlp(), { x, y }, { numSteps: 5 }));
    expectDuplicate(err, 'the model');
  });
});

describe('one copy of tfjs', () => {
  it('a plain object first in `callbacks` makes tfjs-layers wrap autolrs\'s callback: a TypeError says so', async () => {
    const model = mlp();
    const { x, y } = data(32);
    const err = await rejection(
      model.fit(x, y, { batchSize: 8, epochs: 1, verbose: 0, callbacks: [{ onEpochEnd: async () => {} }, autoLRS({ strategy: 'reference', minLr: 1e-3, maxLr: 0.1, tau: 8, tauPrime: 3, k: 2 })] }),
    );
    expect(err).toBeInstanceOf(TypeError);
    expect(err).not.toBeInstanceOf(DuplicateTfjsError);
    expect((err as Error).message).toContain('tf.CustomCallback wrapper');
    expect((err as Error).message).toContain('Put the autolrs callback first in `callbacks`');
  });

  it('loadedTfjsCopies lists the copy autolrs uses, with its installed version', () => {
    const copies = loadedTfjsCopies();
    const own = copies.filter((c) => c.autolrs);
    expect(own).toHaveLength(1);
    expect(own[0]!.version).toBe(installedCoreVersion());
    expect(own[0]!.path).toMatch(/[\\/]@tensorflow[\\/]tfjs-core$/);
  });

  it('fit with autolrs\'s own model and callbacks is unaffected', async () => {
    const model = mlp();
    const { x, y } = data(32);
    const tuner = autoLRS({ strategy: 'reference', minLr: 1e-3, maxLr: 0.1, tau: 8, tauPrime: 3, k: 2 });
    await model.fit(x, y, { batchSize: 8, epochs: 2, verbose: 0, callbacks: [tuner] });
    expect(tuner.globalStep).toBe(8);
  });
});
