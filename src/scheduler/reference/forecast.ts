/**
 * Loss forecasting for an LR probe: fit `L(t) = a·exp(b·t) + c` (b < 0) to the losses
 * recorded during a short probe and extrapolate to the end of the stage.
 *
 * The fit runs on the device with batched tensor ops and reads back exactly once:
 *
 * 1. Time is normalised to u = t / T in [0, 1], where T is the time span of the series,
 *    and the decay rate is searched as k = |b|·T = exp(β) on a log-spaced grid over
 *    [`minRate`, `maxRate`]. Every candidate is one row of a [G, N] matrix.
 * 2. For each candidate, a and c come in closed form by weighted linear least squares on
 *    the basis ψ = exp(−k·u) − 1 (`expm1`, well scaled even as k → 0), with the sums over
 *    the series as matrix products; the candidate with the smallest weighted residual sum
 *    of squares wins.
 * 3. The grid is refined around the winner (`refinements` times, `refineSize` points
 *    spanning one step of the previous grid on either side), again batched.
 * 4. Robustness to the spikes of mini-batch losses. In `'train'` mode, points are first
 *    weighted by a Tukey biweight of their deviation from a running median of 5 (so a
 *    spike on the first steps cannot pass for a fast decay), then the fit is repeated
 *    `passes` times with those weights times Tukey biweights of the previous fit's
 *    residuals (scale = 1.4826 · median |residual|): spikes get weight 0, noisy points
 *    less weight. In `'validation'` mode each pass drops at most one point: the one whose
 *    leave-one-out fit (all batched) lowers the residual sum of squares the most, when the
 *    reduction exceeds `tuning`² residual variances.
 *
 * a, b, c and the prediction are stacked into one tensor and read with a single
 * `await data()`. Nothing uses `dataSync`, so the same code runs on the cpu, webgl, wasm
 * and webgpu backends.
 */
import * as tf from '@tensorflow/tfjs';
import { finiteNumber, integerAtLeast, knownKeys, oneOf, optionsObject, positiveNumber } from '../../util/validate.js';

/** A fitted curve `L(t) = a·exp(b·t) + c`, with t in steps. */
export interface ExponentialFit {
  /** Amplitude: `L(0) − c`. Negative for a rising (and flattening) series. */
  a: number;
  /** Decay rate per step, < 0 (NaN when the series was not finite). */
  b: number;
  /** Asymptote: the value `L(t)` approaches as t grows. */
  c: number;
  /** Evaluates the curve at step t (in float64 from a, b, c). */
  predict(t: number): number;
}

/** How the losses were measured, which decides how outliers are treated. */
export type ForecastMode = 'train' | 'validation';

/** Options of {@link fitExponential}. */
export interface FitExponentialOptions {
  /**
   * Step at which to evaluate the fit; the result then carries `prediction`.
   * Measured from the first sample (sample i is at step `i * interval`).
   * @default undefined (no prediction: `prediction` is NaN)
   */
  predictAt?: number;
  /** Steps between consecutive samples. @default 1 */
  interval?: number;
  /**
   * `'train'`: noisy per-step losses; outliers are reweighted over several passes.
   * `'validation'`: few smooth samples; at most one point is dropped per pass.
   * @default 'train'
   */
  mode?: ForecastMode;
  /**
   * Robust passes after the first, unweighted fit.
   * @default 4 in 'train' mode, 1 in 'validation' mode
   */
  passes?: number;
  /**
   * Outlier threshold in standard deviations. In 'train' mode it is the Tukey biweight
   * constant (a point whose residual exceeds it times 1.4826 · median |residual| gets
   * weight 0); in 'validation' mode a point is dropped only when its deleted residual
   * exceeds it times the residual standard deviation of the fit without it.
   * @default 4.685 in 'train' mode, 3 in 'validation' mode
   */
  tuning?: number;
  /** Candidates on the coarse grid over the decay rate. @default 128 */
  gridSize?: number;
  /** Candidates on each refinement grid. @default 17 */
  refineSize?: number;
  /**
   * Refinement grids after the coarse one in the final fit (the intermediate robust passes
   * use at most one).
   * @default 2
   */
  refinements?: number;
  /**
   * Smallest decay searched, as |b|·T with T the time span of the series. A series that
   * is straighter than this (e.g. a linear one) is fitted with this decay: its forecast
   * is close to a linear extrapolation, bent slightly towards flat.
   * @default 1e-3
   */
  minRate?: number;
  /** Largest decay searched, as |b|·T. @default 50 */
  maxRate?: number;
}

