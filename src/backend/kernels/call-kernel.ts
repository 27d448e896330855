/** Helpers shared by the kernel overrides: calling other kernels of the same backend. */
import * as tf from '@tensorflow/tfjs';

/**
 * Runs another kernel of `backendName` directly (not through the engine, so nothing is
 * recorded on the gradient tape and no tensor is created). The caller owns the returned
 * data and must release intermediates with `backend.disposeData(info.dataId)`.
 */
export function callKernel(
  owner: string,
  backendName: string,
  backend: tf.KernelBackend,
  kernelName: string,
  inputs: Record<string, tf.TensorInfo>,
  attrs: Record<string, unknown>,
): tf.TensorInfo {
  const config = tf.getKernel(kernelName, backendName);
  if (config === undefined) throw new Error(`${owner}: the ${backendName} backend has no \`${kernelName}\` kernel.`);
  const out = config.kernelFunc({ inputs, backend, attrs: attrs as tf.NamedAttrMap });
  if (Array.isArray(out)) throw new Error(`${owner}: \`${kernelName}\` returned several outputs.`);
  return out;
}

/** A kernel override together with the kernel it replaces, used where it does not apply. */
export interface KernelOverride {
  config: tf.KernelConfig;
  /** Receives the kernel registered before this one (if any) when the override is registered. */
  setFallback?: (previous: tf.KernelConfig | undefined) => void;
}
