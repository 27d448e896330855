/**
 * The committed head-to-head results of the cooldown strategy (bench/README.md, section 7):
 * the figures the README reports, recomputed here from the runs (no summary field is trusted),
 * with every run counted, and the budget rules the benchmark promises (every AutoLRS probe
 * step inside the task's steps; baselines' LR chosen on validation, never on test).
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';

import { buildModel } from '../../bench/lib/setup.js';

interface Run {
  id: string;
  method: string;
  lr: number | null;
  seed: number;
  steps: number;
  finalTestAcc: number;
  finalValAcc: number;
  autolrs?: { stats: Record<string, number>; stages: Array<{ probeSteps: number; trials: unknown[]; chosenLr: number }> };
}
interface Results {
  config: { budget: number; seeds: number; grid: number[]; baselines: string[]; peers: string[]; autolrs: { options: Record<string, unknown> } };
  runs: Run[];
}

const load = (name: string): Results => JSON.parse(readFileSync(resolve(import.meta.dirname, '../../bench/results', name), 'utf8')) as Results;

/** Mean and sample sd, rounded to 2 decimals as the README prints them. */
function meanSd(xs: number[]): [number, number] {
  const m = xs.reduce((a, b) => a + b, 0) / xs.length;
  const sd = Math.sqrt(xs.reduce((a, b) => a + (b - m) ** 2, 0) / (xs.length - 1));
  return [Number(m.toFixed(2)), Number(sd.toFixed(2))];
}

/** The LR a baseline's seed-0 grid runs choose by validation accuracy (the first on ties). */
function tunedLr(r: Results, method: string): number {
  const grid = r.runs.filter((x) => x.method === method && x.seed === 0 && r.config.grid.includes(x.lr!));
  expect(grid.map((x) => x.lr).sort((a, b) => a! - b!)).toEqual(r.config.grid);
  return grid.reduce((best, x) => (x.finalValAcc > best.finalValAcc ? x : best)).lr!;
}

/** A method's runs at `lr`, by seed, checked to be exactly seeds 0..n−1. */
function seedRuns(r: Results, method: string, lr: number | null): Run[] {
  const runs = r.runs.filter((x) => x.method === method && x.lr === lr).sort((a, b) => a.seed - b.seed);
  expect(runs.map((x) => x.seed)).toEqual(Array.from({ length: r.config.seeds }, (_, s) => s));
  return runs;
}

function finals(r: Results, method: string, lr: number | null): number[] {
  return seedRuns(r, method, lr).map((x) => x.finalTestAcc);
}

