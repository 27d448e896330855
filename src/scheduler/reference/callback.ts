/**
 * AutoLRS's reference strategy as a tfjs-layers callback for `model.fit` and `model.fitDataset`, in the
 * style of `tf.callbacks.earlyStopping`.
 *
 * ```ts
 * import { autoLRS } from 'autolrs';
 * const tuner = autoLRS({ minLr: 1e-3, maxLr: 1e-1, tau: 200, validationData: [xVal, yVal] });
 * await model.fit(x, y, { epochs: 10, batchSize: 64, callbacks: [tuner] });
 * console.log(tuner.history); // every stage: its trials (LR, forecast) and the LR chosen
 * ```
 */
import * as tf from '@tensorflow/tfjs';
import { modelVariables, type TrainingState } from '../../state/checkpoint.js';
import {
  AUTOLRS_OPTION_KEYS,
  resolveAutoLRSOptions,
  type AutoLRSControllerOptions,
  type AutoLRSEvent,
  type StageRecord,
} from './controller.js';
import {
  AutoLRSDriver,
  type AutoLRSDriverOptions,
  type AutoLRSDriverSnapshot,
  type AutoLRSDriverState,
  type AutoLRSStats,
  type EndState,
} from './driver.js';
import { assertLrSettable } from '../../state/lr.js';
import { lrRangeTest, type LrRangeTestData, type LrRangeTestOptions, type LrSuggestion } from '../../schedules/lr-range-test.js';
import { assertCallbackTfjs, SameTfjsCallback } from '../../util/engine.js';
import { func, integerAtLeast, knownKeys, optionsObject } from '../../util/validate.js';

const CALLBACK_KEYS = ['strategy', 'validationData', 'validationBatchSize', 'verbose', 'onEvent', 'lrBounds', 'lrRangeTest'] as const;

/** Arguments of {@link autoLRS}: the schedule's options plus the callback's own. */
export interface AutoLRSArgs extends Omit<AutoLRSDriverOptions, 'validationLoss' | 'minLr' | 'maxLr' | 'onEvent'> {
  /**
   * The strategy: this class runs the reference one (the paper's algorithm). Pass
   * `strategy: 'reference'` to {@link autoLRS} to get it; without it, `autoLRS` makes the
   * cooldown strategy's callback ({@link AutoLRSCooldown}).
   */
  strategy?: 'reference';
  /** Called for every event: the schedule's, and the bounds chosen by `lrBounds: 'auto'`. */
  onEvent?: (event: AutoLRSCallbackEvent) => void;
  /** Smallest LR the search may try. Required unless `lrBounds` is 'auto'. */
  minLr?: number;
  /** Largest LR the search may try. Required unless `lrBounds` is 'auto'. */
  maxLr?: number;
  /**
   * 'auto' runs an LR range test ({@link lrRangeTest}) on `lrRangeTest.data` when
   * training begins (the model and optimizer are restored afterwards) and searches
   * [suggestion.minLr / 10, suggestion.maxLr]: two decades up to the suggested LR, by
   * fastai's `valley` rule unless `lrRangeTest.rule` names another (`'minimum'`: the LR
   * of the lowest loss / 10). The bounds chosen are logged as an `lrBounds` event.
   * Leave `minLr` and `maxLr` out when using it.
   */
  lrBounds?: 'auto';
  /** Data and options of the range test run by `lrBounds: 'auto'`. */
  lrRangeTest?: { data: LrRangeTestData } & LrRangeTestOptions;
  /**
   * Validation inputs and targets, used in validation mode (after τ reaches τmax).
   * Without them the search keeps forecasting the training loss in every stage
   * (`validationMode` then defaults to false; setting it to true is an error).
   */
  validationData?: [tf.Tensor | tf.Tensor[], tf.Tensor | tf.Tensor[]];
  /**
   * Batch size used to evaluate the validation loss.
   * @default 256
   */
  validationBatchSize?: number;
  /**
   * 1 prints one line per stage (search begins, trial results, LR chosen); 0 prints nothing.
   * @default 0
   */
  verbose?: 0 | 1;
}

/** The bounds chosen by `lrBounds: 'auto'`. */
export interface LrBoundsEvent {
  type: 'lrBounds';
  minLr: number;
  maxLr: number;
  /** The range test's own suggestion and how it ended. */
  suggestion: LrSuggestion;
  rangeTestSteps: number;
  stoppedEarly: boolean;
}

