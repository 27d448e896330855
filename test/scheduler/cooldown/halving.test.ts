import { describe, expect, it } from 'vitest';
import { CooldownController, type CooldownEvent, type ProbeRun } from '../../../src/scheduler/cooldown/controller.js';
import type { LrSearch } from '../../../src/scheduler/search.js';

// Probes of 20 steps (12 at the LR, then 8 decaying); a first rung of 8 steps (5 at the LR, then
// 3 decaying); the 2 best of 6 continue. One search: 6·8 + 2·(20 − 5) = 78 probe steps, then
// training up to the final cooldown at 650.
const opts = { minLr: 1e-3, maxLr: 1, totalSteps: 1000, k: 6, probeSteps: 20, survivors: 2, rungSteps: 8, stages: 1, cooldownFraction: 0.35, trainFrom: 'probe', warmupFraction: 0 } as const;
const LRS = [0.01, 0.1, 0.3, 0.05, 0.002, 0.02];

/** A search that proposes `lrs` in order and records what it was told. */
function scripted(lrs: number[]): { factory: () => LrSearch; told: Array<[number, number]> } {
  const told: Array<[number, number]> = [];
  return {
    told,
    factory: () => {
      const queue = [...lrs];
      return { ask: () => queue.shift()!, tell: (lr, y) => void told.push([lr, y]), stateDict: () => ({}), loadStateDict: () => {} };
    },
  };
}

interface Seen {
  run: ProbeRun;
  lrs: number[];
  verdict: { best: boolean; keep: number[] };
}

/** Runs a whole search (base score 2) with the first rung's and the continuations' scores given by LR. */
function halvedSearch(c: CooldownController, first: Record<number, number>, continued: Record<number, number>) {
  c.beginSearch();
  c.tellBaseScore(2);
  const seen: Seen[] = [];
  for (let run = c.nextTrial(); run !== null; run = c.nextTrial()) {
    const lrs: number[] = [];
    for (let i = run.firstStep; i < run.endStep; i++) lrs.push(c.probeLr(i));
    const score = run.rung === 1 ? first[run.lr]! : continued[run.lr]!;
    seen.push({ run, lrs, verdict: c.tellScore(score) });
  }
  return { seen, ...c.endSearch() };
}

const FIRST = { 0.01: 1.0, 0.1: 0.8, 0.3: 2.5, 0.05: 0.7, 0.002: 1.5, 0.02: 0.9 };

/**
 * The first rung's verdicts with FIRST's scores: the snapshots to hold are the two best usable
 * probes so far (0.3 made no progress); the first rung never names a best state to train on.
 */
const FIRST_RUNG_VERDICTS = [
  { best: false, keep: [0] },
  { best: false, keep: [1, 0] },
  { best: false, keep: [1, 0] },
  { best: false, keep: [3, 1] },
  { best: false, keep: [3, 1] },
  { best: false, keep: [3, 1] },
];

