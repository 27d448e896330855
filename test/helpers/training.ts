/** Small training fixtures shared by the tests that run model.fit on the cpu backend. */
import * as tf from '@tensorflow/tfjs';
import { modelVariables } from '../../src/state/checkpoint.js';

/** A separable 3-class problem: x [n, 8], one-hot y [n, 3]. */
export function data(n = 64, seed = 3): { x: tf.Tensor2D; y: tf.Tensor2D } {
  return tf.tidy(() => {
    const x = tf.randomNormal([n, 8], 0, 1, 'float32', seed) as tf.Tensor2D;
    const w = tf.randomNormal([8, 3], 0, 1, 'float32', seed + 1);
    const y = tf.oneHot(tf.argMax(tf.matMul(x, w), 1), 3) as tf.Tensor2D;
    return { x, y };
  });
}

/** A seeded 8-16-3 perceptron compiled with `optimizer`. */
export function mlp(optimizer: tf.Optimizer = tf.train.momentum(0.01, 0.9)): tf.LayersModel {
  const model = tf.sequential({
    layers: [
      tf.layers.dense({ inputShape: [8], units: 16, activation: 'relu', kernelInitializer: tf.initializers.glorotUniform({ seed: 11 }) }),
      tf.layers.dense({ units: 3, activation: 'softmax', kernelInitializer: tf.initializers.glorotUniform({ seed: 12 }) }),
    ],
  });
  model.compile({ optimizer, loss: 'categoricalCrossentropy' });
  return model;
}

/** Wraps applyGradients to record the LR that each update really uses. */
export function recordAppliedLr(optimizer: tf.Optimizer): number[] {
  const used: number[] = [];
  const original = optimizer.applyGradients.bind(optimizer);
  optimizer.applyGradients = (g) => {
    used.push((optimizer as unknown as { learningRate: number }).learningRate);
    return original(g);
  };
  return used;
}

/** A callback that runs `fn` at the end of the `at`-th step it sees (1-based), after the callbacks before it. */
export function atStep(at: number, fn: () => void | Promise<void>): tf.Callback {
  let n = 0;
  return new (class extends tf.Callback {
    override async onBatchEnd(): Promise<void> {
      if (++n === at) await fn();
    }
  })();
}

/** The values of a model's variables (trainable and not, in `modelVariables` order), or of a list of variables, read from the device. */
export async function values(vars: tf.Variable[] | tf.LayersModel): Promise<Float32Array[]> {
  const list = Array.isArray(vars) ? vars : modelVariables(vars);
  return Promise.all(list.map(async (v) => (await v.data()) as Float32Array));
}
