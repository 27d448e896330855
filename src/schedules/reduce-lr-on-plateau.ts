/** ReduceLROnPlateau: lowers the LR when a monitored metric stops improving (PyTorch `lr_scheduler.ReduceLROnPlateau`). */
import type * as tf from '@tensorflow/tfjs';
import { integerAtLeast, nonNegativeNumber, numberInRange, oneOf } from '../util/validate.js';
import { LRSchedule, optionalLr, readOptions, type JsonValue } from './base.js';

export type PlateauMode = 'min' | 'max';
export type ThresholdMode = 'rel' | 'abs';

export interface ReduceLROnPlateauOptions {
  /**
   * The initial LR. When omitted, the optimizer's LR when training first begins.
   * @default the optimizer's learning rate
   */
  lr?: number;
  /**
   * The key of the epoch logs to watch, e.g. `'val_loss'`, `'loss'`, `'val_acc'`.
   * @default 'val_loss'
   */
  monitor?: string;
  /**
   * `'min'`: lower is better; `'max'`: higher is better.
   * @default 'min'
   */
  mode?: PlateauMode;
  /**
   * Factor applied to the LR at each reduction; in (0, 1).
   * @default 0.1
   */
  factor?: number;
  /**
   * Number of epochs without improvement tolerated; the LR is reduced at the next one. An integer >= 0.
   * @default 10
   */
  patience?: number;
  /**
   * Minimum change that counts as an improvement; >= 0.
   * @default 1e-4
   */
  threshold?: number;
  /**
   * `'rel'`: an improvement beats `best * (1 -/+ threshold)`; `'abs'`: it beats `best -/+ threshold`.
   * @default 'rel'
   */
  thresholdMode?: ThresholdMode;
  /**
   * Number of epochs after a reduction during which bad epochs are not counted; an integer >= 0.
   * @default 0
   */
  cooldown?: number;
  /**
   * The LR is never reduced below this; >= 0.
   * @default 0
   */
  minLr?: number;
  /**
   * A reduction smaller than this is skipped; >= 0.
   * @default 1e-8
   */
  eps?: number;
}

/**
 * PyTorch's ReduceLROnPlateau, stepped once per epoch in `onEpochEnd` with the epoch
 * logs' value of `monitor`. The new LR applies from the next epoch's first step.
 *
 * At each epoch end: when the value improves on `best` (per `mode` and `threshold`),
 * `best` takes it and the bad-epoch count goes to 0, otherwise the count grows; during
 * a cooldown the count is held at 0; when the count exceeds `patience` the LR becomes
 * `max(lr * factor, minLr)` (skipped when the change is <= `eps`), the cooldown starts
 * and the count goes to 0. {@link step} counts the epochs seen. There is no closed form.
 *
 * A missing `monitor` key in the epoch logs throws an Error that lists the keys there
 * are (for `'val_...'` keys, pass `validationData` or `validationSplit` to `fit`).
 */
export class ReduceLROnPlateau extends LRSchedule {
  readonly #monitor: string;
  readonly #mode: PlateauMode;
  readonly #factor: number;
  readonly #patience: number;
  readonly #threshold: number;
  readonly #thresholdMode: ThresholdMode;
  readonly #cooldown: number;
  readonly #minLr: number;
  readonly #eps: number;
  #best: number;
  #numBadEpochs = 0;
  #cooldownCounter = 0;

  constructor(options: ReduceLROnPlateauOptions = {}) {
    const o = readOptions<ReduceLROnPlateauOptions>('reduceLROnPlateau options', options, [
      'lr',
      'monitor',
      'mode',
      'factor',
      'patience',
      'threshold',
      'thresholdMode',
      'cooldown',
      'minLr',
      'eps',
    ]);
    const lr = optionalLr('lr', o.lr);
    const monitor = o.monitor ?? 'val_loss';
    if (typeof monitor !== 'string' || monitor.length === 0) {
      throw new TypeError(`Expected \`monitor\` to be a non-empty string, got ${JSON.stringify(monitor) ?? String(monitor)}.`);
    }
    const mode = oneOf('mode', o.mode ?? 'min', ['min', 'max'] as const);
    const factor = numberInRange('factor', o.factor ?? 0.1, 0, 1, true);
    const patience = integerAtLeast('patience', o.patience ?? 10, 0);
    const threshold = nonNegativeNumber('threshold', o.threshold ?? 1e-4);
    const thresholdMode = oneOf('thresholdMode', o.thresholdMode ?? 'rel', ['rel', 'abs'] as const);
    const cooldown = integerAtLeast('cooldown', o.cooldown ?? 0, 0);
    const minLr = nonNegativeNumber('minLr', o.minLr ?? 0);
    const eps = nonNegativeNumber('eps', o.eps ?? 1e-8);
    super('ReduceLROnPlateau', lr);
    this.#monitor = monitor;
    this.#mode = mode;
    this.#factor = factor;
    this.#patience = patience;
    this.#threshold = threshold;
    this.#thresholdMode = thresholdMode;
    this.#cooldown = cooldown;
    this.#minLr = minLr;
    this.#eps = eps;
    this.#best = this.#worst();
  }

