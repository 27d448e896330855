/** Linear warmup: PyTorch `lr_scheduler.LinearLR`. */
import { integerAtLeast, numberInRange } from '../util/validate.js';
import { ClosedFormSchedule, intervalOption, optionalLr, readOptions, type IntervalOptions } from './base.js';

export interface LinearWarmupOptions extends IntervalOptions {
  /**
   * The target LR, reached at step `warmupSteps`. When omitted, the optimizer's LR when training first begins.
   * @default the optimizer's learning rate
   */
  lr?: number;
  /** Number of steps over which the factor moves from `startFactor` to `endFactor` (PyTorch's `total_iters`); an integer >= 1. No default (required). */
  warmupSteps: number;
  /**
   * Factor of `lr` at step 0; in (0, 1].
   * @default 1 / 3
   */
  startFactor?: number;
  /**
   * Factor of `lr` from step `warmupSteps` on; in [0, 1].
   * @default 1
   */
  endFactor?: number;
}

/**
 * `lr * (startFactor + (endFactor - startFactor) * min(warmupSteps, step) / warmupSteps)`,
 * PyTorch LinearLR's closed form. The factor stays at `endFactor` after `warmupSteps`.
 */
export class LinearWarmup extends ClosedFormSchedule {
  readonly #warmupSteps: number;
  readonly #startFactor: number;
  readonly #endFactor: number;

  constructor(options: LinearWarmupOptions) {
    const o = readOptions<LinearWarmupOptions>('linearWarmup options', options, ['lr', 'warmupSteps', 'startFactor', 'endFactor', 'interval']);
    const lr = optionalLr('lr', o.lr);
    const warmupSteps = integerAtLeast('warmupSteps', o.warmupSteps, 1);
    const startFactor = numberInRange('startFactor', o.startFactor ?? 1 / 3, 0, 1);
    if (startFactor === 0) throw new RangeError('Expected `startFactor` to be a number in (0, 1], got 0.');
    const endFactor = numberInRange('endFactor', o.endFactor ?? 1, 0, 1);
    super('LinearWarmup', lr, intervalOption(o.interval));
    this.#warmupSteps = warmupSteps;
    this.#startFactor = startFactor;
    this.#endFactor = endFactor;
  }

  protected override computeLr(step: number, baseLr: number): number {
    const t = Math.min(this.#warmupSteps, step);
    return baseLr * (this.#startFactor + ((this.#endFactor - this.#startFactor) * t) / this.#warmupSteps);
  }
}

/**
 * PyTorch's LinearLR as a `model.fit` callback, for a linear warmup.
 *
 * @example
 * ```ts
 * // 0.025, 0.05, 0.075 for steps 0..2, then 0.1 from step 3 on
 * const schedule = linearWarmup({ lr: 0.1, warmupSteps: 3, startFactor: 0.25 });
 * await model.fit(x, y, { batchSize: 32, epochs: 10, callbacks: [schedule] });
 * ```
 */
export function linearWarmup(options: LinearWarmupOptions): LinearWarmup {
  return new LinearWarmup(options);
}
