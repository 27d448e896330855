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

describe('README examples', () => {
  it('has at least one runnable example', () => {
    expect(examples.length).toBeGreaterThanOrEqual(1);
  });

  it.each(examples.map((e) => [e.name, e.code] as const))('%s runs as written', (_name, code) => {
    const dir = mkdtempSync(join(root, 'test', '.readme-'));
    try {
      const file = join(dir, 'example.ts');
      writeFileSync(file, code.replaceAll("from 'autolrs'", `from '${join(root, 'src', 'index.js')}'`));
      const out = execFileSync(join(root, 'node_modules', '.bin', 'tsx'), [file], { cwd: root, encoding: 'utf8', timeout: 120_000 });
      expect(out).toMatch(/stage 1: tried .* chose /);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
