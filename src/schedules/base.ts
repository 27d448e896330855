/**
 * The shared base of the baseline learning-rate schedules.
 *
 * A schedule is a `model.fit` callback. It reads the optimizer from `this.model.optimizer`
 * when training begins and sets its learning rate through {@link setLearningRate}.
 *
 * Step counting follows PyTorch's `last_epoch`: step 0 is the first optimizer step of the
 * schedule, and the LR of step `t` is the LR PyTorch's scheduler holds after `t` calls of
 * `scheduler.step()` (so step 0 runs at the initial LR). With `interval: 'step'` a step is
 * one batch and the LR is set in `onBatchBegin`; with `interval: 'epoch'` a step is one
 * epoch and the LR is set in `onEpochBegin`. The schedule counts steps itself, across
 * epochs and across `fit` calls; it never uses tfjs' per-epoch batch index or epoch index.
 *
 * Lifetime of the state: the step count and any internal state start at zero when the
 * schedule is constructed, go back to zero on {@link LRSchedule.reset}, and are set by
 * {@link LRSchedule.loadStateDict}. `onTrainBegin` never resets them, so a second `fit`
 * with the same schedule, or a `fit` after `loadStateDict`, continues the sequence.
 */
import * as tf from '@tensorflow/tfjs';
import { assertLrSettable, getLearningRate, setLearningRate } from '../state/lr.js';
import { assertCallbackTfjs, SameTfjsCallback } from '../util/engine.js';
import { describe, integerAtLeast, knownKeys, nonNegativeNumber, oneOf, optionsObject } from '../util/validate.js';

/** When a schedule moves on: every batch (`'step'`) or every epoch (`'epoch'`). */
export type ScheduleInterval = 'step' | 'epoch';
export const SCHEDULE_INTERVALS: readonly ScheduleInterval[] = ['step', 'epoch'];

/** A JSON value, as stored in a schedule's state. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/**
 * The serializable state of a schedule, as returned by {@link LRSchedule.stateDict}.
 * `JSON.parse(JSON.stringify(state))` gives back an equal state.
 */
export interface LRScheduleState {
  /** The class name of the schedule that wrote the state, e.g. `"StepLR"`. */
  schedule: string;
  /** Number of steps begun so far; the next step has this index. */
  step: number;
  /** The base LR the schedule works from; `null` while it is not known yet. */
  baseLr: number | null;
  /** The LR the schedule set last; `null` before the first step. */
  lr: number | null;
  /** State that only some schedules have (e.g. ReduceLROnPlateau's counters). */
  extra: { [key: string]: JsonValue };
}

let bindBaseLrImpl: (schedule: LRSchedule, lr: number) => void;

/**
 * Gives `schedule` the base LR `lr` when its own `lr` option was omitted and no state
 * was loaded. Used by schedules that drive others (e.g. `sequential`).
 */
export function bindBaseLr(schedule: LRSchedule, lr: number): void {
  bindBaseLrImpl(schedule, lr);
}

/**
 * Base class of every schedule: the step counter, the base LR, the optimizer and the
 * state dict. Concrete schedules extend {@link ClosedFormSchedule} or act in their own
 * callbacks (ReduceLROnPlateau).
 */
export abstract class LRSchedule extends SameTfjsCallback {
  readonly #name: string;
  readonly #configuredBaseLr: number | undefined;
  #baseLr: number | undefined;
  #step = 0;
  #lr: number | undefined;
  #optimizer: tf.Optimizer | undefined;

