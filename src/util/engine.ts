/**
 * One TensorFlow.js, checked. autolrs trains the user's model with the user's tfjs
 * (a peer dependency). When a project holds two copies of tfjs (two versions of
 * `@tensorflow/tfjs`, or `@tensorflow/tfjs-node` of another version than
 * `@tensorflow/tfjs`), a model built with one copy cannot be driven by classes of the
 * other: tfjs-layers does not recognise the callback and calls it with the wrong `this`,
 * and the copies overwrite each other's kernels. These checks turn that into one clear
 * error, raised before the first step, that names both versions and says how to fix it.
 *
 * A model or optimizer comes from autolrs's copy when that copy's class is on its
 * prototype chain. `instanceof` cannot tell: tfjs makes `instanceof tf.Optimizer` (and
 * `tf.Tensor`, `tf.Variable`) duck-typed, so it holds for objects of any copy. Whether a
 * value is a tfjs object at all is told by its methods, as tfjs does.
 */
import * as tf from '@tensorflow/tfjs';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/** A copy of `@tensorflow/tfjs-core` loaded in this process. */
export interface TfjsCopy {
  /** Its version, e.g. "4.22.0" (null when its package.json could not be read). */
  version: string | null;
  /** The folder of the package. */
  path: string;
  /** Whether it is the copy autolrs imports. */
  autolrs: boolean;
}

/**
 * A model or optimizer given to autolrs, or the `model.fit` calling its callback, comes
 * from another copy of TensorFlow.js than the one autolrs imports.
 */
export class DuplicateTfjsError extends TypeError {
  /** The version of `@tensorflow/tfjs-core` autolrs uses. */
  readonly autolrsVersion: string;
  /** The version of the other copy, when it could be found. */
  readonly otherVersion: string | null;
  /** The copies of `@tensorflow/tfjs-core` loaded in this process. */
  readonly copies: TfjsCopy[];

  constructor(message: string, otherVersion: string | null, copies: TfjsCopy[]) {
    super(message);
    this.name = 'DuplicateTfjsError';
    this.autolrsVersion = tf.version_core;
    this.otherVersion = otherVersion;
    this.copies = copies;
  }
}

const FIX =
  'Install a single copy: give `@tensorflow/tfjs` (and `@tensorflow/tfjs-node` or `-node-gpu`, if you use them) ' +
  'the same version everywhere in package.json and run `npm dedupe`; `npm ls @tensorflow/tfjs-core` must list one version.';

/** Whether `value` is an object made by `cls` of autolrs's copy of tfjs (or a subclass). */
function ownCopy(value: unknown, cls: { prototype: object }): boolean {
  return typeof value === 'object' && value !== null && Object.prototype.isPrototypeOf.call(cls.prototype, value);
}

/** Whether `value` looks like a tfjs layers model (of any copy). */
function modelLike(value: unknown): boolean {
  return hasMethods(value, ['fit', 'compile', 'getWeights']);
}

/** Whether `value` has the methods named (tfjs's own duck typing of its classes). */
function hasMethods(value: unknown, names: readonly string[]): boolean {
  return typeof value === 'object' && value !== null && names.every((n) => typeof (value as Record<string, unknown>)[n] === 'function');
}

/** Whether `value` is a tfjs optimizer of another copy. */
function foreignOptimizer(value: unknown): boolean {
  return hasMethods(value, ['minimize', 'computeGradients', 'applyGradients']) && !ownCopy(value, tf.Optimizer);
}

/** The tfjs-layers version that built `model`, read from its JSON (`kerasVersion`). */
function modelVersion(model: unknown): string | null {
  try {
    const json = (model as { toJSON: (unused: null, returnString: boolean) => { keras_version?: unknown } }).toJSON(null, false);
    const m = /^tfjs-layers (\S+)$/.exec(String(json?.keras_version));
    return m ? m[1]! : null;
  } catch {
    return null;
  }
}

const CORE_DIR = /^(.*[\\/]@tensorflow[\\/]tfjs-core)[\\/]/;

/**
 * The copies of `@tensorflow/tfjs-core` loaded in this process, autolrs's first, found in
 * Node's module cache (tfjs runs from its CommonJS build in Node).
 */
