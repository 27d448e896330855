/**
 * Schedule-Free AdamW (facebookresearch/schedule_free, `AdamWScheduleFreeReference`) as
 * a tfjs optimizer. It won the self-tuning track of MLCommons AlgoPerf 2024.
 */
import * as tf from '@tensorflow/tfjs';
import { knownKeys, optionsObject, positiveNumber } from '../util/validate.js';
import { betaArg, learningRateArg, ScheduleFreeOptimizer, type ScheduleFreeCommonArgs, type StepScalars } from './schedule-free.js';

/** Arguments of {@link scheduleFreeAdamW}; the defaults are the reference's. */
export interface ScheduleFreeAdamWArgs extends ScheduleFreeCommonArgs {
  /**
   * The base LR; a finite number >= 0.
   * @default 0.0025
   */
  learningRate?: number;
  /**
   * The interpolation β: gradients are taken at `y = β·x + (1 − β)·z`; a number in [0, 1).
   * @default 0.9
   */
  beta1?: number;
  /**
   * Decay of the second-moment average v; a number in [0, 1).
   * @default 0.999
   */
  beta2?: number;
  /**
   * Added to the denominator `√v̂ + ε`; a finite number > 0.
   * @default 1e-8
   */
  epsilon?: number;
}

const KEYS = ['learningRate', 'beta1', 'beta2', 'epsilon', 'weightDecay', 'warmupSteps', 'r', 'weightLrPower'] as const;

/**
 * Schedule-Free AdamW. Per step k, with scheduled LR `lr_k` (see {@link ScheduleFreeOptimizer}):
 * - `z ← z − lr_k·weightDecay·y` (decoupled weight decay, at y);
 * - `v ← β2·v + (1 − β2)·g²`;
 * - `z ← z − lr_k·g / (√(v / (1 − β2^(k+1))) + ε)`;
 * - then the average x and the interpolation y (with β = beta1).
 *
 * There is no first-moment average: beta1 is the interpolation between x and z.
 *
 * ```ts
 * const optimizer = scheduleFreeAdamW({ learningRate: 0.0025, warmupSteps: 200 });
 * model.compile({ optimizer, loss: 'categoricalCrossentropy' });
 * await model.fit(x, y, { epochs: 10 });
 * optimizer.eval(); // the model now holds the average x
 * ```
 */
export class ScheduleFreeAdamW extends ScheduleFreeOptimizer {
  static get className(): string {
    return 'ScheduleFreeAdamW';
  }

  readonly #beta1: number;
  readonly #beta2: number;
  readonly #epsilon: number;

  constructor(args: ScheduleFreeAdamWArgs = {}) {
    const a = optionsObject<ScheduleFreeAdamWArgs>('args', args);
    knownKeys('args', a, KEYS);
    const beta1 = betaArg('beta1', a.beta1 ?? 0.9);
    const beta2 = betaArg('beta2', a.beta2 ?? 0.999);
    const epsilon = positiveNumber('epsilon', a.epsilon ?? 1e-8);
    super(learningRateArg('learningRate', a.learningRate ?? 0.0025), beta1, a, ['v']);
    this.#beta1 = beta1;
    this.#beta2 = beta2;
    this.#epsilon = epsilon;
  }

  get beta1(): number {
    return this.#beta1;
  }

  get beta2(): number {
    return this.#beta2;
  }

  get epsilon(): number {
    return this.#epsilon;
  }

  protected override initExtraSlots(index: number, name: string, value: tf.Variable): void {
    this.slot('v')[index] = { originalName: `${name}/v`, variable: tf.tidy(() => tf.variable(tf.zerosLike(value), false)) };
  }

  protected override updateZ(index: number, z: tf.Tensor, y: tf.Tensor, gradient: tf.Tensor, s: StepScalars): tf.Tensor {
    const v = this.slot('v')[index]!.variable;
    const lr = tf.scalar(s.lr);
    const decayed = this.weightDecay === 0 ? z : tf.sub(z, tf.mul(tf.scalar(s.lr * this.weightDecay), y));
    const vNew = tf.add(tf.mul(tf.scalar(this.#beta2), v), tf.mul(tf.scalar(1 - this.#beta2), tf.square(gradient)));
    const biasCorrection2 = 1 - this.#beta2 ** (s.k + 1);
    const denom = tf.add(tf.sqrt(tf.div(vNew, tf.scalar(biasCorrection2))), tf.scalar(this.#epsilon));
    v.assign(vNew);
    return tf.sub(decayed, tf.mul(lr, tf.div(gradient, denom)));
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...this.commonConfig(), beta1: this.#beta1, beta2: this.#beta2, epsilon: this.#epsilon };
  }

  static override fromConfig<T extends tf.serialization.Serializable>(
    cls: tf.serialization.SerializableConstructor<T>,
    config: tf.serialization.ConfigDict,
  ): T {
    return new cls(config as ScheduleFreeAdamWArgs);
  }
}
tf.serialization.registerClass(ScheduleFreeAdamW);

/** Creates a {@link ScheduleFreeAdamW} optimizer. */
export function scheduleFreeAdamW(args: ScheduleFreeAdamWArgs = {}): ScheduleFreeAdamW {
  return new ScheduleFreeAdamW(args);
}
