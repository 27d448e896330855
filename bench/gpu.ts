/**
 * The GPU benchmark: one entry point for a GPU machine, packed into a device kit
 * (`bench/gpu-run.sh` packs it, runs it and the PyTorch counterpart `bench/gpu_pytorch.py`).
 *
 *   npx tsx bench/gpu.ts [--smoke] [--backend webgpu|wasm] [--parts filtergrad,throughput,main]
 *                        [--main-seconds N] [--out DIR]
 *
 * Parts, each run in a child process with its own time limit, so that one slow part
 * cannot eat the others' time (results are written as they come, a part that runs out of
 * time keeps what it wrote):
 * - `filtergrad`: the filter-gradient microbenchmark on the conv shapes of a CIFAR
 *   ResNet-20: forward conv, input gradient, this library's split-K filter gradient
 *   (with a few splits) and the built-in one, and their largest difference;
 * - `throughput`: ResNet-20 and ResNet-56 training img/s at batch 128 and 512 with the
 *   split-K kernel, ResNet-20 at batch 128 with the built-in one too, and a per-kernel
 *   profile of one ResNet-20 step;
 * - `main`: the main job, `autolrs train --preset full --steps <--main-steps, 800>`, a whole
 *   AutoLRS schedule, within `--main-seconds` (its `--max-minutes` leaves time to load the
 *   data, evaluate and plot).
 *
 * `--smoke` shrinks every size (tiny ResNets on 8x8 images, the `smoke` preset) to check
 * the whole pipeline on a CPU: wasm, or webgpu on SwiftShader.
 * Results: DIR/{filter-grad,throughput}.json, DIR/run-<parts>.json (each part's status and
 * time) and DIR/main/<time>/ (the main job's files, schedule plot included). DIR defaults to $OUT/gpu when OUT is set, else runs/gpu.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import * as tf from '@tensorflow/tfjs';

import { selectBackend, type BackendSelection } from '../src/backend/select.js';
import { parseCommandLine } from '../src/cli/args.js';
import { train } from '../src/cli/train.js';
import { benchConvShape, useFilterGradKernel, type ConvShape, type ConvShapeResult, type FilterGradKernel } from './lib/gpu-kernels.js';
import { measureThroughput, type ThroughputConfig, type ThroughputResult } from './lib/gpu-training.js';

const PARTS = ['filtergrad', 'throughput', 'main'] as const;
type Part = (typeof PARTS)[number];

interface Args {
  smoke: boolean;
  backend: 'webgpu' | 'wasm';
  parts: Part[];
  mainSeconds: number;
  /** Gradient steps of the main job (a whole AutoLRS schedule, final cooldown included); null: the preset's. */
  mainSteps: number | null;
  out: string;
  part: Part | undefined;
}

function usage(message: string): never {
  process.stderr.write(`gpu: ${message}\n`);
  process.exit(2);
}

function parseArgs(argv: string[]): Args {
  const outEnv = process.env['OUT'];
  const args: Args = {
    smoke: false,
    backend: 'webgpu',
    parts: [...PARTS],
    mainSeconds: NaN,
    mainSteps: null,
    out: outEnv !== undefined && outEnv !== '' ? path.join(outEnv, 'gpu') : path.join('runs', 'gpu'),
    part: undefined,
  };
  const parts = (v: string | undefined): Part[] => {
    const list = (v ?? '').split(',').filter((p) => p !== '');
    for (const p of list) if (!(PARTS as readonly string[]).includes(p)) usage(`Expected parts among ${PARTS.join(', ')}, got ${JSON.stringify(p)}.`);
    if (list.length === 0) usage('Expected at least one part.');
    return list as Part[];
  };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = argv[i + 1];
    switch (flag) {
      case '--smoke':
        args.smoke = true;
        break;
      case '--backend':
        if (value !== 'webgpu' && value !== 'wasm') usage(`Expected \`--backend\` to be webgpu or wasm, got ${JSON.stringify(value)}.`);
        args.backend = value;
        i++;
        break;
      case '--parts':
        args.parts = parts(value);
        i++;
        break;
      case '--part':
        args.part = parts(value)[0];
        i++;
        break;
      case '--main-seconds': {
        const n = Number(value);
        if (!Number.isFinite(n) || n < 30) usage(`Expected \`--main-seconds\` to be a number >= 30, got ${JSON.stringify(value)}.`);
        args.mainSeconds = n;
        i++;
        break;
      }
      case '--main-steps': {
        const n = Number(value);
        if (!Number.isInteger(n) || n < 1) usage(`Expected \`--main-steps\` to be an integer >= 1, got ${JSON.stringify(value)}.`);
        args.mainSteps = n;
        i++;
        break;
      }
      case '--out':
        if (value === undefined) usage('Expected `--out` to be a folder.');
        args.out = value;
        i++;
        break;
      default:
        usage(`unknown argument ${JSON.stringify(flag)}`);
    }
  }
  if (Number.isNaN(args.mainSeconds)) args.mainSeconds = args.smoke ? 240 : 180;
  // The full preset's 14,000 steps do not fit the time slot: a shorter whole schedule does.
  if (args.mainSteps === null && !args.smoke) args.mainSteps = 800;
  return args;
}

