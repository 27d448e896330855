/**
 * Offline replay of the halved search (the cooldown strategy's default, `survivors` > 0) on
 * the cooldown curve bank and its first-rung file (`bench/bank/build-cooldown-rung.ts`).
 *
 * From each checkpoint, a search asks k LRs (snapped to the grid) and is told each one's
 * first-rung score, judged against the checkpoint's base score (`judgeProbe`); the m usable
 * probes with the lowest first-rung scores continue, and the continued probe's score is the
 * bank's whole-probe score (a continuation is the whole probe, bit for bit); the LR chosen is
 * the best continued probe's (`chooseLr`, the shipped tolerance), or the controller's fallback
 * (half the smallest LR tried) when none is usable. Regret = the chosen LR's truth minus the
 * grid's best truth, as in `bench/offline-cooldown.ts`, whose unhalved searches are replayed
 * beside it: the shipped search without halving, and random search (k LRs, whole probes).
 * And the scorer's own choice: the LR chosen when every grid LR is probed, halved and whole
 * (`wholeGrid`), which a search that finds the scorer's best LR more often moves towards.
 *
 *   npx tsx bench/offline-halving.ts     # writes bench/results/offline-halving.json
 *
 * Options: --bo-seeds N (100) --random-seeds N (1000) --survivors N (the strategy's default)
 * --rung FILE (the committed first-rung file; its τ₁ is used) --out FILE.
 */
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

import { mean } from 'simple-statistics';

import { chooseLr } from '../src/scheduler/cooldown/choose.js';
import { judgeProbe } from '../src/scheduler/cooldown/judge.js';
import { resolveCooldownOptions } from '../src/scheduler/cooldown/options.js';
import { planStages } from '../src/scheduler/cooldown/plan.js';
import { CooldownBank } from './bank/cooldown-format.js';
import { CooldownRung } from './bank/cooldown-rung-format.js';
import { runIfEntry, writeResults } from './lib/entry.js';
import { parseCommandLine, type Flags } from './lib/flags.js';
import { rng, snapToGrid } from './offline.js';
import {
  DEFAULT_COOLDOWN_BANK,
  SHIPPED_TOLERANCE,
  nextIndex,
  replayOverSeeds,
  scoreBank,
  shippedSearchSettings,
  summarizeSearch,
  type ScoredCheckpoint,
  type SearchKind,
  type SearchSummary,
} from './offline-cooldown.js';

export const DEFAULT_RUNG_FILE = fileURLToPath(new URL('./bank/fashion-mnist-cnn-cooldown-rung.json', import.meta.url));

/** One halved search replayed. */
export interface HalvedSearch {
  checkpoint: number;
  seed: number;
  /** Grid indices asked, in order. */
  tried: number[];
  /** The ones continued to the whole probe, best first-rung score first. */
  continued: number[];
  chosenIndex: number;
  regret: number;
  fallback: boolean;
}

/** Replays one halved search of k probes, m continued, on a checkpoint with first-rung scores `rung` (by grid index). */
export function replayHalved(grid: readonly number[], s: ScoredCheckpoint, rung: readonly number[], kind: SearchKind, k: number, m: number, seed: number): HalvedSearch {
  const first = rung.map((v) => judgeProbe(Number.isFinite(v) ? v : NaN, s.baseScore));
  const search = kind === 'bo' ? shippedSearchSettings(grid).make(seed) : null;
  const random = rng(seed * 7919 + 1);
  const tried: number[] = [];
  for (let t = 0; t < k; t++) {
    const { index } = nextIndex(grid, tried, search, random, (i) => first[i]!.told);
    tried.push(index);
    search?.tell(grid[index]!, first[index]!.told);
  }
  const continued = tried
    .filter((i) => first[i]!.note === undefined)
    .sort((a, b) => rung[a]! - rung[b]! || tried.indexOf(a) - tried.indexOf(b))
    .slice(0, m);
  const lr = chooseLr(
    continued.map((i) => ({ lr: grid[i]!, score: s.lrs[i]!.value, ...(s.lrs[i]!.note === undefined ? {} : { note: s.lrs[i]!.note }) })),
    SHIPPED_TOLERANCE,
  );
  const fallback = lr === null;
  const chosenIndex = snapToGrid(grid, lr ?? Math.max(grid[0]!, Math.min(...tried.map((i) => grid[i]!)) / 2));
  return { checkpoint: s.checkpoint, seed, tried, continued, chosenIndex, regret: s.lrs[chosenIndex]!.truth - s.optimum, fallback };
}

