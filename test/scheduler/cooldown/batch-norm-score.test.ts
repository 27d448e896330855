/**
 * `batchNormBatches`: before each score of a search, the callback recomputes the
 * batch-normalization statistics on that many batches of `data`; the model that training
 * goes on from keeps its own statistics.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { AutoLRSCooldown } from '../../../src/scheduler/cooldown/callback.js';
import { reestimateBatchNorm } from '../../../src/optimizers/batch-norm.js';
import { Checkpoint, modelVariables } from '../../../src/state/checkpoint.js';
import { data, mlp, values } from '../../helpers/training.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const { x, y } = data(512, 3);
const val = data(64, 5);
// One halved search (4 probes of 4 + 2 continued to 10 steps) that trains on from the checkpoint.
const options = { minLr: 1e-3, maxLr: 1, totalSteps: 120, probeSteps: 10, rungSteps: 4, survivors: 2, k: 4, stages: 1, seed: 1, validationData: [val.x, val.y] as [tf.Tensor, tf.Tensor] };

/** A seeded 8-16-BN-3 perceptron compiled with SGD momentum. */
function bnModel(): tf.LayersModel {
  const model = tf.sequential({
    layers: [
      tf.layers.dense({ inputShape: [8], units: 16, activation: 'relu', kernelInitializer: tf.initializers.glorotUniform({ seed: 11 }) }),
      tf.layers.batchNormalization({ momentum: 0.9 }),
      tf.layers.dense({ units: 3, activation: 'softmax', kernelInitializer: tf.initializers.glorotUniform({ seed: 12 }) }),
    ],
  });
  model.compile({ optimizer: tf.train.momentum(0.01, 0.9), loss: 'categoricalCrossentropy' });
  return model;
}

/** The validation loss of `model`, after re-estimating its statistics on `batches` batches of 16 of x (0: none); the model is left as it was. */
async function scoreOf(model: tf.LayersModel, batches: number): Promise<number> {
  const saved = Checkpoint.capture({ variables: modelVariables(model), optimizer: model.optimizer });
  if (batches > 0) reestimateBatchNorm(model, x, { numBatches: batches, batchSize: 16 });
  const loss = model.evaluate(val.x, val.y, { batchSize: 256 }) as tf.Scalar;
  const v = (await loss.data())[0]!;
  loss.dispose();
  saved.restore();
  saved.dispose();
  return v;
}

/** Fits with the tuner; returns the model's variables as training begins after the search. */
async function fitWith(model: tf.LayersModel, tuner: AutoLRSCooldown): Promise<Float32Array[]> {
  let first: Float32Array[] = [];
  const watch = new (class extends tf.Callback {
    override async onBatchBegin(batch: number): Promise<void> {
      if (batch === 0 && first.length === 0) first = await values(model);
    }
  })();
  await model.fit(x, y, { batchSize: 16, epochs: 10, shuffle: false, verbose: 0, callbacks: [tuner, watch] });
  return first;
}

describe('cooldown strategy: batch-norm statistics before a score (batchNormBatches)', () => {
  it('scores with the statistics recomputed on batchNormBatches batches of data (16 by default), and with the moving ones at 0', async () => {
    const plain = await scoreOf(bnModel(), 0);
    const four = await scoreOf(bnModel(), 4);
    const sixteen = await scoreOf(bnModel(), 16);
    // The fresh model's moving statistics (mean 0, variance 1) are far from its activations'.
    expect(Math.abs(four - plain)).toBeGreaterThan(0.01);
    expect(Math.abs(sixteen - four)).toBeGreaterThan(1e-4);
    for (const [batchNormBatches, expected] of [[4, four], [0, plain], [undefined, sixteen]] as const) {
      const tuner = new AutoLRSCooldown({ data: { x, y }, ...options, ...(batchNormBatches === undefined ? {} : { batchNormBatches }) });
      await bnModel().fit(x, y, { batchSize: 16, epochs: 10, shuffle: false, verbose: 0, callbacks: [tuner] });
      expect(tuner.history[0]!.baseScore).toBeCloseTo(expected, 6);
    }
  });

  it('leaves the model the search started from untouched, moving statistics included, and leaks nothing', async () => {
    const model = bnModel();
    await model.fit(x.slice(0, 16), y.slice(0, 16), { batchSize: 16, epochs: 1, verbose: 0 });
    const before = await values(model);
    const tensors = tf.memory().numTensors;
    const tuner = new AutoLRSCooldown({ data: { x, y }, ...options });
    const atTraining = await fitWith(model, tuner);
    expect(tuner.history[0]!.kept).toBe('checkpoint');
    expect(atTraining).toHaveLength(before.length);
    atTraining.forEach((v, i) => expect(Buffer.from(v.buffer).equals(Buffer.from(before[i]!.buffer))).toBe(true));
    expect(tf.memory().numTensors).toBe(tensors);
  });

  it('changes nothing for a model without batch normalization', async () => {
    const runs: Array<{ history: unknown; weights: Float32Array[] }> = [];
    for (const batchNormBatches of [0, 16]) {
      const tuner = new AutoLRSCooldown({ data: { x, y }, ...options, batchNormBatches });
      const model = mlp();
      await model.fit(x, y, { batchSize: 16, epochs: 10, shuffle: false, verbose: 0, callbacks: [tuner] });
      runs.push({ history: tuner.history, weights: await values(model) });
    }
    expect(runs[1]!.history).toEqual(runs[0]!.history);
    runs[1]!.weights.forEach((v, i) => expect(Buffer.from(v.buffer).equals(Buffer.from(runs[0]!.weights[i]!.buffer))).toBe(true));
  });

  it('refuses a batchNormBatches that is not an integer >= 0, before any training', () => {
    for (const bad of [-1, 1.5, Number.NaN, '4']) {
      expect(() => new AutoLRSCooldown({ data: { x, y }, ...options, batchNormBatches: bad as never })).toThrow(/`batchNormBatches` to be an integer >= 0/);
    }
  });
});