/** Time limit of each part, in seconds (the main job's is `--main-seconds`). */
function limits(a: Args): Record<Part, number> {
  return a.smoke ? { filtergrad: 300, throughput: 400, main: a.mainSeconds } : { filtergrad: 75, throughput: 170, main: a.mainSeconds };
}

/**
 * Seconds the main job keeps for loading the data, evaluating and plotting (half of its
 * slot in a smoke run, where a software adapter compiles every new shader slowly).
 */
function mainReserveSeconds(a: Args): number {
  return a.smoke ? a.mainSeconds / 2 : 60;
}

function writeJson(file: string, value: unknown): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, `${JSON.stringify(value, null, 2)}\n`);
}

function machine(): Record<string, unknown> {
  const cpus = os.cpus();
  return { cpu: `${cpus[0]?.model.trim() ?? 'unknown'} (${cpus.length} logical cores)`, node: process.version, tfjs: tf.version.tfjs };
}

function describeSelection(sel: BackendSelection): Record<string, unknown> {
  return { name: sel.name, device: sel.device ?? null, kernelOverrides: sel.kernelOverrides, warnings: sel.warnings };
}

async function partFilterGrad(a: Args): Promise<void> {
  const sel = await selectBackend({ backend: a.backend, log: (l) => process.stderr.write(`${l}\n`) });
  // The shapes of the filter-gradient figures in the project's backend notes, then the other
  // convolutions of a CIFAR ResNet at batch 128.
  const shapes: ConvShape[] = a.smoke
    ? [
        { x: [4, 8, 8, 4], k: 3, co: 4, stride: 1 },
        { x: [4, 8, 8, 4], k: 3, co: 8, stride: 2 },
      ]
    : [
        { x: [128, 32, 32, 16], k: 3, co: 16, stride: 1 },
        { x: [128, 16, 16, 32], k: 3, co: 32, stride: 1 },
        { x: [128, 8, 8, 64], k: 3, co: 64, stride: 1 },
        { x: [512, 32, 32, 16], k: 3, co: 16, stride: 1 },
        { x: [128, 32, 32, 3], k: 3, co: 16, stride: 1 },
        { x: [128, 32, 32, 16], k: 3, co: 32, stride: 2 },
        { x: [128, 16, 16, 32], k: 3, co: 64, stride: 2 },
      ];
  const variants = a.smoke
    ? [{ targetWorkgroups: 4, minChunk: 16 }]
    : [
        { targetWorkgroups: 512, minChunk: 256 },
        { targetWorkgroups: 8192, minChunk: 128 },
        { targetWorkgroups: 2048, minChunk: 1024 },
        { targetWorkgroups: 16384, minChunk: 64 },
      ];
  const reps = a.smoke ? 2 : 20;
  const file = path.join(a.out, 'filter-grad.json');
  const results: ConvShapeResult[] = [];
  const doc = { benchmark: 'conv2d filter gradient', backend: describeSelection(sel), machine: machine(), reps, date: new Date().toISOString(), results };
  for (const s of shapes) {
    const r = await benchConvShape(s, reps, variants);
    results.push(r);
    writeJson(file, doc);
    process.stderr.write(
      `filtergrad ${r.shape}: forward ${r.forwardMs} ms, input grad ${r.inputGradMs} ms, filter grad split-K ${r.filterGrad.splitK.ms} ms` +
        (r.filterGrad.builtInMs === null ? '' : `, built-in ${r.filterGrad.builtInMs} ms, max rel diff ${r.filterGrad.maxRelDiff?.toExponential(1)}`) +
        '\n',
    );
  }
}

