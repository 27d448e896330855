/**
 * The cooldown strategy's curve bank and its offline replay (bench/offline-cooldown.ts):
 * the format, the scorers, the choice rule and the searches on hand-made banks, then pins
 * on the committed bank (bench/bank/fashion-mnist-cnn-cooldown.json, real CNN curves on
 * Fashion-MNIST): a change to the shipped scorer's judging, to the shipped search or to
 * their defaults that moves these figures fails here.
 */
import { beforeAll, describe, expect, it } from 'vitest';

import { CooldownBank, type CooldownBankFile, type StoredCooldownCurve } from '../../bench/bank/cooldown-format.js';
import { encodeFloat32 } from '../../bench/bank/format.js';
import {
  CHANCE_LOSS,
  chooseIndex,
  SHIPPED_SHRINK,
  SHIPPED_TOLERANCE,
  DEFAULT_COOLDOWN_BANK,
  rankGrid,
  referenceForecast,
  replaySearch,
  scoreBank,
  scorerReport,
  shippedSearchSettings,
  spearman,
  tailMean,
  type ScoredCheckpoint,
  type ScorerReport,
} from '../../bench/offline-cooldown.js';

const GRID = [0.001, 0.00178, 0.00316, 0.00562, 0.01, 0.0178, 0.0316, 0.0562, 0.1, 0.178, 0.316, 0.562, 1];

interface HandRecord {
  probe: number[];
  score: number;
  holdScore: number;
  branch: number[];
  constantScore: number;
  truth: number[];
  truthLoss: number;
  truthAccuracy: number;
}

/** A bank file from hand-made records: probes of 10 steps (6 held), truths of 3 + 2 steps. */
function handBank(grid: number[], checkpoints: Array<{ base: number; records: HandRecord[] }>): CooldownBankFile {
  const v = (x: number): number | null => (Number.isFinite(x) ? x : null);
  const curves: StoredCooldownCurve[] = checkpoints.flatMap((c, ci) =>
    c.records.map((r, li) => ({
      checkpoint: ci,
      lrIndex: li,
      lr: grid[li]!,
      probe: { losses: encodeFloat32(r.probe), score: v(r.score), holdScore: v(r.holdScore) },
      constant: { losses: encodeFloat32(r.branch), score: v(r.constantScore) },
      truth: { losses: encodeFloat32(r.truth), valLoss: v(r.truthLoss), valAccuracy: r.truthAccuracy, stoppedAt: null },
    })),
  );
  return {
    format: 'autolrs-cooldown-bank',
    version: 1,
    produced: {
      model: 'hand-made',
      data: 'none',
      trainSize: 0,
      validationSize: 0,
      scoreSize: 0,
      batchSize: 1,
      optimizer: 'none',
      trajectoryLr: 0.1,
      checkpointSteps: checkpoints.map((_, i) => 10 * i),
      probeSteps: 10,
      holdSteps: 6,
      probeCooldown: 0.4,
      tau: 3,
      cooldownSteps: 2,
      grid,
      seeds: { model: 0, trajectory: 0, probeData: 0, truth: [] },
      backend: 'none',
      machine: { cpu: 'none', cores: 1, loadAverage: [0, 0, 0], platform: 'none', node: 'none', tfjs: 'none' },
      date: '',
      command: '',
      wallSeconds: 0,
      gradientSteps: 0,
      notes: '',
    },
    checkpoints: checkpoints.map((c, i) => ({ step: 10 * i, baseScore: v(c.base), valLoss: 1, valAccuracy: 50 })),
    curves,
  };
}

/** A record whose scorers' values are set directly. */
function record(o: { score: number; tail: number; constantScore: number; truthLoss: number; truthAccuracy?: number }): HandRecord {
  return {
    probe: [2, 2, 2, 2, 2, 2, 1.5, 1.2, 1.1, 1],
    score: o.score,
    holdScore: 1.5,
    // The constant probe is the probe's first 6 losses then these 4: its last tenth is the last one.
    branch: [1.9, 1.8, 1.7, o.tail],
    constantScore: o.constantScore,
    truth: [1, 0.9, 0.8, 0.7, 0.6],
    truthLoss: o.truthLoss,
    truthAccuracy: o.truthAccuracy ?? 80,
  };
}