describe.each([
  {
    file: 'schedules-wasm-cnn-momentum.json',
    runs: 33,
    // bench/README.md section 7: method, LR, test mean ± sd.
    table: [
      ['autolrs', null, 88.38, 0.61],
      ['one-cycle', 0.03, 88.49, 0.2],
      ['cosine', 0.01, 87.71, 0.1],
      ['step', 0.01, 87.52, 0.05],
      ['constant', 0.01, 87.15, 0.69],
      ['lr-finder-onecycle', null, 84.48, 0.06],
      ['schedule-free', null, 10, 0],
    ] as const,
    // 5 first-rung probes of 20 steps, the best 2 continued through steps 12 to 49.
    searchSteps: 5 * 20 + 2 * 38,
    // The CNN has no batch norm: batchNormBatches does not change its runs.
    options: { k: 5, tolerance: 0, survivors: 2, trainFrom: 'checkpoint', warmupFraction: 0.05 },
  },
  {
    file: 'schedules-wasm-resnet8-adam.json',
    runs: 21,
    table: [
      ['autolrs', null, 88.81, 0.52],
      ['one-cycle', 0.03, 89.09, 0.37],
      ['cosine', 0.03, 88.48, 0.09],
      ['lr-finder-onecycle', null, 88.22, 0.58],
      ['schedule-free', null, 87.83, 0.07],
    ] as const,
    // τ' = 51: first-rung probes of round(20.4) = 20 steps, 12 at the LR; continued through steps 12 to 50.
    searchSteps: 5 * 20 + 2 * 39,
    options: { k: 5, tolerance: 0, survivors: 2, trainFrom: 'checkpoint', warmupFraction: 0.05, batchNormBatches: 16 },
  },
])('$file', ({ file, runs, table, searchSteps, options }) => {
  const r = load(file);

  it('holds every run of the protocol: the grids at seed 0, then 3 seeds of each tuned baseline, peer and AutoLRS', () => {
    expect(r.runs).toHaveLength(runs);
    expect(new Set(r.runs.map((x) => x.id)).size).toBe(runs);
    expect(r.config.seeds).toBe(3);
    expect(r.runs.every((x) => x.steps === r.config.budget)).toBe(true);
  });

  it('reports the figures of bench/README.md, recomputed from the runs, with each baseline at the LR its validation accuracy chose', () => {
    for (const [method, lr, mean, sd] of table) {
      if (lr !== null) expect(tunedLr(r, method)).toBe(lr);
      expect(meanSd(finals(r, method, lr))).toEqual([mean, sd]);
    }
  });

  it("runs AutoLRS with the library's defaults, its probe steps inside the budget", () => {
    expect(r.config.autolrs.options).toEqual(options);
    for (const a of r.runs.filter((x) => x.method === 'autolrs')) {
      // Training starts from the checkpoint: every probe step is thrown away.
      expect(a.autolrs!.stats['keptProbeSteps']).toBe(0);
      const stats = a.autolrs!.stats;
      expect(stats['gradientSteps']).toBe(r.config.budget);
      expect(stats['searchSteps']).toBe(searchSteps);
      expect(a.autolrs!.stages).toHaveLength(1);
      expect(a.autolrs!.stages[0]!.trials).toHaveLength(5);
      expect(stats['searchSteps']! + stats['trainSteps']!).toBe(r.config.budget);
      expect(stats['discardedSteps']).toBe(stats['searchSteps']! - stats['keptProbeSteps']!);
    }
  });
});

describe('five seeds: AutoLRS against tuned one-cycle (bench/README.md, section 7)', () => {
  it.each([
    ['schedules-wasm-cnn-momentum-5seeds.json', [88.4, 0.44], [88.63, 0.25]],
    ['schedules-wasm-resnet8-adam-5seeds.json', [89.07, 0.53], [88.95, 0.56]],
  ] as const)('%s', (file, autolrs, oneCycle) => {
    const r = load(file);
    expect(r.config.seeds).toBe(5);
    expect(tunedLr(r, 'one-cycle')).toBe(0.03);
    expect(meanSd(finals(r, 'autolrs', null))).toEqual(autolrs);
    expect(meanSd(finals(r, 'one-cycle', 0.03))).toEqual(oneCycle);
  });
});

/** AutoLRS's first n seeds: test mean ± sd and validation mean, rounded as the README prints them. */
function firstSeeds(r: Results, n: number): { test: [number, number]; val: number } {
  const runs = seedRuns(r, 'autolrs', null).slice(0, n);
  expect(runs).toHaveLength(n);
  return { test: meanSd(runs.map((x) => x.finalTestAcc)), val: Number((runs.reduce((a, x) => a + x.finalValAcc, 0) / n).toFixed(2)) };
}

/** Mean validation accuracy of a method's runs at `lr`, seeds 0..n−1, rounded as the README prints it. */
function valMean(r: Results, method: string, lr: number | null): number {
  const runs = seedRuns(r, method, lr);
  return Number((runs.reduce((a, x) => a + x.finalValAcc, 0) / runs.length).toFixed(2));
}

