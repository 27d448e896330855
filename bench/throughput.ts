/**
 * Training throughput of a CIFAR ResNet on the backend that `selectBackend` picks (or the
 * one given): random 32x32x3 images, 10 classes, SGD with momentum, `model.trainOnBatch`.
 *
 *   npx tsx bench/throughput.ts --backend wasm --model resnet20 --batch 32 --steps 5 --warmup 2
 *
 * Options: --backend auto|tensorflow|webgpu|wasm|cpu (default auto), --model resnet20|
 * resnet32|resnet44|resnet56|resnet110 (default resnet20), --batch N (32), --steps N (5),
 * --warmup N (2), --profile (adds a per-kernel time profile of one more step),
 * --out FILE (default bench/results/throughput-<backend>-<model>-b<batch>.json, or the
 * same name under $OUT when that variable is set).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import * as tf from '@tensorflow/tfjs';

import { BACKEND_NAMES, type BackendChoice, selectBackend } from '../src/backend/select.js';
import { resnetCifar } from '../src/models/resnet.js';

interface Args {
  backend: BackendChoice;
  model: string;
  depth: number;
  batch: number;
  steps: number;
  warmup: number;
  profile: boolean;
  out: string | undefined;
}

function usage(message: string): never {
  process.stderr.write(`throughput: ${message}\n`);
  process.exit(2);
}

function parseArgs(argv: string[]): Args {
  const args: Args = { backend: 'auto', model: 'resnet20', depth: 20, batch: 32, steps: 5, warmup: 2, profile: false, out: undefined };
  const int = (flag: string, v: string | undefined, min: number): number => {
    const n = Number(v);
    if (v === undefined || !Number.isInteger(n) || n < min) usage(`Expected \`${flag}\` to be an integer >= ${min}, got ${JSON.stringify(v)}.`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = argv[i + 1];
    switch (flag) {
      case '--backend':
        if (!(BACKEND_NAMES as readonly string[]).includes(value ?? '')) {
          usage(`Expected \`--backend\` to be one of ${BACKEND_NAMES.join(', ')}, got ${JSON.stringify(value)}.`);
        }
        args.backend = value as BackendChoice;
        i++;
        break;
      case '--model': {
        const m = /^resnet(\d+)$/.exec(value ?? '');
        if (m === null || ![20, 32, 44, 56, 110].includes(Number(m[1]))) {
          usage(`Expected \`--model\` to be one of resnet20, resnet32, resnet44, resnet56, resnet110, got ${JSON.stringify(value)}.`);
        }
        args.model = value as string;
        args.depth = Number(m[1]);
        i++;
        break;
      }
      case '--batch':
        args.batch = int(flag, value, 1);
        i++;
        break;
      case '--steps':
        args.steps = int(flag, value, 1);
        i++;
        break;
      case '--warmup':
        args.warmup = int(flag, value, 0);
        i++;
        break;
      case '--out':
        if (value === undefined) usage('Expected `--out` to be a file path.');
        args.out = value;
        i++;
        break;
      case '--profile':
        args.profile = true;
        break;
      default:
        usage(`unknown argument ${JSON.stringify(flag)}`);
    }
  }
  return args;
}

function meanSd(xs: number[]): { mean: number; sd: number } {
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  const sd = xs.length > 1 ? Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (xs.length - 1)) : 0;
  return { mean, sd };
}

const round = (x: number, digits = 2): number => Number(x.toFixed(digits));

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const selection = await selectBackend({ backend: args.backend, log: (line) => process.stderr.write(`${line}\n`) });

  const model = resnetCifar({ depth: args.depth, inputShape: [32, 32, 3], numClasses: 10, seed: 1 });
  model.compile({ optimizer: tf.train.momentum(0.1, 0.9), loss: 'categoricalCrossentropy' });
  const x = tf.randomNormal([args.batch, 32, 32, 3], 0, 1, 'float32', 7);
  const labels = tf.tidy(() => tf.oneHot(tf.randomUniform([args.batch], 0, 10, 'int32', 8), 10));

  const step = async (): Promise<number> => {
    const loss = await model.trainOnBatch(x, labels);
    return Array.isArray(loss) ? (loss[0] as number) : loss;
  };

  const losses: number[] = [];
  for (let i = 0; i < args.warmup; i++) {
    const t0 = performance.now();
    losses.push(await step());
    process.stderr.write(`warm-up ${i + 1}/${args.warmup}: ${round(performance.now() - t0, 1)} ms\n`);
  }
  const tensorsBefore = tf.memory().numTensors;
  const samples: number[] = [];
  for (let i = 0; i < args.steps; i++) {
    const t0 = performance.now();
    losses.push(await step());
    const ms = performance.now() - t0;
    samples.push(ms);
    process.stderr.write(`step ${i + 1}/${args.steps}: ${round(ms, 1)} ms, loss ${losses.at(-1)?.toFixed(4)}\n`);
  }
  const tensorsAfter = tf.memory().numTensors;

  let profile: Array<{ kernel: string; ms: number; calls: number; share: number }> | undefined;
  if (args.profile) {
    const info = await tf.profile(async () => {
      await step();
    });
    const byKernel = new Map<string, { ms: number; calls: number }>();
    for (const k of info.kernels) {
      const ms = typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0;
      const entry = byKernel.get(k.name) ?? { ms: 0, calls: 0 };
      entry.ms += ms;
      entry.calls += 1;
      byKernel.set(k.name, entry);
    }
    // `<name>__op` entries are custom-gradient scopes that contain kernels listed on their
    // own (fusedConv2d__op contains FusedConv2D): they are left out of the total.
    const total = [...byKernel.entries()].filter(([k]) => !k.endsWith('__op')).reduce((a, [, b]) => a + b.ms, 0);
    profile = [...byKernel.entries()]
      .map(([kernel, v]) => ({ kernel, ms: round(v.ms, 1), calls: v.calls, share: round(v.ms / total, 4) }))
      .sort((a, b) => b.ms - a.ms);
    process.stderr.write(`profile (one step, ${round(total, 1)} ms in kernels):\n`);
    for (const p of profile.slice(0, 15)) {
      process.stderr.write(`  ${p.kernel.padEnd(24)} ${String(p.ms).padStart(9)} ms  ${(p.share * 100).toFixed(1).padStart(5)} %  ${p.calls} calls\n`);
    }
  }

  const { mean, sd } = meanSd(samples);
  const cpus = os.cpus();
  const result = {
    benchmark: 'training throughput',
    model: args.model,
    parameters: model.countParams(),
    backend: selection.name,
    backendReason: selection.reason,
    skippedBackends: selection.skipped,
    kernelOverrides: selection.kernelOverrides,
    device: selection.device ?? null,
    cpu: { model: cpus[0]?.model.trim() ?? 'unknown', cores: cpus.length },
    batch: args.batch,
    warmupSteps: args.warmup,
    steps: args.steps,
    stepMs: { mean: round(mean), sd: round(sd), samples: samples.map((s) => round(s)) },
    imagesPerSecond: round((args.batch * 1000) / mean),
    losses: losses.map((l) => round(l, 4)),
    tensorsLeakedPerStep: round((tensorsAfter - tensorsBefore) / args.steps, 2),
    ...(profile === undefined ? {} : { profile }),
    optimizer: 'SGD momentum 0.9, lr 0.1',
    input: 'random normal 32x32x3, random labels of 10 classes',
    tfjsVersion: tf.version.tfjs,
    nodeVersion: process.version,
    date: new Date().toISOString(),
    command: `throughput ${process.argv.slice(2).join(' ')}`,
  };

  const name = `throughput-${selection.name}-${args.model}-b${args.batch}.json`;
  const outDir = process.env['OUT'];
  const out = args.out ?? (outDir !== undefined && outDir !== '' ? path.join(outDir, name) : path.join('bench', 'results', name));
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
  process.stderr.write(
    `${args.model} on ${selection.name} (${selection.device ?? 'unknown device'}), batch ${args.batch}: ` +
      `${round(mean, 1)} ± ${round(sd, 1)} ms/step, ${round((args.batch * 1000) / mean, 1)} img/s -> ${out}\n`,
  );
  tf.dispose([x, labels]);
  model.dispose();
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`throughput: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
