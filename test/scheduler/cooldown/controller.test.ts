import { describe, expect, it } from 'vitest';
import { CooldownController, NonFiniteLossError, type CooldownEvent } from '../../../src/scheduler/cooldown/controller.js';
import type { LrSearch } from '../../../src/scheduler/search.js';
import { judgeProbe, penaltyFor } from '../../../src/scheduler/cooldown/judge.js';

// The hand-computed plans below assume 6 probes in the first search, searches that are not
// halved (survivors 0; halving has its own tests in halving.test.ts) and a final cooldown over
// the last 35 % (650 of 1000 steps before it).
const opts = { minLr: 1e-3, maxLr: 1, totalSteps: 1000, k: 6, probeSteps: 20, survivors: 0, stages: 3, cooldownFraction: 0.35, seed: 3, trainFrom: 'probe', warmupFraction: 0 } as const;

/** A search that proposes fixed LRs in order (records what it was told). */
function scripted(lrs: number[][]): { factory: (c: { stage: number; minLr: number; maxLr: number }) => LrSearch; told: Array<[number, number]>; ranges: Array<[number, number]> } {
  const told: Array<[number, number]> = [];
  const ranges: Array<[number, number]> = [];
  return {
    told,
    ranges,
    factory: ({ stage, minLr, maxLr }) => {
      ranges.push([minLr, maxLr]);
      const queue = [...lrs[stage - 1]!];
      return { ask: () => queue.shift()!, tell: (lr, y) => void told.push([lr, y]), stateDict: () => ({}), loadStateDict: () => {} };
    },
  };
}

/** Runs a whole search answering scores from `scoreOf`; returns endSearch's result. */
function search(c: CooldownController, base: number, scoreOf: (lr: number) => number) {
  c.beginSearch();
  c.tellBaseScore(base);
  const bests: boolean[] = [];
  for (let t = c.nextTrial(); t !== null; t = c.nextTrial()) bests.push(c.tellScore(scoreOf(t.lr)).best);
  return { ...c.endSearch(), bests };
}

/** A whole search whose base score is 2 (every probe below it counts as progress). */
function search1(c: CooldownController, scoreOf: (lr: number) => number) {
  return search(c, 2, scoreOf);
}

/** Trains to the end of the budget (no search left), returning the LR of every step. */
function trainToEnd(c: CooldownController): number[] {
  const lrs: number[] = [];
  while (!c.done) {
    lrs.push(c.lr!);
    c.step();
  }
  return lrs;
}

