import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';

import { BackendUnavailableError, selectBackend } from '../../src/backend/select.js';

/** Whether Dawn finds a GPU adapter on this machine (decides what 'auto' must pick). */
async function hasGpuAdapter(): Promise<boolean> {
  try {
    const { create } = await import('webgpu');
    return (await create([]).requestAdapter()) !== null;
  } catch {
    return false;
  }
}

describe('selectBackend', () => {
  it('validates its options', async () => {
    await expect(selectBackend({ backend: 'gpu' as never })).rejects.toThrow(TypeError);
    await expect(selectBackend({ backend: 'gpu' as never })).rejects.toThrow(
      'Expected `backend` to be one of "auto", "tensorflow", "webgpu", "wasm", "cpu", got "gpu".',
    );
    await expect(selectBackend({ backnd: 'cpu' } as never)).rejects.toThrow(/Unknown option `backnd`/);
    await expect(selectBackend({ backend: 'cpu', log: 'yes' as never })).rejects.toThrow('Expected `log` to be a function, got "yes".');
    await expect(selectBackend({ backend: 'cpu', wasmPaths: 3 as never })).rejects.toThrow('Expected `wasmPaths` to be a string, got 3.');
    await expect(selectBackend(null as never)).rejects.toThrow(/Expected `options` to be an options object/);
  });

  it("'cpu' explicit sets the cpu backend", async () => {
    const lines: string[] = [];
    const sel = await selectBackend({ backend: 'cpu', log: (l) => lines.push(l) });
    expect(sel.name).toBe('cpu');
    expect(tf.getBackend()).toBe('cpu');
    expect(sel.skipped).toEqual([]);
    expect(sel.kernelOverrides).toEqual([]);
    expect(sel.reason).toMatch(/asked for explicitly/);
    expect(sel.device).toMatch(/logical cores/);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^backend cpu: chosen/);
  });

  it("explicit 'tensorflow' throws BackendUnavailableError when tfjs-node is not installed", async () => {
    const err = await selectBackend({ backend: 'tensorflow' }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(BackendUnavailableError);
    const e = err as BackendUnavailableError;
    expect(e.name).toBe('BackendUnavailableError');
    expect(e.backend).toBe('tensorflow');
    expect(e.message).toBe(
      'Backend `tensorflow` is not available: package `@tensorflow/tfjs-node-gpu` is not installed; ' +
        'package `@tensorflow/tfjs-node` is not installed.',
    );
  });

  it("'auto' skips what is missing, with reasons, and registers the wasm kernels", async () => {
    const gpu = await hasGpuAdapter();
    const lines: string[] = [];
    const sel = await selectBackend({ log: (l) => lines.push(l) });
    expect(sel.skipped[0]).toEqual({
      name: 'tensorflow',
      reason: 'package `@tensorflow/tfjs-node-gpu` is not installed; package `@tensorflow/tfjs-node` is not installed',
    });
    expect(tf.getBackend()).toBe(sel.name);
    if (gpu) {
      expect(sel.name).toBe('webgpu');
      expect(sel.skipped).toHaveLength(1);
    } else {
      expect(sel.name).toBe('wasm');
      expect(sel.skipped.map((s) => s.name)).toEqual(['tensorflow', 'webgpu']);
      expect(sel.skipped[1]?.reason).toBe('no GPU adapter was found (Dawn requestAdapter() returned null)');
      expect(sel.kernelOverrides).toEqual(['Conv2DBackpropFilter', 'Conv2DBackpropInput', 'Tile']);
      expect(tf.getKernel('Conv2DBackpropFilter', 'wasm')).toBeDefined();
      expect(sel.device).toMatch(/WebAssembly/);
      expect(sel.reason).toMatch(/first available in auto order/);
    }
    expect(lines).toHaveLength(sel.skipped.length + 1);
    expect(lines.at(-1)).toMatch(new RegExp(`^backend ${sel.name}: chosen`));
  });

  it("explicit 'webgpu' without a GPU adapter throws instead of falling back", async () => {
    if (await hasGpuAdapter()) {
      const sel = await selectBackend({ backend: 'webgpu' });
      expect(sel.name).toBe('webgpu');
      return;
    }
    const before = tf.getBackend();
    await expect(selectBackend({ backend: 'webgpu' })).rejects.toThrow(
      'Backend `webgpu` is not available: no GPU adapter was found (Dawn requestAdapter() returned null).',
    );
    expect(tf.getBackend()).toBe(before);
  });

  it("explicit 'wasm' trains a conv layer (its filter-gradient kernel is registered)", async () => {
    const sel = await selectBackend({ backend: 'wasm' });
    expect(sel.name).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
    const g = tf.tidy(() =>
      tf.grad((w: tf.Tensor) => tf.conv2d(tf.ones([1, 4, 4, 1]) as tf.Tensor4D, w as tf.Tensor4D, 1, 'valid').sum())(tf.ones([3, 3, 1, 1])),
    );
    // Each of the 3x3 filter taps sees the 2x2 output positions once: gradient 4 everywhere.
    expect(Array.from(await g.data())).toEqual(new Array(9).fill(4));
    g.dispose();
  });
});
