import { describe, it, expect } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { makeDataset, epochBatches, batchesPerEpoch, type Batch } from '../../src/data/batches.js';

/** n examples: x[i] = an image [2, 2, 1] filled with i; y[i] = [i, -i]. */
function toy(n: number): { x: tf.Tensor4D; y: tf.Tensor2D } {
  const x = tf.tidy(() => tf.range(0, n).reshape([n, 1, 1, 1]).tile([1, 2, 2, 1]) as tf.Tensor4D);
  const y = tf.tidy(() => tf.stack([tf.range(0, n), tf.range(0, n).neg()], 1) as tf.Tensor2D);
  return { x, y };
}

async function collect(ds: tf.data.Dataset<Batch>): Promise<{ shapes: number[][]; ids: number[] }> {
  const shapes: number[][] = [];
  const ids: number[] = [];
  await ds.forEachAsync((b) => {
    shapes.push(b.xs.shape, b.ys.shape);
    const ys = b.ys.arraySync() as number[][];
    const xs = b.xs.arraySync() as number[][][][];
    ys.forEach((row, k) => {
      // Images and labels stay paired.
      expect(xs[k]![1]![1]![0]).toBe(row[0]);
      expect(row[1]).toBe(-row[0]!);
      ids.push(row[0]!);
    });
    tf.dispose([b.xs, b.ys]);
  });
  return { shapes, ids };
}

describe('makeDataset', () => {
  it('yields batches of the right shapes and covers each example once per epoch, reshuffled', async () => {
    const { x, y } = toy(10);
    const ds = makeDataset(x, y, { batchSize: 4, seed: 1 });
    const e0 = await collect(ds);
    const e1 = await collect(ds);
    expect(e0.shapes).toEqual([[4, 2, 2, 1], [4, 2], [4, 2, 2, 1], [4, 2], [2, 2, 2, 1], [2, 2]]);
    for (const e of [e0, e1]) expect([...e.ids].sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(e0.ids).not.toEqual(e1.ids);
    expect(e0.ids).not.toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    // Same seed: the same sequence of epochs.
    const again = makeDataset(x, y, { batchSize: 4, seed: 1 });
    expect((await collect(again)).ids).toEqual(e0.ids);
    expect((await collect(again)).ids).toEqual(e1.ids);
    const other = makeDataset(x, y, { batchSize: 4, seed: 2 });
    expect((await collect(other)).ids).not.toEqual(e0.ids);
    tf.dispose([x, y]);
  });

  it('shuffle: false keeps the order; dropRemainder drops the short batch', async () => {
    const { x, y } = toy(10);
    const ordered = await collect(makeDataset(x, y, { batchSize: 3, shuffle: false }));
    expect(ordered.ids).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const dropped = await collect(makeDataset(x, y, { batchSize: 3, dropRemainder: true, seed: 4 }));
    expect(dropped.ids).toHaveLength(9);
    expect(new Set(dropped.ids).size).toBe(9);
    expect(batchesPerEpoch(10, 3)).toBe(4);
    expect(batchesPerEpoch(10, 3, true)).toBe(3);
    tf.dispose([x, y]);
  });

  it('augments batches on the fly, deterministically per seed and epoch', async () => {
    const n = 8;
    const x = tf.tidy(() => tf.randomUniform([n, 6, 6, 1], 1, 2, 'float32', 11) as tf.Tensor4D);
    const y = tf.tidy(() => tf.oneHot(tf.range(0, n, 1, 'int32'), n).toFloat() as tf.Tensor2D);
    const epoch = async (ds: tf.data.Dataset<Batch>) => {
      const out: number[] = [];
      await ds.forEachAsync((b) => {
        expect(b.xs.shape.slice(1)).toEqual([6, 6, 1]);
        out.push(...b.xs.dataSync());
        tf.dispose([b.xs, b.ys]);
      });
      return out;
    };
    const opts = { batchSize: 4, seed: 3, augment: { padding: 2 } };
    const a = makeDataset(x, y, opts);
    const a0 = await epoch(a);
    const b0 = await epoch(makeDataset(x, y, opts));
    expect(a0).toEqual(b0);
    // Crops bring in zero padding (the images themselves have no zeros).
    expect(a0.some((v) => v === 0)).toBe(true);
    const plain = await epoch(makeDataset(x, y, { batchSize: 4, seed: 3 }));
    expect(plain.some((v) => v === 0)).toBe(false);
    expect(a0).not.toEqual(plain);
    tf.dispose([x, y]);
  });

  it('trains with model.fitDataset without leaking tensors', async () => {
    const { x, y } = toy(12);
    const xs = tf.tidy(() => x.div(12) as tf.Tensor4D);
    const model = tf.sequential({
      layers: [tf.layers.flatten({ inputShape: [2, 2, 1] }), tf.layers.dense({ units: 2, kernelInitializer: 'zeros' })],
    });
    model.compile({ optimizer: tf.train.sgd(0.01), loss: 'meanSquaredError' });
    const ds = makeDataset(xs, y, { batchSize: 5, seed: 0 });
    await model.fitDataset(ds, { epochs: 1, verbose: 0 });
    const before = tf.memory().numTensors;
    const h = await model.fitDataset(ds, { epochs: 2, verbose: 0 });
    expect(h.history['loss']).toHaveLength(2);
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
    tf.dispose([x, y, xs]);
  });
});

describe('epochBatches', () => {
  it('gives epoch e of makeDataset for the same options', async () => {
    const { x, y } = toy(9);
    const ds = makeDataset(x, y, { batchSize: 4, seed: 8 });
    await collect(ds); // epoch 0
    const e1 = await collect(ds);
    const ids: number[] = [];
    for (const b of epochBatches(x, y, { batchSize: 4, seed: 8 }, 1)) {
      ids.push(...(b.ys.arraySync() as number[][]).map((r) => r[0]!));
      tf.dispose([b.xs, b.ys]);
    }
    expect(ids).toEqual(e1.ids);
    tf.dispose([x, y]);
  });

  it('rejects mismatched inputs and invalid options', () => {
    const { x, y } = toy(4);
    const y3 = tf.zeros([3, 2]);
    expect(() => makeDataset(x, y3)).toThrow(/same number of examples/);
    expect(() => makeDataset(x, y, { batchSize: 0 })).toThrow(RangeError);
    expect(() => makeDataset(y, y, { augment: true })).toThrow(/rank 4/);
    expect(() => epochBatches(x, y, {}, -1)).toThrow(/epoch/);
    expect(() => makeDataset(x, y, { batchsize: 2 } as never)).toThrow(/Unknown option `batchsize`/);
    tf.dispose([x, y, y3]);
  });
});
