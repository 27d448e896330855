import { describe, expect, it } from 'vitest';
import { renderPng, renderSvg, scheduleSpec } from '../../src/report/plot.js';
import type { EpochRecord, StepRecord } from '../../src/report/step-log.js';

/** A synthetic AutoLRS run: stage 1 = 3 probes of 4 steps + 20 train steps, stage 2 = 3 probes of 8 + 40. */
function autolrsRun(): { steps: StepRecord[]; stages: Array<{ stage: number; startStep: number; tau: number; tauPrime: number; trials: Array<{ lr: number; forecast: number }>; chosenLr: number }> } {
  const steps: StepRecord[] = [];
  const stages = [
    { stage: 1, startStep: 0, tau: 20, tauPrime: 4, trials: [{ lr: 0.01, forecast: 1 }, { lr: 0.3, forecast: 0.8 }, { lr: 0.002, forecast: 1.2 }], chosenLr: 0.3 },
    { stage: 2, startStep: 32, tau: 40, tauPrime: 8, trials: [{ lr: 0.05, forecast: 0.6 }, { lr: 0.2, forecast: 0.7 }, { lr: 0.004, forecast: 0.9 }], chosenLr: 0.05 },
  ];
  let step = 0;
  for (const s of stages) {
    s.trials.forEach((t, trial) => {
      for (let i = 0; i < s.tauPrime; i++) {
        steps.push({ type: 'step', step, epoch: 0, lr: t.lr, loss: 2 - step * 0.01 + (trial === 1 && i === 3 ? 50 : 0), time: step, phase: 'search', stage: s.stage, trial });
        step++;
      }
    });
    for (let i = 0; i < s.tau; i++) {
      steps.push({ type: 'step', step, epoch: 0, lr: s.chosenLr, loss: 2 - step * 0.01, time: step, phase: 'train', stage: s.stage });
      step++;
    }
  }
  return { steps, stages };
}

type Layer = { data?: { values?: Array<Record<string, unknown>> }; mark: { type: string } | string; encoding?: Record<string, { field?: string; scale?: { type?: string; domain?: number[] } }> };

function layers(spec: unknown): Layer[][] {
  return (spec as { vconcat: Array<{ layer: Layer[] }> }).vconcat.map((p) => p.layer);
}
const markType = (l: Layer) => (typeof l.mark === 'string' ? l.mark : l.mark.type);

