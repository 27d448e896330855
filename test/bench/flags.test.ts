/**
 * The benchmarks' table-driven flags (bench/lib/flags.ts): every kind of flag reads a good
 * value and rejects a bad one with its message, unknown arguments are rejected, and a bad
 * command line of a script is a usage error (stderr, exit status 2).
 */
import { afterEach, describe, expect, it, vi } from 'vitest';

import { FlagError, parseCommandLine, parseFlags, type Flags } from '../../bench/lib/flags.js';

interface Options {
  count: number;
  cap: number;
  steps: number[];
  mode: string;
  out: string | undefined;
}

const DEFAULTS: Options = {
  count: 3,
  cap: 0.5,
  steps: [10],
  mode: 'a',
  out: undefined,
};

const FLAGS: Flags<Options> = {
  '--count': { kind: 'integer', key: 'count', min: 2 },
  '--cap': { kind: 'number', key: 'cap', min: 0.1, below: 2 },
  '--steps': { kind: 'steps', key: 'steps', min: 0 },
  '--mode': { kind: 'choice', key: 'mode', values: ['a', 'b', 'c'] },
  '--out': { kind: 'path', key: 'out' },
};

const parse = (...argv: string[]): Options => parseFlags(argv, FLAGS, DEFAULTS);

/** The message `parse(...argv)` fails with (and checks that it is a FlagError naming `flag`). */
function failure(flag: string, ...argv: string[]): string {
  try {
    parse(...argv);
  } catch (err) {
    expect(err).toBeInstanceOf(FlagError);
    expect((err as FlagError).flag).toBe(flag);
    return (err as FlagError).message;
  }
  throw new Error(`Expected ${JSON.stringify(argv)} to fail.`);
}

describe('parseFlags', () => {
  it('keeps the defaults without arguments, and leaves the defaults object unchanged', () => {
    const before = structuredClone(DEFAULTS);
    const o = parse('--count', '7', '--mode', 'b');
    expect(o).not.toBe(DEFAULTS);
    expect(DEFAULTS).toEqual(before);
    expect(parse()).toEqual(DEFAULTS);
  });

  it('integer: >= min', () => {
    expect(parse('--count', '2').count).toBe(2);
    expect(parse('--count', '1e2').count).toBe(100);
    expect(failure('--count', '--count', '1')).toBe('Expected `--count` to be an integer >= 2, got "1".');
    expect(failure('--count', '--count', '2.5')).toBe('Expected `--count` to be an integer >= 2, got "2.5".');
    expect(failure('--count', '--count')).toBe('Expected `--count` to be an integer >= 2, got undefined.');
  });

  it('number: >= min, below `below` (the message names the bound broken)', () => {
    expect(parse('--cap', '1.5').cap).toBe(1.5);
    expect(failure('--cap', '--cap', '0.05')).toBe('Expected `--cap` to be a number >= 0.1, got "0.05".');
    expect(failure('--cap', '--cap', '2')).toBe('Expected `--cap` to be a number in [0.1, 2), got "2".');
  });

  it('steps: increasing integers >= min', () => {
    expect(parse('--steps', '0,5,20').steps).toEqual([0, 5, 20]);
    expect(failure('--steps', '--steps', '5,5')).toBe('Expected `--steps` to be increasing steps >= 0, got "5,5".');
    expect(failure('--steps', '--steps', '')).toBe('Expected `--steps` to be increasing steps >= 0, got "".');
  });

  it('choice: one of the values', () => {
    expect(parse('--mode', 'c').mode).toBe('c');
    expect(failure('--mode', '--mode', 'd')).toBe('Expected `--mode` to be one of a, b, c, got "d".');
    expect(failure('--mode', '--mode')).toBe('Expected `--mode` to be one of a, b, c, got undefined.');
  });

  it('path: any value, a flag too', () => {
    expect(parse('--out', '--count').out).toBe('--count');
    expect(failure('--out', '--out')).toBe('Expected `--out` to be a file path.');
  });

  it('rejects an unknown argument, a stray value and an inherited property name; the first bad flag fails', () => {
    expect(failure('--slow', '--slow')).toBe('unknown argument "--slow"');
    expect(failure('7', '--count', '4', '7')).toBe('unknown argument "7"');
    expect(failure('toString', 'toString')).toBe('unknown argument "toString"');
    expect(failure('--count', '--count', '0', '--nope')).toBe('Expected `--count` to be an integer >= 2, got "0".');
    expect(parse('--count', '4', '--count', '6').count).toBe(6);
  });
});

describe('parseCommandLine', () => {
  afterEach(() => vi.restoreAllMocks());

  it('prints "<script>: <message>" to stderr and exits with status 2 on a bad command line', () => {
    const written: string[] = [];
    vi.spyOn(process.stderr, 'write').mockImplementation((s) => {
      written.push(String(s));
      return true;
    });
    const exit = vi.spyOn(process, 'exit').mockImplementation((code) => {
      throw new Error(`exit ${String(code)}`);
    });
    expect(() => parseCommandLine('demo', ['--count', 'x'], FLAGS, DEFAULTS)).toThrow('exit 2');
    expect(written).toEqual(['demo: Expected `--count` to be an integer >= 2, got "x".\n']);
    expect(exit).toHaveBeenCalledTimes(1);
  });

  it('returns the options of a good command line', () => {
    expect(parseCommandLine('demo', ['--mode', 'b'], FLAGS, DEFAULTS)).toEqual({ ...DEFAULTS, mode: 'b' });
  });
});
