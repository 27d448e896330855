/**
 * The file format of the cooldown strategy's curve bank: one JSON file with how the bank
 * was produced and, for every (checkpoint, LR) pair, the probe as the strategy runs it
 * (τ' steps: h at the LR, then the mini-cooldown), a constant-LR branch of the same probe
 * from its hold point, and the truth (τ steps at the LR, then a linear cooldown to 0, then
 * the loss and accuracy on the whole validation split). Loss series are little-endian
 * float32 arrays in base64 (NaN kept, see {@link encodeFloat32}); a single value that is
 * not finite is stored as `null` and read back as NaN.
 */
import * as fs from 'node:fs';

import { decodeFloat32 } from './format.js';

/** How the bank was produced. */
export interface CooldownBankProvenance {
  model: string;
  data: string;
  trainSize: number;
  validationSize: number;
  /** Validation images the probes are scored on (the first ones of the validation split). */
  scoreSize: number;
  batchSize: number;
  optimizer: string;
  /** LR of the run that produced the checkpoints. */
  trajectoryLr: number;
  /** Steps of that run at which the checkpoints were taken (0: the initialization). */
  checkpointSteps: number[];
  /** Steps of a probe, τ'. */
  probeSteps: number;
  /** Steps of a probe at its LR before its mini-cooldown, h. */
  holdSteps: number;
  /** Fraction of a probe spent decaying its LR (h = τ' − round(probeCooldown·τ')). */
  probeCooldown: number;
  /** Steps of the truth at the LR, τ. */
  tau: number;
  /** Steps of the truth's linear cooldown to 0 after τ. */
  cooldownSteps: number;
  /** The LR grid (log-spaced). */
  grid: number[];
  /** Seeds: model initialization, trajectory batches, probe batches (ProbeData), truth batches. */
  seeds: { model: number; trajectory: number; probeData: number; truth: number[] };
  backend: string;
  machine: { cpu: string; cores: number; loadAverage: number[]; platform: string; node: string; tfjs: string };
  date: string;
  command: string;
  wallSeconds: number;
  /** Gradient steps taken to build the bank (trajectory, probes, constant branches, truths). */
  gradientSteps: number;
  notes: string;
}

/** A checkpoint as stored. */
export interface CooldownCheckpoint {
  step: number;
  /** Loss on the scoring set (the first `scoreSize` validation images): the probes' base score. */
  baseScore: number | null;
  /** Loss and accuracy (%) on the whole validation split. */
  valLoss: number | null;
  valAccuracy: number;
}

/** One (checkpoint, LR) record as stored. */
export interface StoredCooldownCurve {
  checkpoint: number;
  lrIndex: number;
  lr: number;
  /** The probe as the strategy runs it: τ' mini-batch losses (base64 float32), the score after it and at its hold point. */
  probe: { losses: string; score: number | null; holdScore: number | null };
  /** From the hold point, τ' − h more steps at the LR on the probe's batches: their losses and the score after them. */
  constant: { losses: string; score: number | null };
  /**
   * From the checkpoint, τ steps at the LR then the cooldown: every step's mini-batch loss
   * (NaN after `stoppedAt`), and the loss and accuracy (%) on the whole validation split.
   */
  truth: { losses: string; valLoss: number | null; valAccuracy: number; stoppedAt: number | null };
}

export interface CooldownBankFile {
  format: 'autolrs-cooldown-bank';
  version: 1;
  produced: CooldownBankProvenance;
  checkpoints: CooldownCheckpoint[];
  curves: StoredCooldownCurve[];
}

/** One (checkpoint, LR) record, decoded (non-finite values as NaN). */
export interface CooldownCurve {
  checkpoint: number;
  lrIndex: number;
  lr: number;
  /** The shipped probe's τ' mini-batch losses (the loss of probe step i at index i). */
  probeLosses: Float32Array;
  /** Score after the probe's mini-cooldown. */
  score: number;
  /** Score at the hold point, after h steps at the LR. */
  holdScore: number;
  /** The constant-LR probe's τ' mini-batch losses: the probe's first h, then the branch's τ' − h. */
  constantLosses: Float32Array;
  /** Score after the constant-LR probe. */
  constantScore: number;
  truthLosses: Float32Array;
  /** Validation loss after τ steps at the LR and the cooldown (NaN when it diverged). */
  truthLoss: number;
  truthAccuracy: number;
  /** Step at which the truth's training stopped because its loss was no longer finite (null: it ran to the end). */
  truthStoppedAt: number | null;
}

