/**
 * Offline AutoLRS: replays the LR search against the recorded curve bank
 * (bench/bank/), with no training, the way NAS-HPO-Bench-II answers queries from a
 * table instead of retraining.
 *
 *   npx tsx bench/offline.ts [--bank bench/bank/fashion-mnist-cnn.json] [--seeds 10] [--k 10] [--out FILE]
 *
 * - {@link OfflineBench}: `queryByKey(checkpoint, lr)` returns the recorded curve of the
 *   nearest grid LR and its cost, `getResults()` the transitions of the searches run so
 *   far, `reset()` clears them.
 * - Forecast quality: for every (checkpoint, LR), `fitExponential` on the τ'-step prefix of
 *   the training losses predicts the loss at τ (as the AutoLRS driver does); the truth is
 *   the mean training loss over the last τ/20 steps before τ (per-step losses are
 *   mini-batch losses; the mean is the level the forecast aims at).
 * - Search quality: a BayesianOptimizer with AutoLRS's settings (LCB, κ = 1e6, one random
 *   initial point, seed = BO seed) runs k trials from each checkpoint. Its continuous asks
 *   are snapped to the nearest grid LR in log space; it is told the snapped LR and the
 *   trial's value (the forecast, or the 1e6 penalty for a NaN or diverged probe, with the
 *   controller's divergence rule). An ask that snaps to an LR already tried costs nothing:
 *   it is told the earlier value at the LR it asked and asked again, the optimizer's
 *   duplicate rule at grid resolution (after 50 such re-asks, a random untried grid LR is
 *   taken). After each trial the LR AutoLRS would train at is the one with the lowest
 *   told value; its regret is its true loss minus the best true loss on the grid. Random
 *   search draws k distinct grid LRs uniformly and chooses the same way.
 *
 * Cost: a trial costs τ' steps (the probe), so k trials cost k·τ' steps, against G·τ' for
 * probing the whole grid and G·τ for training every grid LR to τ.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

import { mean, median, quantile, sampleStandardDeviation } from 'simple-statistics';

import { BayesianOptimizer } from '../src/bo/optimizer.js';
import { fitExponential } from '../src/scheduler/reference/forecast.js';
import { CurveBank, type BankCurve } from './bank/format.js';

/** The default bank. */
export const DEFAULT_BANK = fileURLToPath(new URL('./bank/fashion-mnist-cnn.json', import.meta.url));

/** Penalty told for a NaN or diverged probe (the controller's default nanPenalty). */
export const NAN_PENALTY = 1e6;
/** The controller's default divergence factor. */
export const DIVERGENCE_FACTOR = 3;

/** The forecast of one bank curve from its τ'-prefix. */
export interface CurveForecast {
  checkpoint: number;
  lrIndex: number;
  lr: number;
  /** fitExponential's prediction at τ from the first τ' losses (NaN when not finite). */
  forecast: number;
  /** What a search is told: the forecast, or {@link NAN_PENALTY} for a NaN or diverged probe. */
  told: number;
  note?: 'nan-penalty' | 'diverged';
  /**
   * Mean training loss over the last τ/20 steps before τ; for a curve that is not finite
   * there, the largest finite loss it recorded.
   */
  truth: number;
  /** |forecast − truth| / truth; NaN when either is not finite. */
  relError: number;
  /**
   * Standard error of the truth relative to it (sd of the window's losses / √window /
   * truth): the part of `relError` that mini-batch noise alone explains. NaN when diverged.
   */
  truthNoise: number;
}

/** One trial of a replayed search. */
export interface Transition {
  search: 'bo' | 'random';
  seed: number;
  checkpoint: number;
  trial: number;
  /** What the optimizer asked (continuous), then the grid LR used. */
  askedLr: number;
  lr: number;
  forecast: number;
  told: number;
  trueLoss: number;
  /** The LR with the lowest told value so far (what AutoLRS would train at). */
  chosenLr: number;
  /** True loss of `chosenLr` minus the grid optimum's. */
  regret: number;
  /** Best true loss among the LRs tried so far minus the grid optimum's (oracle choice). */
  oracleRegret: number;
  bestTrueSoFar: number;
  /** Steps spent by this search so far (τ' per trial). */
  cumulativeCost: number;
  /** Grid-resolution duplicates re-told before this trial's ask was accepted. */
  duplicates: number;
}

