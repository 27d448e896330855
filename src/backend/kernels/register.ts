/**
 * Kernel overrides that make training fast (or possible) on a given backend, and their
 * registration with the tfjs kernel registry.
 */
import * as tf from '@tensorflow/tfjs';

import { conv2DBackpropFilterWasmConfig } from './conv2d-backprop-filter-wasm.js';

/** Every override this library provides, by backend name. */
export const KERNEL_OVERRIDES: Readonly<Record<string, readonly tf.KernelConfig[]>> = {
  wasm: [conv2DBackpropFilterWasmConfig],
};

/**
 * Registers this library's kernels for `backendName`, replacing any kernel already
 * registered under the same name (a built-in one or an earlier registration). Calling it
 * again is harmless. Returns the names of the kernels it registered.
 */
export function registerKernelOverrides(backendName: string): string[] {
  const configs = KERNEL_OVERRIDES[backendName] ?? [];
  const names: string[] = [];
  for (const config of configs) {
    const existing = tf.getKernel(config.kernelName, config.backendName);
    if (existing !== undefined && existing.kernelFunc !== config.kernelFunc) {
      tf.unregisterKernel(config.kernelName, config.backendName);
    }
    if (existing === undefined || existing.kernelFunc !== config.kernelFunc) tf.registerKernel(config);
    names.push(config.kernelName);
  }
  return names;
}
