/**
 * A per-step training log for `model.fit` / `model.fitDataset` (a tfjs callback) or a
 * hand-written loop ({@link StepLog.beginStep} / {@link StepLog.endStep}).
 *
 * Every step records its global index (search steps included), epoch, learning rate
 * (read from the optimizer when the step begins, so it is the LR the step uses, whatever
 * schedule set it), loss, and with an AutoLRS schedule its phase, stage and trial.
 *
 * The loss is never read from the device one step at a time: the callback keeps a clone
 * of each step's scalar loss and, every `flushEvery` steps, stacks them and reads them
 * with ONE `await data()`. Flushed records are appended as JSON lines to `path`.
 *
 * ```ts
 * const tuner = autoLRS({ minLr: 1e-3, maxLr: 0.1, tau: 200 });
 * const log = stepLog({ path: 'runs/x/steps.jsonl', autolrs: tuner });
 * await model.fit(x, y, { epochs: 5, callbacks: [tuner, log] }); // the log goes last
 * ```
 *
 * Put the log AFTER the schedules in `callbacks`: the baseline schedules set the LR in
 * their `onBatchBegin`, and the log reads it in its own.
 */
import * as tf from '@tensorflow/tfjs';
import { appendFile, mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { getLearningRate } from '../state/lr.js';
import { assertCallbackTfjs, SameTfjsCallback } from '../util/engine.js';
import { describe, func, integerAtLeast, knownKeys, optionsObject } from '../util/validate.js';

/** The phase of a step: AutoLRS's phases, or `'schedule'` for any other schedule. */
export type StepPhase = 'range-test' | 'warmup' | 'search' | 'train' | 'cooldown' | 'schedule';

/** A step recorded with its loss already on the host ({@link StepLog.recordSteps}). */
export interface HostStep {
  lr: number;
  loss: number | null;
  phase: StepPhase;
  stage?: number;
  trial?: number;
}

/** One training step. */
export interface StepRecord {
  type: 'step';
  /** Global step, 0-based, counting every step the optimizer took (LR probes included). */
  step: number;
  /** Epoch of `fit` (as tfjs numbers it), or what the caller passed to `beginStep`. */
  epoch: number;
  /** LR the step used. */
  lr: number;
  /** Training loss of the step; null when it was not finite or not reported. */
  loss: number | null;
  /** Seconds since the log's first step began. */
  time: number;
  /** `'search'`, `'train'`, `'cooldown'` or `'warmup'` with AutoLRS; `'schedule'` otherwise. */
  phase: StepPhase;
  /** AutoLRS stage (1-based; 0 before the first search). Absent without AutoLRS. */
  stage?: number;
  /** AutoLRS trial (0-based) during a search. */
  trial?: number;
}

/** The end of an epoch: the metrics tfjs reported for it (val_loss, val_acc, ...). */
export interface EpochRecord {
  type: 'epoch';
  epoch: number;
  /** Global step count when the epoch ended (steps taken so far). */
  step: number;
  time: number;
  /** Every finite numeric entry of the epoch logs (loss, acc, val_loss, val_acc, ...). */
  metrics: Record<string, number>;
}

/** What the log needs from AutoLRS: the `AutoLRS` callback and `AutoLRSController` both fit. */
export interface PhaseSource {
  readonly phase: string;
  readonly stage: number;
  readonly trial: number;
}

/** Options of {@link stepLog}. */
export interface StepLogOptions {
  /**
   * JSON-lines file the records are appended to (its folder is created). Unset: the
   * records are only kept in memory.
   * @default undefined
   */
  path?: string;
  /**
   * Steps between two reads of the losses from the device. Each flush is one read.
   * @default 50
   */
  flushEvery?: number;
  /**
   * The AutoLRS schedule (the callback, or a driver's `controller`), to record the phase,
   * stage and trial of each step. Unset: every step's phase is `'schedule'`.
   * @default undefined
   */
  autolrs?: PhaseSource;
  /**
   * Optimizer to read the LR from. Unset: `model.optimizer` of the model being fitted
   * (needed outside `fit`).
   * @default undefined
   */
  optimizer?: tf.Optimizer;
  /**
   * Keep every record in memory ({@link StepLog.records}), e.g. to plot them at the end.
   * @default true
   */
  keep?: boolean;
  /**
   * Called after each flush with the records it completed.
   * @default undefined
   */
  onFlush?: (records: StepRecord[]) => void;
  /**
   * Called after each epoch with its record.
   * @default undefined
   */
  onEpoch?: (record: EpochRecord) => void;
}

type Pending = { record: Omit<StepRecord, 'loss'>; loss: tf.Tensor | number | null };

const OPTION_KEYS = ['path', 'flushEvery', 'autolrs', 'optimizer', 'keep', 'onFlush', 'onEpoch'] as const;

function finiteOrNull(x: number): number | null {
  return Number.isFinite(x) ? x : null;
}

/** A step-by-step training log; see the module documentation. */
export class StepLog extends SameTfjsCallback {
  readonly path: string | undefined;
  readonly flushEvery: number;
  readonly #autolrs: PhaseSource | undefined;
  readonly #optimizer: tf.Optimizer | undefined;
  readonly #keep: boolean;
  readonly #onFlush: ((records: StepRecord[]) => void) | undefined;
  readonly #onEpoch: ((record: EpochRecord) => void) | undefined;
  readonly #records: StepRecord[] = [];
  readonly #epochs: EpochRecord[] = [];
  #pending: Pending[] = [];
  /** Host steps told while a step was begun: they follow it. */
  #deferred: HostStep[] = [];
  #current: Omit<StepRecord, 'loss'> | null = null;
  #step = 0;
  #epoch = 0;
  #t0: number | null = null;
  #last: StepRecord | null = null;
  #reads = 0;
  #fileReady = false;

  constructor(options?: StepLogOptions) {
    super();
    const o = optionsObject<StepLogOptions>('stepLog', options);
    knownKeys('stepLog', o, OPTION_KEYS);
    if (o.path !== undefined && (typeof o.path !== 'string' || o.path.length === 0)) {
      throw new TypeError(`Expected \`path\` to be a non-empty string, got ${describe(o.path)}.`);
    }
    this.path = o.path;
    this.flushEvery = integerAtLeast('flushEvery', o.flushEvery ?? 50, 1);
    const a = o.autolrs;
    if (a !== undefined && (a === null || typeof a !== 'object' || typeof a.phase !== 'string' || typeof a.stage !== 'number')) {
      throw new TypeError(`Expected \`autolrs\` to be an AutoLRS callback or controller, got ${describe(a)}.`);
    }
    this.#autolrs = a;
    this.#optimizer = o.optimizer;
    if (o.keep !== undefined && typeof o.keep !== 'boolean') throw new TypeError(`Expected \`keep\` to be a boolean, got ${describe(o.keep)}.`);
    this.#keep = o.keep ?? true;
    this.#onFlush = o.onFlush === undefined ? undefined : func('onFlush', o.onFlush);
    this.#onEpoch = o.onEpoch === undefined ? undefined : func('onEpoch', o.onEpoch);
  }

  /** Steps begun so far (the global index of the next step). */
  get step(): number {
    return this.#step;
  }
  /** Flushed step records (empty when `keep` is false). A copy. */
  get records(): StepRecord[] {
    return [...this.#records];
  }
  /** Epoch records so far. A copy. */
  get epochs(): EpochRecord[] {
    return [...this.#epochs];
  }
  /** The latest flushed step record (null before the first flush). */
  get last(): StepRecord | null {
    return this.#last;
  }
  /** Steps recorded but not flushed yet. */
  get pending(): number {
    return this.#pending.length;
  }
  /** Host reads the log made (one per flush that held tensors, one per epoch with tensor metrics). */
  get hostReads(): number {
    return this.#reads;
  }

  /**
   * Starts recording a step: reads the LR it will use and the AutoLRS phase. Called by
   * `onBatchBegin`; call it yourself in a hand-written loop, before the step.
   */
  beginStep(epoch?: number): void {
    if (this.#current !== null) throw new Error('StepLog.beginStep() called twice without endStep().');
    const optimizer = this.#optimizer ?? (this.model as unknown as { optimizer?: tf.Optimizer } | undefined)?.optimizer;
    if (optimizer == null) throw new Error('StepLog has no optimizer: pass `optimizer`, or use it as a callback of a compiled model.');
    const now = performance.now();
    this.#t0 ??= now;
    if (epoch !== undefined) this.#epoch = epoch;
    const record: Omit<StepRecord, 'loss'> = {
      type: 'step',
      step: this.#step,
      epoch: this.#epoch,
      lr: getLearningRate(optimizer),
      time: (now - this.#t0) / 1000,
      phase: 'schedule',
    };
    const a = this.#autolrs;
    if (a !== undefined) {
      const phase = a.phase;
      record.phase = phase === 'search' || phase === 'train' || phase === 'warmup' || phase === 'cooldown' ? phase : 'schedule';
      record.stage = a.stage;
      if (phase === 'search') record.trial = a.trial;
    }
    this.#current = record;
  }

  /**
   * Ends the step begun by {@link beginStep} with its loss (a scalar tensor, cloned here so
   * the caller keeps ownership of its own; or a number). Flushes every `flushEvery` steps.
   */
  async endStep(loss: tf.Tensor | number | undefined | null): Promise<void> {
    const record = this.#current;
    if (record === null) throw new Error('StepLog.endStep() called without beginStep().');
    this.#current = null;
    this.#step++;
    const kept = loss == null ? null : typeof loss === 'number' ? loss : tf.clone(loss);
    this.#pending.push({ record, loss: kept });
    const deferred = this.#deferred;
    this.#deferred = [];
    this.#pushHost(deferred);
    if (this.#pending.length >= this.flushEvery) await this.flush();
  }

  /**
   * Records steps whose LR and loss are already known on the host, such as the probes the
   * cooldown strategy of AutoLRS trains inside one callback call (its `trialEnd` events
   * carry their losses). They take the next global step numbers; told while a step is
   * begun, they follow that step. Costs no host read.
   */
  recordSteps(steps: readonly HostStep[]): void {
    if (this.#current !== null) {
      this.#deferred.push(...steps);
      return;
    }
    this.#pushHost(steps);
  }

  #pushHost(steps: readonly HostStep[]): void {
    if (steps.length === 0) return;
    const now = performance.now();
    this.#t0 ??= now;
    for (const h of steps) {
      const record: Omit<StepRecord, 'loss'> = { type: 'step', step: this.#step, epoch: this.#epoch, lr: h.lr, time: (now - this.#t0) / 1000, phase: h.phase };
      if (h.stage !== undefined) record.stage = h.stage;
      if (h.trial !== undefined) record.trial = h.trial;
      this.#pending.push({ record, loss: h.loss === null || !Number.isFinite(h.loss) ? null : h.loss });
      this.#step++;
    }
  }

  /**
   * Reads the pending losses from the device in one read, appends their records to the
   * file and hands them to `onFlush`. Returns the flushed records.
   */
  async flush(): Promise<StepRecord[]> {
    const pending = this.#pending;
    if (pending.length === 0) return [];
    this.#pending = [];
    const tensors = pending.map((p) => p.loss).filter((l): l is tf.Tensor => l instanceof tf.Tensor);
    let values: Float32Array | Int32Array | Uint8Array | null = null;
    if (tensors.length > 0) {
      const stacked = tf.tidy(() => tf.stack(tensors.map((t) => t.reshape([]))));
      try {
        values = (await stacked.data()) as Float32Array;
        this.#reads++;
      } finally {
        stacked.dispose();
        tf.dispose(tensors);
      }
    }
    let ti = 0;
    const out: StepRecord[] = pending.map(({ record, loss }) => {
      const value = loss === null ? null : typeof loss === 'number' ? loss : values![ti++]!;
      return { ...record, loss: value === null ? null : finiteOrNull(value) };
    });
    if (this.#keep) this.#records.push(...out);
    this.#last = out[out.length - 1]!;
    await this.#append(out);
    this.#onFlush?.(out);
    return out;
  }

  /** Frees the losses not flushed yet, without reading them. */
  dispose(): void {
    for (const p of this.#pending) if (p.loss instanceof tf.Tensor) p.loss.dispose();
    this.#pending = [];
    this.#deferred = [];
    this.#current = null;
  }

  /**
   * Records the end of an epoch with its metrics (numbers, or scalar tensors read here in
   * one read). Called by `onEpochEnd`.
   */
  async endEpoch(epoch: number, logs?: Record<string, unknown>): Promise<EpochRecord> {
    const metrics: Record<string, number> = {};
    const keys: string[] = [];
    const tensors: tf.Tensor[] = [];
    for (const [key, v] of Object.entries(logs ?? {})) {
      if (typeof v === 'number') {
        if (Number.isFinite(v)) metrics[key] = v;
      } else if (v instanceof tf.Tensor && v.size === 1 && !v.isDisposed) {
        keys.push(key);
        tensors.push(v);
      }
    }
    if (tensors.length > 0) {
      const stacked = tf.tidy(() => tf.stack(tensors.map((t) => t.reshape([]))));
      try {
        const values = await stacked.data();
        this.#reads++;
        keys.forEach((key, i) => {
          const x = values[i]!;
          if (Number.isFinite(x)) metrics[key] = x;
        });
      } finally {
        stacked.dispose();
      }
    }
    const now = performance.now();
    this.#t0 ??= now;
    const record: EpochRecord = { type: 'epoch', epoch, step: this.#step, time: (now - this.#t0) / 1000, metrics };
    this.#epochs.push(record);
    await this.#append([record]);
    this.#onEpoch?.(record);
    return record;
  }

  async #append(records: Array<StepRecord | EpochRecord>): Promise<void> {
    if (this.path === undefined) return;
    if (!this.#fileReady) {
      await mkdir(dirname(this.path), { recursive: true });
      await writeFile(this.path, '', { flag: 'a' });
      this.#fileReady = true;
    }
    await appendFile(this.path, records.map((r) => JSON.stringify(r)).join('\n') + '\n');
  }

  override async onTrainBegin(): Promise<void> {
    assertCallbackTfjs(this, 'StepLog'); // `this` may be another tfjs copy's wrapper
  }

  override async onEpochBegin(epoch: number): Promise<void> {
    this.#epoch = epoch;
  }

  override async onBatchBegin(): Promise<void> {
    this.beginStep();
  }

  override async onBatchEnd(_batch: number, logs?: tf.Logs): Promise<void> {
    const loss = (logs as Record<string, unknown> | undefined)?.['loss'] as tf.Tensor | number | undefined;
    await this.endStep(loss);
  }

  override async onEpochEnd(epoch: number, logs?: tf.Logs): Promise<void> {
    await this.endEpoch(epoch, logs as Record<string, unknown> | undefined);
  }

  override async onTrainEnd(): Promise<void> {
    this.#current = null;
    const deferred = this.#deferred;
    this.#deferred = [];
    this.#pushHost(deferred);
    await this.flush();
  }
}

/** Creates a {@link StepLog}. */
export function stepLog(options?: StepLogOptions): StepLog {
  return new StepLog(options);
}

/** Parses a `steps.jsonl` file's text into its step and epoch records. */
export function parseStepLog(text: string): { steps: StepRecord[]; epochs: EpochRecord[] } {
  const steps: StepRecord[] = [];
  const epochs: EpochRecord[] = [];
  text.split('\n').forEach((line, i) => {
    if (line.trim() === '') return;
    let r: { type?: unknown };
    try {
      r = JSON.parse(line) as { type?: unknown };
    } catch (err) {
      throw new SyntaxError(`Line ${i + 1} of the step log is not JSON: ${(err as Error).message}`);
    }
    if (r.type === 'step') steps.push(r as StepRecord);
    else if (r.type === 'epoch') epochs.push(r as EpochRecord);
    else throw new TypeError(`Expected line ${i + 1} of the step log to have \`type\` "step" or "epoch", got ${describe(r.type)}.`);
  });
  return { steps, epochs };
}
