/**
 * The filter-gradient part of bench/gpu.ts with tiny sizes on webgpu (SwiftShader): the
 * split-K kernel, its variants and the built-in kernel it replaced, swapped in and out.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

import { afterAll, expect, it } from 'vitest';

import { describeWebgpu } from './helpers.js';

const run = promisify(execFile);
const root = resolve(import.meta.dirname, '../..');
const dir = mkdtempSync(join(tmpdir(), 'autolrs-gpu-bench-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describeWebgpu('bench/gpu.ts --smoke on webgpu (SwiftShader)', () => {
  it('measures the split-K and the built-in filter gradient, which agree', async () => {
    const tsx = join(root, 'node_modules', '.bin', 'tsx');
    await run(tsx, ['bench/gpu.ts', '--smoke', '--backend', 'webgpu', '--parts', 'filtergrad', '--out', dir], { cwd: root, timeout: 110_000 });
    const fg = JSON.parse(readFileSync(join(dir, 'filter-grad.json'), 'utf8'));
    expect(fg.backend.name).toBe('webgpu');
    expect(fg.backend.device).toMatch(/swiftshader/);
    expect(fg.results).toHaveLength(2);
    for (const r of fg.results) {
      expect(r.filterGrad.builtInMs).toBeGreaterThan(0);
      expect(r.filterGrad.maxRelDiff).toBeLessThan(1e-5);
      expect(r.filterGrad.variants).toHaveLength(1);
      expect(r.filterGrad.variants[0].splits).toBeGreaterThan(1);
    }
  });
});
