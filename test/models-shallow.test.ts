import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { RESNET_CIFAR_DEPTHS, resnetCifar } from '../src/models/resnet.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const trainable = (m: tf.LayersModel) => m.trainableWeights.reduce((s, w) => s + w.shape.reduce<number>((a, b) => a * (b ?? 1), 1), 0);

describe('resnetCifar at depths 8 and 14', () => {
  it('accepts 8 and 14 (one and two blocks per stage) besides the paper depths', () => {
    expect(RESNET_CIFAR_DEPTHS).toEqual([8, 14, 20, 32, 44, 56, 110]);
    expect(() => resnetCifar({ depth: 9 })).toThrow('Expected `resnetCifar.depth` to be 6n+2 (8, 14, 20, 32, 44, 56, 110), got 9.');
  });

  it('has the layer and parameter counts of n = 1 and n = 2, each 97,216 weights below the next depth', () => {
    // n = 1: stem 432 + 32; stage 1: 2 x 2,304 + 64; stage 2: 4,608 + 9,216 + 128;
    // stage 3: 18,432 + 36,864 + 256; head 650.
    const m8 = resnetCifar({ depth: 8, seed: 1 });
    const m14 = resnetCifar({ depth: 14, seed: 1 });
    const m20 = resnetCifar({ depth: 20, seed: 1 });
    expect(trainable(m8)).toBe(75_290);
    expect(trainable(m14)).toBe(172_506);
    expect(trainable(m20)).toBe(269_722);
    const kernels = (m: tf.LayersModel) => m.trainableWeights.filter((w) => w.name.includes('kernel')).length;
    expect(kernels(m8)).toBe(8);
    expect(kernels(m14)).toBe(14);
    const x = tf.zeros([2, 28, 28, 1]);
    const small = resnetCifar({ depth: 8, baseWidth: 4, inputShape: [28, 28, 1], seed: 2 });
    const y = small.predict(x) as tf.Tensor;
    expect(y.shape).toEqual([2, 10]);
    tf.dispose([x, y]);
    for (const m of [m8, m14, m20, small]) m.dispose();
  });
});
