/**
 * On-device checkpoints of a training state: model variables plus optimizer state.
 *
 * A checkpoint is never a host copy or a file. tfjs tensors are immutable and a
 * variable update replaces the variable's buffer, so a clone shares the device buffer
 * until training moves on: taking a checkpoint costs no copy, and restoring it is an
 * `assign` of the saved tensors, bit-identical to the state at capture time.
 */
import * as tf from '@tensorflow/tfjs';
import { OptimizerSnapshot } from './optimizer-state.js';

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
    const optimizer = OptimizerSnapshot.capture(state.optimizer);
    const values = state.variables.map((v) => tf.clone(v));
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
