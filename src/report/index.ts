/** Training reports: the per-step log and the schedule plot. */
export {
  StepLog,
  stepLog,
  parseStepLog,
  type StepLogOptions,
  type StepRecord,
  type EpochRecord,
  type StepPhase,
  type PhaseSource,
} from './step-log.js';
export {
  scheduleSpec,
  renderSvg,
  renderPng,
  PHASE_COLORS,
  type ScheduleSpecOptions,
  type PlotStage,
} from './plot.js';
