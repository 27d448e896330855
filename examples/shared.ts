/**
 * What the examples share: the sizes (tiny when AUTOLRS_EXAMPLE_SMOKE=1, as the tests run
 * them), a Fashion-MNIST subset and a small multilayer perceptron.
 */
import * as tf from '@tensorflow/tfjs';
import { loadFashionMnist, selectBackend, type CooldownStageRecord, type FashionMnist, type StageRecord } from '../src/index.js';

/** True when the examples run as a quick check (the test suite sets AUTOLRS_EXAMPLE_SMOKE=1). */
export const SMOKE = process.env['AUTOLRS_EXAMPLE_SMOKE'] === '1';

/** Sizes of the examples: a few seconds of training on a CPU (a fraction of that in smoke mode). */
export const SIZES = SMOKE
  ? { trainSize: 256, testSize: 256, validationSize: 128, batchSize: 32, epochs: 3, tau: 8, tauPrime: 3, k: 2, probeSteps: 3 as number | undefined }
  : { trainSize: 4000, testSize: 2000, validationSize: 1000, batchSize: 32, epochs: 5, tau: 60, tauPrime: 10, k: 4, probeSteps: undefined as number | undefined };

/** Picks the fastest backend and loads a Fashion-MNIST subset (the caller disposes it). */
export async function setup(): Promise<FashionMnist> {
  const backend = await selectBackend();
  console.log(`backend: ${backend.name} (${backend.reason})`);
  return loadFashionMnist({ trainSize: SIZES.trainSize, testSize: SIZES.testSize, validationSize: SIZES.validationSize, seed: 0 });
}

/** A 784-128-10 perceptron, compiled with SGD + momentum. */
export function mlp(): tf.LayersModel {
  const model = tf.sequential({
    layers: [
      tf.layers.flatten({ inputShape: [28, 28, 1] }),
      tf.layers.dense({ units: 128, activation: 'relu', kernelInitializer: tf.initializers.heNormal({ seed: 1 }) }),
      tf.layers.dense({ units: 10, activation: 'softmax', kernelInitializer: tf.initializers.glorotUniform({ seed: 2 }) }),
    ],
  });
  model.compile({ optimizer: tf.train.momentum(0.01, 0.9), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
  return model;
}

/** Prints what AutoLRS tried and chose in each stage. */
export function printHistory(history: readonly StageRecord[]): void {
  for (const s of history) {
    const trials = s.trials.map((t) => `${t.lr.toPrecision(3)} -> ${t.forecast.toFixed(3)}`).join(', ');
    const chosen = s.chosenLr === undefined ? 'search not finished' : `chose ${s.chosenLr.toPrecision(3)}`;
    console.log(`stage ${s.stage} (tau=${s.tau}, tau'=${s.tauPrime}): tried [lr -> forecast loss] ${trials}; ${chosen}`);
  }
}

/** Prints what each search of the cooldown strategy probed and chose. */
export function printCooldownHistory(history: readonly CooldownStageRecord[]): void {
  for (const s of history) {
    const trials = s.trials.map((t) => `${t.lr.toPrecision(3)} -> ${t.score.toFixed(3)}${t.note ? ` (${t.note})` : ''}`).join(', ');
    const chosen = s.chosenLr === undefined ? 'search not finished' : `chose ${s.chosenLr.toPrecision(3)}`;
    console.log(`search ${s.stage} (${s.trials.length} probes of ${s.probeSteps} steps): tried [lr -> score] ${trials}; ${chosen}`);
  }
}

/** Test accuracy of a compiled model (one host read). */
export async function testAccuracy(model: tf.LayersModel, data: FashionMnist): Promise<number> {
  const out = model.evaluate(data.test.xs, data.test.ys, { batchSize: 512 }) as tf.Scalar[];
  const acc = (await out[1]!.data())[0]!;
  tf.dispose(out);
  return acc;
}
