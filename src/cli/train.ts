/**
 * `autolrs train`: selects a backend, loads Fashion-MNIST, builds a CIFAR-style ResNet,
 * trains it with AutoLRS, a baseline schedule, fastai's LR-finder + one-cycle recipe or a
 * Schedule-Free optimizer (with a progress bar and a per-step log), evaluates it on the
 * test set, and writes runs/<time>/: steps.jsonl, summary.json, schedule.svg and
 * schedule.png.
 */
import * as tf from '@tensorflow/tfjs';
import { mkdir, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { selectBackend, type BackendSelection } from '../backend/select.js';
import { batchesPerEpoch, makeDataset } from '../data/batches.js';
import { loadFashionMnist } from '../data/fashion-mnist.js';
import { resnetCifar } from '../models/resnet.js';
import { renderPng, renderSvg, scheduleSpec } from '../report/plot.js';
import { stepLog } from '../report/step-log.js';
import { getLearningRate } from '../state/lr.js';
import { lrFinderOneCycle, type LrFinderOneCycleResult } from '../schedules/lr-finder-one-cycle.js';
import { reestimateBatchNorm } from '../optimizers/batch-norm.js';
import { ScheduleFreeOptimizer } from '../optimizers/schedule-free.js';
import { scheduleFreeAdamW } from '../optimizers/schedule-free-adamw.js';
import { scheduleFreeSGD } from '../optimizers/schedule-free-sgd.js';
import type { LrSuggestion } from '../schedules/lr-range-test.js';
import { autoLRS, formatEvent, type AutoLRS } from '../scheduler/callback.js';
import { AutoLRSCooldown, formatCooldownEvent } from '../scheduler/cooldown/callback.js';
import { probeLr } from '../scheduler/cooldown/plan.js';
import {
  cosineAnnealingLR,
  cosineAnnealingWarmRestarts,
  cyclicLR,
  exponentialLR,
  multiStepLR,
  oneCycleLR,
  reduceLROnPlateau,
  stepLR,
} from '../schedules/index.js';
import type { TrainConfig } from './args.js';
import { formatSeconds } from './duration.js';
import { createProgress } from './progress.js';

/** Where the command writes: lines for the user, and whether stdout is a terminal. */
export interface TrainIO {
  out: (line: string) => void;
  tty: boolean;
}

/** What `summary.json` holds. */
export interface TrainSummary {
  config: TrainConfig;
  backend: {
    name: string;
    reason: string;
    skipped: Array<{ name: string; reason: string }>;
    device: string | null;
    kernelOverrides: string[];
    warnings: string[];
  };
  model: { name: string; depth: number; width: number; parameters: number };
  data: { train: number; validation: number; test: number; batchesPerEpoch: number };
  /** Optimizer steps in all: LR probes and range-test steps included. */
  steps: number;
  /** Every gradient step taken: LR range test, probes, training and cooldown. */
  gradientSteps: number;
  epochs: number;
  /** What ended the training: the step budget (or the data), or `--max-minutes`. */
  stoppedBy: 'steps' | 'time';
  wallTimeSeconds: number;
  trainTimeSeconds: number;
  evaluateTimeSeconds: number;
  testAccuracy: number;
  testLoss: number;
  finalLr: number;
  autolrs:
    | null
    | { strategy: 'reference'; history: AutoLRS['history']; stats: AutoLRS['stats']; endState: string }
    | {
        strategy: 'cooldown';
        lrBounds: AutoLRSCooldown['lrBounds'];
        plan: { totalSteps: number; cooldownStart: number; stageStarts: number[] } | null;
        history: AutoLRSCooldown['history'];
        stats: AutoLRSCooldown['stats'];
      };
  /** `lr-finder-onecycle`: the range test (its steps count in `steps`) and the one-cycle schedule. */
  rangeTest: null | {
    steps: number;
    stoppedEarly: boolean;
    suggestion: LrSuggestion;
    lrs: number[];
    losses: number[];
    smoothedLosses: number[];
    oneCycleSteps: number;
    maxLr: number;
  };
  /** Schedule-Free optimizers: evaluated in eval mode (average x) after a batch-norm re-estimate. */
  scheduleFree: null | {
    evaluatedAt: 'x';
    batchNorm: { layers: number; batches: number; batchSize: number; seconds: number };
  };
  /** `png` is null where the native PNG renderer cannot load (a bundle without node_modules). */
  files: { dir: string; steps: string; summary: string; svg: string; png: string | null };
}

/** Name of the run folder: the local time, e.g. 2026-11-22T17-55-03 (a suffix when taken). */
export function runDirName(date: Date, exists: (name: string) => boolean = () => false): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  const base = `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}-${pad(date.getMinutes())}-${pad(date.getSeconds())}`;
  let name = base;
  for (let i = 2; exists(name); i++) name = `${base}-${i}`;
  return name;
}

