/**
 * Builds the curve bank: trains a real model, takes checkpoints along the run, and from
 * each checkpoint trains τ steps at every LR of a log-spaced grid, restoring the
 * checkpoint (weights and optimizer state, `Checkpoint`) between LRs. Every step's
 * training loss is recorded, and the validation loss at `valSteps` (every τ'/4 steps
 * during the first τ' steps, then every τ' steps up to τ). From a checkpoint every LR
 * sees the same batches, in the same order.
 *
 *   npx tsx bench/bank/build.ts                      # the committed bank (CPU, wasm)
 *
 * Options (defaults in parentheses): --model cnn|mlp|resnet20 (cnn) --width N (16)
 * --train-size N (20000) --val-size N (1000) --batch N (32) --lr trajectory LR (0.0464)
 * --checkpoints a,b,c steps (100,400,800,1200) --tau N (160) --lrs N grid size (16)
 * --min-lr (0.001) --max-lr (1) --seed N (0) --backend (wasm) --out FILE
 * (bench/bank/fashion-mnist-<model>.json, or under $OUT).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

import * as tf from '@tensorflow/tfjs';

import { selectBackend } from '../../src/backend/select.js';
import { Checkpoint, modelVariables } from '../../src/state/checkpoint.js';
import { setLearningRate } from '../../src/state/lr.js';
import type { Flags } from '../lib/flags.js';
import { disposeOptimizer, logGrid } from '../lib/head-to-head.js';
import { BENCH_MODELS, buildModel, describeModel, loadData, machine, meanLoss, type BenchModel } from '../lib/setup.js';
import { BANK_DEFAULTS, BANK_FLAGS, bankOutPath, batchStream, parseBankFlags, runMain } from './cli.js';
import { encodeFloat32, type BankFile, type StoredCurve } from './format.js';

const SCRIPT = 'bank/build';

/** The options, at their defaults. */
const DEFAULTS = {
  ...BANK_DEFAULTS,
  model: 'cnn' as BenchModel,
  width: 16,
  trainSize: 20000,
  valSize: 1000,
  batch: 32,
  lr: 0.0464,
  checkpoints: [100, 400, 800, 1200],
  tau: 160,
  lrs: 16,
};

