/**
 * Command-line flags declared in a table: each flag (`--train-size`) names the option it
 * sets and how its value is read (`Flag`). `parseFlags` reads an argv by such a table over
 * the defaults and throws a `FlagError` at the first bad flag; `parseCommandLine` makes
 * that a usage error (`usage`): "<script>: <message>" on stderr and exit status 2.
 *
 * A flag takes the next argument as its value, whatever it is (another flag too). A flag
 * given twice keeps the later value.
 */

/** The keys of `O` whose values are of type `T`. */
type KeysOf<O, T> = { [K in keyof O]-?: O[K] extends T ? K : never }[keyof O];

/**
 * One flag: the option `key` it sets and how its value is read.
 *
 * - `integer`: an integer >= `min`;
 * - `number`: a number >= `min`, and below `below` where given;
 * - `steps`: a non-empty comma-separated list of increasing integer steps >= `min`;
 * - `choice`: one of `values`;
 * - `path`: any value (a file path).
 */
export type Flag<O> =
  | { kind: 'integer'; key: KeysOf<O, number | undefined>; min: number }
  | { kind: 'number'; key: KeysOf<O, number | undefined>; min: number; below?: number }
  | { kind: 'steps'; key: KeysOf<O, number[]>; min: number }
  | { kind: 'choice'; key: KeysOf<O, string | undefined>; values: readonly string[] }
  | { kind: 'path'; key: KeysOf<O, string | undefined> };

/** The flags of a script, by name (`--train-size`). */
export type Flags<O> = Record<`--${string}`, Flag<O>>;

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

/** The value `v` of `flag` (undefined when argv ends before it) read as `spec` says; a `FlagError` when it is bad. */
function readValue(flag: string, v: string | undefined, spec: Flag<unknown>): unknown {
  const bad = (message: string): never => {
    throw new FlagError(flag, message);
  };
  switch (spec.kind) {
    case 'integer':
    case 'number': {
      const integer = spec.kind === 'integer';
      const n = Number(v);
      if (v === undefined || !(n >= spec.min) || (integer && !Number.isInteger(n))) {
        bad(`Expected \`${flag}\` to be ${integer ? 'an integer' : 'a number'} >= ${spec.min}, got ${JSON.stringify(v)}.`);
      }
      if (spec.kind === 'number' && spec.below !== undefined && n >= spec.below) bad(`Expected \`${flag}\` to be a number in [${spec.min}, ${spec.below}), got ${JSON.stringify(v)}.`);
      return n;
    }
    case 'steps': {
      const steps = (v ?? '').split(',').map(Number);
      if (v === undefined || v === '' || steps.some((s, j) => !Number.isInteger(s) || s < spec.min || (j > 0 && s <= steps[j - 1]!))) {
        bad(`Expected \`${flag}\` to be increasing steps >= ${spec.min}, got ${JSON.stringify(v)}.`);
      }
      return steps;
    }
    case 'choice':
      if (!spec.values.includes(v ?? '')) bad(`Expected \`${flag}\` to be one of ${spec.values.join(', ')}, got ${JSON.stringify(v)}.`);
      return v;
    case 'path':
      if (v === undefined) bad(`Expected \`${flag}\` to be a file path.`);
      return v;
  }
}

/**
 * The options `argv` (flag, value, flag, value, ...) sets by `flags`, the others at
 * `defaults` (left unchanged). Throws a `FlagError` at the first unknown argument or bad
 * value.
 */
export function parseFlags<O extends object>(argv: readonly string[], flags: Flags<O>, defaults: O): O {
  const options = { ...defaults } as Record<PropertyKey, unknown>;
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]!;
    const spec = Object.hasOwn(flags, flag) ? (flags[flag as `--${string}`] as Flag<unknown>) : undefined;
    if (spec === undefined) throw new FlagError(flag, `unknown argument ${JSON.stringify(flag)}`);
    options[spec.key] = readValue(flag, argv[++i], spec);
  }
  return options as O;
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
