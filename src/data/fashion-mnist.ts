/**
 * Fashion-MNIST (Xiao et al. 2017): 60,000 training and 10,000 test grayscale 28x28
 * images of 10 clothing classes, read from the IDX files of the Debian package
 * `dataset-fashion-mnist` (installed in /usr/share/datasets/fashion-mnist).
 *
 * {@link loadFashionMnist} returns tfjs tensors ready for `model.fit` (images
 * [N, 28, 28, 1] float32, normalized; labels one-hot [N, 10] float32) plus the integer
 * labels on the host. The caller owns the tensors: call `dispose()` on the result when done.
 */
import * as tf from '@tensorflow/tfjs';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { DatasetError, readIdx, type IdxArray } from './idx.js';
import { permutation, deriveSeed } from './random.js';
import { integerAtLeast, finiteNumber, optionsObject, knownKeys, oneOf } from '../util/validate.js';

/** Where the Debian package `dataset-fashion-mnist` installs the files. */
export const FASHION_MNIST_DEFAULT_DIR = '/usr/share/datasets/fashion-mnist';

/** The IDX files read, in `dir`; each may also be present without `.gz`. */
export const FASHION_MNIST_FILES = {
  trainImages: 'train-images-idx3-ubyte.gz',
  trainLabels: 'train-labels-idx1-ubyte.gz',
  testImages: 't10k-images-idx3-ubyte.gz',
  testLabels: 't10k-labels-idx1-ubyte.gz',
} as const;

/** Class names, by label. */
export const FASHION_MNIST_CLASSES = [
  'T-shirt/top',
  'Trouser',
  'Pullover',
  'Dress',
  'Coat',
  'Sandal',
  'Shirt',
  'Sneaker',
  'Bag',
  'Ankle boot',
] as const;

/** Mean and standard deviation of the 60,000 training images' pixels, scaled to [0, 1]. */
export const FASHION_MNIST_STANDARD_STATS = { mean: 0.286, std: 0.353 } as const;

const INSTALL_HINT =
  'Install Fashion-MNIST with `sudo apt-get install dataset-fashion-mnist`, or set the `dir` option ' +
  '(or the FASHION_MNIST_DIR environment variable) to a folder holding ' +
  Object.values(FASHION_MNIST_FILES).join(', ') +
  '.';

/** Options of {@link loadFashionMnist}. */
export interface FashionMnistOptions {
  /**
   * Folder with the four IDX files (gzipped or not). When unset, the environment variable
   * `FASHION_MNIST_DIR` is used if set, else the Debian package's folder.
   * @default process.env.FASHION_MNIST_DIR ?? '/usr/share/datasets/fashion-mnist'
   */
  dir?: string;
  /**
   * Number of training images held out as a fixed validation split. The split is a
   * seeded random subset of the 60,000 training images, disjoint from the training split
   * and the same for the same `seed`. 0: no validation split (`validation` is null).
   * @default 5000
   */
  validationSize?: number;
  /**
   * Number of training images to keep (a seeded random subset of the training split),
   * e.g. for fast runs on the CPU. Unset: the whole training split (60,000 - validationSize).
   * @default undefined
   */
  trainSize?: number;
  /**
   * Number of test images to keep (a seeded random subset). Unset: all 10,000.
   * @default undefined
   */
  testSize?: number;
  /**
   * Seed of the validation split and of the subsets.
   * @default 0
   */
  seed?: number;
  /**
   * Pixel normalization, applied after scaling to [0, 1]: `'train'` subtracts the mean and
   * divides by the standard deviation of the training split's pixels (the whole training
   * split, whatever `trainSize`); `'standard'` uses the usual constants 0.2860 / 0.3530
   * computed on all 60,000 training images; `'none'` keeps [0, 1].
   * @default 'train'
   */
  normalize?: 'train' | 'standard' | 'none';
}

/** One split of a dataset. The tensors belong to the {@link FashionMnist} that holds them. */
export interface DataSplit {
  /** Images, float32 [size, 28, 28, 1], normalized. */
  xs: tf.Tensor4D;
  /** One-hot labels, float32 [size, 10]. */
  ys: tf.Tensor2D;
  /** Integer labels 0..9 on the host. */
  labels: Uint8Array;
  /** Index of each example in its source file (training or test file). */
  indices: Int32Array;
  /** Number of examples. */
  size: number;
}

/** A loaded Fashion-MNIST. Call {@link FashionMnist.dispose} to free its tensors. */
export interface FashionMnist {
  train: DataSplit;
  /** The held-out part of the training file; null when `validationSize` is 0. */
  validation: DataSplit | null;
  test: DataSplit;
  /** Normalization applied: x = (pixel / 255 - mean) / std. */
  mean: number;
  std: number;
  numClasses: 10;
  classNames: readonly string[];
  /** Disposes every tensor of every split. Idempotent. */
  dispose(): void;
}

