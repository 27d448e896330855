/**
 * The offline replay of the halved search (bench/offline-halving.ts): the rule on a hand-made
 * checkpoint, the first-rung file's checks, then pins on the committed bank and first-rung
 * file: a change to the halved search's defaults or to its choice moves these figures.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';

import { CooldownBank } from '../../bench/bank/cooldown-format.js';
import { CooldownRung, type CooldownRungFile } from '../../bench/bank/cooldown-rung-format.js';
import { DEFAULT_COOLDOWN_BANK, scoreBank, type ScoredCheckpoint } from '../../bench/offline-cooldown.js';
import { DEFAULT_RUNG_FILE, halvingReport, replayHalved, summarizeHalved, type HalvingReport } from '../../bench/offline-halving.js';

const GRID = [0.001, 0.01, 0.1, 1];

/** A checkpoint of the 4-LR grid above: base score 2; whole-probe scores and truths by index. */
function checkpoint(whole: number[], truths: number[]): ScoredCheckpoint {
  const optimum = Math.min(...truths);
  return {
    checkpoint: 0,
    step: 0,
    baseScore: 2,
    lrs: GRID.map((lr, i) => ({
      lrIndex: i,
      lr,
      value: whole[i]!,
      told: whole[i]!,
      ...(whole[i]! >= 2 ? { note: 'no-progress' as const } : {}),
      truthLoss: truths[i]!,
      truthAccuracy: 0,
      truth: truths[i]!,
    })),
    bestIndex: truths.indexOf(optimum),
    optimum,
    bestAccuracy: 0,
  };
}

describe('replayHalved', () => {
  it('continues the m usable probes with the lowest first-rung scores and chooses the best of them after the whole probe', () => {
    // Every LR tried (k = 4). First rung: 0.1 best, then 0.01; 1 made no progress.
    // After the whole probe 0.01 (0.6) beats 0.1 (0.7); 0.001's whole score (0.5) is never seen.
    const s = checkpoint([0.5, 0.6, 0.7, 3], [0.4, 0.3, 0.35, 2.3]);
    const r = replayHalved(GRID, s, [1.5, 1.2, 1.1, 2.5], 'random', 4, 2, 0);
    expect([...r.tried].sort()).toEqual([0, 1, 2, 3]);
    expect(r.continued).toEqual([2, 1]);
    expect(r.chosenIndex).toBe(1);
    expect(r.regret).toBe(0);
    expect(r.fallback).toBe(false);
    // One survivor: the first rung's best alone, 0.1, whose truth is 0.05 above the best.
    const one = replayHalved(GRID, s, [1.5, 1.2, 1.1, 2.5], 'random', 4, 1, 0);
    expect(one.continued).toEqual([2]);
    expect(one.chosenIndex).toBe(2);
    expect(one.regret).toBeCloseTo(0.05, 12);
  });

  it('falls back to half the smallest LR tried when no continued probe is usable', () => {
    // Both continued probes end no better than the base after the whole probe.
    const s = checkpoint([0.5, 2.5, 2.2, 3], [0.4, 0.3, 0.35, 2.3]);
    const r = replayHalved(GRID, s, [1.5, 1.2, 1.1, 2.5], 'random', 4, 2, 0);
    expect(r.fallback).toBe(true);
    // Half of 0.001, snapped to the grid: 0.001.
    expect(r.chosenIndex).toBe(0);
  });
});

