/**
 * The head-to-head benchmark: AutoLRS against baseline schedules whose peak LR is tuned
 * on a grid, all with the same budget of optimizer steps (AutoLRS's search steps count).
 *
 * Protocol:
 * 1. Tuning: every baseline (and the constant LR) runs once per grid LR with seed 0; the
 *    LR with the best final validation accuracy is kept. Its cost (runs × steps) is
 *    reported apart from the comparison.
 * 2. Final runs: each baseline at its tuned LR with seeds 0..S-1 (the seed-0 run is the
 *    tuning run itself, the same configuration), and AutoLRS with seeds 0..S-1, searching
 *    the same LR range as the grid. The zero-tuning peers (bench/lib/peers.ts: fastai's
 *    LR finder + one-cycle, Schedule-Free) run with seeds 0..S-1 too, with no grid.
 * 3. Every run evaluates the test accuracy every `evalEvery` steps. AutoLRS is evaluated
 *    only at steps of its training phase (during a search the weights are a probe's), at
 *    the first such step at or after each multiple of `evalEvery`. Every run is evaluated
 *    at the end of its budget.
 *
 * A seed sets the model's initialization, the batch order and AutoLRS's search; the data
 * split is the same in every run.
 */
import * as tf from '@tensorflow/tfjs';

import { batchesPerEpoch, makeDataset } from '../../src/data/batches.js';
import type { FashionMnist } from '../../src/data/fashion-mnist.js';
import { autoLRS, type AutoLRS } from '../../src/scheduler/callback.js';
import type { AutoLRSCooldown } from '../../src/scheduler/cooldown/callback.js';
import { ClosedFormSchedule, cosineAnnealingLR, cyclicLR, multiStepLR, oneCycleLR } from '../../src/schedules/index.js';
import { cooldownLr } from '../../src/scheduler/cooldown/plan.js';
import { setLearningRate } from '../../src/state/lr.js';
import { accuracy, buildModel, type BenchData, type BenchModel } from './setup.js';
import { isPeer, PEER_DEFINITIONS, peerOptimizer, preparePeer, type Peer, type PeerRun } from './peers.js';
import { meanCurve, meanSd, speedup, stepsToTarget, targetAccuracy, type CurvePoint, type MeanSd, type Reached } from './metrics.js';

/** Baseline schedules, each with a tuned peak LR. */
export const BASELINES = ['step', 'cosine', 'one-cycle', 'cyclic', 'constant', 'wsd'] as const;
export type Baseline = (typeof BASELINES)[number];
/** The baselines a benchmark runs unless told otherwise (`wsd` is a diagnostic). */
export const DEFAULT_BASELINES: readonly Baseline[] = ['step', 'cosine', 'one-cycle', 'cyclic', 'constant'];
export type Method = Baseline | 'autolrs' | Peer;

/** How each baseline uses its peak LR η over a budget of T steps. */
export const BASELINE_DEFINITIONS: Record<Baseline, string> = {
  step: 'multi-step decay: η, ×0.1 at 50 % and 75 % of T',
  cosine: 'cosine annealing from η to 0 over T',
  'one-cycle': 'one-cycle (PyTorch defaults: 30 % warmup from η/25, cosine, final η/25/1e4) over T',
  cyclic: 'cyclic triangular2 between η/10 and η, half-cycle T/8 (4 cycles)',
  constant: 'constant η (tuned on the same grid)',
  wsd: "η, then a linear decay to 0 over the last half of T (the cooldown strategy's schedule at a fixed LR, no search, no warmup)",
};

/** AutoLRS's settings. */
export interface AutoLRSSettings {
  /** `cooldown` (the default strategy) or `reference` (the paper's algorithm). */
  strategy: 'cooldown' | 'reference';
  minLr: number;
  maxLr: number;
  /**
   * The strategy's other options (cooldown: k, laterK, probeSteps, stages, cooldownFraction, ...;
   * reference: tau, tauPrime, k, tauMax). Empty: the defaults.
   */
  options: Record<string, number>;
}