/** The result of {@link fitExponential}. */
export type ExponentialForecast = ExponentialFit & {
  /**
   * The fitted loss at `predictAt`, computed on the device in a centred form that avoids
   * the cancellation of `a·exp(b·t) + c` when a and c are large and opposite (so it may
   * differ from `predict(predictAt)` in the last float32 digits). NaN when `predictAt`
   * was not given or the series is not finite.
   */
  prediction: number;
  /**
   * Mean of the first ⌈n/10⌉ samples, as recorded (before any outlier handling); read
   * in the same host read. Lets a caller see a probe that blew up (tail ≫ head). NaN
   * when the series is not finite.
   */
  head: number;
  /** Mean of the last ⌈n/10⌉ samples, as recorded. NaN when the series is not finite. */
  tail: number;
};

const OPTION_KEYS = [
  'predictAt',
  'interval',
  'mode',
  'passes',
  'tuning',
  'gridSize',
  'refineSize',
  'refinements',
  'minRate',
  'maxRate',
] as const;

/** 1 / Φ⁻¹(3/4): turns a median absolute deviation into a standard deviation. */
const MAD_TO_SIGMA = 1.4826;

interface Resolved {
  predictAt: number | undefined;
  interval: number;
  mode: ForecastMode;
  passes: number;
  tuning: number;
  gridSize: number;
  refineSize: number;
  refinements: number;
  minRate: number;
  maxRate: number;
}

function resolveOptions(options: unknown): Resolved {
  const o = optionsObject<FitExponentialOptions>('options', options);
  knownKeys('options', o, OPTION_KEYS);
  const mode = o.mode === undefined ? 'train' : oneOf<ForecastMode>('mode', o.mode, ['train', 'validation']);
  const interval = o.interval === undefined ? 1 : positiveNumber('interval', o.interval);
  const predictAt = o.predictAt === undefined ? undefined : finiteNumber('predictAt', o.predictAt);
  const passes = o.passes === undefined ? (mode === 'train' ? 4 : 1) : integerAtLeast('passes', o.passes, 0);
  const tuning = o.tuning === undefined ? (mode === 'train' ? 4.685 : 3) : positiveNumber('tuning', o.tuning);
  const gridSize = o.gridSize === undefined ? 128 : integerAtLeast('gridSize', o.gridSize, 2);
  const refineSize = o.refineSize === undefined ? 17 : integerAtLeast('refineSize', o.refineSize, 3);
  const refinements = o.refinements === undefined ? 2 : integerAtLeast('refinements', o.refinements, 0);
  const minRate = o.minRate === undefined ? 1e-3 : positiveNumber('minRate', o.minRate);
  const maxRate = o.maxRate === undefined ? 50 : positiveNumber('maxRate', o.maxRate);
  if (!(maxRate > minRate)) {
    throw new RangeError(`Expected \`maxRate\` to be greater than \`minRate\` (${minRate}), got ${maxRate}.`);
  }
  return { predictAt, interval, mode, passes, tuning, gridSize, refineSize, refinements, minRate, maxRate };
}

