import { describe, expect, it } from 'vitest';
import { cooldownLr, planStages, probeLr, warmupLr } from '../../../src/scheduler/cooldown/plan.js';

const base = { totalSteps: 1000, startStep: 0, stages: 3, cooldownFraction: 0.35, probeSteps: 20, probeCooldown: 0.4, trials: 6, laterTrials: 3 };

describe('planStages', () => {
  it('puts the searches first in each stage and splits the training steps L, 2L, 4L before the final cooldown', () => {
    // C = 650; probes 6·20 + 3·20 + 3·20 = 240; training 410 = 58.57 + 117.14 + 234.29.
    // Stage 2 begins after 120 probe steps and round(58.57) = 59 training steps: 179;
    // stage 3 after 180 probe steps and round(175.71) = 176: 356.
    const p = planStages(base);
    expect(p.cooldownStart).toBe(650);
    expect(p.stageStarts).toEqual([0, 179, 356]);
    expect(p.stageEnds).toEqual([179, 356, 650]);
    expect(p.trials).toEqual([6, 3, 3]);
    expect(p.holdSteps).toBe(12);
    const training = p.stageEnds.map((e, s) => e - p.stageStarts[s]! - p.trials[s]! * 20);
    expect(training).toEqual([59, 117, 234]);
  });

  it('starts after the steps already taken (a range test) and keeps the cooldown at (1 - f)·T', () => {
    const p = planStages({ ...base, startStep: 100 });
    // training = 650 - 100 - 240 = 310: 44.3, 88.6, 177.1.
    expect(p.stageStarts).toEqual([100, 100 + 120 + 44, 100 + 180 + 133]);
    expect(p.stageEnds[2]).toBe(650);
  });

  it('with one stage and no final cooldown, the stage runs to the end of the budget', () => {
    const p = planStages({ ...base, stages: 1, cooldownFraction: 0 });
    expect(p.cooldownStart).toBe(1000);
    expect(p.stageStarts).toEqual([0]);
    expect(p.stageEnds).toEqual([1000]);
  });

  it('with successive halving, counts k first-rung probes and m continuations per search', () => {
    // First rung: 8 steps, h1 = 8 − round(3.2) = 5. Stage 1: 6·8 + 2·(20 − 5) = 78; stages 2, 3: 3·8 + 2·15 = 54.
    // Training 650 − 186 = 464 = 66.29 + 132.57 + 265.14: stage 2 at 78 + 66 = 144, stage 3 at 132 + 199 = 331.
    const p = planStages({ ...base, survivors: 2, rungSteps: 8 });
    expect(p).toMatchObject({ survivors: [2, 2, 2], rungSteps: 8, rungHoldSteps: 5, holdSteps: 12, searchSteps: [78, 54, 54] });
    expect(p.stageStarts).toEqual([0, 144, 331]);
    expect(p.stageEnds).toEqual([144, 331, 650]);
    // A search of no more probes than survivors is not halved.
    expect(planStages({ ...base, laterTrials: 2, survivors: 2, rungSteps: 8 })).toMatchObject({ survivors: [2, 0, 0], searchSteps: [78, 40, 40] });
    // No search has more probes than survivors: nothing is halved, and the first rung, unused, is not checked.
    expect(planStages({ ...base, trials: 2, laterTrials: 2, survivors: 2, rungSteps: 1, probeCooldown: 0.6 })).toMatchObject({
      survivors: [0, 0, 0],
      rungSteps: 20,
      searchSteps: [40, 40, 40],
    });
    // Unhalved: the rung is the whole probe.
    expect(planStages(base)).toMatchObject({ survivors: [0, 0, 0], rungSteps: 20, rungHoldSteps: 12, searchSteps: [120, 60, 60] });
    expect(() => planStages({ ...base, survivors: 2, rungSteps: 20 })).toThrow(/`rungSteps` to be smaller than `probeSteps` \(20\), got 20/);
    expect(() => planStages({ ...base, survivors: 2, rungSteps: 1, probeCooldown: 0.6 })).toThrow(/at least one step of a 1-step first-rung probe/);
    expect(() => planStages({ ...base, totalSteps: 250, survivors: 2, rungSteps: 8 })).toThrow(
      /186 probe steps: 78 \+ 54 \+ 54 in searches of 6, 3, 3 probes of 8 steps, the best 2 continued to 20\).*got 163 steps/,
    );
  });

  it('refuses a budget that cannot hold the searches', () => {
    expect(() => planStages({ ...base, totalSteps: 300 })).toThrow(RangeError);
    expect(() => planStages({ ...base, totalSteps: 300 })).toThrow(/240 probe steps: 6 \+ 3 \+ 3 probes of 20 steps.*got 195 steps/);
    expect(() => planStages({ ...base, probeSteps: 2, probeCooldown: 0.9 })).toThrow(/at least one step of a 2-step probe/);
  });
});

