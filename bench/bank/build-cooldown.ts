/**
 * Builds the curve bank of the cooldown strategy: trains a real model at a constant LR,
 * takes checkpoints along the run, and from each checkpoint, for every LR of a log-spaced
 * grid (restoring the checkpoint, weights and optimizer state, in between):
 *
 * - the probe as the strategy runs it: τ' steps on the checkpoint's probe batches (drawn
 *   once by `ProbeData`, the same for every LR), at `probeLr` (h steps at the LR, then a
 *   linear mini-cooldown), trained by the model's own step (`modelTrainStep`); every
 *   step's mini-batch loss, the score after the probe and the score at the hold point
 *   (after h steps). The score is the loss on the scoring set (the first `scoreSize`
 *   validation images, `model.evaluate` with batch size 256, as the callback scores);
 * - a constant-LR branch: from the hold point, the probe's last τ' − h batches at the LR,
 *   their losses and the score after them (a plain probe at a constant LR);
 * - the truth: τ steps at the LR then a linear cooldown to 0 over `cooldown` steps
 *   (`cooldownLr`), on one batch stream common to every LR of the checkpoint, then the
 *   loss and accuracy on the whole validation split. A truth whose mini-batch loss is no
 *   longer finite stops at the next check (every 50 steps): its model is then NaN, and so
 *   is its loss.
 *
 * Also the base score of each checkpoint. No test data is used (the loader keeps one test
 * image, which nothing reads).
 *
 *   npx tsx bench/bank/build-cooldown.ts        # the committed bank (CPU, wasm)
 *
 * Options (defaults in parentheses): --train-size N (20000) --val-size N (2000)
 * --score-size N (1024) --batch N (32) --lr trajectory LR (0.03) --checkpoints a,b,c steps
 * (0,300,800,1500) --lrs N grid size (13) --min-lr (0.001) --max-lr (1) --probe-steps N (50)
 * --probe-cooldown c (0.4) --tau N (500) --cooldown N (250) --seed N (0) --backend (wasm)
 * --out FILE (bench/bank/fashion-mnist-cnn-cooldown.json, or under $OUT).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

import * as tf from '@tensorflow/tfjs';

import { selectBackend } from '../../src/backend/select.js';
import { Checkpoint } from '../../src/state/checkpoint.js';
import { cooldownLr, holdStepsOf, probeLr } from '../../src/scheduler/cooldown/plan.js';
import type { ProbeBatch } from '../../src/scheduler/cooldown/probe-data.js';
import { usage, type Flags } from '../lib/flags.js';
import { logGrid } from '../lib/head-to-head.js';
import { accuracy, describeModel, machine, meanLoss } from '../lib/setup.js';
import { BANK_DEFAULTS, BANK_FLAGS, bankOutPath, batchStream, parseBankFlags, runMain } from './cli.js';
import { storeValue, type CooldownBankFile, type CooldownCheckpoint, type StoredCooldownCurve } from './cooldown-format.js';
import { cooldownTask, readLosses, SCORE_BATCH_SIZE } from './cooldown-task.js';
import { encodeFloat32 } from './format.js';

/** Steps between the checks of a truth's losses. */
const TRUTH_CHECK_EVERY = 50;

const SCRIPT = 'bank/build-cooldown';

/** The options, at their defaults. */
const DEFAULTS = {
  ...BANK_DEFAULTS,
  trainSize: 20000,
  valSize: 2000,
  scoreSize: 1024,
  batch: 32,
  lr: 0.03,
  checkpoints: [0, 300, 800, 1500],
  lrs: 13,
  probeSteps: 50,
  probeCooldown: 0.4,
  tau: 500,
  cooldown: 250,
};