/** The schedule callback for a baseline (null for a constant LR), for `total` steps. */
function baselineSchedule(config: TrainConfig, total: number): tf.Callback | null {
  const lr = config.lr;
  switch (config.schedule) {
    case 'constant':
    case 'autolrs':
    case 'lr-finder-onecycle': // built after its range test
      return null;
    case 'step':
      return stepLR({ lr, stepSize: Math.max(1, Math.ceil(total / 3)), gamma: 0.1 });
    case 'multistep':
      return multiStepLR({ lr, milestones: [...new Set([Math.max(1, Math.round(total / 2)), Math.max(2, Math.round((3 * total) / 4))])], gamma: 0.1 });
    case 'exponential':
      return exponentialLR({ lr, gamma: 0.01 ** (1 / total) });
    case 'cyclic':
      return cyclicLR({ baseLr: lr / 10, maxLr: lr, stepSizeUp: Math.max(1, Math.round(total / 4)) });
    case 'cosine':
      return cosineAnnealingLR({ lr, tMax: total });
    case 'warm-restarts':
      return cosineAnnealingWarmRestarts({ lr, t0: Math.max(1, Math.round(total / 7)), tMult: 2 });
    case 'onecycle':
      return oneCycleLR({ maxLr: lr, totalSteps: Math.max(total, 4) });
    case 'plateau':
      return reduceLROnPlateau({ lr, monitor: 'val_loss', factor: 0.5, patience: 1 });
  }
}

/** One sentence on what each baseline does with `--lr`, for the log. */
function describeSchedule(config: TrainConfig, total: number): string {
  const lr = config.lr;
  switch (config.schedule) {
    case 'autolrs': {
      const range = config.minLr === undefined ? 'LR range from an LR range test' : `LR in [${config.minLr}, ${config.maxLr}]`;
      if (config.strategy === 'reference') {
        const k = config.k ?? 10;
        return `AutoLRS (reference strategy): ${range}, tau=${config.tau}, tau'=${config.tauPrime}, k=${k} (each stage: ${k}x${config.tauPrime} probe steps + ${config.tau} steps, tau doubling)`;
      }
      return `AutoLRS (cooldown strategy): ${range}; ${total} gradient steps in all, probes included, ending in a linear cooldown`;
    }
    case 'constant':
      return `constant LR ${lr}`;
    case 'step':
      return `step: LR ${lr}, x0.1 every ${Math.ceil(total / 3)} steps`;
    case 'multistep':
      return `multistep: LR ${lr}, x0.1 at 50 % and 75 % of ${total} steps`;
    case 'exponential':
      return `exponential: LR ${lr} falling 100x over ${total} steps`;
    case 'cyclic':
      return `cyclic (triangular): LR between ${lr / 10} and ${lr}, two cycles`;
    case 'cosine':
      return `cosine annealing from ${lr} to 0 over ${total} steps`;
    case 'warm-restarts':
      return `cosine with warm restarts: LR ${lr}, first period ${Math.round(total / 7)} steps, doubling`;
    case 'onecycle':
      return `one-cycle: peak LR ${lr} over ${total} steps`;
    case 'plateau':
      return `reduce on plateau: LR ${lr}, x0.5 after an epoch without val_loss improvement`;
    case 'lr-finder-onecycle':
      return `LR range test (1e-7 to 10, up to ${Math.min(100, Math.floor(total / 5))} steps, fastai's valley rule), then one-cycle at its suggestion for the rest of the ${total} steps`;
  }
}

