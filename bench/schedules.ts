/**
 * Head-to-head: does AutoLRS beat tuned schedules with the same step budget?
 *
 *   npx tsx bench/schedules.ts --quick                 # CPU (wasm), a few minutes
 *   npx tsx bench/schedules.ts --task cnn-momentum --resume    # the CPU tasks of bench/README.md
 *   npx tsx bench/schedules.ts --task resnet8-adam --resume
 *   npx tsx bench/schedules.ts --resume                # the full default (ResNet-20, for a GPU)
 *
 * Every method gets the same number of optimizer steps (`--budget`); AutoLRS's search
 * steps count in it. The baselines (step decay, cosine, one-cycle, cyclic, constant) have
 * their peak LR tuned on `--grid` (one seed-0 run per LR, chosen on validation accuracy;
 * the cost is reported apart), then run with `--seeds` seeds. The zero-tuning peers
 * (fastai's LR finder + one-cycle, Schedule-Free; bench/lib/peers.ts) run with every seed
 * and no grid. See bench/lib/head-to-head.ts for the protocol and bench/README.md for the
 * figures.
 *
 * Options (defaults in parentheses):
 *   --model resnet20|cnn|mlp (resnet20)   --width N ResNet base width (16)
 *   --data fashion-mnist                  --train-size N (25000) --val-size N (5000) --test-size N (10000)
 *   --batch N (128)   --budget N steps per run (1400)   --eval-every N (100)   --seeds N (3)
 *   --grid a,b,c peak LRs (0.01,0.0464,0.215,1)   --baselines step,cosine,one-cycle,cyclic,constant,wsd
 *   --peers lr-finder-onecycle,schedule-free (both; `none` for neither)
 *   --hot-steps N     a diagnostic: each baseline first trains N steps at its peak LR, then runs
 *                     its schedule over the steps left (0)
 *   --task cnn-momentum|resnet8-adam   a preset (below); later flags override it
 *   --optimizer momentum|adam (momentum)   --momentum (0.9)
 *   --strategy cooldown|reference (cooldown)   --min-lr/--max-lr AutoLRS range (3 decades ending at the grid's top)
 *   cooldown: --k N --later-k N --probe-steps N --stages N --cooldown-fraction X --cooldown-shape linear|cosine
 *            --warmup-fraction X --train-from checkpoint|probe --tolerance X --shrink X --survivors N --rung-steps N
 *            --batch-norm-batches N (the strategy's defaults)
 *   reference: --k N (10) --tau N --tau-prime N --tau-max N (scaled to the budget: budget = 7·τ·(1+k/10))
 *   --no-autolrs    run only the baselines and peers (a part of the benchmark, see --merge)
 *   --merge A.json B.json ...   combine results files of parts of one benchmark into --out
 *   --backend auto|tensorflow|webgpu|wasm|cpu (auto)
 *   --resume        skip runs already in the results file (config must match); without --out,
 *                   the committed copy under bench/results/ when the file is absent
 *   --max-minutes M start no new run after M minutes (then rerun with --resume)
 *   --only-seed S   run only seed S's runs (a part: one process per seed, combined with --merge)
 *   --out FILE      results JSON (bench/results/schedules-<tag>.json, or under $OUT)
 *   --tag NAME      file name tag (<backend>-<model>, or quick-<backend>-<model> with --quick)
 *   --plot-only     re-render the plot from the results file
 *   --quick         cnn, 5000 train / 1000 val / 1000 test, batch 32, budget 420, 2 seeds,
 *                   grid 0.01,0.04,0.16, eval every 30
 *
 * Tasks (CPU-sized, 3 seeds, 4-point grids around each optimizer's customary LR, baselines
 * constant, step, cosine and one-cycle, both peers; AutoLRS with the 3 decades ending at the
 * grid's top, the cooldown strategy's range unless --min-lr/--max-lr are given):
 *   cnn-momentum   the CNN, SGD momentum 0.9, 20,000 / 2,000 / 10,000 images, batch 32, 2,500 steps,
 *                  grid 0.01,0.03,0.1,0.3, AutoLRS in [3e-4, 0.3]
 *   resnet8-adam   the main job's model (ResNet-8, width 8), Adam, 55,000 / 5,000 / 10,000 images,
 *                  batch 32, 2,548 steps, grid 0.001,0.003,0.01,0.03, AutoLRS in [3e-5, 0.03];
 *                  test accuracy every 500 steps (cnn-momentum: every 250)
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

import * as tf from '@tensorflow/tfjs';

import { BACKEND_NAMES, selectBackend, type BackendChoice } from '../src/backend/select.js';
import { COOLDOWN_SHAPES, type CooldownShape } from '../src/scheduler/cooldown/plan.js';
import { TRAIN_FROM, type TrainFrom } from '../src/scheduler/cooldown/options.js';
import { parseCommandLine, presetOf, usage, type Flags } from './lib/flags.js';
import {
  accuracySpec,
  BASELINES,
  DEFAULT_BASELINES,
  plan,
  scaledAutoLRS,
  summarize,
  trainRun,
  type Baseline,
  type HeadToHeadConfig,
  type RunRecord,
  type Summary,
} from './lib/head-to-head.js';
import { formatMeanSd } from './lib/metrics.js';
import { PEERS } from './lib/peers.js';
import { writePlot } from './lib/render.js';
import { BENCH_DATA, BENCH_MODELS, describeModel, loadData, machine } from './lib/setup.js';

const SCRIPT = 'schedules';

interface Cli {
  config: HeadToHeadConfig;
  backend: BackendChoice;
  resume: boolean;
  maxMinutes: number;
  out: string | undefined;
  tag: string | undefined;
  plotOnly: boolean;
  quick: boolean;
  /** Results files of parts of one benchmark to combine. */
  merge: string[] | null;
  /** Runs only this seed's runs of the protocol (a part for `--merge`); undefined: every seed. */
  onlySeed: number | undefined;
}

