/**
 * Offline replay of the cooldown strategy's search on its curve bank
 * (bench/bank/fashion-mnist-cnn-cooldown.json, built by bench/bank/build-cooldown.ts), with
 * no training.
 *
 *   npx tsx bench/offline-cooldown.ts [--bank FILE] [--k N] [--bo-seeds 100] [--random-seeds 1000] [--shrink X] [--out FILE]
 *
 * Scorers, each a value per (checkpoint, LR), lower is better:
 * - `cooldown` (shipped): the score after the probe's mini-cooldown;
 * - `tail-mean`: the mean of the last tenth of the constant-LR probe's mini-batch losses;
 * - `eval`: the score after the constant-LR probe (plain evaluation, no cooldown);
 * - `forecast`: the reference's exponential forecast (`fitExponential`, train mode) of the
 *   constant-LR probe's per-step losses to τ, with the reference controller's guards: a
 *   forecast that is not finite or a probe that diverged (`probeDiverged`, factor 3) gives
 *   NaN; a negative forecast is replaced by the mean of the probe's last tenth.
 *
 * Every value is judged as the strategy judges a probe (`judgeProbe` against the
 * checkpoint's base score): one not below the base or not finite cannot be chosen, and
 * the search is told the capped value. The base score is a loss on the scoring set, the
 * same quantity as the `cooldown` and `eval` values, but not as a mini-batch training loss:
 * so `tail-mean` and `forecast` are also replayed judged on finiteness alone (judge
 * `'finite'`: every finite value can be chosen). The LR chosen is the lowest value among those that
 * can be chosen (the earlier one on ties), times `--shrink` (the strategy's `shrink`, 1 by
 * default; at least the grid's lowest), snapped to the grid; when none can, the controller's
 * fallback: half the smallest LR tried (at least the grid's lowest), snapped to the grid.
 *
 * The truth of an LR is the validation loss after τ steps at it and a linear cooldown to 0.
 * A truth that is not finite (the model diverged) counts as the worst value: in rankings
 * below every finite truth, and in regrets as max(ln 10, the checkpoint's worst finite
 * truth) (ln 10 is the loss of a uniform prediction over the 10 classes). No record is
 * dropped.
 *
 * Per checkpoint and scorer, over the whole grid: Spearman's rank correlation of the value
 * against the truth (values not finite rank worst), top-1 hit (the LR chosen over the grid
 * is the truly best), and the truth regret of that LR (its truth minus the grid's best).
 *
 * Searches of k probes per checkpoint: the shipped search (the strategy's default
 * `search`, a BayesianOptimizer with a stratified initial design and EI, seeds 0..n−1;
 * without successive halving, whose first-rung scores the bank does not hold),
 * and random search (k distinct grid LRs, uniformly). Asks are snapped to the nearest grid
 * LR in log space, and the optimizer is told the grid LR. An ask that snaps to an LR already
 * tried costs nothing: it is told the earlier value at the LR it asked and asked again
 * (after 50 such re-asks, a random untried grid LR is taken), as bench/offline.ts does.
 */
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

import { mean, sampleRankCorrelation } from 'simple-statistics';

import { probeDiverged } from '../src/scheduler/reference/divergence.js';
import { judgeProbe, type ProbeNote } from '../src/scheduler/cooldown/judge.js';
import { chooseLr } from '../src/scheduler/cooldown/choose.js';
import { resolveCooldownOptions } from '../src/scheduler/cooldown/options.js';
import { fitExponential } from '../src/scheduler/reference/forecast.js';
import type { LrSearch } from '../src/scheduler/search.js';
import { CooldownBank } from './bank/cooldown-format.js';
import { runIfEntry, writeResults } from './lib/entry.js';
import { FlagError, parseFlags, type Flags } from './lib/flags.js';
import { rng, snapToGrid } from './offline.js';

/** The default bank. */

/** The strategy's default tolerance of the LR choice. */
export const SHIPPED_TOLERANCE = resolveCooldownOptions({ minLr: 1e-3, maxLr: 1, totalSteps: 1_000_000 }).tolerance;

/** The strategy's default factor on the LR chosen (`shrink`). */
export const SHIPPED_SHRINK = resolveCooldownOptions({ minLr: 1e-3, maxLr: 1, totalSteps: 1_000_000 }).shrink;