/** Events of the callback: the schedule's, plus the bounds chosen by `lrBounds: 'auto'`. */
export type AutoLRSCallbackEvent = AutoLRSEvent | LrBoundsEvent;

/** A `model.fit` callback that tunes the learning rate with AutoLRS. */
export class AutoLRS extends SameTfjsCallback {
  readonly #args: AutoLRSArgs;
  readonly #events: AutoLRSCallbackEvent[] = [];
  #lrBounds: { minLr: number; maxLr: number } | null = null;
  #driver: AutoLRSDriver | null = null;
  #pendingState: AutoLRSDriverState | null = null;
  #pendingSnapshot: AutoLRSDriverSnapshot | null = null;
  #endState: EndState = 'not-started';
  #verbose: 0 | 1;

  constructor(args: AutoLRSArgs) {
    super();
    const a = optionsObject<AutoLRSArgs>('args', args);
    // Checked here too: a null `validationMode` must not reach the `??` below.
    knownKeys('args', a, [...AUTOLRS_OPTION_KEYS, ...CALLBACK_KEYS]);
    const { strategy, validationData, validationBatchSize, verbose, onEvent, lrBounds, lrRangeTest: rangeTest, ...schedule } = a;
    if (strategy !== undefined && strategy !== 'reference') {
      throw new TypeError(`Expected \`strategy\` to be 'reference' for the AutoLRS class (use autoLRS() for the cooldown strategy), got ${JSON.stringify(strategy)}.`);
    }
    if (validationData !== undefined && (!Array.isArray(validationData) || validationData.length !== 2)) {
      throw new TypeError(`Expected \`validationData\` to be [inputs, targets], got ${Array.isArray(validationData) ? `an array of length ${validationData.length}` : typeof validationData}.`);
    }
    if (schedule.validationMode === true && validationData === undefined) {
      throw new TypeError('Expected `validationData` to be [inputs, targets] when `validationMode` is true, got undefined.');
    }
    integerAtLeast('validationBatchSize', validationBatchSize ?? 256, 1);
    if (verbose !== undefined && verbose !== 0 && verbose !== 1) {
      throw new TypeError(`Expected \`verbose\` to be 0 or 1, got ${String(verbose)}.`);
    }
    if (onEvent !== undefined) func('onEvent', onEvent);
    if (lrBounds !== undefined) {
      if (lrBounds !== 'auto') throw new TypeError(`Expected \`lrBounds\` to be 'auto' or omitted, got ${JSON.stringify(lrBounds)}.`);
      if (schedule.minLr !== undefined || schedule.maxLr !== undefined) {
        throw new TypeError("Expected `minLr` and `maxLr` to be omitted when `lrBounds` is 'auto', got them given.");
      }
      const data = (rangeTest as { data?: LrRangeTestData } | undefined)?.data;
      if (data == null || !(data.x instanceof tf.Tensor) || !(data.y instanceof tf.Tensor)) {
        throw new TypeError("Expected `lrRangeTest.data` to be { x, y } tensors when `lrBounds` is 'auto', got none.");
      }
    } else if (rangeTest !== undefined) {
      throw new TypeError("Expected `lrRangeTest` only with `lrBounds: 'auto'`, got it without.");
    }
    // Validate the schedule now, before any training step (with stand-in bounds when
    // they are chosen later by the range test).
    resolveAutoLRSOptions({
      ...schedule,
      ...(lrBounds === 'auto' ? { minLr: 1e-3, maxLr: 1e-1 } : {}),
      validationMode: schedule.validationMode ?? validationData !== undefined,
    } as AutoLRSControllerOptions);
    if (lrBounds === undefined) this.#lrBounds = { minLr: schedule.minLr!, maxLr: schedule.maxLr! };
    this.#args = a as AutoLRSArgs;
    this.#verbose = verbose ?? 0;
  }

  /** The LR bounds in use (given, or chosen by `lrBounds: 'auto'` once training began). */
  get lrBounds(): { minLr: number; maxLr: number } | null {
    return this.#lrBounds ? { ...this.#lrBounds } : null;
  }

