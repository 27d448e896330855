/**
 * Helpers of the WebGPU tests. They run on SwiftShader, a Vulkan driver on the CPU, that
 * `bash scripts/swiftshader.sh` installs in .swiftshader/; vitest.config.ts then starts these
 * files' processes with LD_LIBRARY_PATH and VK_ICD_FILENAMES pointing at it. Without it the
 * tests are skipped, with a note saying how to enable them, except in CI (`CI` set), where a
 * missing driver fails.
 */
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';

import { selectBackend } from '../../src/backend/select.js';

const ENABLE = 'run `bash scripts/swiftshader.sh` (CI runs it through scripts/install.sh)';

/** Why WebGPU cannot run here, or undefined when SwiftShader's adapter is found. */
async function unavailableReason(): Promise<string | undefined> {
  if (process.env['AUTOLRS_SWIFTSHADER'] === undefined) return '.swiftshader/ is missing';
  try {
    const { create } = await import('webgpu');
    const adapter = (await create([]).requestAdapter()) as { info?: { architecture?: string } } | null;
    if (adapter === null) return 'Dawn found no adapter in .swiftshader/';
    if (adapter.info?.architecture !== 'swiftshader') return `Dawn found ${adapter.info?.architecture ?? 'an unknown'} adapter, not swiftshader`;
    return undefined;
  } catch (err) {
    return `Dawn failed to start (${err instanceof Error ? err.message : String(err)})`;
  }
}

/** Undefined when the SwiftShader adapter is usable in this process, else why not. */
export const webgpuUnavailable = await unavailableReason();

/**
 * `describe` for tests that need the software WebGPU adapter: skipped (saying how to
 * enable them) when it is absent, failing instead when `CI` is set.
 */
export function describeWebgpu(name: string, fn: () => void): void {
  if (webgpuUnavailable === undefined) {
    describe(name, fn);
    return;
  }
  if (process.env['CI']) {
    describe(name, () => {
      it('needs SwiftShader', () => {
        throw new Error(`WebGPU tests cannot run: ${webgpuUnavailable}; ${ENABLE}.`);
      });
    });
    return;
  }
  console.warn(`WebGPU tests skipped: ${webgpuUnavailable}; to enable them, ${ENABLE}.`);
  describe.skip(`${name} (skipped: ${webgpuUnavailable}; to enable, ${ENABLE})`, fn);
}

/** Sets the webgpu backend on the software adapter (asked for explicitly, so it is taken). */
export async function useWebgpu(): Promise<void> {
  const sel = await selectBackend({ backend: 'webgpu', log: () => {} });
  expect(sel.name).toBe('webgpu');
  expect(tf.getBackend()).toBe('webgpu');
}
