/**
 * The README's runnable examples run as written: each code block marked with
 * `<!-- readme-example: NAME -->` is run with tsx, its `'autolrs'` import pointed at the
 * sources.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '..');
const readme = readFileSync(join(root, 'README.md'), 'utf8');
const examples = [...readme.matchAll(/<!-- readme-example: ([\w-]+) -->\s*```ts\n([\s\S]*?)```/g)].map((m) => ({ name: m[1]!, code: m[2]! }));

/** What each example prints. */
const EXPECTED: Record<string, RegExp> = {
  fit: /stage 1: tried .* chose /,
  'schedule-free': /^accuracy at x: \d+\.\d %$/m,
  'lr-finder-onecycle': /^range test: \d+ steps, peak LR \S+; accuracy \d+\.\d %$/m,
};

describe('README examples', () => {
  it('has at least one runnable example', () => {
    expect(examples.length).toBeGreaterThanOrEqual(1);
  });

  it('knows what every example prints', () => {
    expect(examples.map((e) => e.name).sort()).toEqual(Object.keys(EXPECTED).sort());
  });

  it.each(examples.map((e) => [e.name, e.code] as const))('%s runs as written', (name, code) => {
    const dir = mkdtempSync(join(root, 'test', '.readme-'));
    try {
      const file = join(dir, 'example.ts');
      writeFileSync(file, code.replaceAll("from 'autolrs'", `from '${join(root, 'src', 'index.js')}'`));
      const out = execFileSync(join(root, 'node_modules', '.bin', 'tsx'), [file], { cwd: root, encoding: 'utf8', timeout: 120_000 });
      expect(out).toMatch(EXPECTED[name]!);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
