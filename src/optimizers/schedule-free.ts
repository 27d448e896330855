/**
 * What Schedule-Free SGD and Schedule-Free AdamW share (Defazio et al., "The Road Less
 * Scheduled", 2024; facebookresearch/schedule_free, `*_reference.py`): the warmup, the
 * weighted average x of the base iterates z, the interpolation y at which gradients are
 * taken, the switch between y (training) and x (evaluation), and the state.
 *
 * Per step k (0-based), with base LR `lr`:
 * - scheduled LR `lr_k = lr · min(1, (k + 1) / warmupSteps)`, and its running maximum `lr_max`;
 * - averaging weight `w_k = (k + 1)^r · lr_max^weightLrPower`, `c_k = w_k / Σ_{i<=k} w_i`
 *   (0 while the sum is 0);
 * - the base optimizer moves z (see each optimizer), then
 *   `x ← (1 − c_k)·x + c_k·z` and `y ← β·x + (1 − β)·z`;
 * - the model's variables hold y.
 *
 * The scalars (`k`, `Σw`, `lr_max`, `c_k`) are kept on the host in float64, as the
 * reference keeps them in Python floats; only the per-weight tensors live on the device.
 */
import * as tf from '@tensorflow/tfjs';
import { finiteNumber, integerAtLeast, nonNegativeNumber } from '../util/validate.js';

/** A named tensor, as tfjs optimizers take gradients and give weights. */
type NamedTensor = { name: string; tensor: tf.Tensor };

/** A state tensor of one model variable, as tfjs optimizers keep them. */
export interface ScheduleFreeSlot {
  /** The model variable's name plus a suffix, e.g. `dense/kernel/z`. */
  originalName: string;
  variable: tf.Variable;
}

/** The host scalars of a Schedule-Free optimizer's state (the iteration count k is tfjs's `iterations`). */
export interface ScheduleFreeScalars {
  /** Σ w_i over the steps taken. */
  weightSum: number;
  /** The largest scheduled LR so far (0 before the first step). */
  lrMax: number;
  /** True between `eval()` and `train()`: the model's variables hold x. */
  evalMode: boolean;
}

/** Arguments every Schedule-Free optimizer takes. */
export interface ScheduleFreeCommonArgs {
  /**
   * Weight decay, applied at y; a finite number >= 0.
   * @default 0
   */
  weightDecay?: number;
  /**
   * Steps of linear LR warmup (`lr · (k + 1) / warmupSteps` for k < warmupSteps); an integer >= 0.
   * @default 0
   */
  warmupSteps?: number;
  /**
   * Power of the polynomial weighting `(k + 1)^r` in the average; a finite number >= 0.
   * @default 0
   */
  r?: number;
  /**
   * The average weighs each step by `lr_max^weightLrPower`, so steps taken during warmup
   * count less; a finite number >= 0 (0: no LR weighting).
   * @default 2
   */
  weightLrPower?: number;
}

/** The resolved shared arguments. */
type ResolvedCommonArgs = Required<ScheduleFreeCommonArgs>;

/** Validates a learning rate: a finite number >= 0. */
export function learningRateArg(name: string, value: unknown): number {
  return nonNegativeNumber(name, value);
}

/** Validates a beta or momentum: a number in [0, 1). */
export function betaArg(name: string, value: unknown): number {
  finiteNumber(name, value);
  if (!((value as number) >= 0 && (value as number) < 1)) {
    throw new RangeError(`Expected \`${name}\` to be a number in [0, 1), got ${String(value)}.`);
  }
  return value as number;
}

/** Resolves the shared arguments, with the reference's defaults. */
export function resolveCommonArgs(a: ScheduleFreeCommonArgs): ResolvedCommonArgs {
  return {
    weightDecay: nonNegativeNumber('weightDecay', a.weightDecay ?? 0),
    warmupSteps: integerAtLeast('warmupSteps', a.warmupSteps ?? 0, 0),
    r: nonNegativeNumber('r', a.r ?? 0),
    weightLrPower: nonNegativeNumber('weightLrPower', a.weightLrPower ?? 2),
  };
}

/** The per-step scalars handed to the base optimizer's update of z. */
export interface StepScalars {
  /** The step index k (0-based). */
  k: number;
  /** The scheduled LR lr_k. */
  lr: number;
}

