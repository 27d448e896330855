/**
 * The cooldown strategy of AutoLRS as a tfjs-layers callback for `model.fit` and
 * `model.fitDataset` (see {@link CooldownDriver} for what a stage does).
 *
 * The callback trains the probes itself, on batches it draws from `data` (the training
 * tensors), with the model's own training function, so every probe of a stage sees the same
 * batches; `fit`'s own batches are only used by the training phases. Every gradient step
 * counts in the budget, `totalSteps`, by default the length of the `fit` (epochs × steps per
 * epoch): once the probes, the range test and the training steps have used it, the callback
 * stops training, at the end of the final cooldown.
 */
import * as tf from '@tensorflow/tfjs';
import { reestimateBatchNorm } from '../../optimizers/batch-norm.js';
import { modelVariables } from '../../state/checkpoint.js';
import { assertLrSettable } from '../../state/lr.js';
import { lrRangeTest, type LrRangeTestOptions } from '../../schedules/lr-range-test.js';
import { assertCallbackTfjs, assertTrainingStateTfjs, SameTfjsCallback } from '../../util/engine.js';
import { func, integerAtLeast, knownKeys, optionsObject } from '../../util/validate.js';
import { CooldownController, type CooldownControllerState, type CooldownEvent, type CooldownPhase, type CooldownStageRecord } from './controller.js';
import { CooldownDriver, type CooldownStats } from './driver.js';
import { COOLDOWN_OPTION_KEYS, type CooldownOptions } from './options.js';
import { ProbeData, type ProbeBatch, type Tensors } from './probe-data.js';

/** Arguments of the cooldown-strategy callback. */
export interface AutoLRSCooldownArgs extends Omit<CooldownOptions, 'minLr' | 'maxLr' | 'totalSteps' | 'startStep'> {
  /** The strategy (the default). */
  strategy?: 'cooldown';
  /**
   * Training inputs and targets the probes draw their batches from (usually the tensors
   * given to `fit`). Required.
   */
  data: { x: Tensors; y: Tensors };
  /**
   * Smallest LR searched. Give both bounds or neither: without them an LR range test runs
   * on `data` when training begins and the search covers the three decades below the LR of
   * its lowest smoothed loss.
   */
  minLr?: number;
  /** Largest LR searched (see `minLr`). */
  maxLr?: number;
  /**
   * Gradient steps of the whole run, probes and range test included.
   * @default the length of the first `fit`: (epochs − initialEpoch) × steps per epoch
   */
  totalSteps?: number;
  /**
   * Examples per probe batch.
   * @default the batch size of `fit` (for `fitDataset`, of its first batch)
   */
  batchSize?: number;
  /**
   * Inputs and targets the probes are scored on (their first `scoreSize` examples).
   * @default `validationData` when given, else `scoreSize` examples held out of `data`
   */
  scoreData?: { x: Tensors; y: Tensors };
  /** Validation inputs and targets: the default scoring data. */
  validationData?: [Tensors, Tensors];
  /**
   * Examples the probes are scored on.
   * @default 1024 (held out of `data`: Math.min(1024, Math.floor(examples / 5)))
   */
  scoreSize?: number;
  /**
   * Batch size of the scoring evaluation.
   * @default 256
   */
  scoreBatchSize?: number;
  /**
   * Batches of `data` (of `batchSize` examples, from its first example on) on which the
   * batch-normalization statistics are recomputed before each score of a search, exactly as
   * {@link reestimateBatchNorm} does: a probe's score then reflects its weights, not moving
   * statistics that lag them (more after a large LR). 0 scores with the moving statistics as
   * training left them. A model without batch normalization is not affected; the model a
   * search trains on from keeps the statistics its own training gave it. Costs that many
   * forward passes per score (no gradient step). Chosen on validation accuracy
   * (bench/README.md, section 7, "Batch-norm statistics before a score").
   * @default 16
   */
  batchNormBatches?: number;
  /** Options of the range test run when no bounds are given (its `batchSize` defaults to the probes'). */
  lrRangeTest?: LrRangeTestOptions;
  /** Called for every event of the schedule, and once with the bounds a range test chose. */
  onEvent?: (event: CooldownCallbackEvent) => void;
  /**
   * 1 prints one line per event; 0 prints nothing.
   * @default 0
   */
  verbose?: 0 | 1;
}

