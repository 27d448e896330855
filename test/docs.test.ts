/**
 * The docs and sources speak of the repository, not of one machine: paths are relative
 * to the repository (e.g. `../shared/device/pack.sh`), never absolute paths of a machine.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '..');

/** Files under `dir` (recursively) whose names end with one of `exts`. */
function files(dir: string, exts: string[]): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return files(path, exts);
    return exts.some((e) => name.endsWith(e)) ? [path] : [];
  });
}

/** An absolute path into a home or work folder, e.g. /work/..., /home/user/... */
const MACHINE_PATH = /(?<![\w.~-])\/(?:work|home|root|mnt|Users)\/[\w.-]+/g;

describe('docs and sources', () => {
  it('name no absolute machine path', () => {
    const scanned = [
      join(root, 'README.md'),
      join(root, '.ci', 'run'),
      ...['bench', 'bin', 'examples', 'scripts', 'src'].flatMap((d) => files(join(root, d), ['.md', '.ts', '.js', '.sh'])),
    ];
    expect(scanned.some((f) => f.endsWith(join('bench', 'README.md')))).toBe(true);
    const found = scanned.flatMap((f) =>
      readFileSync(f, 'utf8')
        .split('\n')
        .flatMap((line, i) => [...line.matchAll(MACHINE_PATH)].map((m) => `${relative(root, f)}:${i + 1}: ${m[0]}`)),
    );
    expect(found).toEqual([]);
  });

  it('would catch one', () => {
    expect('bash /work/shared/device/pack.sh x'.match(MACHINE_PATH)).toEqual(['/work/shared']);
    expect('see /home/alice/data'.match(MACHINE_PATH)).toEqual(['/home/alice']);
    expect('bash ../shared/device/pack.sh and src/work/x and ~/work/y'.match(MACHINE_PATH)).toBeNull();
  });
});
