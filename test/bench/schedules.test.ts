/**
 * The head-to-head benchmark's whole code path (CLI, training, evaluation, summary,
 * results file, plot, --resume) on a tiny configuration: an MLP on 256 Fashion-MNIST
 * images, 48 steps, 2 seeds, 2 baselines, 2 grid LRs, the two zero-tuning peers, the cpu
 * backend.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { beforeAll, describe, expect, it } from 'vitest';

import type { ResultsFile } from '../../bench/schedules.js';

// The tiny task, shared by both configurations below.
const tiny = [
  'tsx',
  'bench/schedules.ts',
  '--model', 'mlp',
  '--backend', 'cpu',
  '--train-size', '256',
  '--val-size', '128',
  '--test-size', '128',
  '--batch', '16',
  '--budget', '48',
  '--eval-every', '8',
  '--grid', '0.01,0.1',
];

const args = [
  ...tiny,
  '--seeds', '2',
  '--baselines', 'cosine,constant',
  '--k', '2',
  '--later-k', '2',
  '--probe-steps', '3',
  '--stages', '2',
  '--tolerance', '0',
  '--shrink', '0.5',
];

// The reference strategy alone: no baseline, no peer, one seed.
const referenceArgs = [
  ...tiny,
  '--seeds', '1',
  '--baselines', 'none',
  '--peers', 'none',
  '--strategy', 'reference',
  '--k', '2',
  '--tau', '10',
  '--tau-prime', '3',
  '--tau-max', '20',
];

let dir: string;
let out: string;
let first: ResultsFile;
let second: ResultsFile;
let reference: ResultsFile;

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'autolrs-schedules-'));
  out = path.join(dir, 'tiny.json');
  const env = { ...process.env, OUT: '' };
  execFileSync('npx', [...args, '--out', out], { env, stdio: 'pipe' });
  first = JSON.parse(fs.readFileSync(out, 'utf8')) as ResultsFile;
  execFileSync('npx', [...args, '--out', out, '--resume'], { env, stdio: 'pipe' });
  second = JSON.parse(fs.readFileSync(out, 'utf8')) as ResultsFile;
  const referenceOut = path.join(dir, 'reference.json');
  execFileSync('npx', [...referenceArgs, '--out', referenceOut], { env, stdio: 'pipe' });
  reference = JSON.parse(fs.readFileSync(referenceOut, 'utf8')) as ResultsFile;
}, 600_000);

describe('bench/schedules.ts on a tiny configuration', () => {
  it('runs the tuning grid, AutoLRS, the peers and the tuned baselines with every seed', () => {
    // 2 baselines × 2 grid LRs (seed 0), AutoLRS × 2 seeds, 2 peers × 2 seeds, 2 baselines × 1 more seed.
    expect(first.runs).toHaveLength(12);
    expect(first.runs.filter((r) => r.method === 'autolrs').map((r) => r.seed)).toEqual([0, 1]);
    for (const r of first.runs) {
      expect(r.steps).toBe(48);
      expect(r.tensorsLeaked).toBe(0);
      expect(r.curve.at(-1)).toMatchObject({ step: 48, acc: r.finalTestAcc });
      for (let i = 1; i < r.curve.length; i++) expect(r.curve[i]!.step).toBeGreaterThan(r.curve[i - 1]!.step);
      expect(r.finalTestAcc).toBeGreaterThanOrEqual(0);
      expect(r.finalTestAcc).toBeLessThanOrEqual(100);
    }
    const baseline = first.runs.find((r) => r.method === 'cosine')!;
    expect(baseline.curve.map((p) => p.step)).toEqual([8, 16, 24, 32, 40, 48]);
  });

  it('counts every probe step of the cooldown strategy and evaluates only committed weights', () => {
    expect(first.config.autolrs.options).toMatchObject({ tolerance: 0, shrink: 0.5 });
    for (const r of first.runs.filter((x) => x.method === 'autolrs')) {
      const a = r.autolrs!;
      expect(a.strategy).toBe('cooldown');
      // 2 searches × 2 probes × 3 steps; fit trains the rest of the 48.
      expect(a.stats['searchSteps']).toBe(2 * 2 * 3);
      expect(a.stats['gradientSteps']).toBe(48);
      expect(a.stats['searchSteps']! + a.stats['trainSteps']!).toBe(48);
      expect(a.stages).toHaveLength(2);
      expect(a.stages[0]!.startStep).toBe(0);
      for (const s of a.stages) {
        expect(s.probeSteps).toBe(3);
        expect(s.trials).toHaveLength(2);
        // Tolerance 0: the best probe's LR, halved by `--shrink 0.5` (never below the range); its state is kept.
        const best = s.trials.reduce((x, t) => (t.score! < x.score! ? t : x));
        expect(s.chosenLr).toBe(Math.max(first.config.autolrs.minLr, 0.5 * best.lr));
      }
      expect(a.stats['keptProbeSteps']).toBeGreaterThan(0);
      expect(a.stats['discardedSteps']).toBe(a.stats['searchSteps']! - a.stats['keptProbeSteps']!);
      // No evaluation inside a search: its 6 probe steps follow the stage's start step, and
      // the callback ends it (in the kept or restored state) before the evaluator runs.
      const inSearch = (step: number): boolean => a.stages.some((s) => step > s.startStep && step < s.startStep + 6);
      expect(r.curve.some((p) => a.stages.some((s) => s.startStep > 0 && p.step === s.startStep + 6))).toBe(true);
      for (const p of r.curve) expect(inSearch(p.step)).toBe(false);
      expect(r.curve.length).toBeGreaterThan(1);
    }
  });

  it('runs the reference strategy, evaluating it only in its training phases', () => {
    expect(reference.runs.map((r) => [r.method, r.seed])).toEqual([['autolrs', 0]]);
    const r = reference.runs[0]!;
    expect(r.steps).toBe(48);
    expect(r.tensorsLeaked).toBe(0);
    const a = r.autolrs!;
    expect(a.strategy).toBe('reference');
    expect(a.stats['searchSteps']! + a.stats['trainSteps']!).toBe(48);
    expect(a.stats['searchSteps']).toBe(3 * 2 * 3);
    expect(a.stages.map((s) => [s.startStep, s.tau, s.tauPrime, s.trials.length])).toEqual([
      [0, 10, 3, 2],
      [16, 10, 3, 2],
      [32, 10, 3, 2],
      // The budget ends where stage 4's search would begin.
      [48, 10, 3, 0],
    ]);
    for (const s of a.stages.slice(0, 3)) expect(s.chosenLr).toBeGreaterThanOrEqual(0.01);
    // Training windows: steps startStep + 7 .. startStep + 16 of each stage.
    const inTrain = (step: number): boolean => a.stages.some((s) => step > s.startStep + 6 && step <= s.startStep + 16);
    for (const p of r.curve) expect(inTrain(p.step)).toBe(true);
    expect(Object.keys(reference.summary.autolrsOverhead!)).toEqual(
      expect.arrayContaining(['searchSteps', 'checkpointMs', 'restoreMs', 'forecastMs', 'searchMs', 'hostReads', 'trainMs']),
    );
  });

  it('summarizes with the target rule and consistent speedups', () => {
    const s = first.summary;
    expect(s.complete).toBe(true);
    expect(s.methods.map((m) => m.method)).toEqual(['autolrs', 'cosine', 'constant', 'lr-finder-onecycle', 'schedule-free']);
    const baselines = s.methods.filter((m) => m.method === 'cosine' || m.method === 'constant');
    expect(s.target).toBeCloseTo(Math.max(...baselines.map((m) => m.finalTestAcc.mean)) - 0.1, 10);
    const auto = s.methods.find((m) => m.method === 'autolrs')!;
    expect(s.speedups.map((sp) => sp.baseline)).toEqual(['cosine', 'constant', 'lr-finder-onecycle', 'schedule-free']);
    for (const sp of s.speedups) {
      const b = s.methods.find((m) => m.method === sp.baseline)!;
      expect(sp.baselineReached).toBe(b.toTarget !== null);
      if (b.toTarget !== null && auto.toTarget !== null) expect(sp.steps).toBeCloseTo(b.toTarget.step / auto.toTarget.step, 12);
      else expect(sp.steps).toBeNull();
    }
    // The best baseline reaches its own target on its mean curve (its last point is its mean).
    expect(baselines.some((m) => m.toTarget !== null)).toBe(true);
    expect(s.tuningCost).toMatchObject({ runs: 4, steps: 4 * 48 });
    expect(Object.keys(s.autolrsOverhead!)).toEqual(
      expect.arrayContaining(['searchSteps', 'keptProbeSteps', 'discardedSteps', 'scoreMs', 'searchMs', 'hostReads', 'trainMs']),
    );
  });

  it('runs the zero-tuning peers with no grid, counting the range test in the budget', () => {
    for (const seed of [0, 1]) {
      const recipe = first.runs.find((r) => r.id === `lr-finder-onecycle|-|${seed}`)!;
      const info = recipe.peer as { rangeTestSteps: number; peakLr: number; valleyLr: number };
      // min(100, 48 / 5) = 9 range-test steps asked.
      expect(info.rangeTestSteps).toBeGreaterThanOrEqual(2);
      expect(info.rangeTestSteps).toBeLessThanOrEqual(9);
      expect(info.peakLr).toBe(info.valleyLr);
      expect(recipe.steps).toBe(48);
      expect(recipe.curve[0]!.step).toBeGreaterThan(info.rangeTestSteps);
      expect(recipe.curve.map((p) => p.step).filter((st) => st < 48).every((st) => st % 8 === 0)).toBe(true);
      const sf = first.runs.find((r) => r.id === `schedule-free|-|${seed}`)!;
      expect(sf.peer).toMatchObject({ optimizer: 'ScheduleFreeSGD', lr: 1, batchNormBatchesRun: 0 }); // the MLP has no batch norm
      expect(sf.curve.map((p) => p.step)).toEqual([8, 16, 24, 32, 40, 48]);
      for (const r of [recipe, sf]) expect(r.tensorsLeaked).toBe(0);
    }
    const m = first.summary.methods.find((x) => x.method === 'schedule-free')!;
    expect(m.lr).toBeNull();
    expect(m.tuning).toBeUndefined();
    expect(m.seeds).toEqual([0, 1]);
  });

  it('names the machine and backend, and writes the plot', () => {
    expect(first.backend).toBe('cpu');
    expect(first.machine.cores).toBeGreaterThan(0);
    expect(first.machine.loadAverage).toHaveLength(3);
    expect(first.sessions[0]!.loadAverageStart).toHaveLength(3);
    const svg = fs.readFileSync(out.replace(/\.json$/, '.svg'), 'utf8');
    expect(svg).toMatch(/^<svg/);
    for (const label of ['AutoLRS', 'lr-finder-onecycle (no tuning)', 'schedule-free (no tuning)']) expect(svg).toContain(label);
  });

  it('--merge combines parts; a part without AutoLRS runs does not constrain its settings', () => {
    const autolrsPart = { ...first, runs: first.runs.filter((r) => r.method === 'autolrs') };
    const otherPart = {
      ...first,
      config: { ...first.config, autolrs: { ...first.config.autolrs, options: { tolerance: 0.5 } } },
      runs: first.runs.filter((r) => r.method !== 'autolrs'),
    };
    const a = path.join(dir, 'part-a.json');
    const b = path.join(dir, 'part-b.json');
    const merged = path.join(dir, 'merged.json');
    fs.writeFileSync(a, JSON.stringify(otherPart));
    fs.writeFileSync(b, JSON.stringify(autolrsPart));
    const env = { ...process.env, OUT: '' };
    execFileSync('npx', [...args, '--merge', a, b, '--out', merged], { env, stdio: 'pipe' });
    const m = JSON.parse(fs.readFileSync(merged, 'utf8')) as ResultsFile;
    expect(m.runs).toHaveLength(first.runs.length);
    expect(m.config).toEqual(first.config);
    expect(m.summary.methods).toEqual(first.summary.methods);
    // A part with AutoLRS runs made with other settings is refused.
    const stale = path.join(dir, 'part-stale.json');
    fs.writeFileSync(stale, JSON.stringify({ ...autolrsPart, config: otherPart.config }));
    expect(() => execFileSync('npx', [...args, '--merge', a, stale, '--out', merged], { env, stdio: 'pipe' })).toThrow(/other settings/);
  });

  it('--only-seed runs one seed of the protocol, the same run as the whole protocol makes', () => {
    const part = path.join(dir, 'only-seed-1.json');
    const env = { ...process.env, OUT: '' };
    execFileSync('npx', [...args, '--baselines', 'none', '--peers', 'none', '--only-seed', '1', '--out', part], { env, stdio: 'pipe' });
    const p = JSON.parse(fs.readFileSync(part, 'utf8')) as ResultsFile;
    expect(p.runs.map((r) => r.id)).toEqual(['autolrs|-|1']);
    const whole = first.runs.find((r) => r.id === 'autolrs|-|1')!;
    const [run] = p.runs;
    expect(run!.finalTestAcc).toBe(whole.finalTestAcc);
    expect(run!.finalValAcc).toBe(whole.finalValAcc);
    expect(run!.curve.map((c) => [c.step, c.acc])).toEqual(whole.curve.map((c) => [c.step, c.acc]));
    expect(run!.autolrs!.stages.map((s) => s.chosenLr)).toEqual(whole.autolrs!.stages.map((s) => s.chosenLr));
    // Not a seed of the protocol (seeds 0 and 1): refused before any run.
    expect(() => execFileSync('npx', [...args, '--hot-steps', '48', '--out', path.join(dir, 'x.json')], { env, stdio: 'pipe' })).toThrow(
      /Expected `--hot-steps` to be smaller than the budget \(48\), got 48/,
    );
    expect(() => execFileSync('npx', [...args, '--only-seed', '2', '--out', path.join(dir, 'x.json')], { env, stdio: 'pipe' })).toThrow(
      /Expected `--only-seed` to be a seed of the protocol \(0 to 1\), got 2/,
    );
  });

  it('--resume skips the runs already done', () => {
    expect(second.runs).toEqual(first.runs);
    expect(second.sessions).toHaveLength(2);
    expect(second.sessions[1]!.runsAdded).toBe(0);
  });
});
