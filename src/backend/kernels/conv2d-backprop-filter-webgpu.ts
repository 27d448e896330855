/**
 * `Conv2DBackpropFilter` for the WebGPU backend, as a split-K tiled matrix product.
 *
 * The filter gradient of a 2-D convolution (NHWC, filter [kh, kw, ci, co]) is
 *
 *   dW[k, co] = sum over m of A[m, k] * dy[m, co],
 *
 * with k = (kh, kw, ci) the K = KH·KW·Ci filter taps, m = (n, oh, ow) the M = N·OH·OW
 * output positions, and A[m, k] = xPadded[n, oh·sh + kh, ow·sw + kw, ci] (im2col of x,
 * never stored). The built-in kernel runs one thread per filter weight, each looping
 * serially over all of M: for a ResNet layer at batch 128 that is 2,304 threads summing
 * 131,072 products each, 56× slower than the forward convolution on an H100.
 *
 * Here the long reduction over M is cut into chunks that run in parallel:
 *  1. a tiled matrix product writes one partial sum per chunk, partial[s, k, co]; each
 *     workgroup (16×16 threads) takes a tile of TK filter taps × TC output channels and one
 *     chunk, staging TM = 16 rows of A and of dy at a time in workgroup memory;
 *  2. a second program sums the partials over the chunks, in a fixed order, so results
 *     are deterministic (no atomics).
 * When one chunk covers M, step 1 writes the gradient directly.
 *
 * Configurations it does not cover (NCHW, dilations other than 1, dtypes other than
 * float32) go to the kernel it replaced.
 */
import * as tf from '@tensorflow/tfjs';

import type { KernelOverride } from './call-kernel.js';
import type { Conv2DGradAttrs, Shape4 } from './conv-attrs.js';
import type { WebgpuBackendLike, WebgpuProgram } from './webgpu-program.js';

interface FilterGradAttrs extends Conv2DGradAttrs {
  filterShape: Shape4;
  dilations?: [number, number] | number;
}

const OWNER = 'Conv2DBackpropFilter (webgpu)';

/** Threads of a workgroup along x (output channels) and y (filter taps). */
const THREADS = 16;
/** Rows of the reduction staged in workgroup memory per step. */
const TM = 16;
/** Most chunks of one call (workgroups along z). */
const MAX_SPLITS = 65535;

/** Tuning of {@link conv2DBackpropFilterWebgpu}. */
export interface Conv2DBackpropFilterWebgpuOptions {
  /**
   * Workgroups the split aims for (tiles × chunks); more chunks give more parallelism
   * and more partial sums to add up.
   * @default 2048
   */
  targetWorkgroups?: number;
  /**
   * Smallest chunk of the reduction (N·OH·OW rows) one workgroup sums; rounded up to a
   * multiple of 16.
   * @default 256
   */
  minChunk?: number;
}

const DEFAULTS: Required<Conv2DBackpropFilterWebgpuOptions> = { targetWorkgroups: 2048, minChunk: 256 };
let options: Required<Conv2DBackpropFilterWebgpuOptions> = { ...DEFAULTS };

function positiveInteger(name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw new RangeError(`Expected \`${name}\` to be a positive integer, got ${typeof value === 'string' ? JSON.stringify(value) : String(value)}.`);
  }
  return value;
}

/**
 * Sets how the kernel splits the reduction (for benchmarks); `undefined` fields take their
 * defaults. Returns the options now in force.
 */
export function configureConv2DBackpropFilterWebgpu(
  next: Conv2DBackpropFilterWebgpuOptions = {},
): Required<Conv2DBackpropFilterWebgpuOptions> {
  if (typeof next !== 'object' || next === null) throw new TypeError(`Expected options to be an object, got ${String(next)}.`);
  for (const key of Object.keys(next)) {
    if (!(key in DEFAULTS)) throw new TypeError(`Unknown option \`${key}\`; expected one of ${Object.keys(DEFAULTS).join(', ')}.`);
  }
  options = {
    targetWorkgroups: positiveInteger('targetWorkgroups', next.targetWorkgroups ?? DEFAULTS.targetWorkgroups),
    minChunk: positiveInteger('minChunk', next.minChunk ?? DEFAULTS.minChunk),
  };
  return { ...options };
}

