/**
 * Runs an {@link AutoLRSController} against a real training state: it performs the
 * controller's actions (LR changes, on-device checkpoints and restores, validation
 * losses, forecasts) and keeps each probe's per-step losses on the device until the
 * probe ends, so a probe costs one host read (its forecast) instead of one per step.
 *
 * The `model.fit` callback (`callback.ts`) is a thin wrapper around this class. Use it
 * directly in a hand-written loop:
 *
 * ```ts
 * const driver = new AutoLRSDriver({ variables, optimizer }, { minLr: 1e-3, maxLr: 0.1, tau: 200 });
 * await driver.begin();
 * for (const batch of batches) {
 *   const loss = optimizer.minimize(() => lossFn(batch), true, variables)!;
 *   await driver.afterStep(loss); // the driver clones what it keeps: dispose yours
 *   loss.dispose();
 * }
 * await driver.end(); // leaves the model in its best known state
 * ```
 */
import * as tf from '@tensorflow/tfjs';
import { Checkpoint, type SerializedCheckpoint, type TrainingState } from '../../state/checkpoint.js';
import {
  AUTOLRS_OPTION_KEYS,
  AutoLRSController,
  type AutoLRSAction,
  type AutoLRSControllerOptions,
  type AutoLRSControllerState,
  type AutoLRSEvent,
} from './controller.js';
import { fitExponential } from './forecast.js';
import { assertLrSettable, setLearningRate } from '../../state/lr.js';
import { assertTrainingStateTfjs } from '../../util/engine.js';
import { func, knownKeys, optionsObject } from '../../util/validate.js';

/** Options of {@link AutoLRSDriver}: the schedule's options plus how to reach the data. */
export interface AutoLRSDriverOptions extends AutoLRSControllerOptions {
  /**
   * Measures the validation loss of the current model. Needed when `validationMode`
   * is on (the default) and training runs long enough for τ to reach τmax.
   */
  validationLoss?: () => number | Promise<number>;
  /** Called for every event of the schedule (stage begins, trial results, chosen LRs). */
  onEvent?: (event: AutoLRSEvent) => void;
}

/** Where the model was left when training stopped. */
export type EndState =
  /** Training stopped outside a search: the model is where training left it. */
  | 'trained'
  /** Training stopped inside an LR probe: the model was restored to the search's checkpoint. */
  | 'restored-checkpoint'
  /** The schedule never started. */
  | 'not-started';

/** Costs of the schedule, for overhead accounting. */
export interface AutoLRSStats {
  /** Steps spent in LR probes. */
  searchSteps: number;
  /** Steps trained at a chosen LR (warmup included). */
  trainSteps: number;
  checkpoints: number;
  restores: number;
  checkpointMs: number;
  restoreMs: number;
  /** Time spent fitting forecasts, the host read included. */
  forecastMs: number;
  /** Time spent in the search (Gaussian-process fits and acquisition). */
  searchMs: number;
  /** Time spent measuring validation losses. */
  evaluateMs: number;
  /** Host reads made by the schedule (forecasts and validation losses). */
  hostReads: number;
}

/** JSON-serializable state of a driver: the controller's alone (see {@link AutoLRSDriver.stateDict}). */
export interface AutoLRSDriverState {
  controller: AutoLRSControllerState;
}

/**
 * Everything a driver holds, as JSON (see {@link AutoLRSDriver.saveState}): with it a
 * run resumes exactly, even in the middle of a probe.
 */
export interface AutoLRSDriverSnapshot {
  version: 1;
  controller: AutoLRSControllerState;
  /** The search's checkpoint (during a search), bit for bit. */
  checkpoint: SerializedCheckpoint | null;
  /** Losses recorded so far by the probe in progress. */
  probeLosses: number[];
  /** Whether the run had ended (then a search in progress restarts on resume). */
  ended: boolean;
}

function emptyStats(): AutoLRSStats {
  return {
    searchSteps: 0,
    trainSteps: 0,
    checkpoints: 0,
    restores: 0,
    checkpointMs: 0,
    restoreMs: 0,
    forecastMs: 0,
    searchMs: 0,
    evaluateMs: 0,
    hostReads: 0,
  };
}