/** Everything that defines the benchmark (runs with different configs are not mixed). */
export interface HeadToHeadConfig {
  model: BenchModel;
  /** Width of the ResNet's first stage. */
  baseWidth: number;
  data: BenchData;
  trainSize: number;
  validationSize: number;
  testSize: number;
  batchSize: number;
  /** Optimizer steps per run, for every method. */
  budget: number;
  evalEvery: number;
  seeds: number;
  /** Peak LRs tried for every baseline. */
  grid: number[];
  baselines: Baseline[];
  /** Zero-tuning peers run with every seed (none when absent, as in results files older than the peers). */
  peers?: Peer[];
  /** Optimizer of every method but Schedule-Free: SGD with momentum, or Adam. Absent in older results files: momentum. */
  optimizer?: 'momentum' | 'adam';
  /** SGD momentum of every momentum run (and β of Schedule-Free SGD). */
  momentum: number;
  autolrs: AutoLRSSettings;
  /** Whether AutoLRS runs (false in a part of the benchmark that runs only baselines). Absent: true. */
  runAutolrs?: boolean;
  /**
   * A diagnostic: every baseline first trains this many steps at its peak LR, then runs its
   * schedule over the T − N steps left (a start at the full LR, as a kept AutoLRS probe makes).
   * Absent: 0.
   */
  hotSteps?: number;
}

/**
 * AutoLRS's defaults scaled to a budget: τ' = τ/10, k = 10 (so a search costs τ steps,
 * as in the reference), τ doubles twice (τmax = 4τ) and the budget ends with the third
 * stage: budget = 7·τ·(1 + k/10).
 */
export function scaledAutoLRS(budget: number, minLr: number, maxLr: number, k = 10): AutoLRSSettings {
  const tau = Math.floor(budget / (7 * (1 + k / 10)));
  const tauPrime = Math.max(3, Math.round(tau / 10));
  if (tau <= tauPrime) {
    throw new RangeError(`Expected \`budget\` to allow τ > τ' >= 3 with k = ${k} (budget >= ${Math.ceil(28 * (1 + k / 10))}), got ${budget}.`);
  }
  return { strategy: 'reference', minLr, maxLr, options: { tau, tauPrime, k, tauMax: 4 * tau } };
}

/** A one-line description of AutoLRS's settings. */
export function describeAutoLRS(a: AutoLRSSettings): string {
  const opts = Object.entries(a.options)
    .map(([k, v]) => `${k}=${v}`)
    .join(', ');
  return a.strategy === 'cooldown'
    ? `AutoLRS (cooldown strategy: probes on common batches scored after a mini-cooldown, a final cooldown${opts ? `; ${opts}` : ', defaults'}), LR in [${a.minLr}, ${a.maxLr}], every probe step counted`
    : `AutoLRS (reference strategy: ${opts}), LR in [${a.minLr}, ${a.maxLr}], search steps counted`;
}

/** A log-spaced grid of `n` LRs from `lo` to `hi`, rounded to 3 significant digits. */
export function logGrid(lo: number, hi: number, n: number): number[] {
  if (n === 1) return [lo];
  return Array.from({ length: n }, (_, i) => Number((lo * (hi / lo) ** (i / (n - 1))).toPrecision(3)));
}

/** The AutoLRS part of a run's record. */
export interface AutoLRSRunInfo {
  strategy?: 'cooldown' | 'reference';
  stats: Record<string, number>;
  /**
   * Every stage: its LR probes and the LR chosen. A trial's `value` is what the search
   * was told: the forecast (reference) or the score after the mini-cooldown (cooldown).
   */
  stages: Array<{
    stage: number;
    startStep: number;
    chosenLr: number | null;
    trials: Array<{ lr: number; forecast?: number; score?: number; note?: string; continued?: { score: number; note?: string } }>;
    tau?: number;
    tauPrime?: number;
    probeSteps?: number;
    /** Successive halving (cooldown strategy): probes continued after the first rung, and that rung's probe length. */
    halving?: { survivors: number; rungSteps: number; rungHoldSteps: number };
  }>;
  endState: string;
}

