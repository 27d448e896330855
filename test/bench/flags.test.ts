/**
 * The benchmarks' table-driven flags (bench/lib/flags.ts): every kind of flag reads a good
 * value and rejects a bad one with its message, unknown arguments are rejected, and a bad
 * command line of a script is a usage error (stderr, exit status 2).
 */
import { afterEach, describe, expect, it, vi } from 'vitest';

import { FlagError, parseCommandLine, parseFlags, presetOf, type Flags } from '../../bench/lib/flags.js';

interface Options {
  fast: boolean;
  slow: boolean;
  count: number;
  rate: number;
  cap: number;
  fraction: number;
  scale: number;
  lr?: number;
  steps: number[];
  grid: number[];
  shape: string;
  mode: string;
  parts: string[];
  peers: string[];
  files: string[] | null;
  out: string | undefined;
  tag: string | undefined;
}

const DEFAULTS: Options = {
  fast: false,
  slow: true,
  count: 3,
  rate: 0.5,
  cap: 0.5,
  fraction: 0.25,
  scale: 1,
  steps: [10],
  grid: [0.1],
  shape: 'linear',
  mode: 'a',
  parts: ['x'],
  peers: [],
  files: null,
  out: undefined,
  tag: undefined,
};

const FLAGS: Flags<Options> = {
  '--fast': { kind: 'switch', key: 'fast' },
  '--no-slow': { kind: 'switch', key: 'slow', value: false },
  '--task': { kind: 'preset' },
  '--count': { kind: 'integer', key: 'count', min: 2 },
  '--rate': { kind: 'number', key: 'rate', min: 0, finite: true },
  '--cap': { kind: 'number', key: 'cap', min: 0.1, below: 2 },
  '--fraction': { kind: 'interval', key: 'fraction', min: 0, below: 1 },
  '--scale': { kind: 'factor', key: 'scale' },
  '--lr': { kind: 'positive', key: 'lr' },
  '--steps': { kind: 'steps', key: 'steps', min: 0 },
  '--grid': { kind: 'lrs', key: 'grid' },
  '--shape': { kind: 'choice', key: 'shape', values: ['linear', 'cosine'], or: true },
  '--mode': { kind: 'choice', key: 'mode', values: ['a', 'b', 'c'] },
  '--parts': { kind: 'list', key: 'parts', values: ['x', 'y'] },
  '--peers': { kind: 'list', key: 'peers', values: ['p', 'q'], sayNone: true },
  '--merge': { kind: 'files', key: 'files', what: 'results files' },
  '--out': { kind: 'path', key: 'out' },
  '--tag': { kind: 'word', key: 'tag' },
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
    const o = parse('--count', '7', '--fast');
    expect(o).not.toBe(DEFAULTS);
    expect(DEFAULTS).toEqual(before);
    expect(parse()).toEqual(DEFAULTS);
  });

  it('switch: sets true, or the value given; takes no value', () => {
    expect(parse('--fast', '--no-slow')).toMatchObject({ fast: true, slow: false });
    expect(parse('--fast', '--count', '4')).toMatchObject({ fast: true, count: 4 });
  });

  it('preset: steps over its value, sets nothing; presetOf reads the first one', () => {
    expect(parse('--task', 'anything', '--count', '5')).toEqual({ ...DEFAULTS, count: 5 });
    expect(parse('--task')).toEqual(DEFAULTS);
    expect(presetOf(['--count', '5', '--task', 'b', '--task', 'c'], '--task')).toBe('b');
    expect(presetOf(['--task'], '--task')).toBeUndefined();
    expect(presetOf(['--count', '5'], '--task')).toBeUndefined();
  });

  it('integer: >= min', () => {
    expect(parse('--count', '2').count).toBe(2);
    expect(parse('--count', '1e2').count).toBe(100);
    expect(failure('--count', '--count', '1')).toBe('Expected `--count` to be an integer >= 2, got "1".');
    expect(failure('--count', '--count', '2.5')).toBe('Expected `--count` to be an integer >= 2, got "2.5".');
    expect(failure('--count', '--count')).toBe('Expected `--count` to be an integer >= 2, got undefined.');
  });

  it('number: >= min, finite where asked, below `below` (the message names the bound broken)', () => {
    expect(parse('--rate', '0').rate).toBe(0);
    expect(parse('--rate', '12.5').rate).toBe(12.5);
    expect(failure('--rate', '--rate', '-1')).toBe('Expected `--rate` to be a number >= 0, got "-1".');
    expect(failure('--rate', '--rate', 'Infinity')).toBe('Expected `--rate` to be a number >= 0, got "Infinity".');
    expect(parse('--cap', '1.5').cap).toBe(1.5);
    expect(failure('--cap', '--cap', '0.05')).toBe('Expected `--cap` to be a number >= 0.1, got "0.05".');
    expect(failure('--cap', '--cap', '2')).toBe('Expected `--cap` to be a number in [0.1, 2), got "2".');
  });

  it('interval: in [min, below), the message naming the interval either side', () => {
    expect(parse('--fraction', '0').fraction).toBe(0);
    expect(parse('--fraction', '0.75').fraction).toBe(0.75);
    expect(failure('--fraction', '--fraction', '1')).toBe('Expected `--fraction` to be a number in [0, 1), got "1".');
    expect(failure('--fraction', '--fraction', '-0.5')).toBe('Expected `--fraction` to be a number in [0, 1), got "-0.5".');
    expect(failure('--fraction', '--fraction')).toBe('Expected `--fraction` to be a number in [0, 1), got undefined.');
  });

  it('factor: in (0, 1]', () => {
    expect(parse('--scale', '1').scale).toBe(1);
    expect(parse('--scale', '0.7').scale).toBe(0.7);
    expect(failure('--scale', '--scale', '0')).toBe('Expected `--scale` to be a number in (0, 1], got "0".');
    expect(failure('--scale', '--scale', '1.5')).toBe('Expected `--scale` to be a number in (0, 1], got "1.5".');
    expect(failure('--scale', '--scale', 'x')).toBe('Expected `--scale` to be a number in (0, 1], got "x".');
    expect(failure('--scale', '--scale')).toBe('Expected `--scale` to be a number in (0, 1], got undefined.');
  });

  it('positive: finite and > 0; an option the defaults lack is added', () => {
    expect(parse('--lr', '0.003').lr).toBe(0.003);
    expect('lr' in parse()).toBe(false);
    expect(failure('--lr', '--lr', '0')).toBe('Expected `--lr` to be a positive number, got "0".');
    expect(failure('--lr', '--lr', 'Infinity')).toBe('Expected `--lr` to be a positive number, got "Infinity".');
  });

  it('steps: increasing integers >= min', () => {
    expect(parse('--steps', '0,5,20').steps).toEqual([0, 5, 20]);
    expect(failure('--steps', '--steps', '5,5')).toBe('Expected `--steps` to be increasing steps >= 0, got "5,5".');
    expect(failure('--steps', '--steps', '')).toBe('Expected `--steps` to be increasing steps >= 0, got "".');
  });

  it('lrs: increasing positive numbers, each checked first', () => {
    expect(parse('--grid', '0.01,0.1,1').grid).toEqual([0.01, 0.1, 1]);
    expect(failure('--grid', '--grid', '0.1,0.01')).toBe('Expected `--grid` to be increasing LRs separated by commas, got "0.1,0.01".');
    expect(failure('--grid', '--grid', '0.01,x,0.001')).toBe('Expected `--grid` to be a positive number, got "x".');
    expect(failure('--grid', '--grid')).toBe('Expected `--grid` to be a positive number, got "".');
  });

  it('choice: one of the values, named "a or b" or "one of a, b, c"', () => {
    expect(parse('--shape', 'cosine', '--mode', 'c')).toMatchObject({ shape: 'cosine', mode: 'c' });
    expect(failure('--shape', '--shape', 'step')).toBe('Expected `--shape` to be linear or cosine, got "step".');
    expect(failure('--mode', '--mode', 'd')).toBe('Expected `--mode` to be one of a, b, c, got "d".');
    expect(failure('--mode', '--mode')).toBe('Expected `--mode` to be one of a, b, c, got undefined.');
  });

  it('list: values separated by commas, `none` for none, named in the message where asked', () => {
    expect(parse('--parts', 'y,x', '--peers', 'q').parts).toEqual(['y', 'x']);
    expect(parse('--parts', 'none', '--peers', 'none')).toMatchObject({ parts: [], peers: [] });
    expect(failure('--parts', '--parts', 'x,z')).toBe('Expected `--parts` to list x, y, got "z".');
    expect(failure('--peers', '--peers', 'none,p')).toBe('Expected `--peers` to list p, q or be none, got "none".');
    expect(failure('--parts', '--parts')).toBe('Expected `--parts` to list x, y, got "".');
  });

  it('files: the arguments up to the next flag, at least one', () => {
    expect(parse('--merge', 'a.json', 'b.json', '--fast')).toMatchObject({ files: ['a.json', 'b.json'], fast: true });
    expect(failure('--merge', '--merge', '--fast')).toBe('Expected `--merge` to be followed by results files.');
    expect(failure('--merge', '--merge')).toBe('Expected `--merge` to be followed by results files.');
  });

  it('path: any value, a flag too; word: letters, digits, _ . -', () => {
    expect(parse('--out', '--fast').out).toBe('--fast');
    expect(failure('--out', '--out')).toBe('Expected `--out` to be a file path.');
    expect(parse('--tag', 'run_2.b-c').tag).toBe('run_2.b-c');
    expect(failure('--tag', '--tag', 'a/b')).toBe('Expected `--tag` to be a file-name word, got "a/b".');
  });

  it('rejects an unknown argument, a stray value and an inherited property name; the first bad flag fails', () => {
    expect(failure('--slow', '--slow')).toBe('unknown argument "--slow"');
    expect(failure('7', '--fast', '7')).toBe('unknown argument "7"');
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