describe('the cooldown bank format', () => {
  it('decodes every record, null as NaN, and joins the constant probe from the hold point', () => {
    const file = handBank([0.01, 0.1], [{ base: 1, records: [record({ score: 0.5, tail: 0.7, constantScore: NaN, truthLoss: 0.3 }), record({ score: NaN, tail: 0.4, constantScore: 0.6, truthLoss: NaN })] }]);
    const bank = new CooldownBank(JSON.parse(JSON.stringify(file)) as CooldownBankFile);
    const a = bank.curve(0, 0);
    const b = bank.curve(0, 1);
    expect(a.score).toBe(0.5);
    expect(a.constantScore).toBeNaN();
    expect(b.score).toBeNaN();
    expect(b.truthLoss).toBeNaN();
    expect([...a.probeLosses]).toEqual([...Float32Array.from([2, 2, 2, 2, 2, 2, 1.5, 1.2, 1.1, 1])]);
    expect([...a.constantLosses]).toEqual([...Float32Array.from([2, 2, 2, 2, 2, 2, 1.9, 1.8, 1.7, 0.7])]);
    expect(a.truthLosses).toHaveLength(5);
    expect(bank.checkpoints[0]!.baseScore).toBe(1);
  });

  it('rejects a wrong format, a missing record and a series of the wrong length', () => {
    expect(() => new CooldownBank({ format: 'autolrs-curve-bank' } as unknown as CooldownBankFile)).toThrow(/autolrs-cooldown-bank/);
    const file = handBank([0.01, 0.1], [{ base: 1, records: [record({ score: 0.5, tail: 0.7, constantScore: 0.6, truthLoss: 0.3 }), record({ score: 0.5, tail: 0.7, constantScore: 0.6, truthLoss: 0.3 })] }]);
    expect(() => new CooldownBank({ ...file, curves: file.curves.slice(0, 1) })).toThrow(/checkpoint 0 and LR index 1/);
    const short = structuredClone(file);
    short.curves[0]!.probe.losses = encodeFloat32([1, 2, 3]);
    expect(() => new CooldownBank(short)).toThrow(/Expected 10 probe losses/);
    const stray = structuredClone(file);
    stray.curves[0]!.checkpoint = 3;
    expect(() => new CooldownBank(stray)).toThrow(RangeError);
  });
});

