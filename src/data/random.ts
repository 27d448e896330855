/**
 * Small seeded random number generation for the data pipeline (splits, shuffles,
 * augmentation offsets), independent of tfjs's global random state.
 */

/** A seeded generator of uniform numbers in [0, 1) (mulberry32 on a 32-bit state). */
export class SeededRandom {
  #state: number;

  /** @param seed any finite number; the same seed gives the same sequence. */
  constructor(seed: number) {
    // Mix the seed (including fractional and negative seeds) into a 32-bit state.
    this.#state = hash32(Math.floor(seed) ^ Math.floor((seed % 1) * 0x100000000)) >>> 0;
  }

  /** A uniform number in [0, 1). */
  next(): number {
    let t = (this.#state = (this.#state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** A uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
}

/** A 32-bit integer hash (murmur3 finalizer), to derive independent seeds. */
export function hash32(x: number): number {
  let h = x | 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** A seed derived from `seed` and a stream index (e.g. an epoch), for independent streams. */
export function deriveSeed(seed: number, stream: number): number {
  return hash32(hash32(Math.floor(seed) ^ 0x9e3779b9) + Math.imul(stream + 1, 0x27d4eb2d));
}

/** A uniformly random permutation of 0..n-1 (Fisher-Yates), determined by `seed`. */
export function permutation(n: number, seed: number): Int32Array {
  const rng = new SeededRandom(seed);
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) out[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    const t = out[i]!;
    out[i] = out[j]!;
    out[j] = t;
  }
  return out;
}
