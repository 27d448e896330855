import { describe, it, expect } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { Augmenter, cropFlip, randomCropFlip } from '../../src/data/augment.js';

/** A batch whose pixel (b, i, j, c) = 1000 b + 100 c + 10 i + j + 1 (never 0). */
function pattern(b: number, h: number, w: number, c: number): tf.Tensor4D {
  const v = new Float32Array(b * h * w * c);
  for (let n = 0; n < b; n++) for (let i = 0; i < h; i++) for (let j = 0; j < w; j++) for (let k = 0; k < c; k++) {
    v[((n * h + i) * w + j) * c + k] = 1000 * n + 100 * k + 10 * i + j + 1;
  }
  return tf.tensor4d(v, [b, h, w, c]);
}

/** The expected crop of image n for offsets (dy, dx) into the image padded by p, then flip. */
function expected(n: number, h: number, w: number, c: number, p: number, dy: number, dx: number, flip: boolean): number[][][] {
  const out: number[][][] = [];
  for (let i = 0; i < h; i++) {
    const row: number[][] = [];
    for (let j = 0; j < w; j++) {
      const jj = flip ? w - 1 - j : j;
      const si = i + dy - p;
      const sj = jj + dx - p;
      const inside = si >= 0 && si < h && sj >= 0 && sj < w;
      row.push(Array.from({ length: c }, (_, k) => (inside ? 1000 * n + 100 * k + 10 * si + sj + 1 : 0)));
    }
    out.push(row);
  }
  return out;
}

describe('cropFlip', () => {
  it('shifts each image by its own offsets, zero-fills, and flips', () => {
    const x = pattern(3, 5, 6, 2);
    const params = { dy: [0, 2, 4], dx: [4, 2, 1], flip: [0, 1, 1] };
    const y = cropFlip(x, 2, params);
    expect(y.shape).toEqual([3, 5, 6, 2]);
    const got = y.arraySync();
    for (let n = 0; n < 3; n++) {
      expect(got[n]).toEqual(expected(n, 5, 6, 2, 2, params.dy[n]!, params.dx[n]!, params.flip[n] === 1));
    }
    // Centre offsets without flip are the identity.
    const same = cropFlip(x, 2, { dy: [2, 2, 2], dx: [2, 2, 2], flip: [0, 0, 0] });
    expect(same.arraySync()).toEqual(x.arraySync());
    tf.dispose([x, y, same]);
  });

  it('a known pattern moves: a bright pixel shifts by (2 - dy, 2 - dx)', () => {
    const x = tf.tidy(() => tf.zeros([1, 6, 6, 1]).add(tf.oneHot(tf.tensor1d([2 * 6 + 3], 'int32'), 36).reshape([1, 6, 6, 1])) as tf.Tensor4D);
    const y = cropFlip(x, 2, { dy: [1], dx: [4], flip: [0] });
    const v = Array.from(y.dataSync());
    const at = v.findIndex((e) => e === 1);
    expect([Math.floor(at / 6), at % 6]).toEqual([2 + 1, 3 - 2]);
    expect(v.reduce((s, e) => s + e, 0)).toBe(1);
    tf.dispose([x, y]);
  });

  it('flip alone mirrors the columns', () => {
    const x = pattern(2, 3, 4, 1);
    const y = cropFlip(x, 0, { dy: [0, 0], dx: [0, 0], flip: [1, 0] });
    const flipped = tf.tidy(() => tf.reverse(x, 2));
    const g = y.arraySync();
    expect(g[0]).toEqual(flipped.arraySync()[0]);
    expect(g[1]).toEqual(x.arraySync()[1]);
    tf.dispose([x, y, flipped]);
  });
});

describe('Augmenter', () => {
  it('keeps the shape, draws offsets in [0, 2 padding], and the output matches its draws', () => {
    const x = pattern(16, 8, 8, 1);
    const a = new Augmenter({ padding: 3, seed: 5 });
    const b = new Augmenter({ padding: 3, seed: 5 });
    const params = b.sample(16);
    expect(Array.from(params.dy).every((d) => d >= 0 && d <= 6)).toBe(true);
    expect(Array.from(params.dx).every((d) => d >= 0 && d <= 6)).toBe(true);
    expect(new Set(Array.from(params.dx)).size).toBeGreaterThan(2);
    expect(new Set(Array.from(params.flip))).toEqual(new Set([0, 1]));
    const y = a.apply(x);
    expect(y.shape).toEqual([16, 8, 8, 1]);
    const ref = cropFlip(x, 3, params);
    expect(y.arraySync()).toEqual(ref.arraySync());
    tf.dispose([x, y, ref]);
  });

  it('is deterministic given the seed, and differs across seeds and calls', () => {
    const x = pattern(8, 6, 6, 1);
    const run = (seed: number) => {
      const aug = new Augmenter({ seed });
      const y1 = aug.apply(x);
      const y2 = aug.apply(x);
      const out = [Array.from(y1.dataSync()), Array.from(y2.dataSync())];
      tf.dispose([y1, y2]);
      return out;
    };
    const [a1, a2] = run(1);
    const [b1] = run(1);
    const [c1] = run(2);
    expect(a1).toEqual(b1);
    expect(a1).not.toEqual(a2);
    expect(a1).not.toEqual(c1);
    const d = randomCropFlip(x, { seed: 1 });
    expect(Array.from(d.dataSync())).toEqual(a1);
    tf.dispose([x, d]);
  });

  it('flip: false and padding: 0 gives the identity', () => {
    const x = pattern(4, 5, 5, 3);
    const y = new Augmenter({ padding: 0, flip: false, seed: 9 }).apply(x);
    expect(y.arraySync()).toEqual(x.arraySync());
    tf.dispose([x, y]);
  });

  it('leaks no tensors', () => {
    const x = pattern(4, 8, 8, 1);
    const aug = new Augmenter({ padding: 2, seed: 0 });
    aug.apply(x).dispose(); // warm-up
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) aug.apply(x).dispose();
    expect(tf.memory().numTensors).toBe(before);
    const y = aug.apply(x);
    expect(tf.memory().numTensors).toBe(before + 1);
    tf.dispose([x, y]);
  });

  it('rejects invalid options', () => {
    expect(() => new Augmenter({ padding: -1 })).toThrow(RangeError);
    expect(() => new Augmenter({ padding: 1.5 })).toThrow(/padding/);
    expect(() => new Augmenter({ flip: 'yes' as never })).toThrow(TypeError);
    expect(() => new Augmenter({ seed: Number.NaN })).toThrow(/seed/);
    const x = tf.zeros([2, 3]);
    expect(() => new Augmenter().apply(x as never)).toThrow(/rank-4/);
    x.dispose();
  });
});