/** Checks the series and returns its length; throws before any device work. */
function validateSeries(losses: unknown): number {
  let n: number;
  if (losses instanceof tf.Tensor) {
    if (losses.isDisposed) throw new TypeError('Expected `losses` to be a live tensor, got a disposed tensor.');
    if (losses.rank !== 1) {
      throw new TypeError(`Expected \`losses\` to be a 1-D tensor, got a tensor of shape [${losses.shape.join(', ')}].`);
    }
    if (losses.dtype !== 'float32' && losses.dtype !== 'int32') {
      throw new TypeError(`Expected \`losses\` to be a float32 or int32 tensor, got dtype ${JSON.stringify(losses.dtype)}.`);
    }
    n = losses.shape[0]!;
  } else if (Array.isArray(losses) || losses instanceof Float32Array) {
    n = losses.length;
  } else {
    throw new TypeError(
      `Expected \`losses\` to be a number[], a Float32Array or a 1-D tensor, got ${describeSeries(losses)}.`,
    );
  }
  if (n < 3) throw new RangeError(`Expected \`losses\` to hold at least 3 values, got ${n}.`);
  return n;
}

function describeSeries(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if (typeof value !== 'object') return typeof value;
  const ctor = (value as { constructor?: { name?: string } }).constructor?.name;
  return ctor ? `an instance of ${ctor}` : 'an object';
}

/** Evenly spaced values from `start` to `stop` (inclusive), uploaded as a float32 tensor. */
function linspaceHost(start: number, stop: number, count: number): tf.Tensor1D {
  const out = new Float32Array(count);
  const step = count > 1 ? (stop - start) / (count - 1) : 0;
  for (let i = 0; i < count; i++) out[i] = start + i * step;
  return tf.tensor1d(out, 'float32');
}

/** The basis of a grid of candidate decays: ψ = exp(−k·u) − 1 for each k = exp(β). */
interface GridBasis {
  betas: tf.Tensor1D; // [G] log decay rates
  psi: tf.Tensor2D; // [G, N]
  psiSq: tf.Tensor2D; // [G, N]
}

/**
 * The basis is ψ = exp(−k·u) − 1 (computed by `expm1`), so that
 * `a·exp(−k·u) + c = a·ψ + (a + c)`: ψ stays well scaled as k → 0, where exp(−k·u) would
 * be nearly constant. The outer product k·u is a matrix product, so every elementwise op
 * on the [G, N] matrices has operands of equal shape (the fast path of every backend).
 */
function gridBasis(betas: tf.Tensor1D, negU: tf.Tensor2D): GridBasis {
  const k = tf.reshape(tf.exp(betas), [-1, 1]) as tf.Tensor2D; // [G, 1]
  const psi = tf.expm1(tf.matMul(k, negU)) as tf.Tensor2D; // [G, N]
  return { betas, psi, psiSq: tf.square(psi) as tf.Tensor2D };
}

/** Tensors shared by every grid of one weighted fit. */
interface FitContext {
  onesRow: tf.Tensor2D; // [1, N]
  dyAndOnes: tf.Tensor2D; // [2, N] rows: y − ȳ, 1
  wCol: tf.Tensor2D; // [N, 1] weights
  wAndWDy: tf.Tensor2D; // [N, 2] columns: w, w·(y − ȳ)
  wSum: tf.Scalar;
  syy: tf.Scalar; // Σ w·(y − ȳ)²
}

/** Per-candidate closed-form fit of one grid, batched over the candidates. */
interface GridFit {
  betas: tf.Tensor1D; // [G]
  sse: tf.Tensor1D; // [G] weighted sum of squared residuals
  a: tf.Tensor2D; // [G, 1]
  psiBar: tf.Tensor2D; // [G, 1] weighted mean of ψ
}

/**
 * a and c of every candidate by weighted least squares, with sums over the series as
 * matrix products with weight columns. `explicit` computes the residual sum of squares
 * from the residuals themselves (accurate to float32 rounding of the residuals) rather
 * than as Σw·Δy² − a·Σw·Δψ·Δy (cheaper, but its rounding scales with Σw·Δy²).
 */
