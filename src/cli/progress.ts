/**
 * Training progress for the command line: a cli-progress bar on a terminal, or one line
 * every so often when stdout is not a TTY (CI logs, files).
 */
import cliProgress from 'cli-progress';

import { formatSeconds } from './duration.js';

/** What the progress shows after a step. */
export interface ProgressState {
  step: number;
  total: number;
  /** AutoLRS stage (0 without AutoLRS). */
  stage: number;
  /** 'search', 'train', 'warmup' or the baseline schedule's name. */
  phase: string;
  lr: number;
  /** Latest training loss read from the device (null before the first read). */
  loss: number | null;
}

export interface Progress {
  update(state: ProgressState): void;
  stop(): void;
}

const fmtLr = (lr: number) => lr.toExponential(2);
const fmtLoss = (loss: number | null) => (loss === null ? '-' : loss.toFixed(4));

/** A progress bar on a TTY, lines elsewhere (every `lineEverySeconds`), or nothing when quiet. */
export function createProgress(options: {
  total: number;
  tty: boolean;
  quiet: boolean;
  write: (line: string) => void;
  lineEverySeconds?: number;
}): Progress {
  const { total, tty, quiet, write } = options;
  if (quiet) return { update() {}, stop() {} };
  if (tty) {
    const bar = new cliProgress.SingleBar(
      {
        format:
          '{bar} {percentage}% | step {value}/{total} | stage {stage} {phase} | lr {lr} | loss {loss} | {elapsed} elapsed, ETA {eta_formatted}',
        barsize: 24,
        hideCursor: true,
        etaBuffer: 50,
        fps: 5,
      },
      cliProgress.Presets.shades_classic,
    );
    const t0 = performance.now();
    bar.start(total, 0, { stage: 0, phase: '-', lr: '-', loss: '-', elapsed: '0s' });
    return {
      update(s) {
        bar.update(s.step, {
          stage: s.stage,
          phase: s.phase.padEnd(6),
          lr: fmtLr(s.lr),
          loss: fmtLoss(s.loss),
          elapsed: formatSeconds((performance.now() - t0) / 1000),
        });
      },
      stop() {
        bar.stop();
      },
    };
  }
  const every = (options.lineEverySeconds ?? 15) * 1000;
  const t0 = performance.now();
  let lastLine = -Infinity;
  let last: ProgressState | null = null;
  const line = (s: ProgressState) => {
    const elapsed = (performance.now() - t0) / 1000;
    const eta = s.step > 0 ? (elapsed / s.step) * (s.total - s.step) : NaN;
    write(
      `step ${s.step}/${s.total} (${Math.floor((100 * s.step) / s.total)}%) | stage ${s.stage} ${s.phase} | lr ${fmtLr(s.lr)} | loss ${fmtLoss(s.loss)} | ${formatSeconds(elapsed)} elapsed, ETA ${formatSeconds(eta)}`,
    );
  };
  return {
    update(s) {
      last = s;
      const now = performance.now();
      if (now - lastLine >= every || s.step === s.total) {
        lastLine = now;
        line(s);
      }
    },
    stop() {
      if (last !== null && performance.now() - lastLine > 0 && last.step !== last.total) line(last);
    },
  };
}