export const DEFAULT_COOLDOWN_BANK = fileURLToPath(new URL('./bank/fashion-mnist-cnn-cooldown.json', import.meta.url));

/** The scorers replayed; `cooldown` is the shipped one. */
export const COOLDOWN_SCORERS = ['cooldown', 'tail-mean', 'eval', 'forecast'] as const;
export type CooldownScorer = (typeof COOLDOWN_SCORERS)[number];

/** The loss of a uniform prediction over 10 classes: the least a diverged truth counts as. */
export const CHANCE_LOSS = Math.log(10);

/** Re-asks of an LR already tried before a random untried grid LR is taken. */
const MAX_DUPLICATES = 50;

/** One grid LR of one checkpoint, scored. */
export interface ScoredLr {
  lrIndex: number;
  lr: number;
  /** The scorer's value (NaN when not finite). */
  value: number;
  /** What a search is told (judgeProbe). */
  told: number;
  /** Why the LR cannot be chosen, if it cannot. */
  note?: ProbeNote;
  /** Validation loss after τ steps and the cooldown (NaN when it diverged). */
  truthLoss: number;
  truthAccuracy: number;
  /** The truth as regrets count it: `truthLoss`, or the checkpoint's worst value when not finite. */
  truth: number;
}

/** One checkpoint's grid, scored. */
export interface ScoredCheckpoint {
  checkpoint: number;
  step: number;
  baseScore: number;
  lrs: ScoredLr[];
  /** Index of the truly best grid LR (lowest truth; the lower LR on ties). */
  bestIndex: number;
  /** Its truth. */
  optimum: number;
  /** The best validation accuracy on the grid (%). */
  bestAccuracy: number;
}

/** Mean of the last tenth (at least one) of `losses`; NaN when one of them is not finite. */
export function tailMean(losses: ArrayLike<number>): number {
  const n = losses.length;
  const m = Math.max(1, Math.ceil(n / 10));
  let s = 0;
  for (let i = n - m; i < n; i++) s += losses[i]!;
  return Number.isFinite(s) ? s / m : NaN;
}

/**
 * Spearman's rank correlation of `values` against `truths`, with tied values sharing their
 * mean rank and a value that is not finite ranked below every finite one (ties among
 * themselves). NaN when either side has no spread.
 */
export function spearman(values: readonly number[], truths: readonly number[]): number {
  if (values.length !== truths.length || values.length < 2) {
    throw new RangeError(`Expected two series of the same length >= 2, got ${values.length} and ${truths.length}.`);
  }
  const worst = (x: number): number => (Number.isFinite(x) ? x : Number.MAX_VALUE);
  return sampleRankCorrelation(values.map(worst), truths.map(worst));
}

/**
 * The LR a search chooses from the probes it ran, by the strategy's rule (`chooseLr`: the
 * smallest LR within `tolerance` of the best score, read off `predict` between probes when
 * given; then times `shrink`, at least the grid's lowest), snapped to the nearest grid LR,
 * the only ones whose truth the bank knows.
 */
export function chooseIndex(
  grid: readonly number[],
  tried: ReadonlyArray<Pick<ScoredLr, 'lrIndex' | 'value' | 'note'>>,
  tolerance = SHIPPED_TOLERANCE,
  predict?: (lrs: number[]) => number[],
  shrink = SHIPPED_SHRINK,
): { index: number; fallback: boolean } {
  if (tried.length === 0) throw new RangeError('Expected at least one probe to choose from, got none.');
  const lr = chooseLr(
    tried.map((t) => ({ lr: grid[t.lrIndex]!, score: t.value, ...(t.note === undefined ? {} : { note: t.note }) })),
    tolerance,
    predict,
  );
  if (lr !== null) return { index: snapToGrid(grid, shrink === 1 ? lr : Math.max(grid[0]!, lr * shrink)), fallback: false };
  // The controller's fallback: half the smallest LR tried, at least minLr.
  const smallest = Math.min(...tried.map((t) => grid[t.lrIndex]!));
  return { index: snapToGrid(grid, Math.max(grid[0]!, smallest / 2)), fallback: true };
}