function fitGrid(basis: GridBasis, ctx: FitContext, explicit: boolean): GridFit {
  const moments = tf.matMul(basis.psi, ctx.wAndWDy); // [G, 2]: Σ w·ψ, Σ w·ψ·(y − ȳ)
  const sp = tf.slice(moments, [0, 0], [-1, 1]);
  const spy = tf.slice(moments, [0, 1], [-1, 1]);
  const spp = tf.matMul(basis.psiSq, ctx.wCol); // [G, 1]
  const psiBar = tf.div(sp, ctx.wSum) as tf.Tensor2D;
  const sxx = tf.sub(spp, tf.mul(sp, psiBar)); // Σ w·(ψ − ψ̄)²
  // ψ that is flat over the weighted points (e.g. a fast decay whose early points all have
  // weight 0) carries no information, and its sxx is mostly rounding: such a candidate
  // gets a = 0 (the fit ȳ) instead of an arbitrary huge a.
  const informative = tf.greater(sxx, tf.add(tf.mul(spp, 1e-5), 1e-30));
  const a = tf.where(informative, tf.div(spy, tf.maximum(sxx, 1e-30)), tf.zerosLike(spy)) as tf.Tensor2D; // [G, 1]
  let sse: tf.Tensor1D;
  if (explicit) {
    // residual = (y − ȳ) + a·ψ̄ − a·ψ, with no cancellation between large terms.
    const base = tf.matMul(tf.concat([tf.onesLike(a), tf.mul(a, psiBar)], 1), ctx.dyAndOnes); // [G, N]
    const residuals = tf.sub(base, tf.mul(tf.matMul(a, ctx.onesRow), basis.psi)); // [G, N]
    sse = tf.reshape(tf.matMul(tf.square(residuals), ctx.wCol), [-1]) as tf.Tensor1D;
  } else {
    sse = tf.reshape(tf.sub(ctx.syy, tf.mul(a, spy)), [-1]) as tf.Tensor1D;
  }
  return { betas: basis.betas, sse, a, psiBar };
}

/** The chosen candidate of a grid. */
interface Best {
  beta: tf.Scalar;
  a: tf.Scalar;
  psiBar: tf.Scalar;
}

function pickBest(fit: GridFit): Best {
  const idx = tf.argMin(fit.sse);
  return {
    beta: tf.reshape(tf.gather(fit.betas, idx), []) as tf.Scalar,
    a: tf.reshape(tf.gather(fit.a, idx), []) as tf.Scalar,
    psiBar: tf.reshape(tf.gather(fit.psiBar, idx), []) as tf.Scalar,
  };
}

/** The result of one weighted fit. */
interface WeightedFit extends Best {
  yBar: tf.Scalar;
  residuals: tf.Tensor1D; // [N] y − fit
}

/**
 * One complete weighted fit: the coarse grid (closed-form residual sums), then
 * refinements (explicit residual sums) around the best candidate so far.
 */
function weightedFit(
  coarse: GridBasis,
  negU: tf.Tensor2D,
  y: tf.Tensor1D,
  w: tf.Tensor1D,
  opts: Resolved,
  refinements: number,
  lo: number,
  hi: number,
): WeightedFit {
  const n = y.shape[0];
  const wSum = tf.maximum(tf.sum(w), 1e-30) as tf.Scalar;
  const yBar = tf.div(tf.sum(tf.mul(y, w)), wSum) as tf.Scalar;
  const dy = tf.sub(y, yBar) as tf.Tensor1D;
  const wDy = tf.mul(w, dy);
  const onesRow = tf.ones([1, n]) as tf.Tensor2D;
  const ctx: FitContext = {
    onesRow,
    dyAndOnes: tf.concat([tf.reshape(dy, [1, n]), onesRow], 0) as tf.Tensor2D,
    wCol: tf.reshape(w, [n, 1]) as tf.Tensor2D,
    wAndWDy: tf.stack([w, wDy], 1) as tf.Tensor2D,
    wSum,
    syy: tf.sum(tf.mul(wDy, dy)) as tf.Scalar,
  };
  let best = pickBest(fitGrid(coarse, ctx, false));
  let halfWidth = (hi - lo) / (opts.gridSize - 1);
  for (let r = 0; r < refinements; r++) {
    const offsets = linspaceHost(-halfWidth, halfWidth, opts.refineSize);
    const betas = tf.clipByValue(tf.add(best.beta, offsets), lo, hi) as tf.Tensor1D;
    best = pickBest(fitGrid(gridBasis(betas, negU), ctx, true));
    halfWidth = (2 * halfWidth) / (opts.refineSize - 1);
  }
  const k = tf.exp(best.beta);
  const psi = tf.expm1(tf.mul(tf.reshape(negU, [-1]), k));
  const residuals = tf.sub(dy, tf.mul(best.a, tf.sub(psi, best.psiBar))) as tf.Tensor1D;
  return { ...best, yBar, residuals };
}