/**
 * The base class of {@link ScheduleFreeSGD} and {@link ScheduleFreeAdamW}: a tfjs
 * `Optimizer` that `model.compile` accepts, whose LR the schedules of this package can
 * set, and whose state checkpoints save and restore bit for bit.
 *
 * Unlike the reference (whose AdamW starts in eval mode), the optimizer starts in train
 * mode, since `model.fit` cannot call `train()`: at the first step x = y = z = the
 * model's weights.
 */
export abstract class ScheduleFreeOptimizer extends tf.Optimizer {
  /**
   * tfjs's `Optimizer` answers `instanceof` for any object with optimizer methods, and
   * subclasses inherit that; this class uses the prototype chain, so that only Schedule-Free
   * optimizers are instances.
   */
  static override [Symbol.hasInstance](instance: unknown): boolean {
    return typeof instance === 'object' && instance !== null && Object.prototype.isPrototypeOf.call(this.prototype, instance);
  }

  #learningRate: number;
  readonly #hp: ResolvedCommonArgs & { beta: number };
  /** State per updated variable, index-aligned with the order of the gradients (as tfjs's optimizers do). */
  readonly #slots: Record<string, ScheduleFreeSlot[]>;
  /** The model variable of each slot index, as last seen by a step. */
  #params: Array<tf.Variable | undefined> = [];
  #weightSum = 0;
  #lrMax = 0;
  #lastLr = 0;
  #evalMode = false;

  /**
   * @param learningRate the base LR (validated by the subclass).
   * @param beta the interpolation β between x and z (momentum or beta1).
   * @param common the shared arguments.
   * @param extraSlots names of the base optimizer's own per-variable state (e.g. `['v']`).
   */
  protected constructor(learningRate: number, beta: number, common: ScheduleFreeCommonArgs, extraSlots: readonly string[]) {
    super();
    this.#learningRate = learningRateArg('learningRate', learningRate);
    this.#hp = { beta: betaArg('beta', beta), ...resolveCommonArgs(common) };
    this.#slots = { z: [], x: [], y: [] };
    for (const name of extraSlots) this.#slots[name] = [];
  }

  /** The base LR; setting it applies from the next step (a finite number >= 0). */
  get learningRate(): number {
    return this.#learningRate;
  }

  set learningRate(lr: number) {
    this.#learningRate = learningRateArg('learningRate', lr);
  }

  /** Sets the base LR (the same as assigning {@link learningRate}). */
  setLearningRate(lr: number): void {
    this.learningRate = lr;
  }

  /** The interpolation β between x and z. */
  protected get beta(): number {
    return this.#hp.beta;
  }

  get weightDecay(): number {
    return this.#hp.weightDecay;
  }

  get warmupSteps(): number {
    return this.#hp.warmupSteps;
  }

  get r(): number {
    return this.#hp.r;
  }

  get weightLrPower(): number {
    return this.#hp.weightLrPower;
  }

  /** The scheduled LR of the last step taken (0 before the first). */
  get scheduledLr(): number {
    return this.#lastLr;
  }

  /** Σ w_i over the steps taken. */
  get weightSum(): number {
    return this.#weightSum;
  }

  /** The largest scheduled LR so far. */
  get lrMax(): number {
    return this.#lrMax;
  }

  /** `'train'`: the model's variables hold y; `'eval'`: they hold the average x. */
  get mode(): 'train' | 'eval' {
    return this.#evalMode ? 'eval' : 'train';
  }

  /**
   * The slot lists of the state, by name (`z`, `x`, `y` and the base optimizer's own),
   * live: checkpoints ({@link OptimizerSnapshot}) read and restore them in place. `y` is
   * empty in train mode; in eval mode it holds the y that `train()` puts back.
   */
  stateSlots(): Readonly<Record<string, ScheduleFreeSlot[]>> {
    return this.#slots;
  }

