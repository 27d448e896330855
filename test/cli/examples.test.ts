import { execFile } from 'node:child_process';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = resolve(import.meta.dirname, '../..');

/** Runs an example as `tsx examples/<name>.ts` would, in smoke mode (tiny sizes). */
async function example(name: string): Promise<string> {
  const { stdout } = await run(process.execPath, ['--import', 'tsx', join(root, 'examples', `${name}.ts`)], {
    cwd: root,
    env: { ...process.env, AUTOLRS_EXAMPLE_SMOKE: '1' },
    timeout: 110_000,
  });
  return stdout;
}

describe('examples (smoke mode)', () => {
  it.each(['custom-loop', 'fit-dataset'])('%s (reference strategy) runs and prints what AutoLRS chose', async (name) => {
    const out = await example(name);
    expect(out).toMatch(/^stage 1 \(tau=8, tau'=3\): tried \[lr -> forecast loss\] .*; chose \d/m);
    expect(out).toMatch(/^test accuracy: \d+\.\d\d %$/m);
  });

  it('fit (cooldown strategy) runs, prints what AutoLRS chose and counts every gradient step', async () => {
    const out = await example('fit');
    // Smoke sizes: 256 images / 32 = 8 steps per epoch, 3 epochs = 24 gradient steps; 2 probes of 3 steps.
    expect(out).toMatch(/^search 1 \(2 probes of 3 steps\): tried \[lr -> score\] \d.*; chose \d/m);
    expect(out).toMatch(/^24 gradient steps: 6 in probes \(\d kept\), 18 training steps$/m);
    expect(out).toMatch(/^test accuracy: \d+\.\d\d %$/m);
  });
});
