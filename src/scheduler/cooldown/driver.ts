/**
 * Runs the cooldown strategy ({@link CooldownController}) on a real training state. Each
 * stage's search runs in one go, between two training steps: the driver checkpoints the
 * model, draws the stage's probe batches once, and trains every probe itself on them
 * (`trainStep`), restoring the checkpoint in between; it scores the model after each probe
 * (`score`, one host read per probe, the probe's losses read with it) and continues from
 * the best probe's snapshot, or from the checkpoint (the first search with `trainFrom`
 * 'checkpoint', the default, which snapshots no probe but those a halved search continues).
 * If anything throws inside a search, the model is restored to the checkpoint before the
 * error propagates.
 *
 * ```ts
 * const driver = new CooldownDriver({ variables, optimizer }, {
 *   minLr: 1e-4, maxLr: 1e-1, totalSteps: 3000,
 *   trainStep: ({ xs, ys }) => optimizer.minimize(() => lossFn(xs, ys), true, variables)!,
 *   probeBatches: (stage, count) => probeData.batches(stage, count),
 *   score: () => tf.tidy(() => lossFn(scoreX, scoreY)),
 * });
 * await driver.begin();                  // runs the first search
 * while (!driver.done) {
 *   const { xs, ys } = nextBatch();
 *   optimizer.minimize(() => lossFn(xs, ys), false, variables);
 *   await driver.afterStep();            // sets the next LR; runs a search when one is due
 * }
 * driver.dispose();
 * ```
 */
import * as tf from '@tensorflow/tfjs';
import { Checkpoint, type TrainingState } from '../../state/checkpoint.js';
import { assertLrSettable, setLearningRate } from '../../state/lr.js';
import { assertTrainingStateTfjs } from '../../util/engine.js';
import { func, knownKeys, optionsObject } from '../../util/validate.js';
import { CooldownController, type CooldownControllerState, type CooldownEvent } from './controller.js';
import { COOLDOWN_OPTION_KEYS, type CooldownOptions } from './options.js';
import type { ProbeBatch } from './probe-data.js';

/** Options of {@link CooldownDriver}: the strategy's, plus how to train and score a probe. */
export interface CooldownDriverOptions extends CooldownOptions {
  /** Takes one optimizer step on `batch` and returns its loss (a scalar the driver disposes). */
  trainStep: (batch: ProbeBatch) => tf.Scalar;
  /** The `count` batches every probe of stage `stage` trains on (the driver disposes them). */
  probeBatches: (stage: number, count: number) => ProbeBatch[];
  /** The loss of the model on the scoring data, as a scalar (the driver reads and disposes it). */
  score: () => tf.Scalar | Promise<tf.Scalar>;
  /** Called for every event of the schedule. */
  onEvent?: (event: CooldownEvent) => void;
}

/** Costs of the schedule. Every gradient step is counted. */
export interface CooldownStats {
  /** Every gradient step: probes, range test and training. */
  gradientSteps: number;
  /** Steps taken by probes. */
  searchSteps: number;
  /** Probe steps whose result was kept (the chosen probe's steps at its LR). */
  keptProbeSteps: number;
  /** Probe steps thrown away: searchSteps − keptProbeSteps. */
  discardedSteps: number;
  /** Training steps outside searches. */
  trainSteps: number;
  /** Steps of the LR range test that chose the bounds, if one ran. */
  rangeTestSteps: number;
  /** Checkpoints of the model taken before a search (one per search). */
  checkpoints: number;
  /** Snapshots of a probe's state taken during searches (to continue it, or to train on from it). */
  snapshots: number;
  /** Restores of a checkpoint or a snapshot. */
  restores: number;
  /** Time spent in searches (probes, scores, checkpoints), ms. */
  searchMs: number;
  /** Time spent scoring (host reads included), ms. */
  scoreMs: number;
  /** Time spent in the Gaussian-process search, ms. */
  proposeMs: number;
  /** Host reads made by the schedule. */
  hostReads: number;
}

const DRIVER_KEYS = [...COOLDOWN_OPTION_KEYS, 'trainStep', 'probeBatches', 'score', 'onEvent'] as const;

/** Where the model was left when training stopped. */
export type CooldownEndState = 'trained' | 'not-started';