describe("what the search costs: tuned one-cycle with the budget less AutoLRS's discarded steps (bench/README.md, section 7)", () => {
  it.each([
    ['schedules-wasm-cnn-momentum.json', 'parts/cnn-momentum-k5.json', 'parts/cnn-momentum-onecycle-2280.json', [88.18, 0.23], 89.62],
    ['schedules-wasm-resnet8-adam.json', 'parts/resnet8-adam-k5.json', 'parts/resnet8-adam-onecycle-2324.json', [88.48, 0.24], 88.61],
  ] as const)('%s', (full, unhalved, part, test, val) => {
    const f = load(full);
    const p = load(part);
    // Every AutoLRS run of the search without halving threw away the same steps; the part's budget is the rest.
    const u = load(unhalved);
    expect(u.config.budget).toBe(f.config.budget);
    const discarded = new Set(u.runs.filter((x) => x.method === 'autolrs').map((x) => x.autolrs!.stats['discardedSteps']));
    expect(discarded.size).toBe(1);
    expect(p.config.budget).toBe(f.config.budget - [...discarded][0]!);
    expect(p.runs.every((x) => x.steps === p.config.budget)).toBe(true);
    // One-cycle only, at the LR tuned on the full budget, seeds 0–2.
    expect(p.runs.map((x) => x.method)).toEqual(['one-cycle', 'one-cycle', 'one-cycle']);
    expect(p.config.seeds).toBe(3);
    expect(meanSd(finals(p, 'one-cycle', tunedLr(f, 'one-cycle')))).toEqual(test);
    expect(valMean(p, 'one-cycle', 0.03)).toBe(val);
  });
});

describe('the shrink variant against the default (bench/README.md, section 7, "Variants")', () => {
  it.each([
    ['parts/cnn-momentum-k5-shrink07.json', 3, [87.98, 0.3], 89.12],
    ['parts/resnet8-adam-k5-shrink07.json', 3, [88.78, 0.27], 88.99],
    ['parts/cnn-momentum-k5-shrink07-s5.json', 5, [87.96, 0.36], 89.11],
    ['parts/resnet8-adam-k5-shrink07-s5.json', 5, [88.73, 0.22], 89.01],
    ['parts/cnn-momentum-k5-s5.json', 5, [87.99, 0.39], 89.67],
    ['parts/resnet8-adam-k5-s5.json', 5, [88.54, 0.8], 88.84],
  ] as const)('%s', (file, seeds, test, val) => {
    const r = load(file);
    expect(r.config.seeds).toBe(seeds);
    expect(r.config.autolrs.options).toEqual(file.includes('shrink07') ? { k: 5, tolerance: 0, shrink: 0.7 } : { k: 5, tolerance: 0 });
    expect(meanSd(finals(r, 'autolrs', null))).toEqual(test);
    expect(valMean(r, 'autolrs', null)).toBe(val);
  });

  it('chose, with shrink 0.7, 0.7 times the LR of the best probe, from the same searches as the default', () => {
    for (const task of ['cnn-momentum', 'resnet8-adam']) {
      const shrunk = load(`parts/${task}-k5-shrink07-s5.json`).runs.sort((a, b) => a.seed - b.seed);
      const plain = load(`parts/${task}-k5-s5.json`).runs.filter((x) => x.method === 'autolrs').sort((a, b) => a.seed - b.seed);
      expect(shrunk.map((x) => x.autolrs!.stages[0]!.chosenLr / plain[x.seed]!.autolrs!.stages[0]!.chosenLr).map((q) => q.toFixed(6))).toEqual(Array(5).fill('0.700000'));
    }
  });
});