  /** The schedule's events so far (a copy). */
  get events(): AutoLRSCallbackEvent[] {
    return [...this.#events];
  }
  /** Every stage so far: τ, τ', the trials (LR, forecast) and the LR chosen. */
  get history(): StageRecord[] {
    return this.#driver?.controller.history ?? [];
  }
  /** The current stage (1-based; 0 before the first search). */
  get stage(): number {
    return this.#driver?.controller.stage ?? 0;
  }
  /** The current phase: 'idle', 'warmup', 'search' or 'train'. */
  get phase(): string {
    return this.#driver?.controller.phase ?? 'idle';
  }
  /** Index of the current trial (0-based) while the phase is 'search'. */
  get trial(): number {
    return this.#driver?.controller.trial ?? 0;
  }
  /** τ of the current stage. */
  get tau(): number {
    return this.#driver?.controller.tau ?? this.#args.tau ?? 1000;
  }
  /** The LR in use. */
  get lr(): number | null {
    return this.#driver?.controller.lr ?? null;
  }
  /** Steps taken, search steps included. */
  get globalStep(): number {
    return this.#driver?.controller.globalStep ?? 0;
  }
  /** Where the model was left by the last `onTrainEnd`. */
  get endState(): EndState {
    return this.#endState;
  }
  /** Overhead figures (search steps, checkpoint/restore/forecast/search time, host reads). */
  get stats(): AutoLRSStats | null {
    return this.#driver?.stats ?? null;
  }

  /**
   * Binds the schedule to the model as it is at this `fit`: its variables, its optimizer
   * (which may be a new one, after `model.compile` between two fits) and a validation
   * function on it. The schedule goes on where the previous fit left it and applies its
   * LR to that optimizer; a search that the previous fit left unfinished restarts.
   */
  override async onTrainBegin(): Promise<void> {
    assertCallbackTfjs(this, 'AutoLRS'); // first: `this` may be another tfjs copy's wrapper
    if (this.#driver === null) {
      this.#driver = await this.#createDriver();
    } else {
      if (this.#driver.running) {
        // The previous fit threw before onTrainEnd: leave its probe, on the state it ran on.
        await this.#end();
      }
      const { state, validationLoss } = this.#binding();
      this.#driver.rebind(state, validationLoss);
    }
    if (this.#pendingState) {
      this.#driver.loadStateDict(this.#pendingState);
      this.#pendingState = null;
    }
    if (this.#pendingSnapshot) {
      this.#driver.loadState(this.#pendingSnapshot);
      this.#pendingSnapshot = null;
    }
    await this.#driver.begin();
  }

  override async onBatchEnd(_batch: number, logs?: tf.Logs): Promise<void> {
    const loss = (logs as Record<string, unknown> | undefined)?.['loss'] as tf.Tensor | number | undefined;
    await this.#driver!.afterStep(loss);
  }

  override async onTrainEnd(): Promise<void> {
    await this.#end();
  }

  /**
   * Leaves the model in its best known state after `fit` threw (tfjs then skips
   * `onTrainEnd`): restores the search's checkpoint when a probe was running, frees the
   * schedule's tensors, and says which state it left. The next `fit` with this callback
   * does the same by itself before it starts.
   */
  async recover(): Promise<EndState> {
    return this.#end();
  }

  async #end(): Promise<EndState> {
    this.#endState = this.#driver ? await this.#driver.end() : 'not-started';
    if (this.#verbose === 1 && this.#endState === 'restored-checkpoint') {
      console.log(`[autolrs] training stopped inside an LR probe of stage ${this.stage}: the model was restored to the search's checkpoint`);
    }
    return this.#endState;
  }

