import { describe, expect, it } from 'vitest';
import {
  AutoLRSController,
  type AutoLRSAction,
  type AutoLRSControllerOptions,
  type AutoLRSEvent,
  type LrSearchFactory,
} from '../../src/scheduler/reference/controller.js';

/** A search that proposes a fixed list of LRs in order and records what it is told. */
function scripted(lrs: number[], told: Array<{ stage: number; lr: number; y: number }> = []): LrSearchFactory {
  return ({ stage }) => {
    let i = 0;
    return {
      ask: () => lrs[i++ % lrs.length]!,
      tell: (lr, y) => void told.push({ stage, lr, y }),
      stateDict: () => ({ i }),
      loadStateDict: (s) => {
        i = (s as { i: number }).i;
      },
    };
  };
}

interface Logged {
  step: number;
  action: AutoLRSAction;
}

/** A forecast with the means of the probe's first and last tenth of losses. */
interface ProbeResult {
  forecast: number;
  head: number;
  tail: number;
}

/**
 * Drives a controller for `steps` training steps the way a driver does: performs every
 * action, answers forecasts with `forecastOf(lr)` (a number, or a {@link ProbeResult}
 * that also gives the probe's head and tail) and validation requests with `valLoss`.
 */
function drive(
  c: AutoLRSController,
  steps: number,
  forecastOf: (lr: number) => number | ProbeResult,
  valLoss: (step: number, lr: number) => number = () => 1,
  initial: AutoLRSAction[] = c.start(),
): Logged[] {
  const log: Logged[] = [];
  const perform = (actions: AutoLRSAction[]) => {
    const q = [...actions];
    while (q.length) {
      const a = q.shift()!;
      log.push({ step: c.globalStep, action: a });
      if (a.type === 'forecast') {
        const f = forecastOf(a.lr);
        q.unshift(...(typeof f === 'number' ? c.tellForecast(f) : c.tellForecast(f.forecast, { head: f.head, tail: f.tail })));
      }
      if (a.type === 'evaluate') q.unshift(...c.tellValidationLoss(valLoss(c.globalStep, c.lr!)));
    }
  };
  perform(initial);
  for (let s = 0; s < steps; s++) perform(c.step());
  return log;
}

const types = (log: Logged[]) => log.map((l) => l.action.type);

describe('AutoLRSController defaults', () => {
  it('equal the reference implementation', () => {
    const c = new AutoLRSController({ minLr: 1e-3, maxLr: 1e-1, search: scripted([0.01]) });
    expect(c.options.tau).toBe(1000);
    expect(c.options.tauPrime).toBe(100);
    expect(c.options.k).toBe(10);
    expect(c.options.tauMax).toBe(8000);
    expect(c.options.kappa).toBe(1e6);
    expect(c.options.nanPenalty).toBe(1e6);
    expect(c.options.nInitialPoints).toBe(1);
    expect(c.options.acquisition).toBe('lcb');
    expect(c.options.validationSamples).toBe(16);
    expect(c.options.warmupSteps).toBe(0);
  });

  it('derives tauPrime as tau / 10', () => {
    expect(new AutoLRSController({ minLr: 1e-3, maxLr: 1e-1, tau: 200, search: scripted([0.01]) }).options.tauPrime).toBe(20);
  });
});