/**
 * Forecasts every curve of the bank (one fitExponential per curve) from its first
 * `prefix` training losses (τ' by default).
 */
export async function forecastBank(bank: CurveBank, prefix = bank.tauPrime): Promise<CurveForecast[]> {
  if (!Number.isInteger(prefix) || prefix < 3 || prefix > bank.tau) throw new RangeError(`Expected \`prefix\` to be an integer in [3, ${bank.tau}], got ${prefix}.`);
  const out: CurveForecast[] = [];
  const window = Math.max(1, Math.round(bank.tau / 20));
  for (let c = 0; c < bank.numCheckpoints; c++) {
    for (let i = 0; i < bank.grid.length; i++) {
      const curve = bank.curve(c, i);
      const fit = await fitExponential(curve.train.subarray(0, prefix), { predictAt: bank.tau, interval: 1, mode: 'train' });
      const tail = curve.train.subarray(bank.tau - window, bank.tau);
      // A curve that stops being finite counts as bad as the worst loss it recorded.
      const truth = tail.every(Number.isFinite) ? mean([...tail]) : Math.max(...[...curve.train].filter(Number.isFinite));
      let told = fit.prediction;
      let note: CurveForecast['note'];
      if (!Number.isFinite(fit.prediction)) {
        told = NAN_PENALTY;
        note = 'nan-penalty';
      } else if (!Number.isFinite(fit.tail) || fit.tail > DIVERGENCE_FACTOR * fit.head) {
        told = NAN_PENALTY;
        note = 'diverged';
      }
      const finiteTail = tail.every(Number.isFinite);
      const relError = Number.isFinite(fit.prediction) && finiteTail ? Math.abs(fit.prediction - truth) / truth : NaN;
      const truthNoise = finiteTail && window > 1 ? sampleStandardDeviation([...tail]) / Math.sqrt(window) / truth : NaN;
      out.push({ checkpoint: c, lrIndex: i, lr: curve.lr, forecast: fit.prediction, told, ...(note === undefined ? {} : { note }), truth, relError, truthNoise });
    }
  }
  return out;
}

/** Index of the grid LR nearest to `lr` in log space. */
export function snapToGrid(grid: readonly number[], lr: number): number {
  let best = 0;
  for (let i = 1; i < grid.length; i++) {
    if (Math.abs(Math.log(lr / grid[i]!)) < Math.abs(Math.log(lr / grid[best]!))) best = i;
  }
  return best;
}

/** A seeded generator (mulberry32) for random search. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The bank as a query table, with the searches' transitions. */
export class OfflineBench {
  readonly bank: CurveBank;
  readonly forecasts: CurveForecast[];
  #transitions: Transition[] = [];

  private constructor(bank: CurveBank, forecasts: CurveForecast[]) {
    this.bank = bank;
    this.forecasts = forecasts;
  }

  /** Loads a bank and forecasts its curves from their first `prefix` losses (τ' by default). */
  static async create(bank: CurveBank | string = DEFAULT_BANK, prefix?: number): Promise<OfflineBench> {
    const b = typeof bank === 'string' ? CurveBank.load(bank) : bank;
    return new OfflineBench(b, await forecastBank(b, prefix ?? b.tauPrime));
  }

  /**
   * The recorded curve of the grid LR nearest to `lr` from `checkpoint`, its forecast, and
   * the cost of a probe (τ' steps; recording the whole curve took τ).
   */
  queryByKey(checkpoint: number, lr: number): { curve: BankCurve; forecast: CurveForecast; cost: number; fullCost: number } {
    if (!(lr > 0)) throw new RangeError(`Expected \`lr\` to be a number > 0, got ${lr}.`);
    const i = snapToGrid(this.bank.grid, lr);
    return { curve: this.bank.curve(checkpoint, i), forecast: this.#forecast(checkpoint, i), cost: this.bank.tauPrime, fullCost: this.bank.tau };
  }

  /** Every transition of the searches run since the last {@link reset}. */
  getResults(): Transition[] {
    return this.#transitions.map((t) => ({ ...t }));
  }

  reset(): void {
    this.#transitions = [];
  }

  #forecast(checkpoint: number, i: number): CurveForecast {
    return this.forecasts[checkpoint * this.bank.grid.length + i]!;
  }

