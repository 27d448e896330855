/**
 * bench/gpu.ts end to end with tiny sizes on wasm (the GPU run itself is for a GPU
 * machine): each part runs in its own process and writes its JSON.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

import { afterAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = resolve(import.meta.dirname, '../..');
const dir = mkdtempSync(join(tmpdir(), 'autolrs-gpu-bench-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('bench/gpu.ts --smoke on wasm', () => {
  it('runs the filter-gradient and throughput parts and writes their results', async () => {
    const tsx = join(root, 'node_modules', '.bin', 'tsx');
    await run(tsx, ['bench/gpu.ts', '--smoke', '--backend', 'wasm', '--parts', 'filtergrad,throughput', '--out', dir], {
      cwd: root,
      timeout: 110_000,
    });
    const status = JSON.parse(readFileSync(join(dir, 'run-filtergrad-throughput.json'), 'utf8'));
    expect(status.parts.map((p: { part: string; status: string }) => [p.part, p.status])).toEqual([
      ['filtergrad', 'ok'],
      ['throughput', 'ok'],
    ]);
    const fg = JSON.parse(readFileSync(join(dir, 'filter-grad.json'), 'utf8'));
    expect(fg.backend.name).toBe('wasm');
    expect(fg.results.map((r: { shape: string }) => r.shape)).toEqual(['4x8x8x4 k3 s1 -> 4', '4x8x8x4 k3 s2 -> 8']);
    for (const r of fg.results) {
      expect(r.forwardMs).toBeGreaterThan(0);
      expect(r.filterGrad.splitK.ms).toBeGreaterThan(0);
      expect(r.filterGrad.builtInMs).toBeNull(); // wasm has no built-in filter gradient
    }
    const tp = JSON.parse(readFileSync(join(dir, 'throughput.json'), 'utf8'));
    expect(tp.results).toHaveLength(1);
    const r = tp.results[0];
    expect(r).toMatchObject({ model: 'resnet8', batch: 4, filterGradKernel: 'wasm', tensorsLeakedPerStep: 0 });
    expect(r.stepMs).toHaveLength(2);
    expect(r.imagesPerSecond).toBeCloseTo((4 * 1000) / r.meanStepMs, 1);
    expect(r.profile.kernels.length).toBeGreaterThan(5);
  });
});