describe('AutoLRSController action sequence', () => {
  const opts: AutoLRSControllerOptions = { minLr: 1e-3, maxLr: 1, tau: 20, tauPrime: 3, k: 3, tauMax: 80, validationMode: false };

  it('checkpoints, probes k LRs for tau\' steps each with restores between, then restores and trains tau steps', () => {
    const c = new AutoLRSController({ ...opts, search: scripted([0.1, 0.01, 0.001]) });
    const log = drive(c, 9 + 20, (lr) => Math.abs(Math.log10(lr) + 2)); // best: 0.01
    expect(types(log).slice(0, 3)).toEqual(['checkpoint', 'setLr', 'beginProbe']);
    // Trial 1 ends after 3 steps: forecast, then restore and the next LR.
    expect(log.filter((l) => l.action.type === 'forecast').map((l) => l.step)).toEqual([3, 6, 9]);
    expect(log.filter((l) => l.action.type === 'restore').map((l) => l.step)).toEqual([3, 6, 9]);
    const afterSearch = log.filter((l) => l.step === 9).map((l) => l.action);
    expect(afterSearch.map((a) => a.type)).toEqual(['forecast', 'restore', 'discardCheckpoint', 'setLr', 'beginTrain']);
    expect(afterSearch[3]).toEqual({ type: 'setLr', lr: 0.01 });
    expect(afterSearch[4]).toMatchObject({ type: 'beginTrain', stage: 1, lr: 0.01, steps: 20 });
    // After tau training steps the next stage's search begins with a checkpoint.
    const stage2 = log.filter((l) => l.step === 29).map((l) => l.action.type);
    expect(stage2).toEqual(['checkpoint', 'setLr', 'beginProbe']);
    expect(c.stage).toBe(2);
    expect(c.tau).toBe(40);
    expect(c.tauPrime).toBe(6);
  });

  it('doubles tau and tau\' while tau\' < tauMax/10, then keeps them and switches to validation loss', () => {
    const events: AutoLRSEvent[] = [];
    const c = new AutoLRSController({ ...opts, validationMode: true, validationSamples: 4, search: scripted([0.1, 0.01, 0.001]) });
    c.on((e) => events.push(e));
    // Stage lengths: k*tau' + tau = 9+20, 18+40, 36+80, 36+80.
    drive(c, 29 + 58 + 116 + 116 + 1, () => 0.5, () => 0.4);
    const begins = events.filter((e): e is Extract<AutoLRSEvent, { type: 'searchBegin' }> => e.type === 'searchBegin');
    expect(begins.map((e) => [e.stage, e.step, e.tau, e.tauPrime, e.source])).toEqual([
      [1, 0, 20, 3, 'train'],
      [2, 29, 40, 6, 'train'],
      [3, 87, 80, 12, 'train'],
      [4, 203, 80, 12, 'validation'],
      [5, 319, 80, 12, 'validation'],
    ]);
  });

  it('stops doubling tau at tauMax when tau\' is shorter than tau / 10', () => {
    // τ' = 10 reaches τmax/10 = 800 only after 7 doublings, when τ would be 128,000.
    const events: AutoLRSEvent[] = [];
    const c = new AutoLRSController({ minLr: 1e-3, maxLr: 1, tau: 1000, tauPrime: 10, k: 1, tauMax: 8000, validationMode: false, search: scripted([0.1]) });
    c.on((e) => events.push(e));
    drive(c, 1010 + 2020 + 4040 + 8080 + 8080 + 1, () => 1);
    const begins = events.filter((e): e is Extract<AutoLRSEvent, { type: 'searchBegin' }> => e.type === 'searchBegin');
    expect(begins.map((e) => [e.tau, e.tauPrime])).toEqual([
      [1000, 10],
      [2000, 20],
      [4000, 40],
      [8000, 80],
      [8000, 80],
      [8000, 80],
    ]);
    // Validation-mode stages then probe for 80 steps: too few for 100 validation samples.
    expect(() => new AutoLRSController({ minLr: 1e-3, maxLr: 1, tau: 1000, tauPrime: 10, validationSamples: 100 })).toThrow(
      'Expected `tauPrime` in validation mode (80 with tau=1000, tauPrime=10, tauMax=8000) to be at least `validationSamples` (100)',
    );
  });

  it('stage lengths are k*tau\' search steps plus tau training steps', () => {
    const events: AutoLRSEvent[] = [];
    const c = new AutoLRSController({ minLr: 1e-3, maxLr: 1, tau: 30, tauPrime: 3, k: 5, tauMax: 1000, validationMode: false, search: scripted([0.2, 0.02]) });
    c.on((e) => events.push(e));
    drive(c, 1000, () => 1);
    const trainBegins = events.filter((e) => e.type === 'trainBegin').map((e) => e.step);
    const searchBegins = events.filter((e) => e.type === 'searchBegin').map((e) => e.step);
    // search of stage s: 5 * 3 * 2^(s-1) steps; training: 30 * 2^(s-1) steps
    expect(searchBegins.slice(0, 4)).toEqual([0, 45, 135, 315]);
    expect(trainBegins.slice(0, 3)).toEqual([15, 75, 195]);
  });

  it('chooses the LR with the lowest forecast and tells the search every (LR, forecast)', () => {
    const told: Array<{ stage: number; lr: number; y: number }> = [];
    const lrs = [0.3, 0.05, 0.002, 0.02];
    const c = new AutoLRSController({ minLr: 1e-3, maxLr: 1, tau: 40, tauPrime: 4, k: 4, validationMode: false, search: scripted(lrs, told) });
    const forecast = (lr: number) => (Math.log(lr) - Math.log(0.03)) ** 2 + 0.1;
    const log = drive(c, 16, forecast);
    expect(told.map((t) => t.lr)).toEqual(lrs);
    expect(told.map((t) => t.y)).toEqual(lrs.map(forecast));
    const expectedBest = lrs.reduce((a, b) => (forecast(b) < forecast(a) ? b : a));
    expect(expectedBest).toBe(0.02);
    expect(c.lr).toBe(0.02);
    expect(c.history[0]!.chosenLr).toBe(0.02);
    expect(log.at(-1)!.action).toMatchObject({ type: 'beginTrain', lr: 0.02 });
  });
});