/** The results file. */
export interface ResultsFile {
  benchmark: 'schedules head-to-head';
  config: HeadToHeadConfig;
  model: string;
  backend: string;
  device: string | null;
  machine: ReturnType<typeof machine>;
  /** Pixel normalization used: x = (pixel / 255 − mean) / std. */
  normalization: { mean: number; std: number };
  /** One entry per command that added runs. */
  sessions: Array<{ date: string; command: string; backend: string; loadAverageStart: number[]; loadAverageEnd: number[]; runsAdded: number; minutes: number }>;
  runs: RunRecord[];
  summary: Summary;
}

/** The CPU-sized tasks of the head-to-head. */
export const TASKS = ['cnn-momentum', 'resnet8-adam'] as const;
export type Task = (typeof TASKS)[number];

function taskConfig(task: Task): HeadToHeadConfig {
  const common = {
    data: 'fashion-mnist' as const,
    testSize: 10000,
    batchSize: 32,
    evalEvery: 250,
    seeds: 3,
    baselines: ['constant', 'step', 'cosine', 'one-cycle'] as Baseline[],
    peers: [...PEERS],
    momentum: 0.9,
  };
  return task === 'cnn-momentum'
    ? {
        ...common,
        model: 'cnn',
        baseWidth: 16,
        trainSize: 20000,
        validationSize: 2000,
        budget: 2500,
        grid: [0.01, 0.03, 0.1, 0.3],
        optimizer: 'momentum',
        autolrs: { strategy: 'cooldown', minLr: 3e-4, maxLr: 0.3, options: {} },
      }
    : {
        ...common,
        model: 'resnet8',
        baseWidth: 8,
        trainSize: 55000,
        validationSize: 5000,
        budget: 2548,
        evalEvery: 500,
        grid: [0.001, 0.003, 0.01, 0.03],
        optimizer: 'adam',
        autolrs: { strategy: 'cooldown', minLr: 3e-5, maxLr: 0.03, options: {} },
      };
}

/**
 * What the flags set, flat: the configuration's fields, the command's own (`Cli`'s), and
 * AutoLRS's, resolved into `config.autolrs` after parsing (the cooldown strategy's options
 * are passed on as given, in the order given).
 */
interface Parsed extends HeadToHeadConfig, Omit<Cli, 'config'> {
  strategy?: 'cooldown' | 'reference';
  k?: number;
  tau?: number;
  tauPrime?: number;
  tauMax?: number;
  minLr?: number;
  maxLr?: number;
  warmupFraction?: number;
  tolerance?: number;
  shrink?: number;
  survivors?: number;
  rungSteps?: number;
  laterK?: number;
  probeSteps?: number;
  stages?: number;
  cooldownFraction?: number;
  cooldownShape?: CooldownShape;
  trainFrom?: TrainFrom;
  batchNormBatches?: number;
}

