/**
 * The cooldown strategy of AutoLRS as a pure state machine (no tfjs).
 *
 * A budget of T gradient steps is planned ({@link planStages}): S stages whose lengths
 * double, then a final cooldown over the last `cooldownFraction` of the budget. Each stage
 * begins with a search, run by a driver in one go between two training steps:
 *
 * 1. the driver checkpoints the model, draws the stage's probe batches once, scores the
 *    checkpoint ({@link CooldownController.tellBaseScore});
 * 2. for each LR the search proposes ({@link CooldownController.nextTrial}), it restores the
 *    checkpoint, trains a probe of τ' steps on those same batches at
 *    {@link CooldownController.probeLr} (the LR, then a linear mini-cooldown), keeping a
 *    snapshot of the model after the probe's first h steps, and scores the model after the
 *    probe ({@link CooldownController.tellScore});
 * 3. {@link CooldownController.endSearch} names the LR chosen (the lowest score) and whether the
 *    model continues from that probe's snapshot (its h steps at the LR are kept) or from the
 *    checkpoint (when no probe made progress).
 *
 * With successive halving (`survivors` m > 0), step 2 is a first rung of short probes (τ₁
 * steps, h₁ at the LR); {@link CooldownController.tellScore} then names the probes whose
 * snapshot after h₁ steps the driver keeps (the m best so far). After the first rung,
 * {@link CooldownController.nextTrial} hands out those m again: each continues from its
 * snapshot through steps h₁ to τ' − 1 of a whole probe, is scored, and the best of them is chosen.
 *
 * Training then runs at the LR chosen until the next stage; the last stage's LR decays
 * linearly to 0 over the final cooldown, which ends at T. Every probe step counts in T.
 */
import { chooseLr } from './choose.js';
import { judgeProbe, type ProbeNote } from './judge.js';
import { cooldownLr, planStages, probeLr, warmupLr, type StagePlan } from './plan.js';
import { resolveCooldownOptions, type CooldownOptions, type ResolvedCooldownOptions } from './options.js';
import type { LrSearch } from '../search.js';

/** Where the schedule is. */
export type CooldownPhase = 'idle' | 'search-due' | 'search' | 'train' | 'cooldown' | 'done';

/** One probe of a search. */
export interface CooldownTrialRecord {
  lr: number;
  /** Loss on the scoring data after the probe (NaN when not finite). */
  score: number;
  /** What the search was told. */
  told: number;
  /** Why the probe could not be chosen, if it could not. */
  note?: ProbeNote;
  /** The probe's training loss at each of its steps, when the driver recorded them. */
  losses?: number[];
  /**
   * With successive halving, for a probe that continued to the whole probe: its score after
   * it (the fields above are the first rung's).
   */
  continued?: { score: number; told: number; note?: ProbeNote; losses?: number[] };
}

/** What happened in one stage. */
export interface CooldownStageRecord {
  stage: number;
  /** Step at which the stage's search began. */
  startStep: number;
  /** Step at which the stage ends (the next stage begins, or the final cooldown). */
  endStep: number;
  /** The LR range searched. */
  minLr: number;
  maxLr: number;
  probeSteps: number;
  holdSteps: number;
  /** With successive halving: probes continued after the first rung, and a first-rung probe's steps and steps at its LR. */
  halving?: { survivors: number; rungSteps: number; rungHoldSteps: number };
  /** Score of the model the search started from. */
  baseScore?: number;
  trials: CooldownTrialRecord[];
  /** LR the stage trains at (undefined until its search ends). */
  chosenLr?: number;
  /** Where training continued from: the chosen probe's snapshot, or the checkpoint. */
  kept?: 'probe' | 'checkpoint';
  note?: string;
}