describe('AutoLRSController divergence', () => {
  it('tells a NaN trial the penalty and never chooses it', () => {
    const told: Array<{ stage: number; lr: number; y: number }> = [];
    const c = new AutoLRSController({ minLr: 1e-3, maxLr: 1, tau: 20, tauPrime: 3, k: 3, validationMode: false, search: scripted([0.9, 0.01, 0.1], told) });
    drive(c, 9, (lr) => (lr === 0.9 ? NaN : lr === 0.01 ? 0.5 : 0.7));
    expect(told[0]).toEqual({ stage: 1, lr: 0.9, y: 1e6 });
    expect(c.history[0]!.trials[0]).toMatchObject({ lr: 0.9, told: 1e6, note: 'nan-penalty' });
    expect(c.lr).toBe(0.01);
  });

  it('treats an infinite forecast like NaN', () => {
    const c = new AutoLRSController({ minLr: 1e-3, maxLr: 1, tau: 20, tauPrime: 3, k: 2, validationMode: false, search: scripted([0.5, 0.05]) });
    drive(c, 6, (lr) => (lr === 0.05 ? Infinity : 2));
    expect(c.lr).toBe(0.5);
  });

  it('keeps the last good LR, and lowers maxLr, when every trial of a stage diverges', () => {
    const events: AutoLRSEvent[] = [];
    let diverge = false;
    const c = new AutoLRSController({ minLr: 1e-3, maxLr: 1, tau: 20, tauPrime: 3, k: 2, tauMax: 20, validationMode: false, search: scripted([0.04, 0.2]) });
    c.on((e) => events.push(e));
    // Stage 1 succeeds (best 0.04); in stage 2 every probe diverges.
    const log = drive(c, 6 + 20, (lr) => (diverge ? NaN : lr));
    expect(c.lr).toBe(0.04);
    diverge = true;
    const log2 = drive(c, 6, () => NaN, undefined, []);
    expect(log.length).toBeGreaterThan(0);
    expect(c.phase).toBe('train');
    expect(c.lr).toBe(0.04);
    expect(c.history[1]!.note).toMatch(/every trial of stage 2 diverged/);
    // Half the smallest LR that diverged in stage 2 (0.04).
    expect(c.maxLr).toBeCloseTo(0.02, 12);
    expect(log2.map((l) => l.action.type).slice(-4)).toEqual(['restore', 'discardCheckpoint', 'setLr', 'beginTrain']);
    expect(events.filter((e) => e.type === 'trainBegin').at(-1)).toMatchObject({ lr: 0.04, note: expect.stringMatching(/diverged/) });
  });

  it('falls back to minLr when the very first stage diverges entirely', () => {
    const c = new AutoLRSController({ minLr: 2e-3, maxLr: 1, tau: 20, tauPrime: 3, k: 2, validationMode: false, search: scripted([0.5, 0.3]) });
    drive(c, 6, () => NaN);
    expect(c.lr).toBe(2e-3);
    expect(c.maxLr).toBeCloseTo(0.15, 10);
  });
});

