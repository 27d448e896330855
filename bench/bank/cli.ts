/**
 * The command line shared by the bank builders (`build.ts`, `build-cooldown.ts`): the
 * flags and defaults both share (`BANK_FLAGS`, `BANK_DEFAULTS`: tables of
 * bench/lib/flags.ts) and their reading with the LR range's check (`parseBankFlags`), the
 * output path (`bankOutPath`), the exit handling (`runMain`) and the batch stream both
 * train on (`batchStream`). `script` names the builder in messages (`bank/build`).
 *
 * Flags come in pairs (`--flag value`); a bad value or an unknown flag prints
 * "<script>: <message>" to stderr and exits with status 2.
 */
import * as path from 'node:path';

import type * as tf from '@tensorflow/tfjs';

import { BACKEND_NAMES, type BackendChoice } from '../../src/backend/select.js';
import { epochBatches } from '../../src/data/batches.js';
import { parseCommandLine, usage, type Flags } from '../lib/flags.js';

/** The options both builders have (`BANK_DEFAULTS` holds the defaults they share). */
export interface BankOptions {
  trainSize: number;
  valSize: number;
  batch: number;
  lr: number;
  checkpoints: number[];
  lrs: number;
  minLr: number;
  maxLr: number;
  seed: number;
  backend: BackendChoice;
  out: string | undefined;
}

/** The flags both builders take alike (`--checkpoints` and `--tau` differ: each builder declares them). */
export const BANK_FLAGS: Flags<BankOptions> = {
  '--train-size': { kind: 'integer', key: 'trainSize', min: 1 },
  '--val-size': { kind: 'integer', key: 'valSize', min: 1 },
  '--batch': { kind: 'integer', key: 'batch', min: 1 },
  '--lr': { kind: 'number', key: 'lr', min: Number.MIN_VALUE },
  '--lrs': { kind: 'integer', key: 'lrs', min: 2 },
  '--min-lr': { kind: 'number', key: 'minLr', min: Number.MIN_VALUE },
  '--max-lr': { kind: 'number', key: 'maxLr', min: Number.MIN_VALUE },
  '--seed': { kind: 'integer', key: 'seed', min: 0 },
  '--backend': { kind: 'choice', key: 'backend', values: BACKEND_NAMES },
  '--out': { kind: 'path', key: 'out' },
};

/** The defaults both builders share (each sets the other options' own). */
export const BANK_DEFAULTS: Pick<BankOptions, 'minLr' | 'maxLr' | 'seed' | 'backend' | 'out'> = {
  minLr: 1e-3,
  maxLr: 1,
  seed: 0,
  backend: 'wasm',
  out: undefined,
};

/**
 * The options `argv` (flag, value, flag, value, ...) sets by `flags`, the others at
 * `defaults` (left unchanged), after checking `--max-lr` > `--min-lr`.
 */
export function parseBankFlags<O extends BankOptions>(script: string, argv: readonly string[], flags: Flags<O>, defaults: O): O {
  const options = parseCommandLine(script, argv, flags, defaults);
  if (!(options.maxLr > options.minLr)) usage(script, `Expected \`--max-lr\` > \`--min-lr\` (${options.minLr}), got ${options.maxLr}.`);
  return options;
}

/** Where a builder writes its bank `name`: `out` (`--out`), else under $OUT, else bench/bank/. */
export function bankOutPath(name: string, out: string | undefined): string {
  const outDir = process.env['OUT'];
  return out ?? (outDir !== undefined && outDir !== '' ? path.join(outDir, name) : path.join('bench', 'bank', name));
}

/** Runs `main` and exits: status 0 when it resolves, 1 (after printing `<script>: <error>`) when it rejects. */
export function runMain(script: string, main: () => Promise<void>): void {
  main().then(
    () => process.exit(0),
    (err: unknown) => {
      process.stderr.write(`${script}: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      process.exit(1);
    },
  );
}

/** An endless stream of shuffled batches (epoch after epoch) seeded by `seed`. */
export function* batchStream(x: tf.Tensor, y: tf.Tensor, batchSize: number, seed: number): Generator<{ xs: tf.Tensor; ys: tf.Tensor }> {
  for (let epoch = 0; ; epoch++) yield* epochBatches(x, y, { batchSize, seed, dropRemainder: true }, epoch);
}
