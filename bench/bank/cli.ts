/**
 * The command line shared by the bank builders (`build.ts`, `build-cooldown.ts`): a
 * table-driven flag parser (`parseBankFlags`, with `BANK_FLAGS` and `BANK_DEFAULTS`, the
 * flags and defaults both share), the output path (`bankOutPath`), the exit handling
 * (`runMain`) and the batch stream both train on (`batchStream`). `script` names the
 * builder in messages (`bank/build`).
 *
 * Flags come in pairs (`--flag value`); a bad value or an unknown flag prints
 * "<script>: <message>" to stderr and exits with status 2.
 */
import * as path from 'node:path';

import type * as tf from '@tensorflow/tfjs';

import { BACKEND_NAMES, type BackendChoice } from '../../src/backend/select.js';
import { epochBatches } from '../../src/data/batches.js';

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

/** The keys of `O` whose values are of type `T`. */
type KeysOf<O, T> = { [K in keyof O]-?: O[K] extends T ? K : never }[keyof O];

/**
 * One flag: the option `key` it sets and how its value is read.
 *
 * - `integer` / `number`: a number >= `min` (an integer for `integer`), and below `below`
 *   where given;
 * - `steps`: a non-empty comma-separated list of increasing integer steps >= `min`;
 * - `choice`: one of `values`;
 * - `path`: any value (a file path).
 */
export type BankFlag<O> =
  | { kind: 'integer' | 'number'; key: KeysOf<O, number>; min: number; below?: number }
  | { kind: 'steps'; key: KeysOf<O, number[]>; min: number }
  | { kind: 'choice'; key: KeysOf<O, string>; values: readonly string[] }
  | { kind: 'path'; key: KeysOf<O, string | undefined> };

/** The flags of a builder, by name (`--train-size`). */
export type BankFlags<O> = Record<`--${string}`, BankFlag<O>>;

/** The flags both builders take alike (`--checkpoints` and `--tau` differ: each builder declares them). */
export const BANK_FLAGS: BankFlags<BankOptions> = {
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

/** Prints `<script>: <message>` to stderr and exits with status 2. */
export function usage(script: string, message: string): never {
  process.stderr.write(`${script}: ${message}\n`);
  process.exit(2);
}

/** The value of `flag` read as `spec` says, or a usage error. */
function readFlag(script: string, flag: string, v: string | undefined, spec: BankFlag<unknown>): unknown {
  switch (spec.kind) {
    case 'integer':
    case 'number': {
      const integer = spec.kind === 'integer';
      const n = Number(v);
      if (v === undefined || !(n >= spec.min) || (integer && !Number.isInteger(n))) {
        usage(script, `Expected \`${flag}\` to be ${integer ? 'an integer' : 'a number'} >= ${spec.min}, got ${JSON.stringify(v)}.`);
      }
      if (spec.below !== undefined && n >= spec.below) usage(script, `Expected \`${flag}\` to be a number in [${spec.min}, ${spec.below}), got ${JSON.stringify(v)}.`);
      return n;
    }
    case 'steps': {
      const steps = (v ?? '').split(',').map(Number);
      if (v === undefined || v === '' || steps.some((s, j) => !Number.isInteger(s) || s < spec.min || (j > 0 && s <= steps[j - 1]!))) {
        usage(script, `Expected \`${flag}\` to be increasing steps >= ${spec.min}, got ${JSON.stringify(v)}.`);
      }
      return steps;
    }
    case 'choice':
      if (!spec.values.includes(v ?? '')) usage(script, `Expected \`${flag}\` to be one of ${spec.values.join(', ')}, got ${JSON.stringify(v)}.`);
      return v;
    case 'path':
      if (v === undefined) usage(script, `Expected \`${flag}\` to be a file path.`);
      return v;
  }
}

/**
 * The options `argv` (flag, value, flag, value, ...) sets by `flags`, the others at
 * `defaults` (left unchanged), after checking `--max-lr` > `--min-lr`.
 */
export function parseBankFlags<O extends BankOptions>(script: string, argv: readonly string[], flags: BankFlags<O>, defaults: O): O {
  const options = { ...defaults };
  for (let i = 0; i < argv.length; i += 2) {
    const flag = argv[i]!;
    const spec = Object.hasOwn(flags, flag) ? flags[flag as `--${string}`] : undefined;
    if (spec === undefined) usage(script, `unknown argument ${JSON.stringify(flag)}`);
    (options as Record<PropertyKey, unknown>)[spec.key] = readFlag(script, flag, argv[i + 1], spec as BankFlag<unknown>);
  }
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
