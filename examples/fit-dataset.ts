/**
 * AutoLRS in `model.fitDataset`: shuffled batches from `makeDataset`, validation data
 * for the end-of-epoch metrics.
 *
 *   npx tsx examples/fit-dataset.ts
 */
import { autoLRS, makeDataset } from '../src/index.js';
import { SIZES, mlp, printHistory, setup, testAccuracy } from './shared.js';

const data = await setup();
const model = mlp();
const validation = data.validation!;

const tuner = autoLRS({
  strategy: 'reference',
  minLr: 1e-3,
  maxLr: 0.2,
  tau: SIZES.tau,
  tauPrime: SIZES.tauPrime,
  k: SIZES.k,
  seed: 0,
  // Used by the search once tau reaches tauMax (validation mode); here it stays on the training loss.
  validationData: [validation.xs, validation.ys],
});
const dataset = makeDataset(data.train.xs, data.train.ys, { batchSize: SIZES.batchSize, seed: 0 });
const history = await model.fitDataset(dataset, {
  epochs: SIZES.epochs,
  validationData: [validation.xs, validation.ys],
  verbose: 0,
  callbacks: [tuner],
});

printHistory(tuner.history);
const valAcc = history.history['val_acc'] ?? history.history['val_accuracy'] ?? [];
console.log(`validation accuracy per epoch: ${valAcc.map((a) => (100 * Number(a)).toFixed(1)).join(', ')} %`);
console.log(`test accuracy: ${(100 * (await testAccuracy(model, data))).toFixed(2)} %`);

model.dispose();
data.dispose();
