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

import { BACKEND_NAMES, selectBackend, type BackendChoice } from '../../src/backend/select.js';
import { epochBatches } from '../../src/data/batches.js';
import { Checkpoint, modelVariables } from '../../src/state/checkpoint.js';
import { setLearningRate } from '../../src/state/lr.js';
import { disposeOptimizer, logGrid } from '../lib/head-to-head.js';
import { BENCH_MODELS, buildModel, describeModel, loadData, machine, meanLoss, type BenchModel } from '../lib/setup.js';
import { encodeFloat32, type BankFile, type StoredCurve } from './format.js';

function usage(message: string): never {
  process.stderr.write(`bank/build: ${message}\n`);
  process.exit(2);
}

/** An endless stream of shuffled batches (epoch after epoch) seeded by `seed`. */
function* batchStream(x: tf.Tensor, y: tf.Tensor, batchSize: number, seed: number): Generator<{ xs: tf.Tensor; ys: tf.Tensor }> {
  for (let epoch = 0; ; epoch++) yield* epochBatches(x, y, { batchSize, seed, dropRemainder: true }, epoch);
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const o = {
    model: 'cnn' as BenchModel,
    width: 16,
    trainSize: 20000,
    valSize: 1000,
    batch: 32,
    lr: 0.0464,
    checkpoints: [100, 400, 800, 1200],
    tau: 160,
    lrs: 16,
    minLr: 1e-3,
    maxLr: 1,
    seed: 0,
    backend: 'wasm' as BackendChoice,
    out: undefined as string | undefined,
  };
  for (let i = 0; i < argv.length; i += 2) {
    const flag = argv[i]!;
    const v = argv[i + 1];
    const num = (min: number, integer: boolean): number => {
      const n = Number(v);
      if (v === undefined || !(n >= min) || (integer && !Number.isInteger(n))) usage(`Expected \`${flag}\` to be ${integer ? 'an integer' : 'a number'} >= ${min}, got ${JSON.stringify(v)}.`);
      return n;
    };
    switch (flag) {
      case '--model':
        if (!(BENCH_MODELS as readonly string[]).includes(v ?? '')) usage(`Expected \`--model\` to be one of ${BENCH_MODELS.join(', ')}, got ${JSON.stringify(v)}.`);
        o.model = v as BenchModel;
        break;
      case '--width':
        o.width = num(1, true);
        break;
      case '--train-size':
        o.trainSize = num(1, true);
        break;
      case '--val-size':
        o.valSize = num(1, true);
        break;
      case '--batch':
        o.batch = num(1, true);
        break;
      case '--lr':
        o.lr = num(Number.MIN_VALUE, false);
        break;
      case '--checkpoints': {
        const steps = (v ?? '').split(',').map(Number);
        if (steps.some((s, j) => !Number.isInteger(s) || s < 1 || (j > 0 && s <= steps[j - 1]!))) usage(`Expected \`--checkpoints\` to be increasing steps >= 1, got ${JSON.stringify(v)}.`);
        o.checkpoints = steps;
        break;
      }
      case '--tau':
        o.tau = num(30, true);
        break;
      case '--lrs':
        o.lrs = num(2, true);
        break;
      case '--min-lr':
        o.minLr = num(Number.MIN_VALUE, false);
        break;
      case '--max-lr':
        o.maxLr = num(Number.MIN_VALUE, false);
        break;
      case '--seed':
        o.seed = num(0, true);
        break;
      case '--backend':
        if (!(BACKEND_NAMES as readonly string[]).includes(v ?? '')) usage(`Expected \`--backend\` to be one of ${BACKEND_NAMES.join(', ')}, got ${JSON.stringify(v)}.`);
        o.backend = v as BackendChoice;
        break;
      case '--out':
        if (v === undefined) usage('Expected `--out` to be a file path.');
        o.out = v;
        break;
      default:
        usage(`unknown argument ${JSON.stringify(flag)}`);
    }
  }
  if (!(o.maxLr > o.minLr)) usage(`Expected \`--max-lr\` > \`--min-lr\` (${o.minLr}), got ${o.maxLr}.`);
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
  const name = `fashion-mnist-${o.model}.json`;
  const outDir = process.env['OUT'];
  const out = o.out ?? (outDir !== undefined && outDir !== '' ? path.join(outDir, name) : path.join('bench', 'bank', name));
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(out, `${JSON.stringify(bank)}\n`);
  process.stderr.write(`${out}: ${curves.length} curves, ${(fs.statSync(out).size / 1024).toFixed(0)} KiB, ${bank.produced.wallSeconds} s, tensors left ${tf.memory().numTensors}\n`);
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`bank/build: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
