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
  it.each(['fit', 'custom-loop', 'fit-dataset'])('%s runs and prints what AutoLRS chose', async (name) => {
    const out = await example(name);
    expect(out).toMatch(/^stage 1 \(tau=8, tau'=3\): tried \[lr -> forecast loss\] .*; chose \d/m);
    expect(out).toMatch(/^test accuracy: \d+\.\d\d %$/m);
  });
});
