import * as tf from '@tensorflow/tfjs';
import { expect, it, vi } from 'vitest';

import { selectBackend } from '../../src/backend/select.js';
import { describeWebgpu } from './helpers.js';

describeWebgpu('selectBackend with only a software WebGPU adapter (SwiftShader)', () => {
  it("'auto' skips the software adapter, says why, and picks wasm", async () => {
    const lines: string[] = [];
    const sel = await selectBackend({ log: (l) => lines.push(l) });
    expect(sel.name).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
    expect(sel.skipped.map((s) => s.name)).toEqual(['tensorflow', 'webgpu']);
    expect(sel.skipped[1]?.reason).toMatch(
      /^the only adapter found, google swiftshader .*\(Dawn\), is a software adapter \(isFallbackAdapter\) that runs on the CPU, far slower than wasm; ask for `webgpu` explicitly to use it$/,
    );
    expect(sel.warnings).toEqual([]);
    expect(lines[1]).toMatch(/^backend webgpu: skipped: the only adapter found, google swiftshader .* is a software adapter/);
  });

  it("explicit 'webgpu' takes the software adapter, with a warning", async () => {
    const lines: string[] = [];
    const sel = await selectBackend({ backend: 'webgpu', log: (l) => lines.push(l) });
    expect(sel.name).toBe('webgpu');
    expect(tf.getBackend()).toBe('webgpu');
    expect(sel.device).toMatch(/^google swiftshader/);
    expect(sel.warnings).toHaveLength(1);
    expect(sel.warnings[0]).toMatch(/^the WebGPU adapter google swiftshader .* is a software adapter \(isFallbackAdapter\): it runs on the CPU/);
    expect(lines).toEqual([expect.stringMatching(/^backend webgpu: chosen: asked for explicitly/), `backend webgpu: warning: ${sel.warnings[0]}`]);
    const y = tf.matMul(tf.tensor2d([1, 2, 3, 4], [2, 2]), tf.tensor2d([5, 6, 7, 8], [2, 2]));
    expect(Array.from(await y.data())).toEqual([19, 22, 43, 50]);
    tf.dispose(y);
  });

  it("explicit 'webgpu' without a log writes the warning with console.warn; 'auto' still skips it afterwards", async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    try {
      const sel = await selectBackend({ backend: 'webgpu' });
      expect(sel.name).toBe('webgpu');
      expect(warn).toHaveBeenCalledWith(`autolrs: backend webgpu: ${sel.warnings[0]}`);
    } finally {
      warn.mockRestore();
    }
    // The webgpu backend is registered now; 'auto' must still look at the adapter.
    const again = await selectBackend();
    expect(again.name).toBe('wasm');
    expect(again.skipped[1]?.reason).toMatch(/software adapter \(isFallbackAdapter\)/);
  });
});
