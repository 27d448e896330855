/** The LR of every step of the head-to-head's baselines (bench/lib/head-to-head.ts), by hand. */
import { describe, expect, it } from 'vitest';

import { BASELINES, DEFAULT_BASELINES, baselineLr } from '../../bench/lib/head-to-head.js';

describe('baselineLr', () => {
  it('wsd holds the peak LR for the first half, then decays it linearly to 0 at the end', () => {
    const lr = baselineLr('wsd', 0.1, 100);
    expect([0, 25, 49].map(lr)).toEqual([0.1, 0.1, 0.1]);
    expect(lr(50)).toBeCloseTo(0.1, 15);
    expect(lr(75)).toBeCloseTo(0.05, 15);
    expect(lr(99)).toBeCloseTo(0.002, 15);
  });

  it('cosine and constant follow their closed forms', () => {
    expect(baselineLr('cosine', 0.1, 100)(0)).toBeCloseTo(0.1, 15);
    expect(baselineLr('cosine', 0.1, 100)(50)).toBeCloseTo(0.05, 15);
    expect(baselineLr('cosine', 0.1, 100)(25)).toBeCloseTo((0.1 * (1 + Math.SQRT1_2)) / 2, 15);
    expect([0, 57, 99].map(baselineLr('constant', 0.03, 100))).toEqual([0.03, 0.03, 0.03]);
  });

  it('with hot steps, the peak LR comes first, then the whole schedule over the steps left', () => {
    // One-cycle over 90 steps after 10 at 0.1: it starts at 0.1/25 and ends at 0.1/25/1e4.
    const hot = baselineLr('one-cycle', 0.1, 100, 10);
    expect([0, 5, 9].map(hot)).toEqual([0.1, 0.1, 0.1]);
    expect(hot(10)).toBeCloseTo(0.004, 15);
    expect(hot(99)).toBeCloseTo(4e-7, 15);
    const plain = baselineLr('one-cycle', 0.1, 90);
    for (const t of [10, 30, 36, 37, 60, 99]) expect(hot(t)).toBe(plain(t - 10));
    // wsd over the 90 steps left: the decay begins at step 10 + 45.
    const wsd = baselineLr('wsd', 0.1, 100, 10);
    expect(wsd(54)).toBe(0.1);
    expect(wsd(55 + 45 / 2)).toBeCloseTo(0.05, 15);
  });

  it('runs wsd only when asked: it is not a default baseline', () => {
    expect(BASELINES).toContain('wsd');
    expect(DEFAULT_BASELINES).not.toContain('wsd');
    expect(DEFAULT_BASELINES).toEqual(['step', 'cosine', 'one-cycle', 'cyclic', 'constant']);
  });
});