/**
 * Tukey biweight of absolute residuals: (1 − (r / (c·s))²)² where |r| < c·s, else 0,
 * with s the robust scale of `absR` and c the `tuning` constant.
 */
function tukey(absR: tf.Tensor1D, floor: tf.Scalar, tuning: number): tf.Tensor1D {
  const z = tf.div(absR, tf.mul(robustScale(absR, floor), tuning));
  return tf.square(tf.relu(tf.sub(1, tf.square(z)))) as tf.Tensor1D;
}

/** Window of the running median that screens spikes in 'train' mode. */
const MEDIAN_WINDOW = 5;

/**
 * |y − running median of y| over windows of {@link MEDIAN_WINDOW} points, the window
 * shifted inwards at both ends (so two adjacent spikes at the start are still caught).
 */
function runningMedianDeviation(y: tf.Tensor1D): tf.Tensor1D {
  const n = y.shape[0];
  const width = Math.min(MEDIAN_WINDOW, n);
  const idx = new Int32Array(n * width);
  for (let i = 0; i < n; i++) {
    const start = Math.min(Math.max(i - (width >> 1), 0), n - width);
    for (let j = 0; j < width; j++) idx[i * width + j] = start + j;
  }
  const windows = tf.reshape(tf.gather(y, tf.tensor1d(idx, 'int32')), [n, width]);
  const m = Math.ceil(width / 2);
  const median = tf.reshape(tf.slice(tf.topk(windows, m, true).values, [0, m - 1], [n, 1]), [n]);
  return tf.abs(tf.sub(y, median)) as tf.Tensor1D;
}

/**
 * 'validation' mode: finds the point whose removal lowers the best weighted residual sum
 * of squares of the coarse grid the most (every leave-one-out fit is batched, so a point
 * with high leverage, such as a spike on the first sample that a fast decay would absorb,
 * is judged by its deleted residual), and drops it when that reduction exceeds `tuning`²
 * times the residual variance of the fit without it.
 */