/** One training run. */
export interface RunRecord {
  id: string;
  method: Method;
  /** Peak LR (null for AutoLRS). */
  lr: number | null;
  seed: number;
  steps: number;
  finalTestAcc: number;
  finalValAcc: number;
  curve: CurvePoint[];
  /** Training wall time (evaluation excluded), ms. */
  trainMs: number;
  evalMs: number;
  tensorsLeaked: number;
  autolrs?: AutoLRSRunInfo;
  /** A peer's own record (range-test suggestion, Schedule-Free settings). */
  peer?: Record<string, unknown>;
}

export function runId(method: Method, lr: number | null, seed: number): string {
  return `${method}|${lr === null ? '-' : lr}|${seed}`;
}

/** A baseline's schedule callback over T steps (null for the constant LR). */
function baselineSchedule(method: Baseline, lr: number, T: number): ClosedFormSchedule | null {
  switch (method) {
    case 'step':
      return multiStepLR({ lr, milestones: [Math.round(T / 2), Math.round((3 * T) / 4)], gamma: 0.1, interval: 'step' });
    case 'cosine':
      return cosineAnnealingLR({ lr, tMax: T, interval: 'step' });
    case 'one-cycle':
      return oneCycleLR({ maxLr: lr, totalSteps: T, interval: 'step' });
    case 'cyclic':
      return cyclicLR({ baseLr: lr / 10, maxLr: lr, stepSizeUp: Math.max(1, Math.round(T / 8)), mode: 'triangular2', interval: 'step' });
    case 'constant':
    case 'wsd':
      return null;
  }
}

/**
 * The LR of each step (0-based) of a baseline at peak LR `lr` over T steps; with `hotSteps`
 * N > 0, `lr` for the first N steps, then the baseline's schedule over the T − N steps left.
 */
export function baselineLr(method: Baseline, lr: number, T: number, hotSteps = 0): (step: number) => number {
  const n = T - hotSteps;
  const schedule = baselineSchedule(method, lr, n);
  const lrOf = method === 'wsd' ? (t: number) => cooldownLr(lr, t, Math.round(n / 2), n) : schedule === null ? () => lr : (t: number) => schedule.lrAt(t);
  return (t) => (t < hotSteps ? lr : lrOf(t - hotSteps));
}

/** A callback that sets the LR of each batch to `lrOf(step)`, step 0 first. */
function stepLrCallback(lrOf: (step: number) => number): tf.Callback {
  let step = 0;
  return new (class extends tf.Callback {
    override async onBatchBegin(): Promise<void> {
      setLearningRate(this.model.optimizer, lrOf(step++));
    }
  })();
}