describe('scorers and the choice rule', () => {
  it('tailMean averages the last tenth (at least one value); NaN when one is not finite', () => {
    expect(tailMean(Array.from({ length: 20 }, (_, i) => i + 1))).toBe(19.5);
    expect(tailMean(Array.from({ length: 50 }, (_, i) => i))).toBe((45 + 46 + 47 + 48 + 49) / 5);
    expect(tailMean([3, 2, 1])).toBe(1);
    expect(tailMean([1, 2, NaN])).toBeNaN();
  });

  it('spearman: hand-computed values, tied ranks shared, a value that is not finite ranked worst', () => {
    // Ranks (0, 1, 2, 3) against (0, 2, 1, 3): 1 − 6·2 / (4·15) = 0.8.
    expect(spearman([1, 2, 3, NaN], [1, 3, 2, 4])).toBeCloseTo(0.8, 12);
    // Midranks (0.5, 0.5, 2) against (0, 1, 2): 1.5 / √(1.5·2) = √3 / 2.
    expect(spearman([1, 1, 2], [1, 2, 3])).toBeCloseTo(Math.sqrt(3) / 2, 12);
    expect(spearman([Infinity, 1, NaN], [3, 1, 3])).toBeCloseTo(1, 12);
    expect(spearman([1, 1, 1], [1, 2, 3])).toBeNaN();
    expect(() => spearman([1, 2], [1])).toThrow(RangeError);
  });

  it('chooseIndex applies the strategy rule: with tolerance 0 the lowest value that can be chosen (the earlier on ties), else half the smallest LR tried', () => {
    expect(chooseIndex(GRID, [{ lrIndex: 5, value: 0.4 }, { lrIndex: 7, value: 0.3 }, { lrIndex: 2, value: 0.1, note: 'no-progress' }], 0)).toEqual({ index: 7, fallback: false });
    expect(chooseIndex(GRID, [{ lrIndex: 9, value: 0.3 }, { lrIndex: 4, value: 0.3 }], 0)).toEqual({ index: 9, fallback: false });
    // The shipped tolerance is 0: the lowest value. With 3 %: 0.305 <= 0.3 · 1.03, so the smaller LR (index 4); 0.4 is not within it.
    expect(SHIPPED_TOLERANCE).toBe(0);
    expect(chooseIndex(GRID, [{ lrIndex: 5, value: 0.4 }, { lrIndex: 7, value: 0.3 }, { lrIndex: 4, value: 0.305 }])).toEqual({ index: 7, fallback: false });
    expect(chooseIndex(GRID, [{ lrIndex: 5, value: 0.4 }, { lrIndex: 7, value: 0.3 }, { lrIndex: 4, value: 0.305 }], 0.03)).toEqual({ index: 4, fallback: false });
    // 0.01 / 2 = 0.005 is nearest to 0.00562 in log space (index 3).
    expect(chooseIndex(GRID, [{ lrIndex: 8, value: 2, note: 'no-progress' }, { lrIndex: 4, value: NaN, note: 'not-finite' }])).toEqual({ index: 3, fallback: true });
    expect(chooseIndex(GRID, [{ lrIndex: 0, value: 2, note: 'no-progress' }])).toEqual({ index: 0, fallback: true });
    expect(() => chooseIndex(GRID, [])).toThrow(RangeError);
  });

  it('chooseIndex multiplies the LR chosen by shrink (the shipped one is 1) before snapping, never below the grid', () => {
    expect(SHIPPED_SHRINK).toBe(1);
    const tried = [{ lrIndex: 5, value: 0.4 }, { lrIndex: 7, value: 0.3 }];
    // 0.0562 · 0.7 = 0.0393: log distance to 0.0316 is 0.095 decade, to 0.0562 0.155: index 6.
    expect(chooseIndex(GRID, tried, 0, undefined, 0.7)).toEqual({ index: 6, fallback: false });
    // 0.0562 · 0.9 = 0.0506 stays nearest 0.0562.
    expect(chooseIndex(GRID, tried, 0, undefined, 0.9)).toEqual({ index: 7, fallback: false });
    // 0.00178 · 0.1 is below the grid: its lowest LR.
    expect(chooseIndex(GRID, [{ lrIndex: 1, value: 0.3 }], 0, undefined, 0.1)).toEqual({ index: 0, fallback: false });
    // The fallback is not shrunk: half the smallest LR tried.
    expect(chooseIndex(GRID, [{ lrIndex: 8, value: 2, note: 'no-progress' }], 0, undefined, 0.5)).toEqual({ index: 7, fallback: true });
  });

  it('scoreBank reads each scorer, judges it against the base score, and counts a NaN truth as max(ln 10, the worst finite truth)', async () => {
    const grid = [0.01, 0.1, 1];
    const bank = new CooldownBank(
      handBank(grid, [
        {
          base: 1,
          records: [
            record({ score: 0.5, tail: 0.9, constantScore: 0.8, truthLoss: 0.4, truthAccuracy: 85 }),
            record({ score: 0.45, tail: 0.6, constantScore: 1.2, truthLoss: 0.3, truthAccuracy: 88 }),
            record({ score: 1.5, tail: 0.2, constantScore: 0.7, truthLoss: NaN, truthAccuracy: 10 }),
          ],
        },
      ]),
    );
    const values = async (s: 'cooldown' | 'tail-mean' | 'eval'): Promise<ScoredCheckpoint> => (await scoreBank(bank, s))[0]!;
    const cooldown = await values('cooldown');
    expect(cooldown.lrs.map((r) => r.value)).toEqual([0.5, 0.45, 1.5]);
    // 1.5 is not below the base 1: told min(1.5, 2·1) and cannot be chosen.
    expect(cooldown.lrs.map((r) => r.told)).toEqual([0.5, 0.45, 1.5]);
    expect(cooldown.lrs.map((r) => r.note)).toEqual([undefined, undefined, 'no-progress']);
    expect(cooldown.lrs.map((r) => r.truth)).toEqual([0.4, 0.3, CHANCE_LOSS]);
    expect(cooldown.bestIndex).toBe(1);
    expect(cooldown.optimum).toBe(0.3);
    expect(cooldown.bestAccuracy).toBe(88);
    expect((await values('tail-mean')).lrs.map((r) => r.value)).toEqual([Math.fround(0.9), Math.fround(0.6), Math.fround(0.2)]);
    const ev = await values('eval');
    expect(ev.lrs.map((r) => r.value)).toEqual([0.8, 1.2, 0.7]);
    expect(ev.lrs.map((r) => r.note)).toEqual([undefined, 'no-progress', undefined]);
    // Judged on finiteness alone, 1.2 can be chosen and is told as it is.
    const finite = (await scoreBank(bank, 'eval', 'finite'))[0]!;
    expect(finite.lrs.map((r) => [r.told, r.note])).toEqual([[0.8, undefined], [1.2, undefined], [0.7, undefined]]);

    const g = rankGrid(grid, cooldown);
    // Values (0.5, 0.45, 1.5) rank (1, 0, 2); truths (0.4, 0.3, NaN) rank (1, 0, 2).
    expect(g.spearman).toBeCloseTo(1, 12);
    expect(g.top1).toBe(true);
    expect(g.regret).toBe(0);
    const ge = rankGrid(grid, ev);
    // eval chooses 1 (0.7 < 0.8), whose truth is the diverged value ln 10.
    expect(ge.chosenLr).toBe(1);
    expect(ge.regret).toBeCloseTo(CHANCE_LOSS - 0.3, 12);
    expect(ge.accuracyRegret).toBe(88 - 10);
    expect(ge.top1).toBe(false);
  });

  it('referenceForecast: a flat probe forecasts its level; a diverged one gives NaN', async () => {
    expect(await referenceForecast(new Float32Array(20).fill(0.75), 100)).toBeCloseTo(0.75, 5);
    const rising = Float32Array.from({ length: 20 }, (_, i) => (i < 10 ? 0.5 : 5));
    expect(await referenceForecast(rising, 100)).toBeNaN();
    expect(await referenceForecast(Float32Array.from([1, NaN, 1, 1]), 100)).toBeNaN();
  });
});