describe('successive halving against the search without it (bench/README.md, section 7, "Variants")', () => {
  it.each([
    ['cnn-momentum-k5-sh2.json', 3, 2, [87.85, 0.29], 89.57, 176, 30],
    ['resnet8-adam-k5-sh2.json', 3, 2, [89.46, 0.19], 89.75, 178, 31],
    ['cnn-momentum-k5-sh2-s5.json', 5, 2, [88.08, 0.38], 89.49, 176, 30],
    ['resnet8-adam-k5-sh2-s5.json', 5, 2, [88.82, 1.24], 89.03, 178, 31],
    ['cnn-momentum-k5-sh1.json', 3, 1, [87.71, 0.72], 89.1, 138, 30],
    ['resnet8-adam-k5-sh1.json', 3, 1, [89.42, 0.47], 89.47, 139, 31],
  ] as const)('%s', (file, seeds, survivors, test, val, searchSteps, kept) => {
    const r = load(`parts/${file}`);
    expect(r.config.seeds).toBe(seeds);
    expect(r.config.autolrs.options).toEqual({ k: 5, tolerance: 0, survivors });
    expect(meanSd(finals(r, 'autolrs', null))).toEqual(test);
    expect(valMean(r, 'autolrs', null)).toBe(val);
    const plain = load(`parts/${file.replace(/-sh[12]/, '')}`);
    for (const a of r.runs) {
      const stats = a.autolrs!.stats;
      expect([stats['searchSteps'], stats['keptProbeSteps'], stats['discardedSteps']]).toEqual([searchSteps, kept, searchSteps - kept]);
      expect(stats['searchSteps']! + stats['trainSteps']!).toBe(r.config.budget);
      // The same seeded initial design as the search without halving: the first three LRs tried.
      const same = plain.runs.find((x) => x.method === 'autolrs' && x.seed === a.seed)!;
      const lrs = (x: Run) => (x.autolrs!.stages[0]!.trials as Array<{ lr: number }>).slice(0, 3).map((t) => t.lr);
      expect(lrs(a)).toEqual(lrs(same));
    }
  });

  it.each([
    ['cnn-momentum-k5.json', [87.99, 0.47], 89.72, 250],
    ['resnet8-adam-k5.json', [88.7, 0.89], 88.88, 255],
  ] as const)('%s (the search without halving, the default before it)', (file, test, val, searchSteps) => {
    const r = load(`parts/${file}`);
    expect(r.config.seeds).toBe(3);
    expect(r.config.autolrs.options).toEqual({ k: 5, tolerance: 0 });
    expect(meanSd(finals(r, 'autolrs', null))).toEqual(test);
    expect(valMean(r, 'autolrs', null)).toBe(val);
    for (const a of r.runs) expect(a.autolrs!.stats['searchSteps']).toBe(searchSteps);
  });

  it('has the higher mean validation accuracy over both tasks than the search without it (the rule that made it the default), on 3 and on 5 seeds', () => {
    const both = (cnn: string, resnet: string) => (valMean(load(`parts/${cnn}`), 'autolrs', null) + valMean(load(`parts/${resnet}`), 'autolrs', null)) / 2;
    expect(both('cnn-momentum-k5-sh2.json', 'resnet8-adam-k5-sh2.json')).toBeCloseTo(89.66, 2);
    expect(both('cnn-momentum-k5.json', 'resnet8-adam-k5.json')).toBeCloseTo(89.3, 2);
    expect(both('cnn-momentum-k5-sh1.json', 'resnet8-adam-k5-sh1.json')).toBeCloseTo(89.285, 2);
    expect(both('cnn-momentum-k5-sh2-s5.json', 'resnet8-adam-k5-sh2-s5.json')).toBeCloseTo(89.26, 2);
    expect(both('cnn-momentum-k5-s5.json', 'resnet8-adam-k5-s5.json')).toBeCloseTo(89.255, 2);
  });
});