/** The optimizer of `--optimizer`, at LR `config.lr`. */
function makeOptimizer(config: TrainConfig): tf.Optimizer {
  switch (config.optimizer) {
    case 'adam':
      return tf.train.adam(config.lr);
    case 'momentum':
      return tf.train.momentum(config.lr, config.momentum);
    case 'sgd':
      return tf.train.sgd(config.lr);
    case 'schedule-free-sgd':
      return scheduleFreeSGD({ learningRate: config.lr, momentum: config.momentum });
    case 'schedule-free-adamw':
      return scheduleFreeAdamW({ learningRate: config.lr });
  }
}

function describeOptimizer(config: TrainConfig): string {
  switch (config.optimizer) {
    case 'adam':
      return 'Adam';
    case 'momentum':
      return `SGD with momentum ${config.momentum}`;
    case 'sgd':
      return 'SGD';
    case 'schedule-free-sgd':
      return `Schedule-Free SGD (LR ${config.lr}, momentum ${config.momentum})`;
    case 'schedule-free-adamw':
      return `Schedule-Free AdamW (LR ${config.lr})`;
  }
}

/** Runs `autolrs train` with a parsed configuration; returns the summary it wrote. */
export async function train(config: TrainConfig, io: TrainIO): Promise<TrainSummary> {
  const t0 = performance.now();
  const say = io.out;

  // Backend.
  // The selection is printed below from what it returns, warnings included.
  const selection: BackendSelection = await selectBackend({ backend: config.backend, log: () => {} });
  say(`Backend: ${selection.name} (${selection.reason})${selection.device ? ` on ${selection.device}` : ''}`);
  for (const s of selection.skipped) say(`  skipped ${s.name}: ${s.reason}`);
  for (const w of selection.warnings) say(`  warning: ${w}`);

  // Data.
  const data = await loadFashionMnist({
    ...(config.dataDir === undefined ? {} : { dir: config.dataDir }),
    validationSize: config.validationSize,
    trainSize: config.trainSize,
    testSize: config.testSize,
    seed: config.seed,
  });
  const validation = data.validation;
  const bpe = batchesPerEpoch(data.train.size, config.batchSize);
  const total = config.steps ?? (config.epochs ?? 1) * bpe;
  const epochs = Math.ceil(total / bpe);
  say(
    `Data: Fashion-MNIST, ${data.train.size} training / ${validation?.size ?? 0} validation / ${data.test.size} test images; ` +
      `batch ${config.batchSize}, ${bpe} steps per epoch, ${total} steps (${epochs} epoch${epochs === 1 ? '' : 's'})`,
  );

  // Model.
  const depth = Number(config.model.slice('resnet'.length));
  const model = resnetCifar({
    depth,
    baseWidth: config.width,
    inputShape: [28, 28, 1],
    numClasses: 10,
    weightDecay: config.weightDecay,
    seed: config.seed,
  });
  const optimizer = makeOptimizer(config);
  model.compile({ optimizer, loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
  const parameters = model.countParams();
  say(`Model: ResNet-${depth}, width ${config.width}, ${parameters.toLocaleString('en-US')} parameters; ${describeOptimizer(config)}, weight decay ${config.weightDecay}`);
  say(`Schedule: ${describeSchedule(config, total)}`);

  // Output folder.
  await mkdir(config.out, { recursive: true });
  const dir = join(config.out, runDirName(new Date(), (name) => existsSync(join(config.out, name))));
  await mkdir(dir, { recursive: true });
  const files = {
    dir,
    steps: join(dir, 'steps.jsonl'),
    summary: join(dir, 'summary.json'),
    svg: join(dir, 'schedule.svg'),
    png: join(dir, 'schedule.png'),
  };

  // fastai's recipe: the range test first (the model and optimizer are put back), its
  // steps counted in the budget.
  let recipe: LrFinderOneCycleResult | null = null;
  if (config.schedule === 'lr-finder-onecycle') {
    recipe = await lrFinderOneCycle(model, { x: data.train.xs, y: data.train.ys }, { totalSteps: total, rangeTest: { batchSize: config.batchSize } });
    const sg = recipe.rangeTest.suggestion;
    say(
      `LR range test: ${recipe.rangeTestSteps} steps${recipe.rangeTest.stoppedEarly ? ' (stopped at divergence)' : ''}; ` +
        `valley ${sg.valleyLr.toPrecision(3)}, minimum/10 ${sg.minimumLr.toPrecision(3)}, steep ${sg.steepestLr.toPrecision(3)}; ` +
        `one-cycle at peak LR ${recipe.maxLr.toPrecision(3)} for ${recipe.oneCycleSteps} steps`,
    );
  }
  const rangeSteps = recipe?.rangeTestSteps ?? 0;
  const fitTotal = total - rangeSteps;

  // Callbacks: the schedule, then the log (it reads the LR the schedule set), then the
  // progress and the step budget.
  const progress = createProgress({ total, tty: io.tty, quiet: config.quiet, write: say });
  const printEvent = (line: string): void => {
    if (io.tty && !config.quiet) process.stdout.write('\r\x1b[2K');
    say(line);
  };
  const validationData = validation === null ? undefined : ([validation.xs, validation.ys] as [tf.Tensor, tf.Tensor]);
  const tuner =
    config.schedule === 'autolrs' && config.strategy === 'reference'
      ? autoLRS({
          strategy: 'reference',
          ...(config.minLr === undefined
            ? { lrBounds: 'auto' as const, lrRangeTest: { data: { x: data.train.xs, y: data.train.ys }, batchSize: config.batchSize } }
            : { minLr: config.minLr, maxLr: config.maxLr! }),
          tau: config.tau,
          tauPrime: config.tauPrime,
          ...(config.k === undefined ? {} : { k: config.k }),
          tauMax: config.tauMax,
          seed: config.seed,
          ...(validationData === undefined ? {} : { validationData }),
          onEvent: (e) => {
            if (config.verbose || e.type === 'trainBegin') printEvent(formatEvent(e));
          },
        })
      : null;
  let log: ReturnType<typeof stepLog> | null = null;
  const cooldown =
    config.schedule === 'autolrs' && config.strategy === 'cooldown'
      ? new AutoLRSCooldown({
          data: { x: data.train.xs, y: data.train.ys },
          ...(validationData === undefined ? {} : { validationData }),
          ...(config.minLr === undefined ? {} : { minLr: config.minLr, maxLr: config.maxLr! }),
          totalSteps: total,
          batchSize: config.batchSize,
          ...(config.k === undefined ? {} : { k: config.k }),
          ...(config.probeSteps === undefined ? {} : { probeSteps: config.probeSteps }),
          ...(config.survivors === undefined ? {} : { survivors: config.survivors }),
          ...(config.stages === undefined ? {} : { stages: config.stages }),
          ...(config.cooldownFraction === undefined ? {} : { cooldownFraction: config.cooldownFraction }),
          ...(config.cooldownShape === undefined ? {} : { cooldownShape: config.cooldownShape }),
          seed: config.seed,
          onEvent: (e) => {
            if (e.type === 'trialEnd') {
              // The probes run inside the callback: their steps go to the log from the event.
              log!.recordSteps(
                (e.losses ?? []).map((loss, i) => ({ lr: probeLr(e.lr, e.firstStep + i, e.probeSteps, e.holdSteps), loss, phase: 'search' as const, stage: e.stage, trial: e.trial })),
              );
            }
            if (e.type === 'lrBounds') {
              // The range test's steps count in the budget: they go to the log too.
              log!.recordSteps(e.lrs.map((lr, i) => ({ lr, loss: e.losses[i]!, phase: 'range-test' as const })));
            }
            if (config.verbose || e.type === 'trainBegin' || e.type === 'lrBounds' || e.type === 'cooldownBegin') printEvent(formatCooldownEvent(e));
          },
        })
      : null;
  const schedule = tuner ?? cooldown ?? recipe?.schedule ?? baselineSchedule(config, total);
  log = stepLog({ path: files.steps, flushEvery: config.flushEvery, ...(tuner ? { autolrs: tuner } : cooldown ? { autolrs: cooldown } : {}) });
  const stepsLog = log;
  // The recipe's range test ran before fit: its steps open the log.
  if (recipe) stepsLog.recordSteps(recipe.rangeTest.lrs.map((lr, i) => ({ lr, loss: recipe.rangeTest.losses[i]!, phase: 'range-test' as const })));
  const auto = tuner ?? cooldown;
  const phaseName = config.schedule === 'autolrs' ? null : config.schedule;
  const deadline = config.maxMinutes === undefined ? Infinity : performance.now() + config.maxMinutes * 60_000;
  // Set from the callback below (an object, so the compiler does not narrow it to 'steps').
  const stop: { by: 'steps' | 'time' } = { by: 'steps' };
  const budget = new (class extends tf.Callback {
    override async onBatchEnd(): Promise<void> {
      const last = stepsLog.last;
      progress.update({
        step: stepsLog.step,
        total,
        stage: auto?.stage ?? 0,
        phase: phaseName ?? auto?.phase ?? '-',
        lr: getLearningRate(optimizer),
        loss: last?.loss ?? null,
      });
      if (stepsLog.step >= total) model.stopTraining = true;
      else if (performance.now() > deadline) {
        stop.by = 'time';
        model.stopTraining = true;
      }
    }
  })();

  const dataset = makeDataset(data.train.xs, data.train.ys, { batchSize: config.batchSize, seed: config.seed, augment: config.augment });
  const tTrain = performance.now();
  try {
    await model.fitDataset(dataset, {
      epochs: Math.ceil(fitTotal / bpe),
      verbose: 0,
      callbacks: [...(schedule ? [schedule] : []), stepsLog, budget],
      ...(validation === null || config.schedule !== 'plateau' ? {} : { validationData: [validation.xs, validation.ys] }),
    });
  } finally {
    progress.stop();
    stepsLog.dispose();
  }
  const trainTime = (performance.now() - tTrain) / 1000;

  // A Schedule-Free optimizer is evaluated at its average x, with the batch-norm
  // statistics recomputed there (the reference's 50 training batches).
  let scheduleFree: TrainSummary['scheduleFree'] = null;
  if (optimizer instanceof ScheduleFreeOptimizer) {
    const tBn = performance.now();
    optimizer.eval();
    const bn = reestimateBatchNorm(model, data.train.xs, { numBatches: 50, batchSize: config.batchSize });
    scheduleFree = { evaluatedAt: 'x', batchNorm: { ...bn, batchSize: config.batchSize, seconds: (performance.now() - tBn) / 1000 } };
    say(`Schedule-Free: evaluating the average x; batch-norm statistics of ${bn.layers} layers recomputed on ${bn.batches} training batches`);
  }

  // Test accuracy on the test split.
  const tEval = performance.now();
  const [testLoss, testAccuracy] = await (async () => {
    const out = model.evaluate(data.test.xs, data.test.ys, { batchSize: 500 }) as tf.Scalar[];
    try {
      const v = await tf.stack(out).data();
      return [v[0]!, v[1]!];
    } finally {
      tf.dispose(out);
    }
  })();
  const evaluateTime = (performance.now() - tEval) / 1000;
  const stepsTaken = stepsLog.step;
  const searchSteps = auto?.stats?.searchSteps ?? 0;
  const rangeTestSteps = cooldown?.stats?.rangeTestSteps ?? rangeSteps;
  const gradientSteps = cooldown?.stats?.gradientSteps ?? stepsTaken;
  say(
    `Test accuracy: ${(100 * testAccuracy).toFixed(2)} % on ${data.test.size} test images (loss ${testLoss.toFixed(4)}), after ${gradientSteps} gradient steps` +
      (auto ? ` (${searchSteps} of them in LR probes${rangeTestSteps > 0 ? `, ${rangeTestSteps} in the LR range test` : ''})` : '') +
      (recipe ? ` (${rangeSteps} of them in the LR range test)` : '') +
      ` in ${formatSeconds(trainTime, { tenths: true })}` +
      (stop.by === 'time' ? ` (stopped by --max-minutes ${config.maxMinutes})` : ''),
  );

  // Plot.
  const history = auto?.history ?? [];
  const chosen = history.filter((h) => h.chosenLr !== undefined).map((h) => h.chosenLr!.toPrecision(2));
  const sfName = optimizer instanceof ScheduleFreeOptimizer ? `${config.optimizer === 'schedule-free-sgd' ? 'Schedule-Free SGD' : 'Schedule-Free AdamW'}, ` : '';
  const title =
    config.schedule === 'autolrs'
      ? `AutoLRS on ResNet-${depth} (width ${config.width}), Fashion-MNIST`
      : `${sfName}${config.schedule} schedule on ResNet-${depth} (width ${config.width}), Fashion-MNIST`;
  const subtitle =
    `test accuracy ${(100 * testAccuracy).toFixed(2)} % | ${stepsTaken} steps` +
    (auto ? ` (${searchSteps} in LR probes) | LR chosen per stage: ${chosen.join(', ') || '-'}` : '') +
    (recipe ? ` (${rangeSteps} in the LR range test) | peak LR ${recipe.maxLr.toPrecision(3)}` : '') +
    ` | ${selection.name} backend, ${formatSeconds(trainTime, { tenths: true })}`;
  const spec = scheduleSpec(stepsLog.records, { title, subtitle, stages: history, epochs: stepsLog.epochs });
  const svg = await renderSvg(spec);
  await writeFile(files.svg, svg);
  // The PNG needs the native @resvg/resvg-js; where it cannot load (a bundle carried
  // without node_modules to another machine), the SVG is the plot.
  let png: string | null = files.png;
  try {
    await writeFile(files.png, await renderPng(svg));
  } catch (err) {
    png = null;
    say(`PNG skipped (${err instanceof Error ? (err.message.split('\n')[0] ?? err.message) : String(err)}); the plot is ${files.svg}`);
  }

  const summary: TrainSummary = {
    config,
    backend: {
      name: selection.name,
      reason: selection.reason,
      skipped: selection.skipped,
      device: selection.device ?? null,
      kernelOverrides: selection.kernelOverrides,
      warnings: selection.warnings,
    },
    model: { name: `resnet${depth}`, depth, width: config.width, parameters },
    data: { train: data.train.size, validation: validation?.size ?? 0, test: data.test.size, batchesPerEpoch: bpe },
    steps: stepsTaken,
    gradientSteps,
    stoppedBy: stop.by,
    epochs: stepsLog.epochs.length,
    wallTimeSeconds: (performance.now() - t0) / 1000,
    trainTimeSeconds: trainTime,
    evaluateTimeSeconds: evaluateTime,
    testAccuracy,
    testLoss,
    finalLr: getLearningRate(optimizer),
    autolrs: tuner
      ? { strategy: 'reference', history: tuner.history, stats: tuner.stats, endState: tuner.endState }
      : cooldown
        ? { strategy: 'cooldown', lrBounds: cooldown.lrBounds, plan: cooldown.plan, history: cooldown.history, stats: cooldown.stats }
        : null,
    rangeTest:
      recipe === null
        ? null
        : {
            steps: rangeSteps,
            stoppedEarly: recipe.rangeTest.stoppedEarly,
            suggestion: recipe.rangeTest.suggestion,
            lrs: recipe.rangeTest.lrs,
            losses: recipe.rangeTest.losses,
            smoothedLosses: recipe.rangeTest.smoothedLosses,
            oneCycleSteps: recipe.oneCycleSteps,
            maxLr: recipe.maxLr,
          },
    scheduleFree,
    files: { ...files, png },
  };
  await writeFile(files.summary, JSON.stringify(summary, null, 2) + '\n');
  model.dispose();
  data.dispose();
  optimizer.dispose();
  say(
    `Done in ${formatSeconds(summary.wallTimeSeconds, { tenths: true })}: test accuracy ${(100 * testAccuracy).toFixed(2)} %, ${stepsTaken} steps on ${selection.name}; ` +
      `wrote ${dir}/{steps.jsonl, summary.json, schedule.svg${png === null ? '' : ', schedule.png'}}`,
  );
  return summary;
}
