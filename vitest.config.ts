import { existsSync } from 'node:fs';
import { resolve } from 'node:path';

import { defineConfig } from 'vitest/config';

/**
 * The WebGPU tests (test/webgpu/) run on SwiftShader, a Vulkan driver on the CPU, when
 * `bash scripts/swiftshader.sh` has put it in .swiftshader/. The dynamic loader reads
 * LD_LIBRARY_PATH only when a process starts, so it is set in the environment of the
 * processes that run those files (one forked process per file), not at run time.
 */
const swiftshader = resolve(import.meta.dirname, '.swiftshader');
const icd = resolve(swiftshader, 'vk_swiftshader_icd.json');
const webgpuEnv: Record<string, string> = existsSync(icd)
  ? {
      LD_LIBRARY_PATH: [swiftshader, process.env['LD_LIBRARY_PATH']].filter(Boolean).join(':'),
      VK_ICD_FILENAMES: icd,
      AUTOLRS_SWIFTSHADER: swiftshader,
    }
  : {};

export default defineConfig({
  test: {
    // Each file runs in its own process: tfjs keeps global engine state.
    pool: 'forks',
    testTimeout: 120_000,
    hookTimeout: 120_000,
    projects: [
      {
        extends: true,
        test: { name: 'unit', include: ['test/**/*.test.ts'], exclude: ['test/webgpu/**'] },
      },
      {
        extends: true,
        test: { name: 'webgpu', include: ['test/webgpu/**/*.test.ts'], env: webgpuEnv },
      },
    ],
  },
});