  /** The best true loss on the grid from `checkpoint`. */
  optimum(checkpoint: number): number {
    let best = Infinity;
    for (let i = 0; i < this.bank.grid.length; i++) best = Math.min(best, this.#forecast(checkpoint, i).truth);
    return best;
  }

  /** Replays one search of `k` trials from `checkpoint`; returns (and records) its transitions. */
  runSearch(search: 'bo' | 'random', checkpoint: number, k: number, seed: number): Transition[] {
    const grid = this.bank.grid;
    if (!Number.isInteger(k) || k < 1 || k > grid.length) throw new RangeError(`Expected \`k\` to be an integer in [1, ${grid.length}], got ${k}.`);
    const optimum = this.optimum(checkpoint);
    const tried = new Map<number, number>(); // grid index -> told value
    const out: Transition[] = [];
    const bo = search === 'bo' ? new BayesianOptimizer({ minLr: grid[0]!, maxLr: grid.at(-1)!, seed, acquisition: 'lcb', kappa: 1e6, nInitialPoints: 1 }) : null;
    const random = rng(seed * 7919 + 1);
    let chosen = -1;
    let bestTrue = Infinity;
    for (let trial = 0; trial < k; trial++) {
      let asked: number;
      let index: number;
      let duplicates = 0;
      if (bo !== null) {
        for (;;) {
          asked = bo.ask();
          index = snapToGrid(grid, asked);
          if (!tried.has(index)) break;
          bo.tell(asked, tried.get(index)!);
          duplicates++;
          if (duplicates >= 50) {
            const untried = grid.map((_, i) => i).filter((i) => !tried.has(i));
            index = untried[Math.floor(random() * untried.length)]!;
            asked = grid[index]!;
            break;
          }
        }
      } else {
        const untried = grid.map((_, i) => i).filter((i) => !tried.has(i));
        index = untried[Math.floor(random() * untried.length)]!;
        asked = grid[index]!;
      }
      const { forecast, cost } = this.queryByKey(checkpoint, grid[index]!);
      tried.set(index, forecast.told);
      bo?.tell(grid[index]!, forecast.told);
      if (chosen < 0 || forecast.told < tried.get(chosen)!) chosen = index;
      bestTrue = Math.min(bestTrue, forecast.truth);
      const t: Transition = {
        search,
        seed,
        checkpoint,
        trial,
        askedLr: asked,
        lr: grid[index]!,
        forecast: forecast.forecast,
        told: forecast.told,
        trueLoss: forecast.truth,
        chosenLr: grid[chosen]!,
        regret: this.#forecast(checkpoint, chosen).truth - optimum,
        oracleRegret: bestTrue - optimum,
        bestTrueSoFar: bestTrue,
        cumulativeCost: (trial + 1) * cost,
        duplicates,
      };
      out.push(t);
      this.#transitions.push(t);
    }
    return out;
  }
}

/** Forecast error figures. */
export interface ForecastReport {
  curves: number;
  /** Curves left out: the forecast or the losses before τ are not finite (diverged probes). */
  excluded: number;
  medianRelError: number;
  p90RelError: number;
  meanRelError: number;
  /** Per grid LR: median relative error over checkpoints (NaN when none finite). */
  perLr: Array<{ lr: number; medianRelError: number; n: number }>;
  /** Median of {@link CurveForecast.truthNoise}: the error floor that the truth's noise sets. */
  medianTruthNoise: number;
  /** Forecasts below 0 (a cross-entropy cannot be). */
  negative: number;
  /** Probes a search would be told the 1e6 penalty for. */
  penalized: number;
  /** Fraction of checkpoints where the LR with the lowest told value is the true best grid LR. */
  argminAgreement: number;
}

export function forecastReport(bench: OfflineBench): ForecastReport {
  const f = bench.forecasts;
  const ok = f.filter((x) => Number.isFinite(x.relError));
  const errs = ok.map((x) => x.relError);
  const grid = bench.bank.grid;
  let agree = 0;
  for (let c = 0; c < bench.bank.numCheckpoints; c++) {
    const row = f.filter((x) => x.checkpoint === c);
    const byTold = row.reduce((a, b) => (b.told < a.told ? b : a));
    const byTruth = row.reduce((a, b) => (b.truth < a.truth ? b : a));
    if (byTold.lrIndex === byTruth.lrIndex) agree++;
  }
  return {
    curves: f.length,
    excluded: f.length - ok.length,
    medianRelError: median(errs),
    p90RelError: quantile(errs, 0.9),
    meanRelError: mean(errs),
    perLr: grid.map((lr, i) => {
      const e = ok.filter((x) => x.lrIndex === i).map((x) => x.relError);
      return { lr, medianRelError: e.length > 0 ? median(e) : NaN, n: e.length };
    }),
    medianTruthNoise: median(ok.map((x) => x.truthNoise)),
    negative: f.filter((x) => x.forecast < 0).length,
    penalized: f.filter((x) => x.note !== undefined).length,
    argminAgreement: agree / bench.bank.numCheckpoints,
  };
}

/** Regret figures of one search strategy. */
export interface SearchReport {
  search: 'bo' | 'random';
  seeds: number;
  k: number;
  /** Mean over checkpoints and seeds of the regret of the chosen LR after trial j (index j − 1). */
  meanRegret: number[];
  /** The same with the oracle choice (best true loss among the LRs tried). */
  meanOracleRegret: number[];
  /** Fraction of searches whose chosen LR after k trials is the grid optimum. */
  hitRate: number;
  /** Steps per search (k·τ'), and for comparison probing the whole grid (G·τ') and training every grid LR to τ (G·τ). */
  cost: { searchSteps: number; gridProbeSteps: number; gridFullSteps: number };
  /** Grid-resolution duplicates re-told, per search (mean). */
  meanDuplicates: number;
}

/** Runs `seeds` searches from every checkpoint and summarizes their regret. */
export function searchReport(bench: OfflineBench, search: 'bo' | 'random', k: number, seeds: number): SearchReport {
  const meanRegret = new Array<number>(k).fill(0);
  const meanOracle = new Array<number>(k).fill(0);
  let hits = 0;
  let dups = 0;
  const n = bench.bank.numCheckpoints * seeds;
  for (let c = 0; c < bench.bank.numCheckpoints; c++) {
    for (let s = 0; s < seeds; s++) {
      const ts = bench.runSearch(search, c, k, s);
      ts.forEach((t, j) => {
        meanRegret[j]! += t.regret / n;
        meanOracle[j]! += t.oracleRegret / n;
        dups += t.duplicates / n;
      });
      if (ts.at(-1)!.regret === 0) hits++;
    }
  }
  const g = bench.bank.grid.length;
  return {
    search,
    seeds,
    k,
    meanRegret,
    meanOracleRegret: meanOracle,
    hitRate: hits / n,
    cost: { searchSteps: k * bench.bank.tauPrime, gridProbeSteps: g * bench.bank.tauPrime, gridFullSteps: g * bench.bank.tau },
    meanDuplicates: dups,
  };
}

/** The full offline report. */
export interface OfflineReport {
  bank: string;
  produced: CurveBank['produced'];
  forecast: ForecastReport;
  bo: SearchReport;
  random: SearchReport;
  /** Mean grid-optimum loss over checkpoints, to read the regrets against. */
  meanOptimum: number;
  /** Forecast error and the chosen LR's regret when the probes are shorter or longer than τ'. */
  prefixSweep: Array<{ prefix: number; medianRelError: number; p90RelError: number; negative: number; boRegret: number; boOracleRegret: number }>;
  wallMs: number;
}

export async function offlineReport(bankFile = DEFAULT_BANK, k = 10, seeds = 10): Promise<OfflineReport> {
  const t0 = performance.now();
  const bench = await OfflineBench.create(bankFile);
  const forecast = forecastReport(bench);
  const bo = searchReport(bench, 'bo', k, seeds);
  const random = searchReport(bench, 'random', k, Math.max(seeds, 100));
  let opt = 0;
  for (let c = 0; c < bench.bank.numCheckpoints; c++) opt += bench.optimum(c) / bench.bank.numCheckpoints;
  const prefixSweep: OfflineReport['prefixSweep'] = [];
  for (const prefix of [5, 8, bench.bank.tauPrime, 2 * bench.bank.tauPrime, 4 * bench.bank.tauPrime]) {
    if (prefix > bench.bank.tau) continue;
    const b = await OfflineBench.create(bench.bank, prefix);
    const f = forecastReport(b);
    const s = searchReport(b, 'bo', k, seeds);
    prefixSweep.push({ prefix, medianRelError: f.medianRelError, p90RelError: f.p90RelError, negative: f.negative, boRegret: s.meanRegret.at(-1)!, boOracleRegret: s.meanOracleRegret.at(-1)! });
  }
  return {
    bank: path.relative(process.cwd(), bankFile),
    produced: bench.bank.produced,
    forecast,
    bo,
    random,
    meanOptimum: opt,
    prefixSweep,
    wallMs: performance.now() - t0,
  };
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  let bank = DEFAULT_BANK;
  let k = 10;
  let seeds = 10;
  let out: string | undefined;
  for (let i = 0; i < argv.length; i += 2) {
    const v = argv[i + 1];
    switch (argv[i]) {
      case '--bank':
        bank = v ?? bank;
        break;
      case '--k':
        k = Number(v);
        break;
      case '--seeds':
        seeds = Number(v);
        if (!Number.isInteger(seeds) || seeds < 1) throw new RangeError(`Expected \`--seeds\` to be an integer >= 1, got ${JSON.stringify(v)}.`);
        break;
      case '--out':
        out = v;
        break;
      default:
        throw new TypeError(`Expected one of --bank, --k, --seeds, --out, got ${JSON.stringify(argv[i])}.`);
    }
  }
  const report = await offlineReport(bank, k, seeds);
  const f = report.forecast;
  const r3 = (x: number): string => x.toFixed(3);
  process.stderr.write(
    `forecast (τ'=${report.produced.tauPrime} -> τ=${report.produced.tau}, ${f.curves - f.excluded}/${f.curves} curves): ` +
      `median rel. error ${r3(f.medianRelError)}, p90 ${r3(f.p90RelError)}, mean ${r3(f.meanRelError)}; ` +
      `truth noise (median) ${r3(f.medianTruthNoise)}; argmin agreement ${r3(f.argminAgreement)}; negative ${f.negative}; penalized ${f.penalized}\n`,
  );
  for (const s of [report.bo, report.random]) {
    process.stderr.write(
      `${s.search.padEnd(6)} (${s.seeds} seeds × ${report.produced.checkpointSteps.length} checkpoints): regret after trial 1..${s.k}: ` +
        `${s.meanRegret.map(r3).join(' ')}; oracle ${s.meanOracleRegret.map(r3).join(' ')}; hit rate ${r3(s.hitRate)}; cost ${s.cost.searchSteps} steps\n`,
    );
  }
  for (const p of report.prefixSweep) {
    process.stderr.write(
      `prefix ${String(p.prefix).padStart(3)} steps: median rel. error ${r3(p.medianRelError)}, p90 ${r3(p.p90RelError)}, negative ${p.negative}; BO regret after ${k} ${r3(p.boRegret)} (oracle ${r3(p.boOracleRegret)})\n`,
    );
  }
  process.stderr.write(`mean grid optimum loss ${r3(report.meanOptimum)}; ${(report.wallMs / 1000).toFixed(1)} s\n`);
  const file = out ?? path.join(process.env['OUT'] ?? path.join('bench', 'results'), 'offline.json');
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, `${JSON.stringify({ ...report, date: new Date().toISOString() }, null, 1)}\n`);
  process.stderr.write(`${file}\n`);
}

if (process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().then(
    () => process.exit(0),
    (err: unknown) => {
      process.stderr.write(`offline: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      process.exit(1);
    },
  );
}
