/**
 * autolrs as a user installs it. The package is packed with `npm pack` (built in a copy
 * of the sources, so this checkout's dist/ is left alone) and installed into a fresh
 * project that already has the lowest @tensorflow/tfjs of the supported peer range, the
 * way a user adds autolrs to a tfjs project. Then:
 * - `npm ls @tensorflow/tfjs-core` lists one copy: autolrs uses the project's tfjs;
 * - a short `model.fit` of an MLP on random data runs with `autoLRS` and with `stepLR`
 *   (fit.mjs);
 * - with a second copy of tfjs in the project (the dev version, installed under the
 *   alias `tfjs-other`), a model built with it fails with the duplicate-engine error,
 *   which names both versions (duplicate.mjs).
 * Needs the npm registry (or an npm cache that holds the packages).
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { peerDependencies: Record<string, string> };

/** The lowest version of the supported range: the `x.y.z` of `^x.y.z`. */
function lowest(range: string): string {
  const m = /^\^(\d+\.\d+\.\d+)$/.exec(range);
  if (!m) throw new Error(`Expected the @tensorflow/tfjs peer range to be ^x.y.z, got ${JSON.stringify(range)}.`);
  return m[1]!;
}
const LOWEST = lowest(pkg.peerDependencies['@tensorflow/tfjs']!);
const DEV = (JSON.parse(readFileSync(join(root, 'node_modules', '@tensorflow', 'tfjs', 'package.json'), 'utf8')) as { version: string }).version;

/** The environment of the commands: the user's npm settings, not those of the `npm test` around us. */
function env(): NodeJS.ProcessEnv {
  const e: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (/^(npm_(lifecycle|package|command|execpath|node_execpath)|NODE_OPTIONS$|VITEST)/i.test(k)) continue;
    e[k] = v;
  }
  return e;
}

function run(cmd: string, args: string[], cwd: string, timeoutMs = 240_000): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(cmd, args, { cwd, env: env(), encoding: 'utf8', timeout: timeoutMs, maxBuffer: 64 * 2 ** 20 });
  return { status: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? String(r.error ?? '') };
}