describe('scheduleSpec', () => {
  it('draws one probe segment per trial at its LR, the chosen LRs as a line, and the loss per step by phase', () => {
    const { steps, stages } = autolrsRun();
    const spec = scheduleSpec(steps, { stages, title: 'T', subtitle: 'S' });
    const [lr, loss] = layers(spec);
    const probe = lr!.find((l) => markType(l) === 'rule' && l.encoding?.['x2'] !== undefined)!;
    expect(probe).toBeDefined();
    expect(probe.data!.values!.map((v) => [v['start'], v['end'], v['lr'], v['stage'], v['trial']])).toEqual([
      [0, 4, 0.01, 1, 1],
      [4, 8, 0.3, 1, 2],
      [8, 12, 0.002, 1, 3],
      [32, 40, 0.05, 2, 1],
      [40, 48, 0.2, 2, 2],
      [48, 56, 0.004, 2, 3],
    ]);
    expect(probe.encoding!['y']!.scale!.type).toBe('log');
    const line = lr!.find((l) => markType(l) === 'line')!;
    // Only where the LR changes, and where each training run ends.
    expect(line.data!.values!.map((v) => [v['step'], v['lr']])).toEqual([
      [12, 0.3],
      [32, 0.3],
      [56, 0.05],
      [96, 0.05],
    ]);
    const lossLine = loss!.find((l) => markType(l) === 'line')!;
    const values = lossLine.data!.values!;
    expect(values).toHaveLength(96);
    expect(new Set(values.map((v) => v['phase']))).toEqual(new Set(['LR probe (search)', 'train at chosen LR']));
    // The spike of one probe does not stretch the loss axis.
    expect(lossLine.encoding!['y']!.scale!.domain![1]).toBeLessThan(10);
    // Stage boundaries in both panels.
    for (const panel of [lr!, loss!]) {
      const rules = panel.find((l) => markType(l) === 'rule' && l.encoding?.['x2'] === undefined && l.encoding?.['y'] === undefined)!;
      expect(rules.data!.values!.map((v) => v['step'])).toEqual([0, 32]);
    }
    expect((spec as { title: { text: string; subtitle: string } }).title).toMatchObject({ text: 'T', subtitle: 'S' });
  });

  it('is pure, and draws a baseline schedule as one line with no probe layer', () => {
    const steps: StepRecord[] = Array.from({ length: 30 }, (_, i) => ({
      type: 'step' as const, step: i, epoch: Math.floor(i / 10), lr: 0.1 * 0.5 ** Math.floor(i / 10), loss: 2 / (i + 1), time: i, phase: 'schedule' as const,
    }));
    const epochs: EpochRecord[] = [0, 1, 2].map((e) => ({ type: 'epoch', epoch: e, step: 10 * (e + 1), time: 0, metrics: { val_loss: 1 / (e + 1) } }));
    const a = scheduleSpec(steps, { epochs });
    const b = scheduleSpec(steps, { epochs });
    expect(JSON.stringify(a)).toBe(JSON.stringify(b));
    const [lr, loss] = layers(a);
    expect(lr!.some((l) => l.encoding?.['x2'] !== undefined)).toBe(false);
    const line = lr!.find((l) => markType(l) === 'line')!;
    expect(line.data!.values!.map((v) => [v['step'], v['lr']])).toEqual([[0, 0.1], [10, 0.05], [20, 0.025], [30, 0.025]]);
    const val = loss!.find((l) => markType(l) === 'point')!;
    expect(val.data!.values!.map((v) => v['step'])).toEqual([10, 20, 30]);
  });

  it('averages long runs down to maxPoints loss points', () => {
    const steps: StepRecord[] = Array.from({ length: 1000 }, (_, i) => ({ type: 'step' as const, step: i, epoch: 0, lr: 0.1, loss: i % 2, time: i, phase: 'schedule' as const }));
    const [, loss] = layers(scheduleSpec(steps, { maxPoints: 100 }));
    const values = loss!.find((l) => markType(l) === 'line')!.data!.values!;
    expect(values).toHaveLength(100);
    expect(values.every((v) => v['loss'] === 0.5)).toBe(true);
  });

  it('draws a trailing mean of the loss within each run over the faint raw loss', () => {
    const steps: StepRecord[] = Array.from({ length: 10 }, (_, i) => ({
      type: 'step' as const, step: i, epoch: 0, lr: 0.1, loss: i, time: i, phase: i < 4 ? ('search' as const) : ('train' as const), stage: 1, ...(i < 4 ? { trial: 0 } : {}),
    }));
    const [, loss] = layers(scheduleSpec(steps, { smoothing: 3 }));
    const lines = loss!.filter((l) => markType(l) === 'line');
    expect(lines).toHaveLength(2);
    expect(lines[1]!.encoding!['y']!.field).toBe('smooth');
    // Runs: steps 0-3 (search) and 4-9 (train); the mean restarts with each run.
    expect(lines[1]!.data!.values!.map((v) => v['smooth'])).toEqual([0, 0.5, 1, 2, 4, 4.5, 5, 6, 7, 8]);
    const [, plain] = layers(scheduleSpec(steps, { smoothing: 1 }));
    expect(plain!.filter((l) => markType(l) === 'line')).toHaveLength(1);
  });

  it('renders to SVG and to a valid PNG', async () => {
    const { steps, stages } = autolrsRun();
    const svg = await renderSvg(scheduleSpec(steps, { stages, width: 600 }));
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).toContain('learning rate (log scale)');
    expect(svg).toContain('LR probe (search)');
    const png = await renderPng(svg, { scale: 1 });
    expect([...png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
    expect(String.fromCharCode(...png.subarray(12, 16))).toBe('IHDR');
    const width = view.getUint32(16);
    const height = view.getUint32(20);
    expect(width).toBeGreaterThan(600);
    expect(height).toBeGreaterThan(540);
    const png2 = await renderPng(svg, { scale: 2 });
    expect(new DataView(png2.buffer, png2.byteOffset).getUint32(16)).toBe(2 * width);
  });
});