/** A stored value: a number, or null for one that was not finite. */
export function storeValue(x: number): number | null {
  return Number.isFinite(x) ? x : null;
}

function readValue(x: number | null): number {
  return x === null ? NaN : x;
}

/** A loaded cooldown bank: its provenance and records indexed by (checkpoint, LR index). */
export class CooldownBank {
  readonly produced: CooldownBankProvenance;
  readonly checkpoints: Array<{ step: number; baseScore: number; valLoss: number; valAccuracy: number }>;
  readonly #curves: CooldownCurve[][];

  constructor(file: CooldownBankFile) {
    if (file?.format !== 'autolrs-cooldown-bank' || file.version !== 1) {
      throw new TypeError(`Expected a curve bank of format autolrs-cooldown-bank version 1, got ${JSON.stringify(file?.format)} ${String(file?.version)}.`);
    }
    const p = file.produced;
    this.produced = p;
    this.checkpoints = file.checkpoints.map((c) => ({ step: c.step, baseScore: readValue(c.baseScore), valLoss: readValue(c.valLoss), valAccuracy: c.valAccuracy }));
    const truthSteps = p.tau + p.cooldownSteps;
    const branch = p.probeSteps - p.holdSteps;
    this.#curves = file.checkpoints.map(() => new Array<CooldownCurve>(p.grid.length));
    for (const c of file.curves) {
      if (this.#curves[c.checkpoint] === undefined || !(Number.isInteger(c.lrIndex) && c.lrIndex >= 0 && c.lrIndex < p.grid.length)) {
        throw new RangeError(`Expected a record's checkpoint in [0, ${file.checkpoints.length - 1}] and LR index in [0, ${p.grid.length - 1}], got ${c.checkpoint}, ${c.lrIndex}.`);
      }
      const probeLosses = decodeFloat32(c.probe.losses);
      const branchLosses = decodeFloat32(c.constant.losses);
      const truthLosses = decodeFloat32(c.truth.losses);
      const lengths: Array<[string, number, number]> = [
        ['probe', probeLosses.length, p.probeSteps],
        ['constant-branch', branchLosses.length, branch],
        ['truth', truthLosses.length, truthSteps],
      ];
      for (const [what, got, want] of lengths) {
        if (got !== want) throw new RangeError(`Expected ${want} ${what} losses for checkpoint ${c.checkpoint}, LR index ${c.lrIndex}, got ${got}.`);
      }
      const constantLosses = new Float32Array(p.probeSteps);
      constantLosses.set(probeLosses.subarray(0, p.holdSteps));
      constantLosses.set(branchLosses, p.holdSteps);
      this.#curves[c.checkpoint]![c.lrIndex] = {
        checkpoint: c.checkpoint,
        lrIndex: c.lrIndex,
        lr: c.lr,
        probeLosses,
        score: readValue(c.probe.score),
        holdScore: readValue(c.probe.holdScore),
        constantLosses,
        constantScore: readValue(c.constant.score),
        truthLosses,
        truthLoss: readValue(c.truth.valLoss),
        truthAccuracy: c.truth.valAccuracy,
        truthStoppedAt: c.truth.stoppedAt,
      };
    }
    // A for loop, not forEach: forEach skips the holes of a sparse array.
    for (let i = 0; i < this.#curves.length; i++) {
      for (let j = 0; j < p.grid.length; j++) {
        if (this.#curves[i]![j] === undefined) throw new RangeError(`Expected a record for checkpoint ${i} and LR index ${j}, got none.`);
      }
    }
  }

  static load(file: string): CooldownBank {
    return new CooldownBank(JSON.parse(fs.readFileSync(file, 'utf8')) as CooldownBankFile);
  }

  get grid(): number[] {
    return [...this.produced.grid];
  }
  get numCheckpoints(): number {
    return this.checkpoints.length;
  }

  curve(checkpoint: number, lrIndex: number): CooldownCurve {
    const c = this.#curves[checkpoint]?.[lrIndex];
    if (c === undefined) throw new RangeError(`Expected a checkpoint in [0, ${this.numCheckpoints - 1}] and an LR index in [0, ${this.produced.grid.length - 1}], got ${checkpoint}, ${lrIndex}.`);
    return c;
  }
}
