/** MultiStepLR: decays the LR by `gamma` at each milestone (PyTorch `lr_scheduler.MultiStepLR`). */
import { positiveNumber } from '../util/validate.js';
import { bisectRight, ClosedFormSchedule, intervalOption, milestonesOption, optionalLr, readOptions, type IntervalOptions } from './base.js';

export interface MultiStepLROptions extends IntervalOptions {
  /**
   * The initial LR. When omitted, the optimizer's LR when training first begins.
   * @default the optimizer's learning rate
   */
  lr?: number;
  /** Steps at which the LR is multiplied by `gamma`: strictly increasing integers >= 1. No default (required). */
  milestones: number[];
  /**
   * Factor applied to the LR at each milestone; > 0.
   * @default 0.1
   */
  gamma?: number;
}

/** `lr * gamma ** (number of milestones <= step)`. */
export class MultiStepLR extends ClosedFormSchedule {
  readonly #milestones: readonly number[];
  readonly #gamma: number;

  constructor(options: MultiStepLROptions) {
    const o = readOptions<MultiStepLROptions>('multiStepLR options', options, ['lr', 'milestones', 'gamma', 'interval']);
    const lr = optionalLr('lr', o.lr);
    const milestones = milestonesOption('milestones', o.milestones);
    const gamma = positiveNumber('gamma', o.gamma ?? 0.1);
    super('MultiStepLR', lr, intervalOption(o.interval));
    this.#milestones = Object.freeze(milestones);
    this.#gamma = gamma;
  }

  /** The milestones. */
  get milestones(): readonly number[] {
    return this.#milestones;
  }

  protected override computeLr(step: number, baseLr: number): number {
    return baseLr * this.#gamma ** bisectRight(this.#milestones, step);
  }
}

/**
 * PyTorch's MultiStepLR as a `model.fit` callback: the LR of step `t` is
 * `lr * gamma ** k`, with `k` the number of milestones `<= t`.
 *
 * @example
 * ```ts
 * // lr = 0.05 for steps 0..29, 0.005 for steps 30..79, 0.0005 from step 80 on
 * const schedule = multiStepLR({ lr: 0.05, milestones: [30, 80] });
 * await model.fit(x, y, { epochs: 10, callbacks: [schedule] });
 * ```
 */
export function multiStepLR(options: MultiStepLROptions): MultiStepLR {
  return new MultiStepLR(options);
}
