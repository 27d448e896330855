/**
 * Command-line arguments of `autolrs train`: parsing (node:util parseArgs), presets and
 * validation, kept free of tfjs so they can be tested alone.
 */
import { parseArgs } from 'node:util';
import { BACKEND_NAMES, type BackendChoice } from '../backend/select.js';
import { COOLDOWN_SHAPES, type CooldownShape } from '../scheduler/cooldown/plan.js';

/** An error in the command line: printed with the usage hint, exit status 2. */
export class CliError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CliError';
  }
}

/** The schedules `--schedule` accepts. */
export const SCHEDULES = [
  'autolrs',
  'constant',
  'step',
  'multistep',
  'exponential',
  'cyclic',
  'cosine',
  'warm-restarts',
  'onecycle',
  'plateau',
  'lr-finder-onecycle',
] as const;
export type ScheduleName = (typeof SCHEDULES)[number];

/** The presets `--preset` accepts (`smoke` is a seconds-long run for tests). */
export const PRESETS = ['quick', 'full', 'smoke'] as const;
export type PresetName = (typeof PRESETS)[number];

/** The models `--model` accepts: CIFAR-style ResNets of depth 6n+2. */
export const MODELS = ['resnet8', 'resnet14', 'resnet20', 'resnet32', 'resnet44', 'resnet56', 'resnet110'] as const;
export type ModelName = (typeof MODELS)[number];

/** The AutoLRS strategies `--strategy` accepts. */
export const STRATEGIES = ['cooldown', 'reference'] as const;
export type StrategyName = (typeof STRATEGIES)[number];

/** The optimizers `--optimizer` accepts. */
export const OPTIMIZERS = ['momentum', 'sgd', 'adam', 'schedule-free-sgd', 'schedule-free-adamw'] as const;
export type OptimizerName = (typeof OPTIMIZERS)[number];

/**
 * The LR of the Schedule-Free optimizers when `--lr` is not given: the reference's
 * defaults (facebookresearch/schedule_free).
 */
export const SCHEDULE_FREE_DEFAULT_LR: Partial<Record<OptimizerName, number>> = {
  'schedule-free-sgd': 1.0,
  'schedule-free-adamw': 0.0025,
};

export const DATASETS = ['fashion-mnist'] as const;
export type DatasetName = (typeof DATASETS)[number];

/** Everything a training run needs; the presets fill what the flags leave out. */
export interface TrainConfig {
  preset: PresetName;
  model: ModelName;
  /** Width of the first ResNet stage (16 in the paper). */
  width: number;
  data: DatasetName;
  /** Folder of the dataset files; undefined: the loader's default. */
  dataDir: string | undefined;
  backend: BackendChoice;
  schedule: ScheduleName;
  /** Total optimizer steps, LR probes included (the run stops there). */
  steps: number | undefined;
  /** Epochs; used when `steps` is undefined. */
  epochs: number | undefined;
  /**
   * Wall-clock limit of the training, in minutes: training stops at the first step that
   * ends past it (a search under way is then restored), and the run is evaluated and
   * plotted as usual. Undefined: no limit.
   */
  maxMinutes: number | undefined;
  batchSize: number;
  /** LR of the baseline schedules (their base or peak LR), and of the Schedule-Free optimizers. */
  lr: number;
  /**
   * SGD with momentum (the reference's choice for ResNets), plain SGD, Adam, or a
   * Schedule-Free optimizer (constant LR by default, evaluated at its average x after a
   * batch-norm re-estimate).
   */
  optimizer: OptimizerName;
  /** Momentum of the `momentum` optimizer, and β of Schedule-Free SGD. */
  momentum: number;
  weightDecay: number;
  /** AutoLRS strategy: `cooldown` (the default) or `reference` (the paper's algorithm). */
  strategy: StrategyName;
  /** Smallest LR AutoLRS may try; undefined (with `maxLr`): an LR range test chooses the range. */
  minLr: number | undefined;
  /** Largest LR AutoLRS may try; undefined (with `minLr`): an LR range test chooses the range. */
  maxLr: number | undefined;
  /** Reference strategy: τ of the first stage. */
  tau: number;
  /** Reference strategy: τ' of the first stage. */
  tauPrime: number;
  /** LRs probed per stage (the cooldown strategy: in its first stage); undefined: the strategy's default. */
  k: number | undefined;
  /** Reference strategy: τ stops doubling there. */
  tauMax: number;
  /** Cooldown strategy: steps of each probe; undefined: its default (2 % of the budget). */
  probeSteps: number | undefined;
  /** Cooldown strategy: probes continued after the first rung (0: no halving); undefined: its default (2). */
  survivors: number | undefined;
  /** Cooldown strategy: number of stages; undefined: its default (1). */
  stages: number | undefined;
  /** Cooldown strategy: fraction of the budget in the final cooldown; undefined: its default (0.5). */
  cooldownFraction: number | undefined;
  /** Cooldown strategy: how the final cooldown decays the LR; undefined: its default. */
  cooldownShape: CooldownShape | undefined;
  seed: number;
  /** Training examples used (a seeded subset); undefined: all of the training split. */
  trainSize: number | undefined;
  /** Held-out validation examples (for `plateau` and AutoLRS's validation mode); 0: none. */
  validationSize: number;
  /** Test examples evaluated at the end; undefined: all 10,000. */
  testSize: number | undefined;
  augment: boolean;
  /** Steps between two reads of the losses from the device. */
  flushEvery: number;
  out: string;
  /** Print AutoLRS's events (one line each). */
  verbose: boolean;
  /** Show no progress bar or progress lines. */
  quiet: boolean;
}