/** The flags of the cooldown strategy's options. */
const COOLDOWN_FLAGS: Flags<Parsed> = {
  '--warmup-fraction': { kind: 'interval', key: 'warmupFraction', min: 0, below: 1 },
  '--train-from': { kind: 'choice', key: 'trainFrom', values: TRAIN_FROM, or: true },
  '--tolerance': { kind: 'number', key: 'tolerance', min: 0, finite: true },
  '--shrink': { kind: 'factor', key: 'shrink' },
  '--survivors': { kind: 'integer', key: 'survivors', min: 0 },
  '--rung-steps': { kind: 'integer', key: 'rungSteps', min: 1 },
  '--later-k': { kind: 'integer', key: 'laterK', min: 1 },
  '--probe-steps': { kind: 'integer', key: 'probeSteps', min: 2 },
  '--stages': { kind: 'integer', key: 'stages', min: 1 },
  '--cooldown-fraction': { kind: 'interval', key: 'cooldownFraction', min: 0, below: 1 },
  '--cooldown-shape': { kind: 'choice', key: 'cooldownShape', values: COOLDOWN_SHAPES, or: true },
  '--batch-norm-batches': { kind: 'integer', key: 'batchNormBatches', min: 0 },
};

/** The options the cooldown strategy's flags set. */
const COOLDOWN_KEYS: ReadonlySet<string> = new Set(Object.values(COOLDOWN_FLAGS).flatMap((f) => ('key' in f ? [f.key] : [])));

/** The flags: the option each sets and how its value is read (`--task` and `--quick` also choose the defaults: `parse`). */
const FLAGS: Flags<Parsed> = {
  '--quick': { kind: 'switch', key: 'quick' },
  '--task': { kind: 'preset' },
  '--merge': { kind: 'files', key: 'merge', what: 'results files' },
  '--no-autolrs': { kind: 'switch', key: 'runAutolrs', value: false },
  '--optimizer': { kind: 'choice', key: 'optimizer', values: ['momentum', 'adam'], or: true },
  '--strategy': { kind: 'choice', key: 'strategy', values: ['cooldown', 'reference'], or: true },
  ...COOLDOWN_FLAGS,
  '--resume': { kind: 'switch', key: 'resume' },
  '--plot-only': { kind: 'switch', key: 'plotOnly' },
  '--model': { kind: 'choice', key: 'model', values: BENCH_MODELS },
  '--data': { kind: 'choice', key: 'data', values: BENCH_DATA },
  '--backend': { kind: 'choice', key: 'backend', values: BACKEND_NAMES },
  '--width': { kind: 'integer', key: 'baseWidth', min: 1 },
  '--train-size': { kind: 'integer', key: 'trainSize', min: 1 },
  '--val-size': { kind: 'integer', key: 'validationSize', min: 1 },
  '--test-size': { kind: 'integer', key: 'testSize', min: 1 },
  '--batch': { kind: 'integer', key: 'batchSize', min: 1 },
  '--budget': { kind: 'integer', key: 'budget', min: 1 },
  '--eval-every': { kind: 'integer', key: 'evalEvery', min: 1 },
  '--seeds': { kind: 'integer', key: 'seeds', min: 1 },
  '--grid': { kind: 'lrs', key: 'grid' },
  '--hot-steps': { kind: 'integer', key: 'hotSteps', min: 0 },
  '--baselines': { kind: 'list', key: 'baselines', values: BASELINES },
  '--peers': { kind: 'list', key: 'peers', values: PEERS, sayNone: true },
  '--momentum': { kind: 'interval', key: 'momentum', min: 0, below: 1 },
  '--k': { kind: 'integer', key: 'k', min: 1 },
  '--tau': { kind: 'integer', key: 'tau', min: 4 },
  '--tau-prime': { kind: 'integer', key: 'tauPrime', min: 3 },
  '--tau-max': { kind: 'integer', key: 'tauMax', min: 4 },
  '--min-lr': { kind: 'positive', key: 'minLr' },
  '--max-lr': { kind: 'positive', key: 'maxLr' },
  '--max-minutes': { kind: 'positive', key: 'maxMinutes' },
  '--only-seed': { kind: 'integer', key: 'onlySeed', min: 0 },
  '--out': { kind: 'path', key: 'out' },
  '--tag': { kind: 'word', key: 'tag' },
};

