/**
 * Adds the first rung of a halved search (`survivors` > 0) to the cooldown strategy's curve
 * bank: from each of the bank's checkpoints, for every LR of its grid, the first-rung probe
 * as the strategy runs it (τ₁ = `rungSteps` steps on the first τ₁ of the checkpoint's probe
 * batches, h₁ at the LR then its own mini-cooldown, `probeLr`), its mini-batch losses and
 * its score. A continued probe is the whole probe, bit for bit (tested on a model), so the
 * bank's whole-probe score is the continuation's score: with this file the replay runs a
 * halved search.
 *
 * It retrains the bank's trajectory with the bank's own settings (read from its `produced`
 * block), and refuses to write unless the reproduction is exact: every checkpoint's base
 * score equal to the bank's, and every first-rung probe's first h₁ losses equal to the bank's
 * whole probe's (the same steps at the same LR on the same batches).
 *
 *   npx tsx bench/bank/build-cooldown-rung.ts   # bench/bank/fashion-mnist-cnn-cooldown-rung.json
 *
 * Options: --rung-steps N (the strategy's default for the bank's τ': max(1, round(0.4·τ')))
 * --bank FILE (bench/bank/fashion-mnist-cnn-cooldown.json) --backend (the bank's) --out FILE.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

import * as tf from '@tensorflow/tfjs';

import { selectBackend, type BackendName } from '../../src/backend/select.js';
import { resolveCooldownOptions } from '../../src/scheduler/cooldown/options.js';
import { holdStepsOf, probeLr } from '../../src/scheduler/cooldown/plan.js';
import { Checkpoint } from '../../src/state/checkpoint.js';
import { parseCommandLine, usage, type Flags } from '../lib/flags.js';
import { machine } from '../lib/setup.js';
import { bankOutPath, runMain } from './cli.js';
import { CooldownBank, storeValue } from './cooldown-format.js';
import { encodeFloat32 } from './format.js';
import type { CooldownRungFile, StoredRungRecord } from './cooldown-rung-format.js';
import { cooldownTask, readLosses, SCORE_BATCH_SIZE } from './cooldown-task.js';

const SCRIPT = 'bank/build-cooldown-rung';

interface Options {
  rungSteps: number | undefined;
  bank: string | undefined;
  backend: BackendName | undefined;
  out: string | undefined;
}

const FLAGS: Flags<Options> = {
  '--rung-steps': { kind: 'integer', key: 'rungSteps', min: 1 },
  '--bank': { kind: 'path', key: 'bank' },
  '--backend': { kind: 'choice', key: 'backend', values: ['auto', 'tensorflow', 'webgpu', 'wasm', 'cpu'] as BackendName[] },
  '--out': { kind: 'path', key: 'out' },
};

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const o = parseCommandLine(SCRIPT, argv, FLAGS, { rungSteps: undefined, bank: undefined, backend: undefined, out: undefined });
  const bankFile = o.bank ?? path.join('bench', 'bank', 'fashion-mnist-cnn-cooldown.json');
  const bank = CooldownBank.load(bankFile);
  const p = bank.produced;
  const rungSteps = o.rungSteps ?? resolveCooldownOptions({ minLr: 1e-3, maxLr: 1, totalSteps: 1_000_000, probeSteps: p.probeSteps }).rungSteps;
  if (rungSteps >= p.probeSteps) usage(SCRIPT, `Expected \`--rung-steps\` to be smaller than the bank's probe steps (${p.probeSteps}), got ${rungSteps}.`);
  const rungHoldSteps = holdStepsOf(rungSteps, p.probeCooldown);
  if (rungHoldSteps < 1) usage(SCRIPT, `Expected \`--rung-steps\` to leave at least one step at the LR, got ${rungSteps} (probe cooldown ${p.probeCooldown}).`);

  const started = performance.now();
  const selection = await selectBackend({ backend: o.backend ?? (p.backend as BackendName), log: (l) => process.stderr.write(`${l}\n`) });
  const task = await cooldownTask(p);
  const { state, probeData, score, step } = task;

  const records: StoredRungRecord[] = [];
  try {
    for (const [ci, target] of p.checkpointSteps.entries()) {
      task.trainTo(target);
      const base = await score();
      if (base !== bank.checkpoints[ci]!.baseScore) {
        throw new Error(`checkpoint ${ci} (step ${target}) does not reproduce the bank: base score ${base}, the bank's ${bank.checkpoints[ci]!.baseScore}.`);
      }
      const ckpt = Checkpoint.capture(state);
      const batches = probeData.batches(ci + 1, p.probeSteps);
      try {
        for (const [li, lr] of p.grid.entries()) {
          ckpt.restore();
          const losses: tf.Scalar[] = [];
          for (let i = 0; i < rungSteps; i++) losses.push(step(batches[i]!, probeLr(lr, i, rungSteps, rungHoldSteps)));
          const s = await score();
          const read = await readLosses(losses);
          const whole = bank.curve(ci, li).probeLosses;
          for (let i = 0; i < rungHoldSteps; i++) {
            if (!Object.is(read[i], whole[i])) throw new Error(`checkpoint ${ci}, lr ${lr}: step ${i}'s loss ${read[i]} differs from the bank's whole probe (${whole[i]}).`);
          }
          records.push({ checkpoint: ci, lrIndex: li, lr, losses: encodeFloat32(read), score: storeValue(s) });
          process.stderr.write(`checkpoint ${ci}, lr ${lr}: first-rung score ${s.toFixed(4)} (whole probe ${bank.curve(ci, li).score.toFixed(4)})\n`);
        }
      } finally {
        for (const b of batches) tf.dispose([b.xs, b.ys]);
      }
      ckpt.restore();
      ckpt.dispose();
    }
  } finally {
    task.dispose();
  }
  const file: CooldownRungFile = {
    format: 'autolrs-cooldown-rung',
    version: 1,
    produced: {
      bank: path.basename(bankFile),
      bankDate: p.date,
      rungSteps,
      rungHoldSteps,
      backend: selection.name,
      machine: machine(),
      date: new Date().toISOString(),
      command: `npx tsx bench/bank/build-cooldown-rung.ts ${argv.join(' ')}`.trim(),
      wallSeconds: Number(((performance.now() - started) / 1000).toFixed(1)),
      gradientSteps: task.gradientSteps,
      notes:
        `From each checkpoint of the bank (retrained with its settings; every base score and every first-rung probe's first ${rungHoldSteps} losses equal to the bank's), ` +
        `for every grid LR: the first-rung probe of a halved search, ${rungSteps} steps on the checkpoint's first ${rungSteps} probe batches at probeLr(lr, i, ${rungSteps}, ${rungHoldSteps}); ` +
        `losses[i] is the mini-batch loss of step i, score the loss of model.evaluate (batch size ${SCORE_BATCH_SIZE}) on the bank's scoring set after the probe. null: not finite.`,
    },
    records,
  };
  const out = bankOutPath('fashion-mnist-cnn-cooldown-rung.json', o.out);
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(out, `${JSON.stringify(file)}\n`);
  process.stderr.write(`${out}: ${records.length} records, ${task.gradientSteps} gradient steps, ${file.produced.wallSeconds} s, tensors left ${tf.memory().numTensors}\n`);
}

runMain(SCRIPT, main);