const TRAIN_COUNT = 60000;
const TEST_COUNT = 10000;
const PIXELS = 28 * 28;

async function readFile(dir: string, name: string): Promise<IdxArray> {
  const gz = join(dir, name);
  const plain = gz.replace(/\.gz$/, '');
  const file = !existsSync(gz) && existsSync(plain) ? plain : gz;
  try {
    return await readIdx(file);
  } catch (err) {
    if (err instanceof DatasetError) {
      throw new DatasetError(`${err.message} ${INSTALL_HINT}`, err.file, { cause: err });
    }
    throw err;
  }
}

function checkImages(a: IdxArray, file: string, count: number): Uint8Array {
  if (a.dtype !== 'uint8' || a.shape.length !== 3 || a.shape[1] !== 28 || a.shape[2] !== 28 || a.shape[0] !== count) {
    throw new DatasetError(
      `Unexpected Fashion-MNIST images in ${file}: ${a.dtype} [${a.shape.join(', ')}], expected uint8 [${count}, 28, 28]. ${INSTALL_HINT}`,
      file,
    );
  }
  return a.data as Uint8Array;
}

function checkLabels(a: IdxArray, file: string, count: number): Uint8Array {
  if (a.dtype !== 'uint8' || a.shape.length !== 1 || a.shape[0] !== count) {
    throw new DatasetError(
      `Unexpected Fashion-MNIST labels in ${file}: ${a.dtype} [${a.shape.join(', ')}], expected uint8 [${count}]. ${INSTALL_HINT}`,
      file,
    );
  }
  const labels = a.data as Uint8Array;
  const bad = labels.findIndex((l) => l > 9);
  if (bad >= 0) throw new DatasetError(`Label ${labels[bad]} at index ${bad} of ${file} is not in 0..9. ${INSTALL_HINT}`, file);
  return labels;
}

/** Mean and standard deviation of the pixels (scaled to [0, 1]) of the given images. */
export function pixelStats(images: Uint8Array, indices: ArrayLike<number>, pixels = PIXELS): { mean: number; std: number } {
  // Exact integer sums (a histogram of byte values), then float statistics.
  const hist = new Float64Array(256);
  for (let k = 0; k < indices.length; k++) {
    const base = indices[k]! * pixels;
    for (let p = 0; p < pixels; p++) hist[images[base + p]!]!++;
  }
  let n = 0;
  let sum = 0;
  for (let v = 0; v < 256; v++) {
    n += hist[v]!;
    sum += hist[v]! * (v / 255);
  }
  const mean = sum / n;
  let sq = 0;
  for (let v = 0; v < 256; v++) sq += hist[v]! * (v / 255 - mean) ** 2;
  return { mean, std: Math.sqrt(sq / n) };
}

function makeSplit(
  images: Uint8Array,
  allLabels: Uint8Array,
  indices: Int32Array,
  mean: number,
  std: number,
): DataSplit {
  const n = indices.length;
  const x = new Float32Array(n * PIXELS);
  const lut = new Float32Array(256);
  for (let v = 0; v < 256; v++) lut[v] = (v / 255 - mean) / std;
  const labels = new Uint8Array(n);
  for (let k = 0; k < n; k++) {
    const src = indices[k]! * PIXELS;
    const dst = k * PIXELS;
    for (let p = 0; p < PIXELS; p++) x[dst + p] = lut[images[src + p]!]!;
    labels[k] = allLabels[indices[k]!]!;
  }
  const xs = tf.tensor4d(x, [n, 28, 28, 1], 'float32');
  const ys = tf.tidy(() => tf.oneHot(tf.tensor1d(labels, 'int32'), 10).toFloat() as tf.Tensor2D);
  return { xs, ys, labels, indices, size: n };
}

/**
 * Loads Fashion-MNIST from IDX files into tensors.
 *
 * The training file is split into a fixed validation split (`validationSize` images,
 * chosen by `seed`) and a training split (the rest, optionally subsampled to `trainSize`);
 * both are in a seeded random order. The tensors are owned by the caller: dispose them
 * with `result.dispose()`.
 *
 * @throws DatasetError when a file is missing or corrupt; the message says how to
 *   install the dataset (`sudo apt-get install dataset-fashion-mnist`) or where to point `dir`.
 * @throws RangeError / TypeError for invalid options.
 */