describe('CooldownRung', () => {
  const bank = CooldownBank.load(DEFAULT_COOLDOWN_BANK);
  const file = JSON.parse(readFileSync(DEFAULT_RUNG_FILE, 'utf8')) as CooldownRungFile;

  it("holds one first-rung score per (checkpoint, LR) of the bank, made from the bank's checkpoints", () => {
    const rung = new CooldownRung(file, bank);
    expect(rung.produced).toMatchObject({ rungSteps: 20, rungHoldSteps: 12, bank: 'fashion-mnist-cnn-cooldown.json', bankDate: bank.produced.date });
    expect(file.records).toHaveLength(4 * 13);
    // At the fresh model the first rung's best LR is 0.0178 (the truly best of the grid there), the whole probe's 0.0316.
    const best = (xs: number[]) => bank.grid[xs.indexOf(Math.min(...xs.filter(Number.isFinite)))];
    const first = rung.scores(0);
    expect(first).toHaveLength(13);
    expect(best(first)).toBe(0.0178);
    expect(best(bank.grid.map((_, i) => bank.curve(0, i).score))).toBe(0.0316);
    // At step 1,500 the first rung's best is the grid's smallest LR; the truly best is 0.01.
    expect(best(rung.scores(3))).toBe(0.001);
    expect(best(bank.grid.map((_, i) => bank.curve(3, i).truthLoss))).toBe(0.01);
  });

  it('refuses a first-rung file of another bank, of another format, or with a record missing', () => {
    expect(() => new CooldownRung({ ...file, produced: { ...file.produced, bankDate: '2020-01-01' } }, bank)).toThrow(/built from the bank of 2020-01-01/);
    expect(() => new CooldownRung({ ...file, format: 'other' } as never, bank)).toThrow(TypeError);
    expect(() => new CooldownRung({ ...file, records: file.records.slice(1) }, bank)).toThrow(/Expected a record for each of the bank's 52/);
  });
});

describe('the committed halving replay (bench/results/offline-halving.json)', () => {
  let report: HalvingReport;
  const committed = JSON.parse(readFileSync(resolve(import.meta.dirname, '../../bench/results/offline-halving.json'), 'utf8')) as HalvingReport;
  beforeAll(async () => {
    report = await halvingReport();
  }, 120_000);

  it('recomputes every figure of the committed results from the bank and the first-rung file', () => {
    for (const key of ['halvedBo', 'halvedRandom', 'wholeBo', 'wholeRandom'] as const) {
      expect(report[key].meanRegret).toBeCloseTo(committed[key].meanRegret, 12);
      report[key].perCheckpoint.forEach((x, i) => expect(x).toBeCloseTo(committed[key].perCheckpoint[i]!, 12));
      expect(report[key].hitRate).toBe(committed[key].hitRate);
    }
    for (const key of ['halved', 'whole', 'firstRung'] as const) {
      expect(report.wholeGrid[key].meanRegret).toBeCloseTo(committed.wholeGrid[key].meanRegret, 12);
      report.wholeGrid[key].perCheckpoint.forEach((x, i) => expect(x).toBeCloseTo(committed.wholeGrid[key].perCheckpoint[i]!, 12));
    }
    expect(report.searchSteps).toEqual({ halved: 5 * 20 + 2 * 38, whole: 5 * 50 });
  });

  it('pins what bench/README.md reports: the halved search chooses worse than the whole one on this bank, and is not within 0.5× of random search', () => {
    // Halved BO 0.0118 against whole BO 0.0074 and whole random 0.0102, over the 4 checkpoints.
    expect(report.halvedBo.meanRegret).toBeGreaterThan(0.0116);
    expect(report.halvedBo.meanRegret).toBeLessThan(0.012);
    expect(report.wholeBo.meanRegret).toBeGreaterThan(0.0073);
    expect(report.wholeBo.meanRegret).toBeLessThan(0.0075);
    expect(report.ratio).toBeGreaterThan(1.15);
    expect(report.ratio).toBeLessThan(1.18);
    expect(report.ratioFirst).toBeGreaterThan(0.85);
    expect(report.ratioFirst).toBeLessThan(0.87);
    expect(report.halvedBo.fallbackRate).toBe(0.04);
  });
});

describe('other first rungs and survivors (bench/README.md, section 6, "The halved search")', () => {
  const bank = CooldownBank.load(DEFAULT_COOLDOWN_BANK);
  const file = (name: string) => resolve(import.meta.dirname, '../../bench/bank', name);
  it.each([
    ['fashion-mnist-cnn-cooldown-rung.json', 1, 0.0125, [0.0089, 0.0149, 0.0151, 0.0109]],
    ['fashion-mnist-cnn-cooldown-rung.json', 3, 0.0115, [0.0165, 0.0035, 0.0151, 0.0109]],
    ['fashion-mnist-cnn-cooldown-rung25.json', 2, 0.0121, [0.0159, 0.0116, 0.0137, 0.007]],
    ['fashion-mnist-cnn-cooldown-rung30.json', 2, 0.0105, [0.0161, 0.011, 0.0135, 0.0014]],
  ] as const)('%s, %i continued', async (name, m, regret, perCheckpoint) => {
    const rung = CooldownRung.load(file(name), bank);
    const r = summarizeHalved(bank.grid, await scoreBank(bank, 'cooldown'), rung, 'bo', 5, m, 100);
    expect(Number(r.meanRegret.toFixed(4))).toBe(regret);
    expect(r.perCheckpoint.map((x) => Number(x.toFixed(4)))).toEqual(perCheckpoint);
  }, 60_000);
});

describe("the scorer's own choice: every grid LR probed (bench/README.md, section 6)", () => {
  const bank = CooldownBank.load(DEFAULT_COOLDOWN_BANK);
  const rung = CooldownRung.load(DEFAULT_RUNG_FILE, bank);
  let report: HalvingReport;
  beforeAll(async () => {
    report = await halvingReport(DEFAULT_COOLDOWN_BANK, DEFAULT_RUNG_FILE, { boSeeds: 1, randomSeeds: 1000 });
  }, 120_000);

  /** Regret of an LR index at a checkpoint, from the bank's truths. */
  const regret = (c: number, i: number) => bank.curve(c, i).truthLoss - Math.min(...bank.grid.map((_, j) => bank.curve(c, j).truthLoss));

  it('chooses, halved, the better whole-probe score of the two usable first-rung bests, and whole, the lowest whole-probe score', () => {
    const halved: number[] = [];
    const whole: number[] = [];
    const firstRung: number[] = [];
    for (let c = 0; c < 4; c++) {
      const base = bank.checkpoints[c]!.baseScore;
      const grid = bank.grid.map((_, i) => i);
      const first = rung.scores(c);
      const score = (i: number) => bank.curve(c, i).score;
      const two = grid.filter((i) => first[i]! < base).sort((a, b) => first[a]! - first[b]!).slice(0, 2);
      halved.push(two.filter((i) => score(i) < base).sort((a, b) => score(a) - score(b))[0]!);
      whole.push(grid.filter((i) => score(i) < base).sort((a, b) => score(a) - score(b))[0]!);
      // The first rung's usable best, continued alone (its whole-probe score is below the base at every checkpoint).
      expect(score(two[0]!)).toBeLessThan(base);
      firstRung.push(two[0]!);
    }
    expect(firstRung.map((i) => bank.grid[i])).toEqual([0.0178, 0.00562, 0.00316, 0.001]);
    report.wholeGrid.firstRung.perCheckpoint.forEach((x, c) => expect(x).toBeCloseTo(regret(c, firstRung[c]!), 12));
    // At step 1,500 only 0.001 ends its first rung below the base score: it alone continues.
    expect(halved.map((i) => bank.grid[i])).toEqual([0.0316, 0.00562, 0.00316, 0.001]);
    expect(whole.map((i) => bank.grid[i])).toEqual([0.0316, 0.01, 0.00316, 0.01]);
    report.wholeGrid.halved.perCheckpoint.forEach((x, c) => expect(x).toBeCloseTo(regret(c, halved[c]!), 12));
    report.wholeGrid.whole.perCheckpoint.forEach((x, c) => expect(x).toBeCloseTo(regret(c, whole[c]!), 12));
  });

  it('pins what bench/README.md reports: probing every LR is no better than random search of 5', () => {
    expect(report.wholeGrid.halved.meanRegret).toBeGreaterThan(0.0151);
    expect(report.wholeGrid.halved.meanRegret).toBeLessThan(0.0153);
    expect(report.wholeGrid.whole.meanRegret).toBeGreaterThan(0.0097);
    expect(report.wholeGrid.whole.meanRegret).toBeLessThan(0.0099);
    expect(report.wholeGrid.halved.ratio).toBeGreaterThan(1.48);
    expect(report.wholeGrid.halved.ratio).toBeLessThan(1.51);
    expect(report.wholeGrid.whole.ratio).toBeGreaterThan(0.95);
    expect(report.wholeGrid.whole.ratio).toBeLessThan(0.97);
    // The first rung's best alone: the truly best LR at the first search (regret 0), worse later.
    expect(report.wholeGrid.firstRung.perCheckpoint[0]).toBe(0);
    expect(report.wholeGrid.firstRung.meanRegret).toBeGreaterThan(0.0092);
    expect(report.wholeGrid.firstRung.meanRegret).toBeLessThan(0.0094);
    expect(report.wholeGrid.firstRung.ratio).toBeGreaterThan(0.9);
    expect(report.wholeGrid.firstRung.ratio).toBeLessThan(0.93);
    // At the first search (the only one by default) both choose 0.0316: 1.24× random search's regret.
    expect(report.wholeGrid.halved.ratioFirst).toBeCloseTo(report.wholeGrid.whole.ratioFirst, 12);
    expect(report.wholeGrid.whole.ratioFirst).toBeGreaterThan(1.22);
    expect(report.wholeGrid.whole.ratioFirst).toBeLessThan(1.25);
  });
});
