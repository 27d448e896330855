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
import { decodeTensor, encodeTensor, type SerializedTensor } from './serialize.js';

/** An {@link OptimizerSnapshot} as JSON. */
export interface SerializedOptimizerSnapshot {
  className: string;
  slots: Record<string, Array<{ originalName: string; value: SerializedTensor } | null>>;
  variables: Record<string, SerializedTensor>;
  iterations: number | null;
}

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

  /** Encodes the snapshot as JSON (reads its tensors to the host). */
  async serialize(): Promise<SerializedOptimizerSnapshot> {
    this.#assertAlive();
    const slots: SerializedOptimizerSnapshot['slots'] = {};
    for (const [name, list] of this.#slots) {
      slots[name] = await Promise.all(
        list.map(async (e) => (e == null ? null : { originalName: e.originalName, value: await encodeTensor(e.value) })),
      );
    }
    const variables: SerializedOptimizerSnapshot['variables'] = {};
    for (const [name, t] of this.#variables) variables[name] = await encodeTensor(t);
    return { className: optimizerClassName(this.#optimizer)!, slots, variables, iterations: this.#iterations ?? null };
  }

  /** Rebuilds a snapshot of `optimizer` from {@link serialize}'s output; restore() then applies it. */
  static deserialize(optimizer: tf.Optimizer, s: SerializedOptimizerSnapshot): OptimizerSnapshot {
    assertLrSettable(optimizer);
    const cls = optimizerClassName(optimizer) as LrSettableOptimizerName;
    if (s == null || typeof s !== 'object' || s.className !== cls) {
      throw new TypeError(`Expected a saved ${cls} optimizer state, got one of ${JSON.stringify(s?.className)}.`);
    }
    const fields = STATE_FIELDS[cls];
    const slots = new Map<string, Array<{ originalName: string; value: tf.Tensor } | null>>();
    const variables = new Map<string, tf.Tensor>();
    try {
      for (const name of fields.slots) {
        const list = s.slots?.[name];
        if (!Array.isArray(list)) throw new TypeError(`Expected the saved ${cls} state to hold slot list \`${name}\`.`);
        const decoded: Array<{ originalName: string; value: tf.Tensor } | null> = [];
        slots.set(name, decoded);
        for (const e of list) decoded.push(e == null ? null : { originalName: e.originalName, value: decodeTensor(e.value, `${name}`) });
      }
      for (const name of fields.variables) {
        if (s.variables?.[name] == null) throw new TypeError(`Expected the saved ${cls} state to hold variable \`${name}\`.`);
        variables.set(name, decodeTensor(s.variables[name]!, name));
      }
    } catch (e) {
      for (const list of slots.values()) for (const x of list) x?.value.dispose();
      for (const t of variables.values()) t.dispose();
      throw e;
    }
    return new OptimizerSnapshot(optimizer, slots, variables, s.iterations ?? undefined);
  }

  #assertAlive(): void {
    if (this.#disposed) throw new Error('This optimizer snapshot was disposed.');
  }

  /** Number of tensors this snapshot holds. */
  get numTensors(): number {
    let n = this.#variables.size;
    for (const list of this.#slots.values()) n += list.filter((e) => e != null).length;
    return n;
  }

  /** Writes the snapshot back into the optimizer it was taken from; bit-exact. */
  restore(): void {
    this.#assertAlive();
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