  /**
   * The schedule's state as JSON, without tensors. Resuming from it in the middle of a
   * search restarts that search; {@link saveState} resumes exactly. See the README's
   * "Resuming and failure behaviour".
   */
  stateDict(): AutoLRSDriverState | null {
    if (this.#pendingSnapshot) return { controller: structuredClone(this.#pendingSnapshot.controller) };
    return this.#driver?.stateDict() ?? this.#pendingState;
  }

  /** Loads a state saved by {@link stateDict}; the next `fit` resumes from it. */
  loadStateDict(state: AutoLRSDriverState): void {
    this.#pendingSnapshot = null;
    if (this.#driver) this.#driver.loadStateDict(state);
    else this.#pendingState = structuredClone(state);
  }

  /**
   * Everything the schedule holds (its state, the search's checkpoint and the current
   * probe's losses) as JSON. Save it with the model's weights and optimizer state
   * (`saveTrainingState`) to resume exactly, even in the middle of a probe.
   */
  async saveState(): Promise<AutoLRSDriverSnapshot | null> {
    if (this.#pendingSnapshot) return structuredClone(this.#pendingSnapshot);
    return this.#driver ? this.#driver.saveState() : null;
  }

  /**
   * Loads what {@link saveState} saved; the next `fit` continues exactly from there. The
   * search's checkpoint in it is restored into the model and optimizer that `fit` trains
   * (it is loaded when that `fit` begins), so compile the model before or after this call.
   */
  loadState(snapshot: AutoLRSDriverSnapshot): void {
    this.#pendingState = null;
    this.#pendingSnapshot = structuredClone(snapshot);
  }

  /** The model's training state and a validation function on it, read at this `fit`. */
  #binding(): { model: tf.LayersModel; state: TrainingState; validationLoss: (() => Promise<number>) | undefined } {
    const model = this.model;
    if (model == null) throw new Error('AutoLRS callback has no model: pass it in the `callbacks` of model.fit().');
    const optimizer = (model as unknown as { optimizer?: tf.Optimizer }).optimizer;
    if (optimizer == null) {
      throw new TypeError('Expected the model to be compiled with an optimizer (model.compile({ optimizer, loss })), got none.');
    }
    assertLrSettable(optimizer, 'model.optimizer');
    const { validationData, validationBatchSize } = this.#args;
    const validationLoss =
      validationData === undefined
        ? undefined
        : async () => {
            const out = model.evaluate(validationData[0], validationData[1], { batchSize: validationBatchSize ?? 256 });
            const scalars = Array.isArray(out) ? out : [out];
            try {
              return (await scalars[0]!.data())[0]!;
            } finally {
              tf.dispose(scalars);
            }
          };
    return { model, state: { variables: modelVariables(model), optimizer }, validationLoss };
  }

  async #createDriver(): Promise<AutoLRSDriver> {
    const { model, state, validationLoss } = this.#binding();
    const { strategy: _strategy, validationData, validationBatchSize, verbose, onEvent, lrBounds, lrRangeTest: rangeTest, ...schedule } = this.#args;
    const emit = (e: AutoLRSCallbackEvent) => {
      this.#events.push(e);
      if (verbose === 1) console.log(formatEvent(e));
      onEvent?.(e);
    };
    if (lrBounds === 'auto' && this.#lrBounds === null) {
      const { data, ...options } = rangeTest!;
      const result = await lrRangeTest(model, data, options);
      this.#lrBounds = { minLr: result.suggestion.minLr / 10, maxLr: result.suggestion.maxLr };
      emit({
        type: 'lrBounds',
        ...this.#lrBounds,
        suggestion: result.suggestion,
        rangeTestSteps: result.lrs.length,
        stoppedEarly: result.stoppedEarly,
      });
    }
    return new AutoLRSDriver(
      state,
      {
        ...schedule,
        ...this.#lrBounds!,
        validationMode: schedule.validationMode ?? validationData !== undefined,
        validationLoss,
        onEvent: (e: AutoLRSEvent) => emit(e),
      },
    );
  }
}

/** One human-readable line for an event. */
export function formatEvent(e: AutoLRSCallbackEvent): string {
  const f = (x: number) => x.toPrecision(4);
  switch (e.type) {
    case 'lrBounds':
      return `[autolrs] LR range test (${e.rangeTestSteps} steps${e.stoppedEarly ? ', stopped at divergence' : ''}, ${e.suggestion.rule} rule) chose lr bounds [${f(e.minLr)}, ${f(e.maxLr)}]`;
    case 'warmupEnd':
      return `[autolrs] step ${e.step}: warmup done at lr=${f(e.lr)}`;
    case 'searchBegin':
      return `[autolrs] step ${e.step}: stage ${e.stage} search begins (tau=${e.tau}, tau'=${e.tauPrime}, ${e.source} loss)`;
    case 'trialEnd':
      return `[autolrs] step ${e.step}: stage ${e.stage} trial ${e.trial + 1}: lr=${f(e.lr)} forecast=${f(e.forecast)}${e.note ? ` (${e.note}: told ${f(e.told)})` : ''}`;
    case 'trainBegin':
      return `[autolrs] step ${e.step}: stage ${e.stage} trains ${e.tau} steps at lr=${f(e.lr)}${e.note ? ` (${e.note})` : ''}`;
    case 'stageEnd':
      return `[autolrs] step ${e.step}: stage ${e.stage} done`;
  }
}