/**
 * The command line: `--task` (else `--quick`) chooses the defaults wherever it stands,
 * the other flags are read in order, then AutoLRS's range and options are resolved.
 */
function parse(argv: string[]): Cli {
  const quickGiven = argv.includes('--quick');
  const task = presetOf(argv, '--task') as Task | undefined;
  if (task !== undefined && !(TASKS as readonly string[]).includes(task)) usage(SCRIPT, `Expected \`--task\` to be one of ${TASKS.join(', ')}, got ${JSON.stringify(task)}.`);
  const preset: HeadToHeadConfig = task !== undefined
    ? taskConfig(task)
    : quickGiven
    ? {
        model: 'cnn',
        baseWidth: 16,
        data: 'fashion-mnist',
        trainSize: 5000,
        validationSize: 1000,
        testSize: 1000,
        batchSize: 32,
        budget: 420,
        evalEvery: 30,
        seeds: 2,
        grid: [0.01, 0.04, 0.16],
        baselines: [...DEFAULT_BASELINES],
        peers: [...PEERS],
        momentum: 0.9,
        autolrs: { strategy: 'cooldown', minLr: 1.6e-4, maxLr: 0.16, options: {} },
      }
    : {
        model: 'resnet20',
        baseWidth: 16,
        data: 'fashion-mnist',
        trainSize: 25000,
        validationSize: 5000,
        testSize: 10000,
        batchSize: 128,
        budget: 1400,
        evalEvery: 100,
        seeds: 3,
        grid: [0.01, 0.0464, 0.215, 1],
        baselines: [...DEFAULT_BASELINES],
        peers: [...PEERS],
        momentum: 0.9,
        autolrs: { strategy: 'cooldown', minLr: 1e-3, maxLr: 1, options: {} },
      };
  const defaults: Parsed = { ...preset, backend: 'auto', resume: false, maxMinutes: Infinity, out: undefined, tag: undefined, plotOnly: false, quick: quickGiven, merge: null, onlySeed: undefined };
  const { backend, resume, maxMinutes, out, tag, plotOnly, quick, merge, onlySeed, strategy, k, tau, tauPrime, tauMax, minLr, maxLr, ...rest } = parseCommandLine(SCRIPT, argv, FLAGS, defaults);
  const entries = Object.entries(rest);
  const c = Object.fromEntries(entries.filter(([key]) => !COOLDOWN_KEYS.has(key))) as unknown as HeadToHeadConfig;
  const cooldownOptions = Object.fromEntries(entries.filter(([key]) => COOLDOWN_KEYS.has(key))) as Record<string, number | string>;
  c.autolrs = autolrsSettings(c, { strategy, k, tau, tauPrime, tauMax, minLr, maxLr }, cooldownOptions);
  if (c.autolrs.minLr >= c.autolrs.maxLr) usage(SCRIPT, `Expected \`--min-lr\` < \`--max-lr\`, got ${c.autolrs.minLr} and ${c.autolrs.maxLr}.`);
  if ((c.hotSteps ?? 0) >= c.budget) usage(SCRIPT, `Expected \`--hot-steps\` to be smaller than the budget (${c.budget}), got ${c.hotSteps}.`);
  if (onlySeed !== undefined && onlySeed >= c.seeds) usage(SCRIPT, `Expected \`--only-seed\` to be a seed of the protocol (0 to ${c.seeds - 1}), got ${onlySeed}.`);
  return { config: c, backend, resume, maxMinutes, out, tag, plotOnly, quick, merge, onlySeed };
}

/**
 * AutoLRS's settings for the configuration `c` (its defaults: `c.autolrs`) with the range,
 * strategy and options the flags give (`over`, and the cooldown strategy's `cooldownOptions`).
 */