async function partThroughput(a: Args): Promise<void> {
  const sel = await selectBackend({ backend: a.backend, log: (l) => process.stderr.write(`${l}\n`) });
  const webgpu = sel.name === 'webgpu';
  type Run = { kernel: FilterGradKernel; config: ThroughputConfig };
  const base = a.smoke
    ? { width: 4, size: 8, warmup: 1, steps: 2, maxSeconds: 60 }
    : { width: 16, size: 32, warmup: 2, steps: 10, maxSeconds: 12 };
  const runs: Run[] = a.smoke
    ? [
        { kernel: 'split-k', config: { ...base, depth: 8, batch: 4, profile: true } },
        ...(webgpu ? [{ kernel: 'built-in' as const, config: { ...base, depth: 8, batch: 4, profile: false } }] : []),
      ]
    : [
        { kernel: 'split-k', config: { ...base, depth: 20, batch: 128, profile: true } },
        { kernel: 'built-in', config: { ...base, depth: 20, batch: 128, steps: 3, profile: false } },
        { kernel: 'split-k', config: { ...base, depth: 20, batch: 512, profile: false } },
        { kernel: 'split-k', config: { ...base, depth: 56, batch: 128, profile: false } },
        { kernel: 'split-k', config: { ...base, depth: 56, batch: 512, profile: false } },
      ];
  const file = path.join(a.out, 'throughput.json');
  const results: Array<ThroughputResult & { filterGradKernel: FilterGradKernel | 'wasm' }> = [];
  const doc = {
    benchmark: 'ResNet training throughput (trainOnBatch, SGD momentum 0.9, random 3-channel images)',
    backend: describeSelection(sel),
    machine: machine(),
    date: new Date().toISOString(),
    results,
  };
  for (const run of runs) {
    if (webgpu) useFilterGradKernel(run.kernel);
    const r = await measureThroughput(run.config);
    if (webgpu) useFilterGradKernel('split-k');
    results.push({ ...r, filterGradKernel: webgpu ? run.kernel : 'wasm' });
    writeJson(file, doc);
    process.stderr.write(
      `throughput ${r.model} batch ${r.batch} (${webgpu ? run.kernel : sel.name}): ${r.meanStepMs} ms/step, ${r.imagesPerSecond} img/s` +
        ` (warm-up ${r.warmupMs.join(', ')} ms)\n`,
    );
    if (r.profile !== undefined) {
      for (const k of r.profile.kernels.slice(0, 8)) process.stderr.write(`  ${k.kernel.padEnd(26)} ${String(k.ms).padStart(8)} ms ${(100 * k.share).toFixed(1)} %\n`);
    }
  }
}

async function partMain(a: Args): Promise<void> {
  const minutes = Math.max(0.1, (a.mainSeconds - mainReserveSeconds(a)) / 60);
  const argv = [
    'train',
    '--preset',
    a.smoke ? 'smoke' : 'full',
    '--backend',
    a.backend,
    ...(a.mainSteps === null ? [] : ['--steps', String(a.mainSteps)]),
    '--max-minutes',
    minutes.toFixed(2),
    '--out',
    path.join(a.out, 'main'),
  ];
  process.stderr.write(`main: autolrs ${argv.join(' ')}\n`);
  const parsed = parseCommandLine(argv);
  if (parsed.command !== 'train') throw new Error('Expected a train command.');
  await train(parsed.config, { out: (line) => console.log(line), tty: false });
}

async function runPart(a: Args, part: Part): Promise<void> {
  fs.mkdirSync(a.out, { recursive: true });
  if (part === 'filtergrad') await partFilterGrad(a);
  else if (part === 'throughput') await partThroughput(a);
  else await partMain(a);
}

interface PartStatus {
  part: Part;
  status: 'ok' | 'failed' | 'timed out';
  exitCode: number | null;
  seconds: number;
  limitSeconds: number;
}

function spawnPart(a: Args, part: Part, limitS: number, forwarded: string[]): Promise<PartStatus> {
  const script = process.argv[1];
  if (script === undefined) throw new Error('Expected the path of this script in process.argv[1].');
  const t0 = performance.now();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [...process.execArgv, script, ...forwarded, '--part', part], { stdio: 'inherit' });
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      process.stderr.write(`gpu: part ${part} ran past its ${limitS} s: stopped\n`);
      child.kill('SIGKILL');
    }, limitS * 1000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      const seconds = Number(((performance.now() - t0) / 1000).toFixed(1));
      resolve({ part, status: timedOut ? 'timed out' : code === 0 ? 'ok' : 'failed', exitCode: code, seconds, limitSeconds: limitS });
    });
  });
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const a = parseArgs(argv);
  if (a.part !== undefined) {
    await runPart(a, a.part);
    return;
  }
  const forwarded = [
    '--backend',
    a.backend,
    '--main-seconds',
    String(a.mainSeconds),
    ...(a.mainSteps === null ? [] : ['--main-steps', String(a.mainSteps)]),
    '--out',
    a.out,
    ...(a.smoke ? ['--smoke'] : []),
  ];
  const lim = limits(a);
  const statuses: PartStatus[] = [];
  const t0 = performance.now();
  for (const part of a.parts) {
    process.stderr.write(`gpu: part ${part} (limit ${lim[part]} s)\n`);
    const s = await spawnPart(a, part, lim[part], forwarded);
    statuses.push(s);
    process.stderr.write(`gpu: part ${part}: ${s.status} in ${s.seconds} s\n`);
    writeJson(path.join(a.out, `run-${a.parts.join('-')}.json`), {
      command: `gpu ${argv.join(' ')}`,
      smoke: a.smoke,
      backend: a.backend,
      machine: machine(),
      date: new Date().toISOString(),
      seconds: Number(((performance.now() - t0) / 1000).toFixed(1)),
      parts: statuses,
    });
  }
  process.stderr.write(`gpu: results in ${a.out}\n`);
  if (statuses.some((s) => s.status !== 'ok')) process.exitCode = 1;
}

main().then(
  () => process.exit(process.exitCode ?? 0),
  (err: unknown) => {
    process.stderr.write(`gpu: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
