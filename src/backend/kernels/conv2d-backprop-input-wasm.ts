/**
 * `Conv2DBackpropInput` for the WASM backend, as a forward convolution run by XNNPACK.
 *
 * The built-in WASM kernel is a direct loop nest and takes about half of a ResNet
 * training step. The input gradient of a convolution with stride s and padding (pt, pl)
 * is the correlation of dy, with s - 1 zeros inserted after every element along H and W,
 * with the filter rotated by 180 degrees and its channel axes swapped ([kh, kw, co, ci]),
 * padded by (kh - 1 - pt, kw - 1 - pl) before; that correlation is the WASM backend's own
 * Conv2D. Configurations it does not cover (NCHW, padding larger than the filter) go to
 * the kernel it replaced.
 */
import * as tf from '@tensorflow/tfjs';

import { callKernel as callWasmKernel, type KernelOverride } from './call-kernel.js';
import type { Conv2DGradAttrs, Shape4 } from './conv-attrs.js';

interface InputGradAttrs extends Conv2DGradAttrs {
  inputShape: Shape4;
}

const OWNER = 'Conv2DBackpropInput (wasm)';

let fallback: tf.KernelConfig | undefined;

function callKernel(
  backend: tf.KernelBackend,
  kernelName: string,
  inputs: Record<string, tf.TensorInfo>,
  attrs: Record<string, unknown>,
): tf.TensorInfo {
  return callWasmKernel(OWNER, 'wasm', backend, kernelName, inputs, attrs);
}

function useFallback(args: Parameters<tf.KernelFunc>[0], why: string): tf.TensorInfo {
  if (fallback === undefined) throw new Error(`${OWNER}: ${why} is not supported.`);
  const out = fallback.kernelFunc(args);
  if (Array.isArray(out)) throw new Error(`${OWNER}: the replaced kernel returned several outputs.`);
  return out;
}

/**
 * Kernel function: `inputs` {dy: [N, H', W', co], filter: [kh, kw, ci, co]}, attrs as in
 * tfjs-core's `conv2DBackpropInput` op; returns dx of shape `inputShape` [N, H, W, ci].
 */
export function conv2DBackpropInputWasm(args: {
  inputs: tf.NamedTensorInfoMap;
  backend: tf.KernelBackend;
  attrs: tf.NamedAttrMap;
}): tf.TensorInfo {
  const { inputs, backend } = args;
  const attrs = args.attrs as unknown as InputGradAttrs;
  const dy = inputs['dy'];
  const filter = inputs['filter'];
  const kernelArgs = args as unknown as Parameters<tf.KernelFunc>[0];
  if (dy === undefined || filter === undefined) throw new Error(`${OWNER}: expected inputs \`dy\` and \`filter\`.`);
  if ((attrs.dataFormat ?? 'NHWC') !== 'NHWC') return useFallback(kernelArgs, `dataFormat ${JSON.stringify(attrs.dataFormat)}`);
  if (dy.shape.length !== 4 || filter.shape.length !== 4 || attrs.inputShape.length !== 4) {
    return useFallback(kernelArgs, 'tensors of rank other than 4');
  }
  if (dy.dtype !== 'float32' || filter.dtype !== 'float32') return useFallback(kernelArgs, `dtype ${dy.dtype}`);

  const info = tf.backend_util.computeConv2DInfo(
    attrs.inputShape,
    filter.shape as Shape4,
    attrs.strides,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
    false,
    'channelsLast',
  );
  const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, outChannels } = info;
  const { strideHeight: sh, strideWidth: sw, filterHeight: kh, filterWidth: kw } = info;
  const { top, left } = info.padInfo;
  if (dy.shape[0] !== batchSize || dy.shape[1] !== outHeight || dy.shape[2] !== outWidth || dy.shape[3] !== outChannels) {
    throw new Error(
      `${OWNER}: dy has shape [${dy.shape.join(', ')}], expected [${[batchSize, outHeight, outWidth, outChannels].join(', ')}].`,
    );
  }
  const padTop = kh - 1 - top;
  const padLeft = kw - 1 - left;
  if (padTop < 0 || padLeft < 0) return useFallback(kernelArgs, 'padding larger than the filter');

  const temps: tf.TensorInfo[] = [];
  try {
    // dy with s - 1 zeros after every element along H and W: [N, H' * sh, W' * sw, co].
    let dyUp = dy;
    if (sh > 1 || sw > 1) {
      const r6 = callKernel(backend, 'Reshape', { x: dy }, { shape: [batchSize, outHeight, 1, outWidth, 1, outChannels] });
      temps.push(r6);
      const padded = callKernel(
        backend,
        'PadV2',
        { x: r6 },
        {
          paddings: [
            [0, 0],
            [0, 0],
            [0, sh - 1],
            [0, 0],
            [0, sw - 1],
            [0, 0],
          ],
          constantValue: 0,
        },
      );
      temps.push(padded);
      dyUp = callKernel(backend, 'Reshape', { x: padded }, { shape: [batchSize, outHeight * sh, outWidth * sw, outChannels] });
      temps.push(dyUp);
    }
    // Filter rotated by 180 degrees with in/out channels swapped: [kh, kw, co, ci].
    const reversed = callKernel(backend, 'Reverse', { x: filter }, { dims: [0, 1] });
    temps.push(reversed);
    const rotated = callKernel(backend, 'Transpose', { x: reversed }, { perm: [0, 1, 3, 2] });
    temps.push(rotated);

    const upH = dyUp.shape[1] as number;
    const upW = dyUp.shape[2] as number;
    const padBottom = Math.max(0, inHeight + kh - 1 - upH - padTop);
    const padRight = Math.max(0, inWidth + kw - 1 - upW - padLeft);
    const dx = callKernel(
      backend,
      'Conv2D',
      { x: dyUp, filter: rotated },
      {
        strides: [1, 1],
        dilations: [1, 1],
        pad: [
          [0, 0],
          [padTop, padBottom],
          [padLeft, padRight],
          [0, 0],
        ],
        dataFormat: 'NHWC',
      },
    );
    if (dx.shape[1] === inHeight && dx.shape[2] === inWidth) return dx;
    temps.push(dx);
    return callKernel(backend, 'Slice', { x: dx }, { begin: [0, 0, 0, 0], size: [batchSize, inHeight, inWidth, inChannels] });
  } finally {
    for (const t of temps) backend.disposeData(t.dataId);
  }
}

/** Kernel registration, keeping the replaced kernel for the cases this one leaves to it. */
export const conv2DBackpropInputWasmOverride: KernelOverride = {
  config: {
    kernelName: 'Conv2DBackpropInput',
    backendName: 'wasm',
    kernelFunc: conv2DBackpropInputWasm as unknown as tf.KernelFunc,
    // The replaced kernel binds its WebAssembly function in its setup; keep that working.
    setupFunc: (backend) => fallback?.setupFunc?.(backend),
  },
  setFallback: (previous) => {
    fallback = previous;
  },
};