describe('CooldownController with successive halving (survivors > 0)', () => {
  it('runs every probe for the first rung, then continues the best two to the whole probe and chooses among them', () => {
    const s = scripted(LRS);
    const c = new CooldownController({ ...opts, search: s.factory });
    const events: CooldownEvent[] = [];
    c.on((e) => events.push(e));
    expect(c.plan).toMatchObject({ survivors: [2], rungSteps: 8, rungHoldSteps: 5, searchSteps: [78], stageStarts: [0], stageEnds: [650] });
    c.start();
    // 0.05 leads the first rung, 0.1 is second; after the whole probe 0.1 is ahead.
    const r = halvedSearch(c, FIRST, { 0.05: 0.6, 0.1: 0.5 });
    expect(r.seen.map((x) => [x.run.rung, x.run.trial, x.run.lr, x.run.firstStep, x.run.endStep, x.run.holdStep, x.run.snapshot])).toEqual([
      [1, 0, 0.01, 0, 8, 5, true],
      [1, 1, 0.1, 0, 8, 5, true],
      [1, 2, 0.3, 0, 8, 5, true],
      [1, 3, 0.05, 0, 8, 5, true],
      [1, 4, 0.002, 0, 8, 5, true],
      [1, 5, 0.02, 0, 8, 5, true],
      [2, 3, 0.05, 5, 20, 12, true],
      [2, 1, 0.1, 5, 20, 12, true],
    ]);
    // The first rung's verdicts, then the continuations still to run.
    expect(r.seen.map((x) => x.verdict)).toEqual([...FIRST_RUNG_VERDICTS, { best: true, keep: [1] }, { best: true, keep: [] }]);
    expect(r.lr).toBe(0.1);
    expect(r.kept).toBe('probe');
    // First rung at 0.01: 5 steps at the LR, then 3 decay steps, lr·(8 − i)/4.
    expect(r.seen[0]!.lrs).toEqual([0.01, 0.01, 0.01, 0.01, 0.01, 0.0075, 0.005, 0.0025]);
    // Continuation of 0.05: steps 5 to 11 at the LR, then steps 12 to 19 of the whole probe's decay, lr·(20 − i)/9.
    const cont = r.seen[6]!.lrs;
    expect(cont).toHaveLength(15);
    expect(cont.slice(0, 7)).toEqual(Array(7).fill(0.05));
    expect(cont[7]).toBeCloseTo((0.05 * 8) / 9, 15);
    expect(cont[14]).toBeCloseTo(0.05 / 9, 15);
    // The search is told the first rung's values only, the no-progress probe capped at 2·base.
    expect(s.told).toEqual([
      [0.01, 1.0],
      [0.1, 0.8],
      [0.3, 2.5],
      [0.05, 0.7],
      [0.002, 1.5],
      [0.02, 0.9],
    ]);
    // Every step counted: 6·8 + 2·15 = 78; training then runs to the cooldown at 650.
    expect(c.globalStep).toBe(78);
    expect(c.lr).toBe(0.1);
    const h = c.history[0]!;
    expect(h.halving).toEqual({ survivors: 2, rungSteps: 8, rungHoldSteps: 5 });
    expect(h.trials.map((t) => t.continued?.score)).toEqual([undefined, 0.5, undefined, 0.6, undefined, undefined]);
    expect(h.trials[2]!.note).toBe('no-progress');
    const ends = events.filter((e) => e.type === 'trialEnd');
    expect(ends.map((e) => [e.step, e.rung, e.probeSteps, e.holdSteps, e.firstStep, e.lr, e.score])).toEqual([
      [8, 1, 8, 5, 0, 0.01, 1.0],
      [16, 1, 8, 5, 0, 0.1, 0.8],
      [24, 1, 8, 5, 0, 0.3, 2.5],
      [32, 1, 8, 5, 0, 0.05, 0.7],
      [40, 1, 8, 5, 0, 0.002, 1.5],
      [48, 1, 8, 5, 0, 0.02, 0.9],
      [63, 2, 20, 12, 5, 0.05, 0.6],
      [78, 2, 20, 12, 5, 0.1, 0.5],
    ]);
    expect(events[0]).toMatchObject({ type: 'searchBegin', trials: 6, probeSteps: 20, survivors: 2, rungSteps: 8 });
    expect(events.find((e) => e.type === 'trainBegin')).toMatchObject({ step: 78, lr: 0.1, steps: 650 - 78, kept: 'probe' });
  });

  it('applies the tolerance to the continued probes by their scores after the whole probe', () => {
    const c = new CooldownController({ ...opts, tolerance: 0.3, search: scripted(LRS).factory });
    c.start();
    // 0.1 is best (0.5); 0.05 is within 30 % of it (0.6 <= 0.65), and smaller: chosen, from the checkpoint.
    const r = halvedSearch(c, FIRST, { 0.05: 0.6, 0.1: 0.5 });
    expect(r.lr).toBe(0.05);
    expect(r.kept).toBe('checkpoint');
  });

  it('continues only the usable first-rung probes, and falls back as an unhalved search does when none is usable', () => {
    const one = new CooldownController({ ...opts, search: scripted(LRS).factory });
    one.start();
    const r1 = halvedSearch(one, { 0.01: 3, 0.1: 3, 0.3: NaN, 0.05: 1.2, 0.002: 2, 0.02: 4 }, { 0.05: 1.1 });
    expect(r1.seen.filter((x) => x.run.rung === 2).map((x) => x.run.lr)).toEqual([0.05]);
    expect(r1).toMatchObject({ lr: 0.05, kept: 'probe' });
    expect(one.globalStep).toBe(48 + 15);

    const none = new CooldownController({ ...opts, search: scripted(LRS).factory });
    none.start();
    const r0 = halvedSearch(none, { 0.01: 3, 0.1: 3, 0.3: 3, 0.05: 3, 0.002: 3, 0.02: 3 }, {});
    expect(r0.seen).toHaveLength(6);
    // Half the smallest LR tried (0.002), from the checkpoint; 48 steps taken, training from there.
    expect(r0).toMatchObject({ lr: 0.001, kept: 'checkpoint' });
    expect(none.globalStep).toBe(48);
    expect(none.history[0]!.note).toMatch(/no probe of stage 1 improved/);

    // Both continuations end no better than the model the search started from.
    const lost = new CooldownController({ ...opts, search: scripted(LRS).factory });
    lost.start();
    const rl = halvedSearch(lost, FIRST, { 0.05: 2.5, 0.1: Infinity });
    expect(rl.seen.slice(6).map((x) => x.verdict.best)).toEqual([false, false]);
    expect(rl).toMatchObject({ lr: 0.001, kept: 'checkpoint' });
    expect(lost.history[0]!.trials[1]!.continued).toMatchObject({ note: 'not-finite', told: 4 });
  });

  it('refuses to end a halved search before its continuations ran', () => {
    const c = new CooldownController({ ...opts, search: scripted(LRS).factory });
    c.start();
    c.beginSearch();
    c.tellBaseScore(2);
    for (let i = 0; i < 6; i++) {
      c.nextTrial();
      c.tellScore(1 - i / 10);
    }
    expect(() => c.endSearch()).toThrow(/before the first rung's best probes were continued/);
    c.nextTrial();
    c.tellScore(0.3);
    expect(() => c.endSearch()).toThrow(/before the first rung's best probes were continued/);
    expect(c.nextTrial()).toMatchObject({ rung: 2 });
    c.tellScore(0.2);
    expect(c.nextTrial()).toBeNull();
    expect(c.endSearch()).toEqual({ lr: LRS[4], kept: 'probe' });
  });

  it("with trainFrom 'checkpoint', asks for the first rung's snapshots only in the first search, and keeps no best", () => {
    const c = new CooldownController({ ...opts, trainFrom: 'checkpoint', search: scripted(LRS).factory });
    c.start();
    const r = halvedSearch(c, FIRST, { 0.05: 0.6, 0.1: 0.5 });
    // The first rung's snapshots are still needed: the continuations start from them.
    expect(r.seen.map((x) => [x.run.rung, x.run.snapshot])).toEqual([...Array(6).fill([1, true]), [2, false], [2, false]]);
    expect(r.seen.map((x) => x.verdict)).toEqual([...FIRST_RUNG_VERDICTS, { best: false, keep: [1] }, { best: false, keep: [] }]);
    expect([r.lr, r.kept]).toEqual([0.1, 'checkpoint']);
  });

  it('does not halve a search of no more probes than survivors', () => {
    const c = new CooldownController({ ...opts, survivors: 6, search: scripted(LRS).factory });
    expect(c.plan.survivors).toEqual([0]);
    expect(c.plan.searchSteps).toEqual([120]);
    c.start();
    const plan = c.beginSearch();
    expect(plan).toMatchObject({ trials: 6, survivors: 0, steps: 120 });
    c.tellBaseScore(2);
    expect(c.nextTrial()).toMatchObject({ rung: 1, firstStep: 0, endStep: 20, holdStep: 12 });
    expect(c.history[0]!.halving).toBeUndefined();
  });

  it('halves the later stages whose searches have more probes than survivors, and warms up from the end of the halved search', () => {
    const c = new CooldownController({ ...opts, stages: 2, laterK: 3, warmupFraction: 0.1, search: scripted(LRS).factory });
    // Stage 1: 78 steps; stage 2: 3·8 + 2·15 = 54 steps.
    expect(c.plan.searchSteps).toEqual([78, 54]);
    expect(c.plan.survivors).toEqual([2, 2]);
    c.start();
    halvedSearch(c, FIRST, { 0.05: 0.6, 0.1: 0.5 });
    // Warmup over 100 steps from step 78: the first training step at a hundredth of the LR.
    expect(c.lr).toBeCloseTo(0.1 / 100, 15);
  });

  it('continues identically after a stateDict round trip through JSON once a halved search has ended', () => {
    const a = new CooldownController({ ...opts, search: scripted(LRS).factory });
    a.start();
    halvedSearch(a, FIRST, { 0.05: 0.6, 0.1: 0.5 });
    for (let i = 0; i < 100; i++) a.step();
    const b = new CooldownController({ ...opts, search: scripted(LRS).factory });
    b.loadStateDict(JSON.parse(JSON.stringify(a.stateDict())));
    expect(b.history).toEqual(a.history);
    const rest = (c: CooldownController) => {
      const lrs: number[] = [];
      while (!c.done) {
        lrs.push(c.lr!);
        c.step();
      }
      return lrs;
    };
    expect(rest(b)).toEqual(rest(a));
  });
});