/** See the module documentation. */
export class CooldownDriver {
  readonly #state: TrainingState;
  readonly #controller: CooldownController;
  readonly #trainStep: (batch: ProbeBatch) => tf.Scalar;
  readonly #probeBatches: (stage: number, count: number) => ProbeBatch[];
  readonly #score: () => tf.Scalar | Promise<tf.Scalar>;
  #stats: CooldownStats;
  #running = false;

  constructor(state: TrainingState, options: CooldownDriverOptions) {
    if (state == null || typeof state !== 'object' || !Array.isArray(state.variables)) {
      throw new TypeError('Expected `state` to be { variables: tf.Variable[], optimizer: tf.Optimizer }.');
    }
    assertTrainingStateTfjs(state, 'CooldownDriver');
    assertLrSettable(state.optimizer, 'optimizer');
    const o = optionsObject<CooldownDriverOptions>('options', options);
    knownKeys('options', o, DRIVER_KEYS);
    const { trainStep, probeBatches, score, onEvent, ...strategy } = o as CooldownDriverOptions;
    this.#trainStep = func('trainStep', trainStep);
    this.#probeBatches = func('probeBatches', probeBatches);
    this.#score = func('score', score);
    this.#controller = new CooldownController(strategy);
    if (onEvent !== undefined) this.#controller.on(func('onEvent', onEvent));
    this.#state = state;
    const start = this.#controller.globalStep;
    this.#stats = {
      gradientSteps: start,
      searchSteps: 0,
      keptProbeSteps: 0,
      discardedSteps: 0,
      trainSteps: 0,
      rangeTestSteps: start,
      checkpoints: 0,
      snapshots: 0,
      restores: 0,
      searchMs: 0,
      scoreMs: 0,
      proposeMs: 0,
      hostReads: 0,
    };
  }

  /** The controller that decides the schedule. */
  get controller(): CooldownController {
    return this.#controller;
  }
  /** Costs so far (a copy). */
  get stats(): CooldownStats {
    return { ...this.#stats };
  }
  /** Whether the budget is spent: stop training. */
  get done(): boolean {
    return this.#controller.done;
  }
  /** Whether begin() was called and end() not yet. */
  get running(): boolean {
    return this.#running;
  }

  /** Starts the schedule (runs the first search) or, after {@link loadStateDict}, resumes it. */
  async begin(): Promise<void> {
    this.#running = true;
    if (this.#controller.phase === 'idle') this.#controller.start();
    await this.#afterChange();
  }

  /** Reports one training step; sets the next LR, running a search when one is due. */
  async afterStep(): Promise<void> {
    if (!this.#running) throw new Error('CooldownDriver.afterStep() called before begin().');
    this.#controller.step();
    this.#stats.gradientSteps++;
    this.#stats.trainSteps++;
    await this.#afterChange();
  }

  /** Ends the run: the model is where training left it (searches never leave a probe's state behind). */
  end(): CooldownEndState {
    const was = this.#running || this.#controller.phase !== 'idle';
    this.#running = false;
    return was ? 'trained' : 'not-started';
  }

  /** The schedule's state between two training steps, as JSON; with the model's own state it resumes exactly. */
  stateDict(): { controller: CooldownControllerState; stats: CooldownStats } {
    return { controller: this.#controller.stateDict(), stats: { ...this.#stats } };
  }

  /** Loads a {@link stateDict}; the next {@link begin} continues from it. */
  loadStateDict(state: { controller: CooldownControllerState; stats: CooldownStats }): void {
    if (state == null || typeof state !== 'object' || state.controller == null || state.stats == null) {
      throw new TypeError('Expected `state` to be a CooldownDriver state ({ controller, stats }).');
    }
    this.#controller.loadStateDict(state.controller);
    this.#stats = { ...state.stats };
  }

  /** Nothing is held between steps; kept for symmetry with the other drivers. */
  dispose(): void {
    this.#running = false;
  }

  // ---- internals ----

  async #afterChange(): Promise<void> {
    if (this.#controller.searchDue) await this.#runSearch();
    const lr = this.#controller.lr;
    if (lr !== null && !this.#controller.done) setLearningRate(this.#state.optimizer, lr);
  }

  async #readScore(extra: tf.Tensor[] = []): Promise<{ score: number; extra: number[] }> {
    const t0 = performance.now();
    const s = await this.#score();
    if (!(s instanceof tf.Tensor)) throw new TypeError(`Expected \`score()\` to return a scalar tensor, got ${typeof s}.`);
    const all = tf.tidy(() => tf.concat([tf.reshape(s, [1]), ...extra.map((e) => tf.reshape(e, [1]))]));
    s.dispose();
    const values = await all.data();
    all.dispose();
    this.#stats.hostReads++;
    this.#stats.scoreMs += performance.now() - t0;
    return { score: values[0]!, extra: Array.from(values.subarray(1)) };
  }

  #snapshot(): Checkpoint {
    this.#stats.snapshots++;
    return Checkpoint.capture(this.#state);
  }

  async #runSearch(): Promise<void> {
    const c = this.#controller;
    const t0 = performance.now();
    const p0 = () => performance.now();
    let tp = p0();
    const plan = c.beginSearch();
    this.#stats.proposeMs += p0() - tp;
    const checkpoint = Checkpoint.capture(this.#state);
    this.#stats.checkpoints++;
    let batches: ProbeBatch[] = [];
    let best: Checkpoint | null = null;
    let snapshot: Checkpoint | null = null;
    // First-rung snapshots a halved search continues from, by trial.
    const held = new Map<number, Checkpoint>();
    let losses: tf.Tensor[] = [];
    try {
      c.tellBaseScore((await this.#readScore()).score);
      if (plan.trials > 0) batches = this.#probeBatches(plan.stage, plan.probeSteps);
      if (plan.trials > 0 && batches.length !== plan.probeSteps) {
        throw new RangeError(`Expected \`probeBatches\` to return ${plan.probeSteps} batches, got ${batches.length}.`);
      }
      let fresh = true;
      for (;;) {
        tp = p0();
        const run = c.nextTrial();
        this.#stats.proposeMs += p0() - tp;
        if (run === null) break;
        if (run.rung === 2) {
          held.get(run.trial)!.restore();
          this.#stats.restores++;
        } else if (!fresh) {
          checkpoint.restore();
          this.#stats.restores++;
        }
        fresh = false;
        for (let i = run.firstStep; i < run.endStep; i++) {
          if (run.snapshot && i === run.holdStep) snapshot = this.#snapshot();
          setLearningRate(this.#state.optimizer, c.probeLr(i));
          const loss = this.#trainStep(batches[i]!);
          losses.push(loss);
        }
        if (run.snapshot) snapshot ??= this.#snapshot();
        const { score, extra } = await this.#readScore(losses);
        tf.dispose(losses);
        losses = [];
        this.#stats.searchSteps += run.endStep - run.firstStep;
        this.#stats.gradientSteps += run.endStep - run.firstStep;
        tp = p0();
        const verdict = c.tellScore(Number.isFinite(score) ? score : NaN, extra);
        this.#stats.proposeMs += p0() - tp;
        if (snapshot !== null && verdict.best) {
          best?.dispose();
          best = snapshot;
        } else if (snapshot !== null && run.rung === 1 && verdict.keep.includes(run.trial)) {
          held.set(run.trial, snapshot);
        } else {
          snapshot?.dispose();
        }
        snapshot = null;
        for (const [trial, s] of held) {
          if (!verdict.keep.includes(trial)) {
            s.dispose();
            held.delete(trial);
          }
        }
      }
      const { kept } = c.endSearch();
      if (kept === 'probe') {
        best!.restore();
        this.#stats.keptProbeSteps += plan.holdSteps;
      } else {
        checkpoint.restore();
      }
      this.#stats.restores++;
      this.#stats.discardedSteps = this.#stats.searchSteps - this.#stats.keptProbeSteps;
    } catch (e) {
      // Never leave the model inside a probe: back to the checkpoint, the search is due again.
      checkpoint.restore();
      this.#stats.restores++;
      if (c.phase === 'search') c.abortSearch();
      throw e;
    } finally {
      tf.dispose(losses);
      snapshot?.dispose();
      best?.dispose();
      for (const s of held.values()) s.dispose();
      checkpoint.dispose();
      for (const b of batches) tf.dispose([b.xs, b.ys]);
      this.#stats.searchMs += performance.now() - t0;
    }
  }
}