/** Trains one run and evaluates it along the way. */
export async function trainRun(config: HeadToHeadConfig, data: FashionMnist, method: Method, lr: number | null, seed: number): Promise<RunRecord> {
  if (data.validation === null) throw new RangeError('Expected a validation split (validationSize > 0), got none.');
  const validation = data.validation;
  const T = config.budget;
  const tensorsBefore = tf.memory().numTensors;
  const model = buildModel(config.model, 1000 * (seed + 1), config.baseWidth);
  const startLr = method === 'autolrs' || isPeer(method) ? config.autolrs.minLr : lr!;
  const task = { optimizer: config.optimizer ?? 'momentum', momentum: config.momentum, batchSize: config.batchSize } as const;
  const optimizer = isPeer(method)
    ? peerOptimizer(method, task, startLr)
    : task.optimizer === 'adam'
      ? tf.train.adam(startLr)
      : tf.train.momentum(startLr, config.momentum);
  model.compile({ optimizer, loss: 'categoricalCrossentropy' });
  let t0 = 0;
  let peer: PeerRun | null = null;
  if (isPeer(method)) {
    t0 = performance.now(); // the range test is training time
    peer = await preparePeer(method, model, data.train, T, task);
  }

  let schedule: tf.CustomCallbackArgs | tf.Callback | null = null;
  let tuner: AutoLRS | null = null;
  let cooldown: AutoLRSCooldown | null = null;
  switch (method) {
    case 'autolrs': {
      const a = config.autolrs;
      if (a.strategy === 'reference') {
        tuner = autoLRS({ strategy: 'reference', minLr: a.minLr, maxLr: a.maxLr, ...a.options, seed });
        schedule = tuner;
      } else {
        // Its probes train on batches drawn from the training split and are scored on the
        // validation split; every probe step counts in the budget, and the tuner ends fit there.
        cooldown = autoLRS({
          data: { x: data.train.xs, y: data.train.ys },
          validationData: [validation.xs, validation.ys],
          minLr: a.minLr,
          maxLr: a.maxLr,
          totalSteps: T,
          batchSize: config.batchSize,
          ...a.options,
          seed,
        });
        schedule = cooldown;
      }
      break;
    }
    case 'step':
    case 'cosine':
    case 'one-cycle':
    case 'cyclic':
    case 'wsd':
    case 'constant': {
      const hot = config.hotSteps ?? 0;
      schedule = hot === 0 && method !== 'wsd' ? baselineSchedule(method, lr!, T) : stepLrCallback(baselineLr(method, lr!, T, hot));
      break;
    }
    case 'lr-finder-onecycle':
    case 'schedule-free':
      schedule = peer!.schedule;
      break;
  }

  const curve: CurvePoint[] = [];
  let step = peer?.stepsBefore ?? 0;
  let evalMs = 0;
  let pending = false;
  const evaluate = async (xs: tf.Tensor, labels: Uint8Array): Promise<number> => {
    peer?.beforeEvaluate();
    try {
      return await accuracy(model, xs, labels);
    } finally {
      peer?.afterEvaluate();
    }
  };
  const evaluator = new (class extends tf.Callback {
    override async onTrainBegin(): Promise<void> {
      if (t0 === 0) t0 = performance.now();
    }
    override async onBatchEnd(): Promise<void> {
      // The cooldown tuner runs before this callback and counts every gradient step, its
      // probes' included; its searches end in a committed state (the best probe's), so every
      // step after one can be evaluated.
      const before = step;
      step = cooldown !== null ? cooldown.globalStep : step + 1;
      if (Math.floor(step / config.evalEvery) > Math.floor(before / config.evalEvery)) pending = true;
      // Before the reference tuner's own onBatchEnd: the phase is the one this step was taken in.
      const committed = tuner === null || tuner.phase === 'train' || tuner.phase === 'warmup';
      if (pending && committed && step < T) {
        const wall = performance.now() - t0 - evalMs;
        const e0 = performance.now();
        const acc = await evaluate(data.test.xs, data.test.labels);
        evalMs += performance.now() - e0;
        curve.push({ step, wallMs: wall, acc });
        pending = false;
      }
      if (step >= T) model.stopTraining = true;
    }
  })();

  const dataset = makeDataset(data.train.xs, data.train.ys, { batchSize: config.batchSize, seed, dropRemainder: true });
  const perEpoch = batchesPerEpoch(data.train.size, config.batchSize, true);
  const callbacks = schedule === null ? [evaluator] : cooldown !== null ? [schedule, evaluator] : [evaluator, schedule];
  if (step < T) await model.fitDataset(dataset, { epochs: Math.ceil(T / perEpoch) + 1, callbacks: callbacks as tf.Callback[], verbose: 0 });
  const trainMs = performance.now() - t0 - evalMs;
  if (step !== T) throw new Error(`Expected the run to take ${T} steps, got ${step}.`);

  const e0 = performance.now();
  peer?.beforeEvaluate();
  const finalTestAcc = await accuracy(model, data.test.xs, data.test.labels);
  const finalValAcc = await accuracy(model, validation.xs, validation.labels);
  peer?.afterEvaluate();
  evalMs += performance.now() - e0;
  curve.push({ step: T, wallMs: trainMs, acc: finalTestAcc });

  let autolrs: AutoLRSRunInfo | undefined;
  if (cooldown !== null) {
    autolrs = {
      strategy: 'cooldown',
      stats: { ...(cooldown.stats as unknown as Record<string, number>) },
      stages: cooldown.history.map((s) => ({
        stage: s.stage,
        startStep: s.startStep,
        probeSteps: s.probeSteps,
        chosenLr: s.chosenLr ?? null,
        ...(s.halving === undefined ? {} : { halving: { ...s.halving } }),
        trials: s.trials.map((t) => ({
          lr: t.lr,
          score: t.score,
          ...(t.note === undefined ? {} : { note: t.note }),
          ...(t.continued === undefined ? {} : { continued: { score: t.continued.score, ...(t.continued.note === undefined ? {} : { note: t.continued.note }) } }),
        })),
      })),
      endState: cooldown.done ? 'budget-spent' : 'trained',
    };
  }
  if (tuner !== null) {
    autolrs = {
      strategy: 'reference',
      stats: { ...(tuner.stats as unknown as Record<string, number>) },
      stages: tuner.history.map((s) => ({
        stage: s.stage,
        startStep: s.startStep,
        tau: s.tau,
        tauPrime: s.tauPrime,
        chosenLr: s.chosenLr ?? null,
        trials: s.trials.map((t) => ({ lr: t.lr, forecast: t.forecast, ...(t.note === undefined ? {} : { note: t.note }) })),
      })),
      endState: tuner.endState,
    };
  }
  model.dispose();
  disposeOptimizer(optimizer);
  const tensorsLeaked = tf.memory().numTensors - tensorsBefore;
  return {
    id: runId(method, lr, seed),
    method,
    lr,
    seed,
    steps: step,
    finalTestAcc,
    finalValAcc,
    curve,
    trainMs,
    evalMs,
    tensorsLeaked,
    ...(autolrs === undefined ? {} : { autolrs }),
    ...(peer === null ? {} : { peer: { ...peer.info } }),
  };
}

