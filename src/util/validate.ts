/**
 * Option validation shared by every public constructor.
 *
 * Messages follow the form "Expected `name` to be <what>, got <value>." so a user
 * sees both what was expected and what was received.
 */

/** Renders a received value for an error message. */
export function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if (Array.isArray(value)) return `an array of length ${value.length}`;
  if (typeof value === 'function') return `a function${value.name ? ` (${value.name})` : ''}`;
  const ctor = (value as { constructor?: { name?: string } }).constructor?.name;
  return ctor && ctor !== 'Object' ? `an instance of ${ctor}` : 'an object';
}

function typeError(name: string, expected: string, value: unknown): TypeError {
  return new TypeError(`Expected \`${name}\` to be ${expected}, got ${describe(value)}.`);
}

function rangeError(name: string, expected: string, value: unknown): RangeError {
  return new RangeError(`Expected \`${name}\` to be ${expected}, got ${describe(value)}.`);
}

/** A finite number (TypeError when not a number, RangeError when NaN or infinite). */
export function finiteNumber(name: string, value: unknown): number {
  if (typeof value !== 'number') throw typeError(name, 'a finite number', value);
  if (!Number.isFinite(value)) throw rangeError(name, 'a finite number', value);
  return value;
}

/** A finite number > 0. */
export function positiveNumber(name: string, value: unknown): number {
  finiteNumber(name, value);
  if ((value as number) <= 0) throw rangeError(name, 'a finite number > 0', value);
  return value as number;
}

/** A finite number >= 0. */
export function nonNegativeNumber(name: string, value: unknown): number {
  finiteNumber(name, value);
  if ((value as number) < 0) throw rangeError(name, 'a finite number >= 0', value);
  return value as number;
}

/** A finite number in [min, max] (or (min, max) when `open`). */
export function numberInRange(name: string, value: unknown, min: number, max: number, open = false): number {
  finiteNumber(name, value);
  const v = value as number;
  const ok = open ? v > min && v < max : v >= min && v <= max;
  if (!ok) throw rangeError(name, open ? `a number in (${min}, ${max})` : `a number in [${min}, ${max}]`, value);
  return v;
}

/** An integer >= min (default 1). */
export function integerAtLeast(name: string, value: unknown, min = 1): number {
  if (typeof value !== 'number') throw typeError(name, `an integer >= ${min}`, value);
  if (!Number.isInteger(value) || value < min) throw rangeError(name, `an integer >= ${min}`, value);
  return value;
}

/** A boolean. */
export function boolean(name: string, value: unknown): boolean {
  if (typeof value !== 'boolean') throw typeError(name, 'a boolean', value);
  return value;
}

/** One of a fixed set of strings. */
export function oneOf<T extends string>(name: string, value: unknown, allowed: readonly T[]): T {
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    throw typeError(name, `one of ${allowed.map((a) => JSON.stringify(a)).join(', ')}`, value);
  }
  return value as T;
}

/** A function. */
export function func<T extends (...args: never[]) => unknown>(name: string, value: unknown): T {
  if (typeof value !== 'function') throw typeError(name, 'a function', value);
  return value as T;
}

/** A plain options object (or undefined, which becomes {}). */
export function optionsObject<T extends object>(name: string, value: unknown): Partial<T> {
  if (value === undefined) return {};
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw typeError(name, 'an options object', value);
  return value as Partial<T>;
}

/**
 * Rejects option keys that are not known, so a typo is not silently ignored, and
 * options set to `null` (an omitted option is `undefined`; `null` would otherwise slip
 * past the `??` defaults). Pass `allowNull` for saved states that use `null` on purpose.
 */
export function knownKeys(name: string, value: object, keys: readonly string[], allowNull = false): void {
  for (const [k, v] of Object.entries(value)) {
    if (!keys.includes(k)) {
      throw new TypeError(`Unknown option \`${k}\` in \`${name}\`; expected one of ${keys.map((x) => `\`${x}\``).join(', ')}.`);
    }
    if (v === null && !allowNull) {
      throw new TypeError(`Expected \`${k}\` to be omitted or given a value, got null.`);
    }
  }
}