describe('probeLr and cooldownLr', () => {
  it('holds the probe LR for h steps, then falls linearly towards 0, every decay step below the LR', () => {
    // 8 decay steps: 8/9, 7/9, ..., 1/9 of the LR.
    const lrs = Array.from({ length: 20 }, (_, i) => probeLr(1, i, 20, 12));
    expect(lrs.slice(0, 12)).toEqual(Array(12).fill(1));
    lrs.slice(12).forEach((lr, j) => expect(lr).toBeCloseTo((8 - j) / 9, 15));
    expect(probeLr(0.3, 2, 3, 2)).toBeCloseTo(0.15, 15);
  });

  it('decays the last LR linearly from the cooldown start to 0 at the end of the budget', () => {
    expect(cooldownLr(0.2, 600, 650, 1000)).toBe(0.2);
    expect(cooldownLr(0.2, 650, 650, 1000)).toBeCloseTo(0.2, 15);
    expect(cooldownLr(0.2, 825, 650, 1000)).toBeCloseTo(0.1, 15);
    expect(cooldownLr(0.2, 999, 650, 1000)).toBeCloseTo(0.2 / 350, 15);
    expect(cooldownLr(0.2, 1000, 650, 1000)).toBe(0);
  });

  it("decays along a half cosine with shape 'cosine': the LR at the start, half of it midway, 0 at the end", () => {
    expect(cooldownLr(0.2, 600, 650, 1000, 'cosine')).toBe(0.2);
    expect(cooldownLr(0.2, 650, 650, 1000, 'cosine')).toBeCloseTo(0.2, 15);
    // A quarter of the way: (1 + cos(π/4))/2 = 0.853553...
    expect(cooldownLr(0.2, 737.5, 650, 1000, 'cosine')).toBeCloseTo(0.2 * 0.8535533905932737, 15);
    expect(cooldownLr(0.2, 825, 650, 1000, 'cosine')).toBeCloseTo(0.1, 15);
    // Last step: (1 + cos(349π/350))/2 = sin²(π/700) ≈ 2.0142e-5.
    expect(cooldownLr(0.2, 999, 650, 1000, 'cosine')).toBeCloseTo(0.2 * Math.sin(Math.PI / 700) ** 2, 15);
    expect(cooldownLr(0.2, 999, 650, 1000, 'cosine')).toBeGreaterThan(0);
    expect(cooldownLr(0.2, 1000, 650, 1000, 'cosine')).toBe(0);
    // Above the linear decay before midway, below it after.
    expect(cooldownLr(0.2, 700, 650, 1000, 'cosine')).toBeGreaterThan(cooldownLr(0.2, 700, 650, 1000));
    expect(cooldownLr(0.2, 950, 650, 1000, 'cosine')).toBeLessThan(cooldownLr(0.2, 950, 650, 1000));
  });
});

describe('warmupLr', () => {
  it('rises linearly over the warmup steps, lr·(i + 1)/W, then holds the LR', () => {
    expect(warmupLr(0.2, 100, 100, 4)).toBeCloseTo(0.05, 15);
    expect(warmupLr(0.2, 103, 100, 4)).toBeCloseTo(0.2, 15);
    expect(warmupLr(0.2, 104, 100, 4)).toBe(0.2);
    expect(warmupLr(0.2, 99, 100, 4)).toBe(0.2);
    expect(warmupLr(0.2, 100, 100, 0)).toBe(0.2);
  });
});
