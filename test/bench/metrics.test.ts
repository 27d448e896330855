import { describe, expect, it } from 'vitest';

import { logGrid, scaledAutoLRS, summarize, type HeadToHeadConfig, type RunRecord } from '../../bench/lib/head-to-head.js';
import { meanCurve, meanSd, speedup, stepsToTarget, targetAccuracy, type CurvePoint } from '../../bench/lib/metrics.js';

const curve = (pts: Array<[number, number]>): CurvePoint[] => pts.map(([step, acc]) => ({ step, wallMs: step * 10, acc }));

describe('stepsToTarget', () => {
  it('returns the first point at or above the target', () => {
    const c = curve([
      [100, 70],
      [200, 85],
      [300, 84],
      [400, 90],
    ]);
    expect(stepsToTarget(c, 85)).toEqual({ step: 200, wallMs: 2000 });
    expect(stepsToTarget(c, 86)).toEqual({ step: 400, wallMs: 4000 });
    expect(stepsToTarget(c, 60)).toEqual({ step: 100, wallMs: 1000 });
  });
  it('returns null when the target is never reached', () => {
    expect(stepsToTarget(curve([[100, 70]]), 70.01)).toBeNull();
    expect(stepsToTarget([], 1)).toBeNull();
  });
  it('rejects steps that do not increase', () => {
    expect(() => stepsToTarget(curve([[100, 1], [100, 2]]), 1)).toThrow(/increasing/);
  });
});

describe('targetAccuracy, speedup, meanSd', () => {
  it('target is the best baseline mean minus 0.1 points', () => {
    expect(targetAccuracy([85.2, 86.4, 80])).toBeCloseTo(86.3, 12);
    expect(() => targetAccuracy([])).toThrow(/at least one/);
  });
  it('speedup is baseline cost over AutoLRS cost, null when either is missing', () => {
    expect(speedup(600, 400)).toBe(1.5);
    expect(speedup(300, 600)).toBe(0.5);
    expect(speedup(null, 400)).toBeNull();
    expect(speedup(600, null)).toBeNull();
    expect(() => speedup(600, 0)).toThrow(/autoCost/);
  });
  it('mean and sample standard deviation', () => {
    const m = meanSd([1, 2, 3, 4]);
    expect(m.mean).toBe(2.5);
    expect(m.sd).toBeCloseTo(Math.sqrt(5 / 3), 12);
    expect(m.n).toBe(4);
    expect(meanSd([7])).toEqual({ mean: 7, sd: 0, n: 1 });
  });
  it('mean curve over the steps every curve has', () => {
    const m = meanCurve([
      curve([
        [10, 50],
        [20, 60],
        [30, 70],
      ]),
      curve([
        [10, 70],
        [30, 90],
      ]),
    ]);
    expect(m.map((p) => [p.step, p.acc])).toEqual([
      [10, 60],
      [30, 80],
    ]);
  });
});

describe('scaledAutoLRS and logGrid', () => {
  it('fits three stages of τ, 2τ, 4τ with their searches in the budget', () => {
    const s = scaledAutoLRS(1400, 0.01, 1);
    expect(s).toEqual({ strategy: 'reference', minLr: 0.01, maxLr: 1, options: { tau: 100, tauPrime: 10, k: 10, tauMax: 400 } });
    const o = s.options as { tau: number; tauPrime: number; k: number };
    const cost = [1, 2, 4].reduce((a, m) => a + m * o.tau + o.k * m * o.tauPrime, 0);
    expect(cost).toBe(1400);
    expect(() => scaledAutoLRS(40, 0.01, 1)).toThrow(/budget/);
  });
  it('log grid ends at both bounds', () => {
    expect(logGrid(0.001, 1, 4)).toEqual([0.001, 0.01, 0.1, 1]);
  });
});

