/**
 * The zero-tuning peers of the head-to-head: methods that, like AutoLRS, need no LR grid.
 *
 * - `lr-finder-onecycle`: fastai's recipe. The LR range test (fastai's valley rule) on the
 *   training data, then one-cycle at its suggestion. The range test's steps count in the
 *   run's budget.
 * - `schedule-free`: Schedule-Free SGD on momentum tasks and Schedule-Free AdamW on Adam
 *   tasks, at the reference's default LR (1.0 and 0.0025) and a constant LR. It is
 *   evaluated at its average x, after a batch-norm re-estimate on 50 training batches.
 */
import * as tf from '@tensorflow/tfjs';

import { reestimateBatchNorm } from '../../src/optimizers/batch-norm.js';
import { ScheduleFreeOptimizer } from '../../src/optimizers/schedule-free.js';
import { scheduleFreeAdamW } from '../../src/optimizers/schedule-free-adamw.js';
import { scheduleFreeSGD } from '../../src/optimizers/schedule-free-sgd.js';
import { lrFinderOneCycle } from '../../src/schedules/lr-finder-one-cycle.js';

/** The zero-tuning peers. */
export const PEERS = ['lr-finder-onecycle', 'schedule-free'] as const;
export type Peer = (typeof PEERS)[number];

export function isPeer(method: string): method is Peer {
  return (PEERS as readonly string[]).includes(method);
}

/** How each peer runs over a budget of T steps. */
export const PEER_DEFINITIONS: Record<Peer, string> = {
  'lr-finder-onecycle':
    "fastai's recipe, no grid: LR range test on the training data (1e-7 to 10, min(100, T/5) steps, valley rule; its steps count in T), then one-cycle at its suggestion for the rest of T (pctStart 0.25, from η/25 to η/1e5)",
  'schedule-free':
    'Schedule-Free SGD (momentum tasks: LR 1.0, β = the task momentum) or AdamW (Adam tasks: LR 0.0025), the reference defaults, constant LR, no grid; evaluated at the average x after a 50-batch batch-norm re-estimate',
};

/** What a task trains with, as far as the peers need to know. */
export interface PeerTask {
  /** The optimizer of the task's other methods. */
  optimizer: 'momentum' | 'adam';
  momentum: number;
  batchSize: number;
}

/** The optimizer of a peer's run: the task's own (at `taskLr`) for the recipe, a Schedule-Free one otherwise. */
export function peerOptimizer(peer: Peer, task: PeerTask, taskLr: number): tf.Optimizer {
  if (peer === 'schedule-free') {
    return task.optimizer === 'adam' ? scheduleFreeAdamW() : scheduleFreeSGD({ momentum: task.momentum });
  }
  return task.optimizer === 'adam' ? tf.train.adam(taskLr) : tf.train.momentum(taskLr, task.momentum);
}

/** What a peer adds to a run. */
export interface PeerRun {
  /** Optimizer steps taken before `fit` (the range test), counted in the budget. */
  stepsBefore: number;
  /** The callback that drives the LR during `fit`, or null (constant LR). */
  schedule: tf.Callback | null;
  /** Puts the model in the state to evaluate (Schedule-Free: x, batch norm re-estimated). */
  beforeEvaluate(): void;
  /** Puts the model back in the state to train. */
  afterEvaluate(): void;
  /** Recorded in the run's results. */
  info: Record<string, unknown>;
}

/** Prepares a peer's run on a compiled model: runs the range test for the recipe. */
export async function preparePeer(
  peer: Peer,
  model: tf.LayersModel,
  train: { xs: tf.Tensor; ys: tf.Tensor },
  budget: number,
  task: PeerTask,
): Promise<PeerRun> {
  const none = (): void => {};
  if (peer === 'lr-finder-onecycle') {
    const recipe = await lrFinderOneCycle(model, { x: train.xs, y: train.ys }, { totalSteps: budget, rangeTest: { batchSize: task.batchSize } });
    const s = recipe.rangeTest.suggestion;
    return {
      stepsBefore: recipe.rangeTestSteps,
      schedule: recipe.schedule,
      beforeEvaluate: none,
      afterEvaluate: none,
      info: {
        rangeTestSteps: recipe.rangeTestSteps,
        stoppedEarly: recipe.rangeTest.stoppedEarly,
        peakLr: recipe.maxLr,
        valleyLr: s.valleyLr,
        minimumLr: s.minimumLr,
        steepestLr: s.steepestLr,
      },
    };
  }
  const optimizer = model.optimizer;
  if (!(optimizer instanceof ScheduleFreeOptimizer)) throw new TypeError(`Expected a Schedule-Free optimizer for the schedule-free peer, got ${optimizer.getClassName()}.`);
  let bnBatches = 0;
  return {
    stepsBefore: 0,
    schedule: null,
    beforeEvaluate: () => {
      optimizer.eval();
      bnBatches += reestimateBatchNorm(model, train.xs, { numBatches: 50, batchSize: task.batchSize }).batches;
    },
    afterEvaluate: () => optimizer.train(),
    get info() {
      return { optimizer: optimizer.getClassName(), lr: optimizer.learningRate, batchNormBatchesRun: bnBatches };
    },
  };
}
