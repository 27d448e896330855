/** The cooldown strategy's options: the defaults documented in the README's options table. */
import { describe, expect, it } from 'vitest';

import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

import { COOLDOWN_ARG_KEYS } from '../../../src/scheduler/cooldown/callback.js';
import { resolveCooldownOptions } from '../../../src/scheduler/cooldown/options.js';

/** The rows of the README's options table of the cooldown strategy. */
function readmeTableRows(): string[] {
  const readme = readFileSync(resolve(import.meta.dirname, '../../../README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('### The cooldown strategy (default)'), readme.indexOf('### The reference strategy'));
  return section.split('\n').filter((line) => line.startsWith('| `'));
}

describe('resolveCooldownOptions', () => {
  it('applies the documented defaults', () => {
    const o = resolveCooldownOptions({ minLr: 1e-4, maxLr: 0.1, totalSteps: 2548 });
    expect(o).toMatchObject({
      startStep: 0,
      stages: 1,
      k: 5,
      laterK: 3,
      probeCooldown: 0.4,
      cooldownFraction: 0.5,
      cooldownShape: 'linear',
      warmupFraction: 0.05,
      trainFrom: 'checkpoint',
      windowBelow: 4,
      windowAbove: 2,
      tolerance: 0,
      shrink: 1,
      survivors: 2,
      nInitialPoints: 3,
      acquisition: 'ei',
      seed: 0,
    });
    // max(8, round(0.02 · 2548)) = max(8, 51)
    expect(o.probeSteps).toBe(51);
    expect(resolveCooldownOptions({ minLr: 1e-4, maxLr: 0.1, totalSteps: 100 }).probeSteps).toBe(8);
    // max(1, round(0.4 · 51)) = 20; with 8-step probes, round(3.2) = 3.
    expect(o.rungSteps).toBe(20);
    expect(resolveCooldownOptions({ minLr: 1e-4, maxLr: 0.1, totalSteps: 100 }).rungSteps).toBe(3);
    expect(resolveCooldownOptions({ minLr: 1e-4, maxLr: 0.1, totalSteps: 100, probeSteps: 2 }).rungSteps).toBe(1);
    expect(typeof o.search).toBe('function');
  });

  it('keeps the values given', () => {
    const o = resolveCooldownOptions({ minLr: 1e-4, maxLr: 0.1, totalSteps: 1000, tolerance: 0.03, stages: 2, probeSteps: 12 });
    expect([o.tolerance, o.stages, o.probeSteps]).toEqual([0.03, 2, 12]);
  });

  it('rejects a negative tolerance and an unknown option, naming them', () => {
    expect(() => resolveCooldownOptions({ minLr: 1e-4, maxLr: 0.1, totalSteps: 1000, tolerance: -0.1 })).toThrow(/`tolerance`/);
    expect(() => resolveCooldownOptions({ minLr: 1e-4, maxLr: 0.1, totalSteps: 1000, tolerence: 0 } as never)).toThrow(/tolerence/);
  });

  it('accepts a shrink in (0, 1] and rejects any other, naming the option, the range and the value', () => {
    const base = { minLr: 1e-4, maxLr: 0.1, totalSteps: 1000 };
    expect(resolveCooldownOptions({ ...base, shrink: 0.7 }).shrink).toBe(0.7);
    expect(resolveCooldownOptions({ ...base, shrink: 1 }).shrink).toBe(1);
    for (const bad of [0, -0.5, 1.01, 2]) {
      expect(() => resolveCooldownOptions({ ...base, shrink: bad })).toThrow(new RangeError(`Expected \`shrink\` to be a number in (0, 1], got ${bad}.`));
    }
    expect(() => resolveCooldownOptions({ ...base, shrink: Number.NaN })).toThrow(RangeError);
    expect(() => resolveCooldownOptions({ ...base, shrink: '0.7' as never })).toThrow(/Expected `shrink` to be a finite number, got/);
  });

  it('accepts survivors >= 0 and a rungSteps below probeSteps, and rejects others with the bound and the value', () => {
    const base = { minLr: 1e-4, maxLr: 0.1, totalSteps: 1000, probeSteps: 20 };
    expect(resolveCooldownOptions({ ...base, survivors: 2, rungSteps: 19 })).toMatchObject({ survivors: 2, rungSteps: 19 });
    // More survivors than probes is allowed: that search is not halved.
    expect(resolveCooldownOptions({ ...base, survivors: 9 }).survivors).toBe(9);
    expect(() => resolveCooldownOptions({ ...base, survivors: -1 })).toThrow(/Expected `survivors` to be an integer >= 0, got -1/);
    expect(() => resolveCooldownOptions({ ...base, survivors: 1.5 })).toThrow(/`survivors`.*1\.5/);
    expect(() => resolveCooldownOptions({ ...base, rungSteps: 20 })).toThrow(new RangeError('Expected `rungSteps` to be smaller than `probeSteps` (20), got 20.'));
    expect(() => resolveCooldownOptions({ ...base, rungSteps: 0 })).toThrow(/Expected `rungSteps` to be an integer >= 1, got 0/);
  });

  it('rejects an unknown cooldown shape, naming the option, the shapes allowed and the value', () => {
    expect(() => resolveCooldownOptions({ minLr: 1e-4, maxLr: 0.1, totalSteps: 1000, cooldownShape: 'cos' as never })).toThrow(
      /`cooldownShape`.*linear.*cosine.*cos/s,
    );
    expect(resolveCooldownOptions({ minLr: 1e-4, maxLr: 0.1, totalSteps: 1000, cooldownShape: 'cosine' }).cooldownShape).toBe('cosine');
  });

  it('rejects an unknown trainFrom, naming the option, the values allowed and the value', () => {
    expect(() => resolveCooldownOptions({ minLr: 1e-4, maxLr: 0.1, totalSteps: 1000, trainFrom: 'start' as never })).toThrow(
      /`trainFrom`.*checkpoint.*probe.*start/s,
    );
    expect(resolveCooldownOptions({ minLr: 1e-4, maxLr: 0.1, totalSteps: 1000, trainFrom: 'checkpoint' }).trainFrom).toBe('checkpoint');
  });

  it("documents every option of autoLRS's cooldown strategy in the README's table", () => {
    const rows = readmeTableRows();
    expect(rows.length).toBeGreaterThan(10);
    const missing = COOLDOWN_ARG_KEYS.filter((key) => !rows.some((row) => row.includes(`\`${key}\``)));
    expect(missing).toEqual([]);
    // The table gives the default of every option this file checks above.
    expect(rows.find((r) => r.startsWith('| `cooldownShape`'))).toContain("`'linear'`");
    expect(rows.find((r) => r.startsWith('| `cooldownFraction`'))).toContain('| 0.5 |');
    expect(rows.find((r) => r.startsWith('| `trainFrom`'))).toContain("`'checkpoint'`");
  });
});
