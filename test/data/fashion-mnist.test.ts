import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import {
  loadFashionMnist,
  splitIndices,
  pixelStats,
  FASHION_MNIST_DEFAULT_DIR,
  FASHION_MNIST_FILES,
  type FashionMnist,
} from '../../src/data/fashion-mnist.js';
import { DatasetError, readIdx } from '../../src/data/idx.js';

const REAL_DIR = FASHION_MNIST_DEFAULT_DIR;
const realPresent = Object.values(FASHION_MNIST_FILES).every((f) => existsSync(join(REAL_DIR, f)));

let tmp: string;
beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'autolrs-fmnist-'));
});
afterAll(() => {
  rmSync(tmp, { recursive: true, force: true });
});

describe('loadFashionMnist errors', () => {
  it('a missing folder gives a DatasetError saying how to install the dataset', async () => {
    const dir = join(tmp, 'missing');
    const err = await loadFashionMnist({ dir }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DatasetError);
    const msg = (err as Error).message;
    expect(msg).toContain('sudo apt-get install dataset-fashion-mnist');
    expect(msg).toContain('FASHION_MNIST_DIR');
    expect(msg).toContain(join(dir, 'train-images-idx3-ubyte.gz'));
  });

  it('honours FASHION_MNIST_DIR when `dir` is unset', async () => {
    const dir = join(tmp, 'from-env');
    const saved = process.env['FASHION_MNIST_DIR'];
    process.env['FASHION_MNIST_DIR'] = dir;
    try {
      const err = await loadFashionMnist({ trainSize: 10 }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(DatasetError);
      expect((err as DatasetError).file.startsWith(dir)).toBe(true);
    } finally {
      if (saved === undefined) delete process.env['FASHION_MNIST_DIR'];
      else process.env['FASHION_MNIST_DIR'] = saved;
    }
  });

  it('a corrupt file gives a DatasetError naming it, with the install hint', async () => {
    const dir = join(tmp, 'corrupt');
    rmSync(dir, { recursive: true, force: true });
    const { mkdirSync } = await import('node:fs');
    mkdirSync(dir);
    for (const f of Object.values(FASHION_MNIST_FILES)) writeFileSync(join(dir, f.replace(/\.gz$/, '')), Uint8Array.from([1, 2, 3, 4, 5]));
    const err = await loadFashionMnist({ dir }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DatasetError);
    expect((err as Error).message).toMatch(/bad magic number/);
    expect((err as Error).message).toContain('apt-get install dataset-fashion-mnist');
  });

  it('rejects invalid options', async () => {
    await expect(loadFashionMnist({ validationSize: -1 })).rejects.toThrow(RangeError);
    await expect(loadFashionMnist({ validationSize: 60000 })).rejects.toThrow(/validationSize/);
    await expect(loadFashionMnist({ validationSize: 5000, trainSize: 55001 })).rejects.toThrow(/trainSize.*55000/);
    await expect(loadFashionMnist({ testSize: 0 })).rejects.toThrow(/testSize/);
    await expect(loadFashionMnist({ normalize: 'minmax' as never })).rejects.toThrow(/normalize/);
  });
});

describe('validation split and statistics', () => {
  it('the fixed validation split is deterministic given the seed and disjoint from training', () => {
    const a = splitIndices(60000, 5000, 0);
    const b = splitIndices(60000, 5000, 0);
    const c = splitIndices(60000, 5000, 1);
    expect(a.validation).toHaveLength(5000);
    expect(a.train).toHaveLength(55000);
    expect(Array.from(a.validation)).toEqual(Array.from(b.validation));
    expect(Array.from(a.validation)).not.toEqual(Array.from(c.validation));
    const val = new Set(a.validation);
    expect(a.train.some((i) => val.has(i))).toBe(false);
    // Together they cover every example exactly once.
    const all = new Set([...a.train, ...a.validation]);
    expect(all.size).toBe(60000);
    // Not simply the first or last 5000 examples.
    expect(Math.max(...a.validation)).toBeGreaterThan(55000);
    expect(Math.min(...a.validation)).toBeLessThan(5000);
  });

  it('pixelStats gives the mean and population standard deviation of the selected images', () => {
    // Two images of 2 pixels: [0, 255] and [51, 102]; select only the first, then both.
    const images = Uint8Array.from([0, 255, 51, 102]);
    expect(pixelStats(images, [0], 2)).toEqual({ mean: 0.5, std: 0.5 });
    const s = pixelStats(images, [0, 1], 2);
    const v = [0, 1, 0.2, 0.4];
    const mean = v.reduce((a, b) => a + b) / 4;
    const std = Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / 4);
    expect(s.mean).toBeCloseTo(mean, 12);
    expect(s.std).toBeCloseTo(std, 12);
  });
});