/** Figures of the halved search over every checkpoint and seed. */
export interface HalvedSummary {
  search: SearchKind;
  seeds: number;
  meanRegret: number;
  perCheckpoint: number[];
  hitRate: number;
  fallbackRate: number;
}

export function summarizeHalved(grid: readonly number[], scored: ScoredCheckpoint[], rung: CooldownRung, kind: SearchKind, k: number, m: number, seeds: number): HalvedSummary {
  const { all, perCheckpoint } = replayOverSeeds(scored, seeds, (s, seed) => replayHalved(grid, s, rung.scores(s.checkpoint), kind, k, m, seed));
  return {
    search: kind,
    seeds,
    meanRegret: mean(all.map((r) => r.regret)),
    perCheckpoint,
    hitRate: all.filter((r) => r.regret === 0).length / all.length,
    fallbackRate: all.filter((r) => r.fallback).length / all.length,
  };
}

/** The report: the halved searches beside the unhalved ones, and the ratios to random search's regret. */
export interface HalvingReport {
  bank: string;
  rung: CooldownRung['produced'];
  k: number;
  survivors: number;
  /** Probe steps of one search of the bank's τ': halved and whole. */
  searchSteps: { halved: number; whole: number };
  halvedBo: HalvedSummary;
  halvedRandom: HalvedSummary;
  wholeBo: SearchSummary;
  wholeRandom: SearchSummary;
  /** halvedBo.meanRegret / wholeRandom.meanRegret, over the four checkpoints and at the first. */
  ratio: number;
  ratioFirst: number;
  /**
   * The scorer's own choice: every grid LR probed (the first rung of all of them, the best m
   * continued; every whole probe; or the first rung of all of them, its best alone continued),
   * the LR chosen as above. Regret over the four
   * checkpoints and per checkpoint, and its ratio to random search's (`wholeRandom`).
   */
  wholeGrid: { halved: GridChoice; whole: GridChoice; firstRung: GridChoice };
}

/** The LR chosen with every grid LR probed: its regret per checkpoint, their mean, and the ratio to random search's. */
export interface GridChoice {
  meanRegret: number;
  perCheckpoint: number[];
  ratio: number;
  ratioFirst: number;
}

export async function halvingReport(
  bankFile = DEFAULT_COOLDOWN_BANK,
  rungFile = DEFAULT_RUNG_FILE,
  options: { boSeeds?: number; randomSeeds?: number; survivors?: number } = {},
): Promise<HalvingReport> {
  const bank = CooldownBank.load(bankFile);
  const rung = CooldownRung.load(rungFile, bank);
  const grid = bank.grid;
  const o = resolveCooldownOptions({
    minLr: grid[0]!,
    maxLr: grid.at(-1)!,
    totalSteps: 1_000_000,
    probeSteps: bank.produced.probeSteps,
    rungSteps: rung.produced.rungSteps,
    ...(options.survivors === undefined ? {} : { survivors: options.survivors }),
  });
  if (!(o.survivors >= 1 && o.survivors < o.k)) throw new RangeError(`Expected \`survivors\` in [1, ${o.k - 1}] to replay a halved search of ${o.k} probes, got ${o.survivors}.`);
  // The steps of one search, as the strategy plans them for the bank's probes.
  const searchSteps = (survivors: number): number =>
    planStages({ ...o, startStep: 0, stages: 1, cooldownFraction: 0, probeCooldown: bank.produced.probeCooldown, trials: o.k, laterTrials: o.k, survivors }).searchSteps[0]!;
  const boSeeds = options.boSeeds ?? 100;
  const randomSeeds = options.randomSeeds ?? 1000;
  const scored = await scoreBank(bank, 'cooldown');
  const halvedBo = summarizeHalved(grid, scored, rung, 'bo', o.k, o.survivors, boSeeds);
  const halvedRandom = summarizeHalved(grid, scored, rung, 'random', o.k, o.survivors, randomSeeds);
  const wholeBo = summarizeSearch(grid, scored, 'bo', o.k, boSeeds);
  const wholeRandom = summarizeSearch(grid, scored, 'random', o.k, randomSeeds);
  // Random search of as many LRs as the grid holds probes all of them (its seed orders them only).
  const gridChoice = (perCheckpoint: number[]): GridChoice => {
    const meanRegret = mean(perCheckpoint);
    return { meanRegret, perCheckpoint, ratio: meanRegret / wholeRandom.meanRegret, ratioFirst: perCheckpoint[0]! / wholeRandom.perCheckpoint[0]! };
  };
  const wholeGrid = {
    halved: gridChoice(scored.map((s) => replayHalved(grid, s, rung.scores(s.checkpoint), 'random', grid.length, o.survivors, 0).regret)),
    whole: gridChoice(summarizeSearch(grid, scored, 'random', grid.length, 1).perCheckpoint),
    firstRung: gridChoice(scored.map((s) => replayHalved(grid, s, rung.scores(s.checkpoint), 'random', grid.length, 1, 0).regret)),
  };
  return {
    bank: path.relative(process.cwd(), bankFile),
    rung: rung.produced,
    k: o.k,
    survivors: o.survivors,
    searchSteps: { halved: searchSteps(o.survivors), whole: searchSteps(0) },
    halvedBo,
    halvedRandom,
    wholeBo,
    wholeRandom,
    ratio: halvedBo.meanRegret / wholeRandom.meanRegret,
    ratioFirst: halvedBo.perCheckpoint[0]! / wholeRandom.perCheckpoint[0]!,
    wholeGrid,
  };
}