function dropWorstPoint(coarse: GridBasis, y: tf.Tensor1D, w: tf.Tensor1D, tuning: number): tf.Tensor1D {
  const n = y.shape[0];
  const wCol = tf.reshape(w, [n, 1]);
  // Column m: the weights without point m; column n: all current weights.
  const keep = tf.concat([tf.sub(1, tf.eye(n)), tf.ones([n, 1])], 1); // [N, N + 1]
  const wMat = tf.mul(tf.matMul(wCol, tf.ones([1, n + 1])), keep); // [N, N + 1]
  const yc = tf.sub(y, tf.mean(y)); // centred once, against cancellation below
  const ycCol = tf.reshape(yc, [n, 1]);
  const wy = tf.mul(wMat, tf.matMul(ycCol, tf.ones([1, n + 1]))); // [N, N + 1]
  const wSum = tf.maximum(tf.sum(wMat, 0, true), 1e-30); // [1, N + 1]
  const sy = tf.sum(wy, 0, true);
  const syy = tf.matMul(tf.reshape(tf.square(yc), [1, n]), wMat); // [1, N + 1]
  const sp = tf.matMul(coarse.psi, wMat); // [G, N + 1]
  const spp = tf.matMul(coarse.psiSq, wMat);
  const spy = tf.matMul(coarse.psi, wy);
  const g = coarse.psi.shape[0];
  const wSumG = tf.matMul(tf.ones([g, 1]), wSum); // [G, N + 1]
  const syG = tf.matMul(tf.ones([g, 1]), sy);
  const sxx = tf.sub(spp, tf.div(tf.square(sp), wSumG));
  const sxy = tf.sub(spy, tf.div(tf.mul(sp, syG), wSumG));
  const informative = tf.greater(sxx, tf.add(tf.mul(spp, 1e-5), 1e-30));
  const explained = tf.where(informative, tf.div(tf.square(sxy), tf.maximum(sxx, 1e-30)), tf.zerosLike(sxx));
  const syyC = tf.sub(syy, tf.div(tf.square(sy), wSum)); // [1, N + 1]
  const sse = tf.reshape(tf.maximum(tf.sub(syyC, tf.max(explained, 0, true)), 0), [n + 1]); // best per column
  const sseAll = tf.reshape(tf.slice(sse, [n], [1]), []);
  const sseLoo = tf.slice(sse, [0], [n]);
  const worst = tf.argMin(sseLoo);
  const sseWithout = tf.reshape(tf.gather(sseLoo, worst), []);
  // Residual variance without the point: its weighted count less the 3 fitted parameters.
  const dof = tf.maximum(tf.sub(tf.sum(tf.cast(tf.greater(w, 0), 'float32')), 4), 1);
  const variance = tf.div(sseWithout, dof);
  const isOutlier = tf.greater(tf.sub(sseAll, sseWithout), tf.mul(variance, tuning * tuning));
  const drop = tf.mul(tf.reshape(tf.oneHot(tf.reshape(worst, [1]), n, 1, 0, 'float32'), [n]), tf.cast(isOutlier, 'float32'));
  return tf.mul(w, tf.sub(1, drop)) as tf.Tensor1D;
}

/** Robust scale of residuals: 1.4826 · (upper) median |r|, floored so it is never 0. */
function robustScale(absR: tf.Tensor1D, floor: tf.Scalar): tf.Scalar {
  const n = absR.shape[0];
  const m = Math.ceil(n / 2);
  const median = tf.reshape(tf.slice(tf.topk(absR, m, true).values, [m - 1], [1]), []);
  return tf.maximum(tf.mul(median, MAD_TO_SIGMA), floor) as tf.Scalar;
}

/**
 * Fits `L(t) = a·exp(b·t) + c` with b < 0 to a loss series, robustly to outliers, on the
 * device, and optionally forecasts the loss at `predictAt`.
 *
 * Sample i of `losses` is at step `i * interval`. The decay is searched for |b|·T in
 * [`minRate`, `maxRate`] where T = (n − 1)·interval; the forecast is therefore bounded:
 * - a flat series gives a = 0 and a prediction equal to its value;
 * - a series straighter than `minRate` allows (e.g. linear) gets the smallest decay and a
 *   forecast just above (below, when rising) its linear extrapolation;
 * - a rising series gets a < 0: a rising curve that flattens towards c.
 *
 * If the series holds NaN or ±Infinity, a, b, c and `prediction` are all NaN (a number[]
 * or Float32Array is checked on the host and never uploaded; a tensor is checked on the
 * device within the same single read).
 *
 * Exactly one host read per call (none for a non-finite array). The input tensor is not
 * disposed; every intermediate tensor is.
 *
 * @throws TypeError / RangeError for a series shorter than 3, a tensor that is not 1-D,
 *   or invalid options — before any device work.
 */
