import { describe, it, expect, afterAll } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { resnetCifar, resnetImageNet, PadShortcut } from '../src/models/resnet.js';

const models: tf.LayersModel[] = [];
function track(m: tf.LayersModel): tf.LayersModel {
  models.push(m);
  return m;
}
afterAll(() => {
  for (const m of models) m.dispose();
});

/** Trainable parameters: the convention of published counts (no batch-norm moving statistics). */
function trainable(m: tf.LayersModel): number {
  return m.trainableWeights.reduce((s, w) => s + w.shape.reduce((a: number, b) => a * (b as number), 1), 0);
}

describe('resnetCifar', () => {
  it('ResNet-20 has ~0.27 M parameters and maps a 32x32x3 image to 10 probabilities', () => {
    const m = track(resnetCifar({ depth: 20, seed: 1 }));
    expect(trainable(m)).toBe(269_722);
    expect(Math.abs(m.countParams() - 270_000) / 270_000).toBeLessThan(0.02);
    // 19 conv + 1 dense layers with weights.
    expect(m.layers.filter((l) => l.getClassName() === 'Conv2D')).toHaveLength(19);
    expect(m.layers.filter((l) => l.getClassName() === 'Dense')).toHaveLength(1);
    const y = tf.tidy(() => m.predict(tf.randomNormal([1, 32, 32, 3], 0, 1, 'float32', 3)) as tf.Tensor);
    expect(y.shape).toEqual([1, 10]);
    const p = Array.from(y.dataSync());
    expect(p.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
    expect(p.every((v) => v >= 0)).toBe(true);
    y.dispose();
  });

  it('ResNet-56 has ~0.85 M parameters', () => {
    const m = track(resnetCifar({ depth: 56 }));
    expect(trainable(m)).toBe(853_018);
    expect(Math.abs(m.countParams() - 850_000) / 850_000).toBeLessThan(0.02);
    expect(m.layers.filter((l) => l.getClassName() === 'Conv2D')).toHaveLength(55);
  });

  it('accepts a Fashion-MNIST shape [28, 28, 1] and another number of classes', () => {
    const m = track(resnetCifar({ depth: 20, inputShape: [28, 28, 1], numClasses: 7, seed: 2 }));
    expect(m.inputs[0]!.shape).toEqual([null, 28, 28, 1]);
    const y = tf.tidy(() => m.predict(tf.ones([1, 28, 28, 1])) as tf.Tensor);
    expect(y.shape).toEqual([1, 7]);
    y.dispose();
  });

  it('option A shortcuts subsample and zero-pad channels, without weights', () => {
    const layer = new PadShortcut({ channels: 4, stride: 2 });
    const x = tf.tensor4d(Array.from({ length: 16 * 2 }, (_, i) => i + 1), [1, 4, 4, 2]);
    const y = layer.apply(x) as tf.Tensor;
    expect(y.shape).toEqual([1, 2, 2, 4]);
    // Pixel (0,0) -> channels [0, x0, x1, 0]; pixel (0,1) of the output is input pixel (0,2).
    const v = y.arraySync() as number[][][][];
    expect(v[0]![0]![0]).toEqual([0, 1, 2, 0]);
    expect(v[0]![0]![1]).toEqual([0, 5, 6, 0]);
    expect(v[0]![1]![0]).toEqual([0, 17, 18, 0]);
    expect(layer.countParams()).toBe(0);
    tf.dispose([x, y]);
  });

  it('trains: gradients reach every kernel through the option A shortcuts', () => {
    const m = track(resnetCifar({ depth: 20, inputShape: [8, 8, 1], numClasses: 3, seed: 4 }));
    const x = tf.randomNormal([2, 8, 8, 1], 0, 1, 'float32', 5);
    const y = tf.oneHot(tf.tensor1d([0, 2], 'int32'), 3);
    const { grads } = tf.variableGrads(() =>
      tf.metrics.categoricalCrossentropy(y, m.apply(x, { training: true }) as tf.Tensor).mean() as tf.Scalar,
    );
    const kernels = m.trainableWeights.filter((w) => w.name.includes('kernel')).map((w) => (w.read() as tf.Variable).name);
    expect(kernels).toHaveLength(20);
    for (const k of kernels) {
      expect(grads[k], k).toBeDefined();
      expect(tf.tidy(() => grads[k]!.abs().sum().dataSync()[0]!), k).toBeGreaterThan(0);
    }
    tf.dispose([x, y, ...Object.values(grads)]);
  });

  it('round-trips through JSON (the shortcut layer is registered for serialization)', async () => {
    const m = track(resnetCifar({ depth: 20, seed: 1 }));
    const topology = JSON.parse(JSON.stringify(m.toJSON(null, false))) as tf.io.ModelJSON['modelTopology'];
    const copy = track(await tf.models.modelFromJSON({ modelTopology: topology }));
    expect(copy.countParams()).toBe(m.countParams());
    const shortcuts = copy.layers.filter((l): l is PadShortcut => l instanceof PadShortcut);
    expect(shortcuts.map((l) => [l.channels, l.stride])).toEqual([[32, 2], [64, 2]]);
  });

  it.each([0, 7])('seed %i: two builds have identical weights, every layer (tfjs treats a seed of 0 as unseeded)', (seed) => {
    const a = track(resnetCifar({ depth: 8, baseWidth: 8, inputShape: [28, 28, 1], seed }));
    const b = track(resnetCifar({ depth: 8, baseWidth: 8, inputShape: [28, 28, 1], seed }));
    const wa = a.getWeights();
    const wb = b.getWeights();
    wa.forEach((t, i) => expect(Array.from(t.dataSync()), a.weights[i]!.name).toEqual(Array.from(wb[i]!.dataSync())));
  });

  it('rejects a seed that is not an integer >= 0', () => {
    expect(() => resnetCifar({ depth: 8, seed: -1 })).toThrow(RangeError);
    expect(() => resnetCifar({ depth: 8, seed: 1.5 })).toThrow(/seed/);
  });

  it('the same seed gives the same weights, a different seed different ones', () => {
    const a = track(resnetCifar({ depth: 20, seed: 7 }));
    const b = track(resnetCifar({ depth: 20, seed: 7 }));
    const c = track(resnetCifar({ depth: 20, seed: 8 }));
    const w = (m: tf.LayersModel, i: number) => m.getWeights()[i]!.dataSync();
    expect(Array.from(w(a, 0))).toEqual(Array.from(w(b, 0)));
    expect(Array.from(w(a, 0))).not.toEqual(Array.from(w(c, 0)));
    // Different layers of one model get different kernels (per-layer seeds).
    const conv = a.layers.filter((l) => l.getClassName() === 'Conv2D');
    const k1 = Array.from(conv[1]!.getWeights()[0]!.dataSync());
    const k2 = conv[2]!.getWeights()[0]!.dataSync();
    expect(k1).not.toEqual(Array.from(k2));
    // He-normal: variance about 2 / fan_in (fan_in = 3*3*16 = 144), truncated normal.
    const mean = k1.reduce((s, v) => s + v, 0) / k1.length;
    const variance = k1.reduce((s, v) => s + (v - mean) ** 2, 0) / k1.length;
    expect(variance).toBeGreaterThan((2 / 144) * 0.5);
    expect(variance).toBeLessThan((2 / 144) * 1.5);
  });

  it('adds L2 regularizers to conv and dense kernels when weightDecay > 0, none otherwise', () => {
    const m = track(resnetCifar({ depth: 20, weightDecay: 1e-4 }));
    const withKernels = m.layers.filter((l) => ['Conv2D', 'Dense'].includes(l.getClassName()));
    expect(withKernels).toHaveLength(20);
    for (const l of withKernels) {
      const cfg = l.getConfig() as { kernelRegularizer?: { className: string; config: { l2: number } } | null };
      expect(cfg.kernelRegularizer?.className).toBe('L1L2');
      expect(cfg.kernelRegularizer?.config.l2).toBeCloseTo(5e-5, 12);
    }
    // One regularization loss per kernel, equal to (weightDecay / 2) * sum(w^2).
    const losses = m.calculateLosses();
    expect(losses).toHaveLength(20);
    const total = losses.reduce((s, l) => s + l.dataSync()[0]!, 0);
    tf.dispose(losses);
    const sumSq = withKernels.reduce((s, l) => s + tf.tidy(() => tf.sum(tf.square(l.getWeights()[0]!)).dataSync()[0]!), 0);
    expect(total).toBeCloseTo(5e-5 * sumSq, 6);
    expect(total).toBeGreaterThan(0);
    const plain = track(resnetCifar({ depth: 20 }));
    expect(plain.calculateLosses()).toHaveLength(0);
    for (const l of plain.layers.filter((l) => l.getClassName() === 'Conv2D')) {
      expect((l.getConfig() as { kernelRegularizer?: unknown }).kernelRegularizer ?? null).toBeNull();
    }
  });

  it('rejects invalid options with typed errors', () => {
    expect(() => resnetCifar({ depth: 21 })).toThrow(RangeError);
    expect(() => resnetCifar({ depth: 21 })).toThrow('Expected `resnetCifar.depth` to be 6n+2 (8, 14, 20, 32, 44, 56, 110), got 21.');
    expect(() => resnetCifar({ depth: 38 })).toThrow(RangeError);
    expect(() => resnetCifar({ depth: '20' as unknown as number })).toThrow(TypeError);
    expect(() => resnetCifar({ depth: 20, numClasses: 1 })).toThrow(/numClasses/);
    expect(() => resnetCifar({ depth: 20, numClasses: 2.5 })).toThrow(RangeError);
    expect(() => resnetCifar({ depth: 20, inputShape: [32, 32] })).toThrow(/inputShape.*3 positive integers/);
    expect(() => resnetCifar({ depth: 20, inputShape: [32, 0, 3] })).toThrow(RangeError);
    expect(() => resnetCifar({ depth: 20, inputShape: [32, 32.5, 3] })).toThrow(RangeError);
    expect(() => resnetCifar({ depth: 20, weightDecay: -1e-4 })).toThrow(/weightDecay/);
    expect(() => resnetCifar({ depth: 20, widht: 2 } as never)).toThrow(/Unknown option `widht`/);
  });
});

describe('resnetImageNet', () => {
  it('ResNet-18 has ~11.7 M parameters with 1000 classes', () => {
    const m = track(resnetImageNet({ depth: 18 }));
    expect(trainable(m)).toBe(11_689_512);
    expect(Math.abs(m.countParams() - 11.7e6) / 11.7e6).toBeLessThan(0.02);
    expect(m.outputs[0]!.shape).toEqual([null, 1000]);
    expect(m.inputs[0]!.shape).toEqual([null, 224, 224, 3]);
  });

  it('ResNet-50 has ~25.6 M parameters with 1000 classes', () => {
    const m = track(resnetImageNet({ depth: 50, weightDecay: 5e-5 }));
    expect(trainable(m)).toBe(25_557_032);
    expect(Math.abs(m.countParams() - 25.6e6) / 25.6e6).toBeLessThan(0.02);
    // 49 conv (+ 4 projection) layers and the dense head, each with an L2 regularizer.
    expect(m.layers.filter((l) => l.getClassName() === 'Conv2D')).toHaveLength(53);
    const losses = m.calculateLosses();
    expect(losses).toHaveLength(54);
    tf.dispose(losses);
  });

  it('rejects invalid options with typed errors', () => {
    expect(() => resnetImageNet({ depth: 101 })).toThrow(RangeError);
    expect(() => resnetImageNet({ depth: 18, numClasses: 0 })).toThrow(RangeError);
    expect(() => resnetImageNet({ depth: 18, inputShape: [224, 224, 3, 1] })).toThrow(RangeError);
    expect(() => resnetImageNet({ depth: 18, weightDecay: -1 })).toThrow(RangeError);
  });
});
