import { describe, expect, it } from 'vitest';
import { judgeTrial } from '../../src/scheduler/reference/trial-judge.js';

const base = { nanPenalty: 1e6, divergenceFactor: 3, lossSeenNegative: false };

describe('judgeTrial (reference strategy)', () => {
  it('tells the forecast when no rule applies', () => {
    expect(judgeTrial(0.42, { ...base, ends: { head: 1, tail: 0.6 } })).toEqual({ told: 0.42 });
  });
  it('penalizes a forecast that is not finite or reaches the penalty', () => {
    expect(judgeTrial(NaN, { ...base, ends: undefined })).toEqual({ told: 1e6, note: 'nan-penalty' });
    expect(judgeTrial(2e6, { ...base, ends: undefined })).toEqual({ told: 1e6, note: 'nan-penalty' });
  });
  it('penalizes a probe whose loss rose by more than (factor - 1)·|head|', () => {
    expect(judgeTrial(0.3, { ...base, ends: { head: 1, tail: 3.5 } })).toEqual({ told: 1e6, note: 'diverged' });
    expect(judgeTrial(0.3, { ...base, ends: { head: 1, tail: 2.9 } })).toEqual({ told: 0.3 });
    // Below zero: head -5, tail -4 rose by 1 < 2·5.
    expect(judgeTrial(-5.5, { ...base, lossSeenNegative: true, ends: { head: -5, tail: -4 } })).toEqual({ told: -5.5 });
  });
  it('judges a negative forecast of a non-negative loss by the loss reached, but not once the loss was seen below zero', () => {
    expect(judgeTrial(-0.2, { ...base, ends: { head: 1, tail: 0.5 } })).toEqual({ told: 0.5, note: 'negative-forecast' });
    expect(judgeTrial(-0.2, { ...base, lossSeenNegative: true, ends: { head: 1, tail: 0.5 } })).toEqual({ told: -0.2 });
  });
  it("applies the reference's validation guard against the loss at the first search", () => {
    const ends = { head: 1.2, tail: 0.9 };
    expect(judgeTrial(0.7, { ...base, ends, validation: { values: [1.2, 1, 0.9], initLoss: 1.1 } })).toEqual({ told: 0.9, note: 'validation-guard' });
    expect(judgeTrial(0.7, { ...base, ends, validation: { values: [1, 0.95, 0.9], initLoss: 1.1 } })).toEqual({ told: 0.7 });
    expect(judgeTrial(0.7, { ...base, ends: { head: 1.2, tail: 1 }, validation: { values: [1.2, 1, NaN], initLoss: 1.1 } })).toEqual({ told: 1e6, note: 'nan-penalty' });
  });
});
