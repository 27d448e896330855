import { describe, expect, it } from 'vitest';
import { CliError, parseCommandLine, parseTrainArgs, PRESET_VALUES, SCHEDULES, USAGE } from '../../src/cli/args.js';

function config(argv: string[]) {
  const parsed = parseTrainArgs(argv);
  if (parsed.command !== 'train') throw new Error('expected a train command');
  return parsed.config;
}

describe('parseCommandLine', () => {
  it('asks for help with no command, help, -h or --help, and rejects other commands', () => {
    expect(parseCommandLine([])).toEqual({ command: 'help' });
    expect(parseCommandLine(['--help'])).toEqual({ command: 'help' });
    expect(parseCommandLine(['train', '-h'])).toEqual({ command: 'help' });
    expect(() => parseCommandLine(['fit'])).toThrow(new CliError('Unknown command "fit"; expected `train`.'));
  });

  it('uses the quick preset by default', () => {
    const c = config([]);
    const q = PRESET_VALUES.quick;
    expect(c).toMatchObject({ preset: 'quick', schedule: 'autolrs', backend: 'auto', data: 'fashion-mnist', out: 'runs' });
    expect(c).toMatchObject({ model: q.model, width: q.width, steps: q.steps, batchSize: q.batchSize, tau: q.tau, tauPrime: q.tauPrime, k: q.k });
    expect(c.minLr).toBe(q.minLr);
    expect(c.maxLr).toBe(q.maxLr);
  });

  it('lets flags override the preset', () => {
    const c = config([
      '--preset', 'full', '--schedule', 'cosine', '--model', 'resnet32', '--width', '8', '--backend', 'wasm',
      '--epochs', '3', '--batch-size', '32', '--lr', '0.2', '--min-lr', '1e-4', '--max-lr', '2', '--tau', '50', '--k', '4',
      '--seed', '7', '--train-size', '1000', '--test-size', '500', '--no-augment', '--out', '/tmp/x', '--quiet',
    ]);
    expect(c).toMatchObject({
      preset: 'full', schedule: 'cosine', model: 'resnet32', width: 8, backend: 'wasm', epochs: 3, steps: undefined,
      batchSize: 32, lr: 0.2, minLr: 1e-4, maxLr: 2, tau: 50, tauPrime: 5, k: 4, seed: 7, trainSize: 1000, testSize: 500,
      augment: false, out: '/tmp/x', quiet: true,
    });
    expect(config(['--tau', '200', '--tau-prime', '7'])).toMatchObject({ tau: 200, tauPrime: 7 });
    expect(config(['--optimizer', 'adam', '--momentum', '0.5'])).toMatchObject({ optimizer: 'adam', momentum: 0.5 });
    expect(config(['--preset', 'full'])).toMatchObject({ model: 'resnet20', width: 16, tau: 1000, tauPrime: 100, k: undefined, trainSize: undefined });
    expect(config(['--strategy', 'reference', '--min-lr', '1e-3', '--max-lr', '1'])).toMatchObject({ strategy: 'reference', minLr: 1e-3, maxLr: 1 });
    expect(config(['--probe-steps', '40', '--stages', '2', '--cooldown-fraction', '0.3'])).toMatchObject({ strategy: 'cooldown', probeSteps: 40, stages: 2, cooldownFraction: 0.3 });
    expect(config(['--cooldown-shape', 'cosine'])).toMatchObject({ cooldownShape: 'cosine' });
    expect(config(['--survivors', '0'])).toMatchObject({ survivors: 0 });
    expect(config([])).toMatchObject({ survivors: undefined });
    expect(config([]).cooldownShape).toBeUndefined();
    expect(config(['--schedule', 'plateau']).validationSize).toBeGreaterThan(0);
  });

  it('runs a Schedule-Free optimizer at a constant LR, its reference default unless --lr is given', () => {
    expect(config(['--optimizer', 'schedule-free-adamw'])).toMatchObject({ optimizer: 'schedule-free-adamw', schedule: 'constant', lr: 0.0025 });
    expect(config(['--optimizer', 'schedule-free-sgd'])).toMatchObject({ optimizer: 'schedule-free-sgd', schedule: 'constant', lr: 1.0, momentum: 0.9 });
    expect(config(['--optimizer', 'schedule-free-sgd', '--lr', '0.5', '--momentum', '0.95'])).toMatchObject({ lr: 0.5, momentum: 0.95 });
    // A schedule asked for is kept (AutoLRS and the schedules can drive it too).
    expect(config(['--optimizer', 'schedule-free-adamw', '--schedule', 'autolrs']).schedule).toBe('autolrs');
    // Other optimizers keep the preset's LR and AutoLRS.
    expect(config(['--optimizer', 'adam'])).toMatchObject({ schedule: 'autolrs', lr: PRESET_VALUES.quick.lr });
  });

  it('takes a wall-clock limit with --max-minutes (none by default)', () => {
    expect(config([]).maxMinutes).toBeUndefined();
    expect(config(['--preset', 'full', '--max-minutes', '2.5'])).toMatchObject({ preset: 'full', steps: 14000, maxMinutes: 2.5 });
    expect(() => config(['--max-minutes', '0'])).toThrow(new CliError('Expected `--max-minutes` to be a number > 0, got "0".'));
    expect(() => config(['--max-minutes', 'soon'])).toThrow(new CliError('Expected `--max-minutes` to be a number > 0, got "soon".'));
  });

  it('accepts every schedule name', () => {
    for (const s of SCHEDULES) expect(config(['--schedule', s]).schedule).toBe(s);
  });

  it.each([
    [['--bogus'], /Unknown option '--bogus'/],
    [['--lr'], /Option '--lr <value>' argument missing/],
    [['extra'], /positional argument/],
    [['--schedule', 'linear'], /Expected `--schedule` to be one of autolrs, constant, .*, got "linear"\./],
    [['--preset', 'slow'], /Expected `--preset` to be one of quick, full, smoke, got "slow"\./],
    [['--model', 'resnet18'], /Expected `--model` to be one of resnet8, .*, got "resnet18"\./],
    [['--optimizer', 'rmsprop'], /Expected `--optimizer` to be one of momentum, sgd, adam, schedule-free-sgd, schedule-free-adamw, got "rmsprop"\./],
    [['--schedule', 'lr-finder-onecycle', '--steps', '9'], /Expected `--steps` to be at least 10 with `--schedule lr-finder-onecycle`/],
    [['--backend', 'gpu'], /Expected `--backend` to be one of auto, tensorflow, webgpu, wasm, cpu, got "gpu"\./],
    [['--steps', '0'], /Expected `--steps` to be an integer >= 1, got "0"\./],
    [['--steps', '1.5'], /Expected `--steps` to be an integer >= 1, got "1.5"\./],
    [['--batch-size', 'abc'], /Expected `--batch-size` to be an integer >= 1, got "abc"\./],
    [['--lr', '-1'], /argument is ambiguous.*'--lr=-XYZ'/],
    [['--lr=-1'], /Expected `--lr` to be a number > 0, got "-1"\./],
    [['--lr', 'NaN'], /Expected `--lr` to be a number > 0, got "NaN"\./],
    [['--momentum', '1'], /Expected `--momentum` to be a number in \[0, 1\), got "1"\./],
    [['--min-lr', '0.5', '--max-lr', '0.1'], /Expected `--min-lr` to be smaller than `--max-lr` \(0.1\), got 0.5\./],
    [['--min-lr', '0.5'], /Expected both `--min-lr` and `--max-lr`, or neither .*got only `--min-lr`\./],
    [['--strategy', 'greedy'], /Expected `--strategy` to be one of cooldown, reference, got "greedy"\./],
    [['--cooldown-fraction', '1'], /Expected `--cooldown-fraction` to be a number in \[0, 1\), got "1"\./],
    [['--cooldown-shape', 'cos'], /Expected `--cooldown-shape` to be one of linear, cosine, got "cos"\./],
    [['--survivors', '1.5'], /Expected `--survivors` to be an integer >= 0, got "1\.5"\./],
    [['--tau', '20', '--tau-prime', '20'], /Expected `--tau-prime` to be smaller than `--tau` \(20\), got 20\./],
    [['--tau-prime', '2'], /Expected `--tau-prime` to be an integer >= 3, got "2"\./],
    [['--steps', '10', '--epochs', '1'], /at most one of `--steps` and `--epochs`/],
    [['--augment', '--no-augment'], /at most one of `--augment` and `--no-augment`/],
    [['--train-size', '58000', '--validation-size', '5000'], /at most 60000, got 58000 \+ 5000/],
  ])('rejects %j', (argv, message) => {
    expect(() => parseTrainArgs(argv)).toThrow(CliError);
    expect(() => parseTrainArgs(argv)).toThrow(message);
  });

  it('documents every flag in the usage text', () => {
    for (const flag of ['--preset', '--schedule', '--strategy', '--probe-steps', '--survivors', '--stages', '--cooldown-fraction', '--cooldown-shape', '--model', '--backend', '--steps', '--epochs', '--batch-size', '--lr', '--min-lr', '--max-lr', '--tau', '--k', '--seed', '--train-size', '--out']) {
      expect(USAGE).toContain(flag);
    }
  });
});
