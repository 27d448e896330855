/**
 * Models, data and evaluation shared by the benchmarks: small image classifiers for
 * Fashion-MNIST, accuracy on a split, a description of the machine.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import * as tf from '@tensorflow/tfjs';

import { loadFashionMnist, type FashionMnist } from '../../src/data/fashion-mnist.js';
import { resnetCifar } from '../../src/models/resnet.js';

/** Models the benchmarks can build. */
export const BENCH_MODELS = ['resnet20', 'resnet8', 'cnn', 'mlp'] as const;
export type BenchModel = (typeof BENCH_MODELS)[number];

/** Data sets the benchmarks can load. */
export const BENCH_DATA = ['fashion-mnist'] as const;
export type BenchData = (typeof BENCH_DATA)[number];

/** How a model is described in results. */
export function describeModel(name: BenchModel, baseWidth: number): string {
  switch (name) {
    case 'resnet20':
    case 'resnet8':
      return `ResNet-${name.slice(6)} (CIFAR ResNet v1, option-A shortcuts, widths ${baseWidth}/${2 * baseWidth}/${4 * baseWidth}, batch norm)`;
    case 'cnn':
      return 'CNN: conv3x3(8)-ReLU-maxpool2, conv3x3(16)-ReLU-maxpool2, dense(10) softmax';
    case 'mlp':
      return 'MLP: dense(64)-ReLU, dense(10) softmax';
  }
}

/**
 * Builds a classifier for 28x28x1 inputs and 10 classes with seeded initializers.
 * `baseWidth` applies to the ResNet only. Layer i is seeded with `seed + i + 1`: tfjs's
 * random generators take a seed of 0 as "no seed".
 */
export function buildModel(name: BenchModel, seed: number, baseWidth = 16): tf.LayersModel {
  switch (name) {
    case 'resnet20':
    case 'resnet8':
      return resnetCifar({ depth: name === 'resnet8' ? 8 : 20, inputShape: [28, 28, 1], numClasses: 10, baseWidth, seed });
    case 'cnn': {
      const m = tf.sequential({ name: 'cnn' });
      m.add(
        tf.layers.conv2d({
          inputShape: [28, 28, 1],
          filters: 8,
          kernelSize: 3,
          padding: 'same',
          activation: 'relu',
          kernelInitializer: tf.initializers.heNormal({ seed: seed + 1 }),
        }),
      );
      m.add(tf.layers.maxPooling2d({ poolSize: 2 }));
      m.add(
        tf.layers.conv2d({
          filters: 16,
          kernelSize: 3,
          padding: 'same',
          activation: 'relu',
          kernelInitializer: tf.initializers.heNormal({ seed: seed + 2 }),
        }),
      );
      m.add(tf.layers.maxPooling2d({ poolSize: 2 }));
      m.add(tf.layers.flatten());
      m.add(tf.layers.dense({ units: 10, activation: 'softmax', kernelInitializer: tf.initializers.glorotUniform({ seed: seed + 3 }) }));
      return m;
    }
    case 'mlp': {
      const m = tf.sequential({ name: 'mlp' });
      m.add(tf.layers.flatten({ inputShape: [28, 28, 1] }));
      m.add(tf.layers.dense({ units: 64, activation: 'relu', kernelInitializer: tf.initializers.heNormal({ seed: seed + 1 }) }));
      m.add(tf.layers.dense({ units: 10, activation: 'softmax', kernelInitializer: tf.initializers.glorotUniform({ seed: seed + 2 }) }));
      return m;
    }
  }
}

/** Sizes of the splits loaded. */
export interface DataSizes {
  trainSize: number;
  validationSize: number;
  testSize: number;
}

/**
 * Loads a data set (split seed 0, so every run sees the same examples). Fashion-MNIST is
 * read from `FASHION_MNIST_DIR` when set, else from the device kit's data folder
 * (`DEVICE_KIT_DATA`, where `pack.sh ENTRY FILE...` puts the IDX files) when it holds
 * them, else from the Debian package's folder. Pixels are normalized with the training
 * split's statistics, or with the standard constants for files masked by
 * bench/device-data.ts (marked by a `MASKED` file).
 */
export async function loadData(name: BenchData, sizes: DataSizes): Promise<FashionMnist> {
  switch (name) {
    case 'fashion-mnist': {
      const kit = process.env['DEVICE_KIT_DATA'];
      const useKit =
        (process.env['FASHION_MNIST_DIR'] ?? '') === '' &&
        kit !== undefined &&
        kit !== '' &&
        fs.existsSync(path.join(kit, 'train-images-idx3-ubyte.gz'));
      return loadFashionMnist({
        trainSize: sizes.trainSize,
        validationSize: sizes.validationSize,
        testSize: sizes.testSize,
        seed: 0,
        // Files masked by bench/device-data.ts: statistics over their zeroed images would be off.
        ...(useKit ? { dir: kit, ...(fs.existsSync(path.join(kit, 'MASKED')) ? { normalize: 'standard' as const } : {}) } : {}),
      });
    }
  }
}

/** Top-1 accuracy of `model` on (xs, labels), in percent; one host read per chunk. */
export async function accuracy(model: tf.LayersModel, xs: tf.Tensor, labels: Uint8Array, chunk = 500): Promise<number> {
  const n = labels.length;
  let correct = 0;
  for (let start = 0; start < n; start += chunk) {
    const size = Math.min(chunk, n - start);
    const pred = tf.tidy(() => {
      const x = tf.slice(xs, start, size);
      const out = model.predict(x) as tf.Tensor;
      return tf.argMax(out, -1);
    });
    const data = await pred.data();
    pred.dispose();
    for (let i = 0; i < size; i++) if (data[i] === labels[start + i]) correct++;
  }
  return (100 * correct) / n;
}

/** Mean cross-entropy loss of `model` on (xs, ys); one host read. */
export async function meanLoss(model: tf.LayersModel, xs: tf.Tensor, ys: tf.Tensor, batchSize = 500): Promise<number> {
  const out = model.evaluate(xs, ys, { batchSize });
  const scalars = Array.isArray(out) ? out : [out];
  try {
    return (await scalars[0]!.data())[0]!;
  } finally {
    tf.dispose(scalars);
  }
}

/** The machine, for the results files. */
export function machine(): { cpu: string; cores: number; loadAverage: number[]; platform: string; node: string; tfjs: string } {
  const cpus = os.cpus();
  return {
    cpu: cpus[0]?.model.trim() ?? 'unknown',
    cores: cpus.length,
    loadAverage: os.loadavg().map((x) => Number(x.toFixed(2))),
    platform: `${os.platform()} ${os.arch()}`,
    node: process.version,
    tfjs: tf.version.tfjs,
  };
}