/** The bounds chosen by the LR range test. */
export interface CooldownBoundsEvent {
  type: 'lrBounds';
  minLr: number;
  maxLr: number;
  /** LR of the range test's lowest smoothed loss. */
  lossMinimumLr: number;
  rangeTestSteps: number;
  /** The LR and the training loss of each range-test step. */
  lrs: number[];
  losses: number[];
}

export type CooldownCallbackEvent = CooldownEvent | CooldownBoundsEvent;

const CALLBACK_KEYS = ['strategy', 'data', 'batchSize', 'scoreData', 'validationData', 'scoreSize', 'scoreBatchSize', 'batchNormBatches', 'lrRangeTest', 'onEvent', 'verbose'] as const;
/** Every key of {@link AutoLRSCooldownArgs}. */
export const COOLDOWN_ARG_KEYS = [...COOLDOWN_OPTION_KEYS.filter((k) => k !== 'startStep'), ...CALLBACK_KEYS];

/** Defaults of the callback's own options (documented on {@link AutoLRSCooldownArgs}). */
const DEFAULT_SCORE_BATCH_SIZE = 256;
const DEFAULT_BATCH_NORM_BATCHES = 16;

/** The strategy's options among the callback's arguments: every key but the callback's own. */
function strategyOptions(args: Partial<AutoLRSCooldownArgs>): Partial<CooldownOptions> {
  const own: ReadonlySet<string> = new Set(CALLBACK_KEYS);
  return Object.fromEntries(Object.entries(args).filter(([key]) => !own.has(key))) as Partial<CooldownOptions>;
}

/** What {@link AutoLRSCooldown.saveState} returns. */
export interface AutoLRSCooldownState {
  version: 1;
  strategy: 'cooldown';
  bounds: { minLr: number; maxLr: number; startStep: number };
  totalSteps: number;
  batchSize: number;
  driver: { controller: CooldownControllerState; stats: CooldownStats };
}

function tensorList(t: Tensors): tf.Tensor[] {
  return Array.isArray(t) ? t : [t];
}

/**
 * The model's own training step (the function `fit` runs on each batch: loss, regularizers,
 * optimizer update), as a function of one batch that returns the loss. A `tf.Sequential`
 * trains through the functional model it wraps.
 */
export function modelTrainStep(model: tf.LayersModel): (batch: ProbeBatch) => tf.Scalar {
  const inner = model instanceof tf.Sequential ? (model as unknown as { model: tf.LayersModel }).model : model;
  const make = (inner as unknown as { makeTrainFunction?: () => (ins: tf.Tensor[]) => tf.Scalar[] }).makeTrainFunction;
  if (typeof make !== 'function') {
    throw new TypeError('Expected a compiled tf.LayersModel (its training function runs the probes), got a model without makeTrainFunction.');
  }
  const trainFunction = make.call(inner);
  return (batch) =>
    tf.tidy(() => {
      const outs = trainFunction([...tensorList(batch.xs), ...tensorList(batch.ys)]);
      tf.dispose(outs.slice(1));
      return outs[0]!;
    });
}

/** The cooldown strategy as a `model.fit` callback; see the module documentation. */
export class AutoLRSCooldown extends SameTfjsCallback {
  readonly #args: AutoLRSCooldownArgs;
  readonly #events: CooldownCallbackEvent[] = [];
  #bounds: { minLr: number; maxLr: number; startStep: number } | null = null;
  #totalSteps: number | null;
  #batchSize: number | null;
  #driver: CooldownDriver | null = null;
  #saved: { controller: CooldownControllerState; stats: CooldownStats } | null = null;
  #probeData: ProbeData | null = null;
  #model: tf.LayersModel | null = null;
  #begun = false;
  #lastPlan: { totalSteps: number; cooldownStart: number; stageStarts: number[] } | null = null;

