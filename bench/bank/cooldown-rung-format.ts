/**
 * The first-rung file of the cooldown strategy's curve bank (`build-cooldown-rung.ts`): for
 * every (checkpoint, LR) of the bank, the first-rung probe of a halved search and its score.
 */
import * as fs from 'node:fs';

import type { CooldownBank } from './cooldown-format.js';
import { decodeFloat32 } from './format.js';

/** How the file was produced. */
export interface CooldownRungProvenance {
  /** The bank file the rung belongs to, and its build date. */
  bank: string;
  bankDate: string;
  /** τ₁ and h₁. */
  rungSteps: number;
  rungHoldSteps: number;
  backend: string;
  machine: unknown;
  date: string;
  command: string;
  wallSeconds: number;
  gradientSteps: number;
  notes: string;
}

/** One stored record. */
export interface StoredRungRecord {
  checkpoint: number;
  lrIndex: number;
  lr: number;
  /** Float32 mini-batch losses, base64. */
  losses: string;
  /** Score after the first-rung probe; null when not finite. */
  score: number | null;
}

/** The file. */
export interface CooldownRungFile {
  format: 'autolrs-cooldown-rung';
  version: 1;
  produced: CooldownRungProvenance;
  records: StoredRungRecord[];
}

/** First-rung scores by checkpoint and LR index (NaN for a score that was not finite), checked against the bank. */
export class CooldownRung {
  readonly produced: CooldownRungProvenance;
  readonly #scores: number[][];

  constructor(file: CooldownRungFile, bank: CooldownBank) {
    if (file?.format !== 'autolrs-cooldown-rung' || file.version !== 1) {
      throw new TypeError(`Expected a first-rung file of format autolrs-cooldown-rung version 1, got ${JSON.stringify(file?.format)} ${String(file?.version)}.`);
    }
    if (file.produced.bankDate !== bank.produced.date) {
      throw new RangeError(`Expected a first-rung file built from the bank of ${bank.produced.date}, got one built from the bank of ${file.produced.bankDate}.`);
    }
    this.produced = file.produced;
    const grid = bank.grid;
    this.#scores = bank.checkpoints.map(() => new Array<number>(grid.length).fill(Number.NaN));
    const seen = new Set<string>();
    for (const r of file.records) {
      if (!(r.checkpoint >= 0 && r.checkpoint < bank.numCheckpoints && r.lrIndex >= 0 && r.lrIndex < grid.length) || r.lr !== grid[r.lrIndex]) {
        throw new RangeError(`Expected records at the bank's checkpoints and grid LRs, got checkpoint ${r.checkpoint}, LR index ${r.lrIndex}, lr ${r.lr}.`);
      }
      const losses = decodeFloat32(r.losses);
      if (losses.length !== file.produced.rungSteps) throw new RangeError(`Expected ${file.produced.rungSteps} losses for checkpoint ${r.checkpoint}, LR index ${r.lrIndex}, got ${losses.length}.`);
      seen.add(`${r.checkpoint}:${r.lrIndex}`);
      this.#scores[r.checkpoint]![r.lrIndex] = r.score === null ? Number.NaN : r.score;
    }
    if (seen.size !== bank.numCheckpoints * grid.length) {
      throw new RangeError(`Expected a record for each of the bank's ${bank.numCheckpoints * grid.length} (checkpoint, LR) pairs, got ${seen.size}.`);
    }
  }

  static load(file: string, bank: CooldownBank): CooldownRung {
    return new CooldownRung(JSON.parse(fs.readFileSync(file, 'utf8')) as CooldownRungFile, bank);
  }

  /** The first-rung scores of a checkpoint, by LR index. */
  scores(checkpoint: number): number[] {
    return [...this.#scores[checkpoint]!];
  }
}