describe('AutoLRSController exploding probes', () => {
  it('tells a probe whose loss rose past divergenceFactor x its start the penalty, and never picks it', () => {
    const c = new AutoLRSController({ minLr: 1e-3, maxLr: 1, tau: 20, tauPrime: 3, k: 3, validationMode: false, divergenceFactor: 3, search: scripted([0.9, 0.3, 0.01]) });
    c.start();
    const probe = (forecast: number, head: number, tail: number) => {
      c.step();
      c.step();
      c.step();
      return c.tellForecast(forecast, { head, tail });
    };
    probe(0.1, 1, 3.5); // exploded, although its (rising-curve) forecast looks low
    probe(0.4, 1, 2.9); // rose, but within the factor
    probe(0.5, 1, 0.8);
    const trials = c.history[0]!.trials;
    expect(trials[0]).toMatchObject({ lr: 0.9, forecast: 0.1, told: 1e6, note: 'diverged' });
    expect(trials[1]).toEqual({ lr: 0.3, forecast: 0.4, told: 0.4 });
    expect(c.lr).toBe(0.3);
  });

  it('judges a probe whose forecast is negative by the loss it reached', () => {
    const c = new AutoLRSController({ minLr: 1e-3, maxLr: 1, tau: 20, tauPrime: 3, k: 2, validationMode: false, search: scripted([0.5, 0.05]) });
    c.start();
    for (const [forecast, head, tail] of [[-0.7, 2, 0.9], [0.6, 2, 1.1]]) {
      c.step();
      c.step();
      c.step();
      c.tellForecast(forecast!, { head: head!, tail: tail! });
    }
    const trials = c.history[0]!.trials;
    expect(trials[0]).toEqual({ lr: 0.5, forecast: -0.7, told: 0.9, note: 'negative-forecast' });
    expect(trials[1]).toEqual({ lr: 0.05, forecast: 0.6, told: 0.6 });
    expect(c.lr).toBe(0.05);
  });

  it('rejects divergenceFactor <= 1', () => {
    expect(() => new AutoLRSController({ minLr: 1e-3, maxLr: 1, divergenceFactor: 1 })).toThrow(RangeError);
    expect(() => new AutoLRSController({ minLr: 1e-3, maxLr: 1, divergenceFactor: 0.5 })).toThrow(/divergenceFactor/);
  });
});

