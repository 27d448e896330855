/**
 * Kernel overrides that make training fast (or possible) on a given backend, and their
 * registration with the tfjs kernel registry.
 */
import * as tf from '@tensorflow/tfjs';

import type { KernelOverride } from './call-kernel.js';
import { conv2DBackpropFilterWasmConfig } from './conv2d-backprop-filter-wasm.js';
import { conv2DBackpropFilterWebgpuOverride } from './conv2d-backprop-filter-webgpu.js';
import { conv2DBackpropInputWasmOverride } from './conv2d-backprop-input-wasm.js';
import { tileWasmOverride } from './tile-wasm.js';

/** Every override this library provides, by backend name. */
export const KERNEL_OVERRIDES: Readonly<Record<string, readonly KernelOverride[]>> = {
  wasm: [{ config: conv2DBackpropFilterWasmConfig }, conv2DBackpropInputWasmOverride, tileWasmOverride],
  webgpu: [conv2DBackpropFilterWebgpuOverride],
};

/**
 * Registers this library's kernels for `backendName`, replacing any kernel already
 * registered under the same name (a built-in one, kept as the fallback of overrides that
 * do not cover every configuration, or an earlier registration). Calling it again is
 * harmless. Returns the names of the kernels it registered.
 */
export function registerKernelOverrides(backendName: string): string[] {
  const overrides = KERNEL_OVERRIDES[backendName] ?? [];
  const names: string[] = [];
  for (const { config, setFallback } of overrides) {
    const existing = tf.getKernel(config.kernelName, config.backendName);
    if (existing === undefined || existing.kernelFunc !== config.kernelFunc) {
      setFallback?.(existing);
      if (existing !== undefined) tf.unregisterKernel(config.kernelName, config.backendName);
      tf.registerKernel(config);
    }
    names.push(config.kernelName);
  }
  return names;
}
