/**
 * Command-line flags declared in a table: each flag (`--train-size`) names the option it
 * sets and how its value is read (`Flag`). `parseFlags` reads an argv by such a table over
 * the defaults and throws a `FlagError` at the first bad flag; `parseCommandLine` makes
 * that a usage error (`usage`): "<script>: <message>" on stderr and exit status 2.
 *
 * A flag takes the next argument as its value, whatever it is (another flag too), but a
 * `switch` takes none and `files` takes the arguments up to the next flag. A flag given
 * twice keeps the later value.
 */

/** The keys of `O` whose values are of type `T`. */
type KeysOf<O, T> = { [K in keyof O]-?: O[K] extends T ? K : never }[keyof O];

/**
 * One flag: the option `key` it sets and how its value is read.
 *
 * - `switch`: no value; sets the option to `value` (true when not given);
 * - `preset`: a value that the script reads from argv before parsing (`presetOf`); parsing
 *   only steps over it;
 * - `integer`: an integer >= `min`;
 * - `number`: a number >= `min`, finite where `finite` says so, and below `below` where
 *   given (the message names the bound that is broken);
 * - `interval`: a number in [`min`, `below`) (the message names the interval);
 * - `factor`: a number in (0, 1];
 * - `positive`: a finite number > 0;
 * - `steps`: a non-empty comma-separated list of increasing integer steps >= `min`;
 * - `lrs`: a comma-separated list of increasing positive numbers (a grid of LRs);
 * - `choice`: one of `values`, named as "one of a, b" in messages, or as "a or b" with `or`;
 * - `list`: a comma-separated list of `values`, or `none` for the empty list (named in
 *   messages with `sayNone`);
 * - `files`: the arguments up to the next flag (at least one), `what` in messages;
 * - `path`: any value (a file path);
 * - `word`: a file-name word (letters, digits, `_`, `.` and `-`).
 */
export type Flag<O> =
  | { kind: 'switch'; key: KeysOf<O, boolean | undefined>; value?: boolean }
  | { kind: 'preset' }
  | { kind: 'integer'; key: KeysOf<O, number | undefined>; min: number }
  | { kind: 'number'; key: KeysOf<O, number | undefined>; min: number; below?: number; finite?: boolean }
  | { kind: 'interval'; key: KeysOf<O, number | undefined>; min: number; below: number }
  | { kind: 'factor'; key: KeysOf<O, number | undefined> }
  | { kind: 'positive'; key: KeysOf<O, number | undefined> }
  | { kind: 'steps'; key: KeysOf<O, number[]>; min: number }
  | { kind: 'lrs'; key: KeysOf<O, number[]> }
  | { kind: 'choice'; key: KeysOf<O, string | undefined>; values: readonly string[]; or?: boolean }
  | { kind: 'list'; key: KeysOf<O, string[] | undefined>; values: readonly string[]; sayNone?: boolean }
  | { kind: 'files'; key: KeysOf<O, string[] | null>; what: string }
  | { kind: 'path'; key: KeysOf<O, string | undefined> }
  | { kind: 'word'; key: KeysOf<O, string | undefined> };

/** The flags of a script, by name (`--train-size`). */
export type Flags<O> = Record<`--${string}`, Flag<O>>;

/** The flags that take exactly one value, read by `readValue`. */
type ValueFlag = Exclude<Flag<unknown>, { kind: 'switch' | 'preset' | 'files' }>;

/** A bad command line: `flag` is the argument at fault (an unknown one, or a flag with a bad value). */
export class FlagError extends Error {
  override readonly name = 'FlagError';

  constructor(
    readonly flag: string,
    message: string,
  ) {
    super(message);
  }
}

/** `v` as a finite number > 0; a `FlagError` naming `flag` when it is not. */
function positive(flag: string, v: string | undefined): number {
  const n = Number(v);
  if (v === undefined || !(n > 0) || !Number.isFinite(n)) throw new FlagError(flag, `Expected \`${flag}\` to be a positive number, got ${JSON.stringify(v)}.`);
  return n;
}

