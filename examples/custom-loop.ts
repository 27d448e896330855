/**
 * AutoLRS in a hand-written training loop: `optimizer.minimize` on your own variables,
 * with the `AutoLRSDriver` told each step's loss.
 *
 *   npx tsx examples/custom-loop.ts
 */
import * as tf from '@tensorflow/tfjs';
import { AutoLRSDriver, epochBatches, stepLog } from '../src/index.js';
import { SIZES, printHistory, setup } from './shared.js';

const data = await setup();

// A 784-128-10 perceptron as plain variables.
const w1 = tf.variable(tf.randomNormal([784, 128], 0, Math.sqrt(2 / 784), 'float32', 1), true, 'w1');
const b1 = tf.variable(tf.zeros([128]), true, 'b1');
const w2 = tf.variable(tf.randomNormal([128, 10], 0, Math.sqrt(1 / 128), 'float32', 2), true, 'w2');
const b2 = tf.variable(tf.zeros([10]), true, 'b2');
const variables = [w1, b1, w2, b2];
const logits = (x: tf.Tensor) => tf.tidy(() => x.reshape([-1, 784]).matMul(w1).add(b1).relu().matMul(w2).add(b2));

const optimizer = tf.train.momentum(0.01, 0.9);
// The driver checkpoints and restores these variables and the optimizer's state around each probe.
const driver = new AutoLRSDriver(
  { variables, optimizer },
  { minLr: 1e-3, maxLr: 0.2, tau: SIZES.tau, tauPrime: SIZES.tauPrime, k: SIZES.k, seed: 0 },
);
// Optional: the step log works outside fit too (beginStep / endStep).
const log = stepLog({ optimizer, autolrs: driver.controller });

await driver.begin();
for (let epoch = 0; epoch < SIZES.epochs; epoch++) {
  for (const { xs, ys } of epochBatches(data.train.xs, data.train.ys, { batchSize: SIZES.batchSize, seed: 0 }, epoch)) {
    log.beginStep(epoch);
    const loss = optimizer.minimize(() => tf.losses.softmaxCrossEntropy(ys, logits(xs)) as tf.Scalar, true, variables)!;
    await driver.afterStep(loss); // the driver clones what it keeps
    await log.endStep(loss); // so does the log
    tf.dispose([loss, xs, ys]);
  }
}
await log.flush();
console.log(`driver ended: ${await driver.end()}`); // restores the checkpoint if stopped inside a probe

printHistory(driver.controller.history);
const last = log.last!;
console.log(`${log.step} steps; last recorded: step ${last.step}, ${last.phase}, lr ${last.lr.toPrecision(3)}, loss ${last.loss?.toFixed(4)}`);
const accuracy = tf.tidy(() => tf.equal(tf.argMax(logits(data.test.xs), 1), tf.argMax(data.test.ys, 1)).mean());
console.log(`test accuracy: ${(100 * (await accuracy.data())[0]!).toFixed(2)} %`);

accuracy.dispose();
tf.dispose(variables);
optimizer.dispose();
data.dispose();
