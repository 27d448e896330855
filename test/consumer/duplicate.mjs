// Run inside a project with two copies of TensorFlow.js: autolrs uses @tensorflow/tfjs, the
// model below is built with another copy installed as `tfjs-other`. `fit` must fail with
// the duplicate-engine error; prints one JSON line with the error of each case.
import * as other from 'tfjs-other';
import { autoLRS, stepLR, AutoLRSDriver } from 'autolrs';

function mlp() {
  const model = other.sequential({
    layers: [
      other.layers.dense({ inputShape: [4], units: 8, activation: 'relu' }),
      other.layers.dense({ units: 2, activation: 'softmax' }),
    ],
  });
  model.compile({ optimizer: other.train.sgd(0.1), loss: 'categoricalCrossentropy' });
  return model;
}

const x = other.randomNormal([16, 4]);
const y = other.oneHot(other.tensor1d([0, 1, 0, 1, 1, 0, 0, 1, 0, 1, 1, 0, 0, 1, 0, 1], 'int32'), 2);
const errors = {};
for (const [name, make] of [
  ['autoLRS', () => autoLRS({ strategy: 'reference', minLr: 1e-3, maxLr: 0.1, tau: 8, tauPrime: 3, k: 2 })],
  ['cooldown', () => autoLRS({ data: { x, y }, minLr: 1e-3, maxLr: 0.1, totalSteps: 8, probeSteps: 2, k: 1, laterK: 1, stages: 1, scoreSize: 4 })],
  ['stepLR', () => stepLR({ stepSize: 2 })],
]) {
  try {
    await mlp().fit(x, y, { batchSize: 8, epochs: 1, verbose: 0, callbacks: [make()] });
    errors[name] = null;
  } catch (err) {
    errors[name] = { name: err.name, message: err.message };
  }
}
try {
  const model = mlp();
  new AutoLRSDriver({ variables: model.trainableWeights.map((w) => w.read()), optimizer: model.optimizer }, { minLr: 1e-3, maxLr: 0.1 });
  errors.driver = null;
} catch (err) {
  errors.driver = { name: err.name, message: err.message };
}
console.log(JSON.stringify({ otherVersion: other.version.tfjs, errors }));