  /** The host scalars of the state (see {@link ScheduleFreeScalars}). */
  get stateScalars(): ScheduleFreeScalars {
    return { weightSum: this.#weightSum, lrMax: this.#lrMax, evalMode: this.#evalMode };
  }

  set stateScalars(s: ScheduleFreeScalars) {
    if (s == null || typeof s !== 'object') throw new TypeError(`Expected the state scalars to be { weightSum, lrMax, evalMode }, got ${String(s)}.`);
    const weightSum = nonNegativeNumber('weightSum', s.weightSum);
    const lrMax = nonNegativeNumber('lrMax', s.lrMax);
    if (typeof s.evalMode !== 'boolean') throw new TypeError(`Expected \`evalMode\` to be a boolean, got ${String(s.evalMode)}.`);
    this.#weightSum = weightSum;
    this.#lrMax = lrMax;
    this.#evalMode = s.evalMode;
  }

  /** Creates the base optimizer's own state of variable `index` (named `name`) at its first step. */
  protected abstract initExtraSlots(index: number, name: string, value: tf.Variable): void;

  /**
   * The base optimizer's step on z for one variable: returns the new z. Runs inside a
   * `tf.tidy`; `y` is the variable's current value.
   */
  protected abstract updateZ(index: number, z: tf.Tensor, y: tf.Tensor, gradient: tf.Tensor, s: StepScalars): tf.Tensor;

  /** The live slot list `name` (for subclasses). */
  protected slot(name: string): ScheduleFreeSlot[] {
    return this.#slots[name]!;
  }

  override applyGradients(variableGradients: tf.NamedTensorMap | NamedTensor[]): void {
    if (this.#evalMode) {
      throw new Error(
        'Expected the Schedule-Free optimizer to be in train mode when it takes a step, got eval mode: ' +
          'call optimizer.train() before training again (after eval() the model holds the average x).',
      );
    }
    const names = Array.isArray(variableGradients) ? variableGradients.map((g) => g.name) : Object.keys(variableGradients);
    const { beta, warmupSteps, r, weightLrPower } = this.#hp;
    const k = this.iterations;
    const lr = this.#learningRate * (k < warmupSteps ? (k + 1) / warmupSteps : 1);
    const lrMax = Math.max(lr, this.#lrMax);
    const weight = (k + 1) ** r * lrMax ** weightLrPower;
    const weightSum = this.#weightSum + weight;
    const c = weightSum === 0 ? 0 : weight / weightSum;
    const z = this.#slots['z']!;
    const x = this.#slots['x']!;
    const registered = tf.engine().registeredVariables;
    tf.tidy(() => {
      const cT = tf.scalar(c);
      const oneMinusC = tf.scalar(1 - c);
      const betaT = tf.scalar(beta);
      const oneMinusBeta = tf.scalar(1 - beta);
      names.forEach((name, i) => {
        const gradient = Array.isArray(variableGradients) ? variableGradients[i]!.tensor : variableGradients[name];
        if (gradient == null) return;
        const value = registered[name];
        if (value === undefined) throw new Error(`Expected \`${name}\` to be a registered tf.Variable, got none of that name.`);
        this.#params[i] = value;
        if (z[i] == null) {
          z[i] = { originalName: `${name}/z`, variable: tf.variable(value, false) };
          x[i] = { originalName: `${name}/x`, variable: tf.variable(value, false) };
          this.initExtraSlots(i, name, value);
        }
        tf.tidy(() => {
          const zNew = this.updateZ(i, z[i]!.variable, value, gradient, { k, lr });
          const xNew = tf.add(tf.mul(oneMinusC, x[i]!.variable), tf.mul(cT, zNew));
          const yNew = tf.add(tf.mul(betaT, xNew), tf.mul(oneMinusBeta, zNew));
          z[i]!.variable.assign(zNew);
          x[i]!.variable.assign(xNew);
          value.assign(yNew);
        });
      });
    });
    this.#lrMax = lrMax;
    this.#weightSum = weightSum;
    this.#lastLr = lr;
    this.incrementIterations();
  }

  /**
   * The model variable of each slot index, as the last step saw them (or as a restored
   * checkpoint bound them); undefined where not known.
   */
  get stateVariables(): Array<tf.Variable | undefined> {
    return Array.from(this.#slots['z']!, (_, i) => this.#params[i]);
  }

  /**
   * Binds slot index i to `variables[i]`: checkpoints call it when they restore a state
   * into this optimizer, so `eval()`/`train()` know the model's variables before the
   * next step (e.g. in a new process after `loadTrainingState`).
   */
  bindStateVariables(variables: ReadonlyArray<tf.Variable | undefined>): void {
    this.#params = [...variables];
  }

  /** The model variables of the slots, checked before anything is switched. */
  #resolveParams(): tf.Variable[] {
    const out: tf.Variable[] = [];
    this.#slots['z']!.forEach((slot, i) => {
      if (slot == null) return;
      const p = this.#params[i];
      if (p === undefined || p.isDisposed || !tf.util.arraysEqual(p.shape, slot.variable.shape)) {
        throw new Error(
          `Expected to know the model variable of optimizer state \`${slot.originalName}\` (shape [${slot.variable.shape}]), got ` +
            `${p === undefined ? 'none' : p.isDisposed ? 'a disposed variable' : `shape [${p.shape}]`}: restore the state with ` +
            'loadTrainingState (or a Checkpoint) listing every trainable variable, or take a training step first.',
        );
      }
      out[i] = p;
    });
    return out;
  }