  constructor(args: AutoLRSCooldownArgs) {
    super();
    const a = optionsObject<AutoLRSCooldownArgs>('args', args);
    knownKeys('args', a, COOLDOWN_ARG_KEYS);
    if (a.strategy !== undefined && a.strategy !== 'cooldown') {
      throw new TypeError(`Expected \`strategy\` to be 'cooldown' or 'reference', got ${JSON.stringify(a.strategy)}.`);
    }
    const data = optionsObject<{ x: Tensors; y: Tensors }>('data', a.data);
    if (a.data === undefined || data.x === undefined || data.y === undefined) {
      throw new TypeError('Expected `data` to be { x, y }: the training tensors the probes draw their batches from, got ' + (a.data === undefined ? 'undefined.' : 'an object without x or y.'));
    }
    for (const t of [...tensorList(data.x), ...tensorList(data.y)]) {
      if (!(t instanceof tf.Tensor)) throw new TypeError('Expected `data.x` and `data.y` to be tensors or arrays of tensors.');
    }
    if ((a.minLr === undefined) !== (a.maxLr === undefined)) {
      throw new TypeError(`Expected both \`minLr\` and \`maxLr\`, or neither (an LR range test then chooses them), got only ${a.minLr === undefined ? '`maxLr`' : '`minLr`'}.`);
    }
    if (a.minLr === undefined && (Array.isArray(data.x) || Array.isArray(data.y))) {
      throw new TypeError('Expected `minLr` and `maxLr` with multi-input or multi-output `data`: the LR range test takes single tensors.');
    }
    if (a.validationData !== undefined && (!Array.isArray(a.validationData) || a.validationData.length !== 2)) {
      throw new TypeError('Expected `validationData` to be [inputs, targets].');
    }
    if (a.batchSize !== undefined) integerAtLeast('batchSize', a.batchSize, 1);
    if (a.totalSteps !== undefined) integerAtLeast('totalSteps', a.totalSteps, 1);
    if (a.scoreSize !== undefined) integerAtLeast('scoreSize', a.scoreSize, 1);
    integerAtLeast('scoreBatchSize', a.scoreBatchSize ?? DEFAULT_SCORE_BATCH_SIZE, 1);
    integerAtLeast('batchNormBatches', a.batchNormBatches ?? DEFAULT_BATCH_NORM_BATCHES, 0);
    if (a.verbose !== undefined && a.verbose !== 0 && a.verbose !== 1) throw new TypeError(`Expected \`verbose\` to be 0 or 1, got ${String(a.verbose)}.`);
    if (a.onEvent !== undefined) func('onEvent', a.onEvent);
    // The strategy's own options, checked now with stand-in bounds and budget where they come later.
    const rest = strategyOptions(a);
    new CooldownController({ ...rest, minLr: rest.minLr ?? 1e-4, maxLr: rest.maxLr ?? 1e-1, totalSteps: rest.totalSteps ?? 1e9 } as CooldownOptions);
    this.#args = a as AutoLRSCooldownArgs;
    this.#totalSteps = a.totalSteps ?? null;
    this.#batchSize = a.batchSize ?? null;
    if (a.minLr !== undefined) this.#bounds = { minLr: a.minLr, maxLr: a.maxLr!, startStep: 0 };
  }