/**
 * Disposes an optimizer and the LR scalar `c` that tfjs's MomentumOptimizer.dispose()
 * leaves behind (it overrides SGD's dispose without freeing it: one tensor per run).
 */
export function disposeOptimizer(optimizer: tf.Optimizer): void {
  optimizer.dispose();
  const c = (optimizer as unknown as { c?: unknown }).c;
  if (c instanceof tf.Tensor && !c.isDisposed) c.dispose();
}

/** One planned run; `needsTuning` runs wait for the tuning of their method. */
export interface PlannedRun {
  method: Method;
  lr: number | null;
  seed: number;
  role: 'tune' | 'final';
}

/** The best grid LR of each baseline whose tuning runs are all done (by final validation accuracy). */
export function tunedLrs(config: HeadToHeadConfig, runs: readonly RunRecord[]): Partial<Record<Baseline, number>> {
  const out: Partial<Record<Baseline, number>> = {};
  for (const b of config.baselines) {
    const tuning = config.grid.map((lr) => runs.find((r) => r.id === runId(b, lr, 0)));
    if (tuning.some((r) => r === undefined)) continue;
    let best = tuning[0]!;
    for (const r of tuning) if (r!.finalValAcc > best.finalValAcc) best = r!;
    out[b] = best.lr!;
  }
  return out;
}

/** The runs still to do, in order: tuning, AutoLRS, then the baselines' other seeds. */
export function plan(config: HeadToHeadConfig, done: readonly RunRecord[]): PlannedRun[] {
  const have = new Set(done.map((r) => r.id));
  const out: PlannedRun[] = [];
  for (const b of config.baselines) for (const lr of config.grid) out.push({ method: b, lr, seed: 0, role: 'tune' });
  if (config.runAutolrs !== false) for (let s = 0; s < config.seeds; s++) out.push({ method: 'autolrs', lr: null, seed: s, role: 'final' });
  for (const p of config.peers ?? []) for (let s = 0; s < config.seeds; s++) out.push({ method: p, lr: null, seed: s, role: 'final' });
  const tuned = tunedLrs(config, done);
  for (const b of config.baselines) {
    const lr = tuned[b];
    if (lr === undefined) continue;
    for (let s = 1; s < config.seeds; s++) out.push({ method: b, lr, seed: s, role: 'final' });
  }
  return out.filter((p) => !have.has(runId(p.method, p.lr, p.seed)));
}

