/**
 * Shuffled, optionally augmented mini-batches from in-memory tensors, for
 * `model.fitDataset` ({@link makeDataset}) or a hand-written training loop
 * ({@link epochBatches}).
 *
 * The order of epoch e is a permutation determined by (`seed`, e), and so are its
 * augmentation draws: the same seed gives the same batches, and every epoch is reshuffled.
 * Each batch is gathered on the device from `x` and `y`, which stay owned by the caller
 * and must outlive the dataset.
 *
 * @example
 * ```ts
 * const data = await loadFashionMnist({ trainSize: 10000 });
 * // fitDataset: shuffled every epoch, augmented on the fly, seeded.
 * const train = makeDataset(data.train.xs, data.train.ys, { batchSize: 128, seed: 0, augment: { padding: 2 } });
 * const val = makeDataset(data.validation!.xs, data.validation!.ys, { batchSize: 512, shuffle: false });
 * await model.fitDataset(train, { epochs: 10, validationData: val });
 * // fit: tfjs shuffles the batches itself (unseeded); no augmentation.
 * await model.fit(data.train.xs, data.train.ys, { batchSize: 128, epochs: 10, shuffle: true,
 *   validationData: [data.validation!.xs, data.validation!.ys] });
 * // fit with augmentation: one augmented copy of the training set per epoch.
 * const augmenter = new Augmenter({ padding: 2, seed: 0 });
 * for (let epoch = 0; epoch < 10; epoch++) {
 *   const xs = augmenter.apply(data.train.xs);
 *   await model.fit(xs, data.train.ys, { batchSize: 128, epochs: epoch + 1, initialEpoch: epoch, shuffle: true });
 *   xs.dispose();
 * }
 * data.dispose();
 * ```
 */
import * as tf from '@tensorflow/tfjs';
import { Augmenter, type AugmentOptions } from './augment.js';
import { permutation, deriveSeed } from './random.js';
import { boolean, finiteNumber, integerAtLeast, optionsObject, knownKeys } from '../util/validate.js';

/** Options of {@link makeDataset} and {@link epochBatches}. */
export interface BatchOptions {
  /**
   * Examples per batch (the last batch of an epoch may be smaller, see `dropRemainder`).
   * @default 128
   */
  batchSize?: number;
  /**
   * Reshuffle the examples every epoch; false keeps their order.
   * @default true
   */
  shuffle?: boolean;
  /**
   * Seed of the shuffles and of the augmentation.
   * @default 0
   */
  seed?: number;
  /**
   * Random crop and flip of each batch of images (`x` must be rank 4): true for the
   * defaults of {@link AugmentOptions}, or its options (their `seed` is ignored: the
   * augmentation of epoch e is seeded from `seed` and e). false: none.
   * @default false
   */
  augment?: boolean | Omit<AugmentOptions, 'seed'>;
  /**
   * Drop the last batch of an epoch when it is smaller than `batchSize`.
   * @default false
   */
  dropRemainder?: boolean;
}

/** One mini-batch, in the form `model.fitDataset` expects. */
export type Batch = {
  xs: tf.Tensor;
  ys: tf.Tensor;
};

interface Resolved {
  batchSize: number;
  shuffle: boolean;
  seed: number;
  augment: Omit<AugmentOptions, 'seed'> | null;
  dropRemainder: boolean;
}

function resolve(fn: string, x: tf.Tensor, y: tf.Tensor, options: BatchOptions | undefined): Resolved {
  const opts = optionsObject<BatchOptions>(fn, options);
  knownKeys(fn, opts, ['batchSize', 'shuffle', 'seed', 'augment', 'dropRemainder']);
  if (!(x instanceof tf.Tensor) || !(y instanceof tf.Tensor)) {
    throw new TypeError(`Expected \`x\` and \`y\` of \`${fn}\` to be tensors.`);
  }
  if (x.rank === 0 || y.rank === 0 || x.shape[0] !== y.shape[0]) {
    throw new RangeError(
      `Expected \`x\` and \`y\` of \`${fn}\` to have the same number of examples (first dimension), got [${x.shape.join(', ')}] and [${y.shape.join(', ')}].`,
    );
  }
  const augmentOpt = opts.augment ?? false;
  const augment = augmentOpt === true ? {} : augmentOpt === false ? null : optionsObject<AugmentOptions>(`${fn}.augment`, augmentOpt);
  if (augment !== null && x.rank !== 4) {
    throw new RangeError(`Expected \`x\` of \`${fn}\` to be rank 4 [N, height, width, channels] with \`augment\`, got rank ${x.rank}.`);
  }
  return {
    batchSize: integerAtLeast(`${fn}.batchSize`, opts.batchSize ?? 128, 1),
    shuffle: boolean(`${fn}.shuffle`, opts.shuffle ?? true),
    seed: finiteNumber(`${fn}.seed`, opts.seed ?? 0),
    augment,
    dropRemainder: boolean(`${fn}.dropRemainder`, opts.dropRemainder ?? false),
  };
}

function* batchesOf(x: tf.Tensor, y: tf.Tensor, o: Resolved, epoch: number): Generator<Batch, void, undefined> {
  const n = x.shape[0]!;
  const order = o.shuffle ? permutation(n, deriveSeed(o.seed, 2 * epoch)) : Int32Array.from({ length: n }, (_, i) => i);
  const augmenter = o.augment ? new Augmenter({ ...o.augment, seed: deriveSeed(o.seed, 2 * epoch + 1) }) : null;
  for (let start = 0; start < n; start += o.batchSize) {
    const end = Math.min(n, start + o.batchSize);
    if (o.dropRemainder && end - start < o.batchSize) return;
    yield tf.tidy(() => {
      const idx = tf.tensor1d(order.subarray(start, end), 'int32');
      const xs = tf.gather(x, idx);
      const ys = tf.gather(y, idx);
      return { xs: augmenter ? augmenter.apply(xs as tf.Tensor4D) : xs, ys };
    });
  }
}

/**
 * The batches of one epoch, as a generator for a hand-written loop (e.g. with
 * `model.trainOnBatch`). The caller disposes each batch's `xs` and `ys`.
 * @param epoch epoch number: selects the shuffle and augmentation of this epoch.
 */
export function epochBatches(x: tf.Tensor, y: tf.Tensor, options?: BatchOptions, epoch = 0): Generator<Batch, void, undefined> {
  const o = resolve('epochBatches', x, y, options);
  integerAtLeast('epochBatches.epoch', epoch, 0);
  return batchesOf(x, y, o, epoch);
}

/**
 * A `tf.data.Dataset` of {xs, ys} batches for `model.fitDataset`. Each new iterator (one
 * per epoch in `fitDataset`) is the next epoch: epoch 0 for the first iterator, 1 for the
 * second, and so on, reshuffled and re-augmented. `fitDataset` disposes the batches it
 * consumes; when iterating by hand, dispose them yourself.
 */
export function makeDataset(x: tf.Tensor, y: tf.Tensor, options?: BatchOptions): tf.data.Dataset<Batch> {
  const o = resolve('makeDataset', x, y, options);
  let epoch = 0;
  return tf.data.generator(() => batchesOf(x, y, o, epoch++) as unknown as Iterator<Batch>);
}

/** Number of batches per epoch of {@link makeDataset} / {@link epochBatches}. */
export function batchesPerEpoch(numExamples: number, batchSize: number, dropRemainder = false): number {
  return dropRemainder ? Math.floor(numExamples / batchSize) : Math.ceil(numExamples / batchSize);
}