  /** The strategy of this callback. */
  get strategy(): 'cooldown' {
    return 'cooldown';
  }
  /** The LR bounds searched (null until a range test chose them). */
  get lrBounds(): { minLr: number; maxLr: number } | null {
    return this.#bounds ? { minLr: this.#bounds.minLr, maxLr: this.#bounds.maxLr } : null;
  }
  /** Every event so far (a copy). */
  get events(): CooldownCallbackEvent[] {
    return [...this.#events];
  }
  /** Every stage so far: the LRs probed, their scores, the LR chosen. */
  get history(): CooldownStageRecord[] {
    return this.#driver?.controller.history ?? this.#saved?.controller.history ?? [];
  }
  /** Current stage (1-based; 0 before the first search). */
  get stage(): number {
    return this.#driver?.controller.stage ?? this.#saved?.controller.stage ?? 0;
  }
  /** Current phase. */
  get phase(): CooldownPhase {
    return this.#driver?.controller.phase ?? this.#saved?.controller.phase ?? 'idle';
  }
  /** Always 0 outside a search: probes run inside one callback call. */
  get trial(): number {
    return this.#driver?.controller.trial ?? 0;
  }
  /** The LR of the next training step. */
  get lr(): number | null {
    return this.#driver?.controller.lr ?? null;
  }
  /** Gradient steps so far (probes and range test included). */
  get globalStep(): number {
    return this.#driver?.controller.globalStep ?? this.#saved?.controller.step ?? 0;
  }
  /** The budget in use (null until training began). */
  get totalSteps(): number | null {
    return this.#totalSteps;
  }
  /** Costs so far, every gradient step counted. */
  get stats(): CooldownStats | null {
    return this.#driver?.stats ?? this.#saved?.stats ?? null;
  }
  /** The budget plan: the final cooldown's first step and each stage's first step (null before training). */
  get plan(): { totalSteps: number; cooldownStart: number; stageStarts: number[] } | null {
    const p = this.#driver?.controller.plan;
    return p ? { totalSteps: p.totalSteps, cooldownStart: p.cooldownStart, stageStarts: [...p.stageStarts] } : this.#lastPlan;
  }
  /** Whether the budget is spent. */
  get done(): boolean {
    return this.#driver?.done ?? this.#saved?.controller.phase === 'done';
  }

  override async onTrainBegin(): Promise<void> {
    assertCallbackTfjs(this, 'AutoLRS'); // first: `this` may be another tfjs copy's wrapper
    const model = this.model as tf.LayersModel | null;
    if (model == null) throw new Error('AutoLRS callback has no model: pass it in the `callbacks` of model.fit().');
    const optimizer = (model as unknown as { optimizer?: tf.Optimizer }).optimizer;
    if (optimizer == null) throw new TypeError('Expected the model to be compiled with an optimizer (model.compile({ optimizer, loss })), got none.');
    assertLrSettable(optimizer, 'model.optimizer');
    modelTrainStep(model);
    // Re-bound at every fit: the model may have been recompiled with another optimizer.
    if (this.#driver) this.#saved = this.#driver.stateDict();
    this.#driver = null;
    this.#model = model;
    this.#begun = false;
    const params = this.params as { epochs?: number; initialEpoch?: number; samples?: number | null; steps?: number | null; batchSize?: number | null };
    this.#batchSize ??= params.batchSize ?? null;
    if (this.#totalSteps === null) {
      const perEpoch = params.steps ?? (params.samples != null && params.batchSize != null ? Math.ceil(params.samples / params.batchSize) : null);
      if (perEpoch == null) {
        throw new TypeError('Expected `totalSteps` for a fit whose steps per epoch are unknown (fitDataset without batchesPerEpoch), got undefined.');
      }
      this.#totalSteps = ((params.epochs ?? 1) - (params.initialEpoch ?? 0)) * perEpoch;
    }
  }

  override async onBatchBegin(_batch: number, logs?: tf.Logs): Promise<void> {
    if (this.#begun) return;
    this.#begun = true;
    const size = (logs as Record<string, unknown> | undefined)?.['size'];
    this.#batchSize ??= typeof size === 'number' ? size : null;
    if (this.#batchSize === null) throw new TypeError('Expected `batchSize` (the probes\' batch size), got undefined and none from fit.');
    await this.#createDriver();
    if (this.#driver!.done) this.model!.stopTraining = true;
  }

  override async onBatchEnd(): Promise<void> {
    const d = this.#driver!;
    if (d.done) {
      // Past the budget (another callback kept training): nothing left to schedule.
      this.model!.stopTraining = true;
      return;
    }
    await d.afterStep();
    if (d.done) this.model!.stopTraining = true;
  }

  override async onTrainEnd(): Promise<void> {
    if (this.#driver) {
      this.#lastPlan = this.plan;
      this.#saved = this.#driver.stateDict();
      this.#driver.end();
    }
    this.#probeData?.dispose();
    this.#probeData = null;
  }

  /** The schedule's state between two steps, as JSON; saved with `saveTrainingState`, a run resumes exactly. */
  saveState(): AutoLRSCooldownState | null {
    const driver = this.#driver?.stateDict() ?? this.#saved;
    if (driver === null || this.#bounds === null || this.#totalSteps === null || this.#batchSize === null) return null;
    return { version: 1, strategy: 'cooldown', bounds: { ...this.#bounds }, totalSteps: this.#totalSteps, batchSize: this.#batchSize, driver: structuredClone(driver) };
  }

  /** Loads what {@link saveState} saved; the next `fit` continues from there. */
  loadState(state: AutoLRSCooldownState): void {
    if (state == null || typeof state !== 'object' || state.version !== 1 || state.strategy !== 'cooldown') {
      throw new TypeError('Expected `state` to be a cooldown-strategy AutoLRS state of version 1 (from saveState()).');
    }
    this.#bounds = { ...state.bounds };
    this.#totalSteps = state.totalSteps;
    this.#batchSize = state.batchSize;
    this.#saved = structuredClone(state.driver);
    this.#driver = null;
  }

  #emit(e: CooldownCallbackEvent): void {
    this.#events.push(e);
    if (this.#args.verbose === 1) console.log(formatCooldownEvent(e));
    this.#args.onEvent?.(e);
  }

  async #createDriver(): Promise<void> {
    const model = this.#model!;
    const a = this.#args;
    const optimizer = (model as unknown as { optimizer: tf.Optimizer }).optimizer;
    if (this.#bounds === null) {
      const result = await lrRangeTest(model, { x: a.data.x as tf.Tensor, y: a.data.y as tf.Tensor }, { batchSize: this.#batchSize!, ...a.lrRangeTest });
      let k = -1;
      result.smoothedLosses.forEach((s, i) => {
        if (Number.isFinite(s) && (k < 0 || s < result.smoothedLosses[k]!)) k = i;
      });
      const lossMinimumLr = result.lrs[k]!;
      this.#bounds = { minLr: lossMinimumLr / 1000, maxLr: lossMinimumLr, startStep: result.lrs.length };
      this.#emit({
        type: 'lrBounds',
        minLr: this.#bounds.minLr,
        maxLr: this.#bounds.maxLr,
        lossMinimumLr,
        rangeTestSteps: result.lrs.length,
        lrs: [...result.lrs],
        losses: [...result.losses],
      });
    }
    const score = a.scoreData ?? (a.validationData ? { x: a.validationData[0], y: a.validationData[1] } : undefined);
    this.#probeData?.dispose();
    this.#probeData = new ProbeData({
      x: a.data.x,
      y: a.data.y,
      batchSize: this.#batchSize!,
      ...(score ? { scoreData: score } : {}),
      ...(a.scoreSize === undefined ? {} : { scoreSize: a.scoreSize }),
      seed: a.seed ?? 0,
    });
    const probeData = this.#probeData;
    const trainStep = modelTrainStep(model);
    const scoreBatchSize = a.scoreBatchSize ?? DEFAULT_SCORE_BATCH_SIZE;
    const batchNormBatches = a.batchNormBatches ?? DEFAULT_BATCH_NORM_BATCHES;
    const scoreFn = (): tf.Scalar => {
      const set = probeData.scoreSet;
      if (batchNormBatches > 0) reestimateBatchNorm(model, a.data.x, { numBatches: batchNormBatches, batchSize: this.#batchSize! });
      const out = model.evaluate(set.x, set.y, { batchSize: scoreBatchSize });
      const list = Array.isArray(out) ? out : [out];
      tf.dispose(list.slice(1));
      return list[0]!;
    };
    const driver = new CooldownDriver(
      { variables: modelVariables(model), optimizer },
      {
        // The bounds and the budget known now replace the arguments'.
        ...strategyOptions(a),
        minLr: this.#bounds.minLr,
        maxLr: this.#bounds.maxLr,
        totalSteps: this.#totalSteps!,
        startStep: this.#bounds.startStep,
        trainStep,
        probeBatches: (stage, count) => probeData.batches(stage, count),
        score: scoreFn,
        onEvent: (e) => this.#emit(e),
      },
    );
    if (this.#saved) driver.loadStateDict(this.#saved);
    this.#saved = null;
    this.#driver = driver;
    await driver.begin();
  }
}

/** One human-readable line for an event of the cooldown strategy. */
export function formatCooldownEvent(e: CooldownCallbackEvent): string {
  const f = (x: number) => x.toPrecision(3);
  switch (e.type) {
    case 'lrBounds':
      return `[autolrs] LR range test (${e.rangeTestSteps} steps): lowest loss at lr=${f(e.lossMinimumLr)}; searching [${f(e.minLr)}, ${f(e.maxLr)}]`;
    case 'searchBegin':
      return (
        `[autolrs] step ${e.step}: stage ${e.stage} searches [${f(e.minLr)}, ${f(e.maxLr)}] with ${e.trials} probes of ` +
        (e.survivors === undefined ? `${e.probeSteps} steps` : `${e.rungSteps} steps, the best ${e.survivors} continued to ${e.probeSteps}`)
      );
    case 'trialEnd':
      return (
        `[autolrs] step ${e.step}: stage ${e.stage} probe ${e.trial + 1}${e.rung === 2 ? ` continued to ${e.probeSteps} steps` : ''}: ` +
        `lr=${f(e.lr)} score=${f(e.score)}${e.note ? ` (${e.note})` : ''}`
      );
    case 'trainBegin':
      return `[autolrs] step ${e.step}: stage ${e.stage} trains ${e.steps} steps at lr=${f(e.lr)} (from the ${e.kept === 'probe' ? "best probe's state" : 'checkpoint'})${e.note ? `: ${e.note}` : ''}`;
    case 'cooldownBegin':
      return `[autolrs] step ${e.step}: final cooldown from lr=${f(e.lr)} to 0 over ${e.steps} steps`;
    case 'budgetEnd':
      return `[autolrs] step ${e.step}: budget spent`;
  }
}