  #worst(): number {
    return this.#mode === 'min' ? Infinity : -Infinity;
  }

  /** The best value of the metric seen so far (±Infinity before the first epoch). */
  get best(): number {
    return this.#best;
  }

  /** Number of consecutive epochs without improvement. */
  get numBadEpochs(): number {
    return this.#numBadEpochs;
  }

  /** Epochs left in the current cooldown. */
  get cooldownCounter(): number {
    return this.#cooldownCounter;
  }

  #isBetter(a: number): boolean {
    const best = this.#best;
    if (this.#mode === 'min') return this.#thresholdMode === 'rel' ? a < best * (1 - this.#threshold) : a < best - this.#threshold;
    return this.#thresholdMode === 'rel' ? a > best * (this.#threshold + 1) : a > best + this.#threshold;
  }

  /**
   * Takes one epoch's metric value (what `onEpochEnd` does with the logs) and returns the
   * LR for the next epoch. Before training begins this needs the `lr` option.
   */
  observe(value: number): number {
    if (typeof value !== 'number') throw new TypeError(`Expected the value of \`${this.#monitor}\` to be a number, got ${typeof value}.`);
    const current = this.lr;
    this.advance();
    if (this.#isBetter(value)) {
      this.#best = value;
      this.#numBadEpochs = 0;
    } else {
      this.#numBadEpochs += 1;
    }
    if (this.#cooldownCounter > 0) {
      this.#cooldownCounter -= 1;
      this.#numBadEpochs = 0;
    }
    let next = current;
    if (this.#numBadEpochs > this.#patience) {
      const reduced = Math.max(current * this.#factor, this.#minLr);
      if (current - reduced > this.#eps) next = reduced;
      this.#cooldownCounter = this.#cooldown;
      this.#numBadEpochs = 0;
    }
    this.#setLr(next);
    return next;
  }

  #setLr(lr: number): void {
    const model = this.model as tf.LayersModel | undefined;
    if (model?.optimizer !== undefined) this.applyLr(lr);
    else this.#pending = lr;
  }

  #pending: number | undefined;

  protected override pendingLr(): number | undefined {
    return this.#pending ?? this.baseLr;
  }

  /** Sets the optimizer's LR to the schedule's current LR (the base LR, or a reduced one after a resume). */
  protected override trainBegin(): void {
    this.applyLr(this.lr);
    this.#pending = undefined;
  }

  override async onEpochEnd(_epoch: number, logs?: Record<string, number | tf.Scalar>): Promise<void> {
    const entry = logs?.[this.#monitor];
    if (entry === undefined) {
      const keys = Object.keys(logs ?? {});
      throw new Error(
        `ReduceLROnPlateau monitors \`${this.#monitor}\`, which is not in the epoch logs; ` +
          `the logs have ${keys.length > 0 ? keys.map((k) => `\`${k}\``).join(', ') : 'no keys'}` +
          (this.#monitor.startsWith('val_') ? ' (validation metrics need `validationData` or `validationSplit` in `fit`).' : '.'),
      );
    }
    // The log value may still be a scalar tensor; read it without taking it over
    // (History disposes the epoch-log tensors at the end of fit).
    const value = typeof entry === 'number' ? entry : (await entry.data())[0]!;
    this.observe(value);
  }

  protected override resetExtra(): void {
    this.#best = this.#worst();
    this.#numBadEpochs = 0;
    this.#cooldownCounter = 0;
    this.#pending = undefined;
  }

  protected override extraState(): { [key: string]: JsonValue } {
    return {
      best: Number.isFinite(this.#best) ? this.#best : null,
      numBadEpochs: this.#numBadEpochs,
      cooldownCounter: this.#cooldownCounter,
      pendingLr: this.#pending ?? null,
    };
  }

  protected override loadExtraState(extra: { [key: string]: JsonValue }): void {
    const best = extra['best'] === null ? this.#worst() : (extra['best'] as unknown);
    if (typeof best !== 'number' || Number.isNaN(best)) throw new TypeError(`Expected \`state.extra.best\` to be a number or null, got ${String(best)}.`);
    const numBad = integerAtLeast('state.extra.numBadEpochs', extra['numBadEpochs'], 0);
    const cooldown = integerAtLeast('state.extra.cooldownCounter', extra['cooldownCounter'], 0);
    const pending = extra['pendingLr'] == null ? undefined : nonNegativeNumber('state.extra.pendingLr', extra['pendingLr']);
    this.#best = best;
    this.#numBadEpochs = numBad;
    this.#cooldownCounter = cooldown;
    this.#pending = pending;
  }
}

/**
 * PyTorch's ReduceLROnPlateau as a `model.fit` callback (see {@link ReduceLROnPlateau}).
 *
 * @example
 * ```ts
 * // divide the LR by 10 once val_loss has not improved for 3 epochs
 * const schedule = reduceLROnPlateau({ lr: 0.01, monitor: 'val_loss', patience: 3 });
 * await model.fit(x, y, { epochs: 50, validationSplit: 0.2, callbacks: [schedule] });
 * ```
 */
export function reduceLROnPlateau(options: ReduceLROnPlateauOptions = {}): ReduceLROnPlateau {
  return new ReduceLROnPlateau(options);
}
