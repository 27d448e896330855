/**
 * A small seeded pseudo-random number generator (sfc32, seeded through splitmix32).
 *
 * Its whole state is four unsigned 32-bit integers, exposed as a JSON-serializable
 * {@link RngState}, so a search can be saved and resumed to draw exactly the same
 * numbers it would have drawn without the interruption.
 */
import { describe, integerAtLeast, optionsObject } from '../util/validate.js';

/** The complete state of an {@link Rng}: four unsigned 32-bit integers. */
export interface RngState {
  a: number;
  b: number;
  c: number;
  d: number;
}

const TWO_POW_32 = 4294967296;

function splitmix32(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x9e3779b9) | 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
}

function isUint32(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= 0 && v < TWO_POW_32;
}

/** A seeded sfc32 generator. The same seed always gives the same sequence. */
export class Rng {
  #a = 0;
  #b = 0;
  #c = 0;
  #d = 0;

  /**
   * @param seed a non-negative safe integer.
   */
  constructor(seed = 0) {
    integerAtLeast('seed', seed, 0);
    if (!Number.isSafeInteger(seed)) throw new RangeError(`Expected \`seed\` to be a safe integer >= 0, got ${seed}.`);
    const lo = seed >>> 0;
    const hi = Math.floor(seed / TWO_POW_32) >>> 0;
    const mixLo = splitmix32(lo);
    const mixHi = splitmix32(hi ^ 0x5bd1e995);
    this.#a = mixLo();
    this.#b = mixHi();
    this.#c = mixLo();
    this.#d = mixHi() | 1;
    // Discard the first outputs so nearby seeds decorrelate.
    for (let i = 0; i < 16; i++) this.#nextUint32();
  }

  /** A generator positioned at `state` (see {@link Rng.getState}). */
  static fromState(state: RngState): Rng {
    const rng = new Rng(0);
    rng.setState(state);
    return rng;
  }

  #nextUint32(): number {
    let a = this.#a;
    let b = this.#b;
    let c = this.#c;
    let d = this.#d;
    let t = (a + b) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    d = (d + 1) | 0;
    t = (t + d) | 0;
    c = (c + t) | 0;
    this.#a = a >>> 0;
    this.#b = b >>> 0;
    this.#c = c >>> 0;
    this.#d = d >>> 0;
    return t >>> 0;
  }

  /** A uniform number in [0, 1) with 32 bits of randomness. */
  next(): number {
    return this.#nextUint32() / TWO_POW_32;
  }

  /** A uniform number in [low, high). */
  uniform(low: number, high: number): number {
    return low + (high - low) * this.next();
  }

  /**
   * A standard normal number (Box-Muller). Each call consumes exactly two uniforms
   * and caches nothing, so {@link Rng.getState} captures everything.
   */
  normal(): number {
    const u1 = 1 - this.next(); // in (0, 1], so the log is finite
    const u2 = this.next();
    return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
  }

  /** A copy of the generator's state; plain JSON. */
  getState(): RngState {
    return { a: this.#a, b: this.#b, c: this.#c, d: this.#d };
  }

  /** Moves the generator to `state`; throws a TypeError when `state` is malformed. */
  setState(state: RngState): void {
    const s = optionsObject<RngState>('state', state);
    for (const k of ['a', 'b', 'c', 'd'] as const) {
      if (!isUint32(s[k])) {
        throw new TypeError(`Expected \`state.${k}\` to be an unsigned 32-bit integer, got ${describe(s[k])}.`);
      }
    }
    this.#a = s.a as number;
    this.#b = s.b as number;
    this.#c = s.c as number;
    this.#d = s.d as number;
  }
}