  static {
    bindBaseLrImpl = (schedule, lr) => {
      if (schedule.#baseLr === undefined) schedule.#baseLr = nonNegativeNumber('lr', lr);
    };
  }

  /**
   * @param name the class name written into the state dict.
   * @param baseLr the base LR, or undefined to read it from the optimizer when training begins.
   */
  protected constructor(name: string, baseLr: number | undefined) {
    super();
    this.#name = name;
    this.#configuredBaseLr = baseLr;
    this.#baseLr = baseLr;
  }

  /** The schedule's class name, e.g. `"StepLR"`. */
  get scheduleName(): string {
    return this.#name;
  }

  /** Number of steps begun so far (the index of the next step). */
  get step(): number {
    return this.#step;
  }

  /**
   * The base LR: the `lr` option, or the optimizer's LR read when training first began
   * (or the value from a loaded state). Undefined while not known.
   */
  get baseLr(): number | undefined {
    return this.#baseLr;
  }

  /**
   * The LR in effect: the LR set at the start of the current step, or before the first
   * step the LR the first step will use. Throws an Error when that is not known yet
   * (the `lr` option was omitted and training has not begun).
   */
  get lr(): number {
    const lr = this.#lr ?? this.pendingLr();
    if (lr === undefined) {
      throw new Error(`The LR of this ${this.#name} is not known yet: its \`lr\` option was omitted and training has not begun.`);
    }
    return lr;
  }

  /** The LR the next step would use when no step has been taken yet, if known. */
  protected abstract pendingLr(): number | undefined;

  /** Puts the schedule back to its state at construction (step 0, internal state cleared). */
  reset(): void {
    this.#step = 0;
    this.#lr = undefined;
    this.#baseLr = this.#configuredBaseLr;
    this.resetExtra();
  }

  /** Clears the state a subclass keeps besides the step count. */
  protected resetExtra(): void {}

  /** State a subclass keeps besides the step count, base LR and last LR. */
  protected extraState(): { [key: string]: JsonValue } {
    return {};
  }

  /** Loads what {@link extraState} wrote; validates it. */
  protected loadExtraState(_extra: { [key: string]: JsonValue }): void {}

  /** A JSON-serializable copy of the schedule's state. */
  stateDict(): LRScheduleState {
    return {
      schedule: this.#name,
      step: this.#step,
      baseLr: this.#baseLr ?? null,
      lr: this.#lr ?? null,
      extra: this.extraState(),
    };
  }

  /**
   * Loads a state written by {@link stateDict} of a schedule of the same class, e.g. in a
   * new process: training then continues with the same LR sequence. The loaded base LR
   * replaces the `lr` option. Throws a TypeError/RangeError on a malformed state.
   */
  loadStateDict(state: LRScheduleState): void {
    const s = optionsObject<LRScheduleState>('state', state);
    knownKeys('state', s, ['schedule', 'step', 'baseLr', 'lr', 'extra'], true);
    if (s.schedule !== this.#name) {
      throw new TypeError(`Expected \`state.schedule\` to be ${JSON.stringify(this.#name)}, got ${describe(s.schedule)}.`);
    }
    const step = integerAtLeast('state.step', s.step, 0);
    const baseLr = s.baseLr === null ? undefined : nonNegativeNumber('state.baseLr', s.baseLr);
    const lr = s.lr === null ? undefined : nonNegativeNumber('state.lr', s.lr);
    const extra = optionsObject<{ [key: string]: JsonValue }>('state.extra', s.extra) as { [key: string]: JsonValue };
    this.loadExtraState(extra);
    this.#step = step;
    this.#baseLr = baseLr;
    this.#lr = lr;
  }

  /** The optimizer being trained; set when training begins. */
  protected get optimizer(): tf.Optimizer {
    if (this.#optimizer === undefined) throw new Error(`This ${this.#name} is not attached to a model in training.`);
    return this.#optimizer;
  }

  /**
   * Checks the model's optimizer (a TypeError before any step when its LR cannot be set)
   * and reads the base LR from it when the `lr` option was omitted.
   */
  override async onTrainBegin(): Promise<void> {
    assertCallbackTfjs(this, 'the LR schedule'); // first: `this` may be another tfjs copy's wrapper
    const optimizer = (this.model as tf.LayersModel | undefined)?.optimizer;
    assertLrSettable(optimizer, 'model.optimizer');
    this.#optimizer = optimizer;
    if (this.#baseLr === undefined) this.#baseLr = getLearningRate(optimizer);
    this.trainBegin();
  }

  /** Called at the end of {@link onTrainBegin}, once the optimizer and base LR are known. */
  protected trainBegin(): void {}

  /** Sets the optimizer's LR and remembers it as {@link lr}. */
  protected applyLr(lr: number): void {
    setLearningRate(this.optimizer, lr);
    this.#lr = lr;
  }

  /** Counts one step begun. */
  protected advance(): void {
    this.#step += 1;
  }
}

/** Options shared by every closed-form schedule. */
export interface IntervalOptions {
  /**
   * Whether a step of the schedule is one batch (`'step'`) or one epoch (`'epoch'`).
   * @default 'step'
   */
  interval?: ScheduleInterval;
}

/**
 * A schedule whose LR is a function of the step count alone: {@link lrAt} gives the LR
 * of any step, and the callback sets `lrAt(step)` at the start of each step.
 */
export abstract class ClosedFormSchedule extends LRSchedule {
  readonly #interval: ScheduleInterval;

  protected constructor(name: string, baseLr: number | undefined, interval: ScheduleInterval) {
    super(name, baseLr);
    this.#interval = interval;
  }

  /** Whether a step is one batch or one epoch. */
  get interval(): ScheduleInterval {
    return this.#interval;
  }

  /**
   * The LR of step `step` (0 = the first step), from the closed form. Throws an Error
   * when the base LR is not known yet (the `lr` option was omitted and training has not
   * begun).
   */
  lrAt(step: number): number {
    integerAtLeast('step', step, 0);
    const base = this.baseLr;
    if (base === undefined) {
      throw new Error(`The LR of this ${this.scheduleName} is not known yet: its \`lr\` option was omitted and training has not begun.`);
    }
    return this.computeLr(step, base);
  }

  /** The closed form: the LR of `step` given the base LR. */
  protected abstract computeLr(step: number, baseLr: number): number;

  protected override pendingLr(): number | undefined {
    return this.baseLr === undefined ? undefined : this.lrAt(this.step);
  }

  /** Sets the LR of the next step and counts it. */
  #begin(): void {
    this.applyLr(this.lrAt(this.step));
    this.advance();
  }

  override async onBatchBegin(): Promise<void> {
    if (this.#interval === 'step') this.#begin();
  }

  override async onEpochBegin(): Promise<void> {
    if (this.#interval === 'epoch') this.#begin();
  }
}

/** Validates an options object and its keys; returns it typed as partial. */
export function readOptions<T extends object>(name: string, options: unknown, keys: readonly string[]): Partial<T> {
  const o = optionsObject<T>(name, options);
  knownKeys(name, o, keys);
  return o;
}

/** The `interval` option (default `'step'`). */
export function intervalOption(value: unknown): ScheduleInterval {
  return value === undefined ? 'step' : oneOf('interval', value, SCHEDULE_INTERVALS);
}

/** An optional LR option: undefined, or a finite number >= 0. */
export function optionalLr(name: string, value: unknown): number | undefined {
  return value === undefined ? undefined : nonNegativeNumber(name, value);
}

/** A strictly increasing array of integers >= 1. */
export function milestonesOption(name: string, value: unknown): number[] {
  const expected = 'a strictly increasing array of integers >= 1';
  if (!Array.isArray(value)) throw new TypeError(`Expected \`${name}\` to be ${expected}, got ${describe(value)}.`);
  value.forEach((m, i) => {
    if (typeof m !== 'number') throw new TypeError(`Expected \`${name}\` to be ${expected}, got ${describe(m)} at index ${i}.`);
    if (!Number.isInteger(m) || m < 1) throw new RangeError(`Expected \`${name}\` to be ${expected}, got ${describe(m)} at index ${i}.`);
    if (i > 0 && m <= (value[i - 1] as number)) {
      throw new RangeError(`Expected \`${name}\` to be ${expected}, got ${describe(m)} after ${describe(value[i - 1])} at index ${i}.`);
    }
  });
  return [...(value as number[])];
}

/** Number of entries of the sorted array `sorted` that are <= `x` (Python's `bisect_right`). */
export function bisectRight(sorted: readonly number[], x: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (x < sorted[mid]!) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}