export async function loadFashionMnist(options?: FashionMnistOptions): Promise<FashionMnist> {
  const fn = 'loadFashionMnist';
  const opts = optionsObject<FashionMnistOptions>(fn, options);
  knownKeys(fn, opts, ['dir', 'validationSize', 'trainSize', 'testSize', 'seed', 'normalize']);
  const envDir = process.env['FASHION_MNIST_DIR'];
  const dir = opts.dir ?? (envDir !== undefined && envDir !== '' ? envDir : FASHION_MNIST_DEFAULT_DIR);
  if (typeof dir !== 'string') throw new TypeError(`Expected \`${fn}.dir\` to be a string, got ${typeof dir}.`);
  const validationSize = integerAtLeast(`${fn}.validationSize`, opts.validationSize ?? 5000, 0);
  if (validationSize >= TRAIN_COUNT) {
    throw new RangeError(`Expected \`${fn}.validationSize\` to be an integer in [0, ${TRAIN_COUNT - 1}], got ${validationSize}.`);
  }
  const trainPool = TRAIN_COUNT - validationSize;
  const trainSize = opts.trainSize === undefined ? trainPool : integerAtLeast(`${fn}.trainSize`, opts.trainSize, 1);
  if (trainSize > trainPool) {
    throw new RangeError(
      `Expected \`${fn}.trainSize\` to be an integer in [1, ${trainPool}] (60000 - validationSize), got ${trainSize}.`,
    );
  }
  const testSize = opts.testSize === undefined ? TEST_COUNT : integerAtLeast(`${fn}.testSize`, opts.testSize, 1);
  if (testSize > TEST_COUNT) {
    throw new RangeError(`Expected \`${fn}.testSize\` to be an integer in [1, ${TEST_COUNT}], got ${testSize}.`);
  }
  const seed = finiteNumber(`${fn}.seed`, opts.seed ?? 0);
  const normalize = oneOf(`${fn}.normalize`, opts.normalize ?? 'train', ['train', 'standard', 'none'] as const);

  const f = FASHION_MNIST_FILES;
  // Read in parallel; when several fail, the error of the first file in this order is thrown
  // (whichever read failed first would make the message depend on timing).
  const settled = await Promise.allSettled([
    readFile(dir, f.trainImages),
    readFile(dir, f.trainLabels),
    readFile(dir, f.testImages),
    readFile(dir, f.testLabels),
  ]);
  const failed = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed !== undefined) throw failed.reason;
  const [trI, trL, teI, teL] = settled.map((r) => (r as PromiseFulfilledResult<IdxArray>).value) as [IdxArray, IdxArray, IdxArray, IdxArray];
  const trainImages = checkImages(trI, join(dir, f.trainImages), TRAIN_COUNT);
  const trainLabels = checkLabels(trL, join(dir, f.trainLabels), TRAIN_COUNT);
  const testImages = checkImages(teI, join(dir, f.testImages), TEST_COUNT);
  const testLabels = checkLabels(teL, join(dir, f.testLabels), TEST_COUNT);

  const { validation: valIdx, train: trainIdx } = splitIndices(TRAIN_COUNT, validationSize, seed);
  const testIdx = permutation(TEST_COUNT, deriveSeed(seed, 1)).slice(0, testSize);

  let { mean, std } = { mean: 0, std: 1 };
  if (normalize === 'train') ({ mean, std } = pixelStats(trainImages, trainIdx));
  else if (normalize === 'standard') ({ mean, std } = FASHION_MNIST_STANDARD_STATS);

  const splits: DataSplit[] = [];
  try {
    const train = makeSplit(trainImages, trainLabels, trainIdx.slice(0, trainSize), mean, std);
    splits.push(train);
    const validation = validationSize > 0 ? makeSplit(trainImages, trainLabels, valIdx, mean, std) : null;
    if (validation) splits.push(validation);
    const test = makeSplit(testImages, testLabels, testIdx, mean, std);
    splits.push(test);
    let disposed = false;
    return {
      train,
      validation,
      test,
      mean,
      std,
      numClasses: 10,
      classNames: FASHION_MNIST_CLASSES,
      dispose() {
        if (disposed) return;
        disposed = true;
        for (const s of splits) tf.dispose([s.xs, s.ys]);
      },
    };
  } catch (err) {
    for (const s of splits) tf.dispose([s.xs, s.ys]);
    throw err;
  }
}

/**
 * The fixed validation split of {@link loadFashionMnist}: a seeded permutation of 0..n-1
 * whose first `validationSize` entries are the validation split and the rest the
 * training split (in that permuted order).
 */
export function splitIndices(n: number, validationSize: number, seed: number): { train: Int32Array; validation: Int32Array } {
  const perm = permutation(n, deriveSeed(seed, 0));
  return { validation: perm.slice(0, validationSize), train: perm.slice(validationSize) };
}
