/** CyclicLR: the LR cycles between `baseLr` and `maxLr` (PyTorch `lr_scheduler.CyclicLR`, Smith 2017). */
import { integerAtLeast, nonNegativeNumber, oneOf, positiveNumber } from '../util/validate.js';
import { ClosedFormSchedule, intervalOption, readOptions, type IntervalOptions } from './base.js';

export type CyclicMode = 'triangular' | 'triangular2' | 'exp_range';
export const CYCLIC_MODES: readonly CyclicMode[] = ['triangular', 'triangular2', 'exp_range'];

export interface CyclicLROptions extends IntervalOptions {
  /** The lower bound of the cycle, and the LR at step 0; >= 0. No default (required). */
  baseLr: number;
  /** The upper bound of the cycle (reached at step `stepSizeUp` in `'triangular'` mode); >= `baseLr`. No default (required). */
  maxLr: number;
  /**
   * Number of steps from `baseLr` up to `maxLr`; an integer >= 1.
   * @default 2000
   */
  stepSizeUp?: number;
  /**
   * Number of steps from `maxLr` back down to `baseLr`; an integer >= 1.
   * @default stepSizeUp
   */
  stepSizeDown?: number;
  /**
   * `'triangular'`: constant amplitude; `'triangular2'`: the amplitude halves every
   * cycle; `'exp_range'`: the amplitude is scaled by `gamma ** step`.
   * @default 'triangular'
   */
  mode?: CyclicMode;
  /**
   * The per-step decay of the amplitude in `'exp_range'` mode; > 0.
   * @default 1
   */
  gamma?: number;
}

/**
 * PyTorch's CyclicLR, with `t` the step, `T = stepSizeUp + stepSizeDown`,
 * `r = stepSizeUp / T`:
 * `cycle = floor(1 + t / T)`, `x = 1 + t / T - cycle`,
 * `s = x <= r ? x / r : (x - 1) / (r - 1)`, and
 * `lr = baseLr + (maxLr - baseLr) * s * scale`, where `scale` is `1` (`'triangular'`),
 * `1 / 2 ** (cycle - 1)` (`'triangular2'`) or `gamma ** t` (`'exp_range'`).
 * Momentum is not cycled.
 */
export class CyclicLR extends ClosedFormSchedule {
  readonly #maxLr: number;
  readonly #totalSize: number;
  readonly #stepRatio: number;
  readonly #mode: CyclicMode;
  readonly #gamma: number;

  constructor(options: CyclicLROptions) {
    const o = readOptions<CyclicLROptions>('cyclicLR options', options, [
      'baseLr',
      'maxLr',
      'stepSizeUp',
      'stepSizeDown',
      'mode',
      'gamma',
      'interval',
    ]);
    const baseLr = nonNegativeNumber('baseLr', o.baseLr);
    const maxLr = nonNegativeNumber('maxLr', o.maxLr);
    if (maxLr < baseLr) throw new RangeError(`Expected \`maxLr\` to be >= \`baseLr\` (${baseLr}), got ${maxLr}.`);
    const up = integerAtLeast('stepSizeUp', o.stepSizeUp ?? 2000, 1);
    const down = integerAtLeast('stepSizeDown', o.stepSizeDown ?? up, 1);
    const mode = oneOf('mode', o.mode ?? 'triangular', CYCLIC_MODES);
    const gamma = positiveNumber('gamma', o.gamma ?? 1);
    super('CyclicLR', baseLr, intervalOption(o.interval));
    this.#maxLr = maxLr;
    this.#totalSize = up + down;
    this.#stepRatio = up / this.#totalSize;
    this.#mode = mode;
    this.#gamma = gamma;
  }

  protected override computeLr(step: number, baseLr: number): number {
    const cycle = Math.floor(1 + step / this.#totalSize);
    const x = 1 + step / this.#totalSize - cycle;
    const scaleFactor = x <= this.#stepRatio ? x / this.#stepRatio : (x - 1) / (this.#stepRatio - 1);
    const baseHeight = (this.#maxLr - baseLr) * scaleFactor;
    const scale = this.#mode === 'triangular' ? 1 : this.#mode === 'triangular2' ? 1 / 2 ** (cycle - 1) : this.#gamma ** step;
    return baseLr + baseHeight * scale;
  }
}

/**
 * PyTorch's CyclicLR as a `model.fit` callback (see {@link CyclicLR} for the formula).
 *
 * @example
 * ```ts
 * // 0.001 at step 0, up to 0.006 at step 2000, back to 0.001 at step 4000, ...
 * const schedule = cyclicLR({ baseLr: 0.001, maxLr: 0.006, stepSizeUp: 2000 });
 * await model.fit(x, y, { batchSize: 32, epochs: 10, callbacks: [schedule] });
 * ```
 */
export function cyclicLR(options: CyclicLROptions): CyclicLR {
  return new CyclicLR(options);
}
