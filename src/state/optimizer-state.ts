/**
 * On-device snapshots of a tfjs optimizer's internal state.
 *
 * `Optimizer.getWeights()`/`setWeights()` are not enough for a bit-exact restore: they
 * read the iteration count to the host and recompute Adam's `accBeta` powers with
 * `pow`, which differs in the last bits from the running products that training uses.
 * So the state fields of each optimizer class are listed here and copied as they are.
 * The Schedule-Free optimizers of this package also keep host scalars (Σw, lr_max, the
 * train/eval mode), copied as float64 numbers.
 * A snapshot shares the tensors' device memory (tfjs tensors are immutable), so taking
 * it costs no copy and no host read.
 */
import * as tf from '@tensorflow/tfjs';
import { assertLrSettable, optimizerClassName, type LrSettableOptimizerName } from './lr.js';
import { ScheduleFreeOptimizer, type ScheduleFreeScalars } from '../optimizers/schedule-free.js';
import { decodeTensor, encodeTensor, type SerializedTensor } from './serialize.js';

/** An {@link OptimizerSnapshot} as JSON. */
export interface SerializedOptimizerSnapshot {
  className: string;
  slots: Record<string, Array<{ originalName: string; value: SerializedTensor } | null>>;
  variables: Record<string, SerializedTensor>;
  iterations: number | null;
  /** Host scalars of the Schedule-Free optimizers; absent for tfjs's own. */
  scalars?: ScheduleFreeScalars;
  /**
   * Schedule-Free optimizers: for each slot index, the position of its model variable in
   * the checkpoint's variable list (-1: not in it).
   */
  variableIndex?: number[];
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
  // y is held only in eval mode (the model's variables hold x then).
  ScheduleFreeSGD: { slots: ['z', 'x', 'y'], variables: [] },
  ScheduleFreeAdamW: { slots: ['z', 'x', 'v', 'y'], variables: [] },
};

type Internals = Record<string, unknown> & { iterations_?: number };

/** The live slot list `name` of an optimizer (created empty for tfjs's, which create them lazily). */
function slotList(optimizer: tf.Optimizer, name: string): Array<OptimizerVariable | undefined> {
  if (optimizer instanceof ScheduleFreeOptimizer) return optimizer.stateSlots()[name]!;
  const o = optimizer as unknown as Internals;
  return ((o[name] as Array<OptimizerVariable | undefined> | undefined) ??= []);
}

function isScalars(s: unknown): s is ScheduleFreeScalars {
  const v = s as ScheduleFreeScalars | null;
  return (
    v != null &&
    typeof v === 'object' &&
    typeof v.weightSum === 'number' &&
    typeof v.lrMax === 'number' &&
    typeof v.evalMode === 'boolean'
  );
}

/** A copy of an optimizer's state: slot variables, scalar variables and the iteration count. */
export class OptimizerSnapshot {
  readonly #optimizer: tf.Optimizer;
  readonly #slots: Map<string, Array<{ originalName: string; value: tf.Tensor } | null>>;
  readonly #variables: Map<string, tf.Tensor>;
  readonly #iterations: number | undefined;
  readonly #scalars: ScheduleFreeScalars | undefined;
  /** The checkpoint's variables and, per slot index, the position of its variable among them. */
  readonly #binding: { variables: readonly tf.Variable[]; index: number[] } | undefined;
  #disposed = false;

  private constructor(
    optimizer: tf.Optimizer,
    slots: Map<string, Array<{ originalName: string; value: tf.Tensor } | null>>,
    variables: Map<string, tf.Tensor>,
    iterations: number | undefined,
    scalars: ScheduleFreeScalars | undefined,
    binding: { variables: readonly tf.Variable[]; index: number[] } | undefined,
  ) {
    this.#optimizer = optimizer;
    this.#slots = slots;
    this.#variables = variables;
    this.#iterations = iterations;
    this.#scalars = scalars;
    this.#binding = binding;
  }

