import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/bo/rng.js';

describe('Rng', () => {
  it('gives the same sequence for the same seed and different ones for different seeds', () => {
    const a = new Rng(42);
    const b = new Rng(42);
    const c = new Rng(43);
    const sa = Array.from({ length: 20 }, () => a.next());
    const sb = Array.from({ length: 20 }, () => b.next());
    const sc = Array.from({ length: 20 }, () => c.next());
    expect(sa).toEqual(sb);
    expect(sa).not.toEqual(sc);
  });

  it('next() stays in [0, 1) and is roughly uniform', () => {
    const rng = new Rng(7);
    const n = 20000;
    const bins = new Array<number>(10).fill(0);
    let sum = 0;
    let min = Infinity;
    let max = -Infinity;
    for (let i = 0; i < n; i++) {
      const u = rng.next();
      min = Math.min(min, u);
      max = Math.max(max, u);
      bins[Math.floor(u * 10)]! += 1;
      sum += u;
    }
    expect(min).toBeGreaterThanOrEqual(0);
    expect(max).toBeLessThan(1);
    expect(sum / n).toBeGreaterThan(0.49);
    expect(sum / n).toBeLessThan(0.51);
    for (const b of bins) expect(Math.abs(b - n / 10)).toBeLessThan(0.06 * (n / 10));
  });

  it('normal() has mean about 0 and variance about 1', () => {
    const rng = new Rng(11);
    const n = 20000;
    let s = 0;
    let s2 = 0;
    let finite = true;
    for (let i = 0; i < n; i++) {
      const z = rng.normal();
      finite &&= Number.isFinite(z);
      s += z;
      s2 += z * z;
    }
    const mean = s / n;
    expect(finite).toBe(true);
    expect(Math.abs(mean)).toBeLessThan(0.03);
    expect(Math.abs(s2 / n - mean * mean - 1)).toBeLessThan(0.05);
  });

  it('resumes exactly from a JSON round trip of its state', () => {
    const rng = new Rng(5);
    for (let i = 0; i < 13; i++) rng.next();
    rng.normal();
    const saved = JSON.parse(JSON.stringify(rng.getState()));
    const expected = [rng.next(), rng.normal(), rng.uniform(-3, 2)];
    const restored = Rng.fromState(saved);
    expect([restored.next(), restored.normal(), restored.uniform(-3, 2)]).toEqual(expected);
    const other = new Rng(99);
    other.setState(saved);
    expect(other.next()).toBe(expected[0]);
  });

  it('rejects bad seeds and malformed states', () => {
    expect(() => new Rng(-1)).toThrow(RangeError);
    expect(() => new Rng(1.5)).toThrow(/`seed`/);
    expect(() => new Rng(2 ** 60)).toThrow(/safe integer/);
    const rng = new Rng(1);
    const before = rng.getState();
    expect(() => rng.setState({ a: 1, b: 2, c: -3, d: 4 })).toThrow(/state\.c/);
    expect(() => rng.setState({ a: 1, b: 2, c: 3 } as never)).toThrow(/state\.d/);
    expect(rng.getState()).toEqual(before);
  });
});