describe('where training starts after the search, trainFrom (bench/README.md, section 7, "A start at the full LR")', () => {
  /** Test mean ± sd and validation mean of AutoLRS's runs with seeds 0..n−1. */
  const plain = (task: string) =>
    load(`parts/${task}-k5-sh2-s5.json`)
      .runs.filter((x) => x.method === 'autolrs')
      .sort((a, b) => a.seed - b.seed);

  // file, options beyond the default's, seeds, test (3 seeds), validation (3 seeds), test (5 seeds), validation (5 seeds), probe steps kept
  it.each([
    ['cnn-momentum-ckpt-s5.json', { trainFrom: 'checkpoint' }, 5, [88.08, 0.62], 88.98, [88.16, 0.45], 89.1, 0],
    ['cnn-momentum-ckpt-wu002-s5.json', { trainFrom: 'checkpoint', warmupFraction: 0.02 }, 5, [88.25, 0.63], 89.52, [88.34, 0.47], 89.42, 0],
    ['cnn-momentum-ckpt-wu005-s5.json', { trainFrom: 'checkpoint', warmupFraction: 0.05 }, 5, [88.38, 0.61], 89.42, [88.4, 0.44], 89.57, 0],
    ['cnn-momentum-ckpt-wu01-s5.json', { trainFrom: 'checkpoint', warmupFraction: 0.1 }, 5, [88.37, 0.37], 89.57, [88.46, 0.31], 89.5, 0],
    ['cnn-momentum-ckpt-wu02-s5.json', { trainFrom: 'checkpoint', warmupFraction: 0.2 }, 5, [88.2, 0.32], 89.22, [88.41, 0.37], 89.46, 0],
    ['cnn-momentum-ckpt-wu03-s5.json', { trainFrom: 'checkpoint', warmupFraction: 0.3 }, 5, [88.23, 0.35], 89.28, [88.36, 0.38], 89.35, 0],
    ['cnn-momentum-ckpt-wu04-s5.json', { trainFrom: 'checkpoint', warmupFraction: 0.4 }, 5, [88.1, 0.44], 89.18, [88.3, 0.45], 89.33, 0],
    ['cnn-momentum-ckpt-wu03-cf06-s5.json', { trainFrom: 'checkpoint', warmupFraction: 0.3, cooldownFraction: 0.6 }, 5, [88.14, 0.52], 89.18, [88.36, 0.48], 89.3, 0],
    ['cnn-momentum-ckpt-wu03-cos07-s5.json', { trainFrom: 'checkpoint', warmupFraction: 0.3, cooldownFraction: 0.7, cooldownShape: 'cosine' }, 5, [88.1, 0.41], 89.3, [88.31, 0.41], 89.39, 0],
    ['cnn-momentum-probe-wu01-s5.json', { trainFrom: 'probe', warmupFraction: 0.1 }, 5, [87.82, 0.36], 89.47, [87.97, 0.36], 89.35, 30],
    ['cnn-momentum-probe-wu03-s5.json', { warmupFraction: 0.3 }, 5, [87.72, 0.2], 89.32, [87.87, 0.27], 89.22, 30],
    ['resnet8-adam-ckpt-wu005.json', { trainFrom: 'checkpoint', warmupFraction: 0.05 }, 3, [89.21, 0.44], 89.63, null, null, 0],
    ['resnet8-adam-ckpt-wu01.json', { trainFrom: 'checkpoint', warmupFraction: 0.1 }, 3, [88.56, 0.44], 89.28, null, null, 0],
    ['resnet8-adam-ckpt-wu03.json', { trainFrom: 'checkpoint', warmupFraction: 0.3 }, 3, [88.98, 0.3], 89.15, null, null, 0],
  ] as const)('%s', (file, options, seeds, test3, val3, test5, val5, kept) => {
    const r = load(`parts/${file}`);
    expect(r.config.seeds).toBe(seeds);
    expect(r.config.autolrs.options).toEqual({ k: 5, tolerance: 0, survivors: 2, ...options });
    expect(firstSeeds(r, 3)).toEqual({ test: test3, val: val3 });
    if (seeds === 5) expect(firstSeeds(r, 5)).toEqual({ test: test5, val: val5 });
    // The same searches as the default's (the option acts after the search): the same LR per seed.
    const task = file.startsWith('cnn') ? 'cnn-momentum' : 'resnet8-adam';
    const same = plain(task);
    for (const a of seedRuns(r, 'autolrs', null)) {
      expect(a.autolrs!.stages[0]!.chosenLr).toBe(same[a.seed]!.autolrs!.stages[0]!.chosenLr);
      expect(a.autolrs!.stats['keptProbeSteps']).toBe(kept);
      expect(a.autolrs!.stats['searchSteps']! + a.autolrs!.stats['trainSteps']!).toBe(r.config.budget);
    }
  });

  it('cnn-momentum-ckpt-wu03-sh0-s5.json: the same with whole probes (no halving), the unhalved searches\' LRs', () => {
    const r = load('parts/cnn-momentum-ckpt-wu03-sh0-s5.json');
    expect(r.config.autolrs.options).toEqual({ k: 5, tolerance: 0, survivors: 0, trainFrom: 'checkpoint', warmupFraction: 0.3 });
    expect(firstSeeds(r, 3)).toEqual({ test: [88.2, 0.42], val: 89.42 });
    expect(firstSeeds(r, 5)).toEqual({ test: [88.26, 0.48], val: 89.49 });
    const whole = load('parts/cnn-momentum-k5-s5.json').runs.filter((x) => x.method === 'autolrs');
    for (const a of seedRuns(r, 'autolrs', null)) {
      expect(a.autolrs!.stages[0]!.chosenLr).toBe(whole.find((x) => x.seed === a.seed)!.autolrs!.stages[0]!.chosenLr);
      expect([a.autolrs!.stats['searchSteps'], a.autolrs!.stats['keptProbeSteps']]).toEqual([250, 0]);
    }
  });

  it('resnet8-adam-ckpt-wu005-s5.json: the 0.05 warmup from the checkpoint with seeds 3 and 4 too', () => {
    const r = load('parts/resnet8-adam-ckpt-wu005-s5.json');
    expect(r.config.autolrs.options).toEqual({ k: 5, tolerance: 0, survivors: 2, trainFrom: 'checkpoint', warmupFraction: 0.05 });
    expect(firstSeeds(r, 5)).toEqual({ test: [88.66, 1.38], val: 89.1 });
    // Seeds 0 to 2 are the three-seed part's runs.
    const three = load('parts/resnet8-adam-ckpt-wu005.json');
    expect(seedRuns(r, 'autolrs', null).slice(0, 3)).toEqual(seedRuns(three, 'autolrs', null));
    const same = plain('resnet8-adam');
    for (const a of seedRuns(r, 'autolrs', null)) expect(a.autolrs!.stages[0]!.chosenLr).toBe(same[a.seed]!.autolrs!.stages[0]!.chosenLr);
  });

  it.each([
    ['cnn-momentum-onecycle-hot30.json', 'one-cycle', 30, [87.78, 0.74], 88.97],
    ['cnn-momentum-wsd.json', 'wsd', undefined, [87.98, 0.25], 89.15],
  ] as const)('%s: a diagnostic at tuned one-cycle\'s LR, seeds 0 to 2', (file, method, hotSteps, test, val) => {
    const r = load(`parts/${file}`) as Results & { config: { hotSteps?: number } };
    expect(r.config.baselines).toEqual([method]);
    expect(r.config.grid).toEqual([0.03]);
    expect(r.config.hotSteps).toBe(hotSteps);
    expect(r.runs).toHaveLength(3);
    expect(meanSd(finals(r, method, 0.03))).toEqual(test);
    expect(valMean(r, method, 0.03)).toBe(val);
  });

  it('ten seeds: trainFrom checkpoint with warmup 0.05 ahead by more than 0.1 on mean validation accuracy over both tasks (the rule fixed before seeds 5 to 9 ran)', () => {
    const ten = (file: string) => firstSeeds(load(`parts/${file}`), 10);
    const def = [ten('cnn-momentum-k5-sh2-s10.json'), ten('resnet8-adam-k5-sh2-s10.json')];
    const w05 = [ten('cnn-momentum-ckpt-wu005-s10.json'), ten('resnet8-adam-ckpt-wu005-s10.json')];
    expect(def.map((x) => x.val)).toEqual([89.22, 88.9]);
    expect(w05.map((x) => x.val)).toEqual([89.43, 88.99]);
    expect(def.map((x) => x.test)).toEqual([[88.16, 0.37], [88.67, 0.96]]);
    expect(w05.map((x) => x.test)).toEqual([[88.43, 0.3], [88.71, 1.12]]);
    expect((w05[0]!.val + w05[1]!.val) / 2 - (def[0]!.val + def[1]!.val) / 2).toBeGreaterThan(0.1);
    // Seeds 0 to 4 are the five-seed parts' runs.
    for (const [ten10, five] of [
      ['cnn-momentum-k5-sh2-s10.json', 'cnn-momentum-k5-sh2-s5.json'],
      ['cnn-momentum-ckpt-wu005-s10.json', 'cnn-momentum-ckpt-wu005-s5.json'],
      ['resnet8-adam-k5-sh2-s10.json', 'resnet8-adam-k5-sh2-s5.json'],
      ['resnet8-adam-ckpt-wu005-s10.json', 'resnet8-adam-ckpt-wu005-s5.json'],
    ] as const) {
      expect(seedRuns(load(`parts/${ten10}`), 'autolrs', null).slice(0, 5)).toEqual(seedRuns(load(`parts/${five}`), 'autolrs', null));
    }
  });

  it('on 3 seeds, the rule before the ten-seed check, did not beat the probe-keeping default', () => {
    const both = (cnn: string, resnet: string) => (firstSeeds(load(`parts/${cnn}`), 3).val + firstSeeds(load(`parts/${resnet}`), 3).val) / 2;
    const def = both('cnn-momentum-k5-sh2.json', 'resnet8-adam-k5-sh2.json');
    expect(def).toBeCloseTo(89.66, 2);
    expect(both('cnn-momentum-ckpt-wu005-s5.json', 'resnet8-adam-ckpt-wu005.json')).toBeCloseTo(89.525, 2);
    expect(both('cnn-momentum-ckpt-wu01-s5.json', 'resnet8-adam-ckpt-wu01.json')).toBeCloseTo(89.425, 2);
    expect(both('cnn-momentum-ckpt-wu03-s5.json', 'resnet8-adam-ckpt-wu03.json')).toBeCloseTo(89.215, 2);
    // On 5 seeds the 0.05 warmup is ahead, by less than a tenth of a point.
    const both5 = (cnn: string, resnet: string) => (firstSeeds(load(`parts/${cnn}`), 5).val + firstSeeds(load(`parts/${resnet}`), 5).val) / 2;
    expect(both5('cnn-momentum-k5-sh2-s5.json', 'resnet8-adam-k5-sh2-s5.json')).toBeCloseTo(89.26, 2);
    expect(both5('cnn-momentum-ckpt-wu005-s5.json', 'resnet8-adam-ckpt-wu005-s5.json')).toBeCloseTo(89.335, 2);
  });
});

