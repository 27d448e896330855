/** StepLR: decays the LR by `gamma` every `stepSize` steps (PyTorch `lr_scheduler.StepLR`). */
import { integerAtLeast, positiveNumber } from '../util/validate.js';
import { ClosedFormSchedule, intervalOption, optionalLr, readOptions, type IntervalOptions } from './base.js';

export interface StepLROptions extends IntervalOptions {
  /**
   * The initial LR. When omitted, the optimizer's LR when training first begins.
   * @default the optimizer's learning rate
   */
  lr?: number;
  /** Number of steps between two decays; an integer >= 1. No default (required). */
  stepSize: number;
  /**
   * Factor applied to the LR at each decay; > 0.
   * @default 0.1
   */
  gamma?: number;
}

/** `lr * gamma ** floor(step / stepSize)`. */
export class StepLR extends ClosedFormSchedule {
  readonly #stepSize: number;
  readonly #gamma: number;

  constructor(options: StepLROptions) {
    const o = readOptions<StepLROptions>('stepLR options', options, ['lr', 'stepSize', 'gamma', 'interval']);
    const lr = optionalLr('lr', o.lr);
    const stepSize = integerAtLeast('stepSize', o.stepSize, 1);
    const gamma = positiveNumber('gamma', o.gamma ?? 0.1);
    super('StepLR', lr, intervalOption(o.interval));
    this.#stepSize = stepSize;
    this.#gamma = gamma;
  }

  protected override computeLr(step: number, baseLr: number): number {
    return baseLr * this.#gamma ** Math.floor(step / this.#stepSize);
  }
}

/**
 * PyTorch's StepLR as a `model.fit` callback: the LR of step `t` is
 * `lr * gamma ** floor(t / stepSize)`.
 *
 * @example
 * ```ts
 * // lr = 0.05 for steps 0..29, 0.005 for steps 30..59, 0.0005 for steps 60..89, ...
 * await model.fit(x, y, { epochs: 10, callbacks: [stepLR({ lr: 0.05, stepSize: 30 })] });
 * ```
 */
export function stepLR(options: StepLROptions): StepLR {
  return new StepLR(options);
}
