/**
 * The curve bank's file format: one JSON file with how the bank was produced and, for
 * every (checkpoint, LR) pair, the training loss of each of τ steps and the validation
 * loss at a few steps, as little-endian float32 arrays in base64 (NaN kept).
 */
import * as fs from 'node:fs';

/** How the bank was produced. */
export interface BankProvenance {
  model: string;
  data: string;
  trainSize: number;
  validationSize: number;
  batchSize: number;
  optimizer: string;
  /** LR of the run that produced the checkpoints. */
  trajectoryLr: number;
  /** Steps of that run at which the checkpoints were taken. */
  checkpointSteps: number[];
  /** Steps trained from each checkpoint at each LR. */
  tau: number;
  /** Probe length the bank is meant for (τ/10). */
  tauPrime: number;
  /** The LR grid (log-spaced). */
  grid: number[];
  /** Steps (after the checkpoint) at which the validation loss was measured; 0 is the checkpoint. */
  valSteps: number[];
  /** Seed of the model's initialization and of the batch order. */
  seed: number;
  backend: string;
  machine: { cpu: string; cores: number; loadAverage: number[]; platform: string; node: string; tfjs: string };
  date: string;
  command: string;
  wallSeconds: number;
  notes: string;
}

/** One curve as stored. */
export interface StoredCurve {
  checkpoint: number;
  lrIndex: number;
  lr: number;
  /** τ training losses (the loss of step i after the checkpoint at index i), float32 base64. */
  train: string;
  /** Validation losses at `valSteps`, float32 base64. */
  val: string;
}

export interface BankFile {
  format: 'autolrs-curve-bank';
  version: 1;
  produced: BankProvenance;
  checkpoints: Array<{ step: number; valLoss: number }>;
  curves: StoredCurve[];
}

/** One curve, decoded. */
export interface BankCurve {
  checkpoint: number;
  lrIndex: number;
  lr: number;
  train: Float32Array;
  val: Float32Array;
}

export function encodeFloat32(values: ArrayLike<number>): string {
  const a = Float32Array.from(values);
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64');
}

export function decodeFloat32(s: string): Float32Array {
  const b = Buffer.from(s, 'base64');
  if (b.byteLength % 4 !== 0) throw new RangeError(`Expected a base64 float32 array (a multiple of 4 bytes), got ${b.byteLength} bytes.`);
  const out = new Float32Array(b.byteLength / 4);
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  for (let i = 0; i < out.length; i++) out[i] = view.getFloat32(4 * i, true);
  return out;
}

/** A loaded bank: its provenance and curves indexed by (checkpoint, LR index). */
export class CurveBank {
  readonly produced: BankProvenance;
  readonly checkpoints: Array<{ step: number; valLoss: number }>;
  readonly #curves: BankCurve[][];

  constructor(file: BankFile) {
    if (file?.format !== 'autolrs-curve-bank' || file.version !== 1) {
      throw new TypeError(`Expected a curve bank of format autolrs-curve-bank version 1, got ${JSON.stringify(file?.format)} ${String(file?.version)}.`);
    }
    this.produced = file.produced;
    this.checkpoints = file.checkpoints;
    const g = file.produced.grid.length;
    this.#curves = file.checkpoints.map(() => new Array<BankCurve>(g));
    for (const c of file.curves) {
      const train = decodeFloat32(c.train);
      if (train.length !== file.produced.tau) throw new RangeError(`Expected ${file.produced.tau} training losses per curve, got ${train.length}.`);
      this.#curves[c.checkpoint]![c.lrIndex] = { checkpoint: c.checkpoint, lrIndex: c.lrIndex, lr: c.lr, train, val: decodeFloat32(c.val) };
    }
    this.#curves.forEach((row, i) =>
      row.forEach((c, j) => {
        if (c === undefined) throw new RangeError(`Expected a curve for checkpoint ${i} and LR index ${j}, got none.`);
      }),
    );
  }

  static load(file: string): CurveBank {
    return new CurveBank(JSON.parse(fs.readFileSync(file, 'utf8')) as BankFile);
  }

  get grid(): number[] {
    return [...this.produced.grid];
  }
  get tau(): number {
    return this.produced.tau;
  }
  get tauPrime(): number {
    return this.produced.tauPrime;
  }
  get numCheckpoints(): number {
    return this.checkpoints.length;
  }

  curve(checkpoint: number, lrIndex: number): BankCurve {
    const c = this.#curves[checkpoint]?.[lrIndex];
    if (c === undefined) throw new RangeError(`Expected a checkpoint in [0, ${this.numCheckpoints - 1}] and an LR index in [0, ${this.grid.length - 1}], got ${checkpoint}, ${lrIndex}.`);
    return c;
  }
}