/** How one filter-gradient call is split: tile sizes, chunk length and count. */
export interface FilterGradPlan {
  /** Filter taps K = KH·KW·Ci and reduction length M = N·OH·OW. */
  K: number;
  M: number;
  /** Filter taps (rows) and output channels (columns) per thread. */
  rowsPerThread: 1 | 2 | 4;
  colsPerThread: 1 | 2 | 4;
  /** Reduction rows per chunk (a multiple of 16) and number of chunks. */
  chunk: number;
  splits: number;
  /** Workgroups along x (channel tiles), y (tap tiles), z (chunks). */
  dispatch: [number, number, number];
}

function perThread(n: number): 1 | 2 | 4 {
  if (n <= THREADS) return 1;
  if (n <= 2 * THREADS) return 2;
  return 4;
}

/** Chooses tiles and the split of the reduction for a convolution (pure; exported for tests). */
export function planFilterGrad(
  info: Pick<tf.backend_util.Conv2DInfo, 'batchSize' | 'outHeight' | 'outWidth' | 'filterHeight' | 'filterWidth' | 'inChannels' | 'outChannels'>,
  opts: Required<Conv2DBackpropFilterWebgpuOptions> = options,
): FilterGradPlan {
  const K = info.filterHeight * info.filterWidth * info.inChannels;
  const M = info.batchSize * info.outHeight * info.outWidth;
  const rowsPerThread = perThread(K);
  const colsPerThread = perThread(info.outChannels);
  const tilesX = Math.ceil(info.outChannels / (THREADS * colsPerThread));
  const tilesY = Math.ceil(K / (THREADS * rowsPerThread));
  const wantedSplits = Math.max(1, Math.ceil(opts.targetWorkgroups / (tilesX * tilesY)));
  const minChunk = Math.ceil(opts.minChunk / TM) * TM;
  // WebGPU guarantees 65,535 workgroups per dispatch dimension; the chunks are along z.
  const chunk = Math.max(minChunk, Math.ceil(M / wantedSplits / TM) * TM, Math.ceil(M / MAX_SPLITS / TM) * TM);
  const splits = Math.ceil(M / chunk);
  // One chunk never needs to be longer than M (rounded up to a whole step).
  const usedChunk = splits === 1 ? Math.ceil(M / TM) * TM : chunk;
  return { K, M, rowsPerThread, colsPerThread, chunk: usedChunk, splits, dispatch: [tilesX, tilesY, splits] };
}

/** Step 1: partial[s, k, co] = sum over m in chunk s of A[m, k] · dy[m, co]. */
class FilterGradPartialProgram implements WebgpuProgram {
  variableNames = ['x', 'dy'];
  outputShape: number[];
  shaderKey: string;
  dispatchLayout = { x: [0], y: [1], z: [2] };
  dispatch: [number, number, number];
  workgroupSize: [number, number, number] = [THREADS, THREADS, 1];
  readonly #code: string;