describe('AutoLRSController with a loss of any sign', () => {
  const opts: AutoLRSControllerOptions = { minLr: 1e-3, maxLr: 1, tau: 20, tauPrime: 3, k: 3, tauMax: 1000, validationMode: false };
  // Probes of a loss >= 0 (forecast, head, tail), and the same loss shifted by -5.
  const probes: Record<number, ProbeResult> = {
    0.5: { forecast: 0.7, head: 2.1, tail: 1.2 },
    0.1: { forecast: 0.4, head: 2.0, tail: 0.9 },
    0.01: { forecast: 1.6, head: 2.0, tail: 1.8 },
  };
  const shifted = (p: ProbeResult): ProbeResult => ({ forecast: p.forecast - 5, head: p.head - 5, tail: p.tail - 5 });

  it('judges a loss shifted below zero as it judges the loss itself: no probe diverged, the same LR chosen', () => {
    const a = new AutoLRSController({ ...opts, search: scripted([0.5, 0.1, 0.01]) });
    const b = new AutoLRSController({ ...opts, search: scripted([0.5, 0.1, 0.01]) });
    drive(a, 9 + 20 + 18, (lr) => probes[lr]!);
    drive(b, 9 + 20 + 18, (lr) => shifted(probes[lr]!));
    for (const c of [a, b]) expect(c.history.flatMap((s) => s.trials).filter((t) => t.note !== undefined)).toEqual([]);
    expect(b.history.map((s) => s.chosenLr)).toEqual([0.1, 0.1]);
    expect(b.history.map((s) => s.chosenLr)).toEqual(a.history.map((s) => s.chosenLr));
    expect(b.history[0]!.trials.map((t) => t.told)).toEqual([0.7 - 5, 0.4 - 5, 1.6 - 5]);
    expect(b.maxLr).toBe(1);
  });

  it('still calls a negative loss diverged when it rose by more than (factor - 1) x |head|', () => {
    const c = new AutoLRSController({ ...opts, k: 2, divergenceFactor: 3, search: scripted([0.9, 0.05]) });
    // head -4: diverged above -4 + 2 * 4 = 4.
    drive(c, 6, (lr) => (lr === 0.9 ? { forecast: -6, head: -4, tail: 4.5 } : { forecast: -4.2, head: -4, tail: 3.5 }));
    expect(c.history[0]!.trials).toEqual([
      { lr: 0.9, forecast: -6, told: 1e6, note: 'diverged' },
      { lr: 0.05, forecast: -4.2, told: -4.2 },
    ]);
    expect(c.lr).toBe(0.05);
  });

  it('applies the negative-forecast guard only until a loss below zero is seen, and keeps that through stateDict', () => {
    // A log-likelihood loss: positive at first, below zero later.
    const c = new AutoLRSController({ ...opts, k: 2, search: scripted([0.3, 0.03]) });
    let probe = (lr: number): ProbeResult => (lr === 0.3 ? { forecast: -0.5, head: 3, tail: 0.8 } : { forecast: 0.6, head: 3, tail: 1.2 });
    drive(c, 6 + 20, (lr) => probe(lr));
    // Stage 1: every loss seen was >= 0, so the negative forecast is judged by the tail.
    expect(c.history[0]!.trials[0]).toEqual({ lr: 0.3, forecast: -0.5, told: 0.8, note: 'negative-forecast' });
    expect(c.stateDict().lossSeenNegative).toBe(false);
    // Stage 2: the loss went below zero during the first probe.
    probe = (lr) => (lr === 0.3 ? { forecast: -2, head: 0.4, tail: -0.9 } : { forecast: -1.5, head: 0.4, tail: -0.6 });
    drive(c, 12 + 40, (lr) => probe(lr), undefined, []);
    expect(c.history[1]!.trials).toEqual([
      { lr: 0.3, forecast: -2, told: -2 },
      { lr: 0.03, forecast: -1.5, told: -1.5 },
    ]);
    expect(c.history[1]!.chosenLr).toBe(0.3);
    // Stage 3, resumed from JSON: losses above zero again, and still no guard.
    const resumed = new AutoLRSController({ ...opts, k: 2, search: scripted([0.3, 0.03]) });
    resumed.loadStateDict(JSON.parse(JSON.stringify(c.stateDict())));
    expect(resumed.stateDict().lossSeenNegative).toBe(true);
    probe = (lr) => (lr === 0.3 ? { forecast: -0.3, head: 2, tail: 0.5 } : { forecast: 0.2, head: 2, tail: 0.7 });
    drive(resumed, 24, (lr) => probe(lr), undefined, resumed.resumeActions());
    expect(resumed.history[2]!.trials[0]).toEqual({ lr: 0.3, forecast: -0.3, told: -0.3 });
  });
});

