/** OneCycleLR: the 1cycle policy (PyTorch `lr_scheduler.OneCycleLR`, Smith & Topin 2018). */
import { boolean, integerAtLeast, numberInRange, oneOf, positiveNumber } from '../util/validate.js';
import { ClosedFormSchedule, intervalOption, readOptions, type IntervalOptions } from './base.js';

export type AnnealStrategy = 'cos' | 'linear';
export const ANNEAL_STRATEGIES: readonly AnnealStrategy[] = ['cos', 'linear'];

export interface OneCycleLROptions extends IntervalOptions {
  /** The peak LR; > 0. No default (required). */
  maxLr: number;
  /** Number of steps of the cycle; an integer >= 2. No default (required). */
  totalSteps: number;
  /**
   * Fraction of the steps spent increasing the LR; in (0, 1).
   * @default 0.3
   */
  pctStart?: number;
  /**
   * How the LR moves within a phase: cosine or linear annealing.
   * @default 'cos'
   */
  annealStrategy?: AnnealStrategy;
  /**
   * The initial LR is `maxLr / divFactor`; > 0.
   * @default 25
   */
  divFactor?: number;
  /**
   * The final LR is `maxLr / divFactor / finalDivFactor`; > 0.
   * @default 1e4
   */
  finalDivFactor?: number;
  /**
   * Three phases (up, back down to the initial LR, then down to the final LR) instead of two.
   * @default false
   */
  threePhase?: boolean;
}

const KEYS = {
  maxLr: true,
  totalSteps: true,
  pctStart: true,
  annealStrategy: true,
  divFactor: true,
  finalDivFactor: true,
  threePhase: true,
  interval: true,
} as const satisfies Record<keyof OneCycleLROptions, true>;

/** Every option key of {@link OneCycleLROptions}. */
export const ONE_CYCLE_OPTION_KEYS = Object.keys(KEYS) as Array<keyof OneCycleLROptions>;

interface Phase {
  endStep: number;
  startLr: number;
  endLr: number;
}

/**
 * PyTorch's OneCycleLR. With `T = totalSteps`, `p = pctStart`, initial LR
 * `maxLr / divFactor` and final LR `initial / finalDivFactor`, the phases end at steps
 * (as floats, exactly as PyTorch computes them) `p * T - 1` and `T - 1`, or with
 * `threePhase` at `p * T - 1`, `2 * p * T - 2` and `T - 1`. Within a phase from step
 * `s0` to `s1`, `pct = (t - s0) / (s1 - s0)` and the LR goes from the phase's start LR
 * to its end LR by cosine (`end + (start - end) / 2 * (cos(pi * pct) + 1)`) or linear
 * (`(end - start) * pct + start`) annealing. Momentum is not cycled.
 *
 * The schedule has exactly `totalSteps` steps (0 .. totalSteps - 1): the last one runs at
 * the final LR. Asking for a later step throws a RangeError, as PyTorch does when it is
 * stepped too often; so `fit` for more steps than `totalSteps` fails at step `totalSteps`.
 *
 * Phases of zero length, which make PyTorch divide by zero, are rejected: `p * T` must
 * be > 1, and with `threePhase` also `2 * p * T - 2 < T - 1`.
 */
export class OneCycleLR extends ClosedFormSchedule {
  readonly #totalSteps: number;
  readonly #phases: readonly Phase[];
  readonly #anneal: AnnealStrategy;

  constructor(options: OneCycleLROptions) {
    const o = readOptions<OneCycleLROptions>('oneCycleLR options', options, ONE_CYCLE_OPTION_KEYS);
    const maxLr = positiveNumber('maxLr', o.maxLr);
    const totalSteps = integerAtLeast('totalSteps', o.totalSteps, 2);
    const pctStart = numberInRange('pctStart', o.pctStart ?? 0.3, 0, 1, true);
    const anneal = oneOf('annealStrategy', o.annealStrategy ?? 'cos', ANNEAL_STRATEGIES);
    const divFactor = positiveNumber('divFactor', o.divFactor ?? 25);
    const finalDivFactor = positiveNumber('finalDivFactor', o.finalDivFactor ?? 1e4);
    const threePhase = boolean('threePhase', o.threePhase ?? false);
    const interval = intervalOption(o.interval);

    const initialLr = maxLr / divFactor;
    const minLr = initialLr / finalDivFactor;
    const upEnd = pctStart * totalSteps - 1;
    if (!(upEnd > 0)) {
      throw new RangeError(`Expected \`pctStart\` * \`totalSteps\` to be > 1 (a first phase of at least one step), got ${pctStart} * ${totalSteps}.`);
    }
    let phases: Phase[];
    if (threePhase) {
      const downEnd = 2 * pctStart * totalSteps - 2;
      if (!(downEnd < totalSteps - 1)) {
        throw new RangeError(
          `Expected \`pctStart\` to leave steps for the third phase (2 * pctStart * totalSteps - 2 < totalSteps - 1), got ${pctStart} with totalSteps ${totalSteps}.`,
        );
      }
      phases = [
        { endStep: upEnd, startLr: initialLr, endLr: maxLr },
        { endStep: downEnd, startLr: maxLr, endLr: initialLr },
        { endStep: totalSteps - 1, startLr: initialLr, endLr: minLr },
      ];
    } else {
      phases = [
        { endStep: upEnd, startLr: initialLr, endLr: maxLr },
        { endStep: totalSteps - 1, startLr: maxLr, endLr: minLr },
      ];
    }
    super('OneCycleLR', maxLr, interval);
    this.#totalSteps = totalSteps;
    this.#phases = phases;
    this.#anneal = anneal;
  }

  /** Number of steps of the cycle. */
  get totalSteps(): number {
    return this.#totalSteps;
  }

  protected override computeLr(step: number): number {
    if (step >= this.#totalSteps) {
      throw new RangeError(
        `OneCycleLR was configured for \`totalSteps\` = ${this.#totalSteps} steps (0 .. ${this.#totalSteps - 1}); step ${step} is past its end.`,
      );
    }
    let startStep = 0;
    for (let i = 0; i < this.#phases.length; i++) {
      const phase = this.#phases[i]!;
      if (step <= phase.endStep || i === this.#phases.length - 1) {
        const pct = (step - startStep) / (phase.endStep - startStep);
        return this.#anneal === 'cos'
          ? phase.endLr + ((phase.startLr - phase.endLr) / 2) * (Math.cos(Math.PI * pct) + 1)
          : (phase.endLr - phase.startLr) * pct + phase.startLr;
      }
      startStep = phase.endStep;
    }
    /* c8 ignore next */
    throw new Error('unreachable');
  }
}

/**
 * PyTorch's OneCycleLR as a `model.fit` callback (see {@link OneCycleLR} for the phases
 * and what happens past `totalSteps`).
 *
 * @example
 * ```ts
 * // 100 batches per epoch, 10 epochs: 1000 steps; 0.004 -> 0.1 over 300 steps, then down to 4e-7
 * const schedule = oneCycleLR({ maxLr: 0.1, totalSteps: 1000 });
 * await model.fit(x, y, { batchSize: 32, epochs: 10, callbacks: [schedule] });
 * ```
 */
export function oneCycleLR(options: OneCycleLROptions): OneCycleLR {
  return new OneCycleLR(options);
}