/** Throws a TypeError unless `state` is `{ variables, optimizer }` with an optimizer whose LR can be set. */
function checkState(state: TrainingState): TrainingState {
  if (state == null || typeof state !== 'object' || !Array.isArray(state.variables)) {
    throw new TypeError('Expected `state` to be { variables: tf.Variable[], optimizer: tf.Optimizer }.');
  }
  assertTrainingStateTfjs(state, 'AutoLRSDriver');
  assertLrSettable(state.optimizer, 'optimizer');
  return state;
}

/** Performs AutoLRS on a {@link TrainingState}. */
export class AutoLRSDriver {
  #state: TrainingState;
  readonly #controller: AutoLRSController;
  #validationLoss: (() => number | Promise<number>) | undefined;
  #checkpoint: Checkpoint | null = null;
  #recording = false;
  #losses: Array<tf.Tensor | number> = [];
  #stats = emptyStats();
  /**
   * 'new': begin() starts the schedule. 'running': between begin() and end().
   * 'resume': begin() resumes through the controller's resumeActions() (after end() or
   * loadStateDict()). 'resume-exact': begin() continues exactly (after loadState()).
   */
  #mode: 'new' | 'running' | 'resume' | 'resume-exact' = 'new';

  constructor(state: TrainingState, options: AutoLRSDriverOptions) {
    checkState(state);
    const o = optionsObject<AutoLRSDriverOptions>('options', options);
    // Checked here too: a null `validationMode` must not reach the `??` below.
    knownKeys('options', o, [...AUTOLRS_OPTION_KEYS, 'validationLoss', 'onEvent']);
    const { validationLoss, onEvent, ...controllerOptions } = o as AutoLRSDriverOptions;
    this.#validationLoss = validationLoss === undefined ? undefined : func('validationLoss', validationLoss);
    if (controllerOptions.validationMode === true && validationLoss === undefined) {
      throw new TypeError('Expected `validationLoss` to be a function when `validationMode` is true, got undefined.');
    }
    this.#controller = new AutoLRSController({
      ...controllerOptions,
      validationMode: controllerOptions.validationMode ?? validationLoss !== undefined,
    });
    if (onEvent !== undefined) this.#controller.on(func('onEvent', onEvent));
    this.#state = state;
  }

  /** The controller that decides the schedule. */
  get controller(): AutoLRSController {
    return this.#controller;
  }
  /** Costs so far (a copy). */
  get stats(): AutoLRSStats {
    return { ...this.#stats };
  }
  /** Whether a checkpoint is held (during a search). */
  get hasCheckpoint(): boolean {
    return this.#checkpoint !== null;
  }
  /** Whether training is under way: begin() was called and end() not yet. */
  get running(): boolean {
    return this.#mode === 'running';
  }

  /**
   * Starts the schedule, or resumes it (after {@link loadStateDict}, or after a
   * previous {@link end}). Call before the first training step.
   */
  async begin(): Promise<void> {
    const mode = this.#mode;
    this.#mode = 'running';
    if (mode === 'new' || (mode === 'resume-exact' && this.#controller.phase === 'idle')) {
      await this.#perform(this.#controller.start());
    } else if (mode === 'resume-exact') {
      // Continue exactly where saveState() was called: only the LR lives outside the state.
      setLearningRate(this.#state.optimizer, this.#controller.lr!);
    } else if (mode === 'resume') {
      await this.#perform(this.#controller.resumeActions());
    }
  }

  /**
   * Reports one training step and its loss (a scalar tensor, which the driver clones
   * while a probe records losses, or a number). Performs what the schedule asks before
   * the next step.
   */
  async afterStep(loss: tf.Tensor | number | undefined): Promise<void> {
    if (this.#mode !== 'running') throw new Error('AutoLRSDriver.afterStep() called before begin().');
    const phase = this.#controller.phase;
    if (phase === 'search') this.#stats.searchSteps++;
    else this.#stats.trainSteps++;
    if (this.#recording) {
      if (loss === undefined) {
        throw new TypeError('Expected a training loss (a scalar tensor or a number) during an LR probe, got undefined.');
      }
      this.#losses.push(typeof loss === 'number' ? loss : tf.clone(loss));
    }
    await this.#perform(this.#controller.step());
  }

  /**
   * Points the driver at another training state, e.g. the same model compiled again with
   * a new optimizer between two runs: the next {@link begin} applies the schedule's LR to
   * the new optimizer, and every later LR, checkpoint and restore goes there. The schedule
   * goes on where it was (stage, τ, history); a search that was interrupted restarts from
   * the model as it is. `validationLoss`, when given, replaces the validation function.
   *
   * Call it when no run is under way (before {@link begin}, or after {@link end}). Throws
   * an Error during a run, and when the driver holds a search checkpoint (loaded by
   * {@link loadState}) of other variables or another optimizer: that checkpoint cannot
   * carry over. Rebind first, then load the state.
   */
  rebind(state: TrainingState, validationLoss?: () => number | Promise<number>): void {
    checkState(state);
    const fn = validationLoss === undefined ? undefined : func<() => number | Promise<number>>('validationLoss', validationLoss);
    if (this.#mode === 'running') {
      throw new Error('AutoLRSDriver.rebind() called during a run: call end() first.');
    }
    const same =
      state.optimizer === this.#state.optimizer &&
      state.variables.length === this.#state.variables.length &&
      state.variables.every((v, i) => v === this.#state.variables[i]);
    if (this.#checkpoint !== null && !same) {
      throw new Error(
        'AutoLRSDriver.rebind() called while the driver holds a search checkpoint of other variables or another ' +
          'optimizer (loaded by loadState()), which cannot carry over: rebind first, then call loadState().',
      );
    }
    this.#state = state;
    if (fn !== undefined) this.#validationLoss = fn;
  }

  /**
   * Ends the run and leaves the model in its best known state: inside a search the
   * model holds a probe's weights, so it is restored to the search's checkpoint.
   * Frees every tensor the driver holds. A later {@link begin} resumes the schedule
   * (a search in progress restarts from the model as it is).
   */
  async end(): Promise<EndState> {
    if (this.#mode === 'new') return 'not-started';
    let endState: EndState = 'trained';
    if (this.#controller.phase === 'search' && this.#checkpoint) {
      this.#restore();
      endState = 'restored-checkpoint';
    }
    this.#dropCheckpoint();
    this.#clearRecording();
    this.#mode = 'resume';
    return endState;
  }

  /**
   * The controller's state as JSON, without tensors (no host read). Resuming from it
   * after a search was interrupted restarts that search from the model as it is then
   * (see {@link AutoLRSController.resumeActions}); use {@link saveState} to resume exactly.
   */
  stateDict(): AutoLRSDriverState {
    return { controller: this.#controller.stateDict() };
  }

  /** Loads a {@link stateDict}; the next {@link begin} resumes from it. */
  loadStateDict(state: AutoLRSDriverState): void {
    if (state == null || typeof state !== 'object' || state.controller == null) {
      throw new TypeError('Expected `state` to be an AutoLRSDriver state ({ controller }).');
    }
    this.#dropCheckpoint();
    this.#clearRecording();
    this.#controller.loadStateDict(state.controller);
    this.#mode = 'resume';
  }

  /**
   * Everything the driver holds, as JSON: the controller, the search's checkpoint and
   * the losses of the probe in progress (reads them to the host). Saved together with
   * the model's own weights and optimizer state (`saveTrainingState`), it lets a new
   * process continue exactly where this one stopped, in the middle of a probe too.
   */
  async saveState(): Promise<AutoLRSDriverSnapshot> {
    const checkpoint = this.#checkpoint ? await this.#checkpoint.serialize() : null;
    const probeLosses: number[] = [];
    for (const l of this.#losses) probeLosses.push(typeof l === 'number' ? l : (await l.data())[0]!);
    return { version: 1, controller: this.#controller.stateDict(), checkpoint, probeLosses, ended: this.#mode === 'resume' };
  }

  /** Loads what {@link saveState} saved; the next {@link begin} continues from there. */
  loadState(snapshot: AutoLRSDriverSnapshot): void {
    if (snapshot == null || typeof snapshot !== 'object' || snapshot.version !== 1 || snapshot.controller == null) {
      throw new TypeError('Expected `snapshot` to be an AutoLRSDriver snapshot of version 1 (from saveState()).');
    }
    const checkpoint = snapshot.checkpoint ? Checkpoint.deserialize(this.#state, snapshot.checkpoint) : null;
    this.#dropCheckpoint();
    this.#clearRecording();
    this.#controller.loadStateDict(snapshot.controller);
    this.#checkpoint = checkpoint;
    if (snapshot.ended) {
      this.#mode = 'resume';
      return;
    }
    this.#mode = 'resume-exact';
    const c = this.#controller;
    this.#recording = c.phase === 'search' && !c.validationStage && c.awaiting === null;
    this.#losses = [...snapshot.probeLosses];
  }

  /** Frees every tensor the driver holds without touching the model. */
  dispose(): void {
    this.#dropCheckpoint();
    this.#clearRecording();
  }

  // ---- internals ----

  async #perform(actions: AutoLRSAction[]): Promise<void> {
    const queue = [...actions];
    while (queue.length > 0) {
      const a = queue.shift()!;
      switch (a.type) {
        case 'setLr':
          setLearningRate(this.#state.optimizer, a.lr);
          break;
        case 'checkpoint': {
          const t0 = performance.now();
          this.#dropCheckpoint();
          this.#checkpoint = Checkpoint.capture(this.#state);
          this.#stats.checkpoints++;
          this.#stats.checkpointMs += performance.now() - t0;
          break;
        }
        case 'restore':
          this.#restore();
          break;
        case 'discardCheckpoint':
          this.#dropCheckpoint();
          break;
        case 'beginProbe':
          this.#clearRecording();
          this.#recording = a.source === 'train';
          break;
        case 'beginTrain':
          this.#clearRecording();
          break;
        case 'evaluate': {
          const loss = await this.#measureValidationLoss();
          const t0 = performance.now();
          const next = this.#controller.tellValidationLoss(loss);
          this.#stats.searchMs += performance.now() - t0;
          queue.unshift(...next);
          break;
        }
        case 'forecast': {
          const { prediction, head, tail } = await this.#forecast(a);
          const t0 = performance.now();
          const next = this.#controller.tellForecast(prediction, a.source === 'train' ? { head, tail } : undefined);
          this.#stats.searchMs += performance.now() - t0;
          queue.unshift(...next);
          break;
        }
      }
    }
  }

  #restore(): void {
    if (!this.#checkpoint) throw new Error('AutoLRS asked for a restore but holds no checkpoint.');
    const t0 = performance.now();
    this.#checkpoint.restore();
    this.#stats.restores++;
    this.#stats.restoreMs += performance.now() - t0;
  }

  async #measureValidationLoss(): Promise<number> {
    if (!this.#validationLoss) {
      throw new Error('AutoLRS needs a validation loss in validation mode, but no `validationLoss` function was given.');
    }
    const t0 = performance.now();
    const loss = await this.#validationLoss();
    this.#stats.evaluateMs += performance.now() - t0;
    this.#stats.hostReads++;
    if (typeof loss !== 'number') throw new TypeError(`Expected \`validationLoss()\` to return a number, got ${typeof loss}.`);
    return loss;
  }

  async #forecast(a: Extract<AutoLRSAction, { type: 'forecast' }>): Promise<{ prediction: number; head: number; tail: number }> {
    const t0 = performance.now();
    let series: number[] | tf.Tensor1D;
    if (a.source === 'validation') {
      series = a.values!;
    } else {
      const recorded = this.#losses;
      series = recorded.every((l) => typeof l === 'number')
        ? (recorded as number[])
        : tf.tidy(() => tf.stack(recorded.map((l) => (typeof l === 'number' ? tf.scalar(l) : tf.reshape(l, [])))) as tf.Tensor1D);
    }
    try {
      const fit = await fitExponential(series, {
        predictAt: a.predictAt,
        interval: a.interval,
        mode: a.source === 'validation' ? 'validation' : 'train',
      });
      this.#stats.hostReads++;
      return { prediction: fit.prediction, head: fit.head, tail: fit.tail };
    } finally {
      if (series instanceof tf.Tensor) series.dispose();
      this.#clearRecording();
      this.#stats.forecastMs += performance.now() - t0;
    }
  }

  #clearRecording(): void {
    for (const l of this.#losses) if (typeof l !== 'number') l.dispose();
    this.#losses = [];
    this.#recording = false;
  }

  #dropCheckpoint(): void {
    this.#checkpoint?.dispose();
    this.#checkpoint = null;
  }
}