  /**
   * Puts the average x into the model's variables, for evaluation and saving the
   * final model; y is kept to be put back by {@link train}. A no-op in eval mode. Before
   * evaluating a model with batch normalization, recompute its statistics at x
   * ({@link reestimateBatchNorm}).
   */
  eval(): void {
    if (this.#evalMode) return;
    const params = this.#resolveParams();
    const x = this.#slots['x']!;
    const y = this.#slots['y']!;
    params.forEach((p, i) => {
      y[i] = { originalName: `${x[i]!.originalName.replace(/\/x$/, '')}/y`, variable: tf.variable(p, false) };
      p.assign(x[i]!.variable);
    });
    this.#evalMode = true;
  }

  /** Puts y back into the model's variables, bit for bit, to train on. A no-op in train mode. */
  train(): void {
    if (!this.#evalMode) return;
    const params = this.#resolveParams();
    const y = this.#slots['y']!;
    params.forEach((_, i) => {
      if (y[i] == null) throw new Error(`Expected a saved y for optimizer state ${i} in eval mode, got none.`);
    });
    params.forEach((p, i) => p.assign(y[i]!.variable));
    for (const s of y) s?.variable.dispose();
    y.length = 0;
    this.#evalMode = false;
  }

  override dispose(): void {
    for (const list of Object.values(this.#slots)) {
      for (const s of list) if (s != null && !s.variable.isDisposed) s.variable.dispose();
      list.length = 0;
    }
    this.#params = [];
  }

  /**
   * The iteration count, the host scalars (as float32 scalars: use
   * `saveTrainingState` for a bit-exact copy) and every slot, for `model.save` with
   * `includeOptimizer`.
   */
  override async getWeights(): Promise<NamedTensor[]> {
    const scalars = this.stateScalars;
    const out: NamedTensor[] = [
      await this.saveIterations(),
      { name: 'weightSum', tensor: tf.scalar(scalars.weightSum) },
      { name: 'lrMax', tensor: tf.scalar(scalars.lrMax) },
      { name: 'evalMode', tensor: tf.scalar(scalars.evalMode ? 1 : 0) },
    ];
    for (const [slotName, list] of Object.entries(this.#slots)) {
      list.forEach((s, i) => {
        if (s != null) out.push({ name: `${slotName}:${i}:${s.originalName}`, tensor: s.variable });
      });
    }
    return out;
  }

  override async setWeights(weightValues: NamedTensor[]): Promise<void> {
    const rest = await this.extractIterations(weightValues);
    const scalar = async (name: string): Promise<number> => {
      const w = rest.find((v) => v.name === name);
      if (w === undefined) throw new TypeError(`Expected the optimizer weights to hold \`${name}\`, got none.`);
      return (await w.tensor.data())[0]!;
    };
    const scalars: ScheduleFreeScalars = {
      weightSum: await scalar('weightSum'),
      lrMax: await scalar('lrMax'),
      evalMode: (await scalar('evalMode')) === 1,
    };
    const slots: Record<string, ScheduleFreeSlot[]> = {};
    for (const name of Object.keys(this.#slots)) slots[name] = [];
    for (const w of rest) {
      const m = /^([^:]+):(\d+):(.*)$/.exec(w.name);
      if (m === null) continue;
      const list = slots[m[1]!];
      if (list === undefined) throw new TypeError(`Expected optimizer weights of slots ${Object.keys(this.#slots).join(', ')}, got \`${m[1]}\`.`);
      list[Number(m[2])] = { originalName: m[3]!, variable: tf.variable(w.tensor, false) };
    }
    this.dispose();
    for (const [name, list] of Object.entries(slots)) this.#slots[name]!.push(...list);
    this.stateScalars = scalars;
  }

  /** The shared hyperparameters, for `getConfig`. */
  protected commonConfig(): tf.serialization.ConfigDict {
    return {
      learningRate: this.#learningRate,
      weightDecay: this.#hp.weightDecay,
      warmupSteps: this.#hp.warmupSteps,
      r: this.#hp.r,
      weightLrPower: this.#hp.weightLrPower,
    };
  }
}