function autolrsSettings(
  c: HeadToHeadConfig,
  over: Pick<Parsed, 'strategy' | 'k' | 'tau' | 'tauPrime' | 'tauMax' | 'minLr' | 'maxLr'>,
  cooldownOptions: Record<string, number | string>,
): HeadToHeadConfig['autolrs'] {
  const strategy = over.strategy ?? c.autolrs.strategy;
  if (strategy === 'reference') {
    const minLr = over.minLr ?? c.grid[0]!;
    const maxLr = over.maxLr ?? c.grid.at(-1)!;
    const scaled = scaledAutoLRS(c.budget, minLr, maxLr, over.k ?? 10).options as { tau: number; tauPrime: number };
    const tau = over.tau ?? scaled.tau;
    return {
      strategy,
      minLr,
      maxLr,
      options: {
        k: over.k ?? 10,
        tau,
        tauPrime: over.tauPrime ?? (over.tau === undefined ? scaled.tauPrime : Math.max(3, Math.round(tau / 10))),
        tauMax: over.tauMax ?? 4 * tau,
      },
    };
  }
  // Three decades ending at the grid's top, unless given.
  const maxLr = over.maxLr ?? c.grid.at(-1)!;
  const minLr = over.minLr ?? (over.maxLr === undefined ? maxLr / 1000 : c.autolrs.minLr);
  return { strategy, minLr, maxLr, options: { ...(over.k === undefined ? {} : { k: over.k }), ...cooldownOptions } };
}

function sameConfig(a: HeadToHeadConfig, b: HeadToHeadConfig): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

