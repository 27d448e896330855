import { describe, expect, it } from 'vitest';
import { CHOICE_GRID, chooseLr } from '../../../src/scheduler/cooldown/choose.js';

describe('chooseLr', () => {
  const probes = [
    { lr: 0.001, score: 1.2 },
    { lr: 0.01, score: 0.66 },
    { lr: 0.03, score: 0.62 },
    { lr: 0.1, score: 0.7 },
    { lr: 0.3, score: 3, note: 'no-progress' },
  ];

  it('with tolerance 0 and no model, takes the lowest score', () => {
    expect(chooseLr(probes, 0)).toBe(0.03);
  });

  it('takes the smallest probed LR within tolerance·|best| of the best', () => {
    // 0.66 <= 0.62 · 1.07 = 0.6634.
    expect(chooseLr(probes, 0.07)).toBe(0.01);
    expect(chooseLr(probes, 0.06)).toBe(0.03);
  });

  it('never chooses a probe that cannot be chosen, nor a non-finite score', () => {
    expect(chooseLr([{ lr: 0.3, score: 0.1, note: 'no-progress' }, { lr: 0.01, score: NaN }, { lr: 0.02, score: 0.9 }], 0)).toBe(0.02);
    expect(chooseLr([{ lr: 0.3, score: 3, note: 'not-finite' }], 0)).toBeNull();
  });

  it('reads the model on a log grid from the smallest usable LR to the best probe, and takes the smallest LR within tolerance', () => {
    const asked: number[][] = [];
    // The model: 0.62 at the best probe (0.03), rising linearly in log10(lr) below it by 0.2 per decade.
    const model = (lr: number) => 0.62 + 0.2 * Math.max(0, Math.log10(0.03 / lr));
    const predict = (lrs: number[]) => {
      asked.push(lrs);
      return lrs.map(model);
    };
    // Limit 0.62 · 1.05 = 0.651: log10(0.03 / lr) <= 0.155, lr >= 0.03 · 10^-0.155 = 0.02100.
    const lr = chooseLr(probes, 0.05, predict)!;
    expect(asked).toHaveLength(1);
    expect(asked[0]).toHaveLength(CHOICE_GRID);
    expect(asked[0]![0]).toBeCloseTo(0.001, 12);
    expect(asked[0]![CHOICE_GRID - 1]).toBeCloseTo(0.03, 12);
    const exact = 0.03 * 10 ** -0.155;
    expect(lr).toBeGreaterThanOrEqual(exact);
    // Within one grid step (log10(30)/255 decades) of the crossing.
    expect(Math.log10(lr / exact)).toBeLessThanOrEqual(Math.log10(30) / 255 + 1e-12);
  });

  it('snaps to a qualifying probe within 1 % of the smallest qualifying LR, and takes the best probe with tolerance 0', () => {
    // The model qualifies everything down to 0.0101; the probe at 0.01 qualifies too (0.66 <= 0.6634).
    const predict = (lrs: number[]) => lrs.map((lr) => (lr >= 0.0101 ? 0.62 : 0.9));
    expect(chooseLr(probes, 0.07, predict)).toBe(0.01);
    expect(chooseLr(probes, 0, predict)).toBe(0.03);
  });

  it('works for scores below zero: the tolerance is relative to |best|', () => {
    const neg = [
      { lr: 0.01, score: -3.3 },
      { lr: 0.02, score: -3.45 },
      { lr: 0.05, score: -3.5 },
    ];
    // -3.45 <= -3.5 + 0.02·3.5 = -3.43; -3.3 is not.
    expect(chooseLr(neg, 0.02)).toBe(0.02);
    expect(chooseLr(neg, 0)).toBe(0.05);
  });
});