  constructor(info: tf.backend_util.Conv2DInfo, plan: FilterGradPlan) {
    const { K, M, rowsPerThread: RK, colsPerThread: RC, chunk, splits } = plan;
    const { inHeight: H, inWidth: W, inChannels: CI, outHeight: OH, outWidth: OW, outChannels: CO } = info;
    const { filterWidth: KW, strideHeight: SH, strideWidth: SW } = info;
    const { top: PT, left: PL } = info.padInfo;
    this.outputShape = splits === 1 ? [...info.filterShape] : [splits, K * CO];
    this.dispatch = plan.dispatch;
    const TK = THREADS * RK;
    const TC = THREADS * RC;
    const threads = THREADS * THREADS;
    const constants = [H, W, CI, OH, OW, CO, KW, SH, SW, PT, PL, K, M, RK, RC, chunk, splits];
    this.shaderKey = `autolrsConv2DFilterGradPartial_${constants.join('_')}`;

    const loadA: string[] = [];
    for (let i = 0; i < RK; i++) {
      // Rows of A this thread stages: (lid / TK) + i * (threads / TK); its tap is fixed.
      loadA.push(`{
          let mm = aRow + ${i * (threads / TK)};
          let m = m0 + mm;
          var v = 0.0;
          if (kValid && m < mEnd) {
            let n = m / ${OH * OW};
            let r = m - n * ${OH * OW};
            let oh = r / ${OW};
            let ow = r - oh * ${OW};
            let ih = oh * ${SH} + kh - ${PT};
            let iw = ow * ${SW} + kw - ${PL};
            if (ih >= 0 && ih < ${H} && iw >= 0 && iw < ${W}) {
              v = x[((n * ${H} + ih) * ${W} + iw) * ${CI} + ci];
            }
          }
          As[mm * ${TK} + aCol] = v;
        }`);
    }
    const loadB: string[] = [];
    for (let i = 0; i < RC; i++) {
      loadB.push(`{
          let mm = bRow + ${i * (threads / TC)};
          let m = m0 + mm;
          var v = 0.0;
          if (coValid && m < mEnd) {
            v = dy[m * ${CO} + co];
          }
          Bs[mm * ${TC} + bCol] = v;
        }`);
    }
    const accDecl: string[] = [];
    const fma: string[] = [];
    const write: string[] = [];
    for (let c = 0; c < RC; c++) fma.push(`let b${c} = Bs[mm * ${TC} + tx + ${THREADS * c}];`);
    for (let r = 0; r < RK; r++) {
      fma.push(`let a${r} = As[mm * ${TK} + ty + ${THREADS * r}];`);
      for (let c = 0; c < RC; c++) {
        accDecl.push(`var acc${r}_${c} = 0.0;`);
        fma.push(`acc${r}_${c} = fma(a${r}, b${c}, acc${r}_${c});`);
        write.push(`{
          let k = k0 + ty + ${THREADS * r};
          let o = c0 + tx + ${THREADS * c};
          if (k < ${K} && o < ${CO}) {
            result[(s * ${K} + k) * ${CO} + o] = acc${r}_${c};
          }
        }`);
      }
    }
    this.#code = `
      var<workgroup> As : array<f32, ${TM * TK}>;
      var<workgroup> Bs : array<f32, ${TM * TC}>;

      fn main() {
        // The backend always binds its uniforms; a pipeline layout derived from the code
        // keeps only what the code uses.
        _ = uniforms.NAN;
        let tx = i32(localId.x);
        let ty = i32(localId.y);
        let lid = ty * ${THREADS} + tx;
        let c0 = i32(workgroupId.x) * ${TC};
        let k0 = i32(workgroupId.y) * ${TK};
        let s = i32(workgroupId.z);
        let mBegin = s * ${chunk};
        let mEnd = min(mBegin + ${chunk}, ${M});

        // The filter tap (kh, kw, ci) of the A elements this thread stages.
        let aCol = lid % ${TK};
        let aRow = lid / ${TK};
        let kA = k0 + aCol;
        let kValid = kA < ${K};
        let kh = kA / ${KW * CI};
        let kr = kA - kh * ${KW * CI};
        let kw = kr / ${CI};
        let ci = kr - kw * ${CI};
        // The output channel of the dy elements this thread stages.
        let bCol = lid % ${TC};
        let bRow = lid / ${TC};
        let co = c0 + bCol;
        let coValid = co < ${CO};

        ${accDecl.join('\n        ')}
        // A constant trip count keeps the barriers in uniform control flow; rows past the
        // chunk's end are staged as zeros.
        for (var t = 0; t < ${chunk / TM}; t = t + 1) {
          let m0 = mBegin + t * ${TM};
          ${loadA.join('\n          ')}
          ${loadB.join('\n          ')}
          workgroupBarrier();
          for (var mm = 0; mm < ${TM}; mm = mm + 1) {
            ${fma.join('\n            ')}
          }
          workgroupBarrier();
        }
        ${write.join('\n        ')}
      }
    `;
  }

  getUserCode(): string {
    return this.#code;
  }
}

/** Step 2: out[i] = sum over s of partial[s, i], in order of s. */
class SumSplitsProgram implements WebgpuProgram {
  variableNames = ['partial'];
  outputShape: number[];
  shaderKey: string;
  dispatchLayout: { x: number[] };
  dispatch: [number, number, number];
  workgroupSize: [number, number, number] = [64, 1, 1];
  size = true;
  readonly #splits: number;
  readonly #length: number;

  constructor(filterShape: Shape4, splits: number) {
    this.outputShape = [...filterShape];
    this.#splits = splits;
    this.#length = filterShape.reduce((a, b) => a * b, 1);
    this.dispatchLayout = { x: [0, 1, 2, 3] };
    this.dispatch = [Math.ceil(this.#length / 64), 1, 1];
    this.shaderKey = `autolrsSumSplits_${splits}_${this.#length}`;
  }

  getUserCode(): string {
    return `
      fn main(index : i32) {
        if (index < uniforms.size) {
          var sum = 0.0;
          for (var s = 0; s < ${this.#splits}; s = s + 1) {
            sum = sum + partial[s * ${this.#length} + index];
          }
          setOutputAtIndex(index, sum);
        }
      }
    `;
  }
}

let fallback: tf.KernelConfig | undefined;

/**
 * The kernel this one replaced (tfjs-backend-webgpu's own), once registered; benchmarks
 * register it back to compare.
 */
export function replacedConv2DBackpropFilterWebgpu(): tf.KernelConfig | undefined {
  return fallback;
}

function useFallback(args: Parameters<tf.KernelFunc>[0], why: string): tf.TensorInfo {
  if (fallback === undefined) throw new Error(`${OWNER}: ${why} is not supported.`);
  const out = fallback.kernelFunc(args);
  if (Array.isArray(out)) throw new Error(`${OWNER}: the replaced kernel returned several outputs.`);
  return out;
}

/**
 * Kernel function: `inputs` {x: [N, H, W, ci], dy: [N, H', W', co]}, attrs as in tfjs-core's
 * `conv2DBackpropFilter` op; returns the filter gradient [kh, kw, ci, co].
 */
export function conv2DBackpropFilterWebgpu(args: {
  inputs: tf.NamedTensorInfoMap;
  backend: tf.KernelBackend;
  attrs: tf.NamedAttrMap;
}): tf.TensorInfo {
  const { inputs } = args;
  const backend = args.backend as WebgpuBackendLike;
  const attrs = args.attrs as unknown as FilterGradAttrs;
  const kernelArgs = args as unknown as Parameters<tf.KernelFunc>[0];
  const x = inputs['x'];
  const dy = inputs['dy'];
  if (x === undefined || dy === undefined) throw new Error(`${OWNER}: expected inputs \`x\` and \`dy\`.`);
  if ((attrs.dataFormat ?? 'NHWC') !== 'NHWC') return useFallback(kernelArgs, `dataFormat ${JSON.stringify(attrs.dataFormat)}`);
  if (x.shape.length !== 4 || dy.shape.length !== 4) return useFallback(kernelArgs, 'tensors of rank other than 4');
  if (x.dtype !== 'float32' || dy.dtype !== 'float32') return useFallback(kernelArgs, `dtype ${x.dtype}/${dy.dtype}`);
  const dil = attrs.dilations ?? 1;
  const dilations = typeof dil === 'number' ? [dil, dil] : dil;
  if (dilations[0] !== 1 || dilations[1] !== 1) return useFallback(kernelArgs, `dilations [${dilations.join(', ')}]`);

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
  const { batchSize, outHeight, outWidth, outChannels } = info;
  if (dy.shape[0] !== batchSize || dy.shape[1] !== outHeight || dy.shape[2] !== outWidth || dy.shape[3] !== outChannels) {
    throw new Error(`${OWNER}: dy has shape [${dy.shape.join(', ')}], expected [${[batchSize, outHeight, outWidth, outChannels].join(', ')}].`);
  }
  const plan = planFilterGrad(info);
  const partial = backend.runWebGPUProgram(new FilterGradPartialProgram(info, plan), [x, dy], 'float32');
  if (plan.splits === 1) return partial;
  const out = backend.runWebGPUProgram(new SumSplitsProgram(attrs.filterShape, plan.splits), [partial], 'float32');
  backend.disposeData(partial.dataId);
  return out;
}

/** Registration for `registerKernelOverrides('webgpu')`. */
export const conv2DBackpropFilterWebgpuOverride: KernelOverride = {
  config: {
    kernelName: 'Conv2DBackpropFilter',
    backendName: 'webgpu',
    kernelFunc: conv2DBackpropFilterWebgpu as unknown as tf.KernelFunc,
  },
  setFallback: (previous) => {
    fallback = previous;
  },
};