/** What a driver needs to run a search. */
export interface SearchPlan {
  stage: number;
  /** Probes to run (in the first rung when the search is halved). */
  trials: number;
  probeSteps: number;
  holdSteps: number;
  /** Probes continued after the first rung (0: the search is not halved). */
  survivors: number;
  /** Gradient steps the search takes at most. */
  steps: number;
  minLr: number;
  maxLr: number;
}

/**
 * One run of a probe: steps `firstStep` to `endStep` − 1 of a probe at `lr`, on the stage's
 * probe batches of the same indices. Rung 1 starts from the checkpoint; rung 2 continues
 * probe `trial` from its snapshot after `firstStep` steps. When `snapshot` is set, the driver
 * snapshots the model before step `holdStep` (after the steps at the LR), or after the last
 * step when `holdStep` is `endStep`.
 */
export interface ProbeRun {
  trial: number;
  lr: number;
  rung: 1 | 2;
  firstStep: number;
  endStep: number;
  holdStep: number;
  /**
   * Whether the driver needs the probe's state at `holdStep`: a first-rung probe of a halved
   * search may be continued from it; any other probe only when the search may train on from
   * its best probe (every search but the first with `trainFrom` 'checkpoint').
   */
  snapshot: boolean;
}

/** Events of the cooldown strategy. */
export type CooldownEvent =
  | {
      type: 'searchBegin';
      step: number;
      stage: number;
      minLr: number;
      maxLr: number;
      trials: number;
      probeSteps: number;
      /** Set when the search is halved: probes continued after a first rung of `rungSteps`-step probes. */
      survivors?: number;
      rungSteps?: number;
    }
  | ({
      type: 'trialEnd';
      step: number;
      stage: number;
      trial: number;
      /** 2 for a probe continued after the first rung of a halved search (then `score`, `told`, `note` and `losses` are the continuation's). */
      rung: 1 | 2;
      /** The probe's length and steps at its LR (τ₁ and h₁ in the first rung of a halved search). */
      probeSteps: number;
      holdSteps: number;
      /** Index, within the probe, of the first step `losses` covers (h₁ for a continuation, else 0). */
      firstStep: number;
    } & Omit<CooldownTrialRecord, 'continued'>)
  | { type: 'trainBegin'; step: number; stage: number; lr: number; steps: number; kept: 'probe' | 'checkpoint'; note?: string }
  | { type: 'cooldownBegin'; step: number; lr: number; steps: number }
  | { type: 'budgetEnd'; step: number };

/** JSON state of a {@link CooldownController} between two training steps. */
export interface CooldownControllerState {
  version: 1;
  strategy: 'cooldown';
  step: number;
  phase: Exclude<CooldownPhase, 'search'>;
  stage: number;
  lr: number | null;
  lastGoodLr: number | null;
  maxLr: number;
  history: CooldownStageRecord[];
}

/** Thrown when the model's loss is no longer finite at the start of a search. */
export class NonFiniteLossError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NonFiniteLossError';
  }
}

/** See the module documentation. */
export class CooldownController {
  readonly #o: ResolvedCooldownOptions;
  readonly #plan: StagePlan;
  readonly #listeners = new Set<(e: CooldownEvent) => void>();
  #step: number;
  #phase: CooldownPhase = 'idle';
  #stage = 0;
  #lr: number | null = null;
  #lastGoodLr: number | null = null;
  #maxLr: number;
  #history: CooldownStageRecord[] = [];
  // During a search:
  #search: LrSearch | null = null;
  #awaiting: null | 'base' | 'score' = null;
  #trialLr = 0;
  #best = -1;
  /** Rung of the probe in progress, and (rung 2) which trial it continues. */
  #rung: 1 | 2 = 1;
  #continuing = -1;
  /** Rung 2: trials still to continue, best first. */
  #queue: number[] = [];

