import { describe, expect, it } from 'vitest';

import { planFilterGrad } from '../../src/backend/kernels/conv2d-backprop-filter-webgpu.js';

const conv = (n: number, hw: number, ci: number, co: number, k = 3) => ({
  batchSize: n,
  outHeight: hw,
  outWidth: hw,
  filterHeight: k,
  filterWidth: k,
  inChannels: ci,
  outChannels: co,
});

describe('planFilterGrad (split of the webgpu filter gradient)', () => {
  it('splits a ResNet layer at batch 128 into enough workgroups', () => {
    // K = 3*3*16 = 144 taps: 4 per thread, 3 tiles of 64; 16 channels: 1 per thread, 1 tile.
    const p = planFilterGrad(conv(128, 32, 16, 16), { targetWorkgroups: 2048, minChunk: 256 });
    expect(p).toMatchObject({ K: 144, M: 131072, rowsPerThread: 4, colsPerThread: 1 });
    expect(p.dispatch.slice(0, 2)).toEqual([1, 3]);
    // 2048 / 3 tiles -> 683 chunks wanted, of 192 rows: raised to the 256-row minimum.
    expect(p.chunk).toBe(256);
    expect(p.splits).toBe(512);
    expect(p.dispatch[2]).toBe(512);
  });

  it('uses one chunk, rounded up to whole 16-row steps, when the reduction is short', () => {
    const p = planFilterGrad(conv(1, 5, 3, 70), { targetWorkgroups: 2048, minChunk: 256 });
    expect(p).toMatchObject({ M: 25, splits: 1, chunk: 32, colsPerThread: 4 });
    expect(p.dispatch).toEqual([2, 1, 1]);
  });

  it('never plans more chunks than a dispatch dimension holds (65,535)', () => {
    const p = planFilterGrad(conv(4096, 512, 1, 1), { targetWorkgroups: 1e9, minChunk: 16 });
    expect(p.splits).toBeLessThanOrEqual(65535);
    expect(p.splits * p.chunk).toBeGreaterThanOrEqual(4096 * 512 * 512);
    expect(p.chunk % 16).toBe(0);
  });
});