type PresetValues = Omit<TrainConfig, 'preset' | 'data' | 'dataDir' | 'backend' | 'schedule' | 'strategy' | 'maxMinutes' | 'out' | 'verbose' | 'quiet'>;

/** What the presets share: options left to their defaults, momentum 0.9, τmax 8000, seed 0. */
const PRESET_COMMON = {
  epochs: undefined,
  momentum: 0.9,
  minLr: undefined,
  maxLr: undefined,
  k: undefined,
  tauMax: 8000,
  probeSteps: undefined,
  survivors: undefined,
  stages: undefined,
  cooldownFraction: undefined,
  cooldownShape: undefined,
  seed: 0,
  trainSize: undefined,
  testSize: undefined,
} as const satisfies Partial<PresetValues>;

/**
 * The presets.
 * - `quick`: sized for a 2-core CPU (wasm backend): a narrow ResNet-8 (width 8) trained with
 *   Adam, batch 32, on 55,000 training images (5,000 held out for validation: AutoLRS scores
 *   its probes there); 2,548 gradient steps in all (LR range test and probes included);
 *   AutoLRS's cooldown strategy with its defaults and an LR range found by the range test;
 *   baselines at Adam's customary LR 3e-3; evaluated on the 10,000 test images.
 * - `full`: ResNet-20 (width 16) on 55,000 training images with SGD momentum 0.9, weight decay
 *   5e-4 and augmentation, 14,000 steps; baselines at LR 0.1. Meant for a GPU.
 * - `smoke`: a few dozen steps of a tiny network, to check the pipeline end to end.
 *
 * The reference strategy (`--strategy reference`) uses τ, τ' and τmax from the preset.
 */
export const PRESET_VALUES: Record<PresetName, PresetValues> = {
  quick: {
    ...PRESET_COMMON,
    model: 'resnet8',
    width: 8,
    steps: 2548,
    batchSize: 32,
    lr: 3e-3,
    optimizer: 'adam',
    weightDecay: 0,
    tau: 280,
    tauPrime: 28,
    validationSize: 5000,
    augment: false,
    flushEvery: 25,
  },
  full: {
    ...PRESET_COMMON,
    model: 'resnet20',
    width: 16,
    steps: 14000,
    batchSize: 128,
    lr: 0.1,
    optimizer: 'momentum',
    weightDecay: 5e-4,
    tau: 1000,
    tauPrime: 100,
    validationSize: 5000,
    augment: true,
    flushEvery: 50,
  },
  smoke: {
    ...PRESET_COMMON,
    model: 'resnet8',
    width: 4,
    steps: 48,
    batchSize: 16,
    lr: 0.05,
    optimizer: 'momentum',
    weightDecay: 0,
    minLr: 1e-2,
    maxLr: 0.3,
    tau: 12,
    tauPrime: 3,
    k: 2,
    probeSteps: 3,
    stages: 2,
    trainSize: 256,
    validationSize: 64,
    testSize: 200,
    augment: false,
    flushEvery: 5,
  },
};