/** Figures of one method. */
export interface MethodSummary {
  method: Method;
  definition: string;
  /** Tuned peak LR (null for AutoLRS and the peers). */
  lr: number | null;
  seeds: number[];
  finalTestAcc: MeanSd;
  finalTestAccPerSeed: number[];
  /** Mean over seeds of the test accuracy at each evaluated step. */
  meanCurve: CurvePoint[];
  /** On the mean curve. */
  toTarget: Reached | null;
  /** Per seed (null: not reached). */
  toTargetPerSeed: Array<Reached | null>;
  trainMs: MeanSd;
  tuning?: { runs: number; steps: number; grid: Array<{ lr: number; valAcc: number; testAcc: number }> };
}

/** The comparison of AutoLRS with one baseline or peer. */
export interface SpeedupSummary {
  baseline: Baseline | Peer;
  baselineReached: boolean;
  autolrsReached: boolean;
  /** Baseline steps to target / AutoLRS steps to target (mean curves); null when either did not reach it. */
  steps: number | null;
  /** The same with training wall time. */
  wallTime: number | null;
}

export interface Summary {
  complete: boolean;
  target: number | null;
  targetRule: string;
  methods: MethodSummary[];
  speedups: SpeedupSummary[];
  autolrsOverhead: Record<string, MeanSd> | null;
  /**
   * AutoLRS's probes over all seeds: how many, how many forecast a loss below 0 (a
   * cross-entropy cannot be), how many were told the penalty, and per stage the LRs chosen.
   */
  autolrsTrials: { trials: number; negativeForecasts: number; penalized: number; chosenLrs: number[][] } | null;
  tuningCost: { runs: number; steps: number; note: string };
}