describe('AutoLRSController validation mode', () => {
  const base = { minLr: 1e-3, maxLr: 1, tau: 20, tauPrime: 8, k: 2, tauMax: 20, validationSamples: 4 } as const;

  it('measures a baseline, then the validation loss every tau\'/samples steps, and forecasts those values', () => {
    const c = new AutoLRSController({ ...base, search: scripted([0.1, 0.01]) });
    // Stage 1 (training loss): 16 search steps + 20 training steps; stage 2 is in validation mode.
    const log = drive(c, 36 + 8, () => 1, (step) => 2 - step / 1000);
    const stage2 = log.filter((l) => l.step >= 36);
    expect(stage2.slice(0, 2).map((l) => l.action)).toEqual([{ type: 'checkpoint' }, { type: 'evaluate', purpose: 'baseline' }]);
    const probeEvals = stage2.filter((l) => l.action.type === 'evaluate' && l.action.purpose === 'probe').map((l) => l.step);
    expect(probeEvals).toEqual([38, 40, 42, 44]);
    const forecast = stage2.find((l) => l.action.type === 'forecast')!.action as Extract<AutoLRSAction, { type: 'forecast' }>;
    expect(forecast.source).toBe('validation');
    expect(forecast.interval).toBe(2);
    expect(forecast.predictAt).toBe(20);
    expect(forecast.values).toEqual([38, 40, 42, 44].map((s) => 2 - s / 1000));
    expect(c.history[1]!.baselineLoss).toBeCloseTo(2 - 36 / 1000, 12);
  });

  it('applies the guard of the reference: a probe whose validation loss reached the training loss at the first search is told its last loss', () => {
    const c = new AutoLRSController({ ...base, k: 3, search: scripted([0.5, 0.1, 0.01]) });
    // Stage 1 (training loss, 3 x 8 + 20 steps): every probe starts at a mean loss of 2, the
    // initial loss. Stage 2 (validation loss, from step 44): the baseline at the checkpoint
    // is 1; LR 0.5 climbs back to 2.1, LR 0.1 stays above 1 but below 2, LR 0.01 falls.
    const val: Record<number, number[]> = { 0.5: [1.5, 1.8, 2.1, 2.0], 0.1: [1.02, 1.05, 1.08, 1.06], 0.01: [0.95, 0.92, 0.9, 0.88] };
    drive(
      c,
      44 + 24,
      (lr) => ({ forecast: lr === 0.1 ? 0.15 : 0.2, head: 2, tail: 1.5 }),
      (step, lr) => (step === 44 ? 1 : val[lr]![(step - 44 - 8 * [0.5, 0.1, 0.01].indexOf(lr)) / 2 - 1]!),
    );
    expect(c.history[1]!.trials).toEqual([
      { lr: 0.5, forecast: 0.2, told: 2.0, note: 'validation-guard' },
      // Above the checkpoint's validation loss, below the initial loss: the forecast stands.
      { lr: 0.1, forecast: 0.15, told: 0.15 },
      { lr: 0.01, forecast: 0.2, told: 0.2 },
    ]);
    expect(c.lr).toBe(0.1);
    expect(c.history[1]!.baselineLoss).toBe(1);
    expect(c.initLoss).toBe(2);
    // The threshold is kept in the state and never updated.
    const resumed = new AutoLRSController({ ...base, k: 3, search: scripted([0.5, 0.1, 0.01]) });
    resumed.loadStateDict(JSON.parse(JSON.stringify(c.stateDict())));
    expect(resumed.initLoss).toBe(2);
  });
});

describe('AutoLRSController warmup', () => {
  it('ramps the LR linearly to warmupLr, then searches', () => {
    const c = new AutoLRSController({ minLr: 1e-3, maxLr: 1, tau: 20, tauPrime: 3, k: 2, warmupSteps: 4, warmupLr: 0.2, validationMode: false, search: scripted([0.1]) });
    const log = drive(c, 5, () => 1);
    const lrs = log.filter((l) => l.action.type === 'setLr' && l.step < 4).map((l) => (l.action as { lr: number }).lr);
    expect(lrs).toEqual([0.05, 0.1, 0.15000000000000002, 0.2].map((x) => expect.closeTo(x, 12)) as unknown as number[]);
    expect(log.find((l) => l.action.type === 'checkpoint')!.step).toBe(4);
  });
});