describe('summarize on constructed runs', () => {
  const config: HeadToHeadConfig = {
    model: 'mlp',
    baseWidth: 16,
    data: 'fashion-mnist',
    trainSize: 10,
    validationSize: 10,
    testSize: 10,
    batchSize: 1,
    budget: 400,
    evalEvery: 100,
    seeds: 2,
    grid: [0.1, 1],
    baselines: ['cosine', 'constant'],
    momentum: 0.9,
    autolrs: { strategy: 'reference', minLr: 0.1, maxLr: 1, options: { tau: 10, tauPrime: 3, k: 2, tauMax: 40 } },
  };
  const run = (method: RunRecord['method'], lr: number | null, seed: number, pts: Array<[number, number]>, valAcc = 0): RunRecord => ({
    id: `${method}|${lr === null ? '-' : lr}|${seed}`,
    method,
    lr,
    seed,
    steps: 400,
    finalTestAcc: pts.at(-1)![1],
    finalValAcc: valAcc,
    curve: curve(pts),
    trainMs: 4000,
    evalMs: 0,
    tensorsLeaked: 0,
    ...(method === 'autolrs'
      ? {
          autolrs: {
            stats: { searchSteps: 100 + seed, forecastMs: 5 },
            stages: [
              {
                stage: 1,
                startStep: 0,
                tau: 10,
                tauPrime: 3,
                chosenLr: 0.5,
                trials: [
                  { lr: 0.5, forecast: -1 },
                  { lr: 0.2, forecast: 1, note: 'diverged' },
                ],
              },
              { stage: 2, startStep: 400, tau: 10, tauPrime: 3, chosenLr: null, trials: [] },
            ],
            endState: 'trained',
          },
        }
      : {}),
  });
  const runs: RunRecord[] = [
    // Tuning: cosine is best at lr 1 (val 90), constant at 0.1 (val 80).
    run('cosine', 0.1, 0, [[200, 70], [400, 80]], 70),
    run('cosine', 1, 0, [[200, 80], [400, 90]], 90),
    run('cosine', 1, 1, [[200, 84], [400, 88]], 0),
    run('constant', 0.1, 0, [[200, 60], [400, 80]], 80),
    run('constant', 1, 0, [[200, 50], [400, 60]], 50),
    run('constant', 0.1, 1, [[200, 70], [400, 82]], 0),
    run('autolrs', null, 0, [[100, 85], [200, 89], [400, 91]]),
    run('autolrs', null, 1, [[100, 87], [200, 89], [400, 89]]),
  ];
  const s = summarize(config, runs);

  it('picks the tuned LR on validation accuracy and reports the tuning cost', () => {
    expect(s.complete).toBe(true);
    expect(s.methods.map((m) => [m.method, m.lr])).toEqual([
      ['autolrs', null],
      ['cosine', 1],
      ['constant', 0.1],
    ]);
    expect(s.tuningCost).toMatchObject({ runs: 4, steps: 1600 });
    expect(s.methods[1]!.tuning?.grid.map((g) => g.valAcc)).toEqual([70, 90]);
  });

  it('target, steps to target and speedups', () => {
    // Baseline means: cosine (90 + 88)/2 = 89, constant 81: target 88.9.
    expect(s.target).toBeCloseTo(88.9, 12);
    const by = Object.fromEntries(s.methods.map((m) => [m.method, m]));
    // Mean curves: autolrs 86 @100, 89 @200, 90 @400; cosine 82 @200, 89 @400; constant never.
    expect(by['autolrs']!.toTarget).toEqual({ step: 200, wallMs: 2000 });
    expect(by['cosine']!.toTarget).toEqual({ step: 400, wallMs: 4000 });
    expect(by['constant']!.toTarget).toBeNull();
    expect(by['autolrs']!.toTargetPerSeed).toEqual([{ step: 200, wallMs: 2000 }, { step: 200, wallMs: 2000 }]);
    expect(by['cosine']!.toTargetPerSeed).toEqual([{ step: 400, wallMs: 4000 }, null]);
    expect(s.speedups).toEqual([
      { baseline: 'cosine', baselineReached: true, autolrsReached: true, steps: 2, wallTime: 2 },
      { baseline: 'constant', baselineReached: false, autolrsReached: true, steps: null, wallTime: null },
    ]);
  });

  it('final accuracy mean ± sd and AutoLRS overhead', () => {
    const auto = s.methods[0]!;
    expect(auto.finalTestAcc.mean).toBe(90);
    expect(auto.finalTestAcc.sd).toBeCloseTo(Math.SQRT2, 12);
    expect(s.autolrsOverhead!['searchSteps']).toEqual({ mean: 100.5, sd: Math.SQRT1_2, n: 2 });
    expect(s.autolrsTrials).toEqual({ trials: 4, negativeForecasts: 2, penalized: 2, chosenLrs: [[0.5], [0.5]] });
  });
});
