/**
 * Training throughput of a CIFAR ResNet (`model.trainOnBatch`, SGD with momentum, random
 * 32x32x3 images and labels), as bench/throughput.ts measures it, for bench/gpu.ts: one
 * configuration at a time, with a cap on its wall time, and an optional per-kernel profile
 * of one more step.
 */
import * as tf from '@tensorflow/tfjs';

import { resnetCifar } from '../../src/models/resnet.js';

export interface ThroughputConfig {
  depth: number;
  batch: number;
  /** Channels of the first stage (16 in the paper). */
  width: number;
  /** Input height and width (32 for CIFAR). */
  size: number;
  warmup: number;
  /** At most this many measured steps... */
  steps: number;
  /** ...and no more measured steps once this many seconds have gone (at least one step). */
  maxSeconds: number;
  profile: boolean;
}

export interface ThroughputResult {
  model: string;
  batch: number;
  width: number;
  inputSize: number;
  parameters: number;
  warmupMs: number[];
  stepMs: number[];
  meanStepMs: number;
  imagesPerSecond: number;
  losses: number[];
  tensorsLeakedPerStep: number;
  profile?: { totalKernelMs: number; kernels: Array<{ kernel: string; ms: number; calls: number; share: number }> };
}

const r2 = (x: number): number => Number(x.toFixed(2));

export async function measureThroughput(c: ThroughputConfig): Promise<ThroughputResult> {
  const model = resnetCifar({ depth: c.depth, baseWidth: c.width, inputShape: [c.size, c.size, 3], numClasses: 10, seed: 1 });
  model.compile({ optimizer: tf.train.momentum(0.1, 0.9), loss: 'categoricalCrossentropy' });
  const x = tf.randomNormal([c.batch, c.size, c.size, 3], 0, 1, 'float32', 7);
  const y = tf.tidy(() => tf.oneHot(tf.randomUniform([c.batch], 0, 10, 'int32', 8), 10));
  const step = async (): Promise<number> => {
    const loss = await model.trainOnBatch(x, y);
    return Array.isArray(loss) ? (loss[0] as number) : loss;
  };
  try {
    const losses: number[] = [];
    const warmupMs: number[] = [];
    for (let i = 0; i < c.warmup; i++) {
      const t0 = performance.now();
      losses.push(await step());
      warmupMs.push(r2(performance.now() - t0));
    }
    const before = tf.memory().numTensors;
    const stepMs: number[] = [];
    const start = performance.now();
    while (stepMs.length < c.steps && (stepMs.length === 0 || performance.now() - start < c.maxSeconds * 1000)) {
      const t0 = performance.now();
      losses.push(await step());
      stepMs.push(r2(performance.now() - t0));
    }
    const leaked = (tf.memory().numTensors - before) / stepMs.length;
    const mean = stepMs.reduce((a, b) => a + b, 0) / stepMs.length;
    const result: ThroughputResult = {
      model: `resnet${c.depth}`,
      batch: c.batch,
      width: c.width,
      inputSize: c.size,
      parameters: model.countParams(),
      warmupMs,
      stepMs,
      meanStepMs: r2(mean),
      imagesPerSecond: r2((c.batch * 1000) / mean),
      losses: losses.map((l) => Number(l.toFixed(4))),
      tensorsLeakedPerStep: r2(leaked),
    };
    if (c.profile) {
      const info = await tf.profile(async () => {
        await step();
      });
      const byKernel = new Map<string, { ms: number; calls: number }>();
      for (const k of info.kernels) {
        const ms = typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0;
        const e = byKernel.get(k.name) ?? { ms: 0, calls: 0 };
        e.ms += ms;
        e.calls += 1;
        byKernel.set(k.name, e);
      }
      // `<name>__op` entries are scopes whose kernels are listed on their own.
      const total = [...byKernel.entries()].filter(([k]) => !k.endsWith('__op')).reduce((a, [, v]) => a + v.ms, 0);
      result.profile = {
        totalKernelMs: r2(total),
        kernels: [...byKernel.entries()]
          .map(([kernel, v]) => ({ kernel, ms: r2(v.ms), calls: v.calls, share: total > 0 ? Number((v.ms / total).toFixed(4)) : 0 }))
          .sort((a, b) => b.ms - a.ms),
      };
    }
    return result;
  } finally {
    tf.dispose([x, y]);
    model.dispose();
  }
}