describe('AutoLRSController protocol errors', () => {
  it('refuses a step while a forecast is pending, and answers out of turn', () => {
    const c = new AutoLRSController({ minLr: 1e-3, maxLr: 1, tau: 20, tauPrime: 3, k: 2, validationMode: false, search: scripted([0.1]) });
    expect(() => c.step()).toThrow(/before start/);
    c.start();
    expect(() => c.tellForecast(1)).toThrow(/not waiting for a forecast/);
    c.step();
    c.step();
    const a = c.step();
    expect(a[0]!.type).toBe('forecast');
    expect(() => c.step()).toThrow(/tellForecast/);
    expect(() => c.tellValidationLoss(1)).toThrow(/not waiting for a validation loss/);
    expect(() => c.start()).toThrow(/already called/);
  });
});

describe('AutoLRSController state', () => {
  it('round-trips through JSON and continues identically', () => {
    const opts: AutoLRSControllerOptions = { minLr: 1e-3, maxLr: 1, tau: 20, tauPrime: 4, k: 3, tauMax: 40, validationSamples: 4, search: scripted([0.3, 0.03, 0.003, 0.1]) };
    const f = (lr: number) => Math.abs(Math.log10(lr) + 1.5);
    const v = (step: number) => 3 - step / 100;
    const a = new AutoLRSController(opts);
    const full = drive(a, 150, f, v);
    for (const cut of [1, 5, 13, 40, 77, 101]) {
      const b = new AutoLRSController(opts);
      const first = drive(b, cut, f, v);
      const c = new AutoLRSController(opts);
      c.loadStateDict(JSON.parse(JSON.stringify(b.stateDict())));
      const rest = drive(c, 150 - cut, f, v, []);
      expect([...first, ...rest]).toEqual(full);
      expect(c.history).toEqual(a.history);
    }
  });

  it('rejects a state that is not one', () => {
    const c = new AutoLRSController({ minLr: 1e-3, maxLr: 1, search: scripted([0.1]) });
    expect(() => c.loadStateDict({ version: 2 } as never)).toThrow(TypeError);
  });

  it('restarts an interrupted search from its beginning on resume', () => {
    const opts: AutoLRSControllerOptions = { minLr: 1e-3, maxLr: 1, tau: 20, tauPrime: 3, k: 3, validationMode: false, search: scripted([0.3, 0.03, 0.003]) };
    const b = new AutoLRSController(opts);
    drive(b, 29 + 8, () => 1); // stage 2 (tau' = 6), inside its second trial
    expect(b.stage).toBe(2);
    const c = new AutoLRSController(opts);
    c.loadStateDict(JSON.parse(JSON.stringify(b.stateDict())));
    const actions = c.resumeActions();
    expect(actions.map((x) => x.type)).toEqual(['checkpoint', 'setLr', 'beginProbe']);
    expect(c.stage).toBe(2);
    expect(c.trial).toBe(0);
    expect(c.history).toHaveLength(2);
    expect(c.history[1]!.trials).toEqual([]);
  });

  it('re-applies the LR when resuming during training', () => {
    const opts: AutoLRSControllerOptions = { minLr: 1e-3, maxLr: 1, tau: 20, tauPrime: 3, k: 2, validationMode: false, search: scripted([0.3, 0.03]) };
    const b = new AutoLRSController(opts);
    drive(b, 6 + 7, (lr) => lr);
    const c = new AutoLRSController(opts);
    c.loadStateDict(b.stateDict());
    expect(c.resumeActions()).toEqual([{ type: 'setLr', lr: 0.03 }, { type: 'beginTrain', stage: 1, lr: 0.03, steps: 13 }]);
  });
});
