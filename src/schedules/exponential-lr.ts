/** ExponentialLR: multiplies the LR by `gamma` every step (PyTorch `lr_scheduler.ExponentialLR`). */
import { positiveNumber } from '../util/validate.js';
import { ClosedFormSchedule, intervalOption, optionalLr, readOptions, type IntervalOptions } from './base.js';

export interface ExponentialLROptions extends IntervalOptions {
  /**
   * The initial LR. When omitted, the optimizer's LR when training first begins.
   * @default the optimizer's learning rate
   */
  lr?: number;
  /** Factor applied to the LR every step; > 0. No default (required). */
  gamma: number;
}

/** `lr * gamma ** step`. */
export class ExponentialLR extends ClosedFormSchedule {
  readonly #gamma: number;

  constructor(options: ExponentialLROptions) {
    const o = readOptions<ExponentialLROptions>('exponentialLR options', options, ['lr', 'gamma', 'interval']);
    const lr = optionalLr('lr', o.lr);
    const gamma = positiveNumber('gamma', o.gamma);
    super('ExponentialLR', lr, intervalOption(o.interval));
    this.#gamma = gamma;
  }

  protected override computeLr(step: number, baseLr: number): number {
    return baseLr * this.#gamma ** step;
  }
}

/**
 * PyTorch's ExponentialLR as a `model.fit` callback: the LR of step `t` is `lr * gamma ** t`.
 *
 * @example
 * ```ts
 * // epoch 0: 0.1, epoch 1: 0.09, epoch 2: 0.081, ...
 * const schedule = exponentialLR({ lr: 0.1, gamma: 0.9, interval: 'epoch' });
 * await model.fit(x, y, { epochs: 20, callbacks: [schedule] });
 * ```
 */
export function exponentialLR(options: ExponentialLROptions): ExponentialLR {
  return new ExponentialLR(options);
}