  constructor(options: CooldownOptions) {
    this.#o = resolveCooldownOptions(options);
    this.#plan = planStages({
      totalSteps: this.#o.totalSteps,
      startStep: this.#o.startStep,
      stages: this.#o.stages,
      cooldownFraction: this.#o.cooldownFraction,
      probeSteps: this.#o.probeSteps,
      probeCooldown: this.#o.probeCooldown,
      trials: this.#o.k,
      laterTrials: this.#o.laterK,
      survivors: this.#o.survivors,
      rungSteps: this.#o.rungSteps,
    });
    this.#step = this.#o.startStep;
    this.#maxLr = this.#o.maxLr;
  }

  /** The resolved options. */
  get options(): Readonly<ResolvedCooldownOptions> {
    return this.#o;
  }
  /** The budget plan. */
  get plan(): Readonly<StagePlan> {
    return this.#plan;
  }
  /** Gradient steps taken so far: probes, range test and training. */
  get globalStep(): number {
    return this.#step;
  }
  get phase(): CooldownPhase {
    return this.#phase;
  }
  /** Current stage, 1-based (0 before the first search). */
  get stage(): number {
    return this.#stage;
  }
  /** Index of the trial in progress during a search (0-based). */
  get trial(): number {
    return this.#phase === 'search' ? this.#current().trials.length : 0;
  }
  /** Whether a search must run before the next training step. */
  get searchDue(): boolean {
    return this.#phase === 'search-due';
  }
  /** Whether the budget is spent. */
  get done(): boolean {
    return this.#phase === 'done';
  }
  /** The upper LR bound in force (lowered after a stage whose probes all failed). */
  get maxLr(): number {
    return this.#maxLr;
  }
  /** Every stage so far (a deep copy). */
  get history(): CooldownStageRecord[] {
    return structuredClone(this.#history);
  }

  /**
   * LR of the next training step (null before the first search ends). During the final
   * cooldown it decays to 0 at the end of the budget, linearly or along a half cosine (`cooldownShape`).
   */
  get lr(): number | null {
    if (this.#lr === null) return null;
    if (this.#phase === 'cooldown' || this.#phase === 'done') return cooldownLr(this.#lr, this.#step, this.#plan.cooldownStart, this.#plan.totalSteps, this.#o.cooldownShape);
    if (this.#phase === 'train' && this.#stage === 1) {
      const w = this.#warmup();
      return warmupLr(this.#lr, this.#step, w.start, w.steps);
    }
    return this.#lr;
  }

  /** The warmup after the first search: its first step and length (within the first stage). */
  #warmup(): { start: number; steps: number } {
    const start = this.#plan.stageStarts[0]! + this.#plan.searchSteps[0]!;
    const steps = Math.min(Math.round(this.#o.warmupFraction * this.#plan.totalSteps), this.#plan.stageEnds[0]! - start);
    return { start, steps };
  }

  /** Subscribes to events; returns an unsubscribe function. */
  on(listener: (e: CooldownEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Starts the schedule: the first search is due. */
  start(): void {
    if (this.#phase !== 'idle') throw new Error(`CooldownController.start() was already called (phase is '${this.#phase}').`);
    this.#phase = 'search-due';
  }

  /** Reports one training step (not a probe step). */
  step(): void {
    if (this.#phase !== 'train' && this.#phase !== 'cooldown') {
      throw new Error(`CooldownController.step() called in phase '${this.#phase}'; it counts training steps only (after start() and outside searches).`);
    }
    this.#step++;
    if (this.#phase === 'train') {
      const record = this.#current();
      if (this.#step < record.endStep) return;
      if (this.#stage < this.#plan.stageStarts.length) {
        this.#phase = 'search-due';
        return;
      }
      this.#beginCooldown();
      return;
    }
    if (this.#step >= this.#plan.totalSteps) {
      this.#phase = 'done';
      this.#emit({ type: 'budgetEnd', step: this.#step });
    }
  }

  /** Begins the due search; the driver then calls {@link tellBaseScore}. */
  beginSearch(): SearchPlan {
    if (this.#phase !== 'search-due') throw new Error(`CooldownController.beginSearch() called in phase '${this.#phase}', not 'search-due'.`);
    const s = this.#stage;
    this.#stage++;
    const trials = this.#plan.trials[s]!;
    const survivors = this.#plan.survivors[s]!;
    let minLr = this.#o.minLr;
    let maxLr = this.#maxLr;
    if (this.#lr !== null) {
      minLr = Math.max(minLr, this.#lr / this.#o.windowBelow);
      maxLr = Math.min(maxLr, this.#lr * this.#o.windowAbove);
    }
    const record: CooldownStageRecord = {
      stage: this.#stage,
      startStep: this.#step,
      endStep: this.#plan.stageEnds[s]!,
      minLr,
      maxLr,
      probeSteps: this.#plan.probeSteps,
      holdSteps: this.#plan.holdSteps,
      ...(survivors > 0 ? { halving: { survivors, rungSteps: this.#plan.rungSteps, rungHoldSteps: this.#plan.rungHoldSteps } } : {}),
      trials: [],
    };
    this.#history.push(record);
    this.#search = maxLr > minLr ? this.#o.search({ stage: this.#stage, minLr, maxLr, seed: this.#o.seed + this.#stage }) : null;
    this.#phase = 'search';
    this.#awaiting = 'base';
    this.#best = -1;
    this.#rung = 1;
    this.#continuing = -1;
    this.#queue = [];
    const n = this.#search === null ? 0 : trials;
    const m = n === 0 ? 0 : survivors;
    this.#emit({
      type: 'searchBegin',
      step: this.#step,
      stage: this.#stage,
      minLr,
      maxLr,
      trials: n,
      probeSteps: this.#plan.probeSteps,
      ...(m > 0 ? { survivors: m, rungSteps: this.#plan.rungSteps } : {}),
    });
    return {
      stage: this.#stage,
      trials: n,
      probeSteps: this.#plan.probeSteps,
      holdSteps: this.#plan.holdSteps,
      survivors: m,
      steps: n === 0 ? 0 : this.#plan.searchSteps[s]!,
      minLr,
      maxLr,
    };
  }

  /**
   * Reports the score of the model the search started from. Throws a
   * {@link NonFiniteLossError} when it is not finite: the model diverged before this search.
   */
  tellBaseScore(score: number): void {
    this.#expect('base', 'tellBaseScore()');
    if (typeof score !== 'number') throw new TypeError(`Expected \`score\` to be a number, got ${typeof score}.`);
    if (!Number.isFinite(score)) {
      const prev = this.#history[this.#history.length - 2];
      throw new NonFiniteLossError(
        `AutoLRS: the loss on the scoring data is ${score} at step ${this.#step}, before the search of stage ${this.#stage}` +
          (prev?.chosenLr !== undefined ? `: training at lr=${prev.chosenLr} (stage ${prev.stage}) made the model diverge` : '') +
          '. Lower maxLr, or check the data and the loss.',
      );
    }
    this.#current().baseScore = score;
    this.#awaiting = null;
  }

  /**
   * The next probe to run, or null when the search has run all its probes. In a halved
   * search, after the first rung's probes come the continuations of the best m (rung 2).
   */
  nextTrial(): ProbeRun | null {
    this.#expect(null, 'nextTrial()');
    const record = this.#current();
    if (this.#search === null) return null;
    const { probeSteps, holdSteps } = this.#plan;
    if (record.trials.length < this.#plan.trials[this.#stage - 1]!) {
      this.#trialLr = this.#search.ask();
      this.#awaiting = 'score';
      const halved = record.halving !== undefined;
      const endStep = halved ? this.#plan.rungSteps : probeSteps;
      return {
        trial: record.trials.length,
        lr: this.#trialLr,
        rung: 1,
        firstStep: 0,
        endStep,
        holdStep: halved ? this.#plan.rungHoldSteps : holdSteps,
        snapshot: halved || this.#mayKeepProbe(),
      };
    }
    if (record.halving === undefined) return null;
    if (this.#rung === 1) {
      this.#rung = 2;
      this.#queue = this.#contenders();
      this.#best = -1;
    }
    const next = this.#queue.shift();
    if (next === undefined) return null;
    this.#continuing = next;
    this.#trialLr = record.trials[next]!.lr;
    this.#awaiting = 'score';
    return { trial: next, lr: this.#trialLr, rung: 2, firstStep: this.#plan.rungHoldSteps, endStep: probeSteps, holdStep: holdSteps, snapshot: this.#mayKeepProbe() };
  }

  /** Whether the search in progress may train on from its best probe: every search but the first with `trainFrom` 'checkpoint'. */
  #mayKeepProbe(): boolean {
    return this.#stage > 1 || this.#o.trainFrom === 'probe';
  }

  /** LR of step i (0-based, within the whole probe) of the probe in progress. */
  probeLr(i: number): number {
    if (this.#awaiting !== 'score') throw new Error('CooldownController.probeLr() called with no probe in progress.');
    if (this.#rung === 1 && this.#current().halving !== undefined) return probeLr(this.#trialLr, i, this.#plan.rungSteps, this.#plan.rungHoldSteps);
    return probeLr(this.#trialLr, i, this.#plan.probeSteps, this.#plan.holdSteps);
  }

  /** First-rung probes of a halved search that may continue: the usable ones, best first, at most m. */
  #contenders(): number[] {
    const record = this.#current();
    return record.trials
      .map((t, i) => ({ t, i }))
      .filter(({ t }) => t.note === undefined)
      .sort((a, b) => a.t.score - b.t.score || a.i - b.i)
      .slice(0, record.halving!.survivors)
      .map(({ i }) => i);
  }

  /**
   * Reports the probe's score (NaN or Infinity when it diverged). Returns whether the driver
   * keeps its snapshot as the best probe so far (`best`, in place of the previous best's; never
   * for a probe run without a snapshot) and, in the first rung of a halved search, the probes
   * whose snapshot the driver must hold for rung 2 (`keep`: this one's included when listed;
   * the others listed before).
   */
  tellScore(score: number, losses?: number[]): { best: boolean; keep: number[] } {
    this.#expect('score', 'tellScore()');
    if (typeof score !== 'number') throw new TypeError(`Expected \`score\` to be a number, got ${typeof score}.`);
    this.#awaiting = null;
    const record = this.#current();
    const verdict = judgeProbe(score, record.baseScore!);
    if (this.#rung === 2) return this.#tellContinued(score, verdict, losses);
    const halved = record.halving !== undefined;
    const trial: CooldownTrialRecord = { lr: this.#trialLr, score, told: verdict.told, ...(verdict.note ? { note: verdict.note } : {}) };
    if (losses !== undefined) trial.losses = [...losses];
    record.trials.push(trial);
    this.#search!.tell(this.#trialLr, verdict.told);
    this.#step += halved ? this.#plan.rungSteps : this.#plan.probeSteps;
    const index = record.trials.length - 1;
    const best = !halved && verdict.note === undefined && (this.#best < 0 || score < record.trials[this.#best]!.score);
    if (best) this.#best = index;
    const keepBest = best && this.#mayKeepProbe();
    this.#emit({
      type: 'trialEnd',
      step: this.#step,
      stage: this.#stage,
      trial: index,
      rung: 1,
      probeSteps: halved ? this.#plan.rungSteps : this.#plan.probeSteps,
      holdSteps: halved ? this.#plan.rungHoldSteps : this.#plan.holdSteps,
      firstStep: 0,
      ...structuredClone(trial),
    });
    return { best: keepBest, keep: halved ? this.#contenders() : [] };
  }

  #tellContinued(score: number, verdict: ReturnType<typeof judgeProbe>, losses?: number[]): { best: boolean; keep: number[] } {
    const record = this.#current();
    const index = this.#continuing;
    const trial = record.trials[index]!;
    trial.continued = { score, told: verdict.told, ...(verdict.note ? { note: verdict.note } : {}), ...(losses !== undefined ? { losses: [...losses] } : {}) };
    this.#step += this.#plan.probeSteps - this.#plan.rungHoldSteps;
    const best = verdict.note === undefined && (this.#best < 0 || score < record.trials[this.#best]!.continued!.score);
    if (best) this.#best = index;
    const keepBest = best && this.#mayKeepProbe();
    this.#continuing = -1;
    this.#emit({
      type: 'trialEnd',
      step: this.#step,
      stage: this.#stage,
      trial: index,
      rung: 2,
      probeSteps: this.#plan.probeSteps,
      holdSteps: this.#plan.holdSteps,
      firstStep: this.#plan.rungHoldSteps,
      lr: trial.lr,
      ...structuredClone(trial.continued),
    });
    return { best: keepBest, keep: [...this.#queue] };
  }

  /**
   * Ends the search: the LR chosen, and where training continues from: `'probe'`, the
   * snapshot of the best probe (kept by the driver), or `'checkpoint'` when no probe made
   * progress (then the stage trains below every LR tried, and the upper bound is lowered).
   */
  endSearch(): { lr: number; kept: 'probe' | 'checkpoint' } {
    this.#expect(null, 'endSearch()');
    const record = this.#current();
    if (this.#search !== null && record.trials.length < this.#plan.trials[this.#stage - 1]!) {
      throw new Error(`CooldownController.endSearch() called after ${record.trials.length} of ${this.#plan.trials[this.#stage - 1]} probes.`);
    }
    const halved = this.#search !== null && record.halving !== undefined;
    if (halved && (this.#rung === 1 ? this.#contenders().length > 0 : this.#queue.length > 0)) {
      throw new Error(`CooldownController.endSearch() called before the first rung's best probes were continued: call nextTrial() until it returns null.`);
    }
    let lr: number;
    let kept: 'probe' | 'checkpoint';
    if (this.#best >= 0) {
      const search = this.#search!;
      const predict = !halved && record.trials.length >= 2 && search.predict !== undefined ? (lrs: number[]) => search.predict!(lrs).mean : undefined;
      // A halved search chooses among the continued probes, by their scores after the whole probe.
      const scored = halved
        ? record.trials.filter((t) => t.continued !== undefined).map((t) => ({ lr: t.lr, score: t.continued!.score, ...(t.continued!.note ? { note: t.continued!.note } : {}) }))
        : record.trials;
      const chosen = chooseLr(scored, this.#o.tolerance, predict)!;
      const best = record.trials[this.#best]!;
      // The driver holds the snapshot of the best probe only; a shrunk LR trains on from it.
      // With `trainFrom` 'checkpoint', the first search took no such snapshot: training starts
      // from the model the search started from.
      kept = chosen === best.lr && this.#mayKeepProbe() ? 'probe' : 'checkpoint';
      lr = this.#o.shrink === 1 ? chosen : Math.max(this.#o.minLr, chosen * this.#o.shrink);
      this.#lastGoodLr = lr;
    } else if (record.trials.length === 0) {
      // Empty window (the LR in use sits at a bound the window cannot leave): carry on.
      lr = this.#lr ?? this.#o.minLr;
      kept = 'checkpoint';
      record.note = `no LR to search in [${record.minLr}, ${record.maxLr}]; training on at lr=${lr}`;
    } else {
      const smallest = Math.min(...record.trials.map((t) => t.lr));
      lr = Math.max(this.#o.minLr, Math.min(this.#lastGoodLr ?? Infinity, smallest / 2));
      kept = 'checkpoint';
      const lowered = Math.max(this.#o.minLr * (1 + 1e-6), smallest / 2);
      if (lowered < this.#maxLr) this.#maxLr = lowered;
      record.note =
        `no probe of stage ${this.#stage} improved on the model it started from; training from the checkpoint at lr=${lr} ` +
        `and searching up to maxLr=${this.#maxLr} from now on`;
    }
    record.chosenLr = lr;
    record.kept = kept;
    this.#lr = lr;
    this.#search = null;
    this.#phase = 'train';
    this.#emit({
      type: 'trainBegin',
      step: this.#step,
      stage: this.#stage,
      lr,
      steps: record.endStep - this.#step,
      kept,
      ...(record.note ? { note: record.note } : {}),
    });
    return { lr, kept };
  }

  /**
   * Abandons the search in progress (the driver restored the checkpoint): the stage's
   * search is due again, and its probe steps no longer count.
   */
  abortSearch(): void {
    if (this.#phase !== 'search') throw new Error(`CooldownController.abortSearch() called in phase '${this.#phase}', not 'search'.`);
    const record = this.#history.pop()!;
    this.#step = record.startStep;
    this.#stage--;
    this.#search = null;
    this.#awaiting = null;
    this.#best = -1;
    this.#rung = 1;
    this.#continuing = -1;
    this.#queue = [];
    this.#phase = 'search-due';
  }

  /** The state between two training steps, as JSON. */
  stateDict(): CooldownControllerState {
    if (this.#phase === 'search') throw new Error('CooldownController.stateDict() called during a search; save between training steps.');
    return {
      version: 1,
      strategy: 'cooldown',
      step: this.#step,
      phase: this.#phase,
      stage: this.#stage,
      lr: this.#lr,
      lastGoodLr: this.#lastGoodLr,
      maxLr: this.#maxLr,
      history: structuredClone(this.#history),
    };
  }

  /** Restores a state from {@link stateDict} (the options are not part of it). */
  loadStateDict(state: CooldownControllerState): void {
    if (state == null || typeof state !== 'object' || state.version !== 1 || state.strategy !== 'cooldown') {
      throw new TypeError(`Expected \`state\` to be a cooldown-strategy state of version 1, got ${JSON.stringify(state)?.slice(0, 80)}.`);
    }
    if (!['idle', 'search-due', 'train', 'cooldown', 'done'].includes(state.phase)) {
      throw new TypeError(`Expected \`state.phase\` to be 'idle', 'search-due', 'train', 'cooldown' or 'done', got ${JSON.stringify(state.phase)}.`);
    }
    this.#step = state.step;
    this.#phase = state.phase;
    this.#stage = state.stage;
    this.#lr = state.lr;
    this.#lastGoodLr = state.lastGoodLr;
    this.#maxLr = state.maxLr;
    this.#history = structuredClone(state.history);
    this.#search = null;
    this.#awaiting = null;
    this.#best = -1;
    this.#rung = 1;
    this.#continuing = -1;
    this.#queue = [];
  }

  // ---- internals ----

  #emit(event: CooldownEvent): void {
    for (const l of this.#listeners) l(event);
  }

  #current(): CooldownStageRecord {
    return this.#history[this.#history.length - 1]!;
  }

  #expect(awaiting: null | 'base' | 'score', what: string): void {
    if (this.#phase !== 'search') throw new Error(`CooldownController.${what} called in phase '${this.#phase}', not during a search.`);
    if (this.#awaiting !== awaiting) {
      const need = this.#awaiting === 'base' ? 'tellBaseScore()' : this.#awaiting === 'score' ? 'tellScore()' : 'nextTrial()';
      throw new Error(`CooldownController.${what} called out of order: call ${need} first.`);
    }
  }

  #beginCooldown(): void {
    this.#phase = 'cooldown';
    this.#emit({ type: 'cooldownBegin', step: this.#step, lr: this.#lr!, steps: this.#plan.totalSteps - this.#step });
    if (this.#step >= this.#plan.totalSteps) {
      this.#phase = 'done';
      this.#emit({ type: 'budgetEnd', step: this.#step });
    }
  }
}
