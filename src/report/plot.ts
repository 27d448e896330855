/**
 * The schedule plot: the learning rate (log scale) on top, the training loss below,
 * sharing the global step as x. AutoLRS's LR probes are drawn as short orange segments
 * at the LR each probe tried, the LR chosen for each stage as a blue line, and the loss
 * of every step is coloured by phase (faint, with a trailing mean on top), so the search
 * is visible next to the training it chose. Any other schedule draws as one line (phase `'schedule'`).
 *
 * {@link scheduleSpec} is pure (records in, Vega-Lite spec out); {@link renderSvg} and
 * {@link renderPng} render a spec in Node.
 */
import type { TopLevelSpec } from 'vega-lite';
import type { EpochRecord, StepPhase, StepRecord } from './step-log.js';

/** A stage of AutoLRS, as in its `history` with either strategy (only the fields the plot uses). */
export interface PlotStage {
  stage: number;
  startStep: number;
  chosenLr?: number;
}

/** Options of {@link scheduleSpec}. */
export interface ScheduleSpecOptions {
  /**
   * Title of the figure.
   * @default 'Learning-rate schedule and training loss'
   */
  title?: string;
  /** A second title line (model, data, accuracy...). @default undefined */
  subtitle?: string;
  /** AutoLRS stages, to mark where each stage's search begins. @default [] */
  stages?: readonly PlotStage[];
  /** Epoch records; their `val_loss` is drawn on the loss panel. @default [] */
  epochs?: readonly EpochRecord[];
  /**
   * Width of the panels in pixels.
   * @default 900
   */
  width?: number;
  /**
   * At most this many loss points per run of steps of one phase; longer runs are
   * averaged over equal windows (the plot stays light for long trainings).
   * @default 1500
   */
  maxPoints?: number;
  /**
   * Points of the trailing mean drawn over the raw loss (1: no smoothing line).
   * @default Math.max(1, Math.round(steps / 100))
   */
  smoothing?: number;
}

/** Colours of the phases (shared by both panels and the legend). */
export const PHASE_COLORS: Record<StepPhase, string> = {
  'range-test': '#8c564b',
  warmup: '#2ca02c',
  search: '#ff7f0e',
  train: '#1f77b4',
  cooldown: '#9467bd',
  schedule: '#1f77b4',
};

const PHASE_LABELS: Record<StepPhase, string> = {
  'range-test': 'LR range test',
  warmup: 'warmup',
  search: 'LR probe (search)',
  train: 'train at chosen LR',
  cooldown: 'final cooldown',
  schedule: 'schedule',
};

/** A maximal run of consecutive steps with the same phase (and, in a search, the same trial). */
interface Run {
  id: number;
  phase: StepPhase;
  stage: number | undefined;
  trial: number | undefined;
  records: StepRecord[];
}

function runsOf(steps: readonly StepRecord[]): Run[] {
  const runs: Run[] = [];
  let cur: Run | null = null;
  for (const r of steps) {
    const same =
      cur !== null &&
      cur.phase === r.phase &&
      cur.stage === r.stage &&
      cur.trial === r.trial &&
      r.step === cur.records[cur.records.length - 1]!.step + 1;
    if (!same) {
      cur = { id: runs.length, phase: r.phase, stage: r.stage, trial: r.trial, records: [] };
      runs.push(cur);
    }
    cur!.records.push(r);
  }
  return runs;
}

/** Points where the LR changes within a run, plus the end of its last step (for a step line). */
function lrPoints(run: Run): Array<{ step: number; lr: number; run: number; phase: string }> {
  const out: Array<{ step: number; lr: number; run: number; phase: string }> = [];
  const rs = run.records;
  rs.forEach((r, i) => {
    const prev = rs[i - 1];
    if (r.lr > 0 && (prev === undefined || prev.lr !== r.lr)) out.push({ step: r.step, lr: r.lr, run: run.id, phase: PHASE_LABELS[run.phase] });
  });
  // The run's last step lasts until the next step begins.
  const last = rs[rs.length - 1]!;
  if (last.lr > 0) out.push({ step: last.step + 1, lr: last.lr, run: run.id, phase: PHASE_LABELS[run.phase] });
  return out;
}

interface LossPoint {
  step: number;
  loss: number;
  /** Trailing mean of the loss over the last `smoothing` points of the run. */
  smooth: number;
  run: number;
  phase: string;
}

/**
 * Loss points of a run, averaged over windows when the run is longer than `max`, each
 * with a trailing mean over `smoothing` points (within the run).
 */