/** The reference's forecast of a constant-LR probe to `tau`, with its guards (see the module documentation). */
export async function referenceForecast(losses: Float32Array, tau: number): Promise<number> {
  const fit = await fitExponential(losses, { predictAt: tau, interval: 1, mode: 'train' });
  if (!Number.isFinite(fit.prediction) || probeDiverged({ head: fit.head, tail: fit.tail }, 3)) return NaN;
  return fit.prediction < 0 ? fit.tail : fit.prediction;
}

/**
 * How values are judged: `'base'` by `judgeProbe` against the checkpoint's base score (as
 * the strategy does); `'finite'` only for finiteness (a value that is not finite is judged
 * as `judgeProbe` judges it, every other is told as it is and can be chosen).
 */
export type JudgeRule = 'base' | 'finite';

/** Every checkpoint's grid scored by `scorer` and judged by `judge`. */
export async function scoreBank(bank: CooldownBank, scorer: CooldownScorer, judge: JudgeRule = 'base'): Promise<ScoredCheckpoint[]> {
  if (judge !== 'base' && judge !== 'finite') throw new TypeError(`Expected \`judge\` to be 'base' or 'finite', got ${JSON.stringify(judge)}.`);
  if (!(COOLDOWN_SCORERS as readonly string[]).includes(scorer)) throw new TypeError(`Expected \`scorer\` to be one of ${COOLDOWN_SCORERS.join(', ')}, got ${JSON.stringify(scorer)}.`);
  const out: ScoredCheckpoint[] = [];
  for (let c = 0; c < bank.numCheckpoints; c++) {
    const base = bank.checkpoints[c]!.baseScore;
    const rows = bank.grid.map((lr, i) => ({ lr, i, curve: bank.curve(c, i) }));
    const finite = rows.map((r) => r.curve.truthLoss).filter(Number.isFinite);
    const worst = Math.max(CHANCE_LOSS, ...finite);
    const lrs: ScoredLr[] = [];
    for (const { lr, i, curve } of rows) {
      let value: number;
      switch (scorer) {
        case 'cooldown':
          value = curve.score;
          break;
        case 'tail-mean':
          value = tailMean(curve.constantLosses);
          break;
        case 'eval':
          value = curve.constantScore;
          break;
        case 'forecast':
          value = await referenceForecast(curve.constantLosses, bank.produced.tau);
          break;
      }
      if (!Number.isFinite(value)) value = NaN;
      const verdict = judge === 'finite' && Number.isFinite(value) ? { told: value } : judgeProbe(value, base);
      lrs.push({
        lrIndex: i,
        lr,
        value,
        told: verdict.told,
        ...(verdict.note ? { note: verdict.note } : {}),
        truthLoss: curve.truthLoss,
        truthAccuracy: curve.truthAccuracy,
        truth: Number.isFinite(curve.truthLoss) ? curve.truthLoss : worst,
      });
    }
    let bestIndex = 0;
    for (const r of lrs) if (r.truth < lrs[bestIndex]!.truth) bestIndex = r.lrIndex;
    out.push({
      checkpoint: c,
      step: bank.checkpoints[c]!.step,
      baseScore: base,
      lrs,
      bestIndex,
      optimum: lrs[bestIndex]!.truth,
      bestAccuracy: Math.max(...lrs.map((r) => r.truthAccuracy)),
    });
  }
  return out;
}

/** How a scorer ranks one checkpoint's whole grid. */
export interface GridRanking {
  checkpoint: number;
  step: number;
  spearman: number;
  /** Whether the LR chosen over the whole grid is the truly best. */
  top1: boolean;
  chosenLr: number;
  bestLr: number;
  /** Truth of the LR chosen minus the grid's best. */
  regret: number;
  /** Best validation accuracy on the grid minus the chosen LR's (points). */
  accuracyRegret: number;
  /** Whether no LR could be chosen (the fallback chose). */
  fallback: boolean;
  /** LRs that could not be chosen. */
  excluded: number;
}

