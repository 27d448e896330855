/**
 * The data of the cooldown strategy's probes: the batches every probe of a stage trains
 * on (drawn once per stage, so all probes see the same ones), and the fixed scoring set
 * every probe is judged on.
 *
 * Batches are drawn without replacement from the training tensors, seeded by (seed,
 * stage). The scoring set is the `scoreData` given, or else `scoreSize` examples held out
 * of the training tensors (seeded), which the probe batches then never contain.
 */
import * as tf from '@tensorflow/tfjs';
import { deriveSeed, permutation } from '../../data/random.js';
import { describe, integerAtLeast, knownKeys, optionsObject } from '../../util/validate.js';

/** Inputs or targets: one tensor, or one per model input/output. */
export type Tensors = tf.Tensor | tf.Tensor[];

/** A mini-batch of a probe. */
export interface ProbeBatch {
  xs: Tensors;
  ys: Tensors;
}

/** Options of {@link ProbeData}. */
export interface ProbeDataOptions {
  /** Training inputs and targets the probe batches are drawn from. */
  x: Tensors;
  y: Tensors;
  /** Examples per probe batch. */
  batchSize: number;
  /**
   * Inputs and targets the probes are scored on. Unset: `scoreSize` examples held out of `x`, `y`.
   * @default undefined
   */
  scoreData?: { x: Tensors; y: Tensors };
  /**
   * Examples of the scoring set: the first `scoreSize` of `scoreData`, or `scoreSize` examples
   * held out of `x`.
   * @default 1024 (held out of `x`: Math.min(1024, Math.floor(examples / 5)))
   */
  scoreSize?: number;
  /**
   * Seed of the batches and of the held-out scoring examples.
   * @default 0
   */
  seed?: number;
}

const KEYS = ['x', 'y', 'batchSize', 'scoreData', 'scoreSize', 'seed'] as const satisfies ReadonlyArray<keyof ProbeDataOptions>;

function asList(name: string, t: unknown): tf.Tensor[] {
  const list = Array.isArray(t) ? t : [t];
  if (list.length === 0 || !list.every((v) => v instanceof tf.Tensor)) {
    throw new TypeError(`Expected \`${name}\` to be a tensor or an array of tensors, got ${describe(t)}.`);
  }
  return list as tf.Tensor[];
}

function examples(name: string, list: tf.Tensor[]): number {
  const n = list[0]!.shape[0];
  if (list.some((t) => t.rank === 0 || t.shape[0] !== n)) {
    throw new RangeError(`Expected every tensor of \`${name}\` to have the same number of examples (first dimension), got ${list.map((t) => `[${t.shape.join(', ')}]`).join(', ')}.`);
  }
  return n!;
}

function gather(list: tf.Tensor[], idx: tf.Tensor1D, single: boolean): Tensors {
  const out = list.map((t) => tf.gather(t, idx));
  return single ? out[0]! : out;
}

/** See the module documentation. The tensors given stay owned by the caller. */
export class ProbeData {
  readonly #x: tf.Tensor[];
  readonly #y: tf.Tensor[];
  readonly #singleX: boolean;
  readonly #singleY: boolean;
  readonly #batchSize: number;
  readonly #seed: number;
  /** Indices of `x` the probe batches may use. */
  readonly #pool: Int32Array;
  readonly #score: { x: Tensors; y: Tensors };
  readonly #scoreSize: number;

  constructor(options: ProbeDataOptions) {
    const o = optionsObject<ProbeDataOptions>('options', options);
    knownKeys('options', o, KEYS);
    this.#x = asList('x', o.x);
    this.#y = asList('y', o.y);
    this.#singleX = !Array.isArray(o.x);
    this.#singleY = !Array.isArray(o.y);
    const n = examples('x', this.#x);
    if (examples('y', this.#y) !== n) {
      throw new RangeError(`Expected \`x\` and \`y\` to have the same number of examples, got ${n} and ${this.#y[0]!.shape[0]}.`);
    }
    this.#batchSize = integerAtLeast('batchSize', o.batchSize, 1);
    this.#seed = integerAtLeast('seed', o.seed ?? 0, 0);
    const scoreSize = integerAtLeast('scoreSize', o.scoreSize ?? (o.scoreData === undefined ? Math.max(1, Math.min(1024, Math.floor(n / 5))) : 1024), 1);
    const order = permutation(n, deriveSeed(this.#seed, 0x5c0e));
    if (o.scoreData !== undefined) {
      const sd = optionsObject<{ x: Tensors; y: Tensors }>('scoreData', o.scoreData);
      const sx = asList('scoreData.x', sd.x);
      const sy = asList('scoreData.y', sd.y);
      const m = examples('scoreData.x', sx);
      if (examples('scoreData.y', sy) !== m) throw new RangeError(`Expected \`scoreData.x\` and \`scoreData.y\` to have the same number of examples, got ${m} and ${sy[0]!.shape[0]}.`);
      this.#scoreSize = Math.min(scoreSize, m);
      this.#score = tf.tidy(() => {
        const slice = (list: tf.Tensor[], single: boolean): Tensors => {
          const out = list.map((t) => tf.slice(t, 0, this.#scoreSize));
          return single ? out[0]! : out;
        };
        return { x: slice(sx, !Array.isArray(sd.x)), y: slice(sy, !Array.isArray(sd.y)) };
      });
      this.#pool = order;
    } else {
      if (n < scoreSize + this.#batchSize) {
        throw new RangeError(
          `Expected \`x\` to hold at least scoreSize + batchSize = ${scoreSize + this.#batchSize} examples to hold out a scoring set, got ${n}; ` +
            'pass `scoreData` or lower `scoreSize`.',
        );
      }
      this.#scoreSize = scoreSize;
      const held = order.subarray(0, scoreSize);
      this.#score = tf.tidy(() => {
        const idx = tf.tensor1d(held, 'int32');
        return { x: gather(this.#x, idx, this.#singleX), y: gather(this.#y, idx, this.#singleY) };
      });
      this.#pool = order.slice(scoreSize);
    }
  }

  /** Examples per probe batch. */
  get batchSize(): number {
    return this.#batchSize;
  }
  /** Examples in the scoring set. */
  get scoreSize(): number {
    return this.#scoreSize;
  }
  /** The scoring set (owned by this object). */
  get scoreSet(): { x: Tensors; y: Tensors } {
    return this.#score;
  }

  /**
   * `count` batches for stage `stage`, drawn without replacement from the pool (a new
   * permutation when the pool runs out). The caller disposes them.
   */
  batches(stage: number, count: number): ProbeBatch[] {
    integerAtLeast('count', count, 1);
    const need = count * this.#batchSize;
    const picked = new Int32Array(need);
    let filled = 0;
    for (let round = 0; filled < need; round++) {
      const perm = permutation(this.#pool.length, deriveSeed(this.#seed, 1000 * stage + round));
      for (let i = 0; i < perm.length && filled < need; i++) picked[filled++] = this.#pool[perm[i]!]!;
    }
    const out: ProbeBatch[] = [];
    for (let b = 0; b < count; b++) {
      out.push(
        tf.tidy(() => {
          const idx = tf.tensor1d(picked.subarray(b * this.#batchSize, (b + 1) * this.#batchSize), 'int32');
          return { xs: gather(this.#x, idx, this.#singleX), ys: gather(this.#y, idx, this.#singleY) };
        }),
      );
    }
    return out;
  }

  /** Frees the scoring set (when it was copied here). */
  dispose(): void {
    tf.dispose([this.#score.x, this.#score.y]);
  }
}