  /**
   * Takes a snapshot of `optimizer` (throws a TypeError for an unsupported optimizer).
   * @param variables the model variables saved with it: a Schedule-Free optimizer's slots
   *   are bound to them again on restore.
   */
  static capture(optimizer: tf.Optimizer, variables: readonly tf.Variable[] = []): OptimizerSnapshot {
    assertLrSettable(optimizer);
    const fields = STATE_FIELDS[optimizerClassName(optimizer) as LrSettableOptimizerName];
    const o = optimizer as unknown as Internals;
    const slots = new Map<string, Array<{ originalName: string; value: tf.Tensor } | null>>();
    for (const name of fields.slots) {
      const list = optimizer instanceof ScheduleFreeOptimizer ? optimizer.stateSlots()[name]! : ((o[name] as Array<OptimizerVariable | undefined>) ?? []);
      slots.set(
        name,
        Array.from(list, (entry) => (entry == null ? null : { originalName: entry.originalName, value: tf.clone(entry.variable) })),
      );
    }
    const saved = new Map<string, tf.Tensor>();
    for (const name of fields.variables) saved.set(name, tf.clone(o[name] as tf.Variable));
    if (!(optimizer instanceof ScheduleFreeOptimizer)) return new OptimizerSnapshot(optimizer, slots, saved, o.iterations_, undefined, undefined);
    const index = optimizer.stateVariables.map((v) => (v === undefined ? -1 : variables.indexOf(v)));
    return new OptimizerSnapshot(optimizer, slots, saved, o.iterations_, optimizer.stateScalars, { variables, index });
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
    return {
      className: optimizerClassName(this.#optimizer)!,
      slots,
      variables,
      iterations: this.#iterations ?? null,
      ...(this.#scalars === undefined ? {} : { scalars: { ...this.#scalars } }),
      ...(this.#binding === undefined ? {} : { variableIndex: [...this.#binding.index] }),
    };
  }

  /**
   * Rebuilds a snapshot of `optimizer` from {@link serialize}'s output; restore() then applies it.
   * @param variables the model variables restored with it (see {@link capture}).
   */
  static deserialize(optimizer: tf.Optimizer, s: SerializedOptimizerSnapshot, variables: readonly tf.Variable[] = []): OptimizerSnapshot {
    assertLrSettable(optimizer);
    const cls = optimizerClassName(optimizer) as LrSettableOptimizerName;
    if (s == null || typeof s !== 'object' || s.className !== cls) {
      throw new TypeError(`Expected a saved ${cls} optimizer state, got one of ${JSON.stringify(s?.className)}.`);
    }
    const fields = STATE_FIELDS[cls];
    const hasScalars = optimizer instanceof ScheduleFreeOptimizer;
    if (hasScalars && !isScalars(s.scalars)) {
      throw new TypeError(`Expected the saved ${cls} state to hold \`scalars\` { weightSum, lrMax, evalMode }, got ${JSON.stringify(s.scalars)}.`);
    }
    if (hasScalars && !(Array.isArray(s.variableIndex) && s.variableIndex.every((j) => Number.isInteger(j) && j >= -1 && j < variables.length))) {
      throw new TypeError(`Expected the saved ${cls} state to hold \`variableIndex\`, integers in [-1, ${variables.length}), got ${JSON.stringify(s.variableIndex)}.`);
    }
    const slots = new Map<string, Array<{ originalName: string; value: tf.Tensor } | null>>();
    const saved = new Map<string, tf.Tensor>();
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
        saved.set(name, decodeTensor(s.variables[name]!, name));
      }
    } catch (e) {
      for (const list of slots.values()) for (const x of list) x?.value.dispose();
      for (const t of saved.values()) t.dispose();
      throw e;
    }
    return new OptimizerSnapshot(
      optimizer,
      slots,
      saved,
      s.iterations ?? undefined,
      hasScalars ? { ...s.scalars! } : undefined,
      hasScalars ? { variables, index: [...s.variableIndex!] } : undefined,
    );
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
      const list = slotList(this.#optimizer, name);
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
    if (this.#scalars !== undefined) {
      const sf = this.#optimizer as ScheduleFreeOptimizer;
      sf.stateScalars = this.#scalars;
      const { variables, index } = this.#binding!;
      const known = sf.stateVariables;
      sf.bindStateVariables(index.map((j, i) => (j >= 0 ? variables[j] : known[i])));
    }
  }

  /** Releases the snapshot's tensors. */
  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    for (const list of this.#slots.values()) for (const e of list) e?.value.dispose();
    for (const t of this.#variables.values()) t.dispose();
  }
}