export function rankGrid(grid: readonly number[], s: ScoredCheckpoint, shrink = SHIPPED_SHRINK): GridRanking {
  const choice = chooseIndex(grid, s.lrs, SHIPPED_TOLERANCE, undefined, shrink);
  const chosen = s.lrs[choice.index]!;
  return {
    checkpoint: s.checkpoint,
    step: s.step,
    spearman: spearman(
      s.lrs.map((r) => r.value),
      s.lrs.map((r) => r.truthLoss),
    ),
    top1: choice.index === s.bestIndex,
    chosenLr: chosen.lr,
    bestLr: s.lrs[s.bestIndex]!.lr,
    regret: chosen.truth - s.optimum,
    accuracyRegret: s.bestAccuracy - chosen.truthAccuracy,
    fallback: choice.fallback,
    excluded: s.lrs.filter((r) => r.note !== undefined).length,
  };
}

/** The search strategies replayed. */
export type SearchKind = 'bo' | 'random';

/** One replayed search. */
export interface ReplayedSearch {
  checkpoint: number;
  seed: number;
  /** Grid indices probed, in order. */
  tried: number[];
  /** Re-asks of LRs already tried. */
  duplicates: number;
  /** Regret of the LR chosen after each probe. */
  regrets: number[];
  chosenIndex: number;
  regret: number;
  /** Best truth among the LRs probed minus the grid's best (an oracle's choice among them). */
  oracleRegret: number;
  accuracyRegret: number;
  fallback: boolean;
}

/** The shipped search's settings: the strategy's defaults. */
export function shippedSearchSettings(grid: readonly number[]): { k: number; acquisition: 'ei' | 'lcb'; nInitialPoints: number; make: (seed: number) => LrSearch } {
  const o = resolveCooldownOptions({ minLr: grid[0]!, maxLr: grid[grid.length - 1]!, totalSteps: 1_000_000 });
  return { k: o.k, acquisition: o.acquisition, nInitialPoints: o.nInitialPoints, make: (seed) => o.search({ stage: 1, minLr: grid[0]!, maxLr: grid[grid.length - 1]!, seed }) };
}

/** The search's model of the scores, as the controller reads it (from 2 probes on). */
function modelOf(search: LrSearch | null, probes: number): ((lrs: number[]) => number[]) | undefined {
  if (search === null || search.predict === undefined || probes < 2) return undefined;
  return (lrs) => search.predict!(lrs).mean;
}

/**
 * The grid index of a search's next probe: the search's ask snapped to the grid (an ask that
 * snaps to an LR already tried is told `told(index)` again and asked again, up to 50 times,
 * then a random untried LR is taken), or, with no search, a random untried LR.
 */
export function nextIndex(
  grid: readonly number[],
  tried: readonly number[],
  search: LrSearch | null,
  random: () => number,
  told: (index: number) => number,
): { index: number; reasks: number } {
  const untried = (): number[] => grid.map((_, i) => i).filter((i) => !tried.includes(i));
  if (search === null) {
    const left = untried();
    return { index: left[Math.floor(random() * left.length)]!, reasks: 0 };
  }
  for (let re = 0; ; ) {
    const asked = search.ask();
    const index = snapToGrid(grid, asked);
    if (!tried.includes(index)) return { index, reasks: re };
    search.tell(asked, told(index));
    if (++re >= MAX_DUPLICATES) {
      const left = untried();
      return { index: left[Math.floor(random() * left.length)]!, reasks: re };
    }
  }
}

/** Replays one search of `k` probes on a scored checkpoint. */
export function replaySearch(grid: readonly number[], s: ScoredCheckpoint, kind: SearchKind, k: number, seed: number, shrink = SHIPPED_SHRINK): ReplayedSearch {
  if (!Number.isInteger(k) || k < 1 || k > grid.length) throw new RangeError(`Expected \`k\` to be an integer in [1, ${grid.length}], got ${k}.`);
  const search = kind === 'bo' ? shippedSearchSettings(grid).make(seed) : null;
  const random = rng(seed * 7919 + 1);
  const tried: number[] = [];
  const regrets: number[] = [];
  let duplicates = 0;
  for (let trial = 0; trial < k; trial++) {
    const next = nextIndex(grid, tried, search, random, (i) => s.lrs[i]!.told);
    const index = next.index;
    duplicates += next.reasks;
    tried.push(index);
    search?.tell(grid[index]!, s.lrs[index]!.told);
    const { index: chosen } = chooseIndex(
      grid,
      tried.map((i) => s.lrs[i]!),
      SHIPPED_TOLERANCE,
      modelOf(search, tried.length),
      shrink,
    );
    regrets.push(s.lrs[chosen]!.truth - s.optimum);
  }
  const choice = chooseIndex(
    grid,
    tried.map((i) => s.lrs[i]!),
    SHIPPED_TOLERANCE,
    modelOf(search, tried.length),
    shrink,
  );
  const chosen = s.lrs[choice.index]!;
  return {
    checkpoint: s.checkpoint,
    seed,
    tried,
    duplicates,
    regrets,
    chosenIndex: choice.index,
    regret: chosen.truth - s.optimum,
    oracleRegret: Math.min(...tried.map((i) => s.lrs[i]!.truth)) - s.optimum,
    accuracyRegret: s.bestAccuracy - chosen.truthAccuracy,
    fallback: choice.fallback,
  };
}