export async function fitExponential(
  losses: number[] | Float32Array | tf.Tensor1D,
  options?: FitExponentialOptions,
): Promise<ExponentialForecast> {
  const n = validateSeries(losses);
  const opts = resolveOptions(options);
  const span = (n - 1) * opts.interval;

  if (!(losses instanceof tf.Tensor)) {
    for (let i = 0; i < n; i++) {
      if (!Number.isFinite(losses[i])) return makeResult(NaN, NaN, NaN, NaN, NaN, NaN);
    }
  }

  const lo = Math.log(opts.minRate);
  const hi = Math.log(opts.maxRate);
  const packed = tf.tidy(() => {
    const raw: tf.Tensor1D =
      losses instanceof tf.Tensor
        ? losses.dtype === 'float32'
          ? losses
          : (tf.cast(losses, 'float32') as tf.Tensor1D)
        : tf.tensor1d(losses instanceof Float32Array ? losses : Float32Array.from(losses), 'float32');
    // 0 when every value is finite, NaN otherwise; added to every output at the end.
    const poison = tf.sum(tf.sub(raw, raw));
    // Non-finite values are zeroed so that the fit itself stays well defined.
    const y = tf.where(tf.isFinite(raw), raw, tf.zerosLike(raw)) as tf.Tensor1D;
    const negU = tf.reshape(linspaceHost(0, -1, n), [1, -1]) as tf.Tensor2D;
    const coarse = gridBasis(linspaceHost(lo, hi, opts.gridSize), negU);
    // Floor of the robust scale: keeps weights defined for an exactly fitted series.
    const scaleFloor = tf.add(tf.mul(tf.max(tf.abs(y)), 1e-6), 1e-30) as tf.Scalar;

    // In 'train' mode, spikes are first judged against a running median, which a fast
    // decay cannot absorb: a least-squares fit would explain a spike on the first steps
    // as a fast transient and leave it a small residual.
    const prior = opts.mode === 'train' && opts.passes > 0 ? tukey(runningMedianDeviation(y), scaleFloor, opts.tuning) : undefined;
    let w = prior ?? (tf.onesLike(y) as tf.Tensor1D);
    // Intermediate fits only set weights: one refinement is precise enough for that.
    const fitWith = (weights: tf.Tensor1D, last: boolean): WeightedFit =>
      weightedFit(coarse, negU, y, weights, opts, last ? opts.refinements : Math.min(1, opts.refinements), lo, hi);
    let fit = fitWith(w, opts.passes === 0);
    for (let p = 0; p < opts.passes; p++) {
      const absR = tf.abs(fit.residuals) as tf.Tensor1D;
      if (prior !== undefined) {
        w = tf.mul(prior, tukey(absR, scaleFloor, opts.tuning)) as tf.Tensor1D;
      } else {
        w = dropWorstPoint(coarse, y, w, opts.tuning);
      }
      fit = fitWith(w, p === opts.passes - 1);
    }

    const k = tf.exp(fit.beta);
    const b = tf.div(tf.neg(k), span);
    // L = a·ψ + (a + c) and the weighted fit passes through (ψ̄, ȳ): c = ȳ − a·(ψ̄ + 1).
    const c = tf.sub(fit.yBar, tf.mul(fit.a, tf.add(fit.psiBar, 1)));
    const prediction =
      opts.predictAt === undefined
        ? tf.scalar(NaN)
        : tf.add(fit.yBar, tf.mul(fit.a, tf.sub(tf.expm1(tf.mul(tf.neg(k), opts.predictAt / span)), fit.psiBar)));
    const m = Math.max(1, Math.ceil(n / 10));
    const head = tf.mean(tf.slice(y, [0], [m]));
    const tail = tf.mean(tf.slice(y, [n - m], [m]));
    return tf.add(tf.stack([fit.a, b, c, prediction, head, tail]), poison);
  });

  let values: Float32Array | Int32Array | Uint8Array;
  try {
    values = await packed.data();
  } finally {
    packed.dispose();
  }
  return makeResult(values[0]!, values[1]!, values[2]!, values[3]!, values[4]!, values[5]!);
}

function makeResult(a: number, b: number, c: number, prediction: number, head: number, tail: number): ExponentialForecast {
  return {
    a,
    b,
    c,
    prediction,
    head,
    tail,
    predict(t: number): number {
      return a * Math.exp(b * t) + c;
    },
  };
}