export const USAGE = `Usage: autolrs train [options]

Trains a ResNet on Fashion-MNIST with AutoLRS (or a baseline LR schedule, fastai's LR
finder + one-cycle, or a Schedule-Free optimizer) and writes
runs/<time>/{steps.jsonl, summary.json, schedule.svg, schedule.png}.

Options:
  --preset <name>        quick (default; ResNet-8 on Fashion-MNIST, ~7 min on a 2-core CPU),
                         full (ResNet-20, whole training set, reference tau; for a GPU)
  --schedule <name>      autolrs (default), constant, step, multistep, exponential, cyclic,
                         cosine, warm-restarts, onecycle, plateau, lr-finder-onecycle
                         (LR range test with fastai's valley rule, then one-cycle at its
                         suggestion; the test's steps count in --steps)
  --strategy <name>      AutoLRS strategy: cooldown (default: probes on common batches judged
                         after a mini-cooldown, a final cooldown) or reference (the paper's)
  --model <name>         resnet8, resnet14, resnet20, resnet32, resnet44, resnet56, resnet110
  --width <n>            channels of the first ResNet stage (16 in the paper)
  --data <name>          fashion-mnist (default)
  --data-dir <dir>       folder of the Fashion-MNIST IDX files
  --backend <name>       auto (default), tensorflow, webgpu, wasm, cpu
  --steps <n>            optimizer steps in all, LR probes included
  --epochs <n>           epochs instead of --steps
  --max-minutes <x>      stop training after this many minutes (then evaluate and plot)
  --batch-size <n>       examples per step
  --lr <x>               LR of the baseline schedules (base or peak LR) and of the
                         Schedule-Free optimizers (default: theirs, 1.0 for SGD, 0.0025 for AdamW)
  --optimizer <name>     momentum, sgd, adam (the quick preset's), schedule-free-sgd,
                         schedule-free-adamw (constant LR unless --schedule is given;
                         evaluated at the average x after re-estimating batch norm)
  --momentum <x>         momentum of the momentum optimizer, beta of schedule-free-sgd
  --weight-decay <x>     L2 weight decay of the kernels
  --min-lr <x>           smallest LR AutoLRS may try (give both bounds or neither: without
                         them an LR range test chooses the range; its steps count)
  --max-lr <x>           largest LR AutoLRS may try
  --k <n>                AutoLRS: LRs tried per stage (cooldown: in the first stage; default
                         5; reference: 10)
  --probe-steps <n>      cooldown strategy: steps of each probe (default 2 % of the steps)
  --survivors <n>        cooldown strategy: probes continued to the whole probe after a first
                         rung of short probes (default 2; 0: every probe runs whole)
  --stages <n>           cooldown strategy: number of stages (default 1)
  --cooldown-fraction <x>  cooldown strategy: share of the steps in the final cooldown (0.5)
  --cooldown-shape <s>   cooldown strategy: linear or cosine decay in the final cooldown (linear)
  --tau <n>              reference strategy: steps of the first stage at the chosen LR
  --tau-prime <n>        reference strategy: steps of each LR probe (default tau/10)
  --tau-max <n>          reference strategy: tau stops doubling there
  --seed <n>             seed of the data subsets, shuffles, weights and search
  --train-size <n>       training examples used (seeded subset)
  --validation-size <n>  held-out validation examples (plateau watches val_loss)
  --test-size <n>        test examples evaluated at the end (default: all 10,000)
  --augment, --no-augment  random crop and flip of the training images
  --flush-every <n>      steps between two reads of the losses from the device
  --out <dir>            where runs/<time>/ is created (default: runs)
  --verbose              print every AutoLRS event
  --quiet                no progress bar or progress lines
  -h, --help             this text

Flags override the preset's values. Examples:
  npx autolrs train
  npx autolrs train --schedule cosine --lr 0.1
  npx autolrs train --optimizer schedule-free-adamw
  npx autolrs train --schedule lr-finder-onecycle
  npx autolrs train --preset full --backend webgpu
`;