/** A search strategy's figures over every checkpoint and seed. */
export interface SearchSummary {
  search: SearchKind;
  seeds: number;
  k: number;
  /** Mean over checkpoints × seeds of the chosen LR's regret after k probes. */
  meanRegret: number;
  /** The same per checkpoint (mean over seeds). */
  perCheckpoint: number[];
  /** Mean regret of the chosen LR after probe 1, 2, ..., k. */
  meanRegretByTrial: number[];
  /** Mean over checkpoints × seeds of the best truth among the LRs probed minus the grid's best. */
  meanOracleRegret: number;
  meanAccuracyRegret: number;
  /** Fraction of searches whose chosen LR is the truly best grid LR. */
  hitRate: number;
  /** Fraction of searches in which no probe could be chosen. */
  fallbackRate: number;
  /** Mean re-asks of LRs already tried, per search. */
  meanDuplicates: number;
}

/** Replays a search with seeds 0..seeds−1 from every checkpoint: every run, and the mean regret per checkpoint. */
export function replayOverSeeds<T extends { regret: number }>(
  scored: readonly ScoredCheckpoint[],
  seeds: number,
  replay: (s: ScoredCheckpoint, seed: number) => T,
): { all: T[]; perCheckpoint: number[] } {
  if (!Number.isInteger(seeds) || seeds < 1) throw new RangeError(`Expected \`seeds\` to be an integer >= 1, got ${seeds}.`);
  const all: T[] = [];
  const perCheckpoint: number[] = [];
  for (const s of scored) {
    const runs = Array.from({ length: seeds }, (_, seed) => replay(s, seed));
    perCheckpoint.push(mean(runs.map((r) => r.regret)));
    all.push(...runs);
  }
  return { all, perCheckpoint };
}

/** Runs `seeds` searches (seeds 0..seeds−1) from every checkpoint. */
export function summarizeSearch(grid: readonly number[], scored: ScoredCheckpoint[], kind: SearchKind, k: number, seeds: number, shrink = SHIPPED_SHRINK): SearchSummary {
  const { all, perCheckpoint } = replayOverSeeds(scored, seeds, (s, seed) => replaySearch(grid, s, kind, k, seed, shrink));
  return {
    search: kind,
    seeds,
    k,
    meanRegret: mean(all.map((r) => r.regret)),
    perCheckpoint,
    meanRegretByTrial: Array.from({ length: k }, (_, j) => mean(all.map((r) => r.regrets[j]!))),
    meanOracleRegret: mean(all.map((r) => r.oracleRegret)),
    meanAccuracyRegret: mean(all.map((r) => r.accuracyRegret)),
    hitRate: all.filter((r) => r.regret === 0).length / all.length,
    fallbackRate: all.filter((r) => r.fallback).length / all.length,
    meanDuplicates: mean(all.map((r) => r.duplicates)),
  };
}

/** One scorer's figures. */
export interface ScorerReport {
  scorer: CooldownScorer;
  judge: JudgeRule;
  /** Per checkpoint, over the whole grid. */
  grid: GridRanking[];
  /** Mean over checkpoints of Spearman's correlation. */
  meanSpearman: number;
  /** Checkpoints where the LR chosen over the whole grid is the truly best. */
  top1Hits: number;
  /** Mean over checkpoints of the regret of the LR chosen over the whole grid. */
  meanGridRegret: number;
  bo: SearchSummary;
  random: SearchSummary;
  /** bo.meanRegret / random.meanRegret. */
  regretRatio: number;
  /** Every (checkpoint, LR): the value, what a search is told, and the truth. */
  values: Array<{ checkpoint: number; lr: number; value: number | null; told: number; note?: ProbeNote; truthLoss: number | null; truthAccuracy: number }>;
}