/** The value `v` of `flag` (undefined when argv ends before it) read as `spec` says; a `FlagError` when it is bad. */
function readValue(flag: string, v: string | undefined, spec: ValueFlag): unknown {
  const bad = (message: string): never => {
    throw new FlagError(flag, message);
  };
  switch (spec.kind) {
    case 'integer':
    case 'number': {
      const integer = spec.kind === 'integer';
      const n = Number(v);
      if (v === undefined || !(n >= spec.min) || (integer && !Number.isInteger(n)) || (spec.kind === 'number' && spec.finite === true && !Number.isFinite(n))) {
        bad(`Expected \`${flag}\` to be ${integer ? 'an integer' : 'a number'} >= ${spec.min}, got ${JSON.stringify(v)}.`);
      }
      if (spec.kind === 'number' && spec.below !== undefined && n >= spec.below) bad(`Expected \`${flag}\` to be a number in [${spec.min}, ${spec.below}), got ${JSON.stringify(v)}.`);
      return n;
    }
    case 'interval': {
      const n = Number(v);
      if (!(n >= spec.min && n < spec.below)) bad(`Expected \`${flag}\` to be a number in [${spec.min}, ${spec.below}), got ${JSON.stringify(v)}.`);
      return n;
    }
    case 'factor': {
      const n = Number(v);
      if (!(n > 0 && n <= 1)) bad(`Expected \`${flag}\` to be a number in (0, 1], got ${JSON.stringify(v)}.`);
      return n;
    }
    case 'positive':
      return positive(flag, v);
    case 'steps': {
      const steps = (v ?? '').split(',').map(Number);
      if (v === undefined || v === '' || steps.some((s, j) => !Number.isInteger(s) || s < spec.min || (j > 0 && s <= steps[j - 1]!))) {
        bad(`Expected \`${flag}\` to be increasing steps >= ${spec.min}, got ${JSON.stringify(v)}.`);
      }
      return steps;
    }
    case 'lrs': {
      const lrs = (v ?? '').split(',').map((s) => positive(flag, s));
      if (lrs.some((x, j) => j > 0 && !(x > lrs[j - 1]!))) bad(`Expected \`${flag}\` to be increasing LRs separated by commas, got ${JSON.stringify(v)}.`);
      return lrs;
    }
    case 'choice':
      if (!spec.values.includes(v ?? '')) bad(`Expected \`${flag}\` to be ${spec.or === true ? spec.values.join(' or ') : `one of ${spec.values.join(', ')}`}, got ${JSON.stringify(v)}.`);
      return v;
    case 'list': {
      const names = v === 'none' ? [] : (v ?? '').split(',');
      for (const name of names) {
        if (!spec.values.includes(name)) bad(`Expected \`${flag}\` to list ${spec.values.join(', ')}${spec.sayNone === true ? ' or be none' : ''}, got ${JSON.stringify(name)}.`);
      }
      return names;
    }
    case 'path':
      if (v === undefined) bad(`Expected \`${flag}\` to be a file path.`);
      return v;
    case 'word':
      if (v === undefined || !/^[\w.-]+$/.test(v)) bad(`Expected \`${flag}\` to be a file-name word, got ${JSON.stringify(v)}.`);
      return v;
  }
}

/**
 * The options `argv` sets by `flags`, the others at `defaults` (left unchanged). Options
 * the defaults lack are added in the order argv first sets them. Throws a `FlagError` at
 * the first unknown argument or bad value.
 */
export function parseFlags<O extends object>(argv: readonly string[], flags: Flags<O>, defaults: O): O {
  const options = { ...defaults } as Record<PropertyKey, unknown>;
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]!;
    const spec = Object.hasOwn(flags, flag) ? (flags[flag as `--${string}`] as Flag<unknown>) : undefined;
    if (spec === undefined) throw new FlagError(flag, `unknown argument ${JSON.stringify(flag)}`);
    switch (spec.kind) {
      case 'switch':
        options[spec.key] = spec.value ?? true;
        break;
      case 'preset':
        i++;
        break;
      case 'files': {
        const files: string[] = [];
        while (argv[i + 1] !== undefined && !argv[i + 1]!.startsWith('--')) files.push(argv[++i]!);
        if (files.length === 0) throw new FlagError(flag, `Expected \`${flag}\` to be followed by ${spec.what}.`);
        options[spec.key] = files;
        break;
      }
      default:
        options[spec.key] = readValue(flag, argv[++i], spec);
    }
  }
  return options as O;
}

/** The value of the preset `flag` (the argument after its first occurrence), or undefined when argv lacks it. */
export function presetOf(argv: readonly string[], flag: `--${string}`): string | undefined {
  const at = argv.indexOf(flag);
  return at >= 0 ? argv[at + 1] : undefined;
}

/** Prints `<script>: <message>` to stderr and exits with status 2. */
export function usage(script: string, message: string): never {
  process.stderr.write(`${script}: ${message}\n`);
  process.exit(2);
}

/** `parseFlags` for the command line of `script`: a bad command line is a usage error. */
export function parseCommandLine<O extends object>(script: string, argv: readonly string[], flags: Flags<O>, defaults: O): O {
  try {
    return parseFlags(argv, flags, defaults);
  } catch (err) {
    if (err instanceof FlagError) usage(script, err.message);
    throw err;
  }
}
