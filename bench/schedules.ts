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
 *   --grid a,b,c peak LRs (0.01,0.0464,0.215,1)   --baselines step,cosine,one-cycle,cyclic,constant
 *   --peers lr-finder-onecycle,schedule-free (both; `none` for neither)
 *   --task cnn-momentum|resnet8-adam   a preset (below); later flags override it
 *   --optimizer momentum|adam (momentum)   --momentum (0.9)
 *   --strategy cooldown|reference (cooldown)   --min-lr/--max-lr AutoLRS range (3 decades ending at the grid's top)
 *   cooldown: --k N --later-k N --probe-steps N --stages N --cooldown-fraction X --cooldown-shape linear|cosine
 *            --warmup-fraction X --tolerance X --shrink X (the strategy's defaults)
 *   reference: --k N (10) --tau N --tau-prime N --tau-max N (scaled to the budget: budget = 7·τ·(1+k/10))
 *   --no-autolrs    run only the baselines and peers (a part of the benchmark, see --merge)
 *   --merge A.json B.json ...   combine results files of parts of one benchmark into --out
 *   --backend auto|tensorflow|webgpu|wasm|cpu (auto)
 *   --resume        skip runs already in the results file (config must match); without --out,
 *                   the committed copy under bench/results/ when the file is absent
 *   --max-minutes M start no new run after M minutes (then rerun with --resume)
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
import { COOLDOWN_SHAPES } from '../src/scheduler/cooldown/plan.js';
import {
  accuracySpec,
  BASELINES,
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
import { PEERS, type Peer } from './lib/peers.js';
import { writePlot } from './lib/render.js';
import { BENCH_DATA, BENCH_MODELS, describeModel, loadData, machine, type BenchData, type BenchModel } from './lib/setup.js';

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

function usage(message: string): never {
  process.stderr.write(`schedules: ${message}\n`);
  process.exit(2);
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

function parse(argv: string[]): Cli {
  const quick = argv.includes('--quick');
  const taskAt = argv.indexOf('--task');
  const task = taskAt >= 0 ? (argv[taskAt + 1] as Task) : undefined;
  if (task !== undefined && !(TASKS as readonly string[]).includes(task)) usage(`Expected \`--task\` to be one of ${TASKS.join(', ')}, got ${JSON.stringify(task)}.`);
  const c: HeadToHeadConfig = task !== undefined
    ? taskConfig(task)
    : quick
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
        baselines: [...BASELINES],
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
        baselines: [...BASELINES],
        peers: [...PEERS],
        momentum: 0.9,
        autolrs: { strategy: 'cooldown', minLr: 1e-3, maxLr: 1, options: {} },
      };
  const cli: Cli = { config: c, backend: 'auto', resume: false, maxMinutes: Infinity, out: undefined, tag: undefined, plotOnly: false, quick, merge: null };
  const over: { k?: number; tau?: number; tauPrime?: number; tauMax?: number; minLr?: number; maxLr?: number; strategy?: 'cooldown' | 'reference' } = {};
  const cooldownOptions: Record<string, number | string> = {};
  const int = (flag: string, v: string | undefined, min: number): number => {
    const n = Number(v);
    if (v === undefined || !Number.isInteger(n) || n < min) usage(`Expected \`${flag}\` to be an integer >= ${min}, got ${JSON.stringify(v)}.`);
    return n;
  };
  const pos = (flag: string, v: string | undefined): number => {
    const n = Number(v);
    if (v === undefined || !(n > 0) || !Number.isFinite(n)) usage(`Expected \`${flag}\` to be a positive number, got ${JSON.stringify(v)}.`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]!;
    const v = argv[i + 1];
    const take = (): string | undefined => {
      i++;
      return v;
    };
    switch (flag) {
      case '--quick':
        break;
      case '--task':
        take();
        break;
      case '--merge': {
        const files: string[] = [];
        while (argv[i + 1] !== undefined && !argv[i + 1]!.startsWith('--')) files.push(argv[++i]!);
        if (files.length === 0) usage('Expected `--merge` to be followed by results files.');
        cli.merge = files;
        break;
      }
      case '--no-autolrs':
        c.runAutolrs = false;
        break;
      case '--optimizer':
        if (v !== 'momentum' && v !== 'adam') usage(`Expected \`--optimizer\` to be momentum or adam, got ${JSON.stringify(v)}.`);
        c.optimizer = take() as 'momentum' | 'adam';
        break;
      case '--strategy':
        if (v !== 'cooldown' && v !== 'reference') usage(`Expected \`--strategy\` to be cooldown or reference, got ${JSON.stringify(v)}.`);
        over.strategy = take() as 'cooldown' | 'reference';
        break;
      case '--warmup-fraction': {
        const x = Number(take());
        if (!(x >= 0 && x < 1)) usage(`Expected \`--warmup-fraction\` to be a number in [0, 1), got ${JSON.stringify(v)}.`);
        cooldownOptions['warmupFraction'] = x;
        break;
      }
      case '--tolerance': {
        const x = Number(take());
        if (!(x >= 0) || !Number.isFinite(x)) usage(`Expected \`--tolerance\` to be a number >= 0, got ${JSON.stringify(v)}.`);
        cooldownOptions['tolerance'] = x;
        break;
      }
      case '--shrink': {
        const x = Number(take());
        if (!(x > 0 && x <= 1)) usage(`Expected \`--shrink\` to be a number in (0, 1], got ${JSON.stringify(v)}.`);
        cooldownOptions['shrink'] = x;
        break;
      }
      case '--later-k':
        cooldownOptions['laterK'] = int(flag, take(), 1);
        break;
      case '--probe-steps':
        cooldownOptions['probeSteps'] = int(flag, take(), 2);
        break;
      case '--stages':
        cooldownOptions['stages'] = int(flag, take(), 1);
        break;
      case '--cooldown-fraction': {
        const x = Number(take());
        if (!(x >= 0 && x < 1)) usage(`Expected \`--cooldown-fraction\` to be a number in [0, 1), got ${JSON.stringify(v)}.`);
        cooldownOptions['cooldownFraction'] = x;
        break;
      }
      case '--cooldown-shape':
        if (!(COOLDOWN_SHAPES as readonly string[]).includes(v ?? '')) usage(`Expected \`--cooldown-shape\` to be ${COOLDOWN_SHAPES.join(' or ')}, got ${JSON.stringify(v)}.`);
        cooldownOptions['cooldownShape'] = take()!;
        break;
      case '--resume':
        cli.resume = true;
        break;
      case '--plot-only':
        cli.plotOnly = true;
        break;
      case '--model':
        if (!(BENCH_MODELS as readonly string[]).includes(v ?? '')) usage(`Expected \`--model\` to be one of ${BENCH_MODELS.join(', ')}, got ${JSON.stringify(v)}.`);
        c.model = take() as BenchModel;
        break;
      case '--data':
        if (!(BENCH_DATA as readonly string[]).includes(v ?? '')) usage(`Expected \`--data\` to be one of ${BENCH_DATA.join(', ')}, got ${JSON.stringify(v)}.`);
        c.data = take() as BenchData;
        break;
      case '--backend':
        if (!(BACKEND_NAMES as readonly string[]).includes(v ?? '')) usage(`Expected \`--backend\` to be one of ${BACKEND_NAMES.join(', ')}, got ${JSON.stringify(v)}.`);
        cli.backend = take() as BackendChoice;
        break;
      case '--width':
        c.baseWidth = int(flag, take(), 1);
        break;
      case '--train-size':
        c.trainSize = int(flag, take(), 1);
        break;
      case '--val-size':
        c.validationSize = int(flag, take(), 1);
        break;
      case '--test-size':
        c.testSize = int(flag, take(), 1);
        break;
      case '--batch':
        c.batchSize = int(flag, take(), 1);
        break;
      case '--budget':
        c.budget = int(flag, take(), 1);
        break;
      case '--eval-every':
        c.evalEvery = int(flag, take(), 1);
        break;
      case '--seeds':
        c.seeds = int(flag, take(), 1);
        break;
      case '--grid': {
        const lrs = (take() ?? '').split(',').map((s) => pos('--grid', s));
        if (lrs.length === 0 || lrs.some((x, j) => j > 0 && !(x > lrs[j - 1]!))) usage(`Expected \`--grid\` to be increasing LRs separated by commas, got ${JSON.stringify(v)}.`);
        c.grid = lrs;
        break;
      }
      case '--baselines': {
        const raw = take() ?? '';
        const names = raw === 'none' ? [] : raw.split(',');
        for (const n of names) if (!(BASELINES as readonly string[]).includes(n)) usage(`Expected \`--baselines\` to list ${BASELINES.join(', ')}, got ${JSON.stringify(n)}.`);
        c.baselines = names as Baseline[];
        break;
      }
      case '--peers': {
        const list = take() ?? '';
        const names = list === 'none' ? [] : list.split(',');
        for (const n of names) if (!(PEERS as readonly string[]).includes(n)) usage(`Expected \`--peers\` to list ${PEERS.join(', ')} or be none, got ${JSON.stringify(n)}.`);
        c.peers = names as Peer[];
        break;
      }
      case '--momentum':
        c.momentum = Number(take());
        if (!(c.momentum >= 0 && c.momentum < 1)) usage(`Expected \`--momentum\` to be a number in [0, 1), got ${JSON.stringify(v)}.`);
        break;
      case '--k':
        over.k = int(flag, take(), 1);
        break;
      case '--tau':
        over.tau = int(flag, take(), 4);
        break;
      case '--tau-prime':
        over.tauPrime = int(flag, take(), 3);
        break;
      case '--tau-max':
        over.tauMax = int(flag, take(), 4);
        break;
      case '--min-lr':
        over.minLr = pos(flag, take());
        break;
      case '--max-lr':
        over.maxLr = pos(flag, take());
        break;
      case '--max-minutes':
        cli.maxMinutes = pos(flag, take());
        break;
      case '--out':
        if (v === undefined) usage('Expected `--out` to be a file path.');
        cli.out = take();
        break;
      case '--tag':
        if (v === undefined || !/^[\w.-]+$/.test(v)) usage(`Expected \`--tag\` to be a file-name word, got ${JSON.stringify(v)}.`);
        cli.tag = take();
        break;
      default:
        usage(`unknown argument ${JSON.stringify(flag)}`);
    }
  }
  const strategy = over.strategy ?? c.autolrs.strategy;
  if (strategy === 'reference') {
    const minLr = over.minLr ?? c.grid[0]!;
    const maxLr = over.maxLr ?? c.grid.at(-1)!;
    const scaled = scaledAutoLRS(c.budget, minLr, maxLr, over.k ?? 10).options as { tau: number; tauPrime: number };
    const tau = over.tau ?? scaled.tau;
    c.autolrs = {
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
  } else {
    // Three decades ending at the grid's top, unless given.
    const maxLr = over.maxLr ?? c.grid.at(-1)!;
    const minLr = over.minLr ?? (over.maxLr === undefined ? maxLr / 1000 : c.autolrs.minLr);
    c.autolrs = { strategy, minLr, maxLr, options: { ...(over.k === undefined ? {} : { k: over.k }), ...cooldownOptions } };
  }
  if (c.autolrs.minLr >= c.autolrs.maxLr) usage(`Expected \`--min-lr\` < \`--max-lr\`, got ${c.autolrs.minLr} and ${c.autolrs.maxLr}.`);
  return cli;
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
  const taskAt = argv.indexOf('--task');
  const taskName = taskAt >= 0 ? argv[taskAt + 1] : undefined;
  const resolveName = (backend: string): string =>
    `schedules-${cli.tag ?? `${cli.quick ? 'quick-' : ''}${backend}-${taskName ?? cli.config.model}`}.json`;

  if (cli.merge !== null) {
    // Parts of one benchmark (e.g. the baselines in one process, AutoLRS and the peers in
    // another): their runs are combined under the configuration given on this command line.
    if (cli.out === undefined) usage('Expected `--out` with `--merge`.');
    const parts = cli.merge.map((f) => JSON.parse(fs.readFileSync(f, 'utf8')) as ResultsFile);
    const runs: RunRecord[] = [];
    for (const part of parts) {
      // A part without AutoLRS runs (--no-autolrs) says nothing about AutoLRS's settings.
      const withoutAutolrs = !part.runs.some((r) => r.method === 'autolrs');
      const { baselines: _b, peers: _p, runAutolrs: _r, ...rest } = part.config;
      const { baselines: _b2, peers: _p2, runAutolrs: _r2, ...want } = cli.config;
      if (withoutAutolrs) rest.autolrs = want.autolrs;
      if (!sameConfig(rest as HeadToHeadConfig, want as HeadToHeadConfig)) usage('--merge: the parts were produced with other settings than this command line gives.');
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
      if (!sameConfig(prev.config, cli.config)) usage(`--resume: ${from} was produced with another configuration; pass the same flags or another --out.`);
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
    const todo = plan(cli.config, runs);
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
