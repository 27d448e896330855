/**
 * The AutoLRS schedule as a pure state machine (no tfjs).
 *
 * Training steps and measured losses go in; actions come out (set the LR, take or
 * restore a checkpoint, measure the validation loss, forecast a probe). A driver (the
 * `model.fit` callback in `callback.ts`, or a hand-written loop through `driver.ts`)
 * performs the actions on a real model. Because the controller only sees numbers, the
 * whole schedule can be tested without a model.
 *
 * One stage:
 * 1. `checkpoint`; in validation mode, `evaluate` the validation loss at the checkpoint.
 * 2. k times: ask the search for an LR; (`restore` from the second trial on);
 *    `setLr`; `beginProbe`; train τ' steps (in validation mode `evaluate` every τ'/16
 *    steps); `forecast` the loss after τ steps, answered with {@link AutoLRSController.tellForecast}.
 * 3. `restore`, `setLr` to the LR with the lowest forecast, `beginTrain`, train τ steps.
 * 4. τ and τ' double while τ < τmax and τ' < τmax/10; after that the search forecasts
 *    validation loss.
 */
import { probeEnds } from './divergence.js';
import {
  keepsDoubling,
  resolveAutoLRSOptions,
  type AutoLRSControllerOptions,
  type ResolvedAutoLRSOptions,
} from './options.js';
import type { LrSearch } from '../search.js';
import { judgeTrial, type TrialNote } from './trial-judge.js';

export type { LrSearch, LrSearchFactory } from '../search.js';
export {
  AUTOLRS_OPTION_KEYS,
  resolveAutoLRSOptions,
  type AutoLRSControllerOptions,
  type ResolvedAutoLRSOptions,
} from './options.js';

/** Actions for the driver, performed in order. */
export type AutoLRSAction =
  | { type: 'setLr'; lr: number }
  | { type: 'checkpoint' }
  | { type: 'restore' }
  /** The checkpoint is no longer needed: free it. */
  | { type: 'discardCheckpoint' }
  /** Measure the validation loss and answer with `tellValidationLoss`. */
  | { type: 'evaluate'; purpose: 'baseline' | 'probe' }
  /** A probe starts: record the loss of each of the next `steps` steps (training mode). */
  | { type: 'beginProbe'; stage: number; trial: number; lr: number; steps: number; source: 'train' | 'validation' }
  /**
   * The probe ended: fit the recorded series and answer with `tellForecast`.
   * Sample i of the series is at step `i * interval`; forecast the loss at `predictAt`.
   * In validation mode `values` holds the series (the validation losses told).
   */
  | {
      type: 'forecast';
      stage: number;
      trial: number;
      lr: number;
      predictAt: number;
      interval: number;
      source: 'train' | 'validation';
      values?: number[];
    }
  /** The exploitation phase of a stage starts: `steps` steps at `lr`. */
  | { type: 'beginTrain'; stage: number; lr: number; steps: number };

/** One probe of a search. */
export interface TrialRecord {
  lr: number;
  /** The forecast the driver computed (NaN when the probe's loss was not finite). */
  forecast: number;
  /** The value told to the search (forecast after the NaN penalty and the validation guard). */
  told: number;
  /** Why `told` differs from `forecast`, if it does. */
  note?: TrialNote;
}

/** What happened in one stage. */
export interface StageRecord {
  stage: number;
  /** Global step at which the stage's search began. */
  startStep: number;
  tau: number;
  tauPrime: number;
  source: 'train' | 'validation';
  trials: TrialRecord[];
  /** LR used for the τ training steps (undefined until the search ends). */
  chosenLr?: number;
  /** Why the chosen LR is not the best forecast (e.g. every trial diverged). */
  note?: string;
  /**
   * Validation loss at the checkpoint (validation mode). Recorded for reference; the
   * validation guard compares with the training loss at the first search instead.
   */
  baselineLoss?: number;
}

/** Events emitted while the schedule runs. */
export type AutoLRSEvent =
  | { type: 'warmupEnd'; step: number; lr: number }
  | { type: 'searchBegin'; step: number; stage: number; tau: number; tauPrime: number; source: 'train' | 'validation' }
  | ({ type: 'trialEnd'; step: number; stage: number; trial: number } & TrialRecord)
  | { type: 'trainBegin'; step: number; stage: number; lr: number; tau: number; note?: string }
  | { type: 'stageEnd'; step: number; stage: number; lr: number };

