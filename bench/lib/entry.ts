/** What a benchmark script does as its command line's entry: run `main`, write its results file. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Runs `main` when the module at `moduleUrl` (its `import.meta.url`) is the script node was
 * started with (not when a test imports it), then exits: status 0 when it resolves, 1 (after
 * printing `<script>: <error>`) when it rejects.
 */
export function runIfEntry(moduleUrl: string, script: string, main: () => Promise<void>): void {
  if (process.argv[1] === undefined || path.resolve(process.argv[1]) !== fileURLToPath(moduleUrl)) return;
  main().then(
    () => process.exit(0),
    (err: unknown) => {
      process.stderr.write(`${script}: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      process.exit(1);
    },
  );
}

/** Writes `value` as JSON to `out`, else to `name` under $OUT, else under bench/results/; returns the path. */
export function writeResults(name: string, out: string | undefined, value: unknown): string {
  const file = out ?? path.join(process.env['OUT'] ?? path.join('bench', 'results'), name);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, `${JSON.stringify(value, null, 1)}\n`);
  return file;
}
