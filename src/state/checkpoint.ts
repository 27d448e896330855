/**
 * On-device checkpoints of a training state: model variables plus optimizer state.
 *
 * A checkpoint is never a host copy or a file. tfjs tensors are immutable and a
 * variable update replaces the variable's buffer, so a clone shares the device buffer
 * until training moves on: taking a checkpoint costs no copy, and restoring it is an
 * `assign` of the saved tensors, bit-identical to the state at capture time.
 */
import * as tf from '@tensorflow/tfjs';
import { OptimizerSnapshot, type SerializedOptimizerSnapshot } from './optimizer-state.js';
import { decodeTensor, encodeTensor, type SerializedTensor } from './serialize.js';

/** A {@link Checkpoint} as JSON: every variable and the optimizer state, bit for bit. */
export interface SerializedCheckpoint {
  version: 1;
  variables: SerializedTensor[];
  optimizer: SerializedOptimizerSnapshot;
}

/** What a checkpoint saves and restores: variables and the optimizer that updates them. */
export interface TrainingState {
  /** Every variable whose value training changes (weights and, e.g., batch-norm statistics). */
  variables: tf.Variable[];
  /** The optimizer; its accumulators and iteration count are saved too. */
  optimizer: tf.Optimizer;
}

/** The variables of a tfjs-layers model: trainable weights and non-trainable state. */
export function modelVariables(model: tf.LayersModel): tf.Variable[] {
  // LayerVariable.read() returns the underlying tf.Variable; assigning it directly
  // restores the value exactly, without re-applying weight constraints.
  return model.weights.map((w) => w.read() as tf.Variable);
}

/** A snapshot of a {@link TrainingState}, held on the device. */
export class Checkpoint {
  readonly #state: TrainingState;
  readonly #values: tf.Tensor[];
  readonly #optimizer: OptimizerSnapshot;
  #disposed = false;

  private constructor(state: TrainingState, values: tf.Tensor[], optimizer: OptimizerSnapshot) {
    this.#state = state;
    this.#values = values;
    this.#optimizer = optimizer;
  }

  /** Captures the current values of `state`. */
  static capture(state: TrainingState): Checkpoint {
    const optimizer = OptimizerSnapshot.capture(state.optimizer, state.variables);
    const values = state.variables.map((v) => tf.clone(v));
    return new Checkpoint(state, values, optimizer);
  }

  /** Encodes the checkpoint as JSON (reads its tensors to the host). */
  async serialize(): Promise<SerializedCheckpoint> {
    if (this.#disposed) throw new Error('Cannot serialize a checkpoint that was disposed.');
    const variables = await Promise.all(this.#values.map((t) => encodeTensor(t)));
    return { version: 1, variables, optimizer: await this.#optimizer.serialize() };
  }

  /** Rebuilds a checkpoint of `state` from {@link serialize}'s output, on the device. */
  static deserialize(state: TrainingState, s: SerializedCheckpoint): Checkpoint {
    if (s == null || typeof s !== 'object' || s.version !== 1 || !Array.isArray(s.variables)) {
      throw new TypeError('Expected a serialized checkpoint of version 1 ({ version, variables, optimizer }).');
    }
    if (s.variables.length !== state.variables.length) {
      throw new RangeError(`Expected a checkpoint of ${state.variables.length} variables, got ${s.variables.length}.`);
    }
    s.variables.forEach((v, i) => {
      const want = state.variables[i]!.shape;
      if (v.shape.length !== want.length || v.shape.some((d, j) => d !== want[j])) {
        throw new RangeError(`Expected variable ${i} (${state.variables[i]!.name}) of shape [${want}], got [${v.shape}].`);
      }
    });
    const optimizer = OptimizerSnapshot.deserialize(state.optimizer, s.optimizer, state.variables);
    const values = s.variables.map((v, i) => decodeTensor(v, `variables[${i}]`));
    return new Checkpoint(state, values, optimizer);
  }

  /** Number of tensors held by this checkpoint. */
  get numTensors(): number {
    return this.#values.length + this.#optimizer.numTensors;
  }

  get disposed(): boolean {
    return this.#disposed;
  }

  /** Puts the variables and the optimizer back to their values at capture time. */
  restore(): void {
    if (this.#disposed) throw new Error('Cannot restore a checkpoint that was disposed.');
    this.#state.variables.forEach((v, i) => v.assign(this.#values[i]!));
    this.#optimizer.restore();
  }

  /** Releases the checkpoint's tensors. Safe to call twice. */
  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    for (const t of this.#values) t.dispose();
    this.#optimizer.dispose();
  }
}

/**
 * Saves weights and optimizer state as JSON, bit for bit (unlike `model.save`, whose
 * optimizer weights recompute Adam's bias-correction powers and skip Adamax's state).
 *
 * ```ts
 * const saved = await saveTrainingState({ variables: modelVariables(model), optimizer: model.optimizer });
 * fs.writeFileSync('state.json', JSON.stringify(saved));
 * // later, with the same architecture and optimizer type:
 * loadTrainingState({ variables: modelVariables(model), optimizer: model.optimizer }, JSON.parse(...));
 * ```
 */
export async function saveTrainingState(state: TrainingState): Promise<SerializedCheckpoint> {
  const ckpt = Checkpoint.capture(state);
  try {
    return await ckpt.serialize();
  } finally {
    ckpt.dispose();
  }
}

/** Loads what {@link saveTrainingState} saved into `state`. */
export function loadTrainingState(state: TrainingState, saved: SerializedCheckpoint): void {
  const ckpt = Checkpoint.deserialize(state, saved);
  try {
    ckpt.restore();
  } finally {
    ckpt.dispose();
  }
}