/** Scores the bank with `scorer` and replays both searches. */
export async function scorerReport(
  bank: CooldownBank,
  scorer: CooldownScorer,
  k: number,
  boSeeds: number,
  randomSeeds: number,
  judge: JudgeRule = 'base',
  shrink = SHIPPED_SHRINK,
): Promise<ScorerReport> {
  const grid = bank.grid;
  const scored = await scoreBank(bank, scorer, judge);
  const rankings = scored.map((s) => rankGrid(grid, s, shrink));
  const bo = summarizeSearch(grid, scored, 'bo', k, boSeeds, shrink);
  const random = summarizeSearch(grid, scored, 'random', k, randomSeeds, shrink);
  const f = (x: number): number | null => (Number.isFinite(x) ? x : null);
  return {
    scorer,
    judge,
    grid: rankings,
    meanSpearman: mean(rankings.map((r) => r.spearman)),
    top1Hits: rankings.filter((r) => r.top1).length,
    meanGridRegret: mean(rankings.map((r) => r.regret)),
    bo,
    random,
    regretRatio: bo.meanRegret / random.meanRegret,
    values: scored.flatMap((s) =>
      s.lrs.map((r) => ({ checkpoint: s.checkpoint, lr: r.lr, value: f(r.value), told: r.told, ...(r.note ? { note: r.note } : {}), truthLoss: f(r.truthLoss), truthAccuracy: r.truthAccuracy })),
    ),
  };
}

/** What the replay reports by default: every scorer judged as the strategy judges, and the training-loss scorers judged on finiteness alone. */
export const REPLAYED: ReadonlyArray<{ scorer: CooldownScorer; judge: JudgeRule }> = [
  ...COOLDOWN_SCORERS.map((scorer) => ({ scorer, judge: 'base' as const })),
  { scorer: 'tail-mean', judge: 'finite' },
  { scorer: 'forecast', judge: 'finite' },
];

/** The full replay report. */
export interface CooldownReplayReport {
  bank: string;
  produced: CooldownBank['produced'];
  checkpoints: CooldownBank['checkpoints'];
  /** `shrink`: the factor on the LR chosen, for every scorer and both searches. */
  search: { k: number; acquisition: string; nInitialPoints: number; boSeeds: number; randomSeeds: number; shrink: number };
  /** Mean over checkpoints of the grid's best truth, to read the regrets against. */
  meanOptimum: number;
  scorers: ScorerReport[];
  wallMs: number;
}

export async function cooldownReplayReport(
  bankFile = DEFAULT_COOLDOWN_BANK,
  options: { k?: number; boSeeds?: number; randomSeeds?: number; shrink?: number; scorers?: ReadonlyArray<{ scorer: CooldownScorer; judge: JudgeRule }> } = {},
): Promise<CooldownReplayReport> {
  const t0 = performance.now();
  const bank = CooldownBank.load(bankFile);
  const shipped = shippedSearchSettings(bank.grid);
  const k = options.k ?? shipped.k;
  const boSeeds = options.boSeeds ?? 100;
  const randomSeeds = options.randomSeeds ?? 1000;
  // The strategy's own validation of `shrink` (a RangeError outside (0, 1]).
  const { shrink } = resolveCooldownOptions({ minLr: bank.grid[0]!, maxLr: bank.grid.at(-1)!, totalSteps: 1_000_000, shrink: options.shrink ?? SHIPPED_SHRINK });
  const scorers: ScorerReport[] = [];
  for (const s of options.scorers ?? REPLAYED) scorers.push(await scorerReport(bank, s.scorer, k, boSeeds, randomSeeds, s.judge, shrink));
  const first = await scoreBank(bank, 'cooldown');
  return {
    bank: path.relative(process.cwd(), bankFile),
    produced: bank.produced,
    checkpoints: bank.checkpoints,
    search: { k, acquisition: shipped.acquisition, nInitialPoints: shipped.nInitialPoints, boSeeds, randomSeeds, shrink },
    meanOptimum: mean(first.map((s) => s.optimum)),
    scorers,
    wallMs: performance.now() - t0,
  };
}

