import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { parseStepLog } from '../../src/report/step-log.js';
import type { TrainSummary } from '../../src/cli/train.js';

const run = promisify(execFile);
const root = resolve(import.meta.dirname, '../..');
const bin = join(root, 'bin', 'autolrs.js');
const dir = mkdtempSync(join(tmpdir(), 'autolrs-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs `autolrs ...argv` as the bin does; resolves with the exit code and output. */
async function autolrs(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [bin, ...argv], { cwd: root, timeout: 110_000, maxBuffer: 1 << 24 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

/**
 * The test accuracy is a count of correct images over `testImages`, and both printed
 * lines report the one in summary.json.
 */
function expectAccuracyOf(summary: TrainSummary, stdout: string, testImages: number): void {
  expect(summary.data.test).toBe(testImages);
  const correct = summary.testAccuracy * testImages;
  expect(Math.abs(correct - Math.round(correct))).toBeLessThan(1e-3);
  const pct = (100 * summary.testAccuracy).toFixed(2);
  expect(stdout).toContain(`Test accuracy: ${pct} % on ${testImages} test images`);
  expect(stdout).toContain(`test accuracy ${pct} %, ${summary.steps} steps`);
}

describe('autolrs command line', () => {
  it('prints the usage with --help', async () => {
    const r = await autolrs(['train', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Usage: autolrs train [options]');
  });

  it('exits with status 2 and a clear message on a bad flag or value', async () => {
    const r = await autolrs(['train', '--shedule', 'cosine']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("autolrs: Unknown option '--shedule'");
    expect(r.stderr).toContain('--help');
    const v = await autolrs(['train', '--batch-size', '0']);
    expect(v.code).toBe(2);
    expect(v.stderr).toContain('Expected `--batch-size` to be an integer >= 1, got "0".');
  });

  it('trains the smoke preset end to end and writes the four files', async () => {
    const out = join(dir, 'runs');
    const r = await autolrs(['train', '--preset', 'smoke', '--out', out]);
    expect(r.stderr).not.toMatch(/autolrs:/);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Backend: (wasm|cpu|webgpu|tensorflow) \(/m);
    expect(r.stdout).toMatch(/^Test accuracy: \d+\.\d\d % on 200 test images/m);
    const runs = readdirSync(out);
    expect(runs).toHaveLength(1);
    const runDir = join(out, runs[0]!);
    const last = r.stdout.trimEnd().split('\n').pop()!;
    expect(last).toMatch(/^Done in .*: test accuracy \d+\.\d\d %, 48 steps on \w+; wrote .*\{steps\.jsonl, summary\.json, schedule\.svg, schedule\.png\}$/);
    expect(last).toContain(runDir);
    for (const f of ['steps.jsonl', 'summary.json', 'schedule.svg', 'schedule.png']) expect(existsSync(join(runDir, f))).toBe(true);

    const summary = JSON.parse(readFileSync(join(runDir, 'summary.json'), 'utf8')) as TrainSummary;
    expect(summary.steps).toBe(48);
    expect(summary.gradientSteps).toBe(48);
    expect(summary.stoppedBy).toBe('steps');
    expect(summary.config.preset).toBe('smoke');
    expectAccuracyOf(summary, r.stdout, 200);
    expect(summary.backend.name).toMatch(/wasm|cpu|webgpu|tensorflow/);
    expect(Array.isArray(summary.backend.skipped)).toBe(true);
    const auto = summary.autolrs!;
    if (auto.strategy !== 'cooldown') throw new Error('expected the cooldown strategy by default');
    // The smoke preset: 2 stages, 2 then 3 probes of 3 steps (2 at the probe's LR, 1 decaying).
    // Stage 2's search is halved (3 probes, 2 continued by default): first-rung probes of
    // max(1, round(1.2)) = 1 step at the LR, then the best 2 continue through steps 1 and 2.
    expect(auto.history.map((h) => h.trials.length)).toEqual([2, 3]);
    expect(auto.history.map((h) => h.halving)).toEqual([undefined, { survivors: 2, rungSteps: 1, rungHoldSteps: 1 }]);
    expect(auto.stats!.searchSteps).toBe(2 * 3 + 3 * 1 + 2 * 2);
    expect(auto.stats!.searchSteps + auto.stats!.trainSteps).toBe(48);

    const { steps, epochs } = parseStepLog(readFileSync(join(runDir, 'steps.jsonl'), 'utf8'));
    expect(steps.map((s) => s.step)).toEqual(Array.from({ length: 48 }, (_, i) => i));
    const probes = steps.filter((s) => s.phase === 'search');
    expect(probes).toHaveLength(13);
    // Each whole probe's steps: its LR twice, then half of it; a first-rung probe: its LR once;
    // a continuation (best first-rung score first): its LR, then half of it.
    const [first, second] = auto.history;
    const continued = second!.trials.filter((t) => t.continued !== undefined).sort((a, b) => a.score - b.score);
    expect(continued.length).toBeGreaterThan(0);
    const expected = [
      ...first!.trials.flatMap((t) => [t.lr, t.lr, t.lr / 2]),
      ...second!.trials.map((t) => t.lr),
      ...continued.flatMap((t) => [t.lr, t.lr / 2]),
    ];
    expect(expected).toHaveLength(13);
    probes.forEach((s, i) => expect(s.lr).toBeCloseTo(expected[i]!, 12));
    // The final cooldown (the default: the last half): from round(0.5 · 48) = 24 to 48, linear to 0.
    const cool = steps.filter((s) => s.phase === 'cooldown');
    expect(cool.map((s) => s.step)).toEqual(Array.from({ length: 24 }, (_, i) => 24 + i));
    const lastLr = auto.history[1]!.chosenLr!;
    cool.forEach((s, i) => expect(s.lr).toBeCloseTo((lastLr * (24 - i)) / 24, 12));
    expect(epochs.length).toBe(summary.epochs);
    expect(summary.finalLr).toBeCloseTo(lastLr / 24, 12);

    expect(readFileSync(join(runDir, 'schedule.svg'), 'utf8')).toMatch(/^<svg/);
    const png = readFileSync(join(runDir, 'schedule.png'));
    expect([...png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    expect(png.readUInt32BE(16)).toBeGreaterThan(1000);
  });

  it('runs every probe whole with --survivors 0', async () => {
    const out = join(dir, 'runs-whole');
    const r = await autolrs(['train', '--preset', 'smoke', '--survivors', '0', '--validation-size', '0', '--out', out]);
    expect(r.stderr).not.toMatch(/autolrs:/);
    expect(r.code).toBe(0);
    const summary = JSON.parse(readFileSync(join(out, readdirSync(out)[0]!, 'summary.json'), 'utf8')) as TrainSummary;
    const auto = summary.autolrs!;
    if (auto.strategy !== 'cooldown') throw new Error('expected the cooldown strategy by default');
    expect(auto.history.map((h) => h.halving)).toEqual([undefined, undefined]);
    // 2 then 3 whole probes of 3 steps.
    expect(auto.stats!.searchSteps).toBe(5 * 3);
    expect(auto.stats!.searchSteps + auto.stats!.trainSteps).toBe(48);
  });

  it('trains the smoke preset with the reference strategy: every step at the LR its schedule gave it', async () => {
    const out = join(dir, 'runs-reference');
    const r = await autolrs(['train', '--preset', 'smoke', '--strategy', 'reference', '--steps', '36', '--validation-size', '0', '--out', out]);
    expect(r.stderr).not.toMatch(/autolrs:/);
    expect(r.code).toBe(0);
    const runDir = join(out, readdirSync(out)[0]!);
    const summary = JSON.parse(readFileSync(join(runDir, 'summary.json'), 'utf8')) as TrainSummary;
    expect(summary.steps).toBe(36);
    expectAccuracyOf(summary, r.stdout, 200);
    const auto = summary.autolrs!;
    if (auto.strategy !== 'reference') throw new Error('expected the reference strategy');
    expect(auto.stats!.searchSteps + auto.stats!.trainSteps).toBe(36);
    const { steps } = parseStepLog(readFileSync(join(runDir, 'steps.jsonl'), 'utf8'));
    expect(steps.map((s) => s.step)).toEqual(Array.from({ length: 36 }, (_, i) => i));
    expect(steps.filter((s) => s.phase === 'search')).toHaveLength(auto.stats!.searchSteps);
    // Every step trained at the LR the schedule gave it. Stage 1: 2 probes x 3 steps,
    // 12 training steps; stage 2: 2 probes x 6 steps, then training to step 35.
    const history = auto.history;
    const expectedLrs = [
      ...history[0]!.trials.flatMap((t) => Array(3).fill(t.lr)),
      ...Array(12).fill(history[0]!.chosenLr),
      ...history[1]!.trials.flatMap((t) => Array(6).fill(t.lr)),
      ...Array(6).fill(history[1]!.chosenLr),
    ];
    expect(steps.map((s) => s.lr)).toEqual(expectedLrs);
    expect(steps.map((s) => `${s.phase}/${s.stage}/${s.phase === 'search' ? s.trial : '-'}`)).toEqual([
      ...['0', '0', '0', '1', '1', '1'].map((t) => `search/1/${t}`),
      ...Array(12).fill('train/1/-'),
      ...['0', '0', '0', '0', '0', '0', '1', '1', '1', '1', '1', '1'].map((t) => `search/2/${t}`),
      ...Array(6).fill('train/2/-'),
    ]);
    expect(summary.finalLr).toBe(history[1]!.chosenLr);

  });

  it('stops at --max-minutes, then evaluates and plots as usual', async () => {
    const out = join(dir, 'timed');
    const r = await autolrs(['train', '--preset', 'smoke', '--max-minutes', '0.0001', '--out', out, '--quiet']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Test accuracy: .* after \d+ gradient steps .*\(stopped by --max-minutes 0\.0001\)$/m);
    const runDir = join(out, readdirSync(out)[0]!);
    const summary = JSON.parse(readFileSync(join(runDir, 'summary.json'), 'utf8')) as TrainSummary;
    expect(summary.stoppedBy).toBe('time');
    // The first search (2 probes of 3 steps) runs before the first training step, which ends the run.
    expect(summary.gradientSteps).toBe(2 * 3 + 1);
    expect(summary.steps).toBe(summary.gradientSteps);
    expect(existsSync(join(runDir, 'schedule.png'))).toBe(true);
  });

  it('runs a baseline schedule with the same log and plot, and the model it trains beats chance on the test images', async () => {
    const out = join(dir, 'runs-step');
    const r = await autolrs(['train', '--preset', 'smoke', '--schedule', 'step', '--steps', '64', '--lr', '0.2', '--out', out]);
    expect(r.code).toBe(0);
    const runDir = join(out, readdirSync(out)[0]!);
    const { steps } = parseStepLog(readFileSync(join(runDir, 'steps.jsonl'), 'utf8'));
    // step: x0.1 every ceil(64 / 3) = 22 steps.
    expect(steps).toHaveLength(64);
    steps.forEach((s, i) => expect(s.lr).toBeCloseTo(0.2 * 0.1 ** Math.floor(i / 22), 12));
    expect(steps.every((s) => s.phase === 'schedule')).toBe(true);
    const summary = JSON.parse(readFileSync(join(runDir, 'summary.json'), 'utf8')) as TrainSummary;
    expect(summary.autolrs).toBeNull();
    // 4 epochs on 256 images reach about 45 % on 10 classes (seed 0); a model that was
    // not trained, or test images scored against the wrong labels, stay near 10 %.
    expectAccuracyOf(summary, r.stdout, 200);
    expect(summary.testAccuracy).toBeGreaterThan(0.3);
    expect(existsSync(join(runDir, 'schedule.png'))).toBe(true);
  });

  it('trains with Schedule-Free AdamW at a constant LR and evaluates its average x after a batch-norm re-estimate', async () => {
    const out = join(dir, 'runs-sf');
    const r = await autolrs(['train', '--preset', 'smoke', '--optimizer', 'schedule-free-adamw', '--steps', '16', '--out', out]);
    expect(r.stderr).not.toMatch(/autolrs:/);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Schedule-Free AdamW (LR 0.0025)');
    expect(r.stdout).toMatch(/^Schedule-Free: evaluating the average x; batch-norm statistics of \d+ layers recomputed on 50 training batches$/m);
    const runDir = join(out, readdirSync(out)[0]!);
    const summary = JSON.parse(readFileSync(join(runDir, 'summary.json'), 'utf8')) as TrainSummary;
    expect(summary.config).toMatchObject({ optimizer: 'schedule-free-adamw', schedule: 'constant', lr: 0.0025 });
    expect(summary.steps).toBe(16);
    expect(summary.scheduleFree!.evaluatedAt).toBe('x');
    // ResNet-8: one batch norm after the stem and two per residual block (3 blocks).
    expect(summary.scheduleFree!.batchNorm).toMatchObject({ layers: 7, batches: 50, batchSize: 16 });
    const { steps } = parseStepLog(readFileSync(join(runDir, 'steps.jsonl'), 'utf8'));
    expect(steps).toHaveLength(16);
    expect(steps.every((s) => s.lr === 0.0025)).toBe(true);
  });

  it('runs the LR-finder + one-cycle recipe, counting the range test in the step budget', async () => {
    const out = join(dir, 'runs-recipe');
    const r = await autolrs(['train', '--preset', 'smoke', '--schedule', 'lr-finder-onecycle', '--steps', '40', '--out', out]);
    expect(r.stderr).not.toMatch(/autolrs:/);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^LR range test: \d+ steps.*; valley .*one-cycle at peak LR .* for \d+ steps$/m);
    const runDir = join(out, readdirSync(out)[0]!);
    const summary = JSON.parse(readFileSync(join(runDir, 'summary.json'), 'utf8')) as TrainSummary;
    const rt = summary.rangeTest!;
    // min(100, 40 / 5) = 8 range-test steps asked; the rest is one-cycle.
    expect(rt.steps).toBeLessThanOrEqual(8);
    expect(rt.lrs).toHaveLength(rt.steps);
    expect(rt.oneCycleSteps).toBe(40 - rt.steps);
    expect(rt.maxLr).toBe(rt.suggestion.valleyLr);
    expect(summary.steps).toBe(40);
    expect(r.stdout).toContain(`after 40 gradient steps (${rt.steps} of them in the LR range test)`);
    const { steps: logged } = parseStepLog(readFileSync(join(runDir, 'steps.jsonl'), 'utf8'));
    // The log holds every step: the range test's first, then the one-cycle schedule's.
    expect(logged.map((s) => s.step)).toEqual(Array.from({ length: 40 }, (_, i) => i));
    expect(logged.slice(0, rt.steps).every((s) => s.phase === 'range-test')).toBe(true);
    logged.slice(0, rt.steps).forEach((s, i) => expect(s.lr).toBe(rt.lrs[i]));
    const steps = logged.slice(rt.steps);
    expect(steps).toHaveLength(rt.oneCycleSteps);
    expect(steps[0]!.lr).toBeCloseTo(rt.maxLr / 25, 12);
    expect(Math.max(...steps.map((s) => s.lr))).toBeLessThanOrEqual(rt.maxLr * (1 + 1e-12));
  });
});
