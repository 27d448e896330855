/**
 * Batch-normalization statistics for the weights being evaluated.
 *
 * A model trained with a Schedule-Free optimizer is evaluated at the average x, but its
 * batch-norm moving statistics were accumulated during training at y. The reference
 * (facebookresearch/schedule_free, README) recomputes them by running about 50 training
 * batches through the model in training mode, with no optimizer step, after `eval()`.
 */
import * as tf from '@tensorflow/tfjs';
import { describe, integerAtLeast, knownKeys, optionsObject } from '../util/validate.js';

export interface ReestimateBatchNormOptions {
  /**
   * Forward passes (batches) to run; an integer >= 1. Batches are taken in order from the
   * start of `x` and wrap around it.
   * @default 50
   */
  numBatches?: number;
  /**
   * Examples per batch; an integer >= 1 (at most the number of examples is used).
   * @default 32
   */
  batchSize?: number;
}

/** What {@link reestimateBatchNorm} did. */
export interface ReestimateBatchNormResult {
  /** Batch-normalization layers whose statistics were recomputed. */
  layers: number;
  /** Forward passes run (0 when the model has no batch normalization). */
  batches: number;
}

interface BatchNormLayer {
  momentum: number;
}

/** Every BatchNormalization layer of `model`, nested models included. */
function batchNormLayers(layer: tf.layers.Layer, out: BatchNormLayer[] = []): BatchNormLayer[] {
  if (layer.getClassName() === 'BatchNormalization') out.push(layer as unknown as BatchNormLayer);
  const inner = (layer as unknown as { layers?: tf.layers.Layer[] }).layers;
  if (Array.isArray(inner)) for (const l of inner) batchNormLayers(l, out);
  return out;
}

/**
 * Recomputes the moving mean and variance of every batch-normalization layer of `model`
 * at its current weights: runs `numBatches` batches of `x` (one tensor per input of a
 * multi-input model, the same rows of each) through the model in training
 * mode (no gradient, no optimizer step) and sets each layer's statistics to the average
 * of the batches' statistics.
 *
 * The average is exact (the layer's momentum is set to `i / (i + 1)` for batch `i`, then
 * put back), so the result does not depend on the layer's momentum: with tfjs's default
 * momentum 0.99, 50 batches of the reference's plain training-mode passes would still
 * keep 0.99^50 = 60 % of the old statistics. The trainable weights are not touched.
 *
 * ```ts
 * optimizer.eval(); // x into the model
 * reestimateBatchNorm(model, xTrain, { batchSize: 128 });
 * model.evaluate(xTest, yTest);
 * optimizer.train(); // back to y before training on
 * ```
 */
export function reestimateBatchNorm(model: tf.LayersModel, x: tf.Tensor | tf.Tensor[], options: ReestimateBatchNormOptions = {}): ReestimateBatchNormResult {
  if (!(model instanceof tf.LayersModel)) throw new TypeError(`Expected \`model\` to be a tf.LayersModel, got ${describe(model)}.`);
  const inputs = Array.isArray(x) ? x : [x];
  if (inputs.length === 0 || !inputs.every((t) => t instanceof tf.Tensor)) {
    throw new TypeError(`Expected \`x\` to be a tf.Tensor or a non-empty array of them (one per input of a multi-input model), got ${describe(x)}.`);
  }
  const n = inputs[0]!.shape[0];
  if (n === undefined || n < 1) throw new RangeError(`Expected \`x\` to have at least one example, got shape [${inputs[0]!.shape.join(', ')}].`);
  const counts = inputs.map((t) => t.shape[0]);
  if (counts.some((c) => c !== n)) throw new RangeError(`Expected every input of \`x\` to have the same number of examples, got ${counts.join(', ')}.`);
  const o = optionsObject<ReestimateBatchNormOptions>('options', options);
  knownKeys('options', o, ['numBatches', 'batchSize']);
  const numBatches = integerAtLeast('numBatches', o.numBatches ?? 50, 1);
  const batchSize = Math.min(integerAtLeast('batchSize', o.batchSize ?? 32, 1), n);

  const layers = batchNormLayers(model);
  if (layers.length === 0) return { layers: 0, batches: 0 };
  const momenta = layers.map((l) => l.momentum);
  try {
    for (let i = 0; i < numBatches; i++) {
      for (const l of layers) l.momentum = i / (i + 1);
      const start = (i * batchSize) % n;
      tf.tidy(() => {
        const rows = (t: tf.Tensor): tf.Tensor => (start + batchSize <= n ? t.slice(start, batchSize) : tf.concat([t.slice(start, n - start), t.slice(0, batchSize - (n - start))], 0));
        model.apply(Array.isArray(x) ? inputs.map(rows) : rows(x), { training: true });
      });
    }
  } finally {
    layers.forEach((l, i) => (l.momentum = momenta[i]!));
  }
  return { layers: layers.length, batches: numBatches };
}