/** The flags: the option each sets and how its value is read. */
const FLAGS: Flags<typeof DEFAULTS> = {
  ...BANK_FLAGS,
  '--score-size': { kind: 'integer', key: 'scoreSize', min: 1 },
  '--checkpoints': { kind: 'steps', key: 'checkpoints', min: 0 },
  '--probe-steps': { kind: 'integer', key: 'probeSteps', min: 2 },
  '--probe-cooldown': { kind: 'number', key: 'probeCooldown', min: 0, below: 1 },
  '--tau': { kind: 'integer', key: 'tau', min: 1 },
  '--cooldown': { kind: 'integer', key: 'cooldown', min: 1 },
};

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const o = parseBankFlags(SCRIPT, argv, FLAGS, DEFAULTS);
  if (o.scoreSize > o.valSize) usage(SCRIPT, `Expected \`--score-size\` <= \`--val-size\` (${o.valSize}), got ${o.scoreSize}.`);
  const holdSteps = holdStepsOf(o.probeSteps, o.probeCooldown);
  if (holdSteps < 1 || holdSteps >= o.probeSteps) {
    usage(SCRIPT, `Expected \`--probe-cooldown\` to leave between 1 and ${o.probeSteps - 1} hold steps of a ${o.probeSteps}-step probe, got ${holdSteps}.`);
  }
  const started = performance.now();
  const selection = await selectBackend({ backend: o.backend, log: (l) => process.stderr.write(`${l}\n`) });
  const grid = logGrid(o.minLr, o.maxLr, o.lrs);
  const truthSteps = o.tau + o.cooldown;
  const modelSeed = 1000 * (o.seed + 1);
  const truthSeed = (ci: number): number => 2000 + 17 * ci + o.seed;

  const task = await cooldownTask({
    trainSize: o.trainSize,
    validationSize: o.valSize,
    scoreSize: o.scoreSize,
    batchSize: o.batch,
    trajectoryLr: o.lr,
    seeds: { model: modelSeed, trajectory: o.seed, probeData: o.seed },
  });
  const { data, model, state, probeData, score, step } = task;
  const val = data.validation!;

  const checkpoints: CooldownCheckpoint[] = [];
  const curves: StoredCooldownCurve[] = [];
  for (const [ci, target] of o.checkpoints.entries()) {
    task.trainTo(target);
    const baseScore = await score();
    const valLoss = await meanLoss(model, val.xs, val.ys);
    const valAccuracy = await accuracy(model, val.xs, val.labels);
    checkpoints.push({ step: target, baseScore: storeValue(baseScore), valLoss: storeValue(valLoss), valAccuracy });
    process.stderr.write(`checkpoint ${ci} at step ${target}: base score ${baseScore.toFixed(4)}, validation loss ${valLoss.toFixed(4)}, accuracy ${valAccuracy.toFixed(2)} %\n`);
    const ckpt = Checkpoint.capture(state);
    // The stage's probe batches, drawn once, as the driver does (stages are 1-based).
    const batches = probeData.batches(ci + 1, o.probeSteps);
    try {
      for (const [li, lr] of grid.entries()) {
        const t0 = performance.now();
        // The probe as the strategy runs it.
        ckpt.restore();
        let hold: Checkpoint | null = null;
        let holdScore = NaN;
        const probeLosses: tf.Scalar[] = [];
        for (let i = 0; i < o.probeSteps; i++) {
          if (i === holdSteps) {
            hold = Checkpoint.capture(state);
            holdScore = await score();
          }
          probeLosses.push(step(batches[i]!, probeLr(lr, i, o.probeSteps, holdSteps)));
        }
        const probeScore = await score();
        const probe = await readLosses(probeLosses);
        // The constant-LR branch from the hold point, on the probe's remaining batches.
        hold!.restore();
        hold!.dispose();
        const branchLosses: tf.Scalar[] = [];
        for (let i = holdSteps; i < o.probeSteps; i++) branchLosses.push(step(batches[i]!, lr));
        const constantScore = await score();
        const branch = await readLosses(branchLosses);
        // The truth: τ steps at the LR, then the linear cooldown, on the checkpoint's truth stream.
        ckpt.restore();
        const stream = batchStream(data.train.xs, data.train.ys, o.batch, truthSeed(ci));
        const truth = new Float32Array(truthSteps).fill(NaN);
        let pending: tf.Scalar[] = [];
        let stoppedAt: number | null = null;
        for (let t = 0; t < truthSteps; t++) {
          const b = stream.next().value as ProbeBatch;
          pending.push(step(b, cooldownLr(lr, t, o.tau, truthSteps)));
          tf.dispose([b.xs, b.ys]);
          if (pending.length === TRUTH_CHECK_EVERY || t === truthSteps - 1) {
            const read = await readLosses(pending);
            truth.set(read, t + 1 - read.length);
            pending = [];
            if (!read.every(Number.isFinite) && t < truthSteps - 1) {
              stoppedAt = t + 1;
              break;
            }
          }
        }
        const truthLoss = await meanLoss(model, val.xs, val.ys);
        const truthAccuracy = await accuracy(model, val.xs, val.labels);
        curves.push({
          checkpoint: ci,
          lrIndex: li,
          lr,
          probe: { losses: encodeFloat32(probe), score: storeValue(probeScore), holdScore: storeValue(holdScore) },
          constant: { losses: encodeFloat32(branch), score: storeValue(constantScore) },
          truth: { losses: encodeFloat32(truth), valLoss: storeValue(truthLoss), valAccuracy: truthAccuracy, stoppedAt },
        });
        process.stderr.write(
          `  lr ${lr}: score ${probeScore.toFixed(4)} (hold ${holdScore.toFixed(4)}, constant ${constantScore.toFixed(4)}), ` +
            `truth ${truthLoss.toFixed(4)} / ${truthAccuracy.toFixed(2)} %${stoppedAt === null ? '' : ` (stopped at ${stoppedAt})`}, ` +
            `${((performance.now() - t0) / 1000).toFixed(1)} s\n`,
        );
      }
    } finally {
      for (const b of batches) tf.dispose([b.xs, b.ys]);
    }
    // The trajectory continues from the checkpoint.
    ckpt.restore();
    ckpt.dispose();
  }
  const gradientSteps = task.gradientSteps;
  task.dispose();

  const bank: CooldownBankFile = {
    format: 'autolrs-cooldown-bank',
    version: 1,
    produced: {
      model: describeModel('cnn', 16),
      data: `Fashion-MNIST: ${o.trainSize} training images and ${o.valSize} validation images held out of the training file (split seed 0); no test image used`,
      trainSize: o.trainSize,
      validationSize: o.valSize,
      scoreSize: o.scoreSize,
      batchSize: o.batch,
      optimizer: 'SGD momentum 0.9 (tf.train.momentum)',
      trajectoryLr: o.lr,
      checkpointSteps: o.checkpoints,
      probeSteps: o.probeSteps,
      holdSteps,
      probeCooldown: o.probeCooldown,
      tau: o.tau,
      cooldownSteps: o.cooldown,
      grid,
      seeds: { model: modelSeed, trajectory: o.seed, probeData: o.seed, truth: o.checkpoints.map((_, ci) => truthSeed(ci)) },
      backend: selection.name,
      machine: machine(),
      date: new Date().toISOString(),
      command: `npx tsx bench/bank/build-cooldown.ts ${argv.join(' ')}`.trim(),
      wallSeconds: Number(((performance.now() - started) / 1000).toFixed(1)),
      gradientSteps,
      notes:
        `The checkpoints come from one run at a constant trajectoryLr (batch order seed ${o.seed}). From checkpoint i every LR's probe trains on the same ${o.probeSteps} batches ` +
        `(ProbeData seed ${o.seed}, stage i + 1) with the model's own training step; probe.losses[t] is the mini-batch loss of probe step t (before its update), at probeLr. ` +
        `probe.holdScore is the score after the first holdSteps steps, probe.score after all of them; constant.losses are the losses of steps holdSteps..probeSteps-1 ` +
        `re-run from the hold point at the LR itself, constant.score the score after them. Scores: the loss of model.evaluate (batch size ${SCORE_BATCH_SIZE}) on the first scoreSize validation images. ` +
        `truth.losses are the mini-batch losses of tau steps at the LR and cooldownSteps of linear decay to 0 (cooldownLr) on the batch stream of seed seeds.truth[i]; ` +
        `truth.valLoss and truth.valAccuracy are measured on the whole validation split after them. A truth whose loss is not finite stops at the next check ` +
        `(every ${TRUTH_CHECK_EVERY} steps; stoppedAt), its later losses are NaN. null stands for a value that is not finite.`,
    },
    checkpoints,
    curves,
  };
  const out = bankOutPath('fashion-mnist-cnn-cooldown.json', o.out);
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(out, `${JSON.stringify(bank)}\n`);
  process.stderr.write(
    `${out}: ${curves.length} records, ${gradientSteps} gradient steps, ${(fs.statSync(out).size / 1024).toFixed(0)} KiB, ${bank.produced.wallSeconds} s, tensors left ${tf.memory().numTensors}\n`,
  );
}

runMain(SCRIPT, main);
