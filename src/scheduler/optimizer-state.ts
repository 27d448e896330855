/**
 * On-device snapshots of a tfjs optimizer's internal state.
 *
 * `Optimizer.getWeights()`/`setWeights()` are not enough for a bit-exact restore: they
 * read the iteration count to the host and recompute Adam's `accBeta` powers with
 * `pow`, which differs in the last bits from the running products that training uses.
 * So the state fields of each optimizer class are listed here and copied as they are.
 * A snapshot shares the tensors' device memory (tfjs tensors are immutable), so taking
 * it costs no copy and no host read.
 */
import * as tf from '@tensorflow/tfjs';
import { assertLrSettable, optimizerClassName, type LrSettableOptimizerName } from './lr.js';

interface OptimizerVariable {
  originalName: string;
  variable: tf.Variable;
}

/** The state fields of each supported optimizer class. */
const STATE_FIELDS: Record<LrSettableOptimizerName, { slots: string[]; variables: string[] }> = {
  SGD: { slots: [], variables: [] },
  Momentum: { slots: ['accumulations'], variables: [] },
  Adam: { slots: ['accumulatedFirstMoment', 'accumulatedSecondMoment'], variables: ['accBeta1', 'accBeta2'] },
  Adamax: { slots: ['accumulatedFirstMoment', 'accumulatedWeightedInfNorm'], variables: ['iteration', 'accBeta1'] },
  RMSProp: { slots: ['accumulatedMeanSquares', 'accumulatedMoments', 'accumulatedMeanGrads'], variables: [] },
  Adagrad: { slots: ['accumulatedGrads'], variables: [] },
  Adadelta: { slots: ['accumulatedGrads', 'accumulatedUpdates'], variables: [] },
};

type Internals = Record<string, unknown> & { iterations_?: number };

/** A copy of an optimizer's state: slot variables, scalar variables and the iteration count. */
export class OptimizerSnapshot {
  readonly #optimizer: tf.Optimizer;
  readonly #slots: Map<string, Array<{ originalName: string; value: tf.Tensor } | null>>;
  readonly #variables: Map<string, tf.Tensor>;
  readonly #iterations: number | undefined;
  #disposed = false;

  private constructor(
    optimizer: tf.Optimizer,
    slots: Map<string, Array<{ originalName: string; value: tf.Tensor } | null>>,
    variables: Map<string, tf.Tensor>,
    iterations: number | undefined,
  ) {
    this.#optimizer = optimizer;
    this.#slots = slots;
    this.#variables = variables;
    this.#iterations = iterations;
  }

  /** Takes a snapshot of `optimizer` (throws a TypeError for an unsupported optimizer). */
  static capture(optimizer: tf.Optimizer): OptimizerSnapshot {
    assertLrSettable(optimizer);
    const fields = STATE_FIELDS[optimizerClassName(optimizer) as LrSettableOptimizerName];
    const o = optimizer as unknown as Internals;
    const slots = new Map<string, Array<{ originalName: string; value: tf.Tensor } | null>>();
    for (const name of fields.slots) {
      const list = (o[name] as Array<OptimizerVariable | undefined>) ?? [];
      slots.set(
        name,
        Array.from(list, (entry) => (entry == null ? null : { originalName: entry.originalName, value: tf.clone(entry.variable) })),
      );
    }
    const variables = new Map<string, tf.Tensor>();
    for (const name of fields.variables) variables.set(name, tf.clone(o[name] as tf.Variable));
    return new OptimizerSnapshot(optimizer, slots, variables, o.iterations_);
  }

  /** Number of tensors this snapshot holds. */
  get numTensors(): number {
    let n = this.#variables.size;
    for (const list of this.#slots.values()) n += list.filter((e) => e != null).length;
    return n;
  }

  /** Writes the snapshot back into the optimizer it was taken from; bit-exact. */
  restore(): void {
    if (this.#disposed) throw new Error('This optimizer snapshot was disposed.');
    const o = this.#optimizer as unknown as Internals;
    for (const [name, saved] of this.#slots) {
      const list = ((o[name] as Array<OptimizerVariable | undefined>) ??= []);
      // Slots created after the snapshot did not exist then: drop them, so they are
      // created afresh (as zeros or the initial value) on the next step.
      for (let i = saved.length; i < list.length; i++) list[i]?.variable.dispose();
      list.length = saved.length;
      saved.forEach((entry, i) => {
        const current = list[i];
        if (entry == null) {
          current?.variable.dispose();
          delete list[i];
        } else if (current == null) {
          list[i] = { originalName: entry.originalName, variable: tf.variable(entry.value, false) };
        } else {
          current.variable.assign(entry.value);
        }
      });
    }
    for (const [name, value] of this.#variables) (o[name] as tf.Variable).assign(value);
    o.iterations_ = this.#iterations;
  }

  /** Releases the snapshot's tensors. */
  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    for (const list of this.#slots.values()) for (const e of list) e?.value.dispose();
    for (const t of this.#variables.values()) t.dispose();
  }
}