export function loadedTfjsCopies(): TfjsCopy[] {
  let own: string | null = null;
  const dirs = new Set<string>();
  try {
    const require = createRequire(import.meta.url);
    const tfjsMain = require.resolve('@tensorflow/tfjs');
    own = dirname(createRequire(tfjsMain).resolve('@tensorflow/tfjs-core/package.json'));
    dirs.add(own);
    for (const file of Object.keys(require.cache)) {
      const m = CORE_DIR.exec(file);
      if (m) dirs.add(m[1]!);
    }
  } catch {
    // Not in Node, or tfjs not found from here: no copies can be listed.
  }
  return [...dirs].map((path) => ({ path, version: readVersion(path), autolrs: path === own }));
}

function readVersion(dir: string): string | null {
  try {
    const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version?: unknown };
    return typeof pkg.version === 'string' ? pkg.version : null;
  } catch {
    return null;
  }
}

/** The error for `what` (e.g. "the model") from another copy; `version` when known. */
function duplicateError(who: string, what: string, version: string | null): DuplicateTfjsError {
  const copies = loadedTfjsCopies();
  const others = copies.filter((c) => !c.autolrs);
  const other = version ?? (others.length === 1 ? others[0]!.version : null);
  const own = copies.find((c) => c.autolrs);
  const list = copies.map((c) => `${c.version ?? 'unknown version'} at ${c.path}${c.autolrs ? ' (autolrs)' : ''}`).join('; ');
  return new DuplicateTfjsError(
    `${who}: expected ${what} to come from the TensorFlow.js that autolrs uses ` +
      `(@tensorflow/tfjs-core ${tf.version_core}${own ? ` at ${own.path}` : ''}), ` +
      `got it from another copy of TensorFlow.js (${other ? `version ${other}` : 'version unknown'}). ` +
      (copies.length > 1 ? `Copies of @tensorflow/tfjs-core loaded: ${list}. ` : '') +
      `Two copies do not share their classes, so training cannot work. ${FIX}`,
    other,
    copies,
  );
}

/** Throws a {@link DuplicateTfjsError} when `model` (or its optimizer) is from another copy of tfjs. */
export function assertModelTfjs(model: unknown, who: string): void {
  if (modelLike(model) && !ownCopy(model, tf.LayersModel)) {
    throw duplicateError(who, 'the model', modelVersion(model));
  }
  const optimizer = (model as { optimizer?: unknown } | null | undefined)?.optimizer;
  if (foreignOptimizer(optimizer)) throw duplicateError(who, "the model's optimizer", null);
}

/**
 * The check at the start of a callback's `onTrainBegin`; `callback` is the `this` it was
 * called with. tfjs-layers calls the methods of a callback it does not recognise on a
 * wrapper of its own (a `CustomCallback`, which holds no model). That happens when the
 * callback comes from another copy of tfjs (a {@link DuplicateTfjsError}), and also with
 * one copy when the first entry of `callbacks` is a plain object (a TypeError).
 */
export function assertCallbackTfjs(callback: unknown, who: string): void {
  if (ownCopy(callback, tf.Callback)) {
    assertModelTfjs((callback as tf.Callback).model, who);
    return;
  }
  if (ownCopy(callback, tf.CustomCallback)) {
    throw new TypeError(
      `Expected ${who} to be called by model.fit as itself, got it called through a tf.CustomCallback wrapper: ` +
        'tfjs-layers wraps every entry of `callbacks` when the first one is a plain object. ' +
        'Put the autolrs callback first in `callbacks`, or pass plain objects as `new tf.CustomCallback({ ... })`.',
    );
  }
  throw duplicateError(who, 'model.fit', null);
}

/** Throws a {@link DuplicateTfjsError} when the optimizer is from another copy of tfjs. */
export function assertTrainingStateTfjs(state: { optimizer: unknown }, who: string): void {
  // Tensors and variables cannot be told apart: every copy makes them with the classes of
  // the copy that created tfjs's one global engine.
  if (foreignOptimizer(state.optimizer)) throw duplicateError(who, 'the optimizer', null);
}

/**
 * The base of autolrs's callbacks: a `tf.Callback` whose `setModel` refuses a model from
 * another copy of tfjs. (tfjs-layers of another copy calls `setModel` on a callback it
 * takes as is, when the first entry of `callbacks` is one of its own.)
 */
export class SameTfjsCallback extends tf.Callback {
  override setModel(model: Parameters<tf.Callback['setModel']>[0]): void {
    assertModelTfjs(model, this.constructor.name);
    super.setModel(model);
  }
}
