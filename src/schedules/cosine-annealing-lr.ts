/** CosineAnnealingLR: cosine decay from the base LR to `etaMin` over `tMax` steps (PyTorch `lr_scheduler.CosineAnnealingLR`). */
import { integerAtLeast, nonNegativeNumber } from '../util/validate.js';
import { ClosedFormSchedule, intervalOption, optionalLr, readOptions, type IntervalOptions } from './base.js';

export interface CosineAnnealingLROptions extends IntervalOptions {
  /**
   * The initial (maximum) LR. When omitted, the optimizer's LR when training first begins.
   * @default the optimizer's learning rate
   */
  lr?: number;
  /** Number of steps of the half cosine, from the base LR down to `etaMin`; an integer >= 1. No default (required). */
  tMax: number;
  /**
   * The minimum LR, reached at step `tMax`; >= 0.
   * @default 0
   */
  etaMin?: number;
}

/**
 * `etaMin + (lr - etaMin) * (1 + cos(pi * step / tMax)) / 2`, PyTorch's closed form.
 *
 * PyTorch steps CosineAnnealingLR with a recursive form; in exact arithmetic it coincides
 * with this closed form at every step (for `t <= tMax` and beyond), so the two differ
 * only by rounding. Past `tMax` the closed form, like PyTorch, continues the cosine: the
 * LR rises again and is back at the base LR at step `2 * tMax` (period `2 * tMax`). To
 * hold `etaMin` after `tMax` instead, train for `tMax` steps, or chain a constant
 * schedule with {@link sequential}.
 */
export class CosineAnnealingLR extends ClosedFormSchedule {
  readonly #tMax: number;
  readonly #etaMin: number;

  constructor(options: CosineAnnealingLROptions) {
    const o = readOptions<CosineAnnealingLROptions>('cosineAnnealingLR options', options, ['lr', 'tMax', 'etaMin', 'interval']);
    const lr = optionalLr('lr', o.lr);
    const tMax = integerAtLeast('tMax', o.tMax, 1);
    const etaMin = nonNegativeNumber('etaMin', o.etaMin ?? 0);
    super('CosineAnnealingLR', lr, intervalOption(o.interval));
    this.#tMax = tMax;
    this.#etaMin = etaMin;
  }

  protected override computeLr(step: number, baseLr: number): number {
    return this.#etaMin + ((baseLr - this.#etaMin) * (1 + Math.cos((Math.PI * step) / this.#tMax))) / 2;
  }
}

/**
 * PyTorch's CosineAnnealingLR as a `model.fit` callback (see {@link CosineAnnealingLR}
 * for the behaviour past `tMax`).
 *
 * @example
 * ```ts
 * // 0.1 at step 0, 0.05 at step 500, 0 at step 1000
 * const schedule = cosineAnnealingLR({ lr: 0.1, tMax: 1000 });
 * await model.fit(x, y, { batchSize: 32, epochs: 10, callbacks: [schedule] });
 * ```
 */
export function cosineAnnealingLR(options: CosineAnnealingLROptions): CosineAnnealingLR {
  return new CosineAnnealingLR(options);
}
