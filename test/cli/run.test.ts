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
    expect(last).toMatch(/^Done in .*: test accuracy \d+\.\d\d %, 36 steps on \w+; wrote .*\{steps\.jsonl, summary\.json, schedule\.svg, schedule\.png\}$/);
    expect(last).toContain(runDir);
    for (const f of ['steps.jsonl', 'summary.json', 'schedule.svg', 'schedule.png']) expect(existsSync(join(runDir, f))).toBe(true);

    const summary = JSON.parse(readFileSync(join(runDir, 'summary.json'), 'utf8')) as TrainSummary;
    expect(summary.steps).toBe(36);
    expect(summary.stoppedBy).toBe('steps');
    expect(summary.config.preset).toBe('smoke');
    expect(summary.testAccuracy).toBeGreaterThanOrEqual(0);
    expect(summary.testAccuracy).toBeLessThanOrEqual(1);
    expect(summary.backend.name).toMatch(/wasm|cpu|webgpu|tensorflow/);
    expect(Array.isArray(summary.backend.skipped)).toBe(true);
    expect(summary.autolrs!.history.length).toBeGreaterThanOrEqual(1);
    expect(summary.autolrs!.stats!.searchSteps + summary.autolrs!.stats!.trainSteps).toBe(36);

    const { steps, epochs } = parseStepLog(readFileSync(join(runDir, 'steps.jsonl'), 'utf8'));
    expect(steps.map((s) => s.step)).toEqual(Array.from({ length: 36 }, (_, i) => i));
    expect(steps.filter((s) => s.phase === 'search')).toHaveLength(summary.autolrs!.stats!.searchSteps);
    expect(epochs.length).toBe(summary.epochs);

    expect(readFileSync(join(runDir, 'schedule.svg'), 'utf8')).toMatch(/^<svg/);
    const png = readFileSync(join(runDir, 'schedule.png'));
    expect([...png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    expect(png.readUInt32BE(16)).toBeGreaterThan(1000);
  });

  it('stops at --max-minutes, then evaluates and plots as usual', async () => {
    const out = join(dir, 'timed');
    const r = await autolrs(['train', '--preset', 'smoke', '--max-minutes', '0.0001', '--out', out, '--quiet']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Test accuracy: .* after 1 steps .*\(stopped by --max-minutes 0\.0001\)$/m);
    const runDir = join(out, readdirSync(out)[0]!);
    const summary = JSON.parse(readFileSync(join(runDir, 'summary.json'), 'utf8')) as TrainSummary;
    expect(summary.stoppedBy).toBe('time');
    expect(summary.steps).toBe(1);
    expect(summary.autolrs!.endState).toBe('restored-checkpoint');
    expect(existsSync(join(runDir, 'schedule.png'))).toBe(true);
  });

  it('runs a baseline schedule with the same log and plot', async () => {
    const out = join(dir, 'runs-step');
    const r = await autolrs(['train', '--preset', 'smoke', '--schedule', 'step', '--steps', '12', '--lr', '0.1', '--out', out]);
    expect(r.code).toBe(0);
    const runDir = join(out, readdirSync(out)[0]!);
    const { steps } = parseStepLog(readFileSync(join(runDir, 'steps.jsonl'), 'utf8'));
    // step: x0.1 every ceil(12 / 3) = 4 steps.
    expect(steps).toHaveLength(12);
    steps.forEach((s, i) => expect(s.lr).toBeCloseTo(0.1 * 0.1 ** Math.floor(i / 4), 12));
    expect(steps.every((s) => s.phase === 'schedule')).toBe(true);
    const summary = JSON.parse(readFileSync(join(runDir, 'summary.json'), 'utf8')) as TrainSummary;
    expect(summary.autolrs).toBeNull();
    expect(existsSync(join(runDir, 'schedule.png'))).toBe(true);
  });
});