/** Summarizes the runs done so far (methods with at least one final run). */
export function summarize(config: HeadToHeadConfig, runs: readonly RunRecord[]): Summary {
  const tuned = tunedLrs(config, runs);
  const methods: MethodSummary[] = [];
  const finalRuns = (m: Method, lr: number | null): RunRecord[] =>
    Array.from({ length: config.seeds }, (_, s) => runs.find((r) => r.id === runId(m, lr, s))).filter((r): r is RunRecord => r !== undefined);
  const add = (m: Method, lr: number | null, definition: string): void => {
    const rs = finalRuns(m, lr);
    if (rs.length === 0) return;
    const summary: MethodSummary = {
      method: m,
      definition,
      lr,
      seeds: rs.map((r) => r.seed),
      finalTestAcc: meanSd(rs.map((r) => r.finalTestAcc)),
      finalTestAccPerSeed: rs.map((r) => r.finalTestAcc),
      meanCurve: meanCurve(rs.map((r) => r.curve)),
      toTarget: null,
      toTargetPerSeed: [],
      trainMs: meanSd(rs.map((r) => r.trainMs)),
    };
    if (m !== 'autolrs' && !isPeer(m)) {
      const grid = config.grid.map((g) => runs.find((r) => r.id === runId(m, g, 0))!);
      summary.tuning = {
        runs: grid.length,
        steps: grid.length * config.budget,
        grid: grid.map((r) => ({ lr: r.lr!, valAcc: r.finalValAcc, testAcc: r.finalTestAcc })),
      };
    }
    methods.push(summary);
  };
  add('autolrs', null, describeAutoLRS(config.autolrs));
  for (const b of config.baselines) {
    const lr = tuned[b];
    if (lr !== undefined) add(b, lr, BASELINE_DEFINITIONS[b]);
  }
  const peers = config.peers ?? [];
  for (const p of peers) add(p, null, PEER_DEFINITIONS[p]);

  // The target comes from the tuned baselines only; AutoLRS is compared with the peers too.
  const baselineSummaries = methods.filter((m) => m.method !== 'autolrs' && !isPeer(m.method));
  const others = methods.filter((m) => m.method !== 'autolrs');
  const complete =
    methods.length === config.baselines.length + (config.runAutolrs === false ? 0 : 1) + peers.length && methods.every((m) => m.seeds.length === config.seeds);
  const target = baselineSummaries.length > 0 ? targetAccuracy(baselineSummaries.map((m) => m.finalTestAcc.mean)) : null;
  if (target !== null) {
    for (const m of methods) {
      m.toTarget = stepsToTarget(m.meanCurve, target);
      m.toTargetPerSeed = m.seeds.map((s) => stepsToTarget(runs.find((r) => r.id === runId(m.method, m.lr, s))!.curve, target));
    }
  }
  const auto = methods.find((m) => m.method === 'autolrs');
  const speedups: SpeedupSummary[] = [];
  if (auto !== undefined && target !== null) {
    for (const b of others) {
      speedups.push({
        baseline: b.method as Baseline | Peer,
        baselineReached: b.toTarget !== null,
        autolrsReached: auto.toTarget !== null,
        steps: speedup(b.toTarget?.step ?? null, auto.toTarget?.step ?? null),
        wallTime: speedup(b.toTarget?.wallMs ?? null, auto.toTarget?.wallMs ?? null),
      });
    }
  }
  let autolrsOverhead: Record<string, MeanSd> | null = null;
  const autoRuns = finalRuns('autolrs', null);
  if (autoRuns.length > 0) {
    autolrsOverhead = {};
    const keys = Object.keys(autoRuns[0]!.autolrs!.stats);
    for (const k of keys) autolrsOverhead[k] = meanSd(autoRuns.map((r) => r.autolrs!.stats[k]!));
    autolrsOverhead['trainMs'] = meanSd(autoRuns.map((r) => r.trainMs));
  }
  const autolrsTrials =
    autoRuns.length === 0
      ? null
      : {
          trials: autoRuns.reduce((a, r) => a + r.autolrs!.stages.reduce((b, st) => b + st.trials.length, 0), 0),
          negativeForecasts: autoRuns.reduce((a, r) => a + r.autolrs!.stages.reduce((b, st) => b + st.trials.filter((t) => t.forecast !== undefined && t.forecast < 0).length, 0), 0),
          penalized: autoRuns.reduce((a, r) => a + r.autolrs!.stages.reduce((b, st) => b + st.trials.filter((t) => t.note !== undefined).length, 0), 0),
          chosenLrs: autoRuns.map((r) => r.autolrs!.stages.filter((st) => st.chosenLr !== null).map((st) => Number(st.chosenLr!.toPrecision(3)))),
        };
  const tuningRuns = config.baselines.length * config.grid.length;
  return {
    complete,
    target,
    targetRule: 'best baseline final mean test accuracy − 0.1 points; steps and wall time to target read on the mean-over-seeds curve',
    methods,
    speedups,
    autolrsOverhead,
    autolrsTrials,
    tuningCost: {
      runs: tuningRuns,
      steps: tuningRuns * config.budget,
      note: 'grid search of each baseline\'s peak LR (seed 0, selected on validation accuracy); AutoLRS needs no tuning run beyond its LR range',
    },
  };
}

/** Line chart of the mean test accuracy against steps, one line per method (Vega-Lite). */
export function accuracySpec(summary: Summary, title: string): Record<string, unknown> {
  const values = summary.methods.flatMap((m) =>
    m.meanCurve.map((p) => ({
      method: m.method === 'autolrs' ? 'AutoLRS' : isPeer(m.method) ? `${m.method} (no tuning)` : `${m.method} (lr ${m.lr})`,
      step: p.step,
      acc: p.acc,
    })),
  );
  const layers: Record<string, unknown>[] = [
    {
      mark: { type: 'line', point: true },
      encoding: {
        x: { field: 'step', type: 'quantitative', title: 'optimizer steps (AutoLRS search and range-test steps included)' },
        y: { field: 'acc', type: 'quantitative', title: 'test accuracy (%), mean over seeds', scale: { zero: false } },
        color: { field: 'method', type: 'nominal', title: 'method', legend: { labelLimit: 320 } },
      },
    },
  ];
  if (summary.target !== null) {
    layers.push({ data: { values: [{ target: summary.target }] }, mark: { type: 'rule', strokeDash: [4, 4], color: 'gray' }, encoding: { y: { field: 'target', type: 'quantitative' } } });
  }
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title,
    width: 640,
    height: 360,
    data: { values },
    layer: layers,
  };
}
