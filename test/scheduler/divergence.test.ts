import { describe, expect, it } from 'vitest';
import { probeDiverged, probeEnds } from '../../src/scheduler/reference/divergence.js';

describe('probeDiverged', () => {
  it('is tail > factor x head for a loss >= 0', () => {
    // [head, tail, factor, diverged]
    const cases: Array<[number, number, number, boolean]> = [
      [1, 3.5, 3, true],
      [1, 2.9, 3, false],
      [1, 3, 3, false],
      [2, 0.5, 3, false],
      [0.5, 0.8, 1.5, true],
      [0, 0.1, 3, true],
      [0, 0, 3, false],
    ];
    for (const [head, tail, factor, diverged] of cases) expect([head, tail, factor, probeDiverged({ head, tail }, factor)]).toEqual([head, tail, factor, diverged]);
  });

  it('measures the rise against |head| for a loss below zero', () => {
    const cases: Array<[number, number, number, boolean]> = [
      // factor 3: diverged when the loss rose by more than 2 |head|.
      [-4, -4.5, 3, false], // fell: the rule tail > 3 * head would call this diverged
      [-4, -1, 3, false], // rose by 3 < 8
      [-4, 3.9, 3, false], // rose by 7.9 < 8
      [-4, 4.1, 3, true], // rose by 8.1 > 8
      [-1, 0.2, 1.5, true], // rose by 1.2 > 0.5
      [-0.5, 0.2, 3, false], // crossed zero, rose by 0.7 < 1
    ];
    for (const [head, tail, factor, diverged] of cases) expect([head, tail, factor, probeDiverged({ head, tail }, factor)]).toEqual([head, tail, factor, diverged]);
  });

  it('calls a probe with a non-finite head or tail diverged', () => {
    expect(probeDiverged({ head: 1, tail: NaN }, 3)).toBe(true);
    expect(probeDiverged({ head: 1, tail: Infinity }, 3)).toBe(true);
    expect(probeDiverged({ head: NaN, tail: 1 }, 3)).toBe(true);
    expect(probeDiverged({ head: -Infinity, tail: 1 }, 3)).toBe(true);
  });

  it('refuses a factor that is not a finite number > 1', () => {
    for (const f of [1, 0.5, -2, NaN, Infinity]) expect(() => probeDiverged({ head: 1, tail: 1 }, f)).toThrow(RangeError);
    expect(() => probeDiverged({ head: 1, tail: 1 }, 1)).toThrow('Expected `factor` to be a finite number > 1, got 1.');
  });
});

describe('probeEnds', () => {
  it('averages the first and last ceil(n / 10) values', () => {
    expect(probeEnds([5, 1, 1, 1])).toEqual({ head: 5, tail: 1 });
    const xs = Array.from({ length: 11 }, (_, i) => i); // m = 2
    expect(probeEnds(xs)).toEqual({ head: 0.5, tail: 9.5 });
    expect(probeEnds([-3])).toEqual({ head: -3, tail: -3 });
    expect(() => probeEnds([])).toThrow(RangeError);
  });
});