function lossPoints(run: Run, max: number, smoothing: number): LossPoint[] {
  const finite = run.records.filter((r) => r.loss !== null);
  const w = Math.max(1, Math.ceil(finite.length / max));
  const out: LossPoint[] = [];
  for (let i = 0; i < finite.length; i += w) {
    const chunk = finite.slice(i, i + w);
    const loss = chunk.reduce((s, r) => s + r.loss!, 0) / chunk.length;
    const step = chunk.reduce((s, r) => s + r.step, 0) / chunk.length;
    out.push({ step, loss, smooth: loss, run: run.id, phase: PHASE_LABELS[run.phase] });
  }
  let sum = 0;
  out.forEach((p, i) => {
    sum += p.loss;
    if (i >= smoothing) sum -= out[i - smoothing]!.loss;
    p.smooth = sum / Math.min(i + 1, smoothing);
  });
  return out;
}

function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.round(q * (sorted.length - 1))));
  return sorted[i]!;
}

/**
 * The Vega-Lite spec of the schedule plot, from a {@link StepLog}'s records (and, for
 * AutoLRS, its history). Pure: the same input gives the same spec.
 */
export function scheduleSpec(steps: readonly StepRecord[], options: ScheduleSpecOptions = {}): TopLevelSpec {
  const width = options.width ?? 900;
  const maxPoints = options.maxPoints ?? 1500;
  const runs = runsOf(steps);
  const probes = runs.filter((r) => r.phase === 'search');
  const lines = runs.filter((r) => r.phase !== 'search');

  // LR panel data: probe segments (one row per probe), line points for the other phases.
  const probeRows = probes.map((r) => ({
    start: r.records[0]!.step,
    end: r.records[r.records.length - 1]!.step + 1,
    lr: r.records[0]!.lr,
    stage: r.stage ?? 0,
    trial: (r.trial ?? 0) + 1,
    phase: PHASE_LABELS.search,
  }));
  const lineRows = lines.flatMap(lrPoints);
  const totalSteps = steps.length > 0 ? steps[steps.length - 1]!.step + 1 - steps[0]!.step : 0;
  const smoothing = options.smoothing ?? Math.max(1, Math.round(totalSteps / 100));
  const lossRows = runs.flatMap((r) => lossPoints(r, maxPoints, smoothing));

  // A loss axis that diverging probes and range tests cannot flatten: it covers the training
  // runs, the first loss of every probe (the loss at the search's checkpoint) and of a range
  // test, and 90 % of all points; the rest is clipped.
  const losses = lossRows.map((r) => r.loss).sort((a, b) => a - b);
  const anchors = [
    quantile(losses, 0.9),
    // A range test ends by diverging on purpose: like the probes, only its first loss anchors the axis.
    ...lossRows.filter((r) => r.phase !== PHASE_LABELS.search && r.phase !== PHASE_LABELS['range-test']).map((r) => r.loss),
    ...runs.filter((r) => r.phase === 'range-test').map((r) => r.records.find((s) => s.loss !== null)?.loss ?? NaN),
    ...probes.map((r) => r.records.find((s) => s.loss !== null)?.loss ?? NaN),
  ].filter(Number.isFinite);
  const hi = anchors.reduce((m, x) => Math.max(m, x), -Infinity) * 1.1;
  const lo = Math.max(0, Math.min(quantile(losses, 0) * 0.9, hi * 0.5));
  const lossScale = Number.isFinite(hi) && hi > lo ? { domain: [lo, hi], zero: false, nice: false } : { zero: false };

  const lrs = [...probeRows.map((r) => r.lr), ...lineRows.map((r) => r.lr)].filter((x) => x > 0);
  const lrMin = lrs.length > 0 ? lrs.reduce((m, x) => Math.min(m, x)) : 1e-4;
  const lrMax = lrs.length > 0 ? lrs.reduce((m, x) => Math.max(m, x)) : 1;
  const lrDomain = [lrMin / 1.5, lrMax * 1.5];

  const lastStep = steps.length > 0 ? steps[steps.length - 1]!.step + 1 : 1;
  const xScale = { domain: [0, lastStep], nice: false };
  const stageRows = (options.stages ?? []).map((s) => ({
    step: s.startStep,
    label: `stage ${s.stage}`,
    chosenLr: s.chosenLr ?? null,
  }));
  const valRows = (options.epochs ?? [])
    .filter((e) => typeof e.metrics['val_loss'] === 'number')
    .map((e) => ({ step: e.step, loss: e.metrics['val_loss']!, phase: 'validation loss (epoch end)' }));

  const phasesPresent = new Set<string>([...runs.map((r) => PHASE_LABELS[r.phase])]);
  if (valRows.length > 0) phasesPresent.add('validation loss (epoch end)');
  const allPhases: Array<[string, string]> = [
    ...(Object.keys(PHASE_LABELS) as StepPhase[]).map((p): [string, string] => [PHASE_LABELS[p], PHASE_COLORS[p]]),
    ['validation loss (epoch end)', '#222222'],
  ];
  const present = allPhases.filter(([label]) => phasesPresent.has(label));
  const color = {
    field: 'phase',
    type: 'nominal' as const,
    title: 'phase',
    scale: { domain: present.map(([l]) => l), range: present.map(([, c]) => c) },
    legend: { orient: 'top' as const, direction: 'horizontal' as const, labelFontSize: 12, titleFontSize: 12, labelLimit: 400, columnPadding: 24 },
  };
  const stepAxis = { title: 'global step (LR probes included)', labelFontSize: 12, titleFontSize: 13, grid: true };

  const stageRules = stageRows.length === 0
    ? []
    : [
        {
          data: { values: stageRows },
          mark: { type: 'rule' as const, color: '#999999', strokeDash: [3, 3], strokeWidth: 1 },
          encoding: { x: { field: 'step', type: 'quantitative' as const, scale: xScale } },
        },
      ];

  const lrY = {
    field: 'lr',
    type: 'quantitative',
    title: 'learning rate (log scale)',
    scale: { type: 'log', domain: lrDomain },
    axis: { format: '~g', labelFontSize: 12, titleFontSize: 13 },
  };
  const lossY = { field: 'loss', type: 'quantitative', title: 'training loss', scale: lossScale };

  const lrLayers: unknown[] = [...stageRules];
  if (lineRows.length > 0) {
    lrLayers.push({
      data: { values: lineRows },
      mark: { type: 'line', interpolate: 'step-after', strokeWidth: 2.5 },
      encoding: {
        x: { field: 'step', type: 'quantitative', scale: xScale, axis: { ...stepAxis, title: null } },
        y: lrY,
        detail: { field: 'run', type: 'nominal' },
        color,
      },
    });
  }
  if (probeRows.length > 0) {
    lrLayers.push({
      data: { values: probeRows },
      mark: { type: 'rule', strokeWidth: 4, strokeCap: 'butt' },
      encoding: {
        x: { field: 'start', type: 'quantitative', scale: xScale },
        x2: { field: 'end' },
        y: lrY,
        color,
        tooltip: [
          { field: 'stage', type: 'quantitative' },
          { field: 'trial', type: 'quantitative' },
          { field: 'lr', type: 'quantitative', format: '.3g' },
        ],
      },
    });
    lrLayers.push({
      data: { values: probeRows },
      mark: { type: 'point', filled: true, size: 30 },
      encoding: {
        x: { field: 'start', type: 'quantitative', scale: xScale },
        y: lrY,
        color,
      },
    });
  }

  const lossLayers: unknown[] = [
    ...stageRules,
    {
      data: { values: lossRows },
      mark: { type: 'line', strokeWidth: 1, opacity: smoothing > 1 ? 0.35 : 1, clip: true },
      encoding: {
        x: { field: 'step', type: 'quantitative', scale: xScale, axis: stepAxis },
        y: lossY,
        detail: { field: 'run', type: 'nominal' },
        color,
      },
    },
  ];
  if (smoothing > 1) {
    lossLayers.push({
      data: { values: lossRows },
      mark: { type: 'line', strokeWidth: 2.2, clip: true },
      encoding: {
        x: { field: 'step', type: 'quantitative', scale: xScale },
        y: { ...lossY, field: 'smooth' },
        detail: { field: 'run', type: 'nominal' },
        color,
      },
    });
  }
  if (valRows.length > 0) {
    lossLayers.push({
      data: { values: valRows },
      mark: { type: 'point', filled: true, size: 50, shape: 'diamond' },
      encoding: {
        x: { field: 'step', type: 'quantitative', scale: xScale },
        y: lossY,
        color,
      },
    });
  }

  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: {
      text: options.title ?? 'Learning-rate schedule and training loss',
      ...(options.subtitle === undefined ? {} : { subtitle: options.subtitle }),
      fontSize: 16,
      subtitleFontSize: 12,
    },
    background: 'white',
    padding: 12,
    config: {
      font: 'DejaVu Sans, Arial, sans-serif',
      axis: { labelFontSize: 12, titleFontSize: 13 },
      view: { stroke: '#cccccc' },
    },
    resolve: { scale: { x: 'shared', color: 'shared' } },
    vconcat: [
      {
        width,
        height: 240,
        layer: lrLayers,
      },
      {
        width,
        height: 300,
        layer: lossLayers,
      },
    ],
  } as TopLevelSpec;
}

/** Renders a Vega-Lite spec to SVG text. */
export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const [vega, vl] = await Promise.all([import('vega'), import('vega-lite')]);
  const view = new vega.View(vega.parse(vl.compile(spec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** Renders SVG text to a PNG image (system fonts). */
export async function renderPng(svg: string, options: { scale?: number } = {}): Promise<Uint8Array> {
  // A computed specifier keeps bundlers from inlining the native module (a bundle carried
  // without node_modules then fails here, and callers keep the SVG).
  const resvgName = ['@resvg', 'resvg-js'].join('/');
  const { Resvg } = (await import(resvgName)) as typeof import('@resvg/resvg-js');
  const scale = options.scale ?? 1.5;
  const resvg = new Resvg(svg, {
    font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans' },
    fitTo: { mode: 'zoom', value: scale },
    background: 'white',
  });
  return resvg.render().asPng();
}