/** The flags: the option each sets and how its value is read. */
const FLAGS: Flags<typeof DEFAULTS> = {
  ...BANK_FLAGS,
  '--model': { kind: 'choice', key: 'model', values: BENCH_MODELS },
  '--width': { kind: 'integer', key: 'width', min: 1 },
  '--checkpoints': { kind: 'steps', key: 'checkpoints', min: 1 },
  '--tau': { kind: 'integer', key: 'tau', min: 30 },
};

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const o = parseBankFlags(SCRIPT, argv, FLAGS, DEFAULTS);
  const started = performance.now();
  const selection = await selectBackend({ backend: o.backend, log: (l) => process.stderr.write(`${l}\n`) });
  const tauPrime = Math.round(o.tau / 10);
  const quarter = Math.max(1, Math.round(tauPrime / 4));
  const valSteps = [...new Set([0, quarter, 2 * quarter, 3 * quarter, ...Array.from({ length: 10 }, (_, i) => (i + 1) * tauPrime)])].filter((s) => s <= o.tau).sort((a, b) => a - b);
  if (valSteps.at(-1) !== o.tau) valSteps.push(o.tau);
  const grid = logGrid(o.minLr, o.maxLr, o.lrs);

  const data = await loadData('fashion-mnist', { trainSize: o.trainSize, validationSize: o.valSize, testSize: 1 });
  const val = data.validation!;
  const model = buildModel(o.model, 1000 * (o.seed + 1), o.width);
  const optimizer = tf.train.momentum(o.lr, 0.9);
  model.compile({ optimizer, loss: 'categoricalCrossentropy' });
  const state = { variables: modelVariables(model), optimizer };

  const checkpoints: BankFile['checkpoints'] = [];
  const curves: StoredCurve[] = [];
  const trajectory = batchStream(data.train.xs, data.train.ys, o.batch, o.seed);
  let step = 0;
  for (const [ci, target] of o.checkpoints.entries()) {
    setLearningRate(optimizer, o.lr);
    while (step < target) {
      const b = trajectory.next().value as { xs: tf.Tensor; ys: tf.Tensor };
      await model.trainOnBatch(b.xs, b.ys);
      tf.dispose([b.xs, b.ys]);
      step++;
    }
    const valLoss = await meanLoss(model, val.xs, val.ys);
    checkpoints.push({ step, valLoss });
    process.stderr.write(`checkpoint ${ci} at step ${step}: validation loss ${valLoss.toFixed(4)}\n`);
    const ckpt = Checkpoint.capture(state);
    for (const [li, lr] of grid.entries()) {
      ckpt.restore();
      setLearningRate(optimizer, lr);
      const probe = batchStream(data.train.xs, data.train.ys, o.batch, 1000 + 17 * ci + o.seed);
      const train = new Float32Array(o.tau);
      const vals: number[] = [valLoss];
      for (let t = 0; t < o.tau; t++) {
        const b = probe.next().value as { xs: tf.Tensor; ys: tf.Tensor };
        const loss = await model.trainOnBatch(b.xs, b.ys);
        tf.dispose([b.xs, b.ys]);
        train[t] = Array.isArray(loss) ? loss[0]! : loss;
        if (valSteps.includes(t + 1)) vals.push(Number.isFinite(train[t]) ? await meanLoss(model, val.xs, val.ys) : NaN);
      }
      curves.push({ checkpoint: ci, lrIndex: li, lr, train: encodeFloat32(train), val: encodeFloat32(vals) });
      process.stderr.write(`  lr ${lr}: train ${train[0]!.toFixed(3)} -> ${train[o.tau - 1]!.toFixed(3)}, val ${vals[0]!.toFixed(3)} -> ${vals.at(-1)!.toFixed(3)}\n`);
    }
    ckpt.restore();
    ckpt.dispose();
  }
  model.dispose();
  disposeOptimizer(optimizer);
  data.dispose();

  const bank: BankFile = {
    format: 'autolrs-curve-bank',
    version: 1,
    produced: {
      model: describeModel(o.model, o.width),
      data: `Fashion-MNIST: ${o.trainSize} training images (split seed 0), validation ${o.valSize} held out of the training file`,
      trainSize: o.trainSize,
      validationSize: o.valSize,
      batchSize: o.batch,
      optimizer: 'SGD momentum 0.9 (tf.train.momentum)',
      trajectoryLr: o.lr,
      checkpointSteps: o.checkpoints,
      tau: o.tau,
      tauPrime,
      grid,
      valSteps,
      seed: o.seed,
      backend: selection.name,
      machine: machine(),
      date: new Date().toISOString(),
      command: `npx tsx bench/bank/build.ts ${argv.join(' ')}`.trim(),
      wallSeconds: Number(((performance.now() - started) / 1000).toFixed(1)),
      notes:
        'The checkpoints come from one run at a constant trajectoryLr. From checkpoint i every LR trains on the same batch sequence (seed 1000 + 17i + seed). ' +
        'train[t] is the training loss of step t+1 after the checkpoint (the mini-batch loss before that step\'s update); val[j] the validation loss after valSteps[j] steps (NaN once the training loss is not finite).',
    },
    checkpoints,
    curves,
  };
  const out = bankOutPath(`fashion-mnist-${o.model}.json`, o.out);
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(out, `${JSON.stringify(bank)}\n`);
  process.stderr.write(`${out}: ${curves.length} curves, ${(fs.statSync(out).size / 1024).toFixed(0)} KiB, ${bank.produced.wallSeconds} s, tensors left ${tf.memory().numTensors}\n`);
}

runMain(SCRIPT, main);
