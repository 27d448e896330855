/**
 * AutoLRS in `model.fit`: the callback tunes the LR while the model trains, and a step
 * log records the LR and loss of every step for the schedule plot.
 *
 *   npx tsx examples/fit.ts
 */
import { writeFile, mkdir } from 'node:fs/promises';
import { autoLRS, renderPng, renderSvg, scheduleSpec, stepLog } from '../src/index.js';
import { SIZES, mlp, printHistory, setup, testAccuracy } from './shared.js';

const data = await setup();
const model = mlp();

const tuner = autoLRS({ strategy: 'reference', minLr: 1e-3, maxLr: 0.2, tau: SIZES.tau, tauPrime: SIZES.tauPrime, k: SIZES.k, seed: 0 });
const log = stepLog({ autolrs: tuner }); // after the schedule in `callbacks`
await model.fit(data.train.xs, data.train.ys, {
  epochs: SIZES.epochs,
  batchSize: SIZES.batchSize,
  shuffle: true,
  verbose: 0,
  callbacks: [tuner, log],
});

printHistory(tuner.history);
const stats = tuner.stats!;
console.log(`${stats.searchSteps} probe steps, ${stats.trainSteps} training steps; model left ${tuner.endState}`);
console.log(`test accuracy: ${(100 * (await testAccuracy(model, data))).toFixed(2)} %`);

// The plot of this run: LR (with the probes) over the loss.
const svg = await renderSvg(scheduleSpec(log.records, { title: 'AutoLRS in model.fit', stages: tuner.history }));
await mkdir('runs/examples', { recursive: true });
await writeFile('runs/examples/fit.png', await renderPng(svg));
console.log('plot: runs/examples/fit.png');

model.dispose();
data.dispose();
