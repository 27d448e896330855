/** The baseline learning-rate schedules (PyTorch's `torch.optim.lr_scheduler` set) as tfjs callbacks. */
export {
  LRSchedule,
  ClosedFormSchedule,
  SCHEDULE_INTERVALS,
  type ScheduleInterval,
  type IntervalOptions,
  type LRScheduleState,
  type JsonValue,
} from './base.js';
export { StepLR, stepLR, type StepLROptions } from './step-lr.js';
export { MultiStepLR, multiStepLR, type MultiStepLROptions } from './multi-step-lr.js';
export { ExponentialLR, exponentialLR, type ExponentialLROptions } from './exponential-lr.js';
export { CyclicLR, cyclicLR, CYCLIC_MODES, type CyclicLROptions, type CyclicMode } from './cyclic-lr.js';
export { CosineAnnealingLR, cosineAnnealingLR, type CosineAnnealingLROptions } from './cosine-annealing-lr.js';
export {
  CosineAnnealingWarmRestarts,
  cosineAnnealingWarmRestarts,
  type CosineAnnealingWarmRestartsOptions,
} from './cosine-annealing-warm-restarts.js';
export { OneCycleLR, oneCycleLR, ANNEAL_STRATEGIES, type OneCycleLROptions, type AnnealStrategy } from './one-cycle-lr.js';
export { LinearWarmup, linearWarmup, type LinearWarmupOptions } from './linear-warmup.js';
export { Sequential, sequential, type SequentialOptions } from './sequential.js';
export {
  ReduceLROnPlateau,
  reduceLROnPlateau,
  type ReduceLROnPlateauOptions,
  type PlateauMode,
  type ThresholdMode,
} from './reduce-lr-on-plateau.js';