export type AutoLRSPhase = 'idle' | 'warmup' | 'search' | 'train';

type Awaiting = null | 'forecast' | 'evaluate-baseline' | 'evaluate-probe';

/** JSON-serializable state of the controller. */
export interface AutoLRSControllerState {
  version: 1;
  step: number;
  phase: AutoLRSPhase;
  phaseStep: number;
  stage: number;
  tau: number;
  tauPrime: number;
  validationStage: boolean;
  trial: number;
  lr: number | null;
  awaiting: Awaiting;
  probeValues: number[];
  maxLr: number;
  lastGoodLr: number | null;
  /** Whether a loss below zero was seen (then the negative-forecast guard is off). */
  lossSeenNegative: boolean;
  /** Training loss at the first search (the validation guard's threshold); null until known. */
  initLoss: number | null;
  history: StageRecord[];
  search: unknown;
}

/**
 * The AutoLRS schedule. Drive it with {@link start}, {@link step} after every training
 * step, and answer its `evaluate` and `forecast` actions; perform every returned action
 * in order before the next training step.
 *
 * @example
 * ```ts
 * const c = new AutoLRSController({ minLr: 1e-3, maxLr: 1e-1, tau: 100 });
 * let actions = c.start();
 * // for each training step: perform(actions); train one step; actions = c.step();
 * // on { type: 'forecast' }: actions.push(...c.tellForecast(fitExponential(...).prediction))
 * ```
 */
export class AutoLRSController {
  readonly #o: ResolvedAutoLRSOptions;
  readonly #listeners = new Set<(e: AutoLRSEvent) => void>();
  #step = 0;
  #phase: AutoLRSPhase = 'idle';
  #phaseStep = 0;
  #stage = 0;
  #tau: number;
  #tauPrime: number;
  #validationStage = false;
  #trial = 0;
  #lr: number | null = null;
  #awaiting: Awaiting = null;
  #probeValues: number[] = [];
  #maxLr: number;
  #lastGoodLr: number | null = null;
  #lossSeenNegative = false;
  #initLoss: number | null = null;
  #history: StageRecord[] = [];
  #search: LrSearch | null = null;

  constructor(options: AutoLRSControllerOptions) {
    this.#o = resolveAutoLRSOptions(options);
    this.#tau = this.#o.tau;
    this.#tauPrime = this.#o.tauPrime;
    this.#maxLr = this.#o.maxLr;
  }

