/**
 * What `import { autoLRS } from 'autolrs'` costs: wall time of the import and resident
 * memory after it, each in a fresh Node process, against a bare process and against
 * `@tensorflow/tfjs` alone (which autolrs needs anyway); and which packages it loads.
 * It measures the built package (dist/, made by `npm run build`). With --baseline-dir,
 * the build of another checkout (e.g. an older commit) is measured in the same runs.
 *
 *   npm run build && npx tsx bench/import-cost.ts --runs 15 --baseline-dir ../old
 *
 * Options: --runs N (15), --baseline-dir DIR (a checkout with its own dist/ and
 * node_modules), --out FILE (default bench/results/import-cost.json).
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const probe = path.join(here, 'lib', 'import-probe.mjs');
const HEAVY = ['vega', 'vega-lite', '@resvg/resvg-js', 'cli-progress'];

interface Args {
  runs: number;
  baselineDir: string | undefined;
  out: string | undefined;
}

function usage(message: string): never {
  process.stderr.write(`import-cost: ${message}\n`);
  process.exit(2);
}

function parseArgs(argv: string[]): Args {
  const args: Args = { runs: 15, baselineDir: undefined, out: undefined };
  for (let i = 0; i < argv.length; i += 2) {
    const [flag, value] = [argv[i], argv[i + 1]];
    if (value === undefined) usage(`Expected a value after \`${flag}\`, got none.`);
    switch (flag) {
      case '--runs': {
        const n = Number(value);
        if (!Number.isInteger(n) || n < 1) usage(`Expected \`--runs\` to be an integer >= 1, got ${JSON.stringify(value)}.`);
        args.runs = n;
        break;
      }
      case '--baseline-dir':
        args.baselineDir = path.resolve(value);
        break;
      case '--out':
        args.out = value;
        break;
      default:
        usage(`Expected one of --runs, --baseline-dir, --out, got ${JSON.stringify(flag)}.`);
    }
  }
  return args;
}

interface Probe {
  spec: string;
  ms: number;
  rssMiB: number;
  files?: number;
  packages?: Record<string, number>;
}

function runProbe(spec: string, cwd: string, list = false): Probe {
  const out = execFileSync(process.execPath, [probe, spec, ...(list ? ['--list'] : [])], { cwd, encoding: 'utf8' });
  return JSON.parse(out.trim().split('\n').pop()!) as Probe;
}

function summary(samples: number[]): { median: number; min: number; max: number; samples: number[] } {
  const s = [...samples].sort((a, b) => a - b);
  const mid = s.length >> 1;
  const median = s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
  return { median: Math.round(median * 10) / 10, min: s[0]!, max: s[s.length - 1]!, samples };
}

/** The git commit of a checkout, `+changes` when tracked files differ from it. */
function commitOf(dir: string): string {
  try {
    const git = (...a: string[]) => execFileSync('git', ['-C', dir, ...a], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    return git('rev-parse', '--short', 'HEAD') + (git('status', '--porcelain', '--untracked-files=no') ? ' +changes' : '');
  } catch {
    return 'not a git checkout';
  }
}

/** The built entry of the checkout in `dir`. */
function entryOf(dir: string): string {
  const entry = path.join(dir, 'dist', 'index.js');
  if (!fs.existsSync(entry)) usage(`Expected a build at ${entry} (run \`npm run build\` there), got none.`);
  return entry;
}

const args = parseArgs(process.argv.slice(2));
const root = path.join(here, '..');
const entry = entryOf(root);
const tfjsEntry = execFileSync(process.execPath, ['-e', "console.log(require.resolve('@tensorflow/tfjs'))"], { cwd: root, encoding: 'utf8' }).trim();
const tfjsVersion = (JSON.parse(fs.readFileSync(path.join(path.dirname(tfjsEntry), '..', 'package.json'), 'utf8')) as { version: string }).version;
const commit = commitOf(root);
const baseline = args.baselineDir === undefined ? undefined : { dir: args.baselineDir, entry: entryOf(args.baselineDir), commit: commitOf(args.baselineDir) };

const scenarios = [
  { name: 'bare node', spec: 'none', cwd: root },
  { name: '@tensorflow/tfjs alone', spec: tfjsEntry, cwd: root },
  { name: `autolrs ${commit}`, spec: entry, cwd: root },
  ...(baseline ? [{ name: `autolrs ${baseline.commit} (baseline)`, spec: baseline.entry, cwd: baseline.dir }] : []),
];
const loadBefore = os.loadavg();
const samples = new Map(scenarios.map((s) => [s.name, { ms: [] as number[], rssMiB: [] as number[] }]));
// Interleaved, so load on the machine falls on every scenario alike.
for (let r = 0; r < args.runs; r++) {
  for (const s of scenarios) {
    const p = runProbe(s.spec, s.cwd);
    samples.get(s.name)!.ms.push(p.ms);
    samples.get(s.name)!.rssMiB.push(p.rssMiB);
  }
}
const loadAfter = os.loadavg();
const HEAVY_NOTE = `checked: ${HEAVY.join(', ')}`;
const listing = (spec: string, cwd: string) => {
  const p = runProbe(spec, cwd, true);
  return { files: p.files, packages: p.packages, heavyLoaded: HEAVY.filter((name) => p.packages?.[name] !== undefined) };
};
const loaded = {
  [`autolrs ${commit}`]: listing(entry, root),
  ...(baseline ? { [`autolrs ${baseline.commit} (baseline)`]: listing(baseline.entry, baseline.dir) } : {}),
  '@tensorflow/tfjs alone': listing(tfjsEntry, root),
};

const cpus = os.cpus();
const result = {
  benchmark: 'import cost',
  what: "import { autoLRS } from 'autolrs' (the built dist/index.js), each sample in a fresh Node process",
  runs: args.runs,
  scenarios: scenarios.map((s) => ({
    name: s.name,
    importMs: summary(samples.get(s.name)!.ms),
    rssMiB: summary(samples.get(s.name)!.rssMiB),
  })),
  loaded,
  heavyPackages: HEAVY_NOTE,
  machine: {
    cpu: `${cpus[0]?.model.trim() ?? 'unknown'} (${cpus.length} logical cores)`,
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    loadAverage1m: { before: Math.round(loadBefore[0]! * 100) / 100, after: Math.round(loadAfter[0]! * 100) / 100 },
    shared: 'other jobs ran on the machine: compare medians of the interleaved scenarios, not figures across files',
  },
  tfjsVersion,
  nodeVersion: process.version,
  date: new Date().toISOString(),
  command: `import-cost ${process.argv.slice(2).join(' ')}`,
};

const out = args.out ?? path.join(here, 'results', 'import-cost.json');
fs.writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
for (const s of result.scenarios) {
  console.log(`${s.name.padEnd(36)} import ${String(s.importMs.median).padStart(7)} ms (min ${s.importMs.min}, max ${s.importMs.max})   RSS ${String(s.rssMiB.median).padStart(6)} MiB`);
}
for (const [name, l] of Object.entries(loaded)) {
  console.log(`${name}: ${l.files} files from ${Object.keys(l.packages ?? {}).join(', ')}; heavy packages loaded: ${l.heavyLoaded.length ? l.heavyLoaded.join(', ') : 'none'}`);
}
console.log(`(${HEAVY_NOTE})`);
console.log(`wrote ${out}`);