function printSummary(s: Summary): void {
  const log = (line: string): void => void process.stderr.write(`${line}\n`);
  log(`target ${s.target?.toFixed(2) ?? '-'} % (${s.complete ? 'complete' : 'partial'})`);
  for (const m of s.methods) {
    const reach = m.toTarget ? `${m.toTarget.step} steps, ${(m.toTarget.wallMs / 1000).toFixed(1)} s` : 'not reached';
    log(`  ${m.method.padEnd(18)} lr ${String(m.lr ?? '-').padEnd(7)} acc ${formatMeanSd(m.finalTestAcc)} % (n=${m.finalTestAcc.n})  to target: ${reach}`);
  }
  for (const sp of s.speedups) {
    const f = (x: number | null): string => (x === null ? (sp.autolrsReached ? 'baseline not reached' : 'AutoLRS not reached') : `${x.toFixed(2)}x`);
    log(`  speedup vs ${sp.baseline}: steps ${f(sp.steps)}, wall ${f(sp.wallTime)}`);
  }
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const cli = parse(argv);
  const started = performance.now();
  const loadStart = machine().loadAverage;

  const outDir = process.env['OUT'];
  const taskName = presetOf(argv, '--task');
  const resolveName = (backend: string): string =>
    `schedules-${cli.tag ?? `${cli.quick ? 'quick-' : ''}${backend}-${taskName ?? cli.config.model}`}.json`;

  if (cli.merge !== null) {
    // Parts of one benchmark (e.g. the baselines in one process, AutoLRS and the peers in
    // another): their runs are combined under the configuration given on this command line.
    if (cli.out === undefined) usage(SCRIPT, 'Expected `--out` with `--merge`.');
    const parts = cli.merge.map((f) => JSON.parse(fs.readFileSync(f, 'utf8')) as ResultsFile);
    const runs: RunRecord[] = [];
    for (const part of parts) {
      // A part without AutoLRS runs (--no-autolrs) says nothing about AutoLRS's settings.
      const withoutAutolrs = !part.runs.some((r) => r.method === 'autolrs');
      const { baselines: _b, peers: _p, runAutolrs: _r, ...rest } = part.config;
      const { baselines: _b2, peers: _p2, runAutolrs: _r2, ...want } = cli.config;
      if (withoutAutolrs) rest.autolrs = want.autolrs;
      if (!sameConfig(rest as HeadToHeadConfig, want as HeadToHeadConfig)) usage(SCRIPT, '--merge: the parts were produced with other settings than this command line gives.');
      for (const r of part.runs) if (!runs.some((x) => x.id === r.id)) runs.push(r);
    }
    const first = parts[0]!;
    const merged: ResultsFile = {
      ...first,
      config: cli.config,
      sessions: parts.flatMap((p) => p.sessions),
      runs,
      summary: summarize(cli.config, runs),
    };
    fs.writeFileSync(cli.out, `${JSON.stringify(merged, null, 1)}\n`);
    const written = await writePlot(accuracySpec(merged.summary, plotTitle(merged)), cli.out.replace(/\.json$/, ''));
    process.stderr.write(`${cli.out}, ${written.join(', ')}\n`);
    printSummary(merged.summary);
    return;
  }

  if (cli.plotOnly) {
    const file = cli.out ?? path.join('bench', 'results', resolveName(cli.backend === 'auto' ? 'wasm' : cli.backend));
    const results = JSON.parse(fs.readFileSync(file, 'utf8')) as ResultsFile;
    results.summary = summarize(results.config, results.runs);
    fs.writeFileSync(file, `${JSON.stringify(results, null, 1)}\n`);
    const written = await writePlot(accuracySpec(results.summary, plotTitle(results)), file.replace(/\.json$/, ''));
    process.stderr.write(`${written.join(', ')}\n`);
    printSummary(results.summary);
    return;
  }

  const selection = await selectBackend({ backend: cli.backend, log: (l) => process.stderr.write(`${l}\n`) });
  const name = resolveName(selection.name);
  const out = cli.out ?? (outDir !== undefined && outDir !== '' ? path.join(outDir, name) : path.join('bench', 'results', name));
  const committed = path.join('bench', 'results', name);

  let runs: RunRecord[] = [];
  let sessions: ResultsFile['sessions'] = [];
  if (cli.resume) {
    // Under $OUT (a device run) the committed copy is the fallback; an explicit --out is not.
    const from = fs.existsSync(out) ? out : cli.out === undefined && fs.existsSync(committed) ? committed : null;
    if (from !== null) {
      const prev = JSON.parse(fs.readFileSync(from, 'utf8')) as ResultsFile;
      if (!sameConfig(prev.config, cli.config)) usage(SCRIPT, `--resume: ${from} was produced with another configuration; pass the same flags or another --out.`);
      runs = prev.runs;
      sessions = prev.sessions;
      process.stderr.write(`resuming from ${from}: ${runs.length} runs done\n`);
    }
  }

  const data = await loadData(cli.config.data, cli.config);
  const write = async (added: number): Promise<ResultsFile> => {
    const results: ResultsFile = {
      benchmark: 'schedules head-to-head',
      config: cli.config,
      model: describeModel(cli.config.model, cli.config.baseWidth),
      backend: selection.name,
      device: selection.device ?? null,
      machine: machine(),
      normalization: { mean: data.mean, std: data.std },
      sessions: [
        ...sessions,
        {
          date: new Date().toISOString(),
          command: `schedules ${argv.join(' ')}`,
          backend: selection.name,
          loadAverageStart: loadStart,
          loadAverageEnd: machine().loadAverage,
          runsAdded: added,
          minutes: Number(((performance.now() - started) / 60000).toFixed(2)),
        },
      ],
      runs,
      summary: summarize(cli.config, runs),
    };
    fs.mkdirSync(path.dirname(out), { recursive: true });
    fs.writeFileSync(out, `${JSON.stringify(results, null, 1)}\n`);
    return results;
  };

  let added = 0;
  for (;;) {
    const todo = plan(cli.config, runs).filter((p) => cli.onlySeed === undefined || p.seed === cli.onlySeed);
    if (todo.length === 0) break;
    if ((performance.now() - started) / 60000 >= cli.maxMinutes) {
      process.stderr.write(`stopping after ${cli.maxMinutes} min with ${todo.length} runs left: rerun with --resume\n`);
      break;
    }
    const p = todo[0]!;
    const t0 = performance.now();
    const run = await trainRun(cli.config, data, p.method, p.lr, p.seed);
    runs.push(run);
    added++;
    process.stderr.write(
      `[${runs.length}] ${p.role} ${run.id}: test ${run.finalTestAcc.toFixed(2)} %, val ${run.finalValAcc.toFixed(2)} %, ` +
        `${((performance.now() - t0) / 1000).toFixed(1)} s, leaked ${run.tensorsLeaked} tensors, load ${machine().loadAverage.join(' ')}\n`,
    );
    await write(added);
  }
  const results = await write(added);
  data.dispose();
  const written = await writePlot(accuracySpec(results.summary, plotTitle(results)), out.replace(/\.json$/, ''));
  process.stderr.write(`${out}, ${written.join(', ')}\n`);
  printSummary(results.summary);
  process.stderr.write(`tensors in memory at exit: ${tf.memory().numTensors}\n`);
}

function plotTitle(r: ResultsFile): string {
  const c = r.config;
  return `${c.model} on ${c.data}, ${c.budget} steps × batch ${c.batchSize}, ${c.seeds} seeds, ${r.backend} (${r.machine.cpu}, ${r.machine.cores} cores)`;
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`schedules: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