/** The replay's command line. */
interface ReplayArgs {
  bank: string;
  k: number | undefined;
  boSeeds: number;
  randomSeeds: number;
  shrink: number;
  out: string | undefined;
}

/** The replay's flags: the option each sets and how its value is read. */
const REPLAY_FLAGS: Flags<ReplayArgs> = {
  '--bank': { kind: 'path', key: 'bank' },
  '--k': { kind: 'integer', key: 'k', min: 1 },
  '--bo-seeds': { kind: 'integer', key: 'boSeeds', min: 1 },
  '--random-seeds': { kind: 'integer', key: 'randomSeeds', min: 1 },
  '--shrink': { kind: 'factor', key: 'shrink' },
  '--out': { kind: 'path', key: 'out' },
};

/**
 * The options `argv` (flag, value, flag, value, ...) sets. A bad command line is an error
 * (exit status 1, as any error of `main`): a RangeError for a bad count or factor, else a TypeError.
 */
function replayArgs(argv: readonly string[]): ReplayArgs {
  try {
    return parseFlags(argv, REPLAY_FLAGS, { bank: DEFAULT_COOLDOWN_BANK, k: undefined, boSeeds: 100, randomSeeds: 1000, shrink: SHIPPED_SHRINK, out: undefined });
  } catch (err) {
    if (!(err instanceof FlagError)) throw err;
    if (!Object.hasOwn(REPLAY_FLAGS, err.flag)) throw new TypeError(`Expected one of ${Object.keys(REPLAY_FLAGS).join(', ')}, got ${JSON.stringify(err.flag)}.`);
    const kind = REPLAY_FLAGS[err.flag as `--${string}`]!.kind;
    throw kind === 'integer' || kind === 'factor' ? new RangeError(err.message) : new TypeError(err.message);
  }
}

async function main(): Promise<void> {
  const { bank, k, boSeeds, randomSeeds, shrink, out } = replayArgs(process.argv.slice(2));
  const report = await cooldownReplayReport(bank, { ...(k === undefined ? {} : { k }), boSeeds, randomSeeds, shrink });
  const r3 = (x: number): string => x.toFixed(3);
  const r4 = (x: number): string => x.toFixed(4);
  const w = (s: string): boolean => process.stderr.write(`${s}\n`);
  w(`bank ${report.bank}: ${report.checkpoints.length} checkpoints (steps ${report.checkpoints.map((c) => c.step).join(', ')}) × ${report.produced.grid.length} LRs; mean grid optimum ${r4(report.meanOptimum)}`);
  w(`search: k = ${report.search.k}, shipped BO (${report.search.acquisition}, ${report.search.nInitialPoints} stratified initial points) × ${report.search.boSeeds} seeds, random × ${report.search.randomSeeds} seeds; LR chosen × ${report.search.shrink}`);
  for (const s of report.scorers) {
    w(
      `${`${s.scorer} (${s.judge})`.padEnd(20)} Spearman ${s.grid.map((g) => r3(g.spearman)).join(' ')} (mean ${r3(s.meanSpearman)}); top-1 ${s.top1Hits}/${s.grid.length}; ` +
        `grid-choice regret ${s.grid.map((g) => r4(g.regret)).join(' ')} (mean ${r4(s.meanGridRegret)}); ` +
        `BO regret ${r4(s.bo.meanRegret)}, random ${r4(s.random.meanRegret)}, ratio ${r3(s.regretRatio)}; hit rate BO ${r3(s.bo.hitRate)}, random ${r3(s.random.hitRate)}; ` +
        `oracle regret BO ${r4(s.bo.meanOracleRegret)}, random ${r4(s.random.meanOracleRegret)}; fallbacks BO ${r3(s.bo.fallbackRate)}; duplicates BO ${r3(s.bo.meanDuplicates)}`,
    );
  }
  w(`${(report.wallMs / 1000).toFixed(1)} s`);
  w(writeResults('offline-cooldown.json', out, { ...report, date: new Date().toISOString() }));
}

runIfEntry(import.meta.url, 'offline-cooldown', main);