function ok(cmd: string, args: string[], cwd: string): string {
  const r = run(cmd, args, cwd);
  if (r.status !== 0) throw new Error(`\`${cmd} ${args.join(' ')}\` exited with ${r.status}:\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

const NPM_INSTALL = ['install', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error'];

/** The last line of stdout, as JSON. */
function lastJson<T>(stdout: string): T {
  const lines = stdout.trim().split('\n');
  return JSON.parse(lines[lines.length - 1]!) as T;
}

let tmp = '';
let project = '';

beforeAll(() => {
  expect(DEV).not.toBe(LOWEST);
  tmp = mkdtempSync(join(tmpdir(), 'autolrs-consumer-'));
  // npm pack in a copy of the sources: its prepack build writes the copy's dist/.
  const source = join(tmp, 'source');
  mkdirSync(source);
  for (const entry of ['package.json', 'README.md', 'tsconfig.json', 'tsconfig.build.json', 'bin', 'src']) {
    cpSync(join(root, entry), join(source, entry), { recursive: true });
  }
  symlinkSync(realpathSync(join(root, 'node_modules')), join(source, 'node_modules'), 'dir');
  ok('npm', ['pack', '--loglevel=error', '--pack-destination', tmp], source);
  const tarball = join(tmp, 'autolrs-0.1.0.tgz');
  expect(existsSync(tarball)).toBe(true);

  project = join(tmp, 'project');
  mkdirSync(project);
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }, null, 2));
  ok('npm', [...NPM_INSTALL, `@tensorflow/tfjs@${LOWEST}`], project);
  ok('npm', [...NPM_INSTALL, tarball], project);
  for (const f of ['fit.mjs', 'duplicate.mjs']) cpSync(join(here, f), join(project, f));
  cpSync(join(root, 'bench', 'lib', 'import-probe.mjs'), join(project, 'import-probe.mjs'));
}, 600_000);

afterAll(() => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe(`autolrs installed into a project with @tensorflow/tfjs@${LOWEST}`, () => {
  it('npm ls @tensorflow/tfjs-core lists one copy, the project\'s', () => {
    const tree = ok('npm', ['ls', '@tensorflow/tfjs-core', '--all'], project);
    console.log(`npm ls @tensorflow/tfjs-core in the consumer project:\n${tree}`);
    const versions = [...tree.matchAll(/@tensorflow\/tfjs-core@(\S+)/g)].map((m) => m[1]);
    expect(versions.length).toBeGreaterThan(0);
    expect(new Set(versions)).toEqual(new Set([LOWEST]));
    expect(existsSync(join(project, 'node_modules', 'autolrs', 'node_modules', '@tensorflow'))).toBe(false);
  });

  it('a short fit of an MLP runs with autoLRS and with stepLR on that tfjs', () => {
    const r = run('node', ['fit.mjs'], project, 120_000);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).not.toContain('already registered');
    const out = lastJson<{
      tfjs: string;
      tfjsCore: string;
      autoLRS: { losses: number[]; globalStep: number; stages: Array<{ trials: number[]; chosenLr?: number }> };
      cooldown: { losses: number[]; stats: { gradientSteps: number; searchSteps: number; trainSteps: number }; stages: Array<{ trials: number[]; chosenLr?: number; kept?: string }> };
      stepLR: { losses: number[]; step: number; lr: number; optimizerLr: number };
    }>(r.stdout);
    expect(out.tfjs).toBe(LOWEST);
    expect(out.tfjsCore).toBe(LOWEST);
    // AutoLRS: 4 epochs of 7 batches; two stages of two 3-step probes and 8 training steps.
    expect(out.autoLRS.globalStep).toBe(28);
    expect(out.autoLRS.losses).toHaveLength(4);
    for (const loss of out.autoLRS.losses) expect(Number.isFinite(loss)).toBe(true);
    const done = out.autoLRS.stages.filter((s) => s.chosenLr !== undefined);
    expect(done).toHaveLength(2);
    for (const stage of done) {
      expect(stage.trials).toHaveLength(2);
      for (const lr of stage.trials) {
        expect(lr).toBeGreaterThanOrEqual(1e-3);
        expect(lr).toBeLessThanOrEqual(0.1);
      }
      expect(stage.trials).toContain(stage.chosenLr);
    }
    // The cooldown strategy: 40 gradient steps, 4 probes of 3 steps; fit trains the other 28.
    expect(out.cooldown.stats).toMatchObject({ gradientSteps: 40, searchSteps: 12, trainSteps: 28 });
    expect(out.cooldown.stages.map((s) => s.trials.length)).toEqual([2, 2]);
    out.cooldown.stages.forEach((stage, i) => {
      // The best probe's LR when a probe beat the model it started from; else below every LR tried.
      const tried = stage.chosenLr !== undefined && stage.trials.includes(stage.chosenLr);
      if (!tried) expect(stage.chosenLr).toBeLessThan(Math.min(...stage.trials));
      // The first search's training starts from its checkpoint (trainFrom's default); a later
      // one goes on from its best probe when that probe's LR is chosen.
      expect(stage.kept).toBe(i === 0 || !tried ? 'checkpoint' : 'probe');
    });
    for (const loss of out.cooldown.losses) expect(Number.isFinite(loss)).toBe(true);
    // StepLR from 0.05, gamma 0.5 every 5 steps: 14 steps, the last (index 13) at 0.05 * 0.5^2.
    expect(out.stepLR.step).toBe(14);
    expect(out.stepLR.lr).toBeCloseTo(0.0125, 12);
    expect(out.stepLR.optimizerLr).toBeCloseTo(0.0125, 12);
    for (const loss of out.stepLR.losses) expect(Number.isFinite(loss)).toBe(true);
  });

  it("import { autoLRS } from 'autolrs' loads tfjs and autolrs only: not vega, vega-lite, resvg or cli-progress", () => {
    const heavy = ['vega', 'vega-lite', '@resvg/resvg-js', 'cli-progress'];
    // They are installed (dependencies of the report and the command line), so an import would find them.
    for (const name of heavy) expect(existsSync(join(project, 'node_modules', name, 'package.json')), name).toBe(true);
    const r = run('node', ['import-probe.mjs', 'autolrs', '--list'], project, 120_000);
    expect(r.status, r.stderr).toBe(0);
    const { packages } = lastJson<{ packages: Record<string, number> }>(r.stdout);
    expect(packages['autolrs']).toBeGreaterThan(0);
    expect(packages['@tensorflow/tfjs-core']).toBe(1);
    for (const name of heavy) expect(packages[name], name).toBeUndefined();
    const allowed = /^(autolrs|@tensorflow\/tfjs(-[a-z-]+)?|long|seedrandom)$/;
    expect(Object.keys(packages).filter((name) => !allowed.test(name))).toEqual([]);
  });

  it(`with a second copy of tfjs (${DEV}) in the project, fit fails with the duplicate-engine error naming both versions`, () => {
    ok('npm', [...NPM_INSTALL, `tfjs-other@npm:@tensorflow/tfjs@${DEV}`], project);
    const r = run('node', ['duplicate.mjs'], project, 120_000);
    expect(r.status, r.stderr).toBe(0);
    const out = lastJson<{ otherVersion: string; errors: Record<string, { name: string; message: string } | null> }>(r.stdout);
    expect(out.otherVersion).toBe(DEV);
    for (const [name, who] of [
      ['autoLRS', 'AutoLRS'],
      ['cooldown', 'AutoLRS'],
      ['stepLR', 'the LR schedule'],
      ['driver', 'AutoLRSDriver'],
    ] as const) {
      const err = out.errors[name];
      expect(err, name).not.toBeNull();
      expect(err!.name).toBe('DuplicateTfjsError');
      expect(err!.message).toMatch(new RegExp(`^${who}: expected `));
      expect(err!.message).toContain(`the TensorFlow.js that autolrs uses (@tensorflow/tfjs-core ${LOWEST} at `);
      expect(err!.message).toContain(`got it from another copy of TensorFlow.js (version ${DEV})`);
      expect(err!.message).toContain('npm dedupe');
      console.log(`${name}: ${err!.message}`);
    }
  }, 600_000);
});