describe('CooldownController', () => {
  it('runs the planned stages: searches at the planned steps, training at the chosen LR, then the final cooldown to 0', () => {
    const s = scripted([[0.01, 0.1, 0.3, 0.05, 0.002, 0.02], [0.04, 0.06, 0.02], [0.03, 0.01, 0.02]]);
    const c = new CooldownController({ ...opts, search: s.factory });
    const events: CooldownEvent[] = [];
    c.on((e) => events.push(e));
    c.start();
    expect(c.searchDue).toBe(true);
    // Scores lowest near 0.045: 0.05 wins stage 1, 0.04 stage 2, 0.03 stage 3.
    const score = (lr: number) => (Math.log10(lr) - Math.log10(0.045)) ** 2 + 0.5;
    const r1 = search(c, 2.3, score);
    expect(r1).toEqual({ lr: 0.05, kept: 'probe', bests: [true, true, false, true, false, false] });
    expect(c.globalStep).toBe(120);
    expect(c.lr).toBe(0.05);
    // Later stages search [lr/4, 2·lr] around the LR in use.
    expect(s.ranges[0]).toEqual([1e-3, 1]);
    let steps = 0;
    while (!c.searchDue) {
      c.step();
      steps++;
    }
    expect(c.globalStep).toBe(179);
    expect(steps).toBe(59);
    c.beginSearch();
    expect(s.ranges[1]![0]).toBeCloseTo(0.0125, 15);
    expect(s.ranges[1]![1]).toBeCloseTo(0.1, 15);
    c.tellBaseScore(1);
    for (let t = c.nextTrial(); t !== null; t = c.nextTrial()) c.tellScore(score(t.lr));
    expect(c.endSearch()).toEqual({ lr: 0.04, kept: 'probe' });
    while (!c.searchDue) c.step();
    expect(c.globalStep).toBe(356);
    expect(search(c, 0.9, score).lr).toBe(0.03);
    while (c.phase === 'train') c.step();
    expect(c.globalStep).toBe(650);
    expect(c.phase).toBe('cooldown');
    const lrs = trainToEnd(c);
    expect(lrs).toHaveLength(350);
    expect(lrs[0]).toBeCloseTo(0.03, 15);
    expect(lrs[175]).toBeCloseTo(0.015, 15);
    expect(lrs[349]).toBeCloseTo(0.03 / 350, 15);
    expect(c.globalStep).toBe(1000);
    expect(events.map((e) => e.type).filter((t) => t !== 'trialEnd')).toEqual([
      'searchBegin', 'trainBegin', 'searchBegin', 'trainBegin', 'searchBegin', 'trainBegin', 'cooldownBegin', 'budgetEnd',
    ]);
    const stage1 = c.history[0]!;
    expect(stage1).toMatchObject({ stage: 1, startStep: 0, endStep: 179, baseScore: 2.3, chosenLr: 0.05, kept: 'probe', probeSteps: 20, holdSteps: 12 });
    expect(stage1.trials.map((t) => t.lr)).toEqual([0.01, 0.1, 0.3, 0.05, 0.002, 0.02]);
  });

  it('warms up linearly to the LR chosen after the first search when warmupFraction is set', () => {
    const c = new CooldownController({ ...opts, stages: 1, tolerance: 0, warmupFraction: 0.05, search: scripted([[0.1, 0.2, 0.3, 0.4, 0.5, 0.6]]).factory });
    c.start();
    search(c, 2, (lr) => Math.abs(lr - 0.2));
    // 6 probes of 20 steps end at step 120; the warmup takes round(0.05 · 1000) = 50 steps.
    expect(c.globalStep).toBe(120);
    const lrs: number[] = [];
    for (let i = 0; i < 52; i++) {
      lrs.push(c.lr!);
      c.step();
    }
    expect(lrs[0]).toBeCloseTo(0.2 / 50, 15);
    expect(lrs[24]).toBeCloseTo(0.2 * 25 / 50, 15);
    expect(lrs[49]).toBeCloseTo(0.2, 15);
    expect(lrs[50]).toBe(0.2);
  });

  it("starts training after the first search from the checkpoint with trainFrom 'checkpoint'; later searches keep their best probe", () => {
    const score = (lr: number) => (Math.log10(lr) - Math.log10(0.045)) ** 2 + 0.5;
    const lrs = [[0.01, 0.1, 0.3, 0.05, 0.002, 0.02], [0.04, 0.06, 0.02], [0.03, 0.01, 0.02]];
    const events: CooldownEvent[] = [];
    const c = new CooldownController({ ...opts, trainFrom: 'checkpoint', search: scripted(lrs).factory });
    c.on((e) => events.push(e));
    c.start();
    // The same LR as the default (the probes are the same); training starts from the checkpoint,
    // so the driver is asked for no probe snapshot and told to keep none.
    c.beginSearch();
    c.tellBaseScore(2.3);
    const runs: Array<{ snapshot: boolean; best: boolean }> = [];
    for (let t = c.nextTrial(); t !== null; t = c.nextTrial()) runs.push({ snapshot: t.snapshot, best: c.tellScore(score(t.lr)).best });
    expect(runs).toEqual(Array.from({ length: 6 }, () => ({ snapshot: false, best: false })));
    expect(c.endSearch()).toEqual({ lr: 0.05, kept: 'checkpoint' });
    expect(events.find((e) => e.type === 'trainBegin')).toMatchObject({ step: 120, stage: 1, lr: 0.05, kept: 'checkpoint' });
    expect(c.history[0]!.kept).toBe('checkpoint');
    while (!c.searchDue) c.step();
    expect(c.globalStep).toBe(179);
    // The second search snapshots its probes and keeps its best: 0.04 (the first probe), then none lower.
    expect(search(c, 1, score)).toEqual({ lr: 0.04, kept: 'probe', bests: [true, false, false] });
    while (!c.searchDue) c.step();
    expect(search(c, 0.9, score)).toMatchObject({ lr: 0.03, kept: 'probe' });
    // The default keeps the first search's best probe.
    const d = new CooldownController({ ...opts, search: scripted(lrs).factory });
    d.start();
    d.beginSearch();
    d.tellBaseScore(2.3);
    const snapshots: boolean[] = [];
    const bests: boolean[] = [];
    for (let t = d.nextTrial(); t !== null; t = d.nextTrial()) {
      snapshots.push(t.snapshot);
      bests.push(d.tellScore(score(t.lr)).best);
    }
    expect(snapshots).toEqual([true, true, true, true, true, true]);
    expect(bests).toEqual([true, true, false, true, false, false]);
    expect(d.endSearch().kept).toBe('probe');
  });

  it("decays the LR chosen along a half cosine in the final cooldown when cooldownShape is 'cosine'", () => {
    const c = new CooldownController({ ...opts, stages: 1, cooldownShape: 'cosine', search: scripted([[0.1, 0.2, 0.3, 0.4, 0.5, 0.6]]).factory });
    c.start();
    search(c, 2, (lr) => Math.abs(lr - 0.2));
    while (c.phase === 'train') c.step();
    // The cooldown takes the last 350 of the 1000 steps.
    expect(c.globalStep).toBe(650);
    const lrs = trainToEnd(c);
    expect(lrs).toHaveLength(350);
    expect(lrs[0]).toBeCloseTo(0.2, 15);
    // A fifth of the way (step 70 of 350): 0.1·(1 + cos(π/5)) ≈ 0.181, above the linear decay's 0.16.
    expect(lrs[70]).toBeCloseTo(0.1 * (1 + Math.cos(Math.PI / 5)), 15);
    expect(lrs[175]).toBeCloseTo(0.1, 15);
    expect(lrs[349]).toBeCloseTo(0.2 * Math.sin(Math.PI / 700) ** 2, 15);
  });

  it('judges a probe that ends no better than its start, or not finite, as unusable and tells the search a capped value', () => {
    const s = scripted([[0.5, 0.1, 0.01, 0.02, 0.03, 0.04]]);
    const c = new CooldownController({ ...opts, stages: 1, search: s.factory });
    c.start();
    const scores: Record<number, number> = { 0.5: NaN, 0.1: 9, 0.01: 1.5, 0.02: 1.2, 0.03: 2.1, 0.04: 1.3 };
    const r = search(c, 2, (lr) => scores[lr]!);
    expect(r.lr).toBe(0.02);
    expect(s.told).toEqual([[0.5, 4], [0.1, 4], [0.01, 1.5], [0.02, 1.2], [0.03, 2], [0.04, 1.3]].map(([lr, y]) => [lr, y === 2 ? 2.1 : y]));
    const notes = c.history[0]!.trials.map((t) => t.note ?? null);
    expect(notes).toEqual(['not-finite', 'no-progress', null, null, 'no-progress', null]);
  });

  it('works for losses of any sign', () => {
    expect(judgeProbe(-6, -5)).toEqual({ told: -6 });
    expect(judgeProbe(-4, -5)).toEqual({ told: -4, note: 'no-progress' });
    expect(judgeProbe(3, -5)).toEqual({ told: 0, note: 'no-progress' });
    expect(judgeProbe(NaN, -5)).toEqual({ told: 0, note: 'not-finite' });
    expect(penaltyFor(0)).toBe(1);
    expect(penaltyFor(2)).toBe(4);
    const s = scripted([[0.01, 0.1, 0.05, 0.02, 0.03, 0.04]]);
    const c = new CooldownController({ ...opts, stages: 1, tolerance: 0, search: s.factory });
    c.start();
    // A log-likelihood-like loss below zero: the most negative score wins.
    const r = search(c, -3, (lr) => -3 - 10 * lr + (lr > 0.06 ? 5 : 0));
    expect(r).toMatchObject({ lr: 0.05, kept: 'probe' });
  });

  it('takes the smallest LR within the tolerance of the best score, read off the search model between probes', () => {
    // Scores of a parabola in log10(lr) with its minimum 0.5 at 0.03; the search model is that parabola.
    const f = (lr: number) => 0.5 + (Math.log10(lr) - Math.log10(0.03)) ** 2;
    const lrs = [0.001, 0.01, 0.03, 0.1, 0.3, 0.003];
    const search = scripted([lrs]);
    const factory = (ctx: { stage: number; minLr: number; maxLr: number }) => ({ ...search.factory(ctx), predict: (xs: readonly number[]) => ({ mean: xs.map(f) }) });
    const c = new CooldownController({ ...opts, stages: 1, tolerance: 0.1, search: factory });
    c.start();
    const r = search1(c, f);
    // 0.5 + d² <= 0.55 for d = log10(lr / 0.03) >= -sqrt(0.05): lr = 0.03 · 10^-0.2236 = 0.01791.
    expect(r.lr / (0.03 * 10 ** -Math.sqrt(0.05))).toBeCloseTo(1, 2);
    expect(r.lr).toBeGreaterThanOrEqual(0.03 * 10 ** -Math.sqrt(0.05));
    // Not a probed LR: training goes on from the checkpoint.
    expect(r.kept).toBe('checkpoint');
    // Without a model, only probed LRs qualify: 0.01 scores 0.7276 > 0.55, so the best, 0.03.
    const plain = new CooldownController({ ...opts, stages: 1, tolerance: 0.1, search: scripted([lrs]).factory });
    plain.start();
    expect(search1(plain, f)).toMatchObject({ lr: 0.03, kept: 'probe' });
  });

  it('multiplies the LR chosen by `shrink`, never below minLr, and still trains on from the best probe', () => {
    const lrs = [0.01, 0.1, 0.05, 0.02, 0.03, 0.002];
    const score = (lr: number) => (Math.log10(lr) - Math.log10(0.05)) ** 2 + 0.5;
    const shrunk = new CooldownController({ ...opts, stages: 1, shrink: 0.7, search: scripted([lrs]).factory });
    shrunk.start();
    const r = search1(shrunk, score);
    // The best probe is 0.05; 0.7 · 0.05 = 0.035, trained from that probe's state.
    expect(r.lr).toBeCloseTo(0.035, 12);
    expect(r.kept).toBe('probe');
    expect(shrunk.history[0]!.chosenLr).toBeCloseTo(0.035, 12);
    expect(shrunk.lr).toBeCloseTo(0.035, 12);
    // The best probe at 0.0012 (above minLr 1e-3); 0.1 · 0.0012 = 1.2e-4 is raised to minLr.
    const low = new CooldownController({ ...opts, stages: 1, shrink: 0.1, search: scripted([[0.0012, 0.1, 0.5, 0.2, 0.3, 0.4]]).factory });
    low.start();
    expect(search1(low, (lr) => lr)).toMatchObject({ lr: 1e-3, kept: 'probe' });
  });

  it('when no probe makes progress, trains from the checkpoint below every LR tried and lowers the upper bound', () => {
    const s = scripted([[0.5, 0.1, 0.2, 0.3, 0.4, 0.6], [0.01, 0.02, 0.03]]);
    const c = new CooldownController({ ...opts, stages: 2, search: s.factory });
    c.start();
    const r = search(c, 2, () => 5);
    expect(r).toEqual({ lr: 0.05, kept: 'checkpoint', bests: [false, false, false, false, false, false] });
    expect(c.maxLr).toBe(0.05);
    expect(c.history[0]!.note).toMatch(/no probe of stage 1 improved/);
  });

  it('refuses a non-finite base score with a NonFiniteLossError that names the stage', () => {
    const c = new CooldownController({ ...opts, search: scripted([[0.1, 0.1, 0.1, 0.1, 0.1, 0.1]]).factory });
    c.start();
    c.beginSearch();
    expect(() => c.tellBaseScore(NaN)).toThrow(NonFiniteLossError);
    expect(() => c.tellBaseScore(Infinity)).toThrow(/before the search of stage 1/);
  });

  it('enforces the call order of a search and of training steps', () => {
    const c = new CooldownController({ ...opts, search: scripted([[0.1, 0.2, 0.3, 0.4, 0.5, 0.6]]).factory });
    expect(() => c.step()).toThrow(/phase 'idle'/);
    c.start();
    expect(() => c.step()).toThrow(/phase 'search-due'/);
    c.beginSearch();
    expect(() => c.nextTrial()).toThrow(/call tellBaseScore\(\) first/);
    c.tellBaseScore(1);
    expect(() => c.tellScore(0.5)).toThrow(/call nextTrial\(\) first/);
    c.nextTrial();
    expect(() => c.endSearch()).toThrow(/call tellScore\(\) first/);
    expect(() => c.stateDict()).toThrow(/during a search/);
    c.tellScore(0.5);
    expect(() => c.endSearch()).toThrow(/after 1 of 6 probes/);
  });

  it('abortSearch rolls back to the search start, so the search runs again', () => {
    const c = new CooldownController({ ...opts, search: scripted([[0.1, 0.2, 0.3, 0.4, 0.5, 0.6], [0.1, 0.2, 0.3, 0.4, 0.5, 0.6]]).factory });
    c.start();
    c.beginSearch();
    c.tellBaseScore(1);
    c.nextTrial();
    c.tellScore(0.5);
    expect(c.globalStep).toBe(20);
    c.abortSearch();
    expect(c.globalStep).toBe(0);
    expect(c.stage).toBe(0);
    expect(c.history).toEqual([]);
    expect(c.searchDue).toBe(true);
  });

  it('continues identically after a stateDict round trip through JSON between two steps', () => {
    const make = () => new CooldownController({ ...opts, acquisition: 'ei' });
    const score = (lr: number) => (Math.log10(lr) + 1.5) ** 2 + 0.3;
    const a = make();
    a.start();
    search(a, 2, score);
    for (let i = 0; i < 30; i++) a.step();
    const b = make();
    b.loadStateDict(JSON.parse(JSON.stringify(a.stateDict())));
    for (const c of [a, b]) {
      while (!c.searchDue) c.step();
      search(c, 1.5, score);
      while (!c.done) {
        if (c.searchDue) search(c, 1, score);
        else c.step();
      }
    }
    expect(b.history).toEqual(a.history);
    expect(b.globalStep).toBe(1000);
  });
});
