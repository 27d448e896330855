import { describe, expect, it } from 'vitest';
import { kernelMatrix, matern52 } from '../../src/bo/kernel.js';

// Expected values printed by test/fixtures/gp_reference.py (plain Python, `math` only).
describe('matern52', () => {
  it('matches the reference in 1-D', () => {
    expect(matern52([0.1], [0.45], { constant: 1.7, lengthScale: 0.3 })).toBeCloseTo(0.7356312598552864, 13);
    expect(matern52([0], [0], { constant: 1.7, lengthScale: 0.3 })).toBeCloseTo(1.7, 14);
    expect(matern52([0.2], [1.4], { constant: 0.8, lengthScale: 0.5 })).toBeCloseTo(0.059653052088413115, 13);
  });

  it('matches the reference in 2-D with per-dimension and shared length scales', () => {
    expect(matern52([0.1, 0.9], [0.4, 0.2], { constant: 1.2, lengthScale: [0.5, 2.0] })).toBeCloseTo(0.8523676981910799, 13);
    expect(matern52([0.1, 0.9], [0.4, 0.2], { constant: 1.2, lengthScale: 0.7 })).toBeCloseTo(0.5694865405366201, 13);
  });

  it('is symmetric, decreasing in distance, and builds matrices', () => {
    const p = { constant: 2, lengthScale: 0.4 };
    expect(matern52([0.3], [0.9], p)).toBe(matern52([0.9], [0.3], p));
    expect(matern52([0], [0.1], p)).toBeGreaterThan(matern52([0], [0.2], p));
    const K = kernelMatrix([[0], [1]], [[0], [0.5], [1]], p);
    expect(K).toHaveLength(2);
    expect(K[0]).toHaveLength(3);
    expect(K[0]![0]).toBe(2);
    expect(K[1]![2]).toBe(2);
    expect(K[0]![1]).toBeCloseTo(K[1]![1]!, 15);
  });

  it('rejects points of different dimensions', () => {
    expect(() => matern52([0, 1], [0], { constant: 1, lengthScale: 1 })).toThrow(RangeError);
  });
});
