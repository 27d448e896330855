/** CosineAnnealingWarmRestarts: SGDR cosine cycles with restarts (PyTorch `lr_scheduler.CosineAnnealingWarmRestarts`). */
import { integerAtLeast, nonNegativeNumber } from '../util/validate.js';
import { ClosedFormSchedule, intervalOption, optionalLr, readOptions, type IntervalOptions } from './base.js';

export interface CosineAnnealingWarmRestartsOptions extends IntervalOptions {
  /**
   * The LR at each restart. When omitted, the optimizer's LR when training first begins.
   * @default the optimizer's learning rate
   */
  lr?: number;
  /** Length of the first cycle in steps; an integer >= 1. No default (required). */
  t0: number;
  /**
   * Factor by which each cycle is longer than the previous one; an integer >= 1.
   * @default 1
   */
  tMult?: number;
  /**
   * The minimum LR; >= 0.
   * @default 0
   */
  etaMin?: number;
}

/**
 * `etaMin + (lr - etaMin) * (1 + cos(pi * tCur / tI)) / 2`, where `tI` is the length of
 * the current cycle (`t0`, `t0 * tMult`, `t0 * tMult**2`, ...) and `tCur` the number of
 * steps since its start; at each restart `tCur = 0` and the LR is back at `lr`.
 */
export class CosineAnnealingWarmRestarts extends ClosedFormSchedule {
  readonly #t0: number;
  readonly #tMult: number;
  readonly #etaMin: number;

  constructor(options: CosineAnnealingWarmRestartsOptions) {
    const o = readOptions<CosineAnnealingWarmRestartsOptions>('cosineAnnealingWarmRestarts options', options, [
      'lr',
      't0',
      'tMult',
      'etaMin',
      'interval',
    ]);
    const lr = optionalLr('lr', o.lr);
    const t0 = integerAtLeast('t0', o.t0, 1);
    const tMult = integerAtLeast('tMult', o.tMult ?? 1, 1);
    const etaMin = nonNegativeNumber('etaMin', o.etaMin ?? 0);
    super('CosineAnnealingWarmRestarts', lr, intervalOption(o.interval));
    this.#t0 = t0;
    this.#tMult = tMult;
    this.#etaMin = etaMin;
  }

  /** The position in the cycle of `step`: `{ tCur, tI }` (integer arithmetic, no logarithms). */
  cyclePosition(step: number): { tCur: number; tI: number } {
    if (this.#tMult === 1) return { tCur: step % this.#t0, tI: this.#t0 };
    let tCur = step;
    let tI = this.#t0;
    while (tCur >= tI) {
      tCur -= tI;
      tI *= this.#tMult;
    }
    return { tCur, tI };
  }

  protected override computeLr(step: number, baseLr: number): number {
    const { tCur, tI } = this.cyclePosition(step);
    return this.#etaMin + ((baseLr - this.#etaMin) * (1 + Math.cos((Math.PI * tCur) / tI))) / 2;
  }
}

/**
 * PyTorch's CosineAnnealingWarmRestarts (SGDR) as a `model.fit` callback.
 *
 * @example
 * ```ts
 * // cycles of 10, 20, 40, ... steps; the LR restarts at 0.1 at steps 0, 10, 30, 70, ...
 * const schedule = cosineAnnealingWarmRestarts({ lr: 0.1, t0: 10, tMult: 2, etaMin: 1e-4 });
 * await model.fit(x, y, { batchSize: 32, epochs: 10, callbacks: [schedule] });
 * ```
 */
export function cosineAnnealingWarmRestarts(options: CosineAnnealingWarmRestartsOptions): CosineAnnealingWarmRestarts {
  return new CosineAnnealingWarmRestarts(options);
}