describe('batch-norm statistics before a score, batchNormBatches (bench/README.md, section 7)', () => {
  const three = load('parts/resnet8-adam-bn16.json');
  const five = load('parts/resnet8-adam-bn16-s5.json');
  const ten = load('parts/resnet8-adam-bn16-s10.json');
  const before = { five: load('parts/resnet8-adam-ckpt-wu005-s5.json'), ten: load('parts/resnet8-adam-ckpt-wu005-s10.json') };

  it('holds the default with 16 batches on seeds 0 to 2, 0 to 4 and 0 to 9, the same runs where they overlap', () => {
    for (const r of [three, five, ten]) {
      expect(r.config.autolrs.options).toEqual({ k: 5, tolerance: 0, survivors: 2, trainFrom: 'checkpoint', warmupFraction: 0.05, batchNormBatches: 16 });
    }
    expect([three.config.seeds, five.config.seeds, ten.config.seeds]).toEqual([3, 5, 10]);
    expect(seedRuns(five, 'autolrs', null).slice(0, 3)).toEqual(seedRuns(three, 'autolrs', null));
    expect(seedRuns(ten, 'autolrs', null).slice(0, 5)).toEqual(seedRuns(five, 'autolrs', null));
    // The main table's AutoLRS runs are the 3-seed part's.
    expect(seedRuns(load('schedules-wasm-resnet8-adam.json'), 'autolrs', null)).toEqual(seedRuns(three, 'autolrs', null));
    expect(seedRuns(load('schedules-wasm-resnet8-adam-5seeds.json'), 'autolrs', null)).toEqual(seedRuns(five, 'autolrs', null));
  });

  it('reports the table of bench/README.md: figures and LRs chosen, with the moving statistics beside them', () => {
    expect(firstSeeds(three, 3)).toEqual({ test: [88.81, 0.52], val: 89.05 });
    expect(firstSeeds(five, 5)).toEqual({ test: [89.07, 0.53], val: 89.33 });
    expect(firstSeeds(ten, 10)).toEqual({ test: [88.97, 0.45], val: 89.34 });
    expect(firstSeeds(before.five, 5)).toEqual({ test: [88.66, 1.38], val: 89.1 });
    expect(firstSeeds(before.ten, 10)).toEqual({ test: [88.71, 1.12], val: 88.99 });
    const lrs = (r: Results) => seedRuns(r, 'autolrs', null).map((x) => Number(x.autolrs!.stages[0]!.chosenLr.toFixed(4)));
    expect(lrs(ten)).toEqual([0.0197, 0.016, 0.03, 0.03, 0.015, 0.0164, 0.0158, 0.0171, 0.0184, 0.03]);
    expect(lrs(before.ten)).toEqual([0.0156, 0.0099, 0.0068, 0.0018, 0.0103, 0.0114, 0.0054, 0.0019, 0.0061, 0.0081]);
    // Test accuracy, seed by seed: the two failures mended, 6 of the other 8 lower.
    const diff = seedRuns(ten, 'autolrs', null).map((x, s) => Number((x.finalTestAcc - seedRuns(before.ten, 'autolrs', null)[s]!.finalTestAcc).toFixed(2)));
    expect(diff).toEqual([-0.18, -0.6, -0.41, 3.4, -0.14, -1.23, 0.05, 1.63, -0.37, 0.42]);
  });

  it('was chosen by the rule fixed before the runs (validation over both tasks up by more than 0.1 on seeds 0 to 4), and the ten-seed check kept it', () => {
    const cnn = firstSeeds(load('parts/cnn-momentum-ckpt-wu005-s5.json'), 5).val;
    const both = (resnet: Results, n: number) => (cnn + firstSeeds(resnet, n).val) / 2;
    expect(both(five, 5) - both(before.five, 5)).toBeGreaterThan(0.1);
    expect(firstSeeds(ten, 10).val).toBeGreaterThan(firstSeeds(before.ten, 10).val);
  });

  it('leaves the CNN task alone: its model has no batch-norm layer, and ResNet-8 has', () => {
    const names = (m: tf.LayersModel): string[] => m.layers.map((l) => l.getClassName());
    const cnn = buildModel('cnn', 0);
    const resnet = buildModel('resnet8', 0, 8);
    expect(names(cnn)).not.toContain('BatchNormalization');
    expect(names(resnet)).toContain('BatchNormalization');
    cnn.dispose();
    resnet.dispose();
  });
});
