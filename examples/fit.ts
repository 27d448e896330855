/**
 * AutoLRS in `model.fit` with its default (cooldown) strategy: the callback searches the LR
 * with probes on common batches, trains at the LR chosen and ends with a linear cooldown,
 * all within the fit's budget of gradient steps; a step log records the LR and loss of
 * every step, the probes' included, for the schedule plot.
 *
 *   npx tsx examples/fit.ts
 */
import { writeFile, mkdir } from 'node:fs/promises';
import { autoLRS, probeLr, renderPng, renderSvg, scheduleSpec, stepLog } from '../src/index.js';
import { SIZES, mlp, printCooldownHistory, setup, testAccuracy } from './shared.js';

const data = await setup();
const model = mlp();

const log = stepLog();
const tuner = autoLRS({
  data: { x: data.train.xs, y: data.train.ys },
  validationData: [data.validation!.xs, data.validation!.ys],
  minLr: 1e-3,
  maxLr: 1,
  ...(SIZES.probeSteps === undefined ? {} : { probeSteps: SIZES.probeSteps, k: SIZES.k }),
  seed: 0,
  // The probes run inside the callback: their steps reach the log through the events.
  onEvent: (e) => {
    if (e.type === 'trialEnd') {
      log.recordSteps((e.losses ?? []).map((loss, i) => ({ lr: probeLr(e.lr, i, e.probeSteps, e.holdSteps), loss, phase: 'search', stage: e.stage, trial: e.trial })));
    }
  },
});
await model.fit(data.train.xs, data.train.ys, {
  epochs: SIZES.epochs,
  batchSize: SIZES.batchSize,
  shuffle: true,
  verbose: 0,
  callbacks: [tuner, log], // the log after the schedule
});

printCooldownHistory(tuner.history);
const stats = tuner.stats!;
console.log(`${stats.gradientSteps} gradient steps: ${stats.searchSteps} in probes (${stats.keptProbeSteps} kept), ${stats.trainSteps} training steps`);
console.log(`test accuracy: ${(100 * (await testAccuracy(model, data))).toFixed(2)} %`);

// The plot of this run: LR (with the probes) over the loss.
const svg = await renderSvg(scheduleSpec(log.records, { title: 'AutoLRS in model.fit', stages: tuner.history }));
await mkdir('runs/examples', { recursive: true });
await writeFile('runs/examples/fit.png', await renderPng(svg));
console.log('plot: runs/examples/fit.png');

model.dispose();
data.dispose();
