/**
 * `Conv2DBackpropFilter` for the WASM backend, which ships without one (so, out of the
 * box, a convolutional network cannot train on it).
 *
 * The filter gradient of a 2-D convolution
 *
 *   dW[kh, kw, ci, co] = sum over n, oh, ow of
 *                        xPadded[n, oh * sh + kh, ow * sw + kw, ci] * dy[n, oh, ow, co]
 *
 * is itself a forward convolution once the tensors are transposed: take x as
 * [ci, H, W, N] (the input channels become the batch and the batch becomes the channels)
 * and dy as the filter [H', W', N, co]; a convolution with stride 1 and dilation equal to
 * the original stride then yields [ci, kh, kw, co], which is transposed to
 * [kh, kw, ci, co]. Every step runs on kernels the WASM backend already has (Transpose,
 * Conv2D from XNNPACK, Slice), so no new WebAssembly is needed.
 */
import * as tf from '@tensorflow/tfjs';

import { callKernel as callWasmKernel } from './call-kernel.js';
import type { Conv2DGradAttrs, Shape4 } from './conv-attrs.js';

/** The kernel name this module provides. */
export const CONV2D_BACKPROP_FILTER = 'Conv2DBackpropFilter';

interface FilterGradAttrs extends Conv2DGradAttrs {
  filterShape: Shape4;
  dilations?: [number, number] | number;
}

function unsupported(what: string): Error {
  return new Error(`Conv2DBackpropFilter (wasm): ${what} is not supported.`);
}

const OWNER = 'Conv2DBackpropFilter (wasm)';

function callKernel(
  backend: tf.KernelBackend,
  kernelName: string,
  inputs: Record<string, tf.TensorInfo>,
  attrs: Record<string, unknown>,
): tf.TensorInfo {
  return callWasmKernel(OWNER, 'wasm', backend, kernelName, inputs, attrs);
}

/**
 * Kernel function: `inputs` {x: [N, H, W, ci], dy: [N, H', W', co]}, attrs as in tfjs-core's
 * `conv2DBackpropFilter` op; returns the filter gradient [kh, kw, ci, co].
 */
export function conv2DBackpropFilterWasm(args: {
  inputs: tf.NamedTensorInfoMap;
  backend: tf.KernelBackend;
  attrs: tf.NamedAttrMap;
}): tf.TensorInfo {
  const { inputs, backend } = args;
  const attrs = args.attrs as unknown as FilterGradAttrs;
  const x = inputs['x'];
  const dy = inputs['dy'];
  if (x === undefined || dy === undefined) throw new Error('Conv2DBackpropFilter (wasm): expected inputs `x` and `dy`.');
  if (x.shape.length !== 4 || dy.shape.length !== 4) {
    throw unsupported(`x of shape [${x.shape.join(', ')}] and dy of shape [${dy.shape.join(', ')}] (both must be rank 4)`);
  }
  if (x.dtype !== 'float32' || dy.dtype !== 'float32') throw unsupported(`dtype ${x.dtype}/${dy.dtype} (only float32)`);
  const dataFormat = attrs.dataFormat ?? 'NHWC';
  if (dataFormat !== 'NHWC') throw unsupported(`dataFormat ${JSON.stringify(dataFormat)} (only "NHWC", channels last)`);
  const dil = attrs.dilations ?? 1;
  const dilations = typeof dil === 'number' ? [dil, dil] : dil;
  if (dilations[0] !== 1 || dilations[1] !== 1) throw unsupported(`dilations [${dilations.join(', ')}] (only 1)`);

  const info = tf.backend_util.computeConv2DInfo(
    x.shape as Shape4,
    attrs.filterShape,
    attrs.strides,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
    false,
    'channelsLast',
  );
  const { batchSize, inHeight, inWidth, inChannels, outChannels, outHeight, outWidth } = info;
  const { strideHeight, strideWidth, filterHeight, filterWidth } = info;
  const { top, left, bottom, right } = info.padInfo;
  if (dy.shape[0] !== batchSize || dy.shape[1] !== outHeight || dy.shape[2] !== outWidth || dy.shape[3] !== outChannels) {
    throw new Error(
      `Conv2DBackpropFilter (wasm): dy has shape [${dy.shape.join(', ')}], ` +
        `expected [${[batchSize, outHeight, outWidth, outChannels].join(', ')}].`,
    );
  }
  if (top < 0 || left < 0 || bottom < 0 || right < 0) throw unsupported('negative padding');

  // Rows/columns of the padded input that the convolution reads; the padding after the
  // input is trimmed to exactly that (and extra unread input rows are cut by the slice).
  const padBottom = Math.max(0, (outHeight - 1) * strideHeight + filterHeight - top - inHeight);
  const padRight = Math.max(0, (outWidth - 1) * strideWidth + filterWidth - left - inWidth);

  const temps: tf.TensorInfo[] = [];
  try {
    const xT = callKernel(backend, 'Transpose', { x }, { perm: [3, 1, 2, 0] }); // [ci, H, W, N]
    temps.push(xT);
    const dyT = callKernel(backend, 'Transpose', { x: dy }, { perm: [1, 2, 0, 3] }); // [H', W', N, co]
    temps.push(dyT);
    let grad = callKernel(
      backend,
      'Conv2D',
      { x: xT, filter: dyT },
      {
        strides: [1, 1],
        dilations: [strideHeight, strideWidth],
        pad: [
          [0, 0],
          [top, padBottom],
          [left, padRight],
          [0, 0],
        ],
        dataFormat: 'NHWC',
      },
    ); // [ci, >= kh, >= kw, co]
    temps.push(grad);
    if (grad.shape[1] !== filterHeight || grad.shape[2] !== filterWidth) {
      grad = callKernel(backend, 'Slice', { x: grad }, { begin: [0, 0, 0, 0], size: [inChannels, filterHeight, filterWidth, outChannels] });
      temps.push(grad);
    }
    return callKernel(backend, 'Transpose', { x: grad }, { perm: [1, 2, 0, 3] }); // [kh, kw, ci, co]
  } finally {
    for (const t of temps) backend.disposeData(t.dataId);
  }
}

/** Kernel registration for `tf.registerKernel`. */
export const conv2DBackpropFilterWasmConfig: tf.KernelConfig = {
  kernelName: CONV2D_BACKPROP_FILTER,
  backendName: 'wasm',
  kernelFunc: conv2DBackpropFilterWasm as unknown as tf.KernelFunc,
};
