/**
 * Reading and setting the learning rate of a TensorFlow.js optimizer.
 *
 * tfjs optimizers keep their learning rate in different places:
 * - `sgd` and `momentum` cache `-lr` as a scalar tensor, so they must go through
 *   `setLearningRate(lr)`;
 * - `adam`, `adamax`, `rmsprop`, `adagrad` and `adadelta` read the plain number
 *   field `learningRate` on every step;
 * - this package's `ScheduleFreeSGD` and `ScheduleFreeAdamW` have a `setLearningRate(lr)`
 *   and a validated `learningRate` accessor (the base LR before their warmup).
 *
 * Every scheduler in this package (AutoLRS and the baseline schedules) sets the LR
 * through {@link setLearningRate}; setting a number never reads from the device.
 */
import type * as tf from '@tensorflow/tfjs';
import { describe, nonNegativeNumber } from '../util/validate.js';

/** tfjs optimizer class names whose learning rate this package can set. */
export const LR_SETTABLE_OPTIMIZERS = [
  'SGD',
  'Momentum',
  'Adam',
  'Adamax',
  'RMSProp',
  'Adagrad',
  'Adadelta',
  'ScheduleFreeSGD',
  'ScheduleFreeAdamW',
] as const;
export type LrSettableOptimizerName = (typeof LR_SETTABLE_OPTIMIZERS)[number];

interface WithLr {
  learningRate: number;
  setLearningRate?: (lr: number) => void;
  getClassName?: () => string;
  /** SGD and Momentum: the cached scalar `-learningRate` that their update uses. */
  c?: unknown;
}

/**
 * For optimizers with `setLearningRate`: the LR this module set last and the cached
 * scalar that call left. A call may skip `setLearningRate` only while both are still in
 * place; a direct write to `learningRate` (which leaves the scalar stale) or a call of
 * the optimizer's own `setLearningRate` breaks the match.
 */
const lastSet = new WeakMap<object, { lr: number; c: unknown }>();

/** The tfjs class name of an optimizer, or undefined when it is not a tfjs optimizer. */
export function optimizerClassName(optimizer: unknown): string | undefined {
  const o = optimizer as { getClassName?: () => string } | null;
  if (o == null || typeof o !== 'object' || typeof o.getClassName !== 'function') return undefined;
  try {
    return o.getClassName();
  } catch {
    return undefined;
  }
}

/**
 * Throws a TypeError unless `optimizer` is a tfjs optimizer whose learning rate can be set.
 * @param name how the value is named in the error message.
 */
export function assertLrSettable(optimizer: unknown, name = 'optimizer'): asserts optimizer is tf.Optimizer {
  const cls = optimizerClassName(optimizer);
  const known = (LR_SETTABLE_OPTIMIZERS as readonly string[]).includes(cls ?? '');
  if (!known || typeof (optimizer as WithLr).learningRate !== 'number') {
    throw new TypeError(
      `Expected \`${name}\` to be a tfjs optimizer whose learning rate can be set ` +
        `(one of ${LR_SETTABLE_OPTIMIZERS.join(', ')}), got ${cls ? `a ${cls} optimizer` : describe(optimizer)}.`,
    );
  }
}

/** The optimizer's current learning rate. */
export function getLearningRate(optimizer: tf.Optimizer): number {
  assertLrSettable(optimizer);
  return (optimizer as unknown as WithLr).learningRate;
}

/** Sets the optimizer's learning rate; it applies from the next `applyGradients`. */
export function setLearningRate(optimizer: tf.Optimizer, lr: number): void {
  assertLrSettable(optimizer);
  nonNegativeNumber('lr', lr);
  const o = optimizer as unknown as WithLr;
  if (typeof o.setLearningRate === 'function') {
    const last = lastSet.get(o);
    if (last !== undefined && last.lr === lr && last.c === o.c && o.learningRate === lr) return;
    o.setLearningRate(lr);
    lastSet.set(o, { lr, c: o.c });
  } else {
    o.learningRate = lr;
  }
}
