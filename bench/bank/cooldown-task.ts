/**
 * The training task of the cooldown strategy's curve bank, set up once for both of its
 * builders (`build-cooldown.ts`, `build-cooldown-rung.ts`): the data, the CNN and its momentum
 * optimizer, the probe data and scoring set, a counted training step, and the trajectory of
 * checkpoints at a constant LR. A builder that sets it up from the bank's `produced` settings
 * retrains the bank's trajectory.
 */
import * as tf from '@tensorflow/tfjs';

import { modelTrainStep } from '../../src/scheduler/cooldown/callback.js';
import { ProbeData, type ProbeBatch } from '../../src/scheduler/cooldown/probe-data.js';
import { modelVariables } from '../../src/state/checkpoint.js';
import { setLearningRate } from '../../src/state/lr.js';
import type { FashionMnist } from '../../src/data/fashion-mnist.js';
import { disposeOptimizer } from '../lib/head-to-head.js';
import { buildModel, loadData, meanLoss } from '../lib/setup.js';
import { batchStream } from './cli.js';

/** Batch size of the scoring evaluation (the callback's default `scoreBatchSize`). */
export const SCORE_BATCH_SIZE = 256;

/** What fixes the task. */
export interface CooldownTaskSettings {
  trainSize: number;
  validationSize: number;
  /** Validation images the probes are scored on (the first ones). */
  scoreSize: number;
  batchSize: number;
  /** The trajectory's constant LR (also the optimizer's initial LR). */
  trajectoryLr: number;
  seeds: { model: number; trajectory: number; probeData: number };
}

/** The task, ready to train. */
export interface CooldownTask {
  data: FashionMnist;
  model: tf.LayersModel;
  optimizer: tf.MomentumOptimizer;
  /** The model's variables and optimizer, for checkpoints. */
  state: { variables: tf.Variable[]; optimizer: tf.Optimizer };
  probeData: ProbeData;
  /** The loss of `model.evaluate` on the scoring set, as the callback scores a probe. */
  score(): Promise<number>;
  /** One optimizer step at `lr` on `batch`, counted in `gradientSteps`; returns the batch's loss. */
  step(batch: ProbeBatch, lr: number): tf.Scalar;
  /** Gradient steps taken so far. */
  readonly gradientSteps: number;
  /** Trains the trajectory at its LR until it has taken `target` steps. */
  trainTo(target: number): void;
  dispose(): void;
}

/** Sets the task up. */
export async function cooldownTask(s: CooldownTaskSettings): Promise<CooldownTask> {
  const data = await loadData('fashion-mnist', { trainSize: s.trainSize, validationSize: s.validationSize, testSize: 1 });
  const val = data.validation!;
  const model = buildModel('cnn', s.seeds.model);
  const optimizer = tf.train.momentum(s.trajectoryLr, 0.9);
  model.compile({ optimizer, loss: 'categoricalCrossentropy' });
  const trainStep = modelTrainStep(model);
  const probeData = new ProbeData({ x: data.train.xs, y: data.train.ys, batchSize: s.batchSize, scoreData: { x: val.xs, y: val.ys }, scoreSize: s.scoreSize, seed: s.seeds.probeData });
  const trajectory = batchStream(data.train.xs, data.train.ys, s.batchSize, s.seeds.trajectory);
  let gradientSteps = 0;
  let trained = 0;
  const step = (batch: ProbeBatch, lr: number): tf.Scalar => {
    setLearningRate(optimizer, lr);
    gradientSteps++;
    return trainStep(batch);
  };
  return {
    data,
    model,
    optimizer,
    state: { variables: modelVariables(model), optimizer },
    probeData,
    score: () => meanLoss(model, probeData.scoreSet.x as tf.Tensor, probeData.scoreSet.y as tf.Tensor, SCORE_BATCH_SIZE),
    step,
    get gradientSteps() {
      return gradientSteps;
    },
    trainTo(target: number): void {
      while (trained < target) {
        const b = trajectory.next().value as ProbeBatch;
        step(b, s.trajectoryLr).dispose();
        tf.dispose([b.xs, b.ys]);
        trained++;
      }
    },
    dispose(): void {
      probeData.dispose();
      model.dispose();
      disposeOptimizer(optimizer);
      data.dispose();
    },
  };
}

/** Reads a list of scalar losses in one host read and disposes them. */
export async function readLosses(losses: tf.Scalar[]): Promise<Float32Array> {
  if (losses.length === 0) return new Float32Array(0);
  const all = tf.tidy(() => tf.stack(losses));
  tf.dispose(losses);
  const values = (await all.data()) as Float32Array;
  all.dispose();
  return Float32Array.from(values);
}
