/** SequentialLR: runs schedules one after another (PyTorch `lr_scheduler.SequentialLR`). */
import { describe } from '../util/validate.js';
import {
  bindBaseLr,
  bisectRight,
  ClosedFormSchedule,
  milestonesOption,
  readOptions,
  type JsonValue,
  type LRScheduleState,
} from './base.js';

export interface SequentialOptions {
  /**
   * Steps at which the next schedule takes over: `milestones[i]` is the first step of
   * `schedules[i + 1]`. Strictly increasing integers >= 1, one fewer than the schedules.
   * No default (required).
   */
  milestones: number[];
}

/**
 * PyTorch's SequentialLR. Schedule `i + 1` takes over at step `milestones[i]` and counts
 * its own steps from there: the LR of step `t` is `schedules[i].lrAt(t - start_i)`, where
 * `i` is the number of milestones `<= t` and `start_i` is `0` for the first schedule and
 * `milestones[i - 1]` for the others (PyTorch calls `step(0)` on the schedule that takes
 * over). The sub-schedules are used through their closed forms only: do not also pass
 * them to `fit` as callbacks. They must all have the same `interval`, which is the
 * sequence's. A sub-schedule whose `lr` option was omitted gets the optimizer's LR when
 * training first begins. ReduceLROnPlateau cannot be part of a sequence.
 */
export class Sequential extends ClosedFormSchedule {
  readonly #schedules: readonly ClosedFormSchedule[];
  readonly #milestones: readonly number[];

  constructor(schedules: readonly ClosedFormSchedule[], options: SequentialOptions) {
    if (!Array.isArray(schedules) || schedules.length === 0) {
      throw new TypeError(`Expected \`schedules\` to be a non-empty array of closed-form schedules, got ${describe(schedules)}.`);
    }
    schedules.forEach((s, i) => {
      if (!(s instanceof ClosedFormSchedule)) {
        throw new TypeError(`Expected \`schedules[${i}]\` to be a closed-form schedule (not ReduceLROnPlateau), got ${describe(s)}.`);
      }
      if (schedules.indexOf(s) !== i) throw new TypeError(`Expected \`schedules\` to hold distinct schedules, got the same one at ${schedules.indexOf(s)} and ${i}.`);
    });
    const o = readOptions<SequentialOptions>('sequential options', options, ['milestones']);
    const milestones = milestonesOption('milestones', o.milestones);
    if (milestones.length !== schedules.length - 1) {
      throw new RangeError(
        `Expected \`milestones\` to have one entry fewer than \`schedules\` (${schedules.length - 1}), got an array of length ${milestones.length}.`,
      );
    }
    const interval = schedules[0]!.interval;
    schedules.forEach((s, i) => {
      if (s.interval !== interval) {
        throw new RangeError(`Expected every schedule to have the interval ${JSON.stringify(interval)}, got ${JSON.stringify(s.interval)} at \`schedules[${i}]\`.`);
      }
    });
    const baseLrs = schedules.map((s) => s.baseLr);
    const baseLr = baseLrs.every((b) => b !== undefined) ? baseLrs[0] : undefined;
    super('Sequential', baseLr, interval);
    this.#schedules = Object.freeze([...schedules]);
    this.#milestones = Object.freeze(milestones);
  }

  /** The schedules, in order. */
  get schedules(): readonly ClosedFormSchedule[] {
    return this.#schedules;
  }

  /** The milestones. */
  get milestones(): readonly number[] {
    return this.#milestones;
  }

  protected override computeLr(step: number, baseLr: number): number {
    const i = bisectRight(this.#milestones, step);
    const start = i === 0 ? 0 : this.#milestones[i - 1]!;
    const schedule = this.#schedules[i]!;
    bindBaseLr(schedule, baseLr);
    return schedule.lrAt(step - start);
  }

  protected override trainBegin(): void {
    for (const s of this.#schedules) bindBaseLr(s, this.baseLr!);
  }

  protected override resetExtra(): void {
    for (const s of this.#schedules) s.reset();
  }

  protected override extraState(): { [key: string]: JsonValue } {
    return { schedules: this.#schedules.map((s) => s.stateDict() as unknown as JsonValue) };
  }

  protected override loadExtraState(extra: { [key: string]: JsonValue }): void {
    const states = extra['schedules'];
    if (!Array.isArray(states) || states.length !== this.#schedules.length) {
      throw new TypeError(`Expected \`state.extra.schedules\` to be an array of ${this.#schedules.length} schedule states, got ${describe(states)}.`);
    }
    this.#schedules.forEach((s, i) => s.loadStateDict(states[i] as unknown as LRScheduleState));
  }
}

/**
 * PyTorch's SequentialLR as a `model.fit` callback: `schedules[i + 1]` takes over at
 * step `milestones[i]`, starting from its own step 0 (see {@link Sequential}).
 *
 * @example
 * ```ts
 * // 5 warmup steps from 0.01 to 0.1, then cosine from 0.1 down to 0 over 95 steps
 * const schedule = sequential(
 *   [linearWarmup({ lr: 0.1, warmupSteps: 5, startFactor: 0.1 }), cosineAnnealingLR({ lr: 0.1, tMax: 95 })],
 *   { milestones: [5] },
 * );
 * await model.fit(x, y, { batchSize: 32, epochs: 10, callbacks: [schedule] });
 * ```
 */
export function sequential(schedules: readonly ClosedFormSchedule[], options: SequentialOptions): Sequential {
  return new Sequential(schedules, options);
}
