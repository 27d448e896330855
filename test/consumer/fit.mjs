// Run inside a fresh project that installed autolrs (from `npm pack`) and @tensorflow/tfjs:
// a short model.fit of an MLP on random data with autoLRS, then with stepLR.
// Prints one JSON line with what the test checks.
import * as tf from '@tensorflow/tfjs';
import { autoLRS, stepLR } from 'autolrs';

function mlp(seed) {
  const model = tf.sequential({
    layers: [
      tf.layers.dense({ inputShape: [8], units: 16, activation: 'relu', kernelInitializer: tf.initializers.glorotUniform({ seed: seed + 1 }) }),
      tf.layers.dense({ units: 3, activation: 'softmax', kernelInitializer: tf.initializers.glorotUniform({ seed: seed + 2 }) }),
    ],
  });
  model.compile({ optimizer: tf.train.momentum(0.05, 0.9), loss: 'categoricalCrossentropy' });
  return model;
}

const x = tf.randomNormal([56, 8], 0, 1, 'float32', 1);
const y = tf.oneHot(tf.argMax(tf.matMul(x, tf.randomNormal([8, 3], 0, 1, 'float32', 2)), 1), 3);

// AutoLRS: 7 batches of 8 per epoch, 4 epochs = 28 steps: two stages of two 3-step probes and 8 training steps.
const tuner = autoLRS({ strategy: 'reference', minLr: 1e-3, maxLr: 0.1, tau: 8, tauPrime: 3, k: 2, tauMax: 8, seed: 1 });
const h1 = await mlp(0).fit(x, y, { batchSize: 8, epochs: 4, verbose: 0, callbacks: [tuner] });

// AutoLRS, cooldown strategy (the default): 40 gradient steps in all; stage 1 probes 2 LRs, stage 2
// probes 2, 3 steps each; 8 of the 56 examples are held out to score the probes.
const cooldown = autoLRS({ data: { x, y }, minLr: 1e-3, maxLr: 0.1, totalSteps: 40, probeSteps: 3, k: 2, laterK: 2, stages: 2, scoreSize: 8, seed: 1 });
const h3 = await mlp(0).fit(x, y, { batchSize: 8, epochs: 10, verbose: 0, callbacks: [cooldown] });

// StepLR: the LR halves every 5 steps; 2 epochs = 14 steps end at step index 13, LR 0.05 * 0.5^2.
const schedule = stepLR({ stepSize: 5, gamma: 0.5 });
const model2 = mlp(0);
const h2 = await model2.fit(x, y, { batchSize: 8, epochs: 2, verbose: 0, callbacks: [schedule] });

console.log(
  JSON.stringify({
    tfjs: tf.version.tfjs,
    tfjsCore: tf.version_core,
    autoLRS: {
      losses: h1.history.loss,
      globalStep: tuner.globalStep,
      stages: tuner.history.map((s) => ({ trials: s.trials.map((t) => t.lr), chosenLr: s.chosenLr })),
      endState: tuner.endState,
    },
    cooldown: {
      losses: h3.history.loss,
      stats: cooldown.stats,
      stages: cooldown.history.map((s) => ({ trials: s.trials.map((t) => t.lr), chosenLr: s.chosenLr, kept: s.kept })),
    },
    stepLR: { losses: h2.history.loss, step: schedule.step, lr: schedule.lr, optimizerLr: model2.optimizer.learningRate },
  }),
);