const OPTIONS = {
  preset: { type: 'string' },
  schedule: { type: 'string' },
  strategy: { type: 'string' },
  model: { type: 'string' },
  width: { type: 'string' },
  data: { type: 'string' },
  'data-dir': { type: 'string' },
  backend: { type: 'string' },
  steps: { type: 'string' },
  epochs: { type: 'string' },
  'max-minutes': { type: 'string' },
  'batch-size': { type: 'string' },
  lr: { type: 'string' },
  optimizer: { type: 'string' },
  momentum: { type: 'string' },
  'weight-decay': { type: 'string' },
  'min-lr': { type: 'string' },
  'max-lr': { type: 'string' },
  tau: { type: 'string' },
  'tau-prime': { type: 'string' },
  k: { type: 'string' },
  'tau-max': { type: 'string' },
  'probe-steps': { type: 'string' },
  survivors: { type: 'string' },
  stages: { type: 'string' },
  'cooldown-fraction': { type: 'string' },
  'cooldown-shape': { type: 'string' },
  seed: { type: 'string' },
  'train-size': { type: 'string' },
  'validation-size': { type: 'string' },
  'test-size': { type: 'string' },
  augment: { type: 'boolean' },
  'no-augment': { type: 'boolean' },
  'flush-every': { type: 'string' },
  out: { type: 'string' },
  verbose: { type: 'boolean' },
  quiet: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

function choice<T extends string>(flag: string, value: string, allowed: readonly T[]): T {
  if (!(allowed as readonly string[]).includes(value)) {
    throw new CliError(`Expected \`--${flag}\` to be one of ${allowed.join(', ')}, got ${JSON.stringify(value)}.`);
  }
  return value as T;
}

function integer(flag: string, value: string, min: number): number {
  const n = /^[+-]?\d+$/.test(value.trim()) ? Number(value) : NaN;
  if (!Number.isSafeInteger(n) || n < min) throw new CliError(`Expected \`--${flag}\` to be an integer >= ${min}, got ${JSON.stringify(value)}.`);
  return n;
}

function number(flag: string, value: string, check: (x: number) => boolean, what: string): number {
  const x = value.trim() === '' ? NaN : Number(value);
  if (!Number.isFinite(x) || !check(x)) throw new CliError(`Expected \`--${flag}\` to be ${what}, got ${JSON.stringify(value)}.`);
  return x;
}

const positive = (x: number) => x > 0;
const nonNegative = (x: number) => x >= 0;

/** The parsed command line: a command and its configuration, or a request for help. */
export type ParsedCommand = { command: 'help' } | { command: 'train'; config: TrainConfig };

/**
 * Parses `autolrs <command> [options]` (argv without node and the script). Throws a
 * {@link CliError} for an unknown command or flag, a missing value or a bad value.
 */
export function parseCommandLine(argv: readonly string[]): ParsedCommand {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') return { command: 'help' };
  if (command !== 'train') throw new CliError(`Unknown command ${JSON.stringify(command)}; expected \`train\`.`);
  return parseTrainArgs(rest);
}

/** Parses the options of `autolrs train`; see {@link USAGE}. */
export function parseTrainArgs(argv: readonly string[]): ParsedCommand {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({ args: [...argv], options: OPTIONS, strict: true, allowPositionals: false }));
  } catch (err) {
    throw new CliError((err as Error).message.replace(/\s*\n\s*/g, ' ').trim());
  }
  if (values['help'] === true) return { command: 'help' };
  const s = (k: string) => values[k] as string | undefined;

  const preset = choice('preset', s('preset') ?? 'quick', PRESETS);
  const p = PRESET_VALUES[preset];
  const opt = <T>(k: string, parse: (v: string) => T, fallback: T): T => {
    const v = s(k);
    return v === undefined ? fallback : parse(v);
  };

  if (values['augment'] === true && values['no-augment'] === true) {
    throw new CliError('Expected at most one of `--augment` and `--no-augment`, got both.');
  }
  if (s('steps') !== undefined && s('epochs') !== undefined) {
    throw new CliError('Expected at most one of `--steps` and `--epochs`, got both.');
  }
  const steps = opt('steps', (v) => integer('steps', v, 1), s('epochs') === undefined ? p.steps : undefined);
  const epochs = opt('epochs', (v) => integer('epochs', v, 1), s('steps') === undefined ? p.epochs : undefined);
  const optimizer = opt('optimizer', (v) => choice('optimizer', v, OPTIMIZERS), p.optimizer);
  const scheduleFreeLr = SCHEDULE_FREE_DEFAULT_LR[optimizer];

  const config: TrainConfig = {
    preset,
    model: opt('model', (v) => choice('model', v, MODELS), p.model),
    width: opt('width', (v) => integer('width', v, 1), p.width),
    data: opt('data', (v) => choice('data', v, DATASETS), 'fashion-mnist' as DatasetName),
    dataDir: s('data-dir'),
    backend: opt('backend', (v) => choice('backend', v, BACKEND_NAMES), 'auto' as BackendChoice),
    // A Schedule-Free optimizer needs no schedule: constant LR unless one is asked for.
    schedule: opt('schedule', (v) => choice('schedule', v, SCHEDULES), (scheduleFreeLr === undefined ? 'autolrs' : 'constant') as ScheduleName),
    strategy: opt('strategy', (v) => choice('strategy', v, STRATEGIES), 'cooldown' as StrategyName),
    steps,
    epochs,
    maxMinutes: opt('max-minutes', (v) => number('max-minutes', v, positive, 'a number > 0'), undefined as number | undefined),
    batchSize: opt('batch-size', (v) => integer('batch-size', v, 1), p.batchSize),
    lr: opt('lr', (v) => number('lr', v, positive, 'a number > 0'), scheduleFreeLr ?? p.lr),
    optimizer,
    momentum: opt('momentum', (v) => number('momentum', v, (x) => x >= 0 && x < 1, 'a number in [0, 1)'), p.momentum),
    weightDecay: opt('weight-decay', (v) => number('weight-decay', v, nonNegative, 'a number >= 0'), p.weightDecay),
    minLr: opt('min-lr', (v) => number('min-lr', v, positive, 'a number > 0'), p.minLr),
    maxLr: opt('max-lr', (v) => number('max-lr', v, positive, 'a number > 0'), p.maxLr),
    tau: opt('tau', (v) => integer('tau', v, 2), p.tau),
    tauPrime: p.tauPrime,
    k: opt('k', (v) => integer('k', v, 1), p.k),
    tauMax: opt('tau-max', (v) => integer('tau-max', v, 1), p.tauMax),
    probeSteps: opt('probe-steps', (v) => integer('probe-steps', v, 2), p.probeSteps),
    survivors: opt('survivors', (v) => integer('survivors', v, 0), p.survivors),
    stages: opt('stages', (v) => integer('stages', v, 1), p.stages),
    cooldownFraction: opt('cooldown-fraction', (v) => number('cooldown-fraction', v, (x) => x >= 0 && x < 1, 'a number in [0, 1)'), p.cooldownFraction),
    cooldownShape: opt('cooldown-shape', (v) => choice('cooldown-shape', v, COOLDOWN_SHAPES), p.cooldownShape),
    seed: opt('seed', (v) => integer('seed', v, 0), p.seed),
    trainSize: opt('train-size', (v) => integer('train-size', v, 1), p.trainSize),
    validationSize: opt('validation-size', (v) => integer('validation-size', v, 0), p.validationSize),
    testSize: opt('test-size', (v) => integer('test-size', v, 1), p.testSize),
    augment: values['augment'] === true ? true : values['no-augment'] === true ? false : p.augment,
    flushEvery: opt('flush-every', (v) => integer('flush-every', v, 1), p.flushEvery),
    out: s('out') ?? 'runs',
    verbose: values['verbose'] === true,
    quiet: values['quiet'] === true,
  };
  // τ' follows τ (τ/10) unless given, or unless τ keeps the preset's value.
  const tauPrimeFlag = s('tau-prime');
  config.tauPrime =
    tauPrimeFlag !== undefined
      ? integer('tau-prime', tauPrimeFlag, 3)
      : s('tau') !== undefined
        ? Math.max(3, Math.round(config.tau / 10))
        : p.tauPrime;

  if ((config.minLr === undefined) !== (config.maxLr === undefined)) {
    throw new CliError(`Expected both \`--min-lr\` and \`--max-lr\`, or neither (an LR range test then chooses them), got only ${config.minLr === undefined ? '`--max-lr`' : '`--min-lr`'}.`);
  }
  if (config.minLr !== undefined && config.minLr >= config.maxLr!) {
    throw new CliError(`Expected \`--min-lr\` to be smaller than \`--max-lr\` (${config.maxLr}), got ${config.minLr}.`);
  }
  if (config.tauPrime >= config.tau) {
    throw new CliError(`Expected \`--tau-prime\` to be smaller than \`--tau\` (${config.tau}), got ${config.tauPrime}.`);
  }
  if (config.schedule === 'lr-finder-onecycle' && config.steps !== undefined && config.steps < 10) {
    throw new CliError(`Expected \`--steps\` to be at least 10 with \`--schedule lr-finder-onecycle\` (range test and one-cycle), got ${config.steps}.`);
  }
  if (config.schedule === 'plateau' && config.validationSize === 0) config.validationSize = 5000;
  if (config.trainSize !== undefined && config.trainSize + config.validationSize > 60000) {
    throw new CliError(
      `Expected \`--train-size\` + \`--validation-size\` to be at most 60000, got ${config.trainSize} + ${config.validationSize}.`,
    );
  }
  return { command: 'train', config };
}