describe('replayed searches on a hand-made grid', () => {
  // Values fall towards index 6 and rise after; the truth is best at index 8; index 12 cannot be chosen.
  const scored: ScoredCheckpoint = {
    checkpoint: 0,
    step: 0,
    baseScore: 1,
    lrs: GRID.map((lr, i) => {
      const value = i === 12 ? 1.5 : 0.3 + 0.02 * Math.abs(i - 6);
      const truth = 0.3 + 0.01 * Math.abs(i - 8);
      return { lrIndex: i, lr, value, told: value, ...(i === 12 ? { note: 'no-progress' as const } : {}), truthLoss: truth, truthAccuracy: 90 - Math.abs(i - 8), truth };
    }),
    bestIndex: 8,
    optimum: 0.3,
    bestAccuracy: 90,
  };

  it('random search with k = every grid LR tries each once and chooses the lowest value', () => {
    const r = replaySearch(GRID, scored, 'random', GRID.length, 3);
    expect([...r.tried].sort((a, b) => a - b)).toEqual(GRID.map((_, i) => i));
    expect(r.chosenIndex).toBe(6);
    expect(r.regret).toBeCloseTo(0.02, 12);
    expect(r.accuracyRegret).toBe(2);
    expect(r.regrets.at(-1)).toBe(r.regret);
    expect(r.fallback).toBe(false);
  });

  it('the shipped search probes k distinct LRs, seeded, and chooses among them', () => {
    const a = replaySearch(GRID, scored, 'bo', 6, 0);
    expect(new Set(a.tried).size).toBe(6);
    expect(replaySearch(GRID, scored, 'bo', 6, 0)).toEqual(a);
    const best = a.tried.filter((i) => i !== 12).reduce((x, y) => (scored.lrs[y]!.value < scored.lrs[x]!.value ? y : x));
    // The shipped rule (tolerance 0) takes the best probe.
    expect(a.chosenIndex).toBe(best);
    expect(a.regret).toBeCloseTo(scored.lrs[a.chosenIndex]!.truth - 0.3, 12);
    expect(() => replaySearch(GRID, scored, 'bo', 14, 0)).toThrow(RangeError);
  });
});

