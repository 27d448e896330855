/**
 * Schedule-Free SGD (facebookresearch/schedule_free, `SGDScheduleFreeReference`) as a
 * tfjs optimizer.
 */
import * as tf from '@tensorflow/tfjs';
import { optionsObject, knownKeys } from '../util/validate.js';
import { betaArg, learningRateArg, ScheduleFreeOptimizer, type ScheduleFreeCommonArgs, type StepScalars } from './schedule-free.js';

/** Arguments of {@link scheduleFreeSGD}; the defaults are the reference's. */
export interface ScheduleFreeSGDArgs extends ScheduleFreeCommonArgs {
  /**
   * The base LR; a finite number >= 0. Schedule-Free SGD wants an LR 10-50x larger than
   * plain SGD with a schedule.
   * @default 1.0
   */
  learningRate?: number;
  /**
   * The interpolation β: gradients are taken at `y = β·x + (1 − β)·z`; a number in [0, 1).
   * @default 0.9
   */
  momentum?: number;
}

const KEYS = ['learningRate', 'momentum', 'weightDecay', 'warmupSteps', 'r', 'weightLrPower'] as const;

/**
 * Schedule-Free SGD. Per step, with scheduled LR `lr_k` (see {@link ScheduleFreeOptimizer}):
 * `z ← z − lr_k·(g + weightDecay·y)`, then the average x and the interpolation y.
 *
 * ```ts
 * const optimizer = scheduleFreeSGD({ learningRate: 1, warmupSteps: 100 });
 * model.compile({ optimizer, loss: 'categoricalCrossentropy' });
 * await model.fit(x, y, { epochs: 10 });
 * optimizer.eval(); // the model now holds the average x
 * ```
 */
export class ScheduleFreeSGD extends ScheduleFreeOptimizer {
  static get className(): string {
    return 'ScheduleFreeSGD';
  }

  readonly #momentum: number;

  constructor(args: ScheduleFreeSGDArgs = {}) {
    const a = optionsObject<ScheduleFreeSGDArgs>('args', args);
    knownKeys('args', a, KEYS);
    const momentum = betaArg('momentum', a.momentum ?? 0.9);
    super(learningRateArg('learningRate', a.learningRate ?? 1.0), momentum, a, []);
    this.#momentum = momentum;
  }

  /** The interpolation β. */
  get momentum(): number {
    return this.#momentum;
  }

  protected override initExtraSlots(): void {}

  protected override updateZ(_index: number, z: tf.Tensor, y: tf.Tensor, gradient: tf.Tensor, s: StepScalars): tf.Tensor {
    const g = this.weightDecay === 0 ? gradient : tf.add(gradient, tf.mul(tf.scalar(this.weightDecay), y));
    return tf.sub(z, tf.mul(tf.scalar(s.lr), g));
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...this.commonConfig(), momentum: this.#momentum };
  }

  static override fromConfig<T extends tf.serialization.Serializable>(
    cls: tf.serialization.SerializableConstructor<T>,
    config: tf.serialization.ConfigDict,
  ): T {
    return new cls(config as ScheduleFreeSGDArgs);
  }
}
tf.serialization.registerClass(ScheduleFreeSGD);

/** Creates a {@link ScheduleFreeSGD} optimizer. */
export function scheduleFreeSGD(args: ScheduleFreeSGDArgs = {}): ScheduleFreeSGD {
  return new ScheduleFreeSGD(args);
}