  /** The resolved options (every default applied). */
  get options(): Readonly<ResolvedAutoLRSOptions> {
    return this.#o;
  }
  /** Training steps taken so far, search steps included. */
  get globalStep(): number {
    return this.#step;
  }
  get phase(): AutoLRSPhase {
    return this.#phase;
  }
  /** Current stage, 1-based (0 before the first search). */
  get stage(): number {
    return this.#stage;
  }
  /** τ of the current stage. */
  get tau(): number {
    return this.#tau;
  }
  /** τ' of the current stage. */
  get tauPrime(): number {
    return this.#tauPrime;
  }
  /** Whether the current stage forecasts the validation loss. */
  get validationStage(): boolean {
    return this.#validationStage;
  }
  /** The LR in use (null before {@link start}). */
  get lr(): number | null {
    return this.#lr;
  }
  /** Steps taken in the current phase (or probe). */
  get phaseStep(): number {
    return this.#phaseStep;
  }
  /** Index of the current trial within the stage's search (0-based). */
  get trial(): number {
    return this.#trial;
  }
  /** The upper LR bound in force (lowered when every trial of a stage diverged). */
  get maxLr(): number {
    return this.#maxLr;
  }
  /**
   * The training loss at the first search, as the reference's `init_loss`: the mean of
   * the first tenth of the first training-loss probe's losses (the first of them is the
   * loss of the checkpoint's weights). The validation guard compares with it. Null
   * until that probe ended.
   */
  get initLoss(): number | null {
    return this.#initLoss;
  }
  /** Which answer the controller waits for, if any. */
  get awaiting(): Awaiting {
    return this.#awaiting;
  }
  /** What happened in every stage so far (a deep copy). */
  get history(): StageRecord[] {
    return structuredClone(this.#history);
  }

  /** Subscribes to events; returns an unsubscribe function. */
  on(listener: (event: AutoLRSEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Starts the schedule; call once before the first training step. */
  start(): AutoLRSAction[] {
    if (this.#phase !== 'idle') throw new Error(`AutoLRSController.start() was already called (phase is '${this.#phase}').`);
    if (this.#o.warmupSteps > 0) {
      this.#phase = 'warmup';
      this.#phaseStep = 0;
      return [this.#setLr(this.#warmupLrAt(0))];
    }
    return this.#beginSearch();
  }

  /** Reports that one training step was taken; returns the actions to perform before the next. */
  step(): AutoLRSAction[] {
    if (this.#phase === 'idle') throw new Error('AutoLRSController.step() called before start().');
    this.#assertNotAwaiting('step()');
    this.#step++;
    this.#phaseStep++;
    switch (this.#phase) {
      case 'warmup':
        if (this.#phaseStep < this.#o.warmupSteps) return [this.#setLr(this.#warmupLrAt(this.#phaseStep))];
        this.#emit({ type: 'warmupEnd', step: this.#step, lr: this.#lr! });
        return this.#beginSearch();
      case 'search': {
        if (this.#validationStage) {
          if (this.#phaseStep % this.#validationInterval() === 0) {
            this.#awaiting = 'evaluate-probe';
            return [{ type: 'evaluate', purpose: 'probe' }];
          }
          return [];
        }
        if (this.#phaseStep < this.#tauPrime) return [];
        return [this.#requestForecast()];
      }
      case 'train':
        if (this.#phaseStep < this.#tau) return [];
        return this.#endStage();
    }
  }

  /** Answers an `evaluate` action with the measured validation loss. */
  tellValidationLoss(loss: number): AutoLRSAction[] {
    if (typeof loss !== 'number') throw new TypeError(`Expected \`loss\` to be a number, got ${typeof loss}.`);
    if (this.#awaiting === 'evaluate-baseline') {
      this.#awaiting = null;
      if (loss < 0) this.#lossSeenNegative = true;
      this.#currentStage().baselineLoss = loss;
      return this.#beginTrial();
    }
    if (this.#awaiting === 'evaluate-probe') {
      this.#awaiting = null;
      this.#probeValues.push(loss);
      if (this.#probeValues.length < this.#o.validationSamples) return [];
      return [this.#requestForecast()];
    }
    throw new Error(`AutoLRSController.tellValidationLoss() called while not waiting for a validation loss (awaiting: ${this.#awaiting}).`);
  }

  /**
   * Answers a `forecast` action with the probe's forecast loss after τ steps (NaN when
   * the probe's loss was not finite). `probe` gives the means of the first and last
   * tenth of a training-loss probe: they detect divergence, show whether the loss can be
   * negative, and the first probe's head becomes {@link initLoss} (a validation probe's
   * values are known to the controller already).
   */
  tellForecast(forecast: number, probe?: { head: number; tail: number }): AutoLRSAction[] {
    if (this.#awaiting !== 'forecast') {
      throw new Error(`AutoLRSController.tellForecast() called while not waiting for a forecast (awaiting: ${this.#awaiting}).`);
    }
    if (typeof forecast !== 'number') throw new TypeError(`Expected \`forecast\` to be a number, got ${typeof forecast}.`);
    this.#awaiting = null;
    const record = this.#currentStage();
    const lr = this.#lr!;
    const ends = this.#validationStage ? probeEnds(this.#probeValues) : probe;
    if (ends !== undefined && (ends.head < 0 || ends.tail < 0)) this.#lossSeenNegative = true;
    if (this.#initLoss === null && !this.#validationStage && probe !== undefined && Number.isFinite(probe.head)) {
      this.#initLoss = probe.head;
    }
    if (this.#validationStage && this.#probeValues.some((v) => v < 0)) this.#lossSeenNegative = true;
    const { told, note } = judgeTrial(forecast, {
      ends,
      nanPenalty: this.#o.nanPenalty,
      divergenceFactor: this.#o.divergenceFactor,
      lossSeenNegative: this.#lossSeenNegative,
      validation: this.#validationStage && this.#initLoss !== null ? { values: this.#probeValues, initLoss: this.#initLoss } : undefined,
    });
    const trial: TrialRecord = note ? { lr, forecast, told, note } : { lr, forecast, told };
    record.trials.push(trial);
    this.#search!.tell(lr, told);
    this.#emit({ type: 'trialEnd', step: this.#step, stage: this.#stage, trial: this.#trial, ...trial });
    this.#trial++;
    if (this.#trial < this.#o.k) return this.#beginTrial();
    return this.#endSearch();
  }

  /** JSON-serializable state; see {@link loadStateDict}. */
  stateDict(): AutoLRSControllerState {
    return {
      version: 1,
      step: this.#step,
      phase: this.#phase,
      phaseStep: this.#phaseStep,
      stage: this.#stage,
      tau: this.#tau,
      tauPrime: this.#tauPrime,
      validationStage: this.#validationStage,
      trial: this.#trial,
      lr: this.#lr,
      awaiting: this.#awaiting,
      probeValues: [...this.#probeValues],
      maxLr: this.#maxLr,
      lastGoodLr: this.#lastGoodLr,
      lossSeenNegative: this.#lossSeenNegative,
      initLoss: this.#initLoss,
      history: structuredClone(this.#history),
      search: this.#search ? structuredClone(this.#search.stateDict()) : null,
    };
  }

  /** Restores a state returned by {@link stateDict} (the options are not part of it). */
  loadStateDict(state: AutoLRSControllerState): void {
    if (state == null || typeof state !== 'object' || state.version !== 1) {
      throw new TypeError(`Expected \`state\` to be an AutoLRSController state of version 1, got ${JSON.stringify(state)?.slice(0, 80)}.`);
    }
    this.#step = state.step;
    this.#phase = state.phase;
    this.#phaseStep = state.phaseStep;
    this.#stage = state.stage;
    this.#tau = state.tau;
    this.#tauPrime = state.tauPrime;
    this.#validationStage = state.validationStage;
    this.#trial = state.trial;
    this.#lr = state.lr;
    this.#awaiting = state.awaiting;
    this.#probeValues = [...state.probeValues];
    this.#maxLr = state.maxLr;
    this.#lastGoodLr = state.lastGoodLr;
    // Absent from states saved before it existed.
    this.#lossSeenNegative = state.lossSeenNegative === true;
    this.#initLoss = typeof state.initLoss === 'number' ? state.initLoss : null;
    this.#history = structuredClone(state.history);
    if (state.search == null) {
      this.#search = null;
    } else {
      this.#search = this.#newSearch();
      this.#search.loadStateDict(structuredClone(state.search));
    }
  }

  /**
   * The actions that bring a model saved at the current step back in line with this
   * controller after {@link loadStateDict}, when the search's checkpoint was lost with
   * the process: a search in progress restarts from its beginning (the saved model
   * becomes the new checkpoint); otherwise the current LR is applied again.
   */
  resumeActions(): AutoLRSAction[] {
    if (this.#phase === 'idle') return this.start();
    if (this.#phase === 'search') {
      // The probe state in the saved model cannot be rolled back: restart the stage.
      this.#history.pop();
      this.#stage--;
      this.#awaiting = null;
      return this.#beginSearch();
    }
    const actions: AutoLRSAction[] = [this.#setLr(this.#lr!)];
    if (this.#phase === 'train') actions.push({ type: 'beginTrain', stage: this.#stage, lr: this.#lr!, steps: this.#tau - this.#phaseStep });
    return actions;
  }

  // ---- internals ----

  #emit(event: AutoLRSEvent): void {
    for (const l of this.#listeners) l(event);
  }

  #assertNotAwaiting(what: string): void {
    if (this.#awaiting !== null) {
      const answer = this.#awaiting === 'forecast' ? 'tellForecast()' : 'tellValidationLoss()';
      throw new Error(`AutoLRSController.${what} called while an answer is pending: call ${answer} first.`);
    }
  }

  #setLr(lr: number): AutoLRSAction {
    this.#lr = lr;
    return { type: 'setLr', lr };
  }

  #warmupLrAt(i: number): number {
    return (this.#o.warmupLr! * (i + 1)) / this.#o.warmupSteps;
  }

  #validationInterval(): number {
    return Math.floor(this.#tauPrime / this.#o.validationSamples);
  }

  #currentStage(): StageRecord {
    return this.#history[this.#history.length - 1]!;
  }

  #newSearch(): LrSearch {
    return this.#o.search({ stage: this.#stage, minLr: this.#o.minLr, maxLr: this.#maxLr, seed: this.#o.seed + this.#stage });
  }

  #beginSearch(): AutoLRSAction[] {
    this.#stage++;
    this.#phase = 'search';
    this.#phaseStep = 0;
    this.#trial = 0;
    this.#search = this.#newSearch();
    const source = this.#validationStage ? 'validation' : 'train';
    this.#history.push({ stage: this.#stage, startStep: this.#step, tau: this.#tau, tauPrime: this.#tauPrime, source, trials: [] });
    this.#emit({ type: 'searchBegin', step: this.#step, stage: this.#stage, tau: this.#tau, tauPrime: this.#tauPrime, source });
    const actions: AutoLRSAction[] = [{ type: 'checkpoint' }];
    if (this.#validationStage) {
      this.#awaiting = 'evaluate-baseline';
      actions.push({ type: 'evaluate', purpose: 'baseline' });
      return actions;
    }
    return actions.concat(this.#beginTrial());
  }

  #beginTrial(): AutoLRSAction[] {
    const lr = this.#search!.ask();
    this.#phaseStep = 0;
    this.#probeValues = [];
    const actions: AutoLRSAction[] = this.#trial > 0 ? [{ type: 'restore' }] : [];
    actions.push(this.#setLr(lr), {
      type: 'beginProbe',
      stage: this.#stage,
      trial: this.#trial,
      lr,
      steps: this.#tauPrime,
      source: this.#validationStage ? 'validation' : 'train',
    });
    return actions;
  }

  #requestForecast(): AutoLRSAction {
    this.#awaiting = 'forecast';
    const base = { type: 'forecast' as const, stage: this.#stage, trial: this.#trial, lr: this.#lr!, predictAt: this.#tau };
    if (this.#validationStage) {
      return { ...base, interval: this.#validationInterval(), source: 'validation', values: [...this.#probeValues] };
    }
    return { ...base, interval: 1, source: 'train' };
  }

  #endSearch(): AutoLRSAction[] {
    const record = this.#currentStage();
    const usable = record.trials.filter((t) => t.note !== 'nan-penalty' && t.note !== 'diverged');
    let lr: number;
    let note: string | undefined;
    if (usable.length > 0) {
      lr = usable.reduce((best, t) => (t.told < best.told ? t : best)).lr;
    } else {
      // Every probe diverged: never train on at a diverging LR. Keep the last LR that
      // trained well (or the lower bound in the first stage), and search below the
      // smallest diverging LR from now on.
      const smallest = Math.min(...record.trials.map((t) => t.lr));
      lr = this.#lastGoodLr ?? this.#o.minLr;
      const shrunk = Math.max(this.#o.minLr * 1.0001, smallest / 2);
      if (shrunk < this.#maxLr) this.#maxLr = shrunk;
      note =
        `every trial of stage ${this.#stage} diverged; training at ` +
        `${this.#lastGoodLr === null ? 'minLr' : 'the last good LR'} ${lr} and searching up to maxLr=${this.#maxLr} from now on`;
      record.note = note;
    }
    record.chosenLr = lr;
    this.#lastGoodLr = usable.length > 0 ? lr : this.#lastGoodLr;
    this.#phase = 'train';
    this.#phaseStep = 0;
    this.#emit({ type: 'trainBegin', step: this.#step, stage: this.#stage, lr, tau: this.#tau, ...(note ? { note } : {}) });
    return [{ type: 'restore' }, { type: 'discardCheckpoint' }, this.#setLr(lr), { type: 'beginTrain', stage: this.#stage, lr, steps: this.#tau }];
  }

  #endStage(): AutoLRSAction[] {
    this.#emit({ type: 'stageEnd', step: this.#step, stage: this.#stage, lr: this.#lr! });
    if (keepsDoubling(this.#tau, this.#tauPrime, this.#o.tauMax)) {
      this.#tau *= 2;
      this.#tauPrime *= 2;
    } else if (this.#o.validationMode) {
      this.#validationStage = true;
    }
    return this.#beginSearch();
  }
}