describe('the committed cooldown bank (bench/bank/fashion-mnist-cnn-cooldown.json)', () => {
  const BO_SEEDS = 20;
  const RANDOM_SEEDS = 1000;
  /** The shipped search's k (the pins below were measured with 5). */
  const K = shippedSearchSettings(GRID).k;
  let bank: CooldownBank;
  let shipped: ScorerReport;
  let tail: ScorerReport;
  let tailFinite: ScorerReport;

  beforeAll(async () => {
    bank = CooldownBank.load(DEFAULT_COOLDOWN_BANK);
    shipped = await scorerReport(bank, 'cooldown', K, BO_SEEDS, RANDOM_SEEDS);
    tail = await scorerReport(bank, 'tail-mean', K, BO_SEEDS, RANDOM_SEEDS);
    tailFinite = await scorerReport(bank, 'tail-mean', K, BO_SEEDS, RANDOM_SEEDS, 'finite');
  });

  it('holds the planned records, with every probe of a checkpoint on the same batches and every truth on the same stream', () => {
    const p = bank.produced;
    expect(bank.checkpoints.map((c) => c.step)).toEqual([0, 300, 800, 1500]);
    expect(bank.grid).toEqual(GRID);
    expect([p.probeSteps, p.holdSteps, p.tau, p.cooldownSteps]).toEqual([50, 50 - Math.round(0.4 * 50), 500, 250]);
    expect([p.trainSize, p.validationSize, p.scoreSize, p.batchSize, p.trajectoryLr]).toEqual([20000, 2000, 1024, 32, 0.03]);
    expect(p.machine.cores).toBeGreaterThan(0);
    for (let c = 0; c < bank.numCheckpoints; c++) {
      expect(Number.isFinite(bank.checkpoints[c]!.baseScore)).toBe(true);
      const first = bank.curve(c, 0);
      for (let i = 0; i < GRID.length; i++) {
        const curve = bank.curve(c, i);
        // The loss of the first step is measured before any update: it depends on the batch, not the LR.
        expect(curve.probeLosses[0]).toBe(first.probeLosses[0]);
        expect(curve.truthLosses[0]).toBe(first.truthLosses[0]);
        expect(curve.truthLosses).toHaveLength(750);
      }
    }
  });

  // Pins: the figures measured on the committed bank with these seeds (bench/README.md, section 6).
  it('the shipped scorer ranks the grid as measured: Spearman and top-1 hits', () => {
    expect(shipped.grid).toHaveLength(4);
    expect(shipped.meanSpearman).toBeGreaterThan(0.9385 - 0.005);
    expect(shipped.meanSpearman).toBeLessThan(0.9385 + 0.005);
    expect(shipped.top1Hits).toBe(1);
  });

  it('the shipped search (k = 5) and random search choose LRs with the regret measured: BO 0.84x random', () => {
    expect(K).toBe(5);
    expect(shipped.bo.meanRegret).toBeGreaterThan(0.008512 * 0.98);
    expect(shipped.bo.meanRegret).toBeLessThan(0.008512 * 1.02);
    expect(shipped.random.meanRegret).toBeGreaterThan(0.010181 * 0.98);
    expect(shipped.random.meanRegret).toBeLessThan(0.010181 * 1.02);
  });

  it("at the first search (checkpoint 0, the shipped strategy's only one) the shipped search's regret is 0.91x random search's", () => {
    // With tolerance 0 the best probe's LR is taken, and from a fresh model the best probe
    // (0.0316) is above the best LR over 750 steps (0.0178): bench/README.md, section 6.
    const bo = shipped.bo.perCheckpoint[0]!;
    const random = shipped.random.perCheckpoint[0]!;
    expect(bo).toBeGreaterThan(0.017445 * 0.98);
    expect(bo).toBeLessThan(0.017445 * 1.02);
    expect(random).toBeGreaterThan(0.019219 * 0.98);
    expect(random).toBeLessThan(0.019219 * 1.02);
    expect(bo / random).toBeGreaterThan(0.87);
    expect(bo / random).toBeLessThan(0.95);
  });

  it("the shipped scorer's chosen LR has a lower regret than the tail-mean scorer's, judged against the base or on finiteness alone", () => {
    expect(shipped.bo.meanRegret).toBeLessThan(tail.bo.meanRegret);
    expect(shipped.bo.meanRegret).toBeLessThan(tailFinite.bo.meanRegret);
    expect(shipped.meanGridRegret).toBeLessThan(tailFinite.meanGridRegret);
  });
});