interface Args {
  boSeeds: number;
  randomSeeds: number;
  survivors: number | undefined;
  rung: string | undefined;
  out: string | undefined;
}

const FLAGS: Flags<Args> = {
  '--bo-seeds': { kind: 'integer', key: 'boSeeds', min: 1 },
  '--random-seeds': { kind: 'integer', key: 'randomSeeds', min: 1 },
  '--survivors': { kind: 'integer', key: 'survivors', min: 1 },
  '--rung': { kind: 'path', key: 'rung' },
  '--out': { kind: 'path', key: 'out' },
};

async function main(): Promise<void> {
  const t0 = performance.now();
  const args = parseCommandLine('offline-halving', process.argv.slice(2), FLAGS, { boSeeds: 100, randomSeeds: 1000, survivors: undefined, rung: undefined, out: undefined });
  const { rung, survivors, ...seeds } = args;
  const r = await halvingReport(DEFAULT_COOLDOWN_BANK, rung ?? DEFAULT_RUNG_FILE, { ...seeds, ...(survivors === undefined ? {} : { survivors }) });
  const f = (x: number): string => x.toFixed(4);
  const line = (name: string, x: { meanRegret: number; perCheckpoint: number[]; hitRate: number }): string =>
    `${name.padEnd(14)} regret ${f(x.meanRegret)} (per checkpoint ${x.perCheckpoint.map(f).join(' ')}), hit rate ${x.hitRate.toFixed(3)}`;
  const w = (s: string): boolean => process.stderr.write(`${s}\n`);
  w(`k ${r.k}, ${r.survivors} continued; ${r.searchSteps.halved} probe steps per halved search, ${r.searchSteps.whole} whole`);
  w(line('halved BO', r.halvedBo));
  w(line('halved random', r.halvedRandom));
  w(line('whole BO', r.wholeBo));
  w(line('whole random', r.wholeRandom));
  w(`halved BO / whole random: ${r.ratio.toFixed(3)} over the 4 checkpoints, ${r.ratioFirst.toFixed(3)} at the first`);
  for (const [name, g] of [['halved', r.wholeGrid.halved], ['whole', r.wholeGrid.whole], ['first rung', r.wholeGrid.firstRung]] as const) {
    w(`every grid LR probed, ${name}: regret ${f(g.meanRegret)} (per checkpoint ${g.perCheckpoint.map(f).join(' ')}), ${g.ratio.toFixed(3)} × random's over the 4 checkpoints, ${g.ratioFirst.toFixed(3)} at the first`);
  }
  w(writeResults('offline-halving.json', args.out, { ...r, wallMs: performance.now() - t0, date: new Date().toISOString() }));
}

runIfEntry(import.meta.url, 'offline-halving', main);