describe.skipIf(!realPresent)(`real Fashion-MNIST in ${REAL_DIR} (skipped when absent; install: sudo apt-get install dataset-fashion-mnist)`, () => {
  let data: FashionMnist;
  beforeAll(async () => {
    data = await loadFashionMnist({ dir: REAL_DIR, trainSize: 300, validationSize: 200, testSize: 100, seed: 3 });
  });
  afterAll(() => {
    const before = tf.memory().numTensors;
    data?.dispose();
    expect(tf.memory().numTensors).toBe(before - 6);
  });

  it('loads subsets with the right shapes, dtypes and labels', () => {
    expect(data.train.xs.shape).toEqual([300, 28, 28, 1]);
    expect(data.train.ys.shape).toEqual([300, 10]);
    expect(data.validation!.xs.shape).toEqual([200, 28, 28, 1]);
    expect(data.test.xs.shape).toEqual([100, 28, 28, 1]);
    expect(data.test.ys.shape).toEqual([100, 10]);
    expect(data.train.xs.dtype).toBe('float32');
    expect(data.train.ys.dtype).toBe('float32');
    // One-hot labels agree with the host labels; several classes are present.
    const argmax = tf.tidy(() => data.train.ys.argMax(1).dataSync());
    expect(Array.from(argmax)).toEqual(Array.from(data.train.labels));
    expect(new Set(data.train.labels).size).toBeGreaterThanOrEqual(8);
    expect(tf.tidy(() => data.train.ys.sum().dataSync()[0])).toBe(300);
  });

  it('uses the seeded split: validation disjoint from training, and deterministic', () => {
    const split = splitIndices(60000, 200, 3);
    expect(Array.from(data.validation!.indices)).toEqual(Array.from(split.validation));
    expect(Array.from(data.train.indices)).toEqual(Array.from(split.train.subarray(0, 300)));
    const val = new Set(data.validation!.indices);
    expect(data.train.indices.some((i) => val.has(i))).toBe(false);
  });

  it('normalizes with the training split statistics, close to the standard 0.2860 / 0.3530', async () => {
    expect(data.mean).toBeCloseTo(0.286, 2);
    expect(data.std).toBeCloseTo(0.353, 2);
    // Each value is (pixel / 255 - mean) / std of the raw file.
    const raw = await readIdx(join(REAL_DIR, FASHION_MNIST_FILES.trainImages));
    const k = 7;
    const src = data.train.indices[k]! * 784;
    const got = tf.tidy(() => data.train.xs.slice([k, 0, 0, 0], [1, 28, 28, 1]).dataSync());
    for (const p of [0, 100, 400, 783]) {
      expect(got[p]).toBeCloseTo((raw.data[src + p]! / 255 - data.mean) / data.std, 5);
    }
    // A training subset is roughly standardized.
    const { mean, variance } = tf.tidy(() => {
      const m = tf.moments(data.train.xs);
      return { mean: m.mean.dataSync()[0]!, variance: m.variance.dataSync()[0]! };
    });
    expect(Math.abs(mean)).toBeLessThan(0.1);
    expect(Math.abs(Math.sqrt(variance) - 1)).toBeLessThan(0.1);
  });
});
