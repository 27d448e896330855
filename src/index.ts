/**
 * autolrs: automatic learning-rate schedules for TensorFlow.js.
 *
 * - {@link autoLRS} / {@link AutoLRS}: the AutoLRS callback for `model.fit` and `model.fitDataset`.
 * - {@link AutoLRSDriver}: the same schedule in a hand-written training loop.
 * - {@link AutoLRSController}: the schedule as a pure state machine (no tfjs).
 * - Baseline schedules (PyTorch's set) and the LR range test.
 * - {@link scheduleFreeSGD} / {@link scheduleFreeAdamW}: Schedule-Free optimizers, which need no schedule.
 */

// AutoLRS
export {
  AutoLRS,
  autoLRS,
  formatEvent,
  type AutoLRSArgs,
  type AutoLRSCallbackEvent,
  type LrBoundsEvent,
} from './scheduler/callback.js';
// AutoLRS, cooldown strategy (the default of autoLRS())
export {
  AutoLRSCooldown,
  formatCooldownEvent,
  modelTrainStep,
  type AutoLRSCooldownArgs,
  type AutoLRSCooldownState,
  type CooldownBoundsEvent,
  type CooldownCallbackEvent,
} from './scheduler/cooldown/callback.js';
export { CooldownDriver, type CooldownDriverOptions, type CooldownEndState, type CooldownStats } from './scheduler/cooldown/driver.js';
export {
  CooldownController,
  NonFiniteLossError,
  type CooldownControllerState,
  type CooldownEvent,
  type CooldownPhase,
  type CooldownStageRecord,
  type CooldownTrialRecord,
  type SearchPlan,
} from './scheduler/cooldown/controller.js';
export { COOLDOWN_OPTION_KEYS, resolveCooldownOptions, type CooldownOptions, type ResolvedCooldownOptions } from './scheduler/cooldown/options.js';
export { planStages, probeLr, cooldownLr, COOLDOWN_SHAPES, type CooldownShape, type StagePlan, type StagePlanInput } from './scheduler/cooldown/plan.js';
export { judgeProbe, penaltyFor, type ProbeNote, type ProbeVerdict } from './scheduler/cooldown/judge.js';
export { chooseLr, type ScoredProbe } from './scheduler/cooldown/choose.js';
export { ProbeData, type ProbeBatch, type ProbeDataOptions, type Tensors } from './scheduler/cooldown/probe-data.js';
export { judgeTrial, type TrialEvidence, type TrialNote } from './scheduler/reference/trial-judge.js';

// AutoLRS, reference strategy
export {
  AutoLRSDriver,
  type AutoLRSDriverOptions,
  type AutoLRSDriverSnapshot,
  type AutoLRSDriverState,
  type AutoLRSStats,
  type EndState,
} from './scheduler/reference/driver.js';
export {
  AutoLRSController,
  resolveAutoLRSOptions,
  type AutoLRSAction,
  type AutoLRSControllerOptions,
  type AutoLRSControllerState,
  type AutoLRSEvent,
  type AutoLRSPhase,
  type LrSearch,
  type LrSearchFactory,
  type ResolvedAutoLRSOptions,
  type StageRecord,
  type TrialRecord,
} from './scheduler/reference/controller.js';
export {
  fitExponential,
  type ExponentialFit,
  type ExponentialForecast,
  type FitExponentialOptions,
  type ForecastMode,
} from './scheduler/reference/forecast.js';

// Training-state plumbing shared by every schedule
export {
  Checkpoint,
  modelVariables,
  saveTrainingState,
  loadTrainingState,
  type SerializedCheckpoint,
  type TrainingState,
} from './state/checkpoint.js';
export { OptimizerSnapshot, type SerializedOptimizerSnapshot } from './state/optimizer-state.js';
export { encodeTensor, decodeTensor, type SerializedTensor } from './state/serialize.js';
export {
  getLearningRate,
  setLearningRate,
  assertLrSettable,
  LR_SETTABLE_OPTIMIZERS,
  type LrSettableOptimizerName,
} from './state/lr.js';

// Baseline schedules and the LR finder
export * from './schedules/index.js';
export {
  lrRangeTest,
  lrRangeTestSpec,
  suggestLrRange,
  LR_SUGGESTION_RULES,
  type LrSuggestionRule,
  type SuggestLrRangeOptions,
  type LrRangeTestData,
  type LrRangeTestOptions,
  type LrRangeTestResult,
  type LrSuggestion,
} from './schedules/lr-range-test.js';
export {
  lrFinderOneCycle,
  type LrFinderOneCycleOptions,
  type LrFinderOneCycleResult,
} from './schedules/lr-finder-one-cycle.js';

// Schedule-Free optimizers
export {
  ScheduleFreeOptimizer,
  type ScheduleFreeCommonArgs,
  type ScheduleFreeScalars,
  type ScheduleFreeSlot,
} from './optimizers/schedule-free.js';
export { ScheduleFreeSGD, scheduleFreeSGD, type ScheduleFreeSGDArgs } from './optimizers/schedule-free-sgd.js';
export { ScheduleFreeAdamW, scheduleFreeAdamW, type ScheduleFreeAdamWArgs } from './optimizers/schedule-free-adamw.js';
export { reestimateBatchNorm, type ReestimateBatchNormOptions, type ReestimateBatchNormResult } from './optimizers/batch-norm.js';

// Bayesian optimization
export {
  BayesianOptimizer,
  ACQUISITIONS,
  GaussianProcess,
  GPNumericalError,
  fitGaussianProcess,
  lowerConfidenceBound,
  expectedImprovement,
  Rng,
  type AcquisitionName,
  type AcquisitionFunction,
  type BayesianOptimizerOptions,
  type BayesianOptimizerState,
  type ExpectedImprovementOptions,
  type FitOptions,
  type GPHyperparameters,
  type LowerConfidenceBoundOptions,
  type Observation,
  type Posterior,
  type PosteriorModel,
  type RngState,
} from './bo/index.js';

// One TensorFlow.js: the check that models and optimizers come from autolrs's copy
export { DuplicateTfjsError, SameTfjsCallback, loadedTfjsCopies, type TfjsCopy } from './util/engine.js';

// Backends
export {
  selectBackend,
  BackendUnavailableError,
  BACKEND_NAMES,
  type BackendChoice,
  type BackendName,
  type BackendSelection,
  type SelectBackendOptions,
  type SkippedBackend,
} from './backend/select.js';

// Models and data
export {
  resnetCifar,
  resnetImageNet,
  RESNET_CIFAR_DEPTHS,
  RESNET_IMAGENET_DEPTHS,
  type ResNetCifarOptions,
  type ResNetImageNetOptions,
} from './models/resnet.js';
export {
  loadFashionMnist,
  FASHION_MNIST_CLASSES,
  FASHION_MNIST_DEFAULT_DIR,
  type FashionMnist,
  type FashionMnistOptions,
  type DataSplit,
} from './data/fashion-mnist.js';
export { DatasetError, parseIdx, readIdx, encodeIdx, type IdxArray } from './data/idx.js';
export { Augmenter, randomCropFlip, type AugmentOptions } from './data/augment.js';
export { makeDataset, epochBatches, batchesPerEpoch, type BatchOptions, type Batch } from './data/batches.js';

// Training reports: the per-step log and the schedule plot
export * from './report/index.js';
