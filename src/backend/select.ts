/**
 * Chooses the fastest TensorFlow.js backend available in this process, sets it, and
 * registers this library's kernel overrides for it.
 *
 * Order tried by `'auto'`:
 *  1. `tensorflow`: `@tensorflow/tfjs-node-gpu`, then `@tensorflow/tfjs-node` (optional
 *     peer dependencies; libtensorflow, CUDA for the -gpu one);
 *  2. `webgpu`: `@tensorflow/tfjs-backend-webgpu` on the Dawn bindings of the `webgpu`
 *     package (optional peer dependencies), when Dawn finds a hardware GPU adapter (a
 *     software adapter, `isFallbackAdapter`, is skipped; asked for explicitly, it is taken
 *     with a warning);
 *  3. `wasm`: `@tensorflow/tfjs-backend-wasm` (XNNPACK; single-threaded in Node);
 *  4. `cpu`: the pure-JavaScript backend of `@tensorflow/tfjs`, always present.
 */
import * as os from 'node:os';

import * as tf from '@tensorflow/tfjs';

import { describe, func, knownKeys, oneOf, optionsObject } from '../util/validate.js';
import { registerKernelOverrides } from './kernels/register.js';

/** Backend names accepted by {@link selectBackend}. */
export const BACKEND_NAMES = ['auto', 'tensorflow', 'webgpu', 'wasm', 'cpu'] as const;

/** A backend name, or `'auto'` for the first available one. */
export type BackendChoice = (typeof BACKEND_NAMES)[number];

/** A concrete backend (what `'auto'` resolves to). */
export type BackendName = Exclude<BackendChoice, 'auto'>;

/** Options of {@link selectBackend}. */
export interface SelectBackendOptions {
  /**
   * Which backend to use. `'auto'` takes the first available of `tensorflow`, `webgpu`,
   * `wasm`, `cpu`; a named backend that is not available throws
   * {@link BackendUnavailableError} (no silent fallback).
   * @default 'auto'
   */
  backend?: BackendChoice;
  /**
   * Where the wasm backend finds its `.wasm` files: a directory prefix (ending in `/`)
   * passed to `setWasmPaths` of `@tensorflow/tfjs-backend-wasm`. Needed only when the
   * program is bundled and the files are not beside the bundle.
   * @default undefined (the package's own directory, or the bundle's)
   */
  wasmPaths?: string;
  /**
   * Receives one line per backend tried (chosen or skipped, with the reason).
   * @default undefined (silent)
   */
  log?: (line: string) => void;
}

/** A backend that was not chosen, and why. */
export interface SkippedBackend {
  name: BackendName;
  reason: string;
}

/** What {@link selectBackend} chose. */
export interface BackendSelection {
  /** The backend now set in tfjs (`tf.getBackend()`). */
  name: BackendName;
  /** Why it was chosen. */
  reason: string;
  /** The backends tried before it, in order, with the reason each was skipped. */
  skipped: SkippedBackend[];
  /** The device it runs on (CPU model and cores, GPU adapter, ...), when known. */
  device?: string;
  /** Kernels this library registered for the chosen backend. */
  kernelOverrides: string[];
  /**
   * What the caller should know about the choice (a software WebGPU adapter asked for
   * explicitly, ...). Each is also passed to `log`, or written with `console.warn` when
   * there is no `log`.
   */
  warnings: string[];
}

/** Thrown when a backend named explicitly cannot be used in this process. */
export class BackendUnavailableError extends Error {
  /** The backend that was asked for. */
  readonly backend: BackendName;
  /** Why it cannot be used. */
  readonly reason: string;

  constructor(backend: BackendName, reason: string) {
    super(`Backend \`${backend}\` is not available: ${reason}.`);
    this.name = 'BackendUnavailableError';
    this.backend = backend;
    this.reason = reason;
  }
}

type Probe = { ok: true; reason: string; device?: string; warning?: string } | { ok: false; reason: string };

const OPTION_KEYS = ['backend', 'wasmPaths', 'log'] as const;

/** One line naming this machine's CPU: model and logical core count. */
export function describeCpu(): string {
  const cpus = os.cpus();
  const model = cpus[0]?.model.trim() ?? 'unknown CPU';
  return `${model} (${cpus.length} logical cores)`;
}

function errorMessage(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return message.split('\n')[0] ?? message;
}

function isMissingModule(err: unknown, specifier: string): boolean {
  const e = err as { code?: unknown; message?: unknown };
  const code = typeof e?.code === 'string' ? e.code : '';
  const message = typeof e?.message === 'string' ? e.message : '';
  if (!message.includes(specifier)) return false;
  // Node's codes, and the wording of loaders that resolve modules themselves (vite, bundlers).
  return code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND' || /Cannot find (package|module)|Could not resolve/.test(message);
}

/**
 * Imports an optional package by a specifier held in a variable, so that neither the
 * TypeScript compiler nor a bundler requires the package to be present.
 */
async function importOptional(specifier: string): Promise<{ loaded: true } | { loaded: false; reason: string }> {
  try {
    await import(specifier);
    return { loaded: true };
  } catch (err) {
    if (isMissingModule(err, specifier)) return { loaded: false, reason: `package \`${specifier}\` is not installed` };
    return { loaded: false, reason: `package \`${specifier}\` failed to load (${errorMessage(err)})` };
  }
}

async function activate(name: BackendName): Promise<string | undefined> {
  if (tf.findBackendFactory(name) === null) return `no \`${name}\` backend is registered with this copy of @tensorflow/tfjs`;
  let ok: boolean;
  try {
    ok = await tf.setBackend(name);
  } catch (err) {
    return `its initialisation failed (${errorMessage(err)})`;
  }
  if (!ok) return 'its initialisation failed';
  return undefined;
}

async function probeTensorflow(): Promise<Probe> {
  const reasons: string[] = [];
  const candidates = [
    { specifier: '@tensorflow/tfjs-node-gpu', device: 'libtensorflow with CUDA (tfjs-node-gpu)' },
    { specifier: '@tensorflow/tfjs-node', device: `libtensorflow on ${describeCpu()} (tfjs-node)` },
  ];
  for (const { specifier, device } of candidates) {
    const loaded = await importOptional(specifier);
    if (!loaded.loaded) {
      reasons.push(loaded.reason);
      continue;
    }
    const failure = await activate('tensorflow');
    if (failure !== undefined) {
      reasons.push(`\`${specifier}\` loaded but ${failure}`);
      continue;
    }
    return { ok: true, reason: `\`${specifier}\` is installed`, device };
  }
  return { ok: false, reason: reasons.join('; ') };
}

interface AdapterInfoLike {
  vendor?: string;
  architecture?: string;
  device?: string;
  description?: string;
  isFallbackAdapter?: boolean;
}

interface AdapterLike {
  info?: AdapterInfoLike;
  /** Older spelling of `info.isFallbackAdapter` (undefined in current Dawn). */
  isFallbackAdapter?: boolean;
}

interface GpuLike {
  requestAdapter: (options?: { powerPreference?: 'low-power' | 'high-performance' }) => Promise<AdapterLike | null>;
}

function describeAdapter(adapter: AdapterLike): string {
  const info = adapter.info;
  if (info === undefined) return 'WebGPU adapter (Dawn)';
  const parts = [info.vendor, info.architecture, info.device, info.description].filter(
    (p): p is string => typeof p === 'string' && p.length > 0,
  );
  return `${parts.length > 0 ? parts.join(' ') : 'WebGPU adapter'} (Dawn)`;
}

/**
 * Whether the adapter is a software one (SwiftShader, lavapipe, WARP): WebGPU reports it
 * with `isFallbackAdapter`. Such an adapter runs on the CPU, far slower than the wasm backend.
 */
export function isSoftwareAdapter(adapter: AdapterLike): boolean {
  return adapter.info?.isFallbackAdapter === true || adapter.isFallbackAdapter === true;
}

/** The WebGPU entry point already set up in this process (a browser, or an earlier selection). */
function existingGpu(): GpuLike | undefined {
  const nav = (globalThis as { navigator?: { gpu?: GpuLike } }).navigator;
  return nav?.gpu;
}

async function probeWebgpu(auto: boolean): Promise<Probe> {
  let gpu = existingGpu();
  let webgpuModule: { create: (options: string[]) => unknown; globals: object } | undefined;
  if (gpu === undefined) {
    let loaded: NonNullable<typeof webgpuModule>;
    try {
      loaded = (await import('webgpu')) as unknown as typeof loaded;
    } catch (err) {
      if (isMissingModule(err, 'webgpu')) {
        return { ok: false, reason: `package \`webgpu\` (Dawn bindings for Node) is not installed or incomplete (${errorMessage(err)})` };
      }
      return { ok: false, reason: `package \`webgpu\` failed to load (${errorMessage(err)})` };
    }
    try {
      gpu = loaded.create([]) as GpuLike;
    } catch (err) {
      return { ok: false, reason: `Dawn failed to start (${errorMessage(err)})` };
    }
    webgpuModule = loaded;
  }
  let adapter: AdapterLike | null;
  try {
    // The descriptor tfjs-backend-webgpu itself uses, so that both see the same adapter.
    adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  } catch (err) {
    return { ok: false, reason: `Dawn failed to start (${errorMessage(err)})` };
  }
  if (adapter === null) return { ok: false, reason: 'no GPU adapter was found (Dawn requestAdapter() returned null)' };
  const device = describeAdapter(adapter);
  const software = isSoftwareAdapter(adapter);
  if (software && auto) {
    return {
      ok: false,
      reason:
        `the only adapter found, ${device}, is a software adapter (isFallbackAdapter) that runs on the CPU, ` +
        'far slower than wasm; ask for `webgpu` explicitly to use it',
    };
  }
  if (tf.findBackendFactory('webgpu') === null) {
    // tfjs-backend-webgpu registers itself at import time only when navigator.gpu exists,
    // so the globals are set up before it is imported.
    if (webgpuModule !== undefined) {
      Object.assign(globalThis, webgpuModule.globals);
      const g = globalThis as { navigator?: object };
      if (g.navigator === undefined) {
        g.navigator = { gpu };
      } else {
        Object.defineProperty(g.navigator, 'gpu', { value: gpu, configurable: true, enumerable: true, writable: true });
      }
    }
    try {
      await import('@tensorflow/tfjs-backend-webgpu');
    } catch (err) {
      if (isMissingModule(err, '@tensorflow/tfjs-backend-webgpu')) {
        return { ok: false, reason: 'package `@tensorflow/tfjs-backend-webgpu` is not installed' };
      }
      return { ok: false, reason: `package \`@tensorflow/tfjs-backend-webgpu\` failed to load (${errorMessage(err)})` };
    }
    if (tf.findBackendFactory('webgpu') === null) {
      return {
        ok: false,
        reason: '@tensorflow/tfjs-backend-webgpu did not register (was it imported before navigator.gpu was set up?)',
      };
    }
  }
  const failure = await activate('webgpu');
  if (failure !== undefined) return { ok: false, reason: failure };
  if (software) {
    return {
      ok: true,
      reason: 'Dawn found a software adapter',
      device,
      warning:
        `the WebGPU adapter ${device} is a software adapter (isFallbackAdapter): it runs on the CPU, ` +
        'far slower than a GPU and than the wasm backend',
    };
  }
  return { ok: true, reason: 'Dawn found a GPU adapter', device };
}

async function probeWasm(wasmPaths: string | undefined): Promise<Probe> {
  let wasmModule: typeof import('@tensorflow/tfjs-backend-wasm');
  try {
    wasmModule = await import('@tensorflow/tfjs-backend-wasm');
  } catch (err) {
    if (isMissingModule(err, '@tensorflow/tfjs-backend-wasm')) {
      return { ok: false, reason: 'package `@tensorflow/tfjs-backend-wasm` is not installed' };
    }
    return { ok: false, reason: `package \`@tensorflow/tfjs-backend-wasm\` failed to load (${errorMessage(err)})` };
  }
  if (wasmPaths !== undefined) wasmModule.setWasmPaths(wasmPaths);
  const failure = await activate('wasm');
  if (failure !== undefined) return { ok: false, reason: `${failure} (are the .wasm files reachable? see \`wasmPaths\`)` };
  const simd = tf.env().getBool('WASM_HAS_SIMD_SUPPORT');
  const threads = wasmModule.getThreadsCount();
  return {
    ok: true,
    reason: 'WebAssembly backend loaded',
    device: `${describeCpu()}, WebAssembly ${simd ? 'SIMD' : 'no SIMD'}, ${threads} thread${threads === 1 ? '' : 's'}`,
  };
}

async function probeCpu(): Promise<Probe> {
  const failure = await activate('cpu');
  if (failure !== undefined) return { ok: false, reason: failure };
  return { ok: true, reason: 'pure-JavaScript backend (always available, slowest)', device: describeCpu() };
}

/**
 * Selects, sets and prepares a tfjs backend. See {@link SelectBackendOptions}.
 *
 * @throws TypeError when an option is invalid.
 * @throws BackendUnavailableError when a backend named explicitly cannot be used.
 */
export async function selectBackend(options?: SelectBackendOptions): Promise<BackendSelection> {
  const opts = optionsObject<SelectBackendOptions>('options', options);
  knownKeys('options', opts, OPTION_KEYS);
  const choice = oneOf('backend', opts.backend ?? 'auto', BACKEND_NAMES);
  const wasmPaths = opts.wasmPaths;
  if (wasmPaths !== undefined && typeof wasmPaths !== 'string') {
    throw new TypeError(`Expected \`wasmPaths\` to be a string, got ${describe(wasmPaths)}.`);
  }
  const log = opts.log === undefined ? undefined : func<(line: string) => void>('log', opts.log);

  const probes: Record<BackendName, () => Promise<Probe>> = {
    tensorflow: probeTensorflow,
    webgpu: () => probeWebgpu(choice === 'auto'),
    wasm: () => probeWasm(wasmPaths),
    cpu: probeCpu,
  };
  const order: BackendName[] = choice === 'auto' ? ['tensorflow', 'webgpu', 'wasm', 'cpu'] : [choice];
  const skipped: SkippedBackend[] = [];
  for (const name of order) {
    const probe = await probes[name]();
    if (!probe.ok) {
      if (choice !== 'auto') throw new BackendUnavailableError(name, probe.reason);
      skipped.push({ name, reason: probe.reason });
      log?.(`backend ${name}: skipped: ${probe.reason}`);
      continue;
    }
    const kernelOverrides = registerKernelOverrides(name);
    const reason = choice === 'auto' ? `first available in auto order: ${probe.reason}` : `asked for explicitly: ${probe.reason}`;
    log?.(
      `backend ${name}: chosen: ${reason}` +
        (probe.device === undefined ? '' : `; device: ${probe.device}`) +
        (kernelOverrides.length > 0 ? `; kernel overrides: ${kernelOverrides.join(', ')}` : ''),
    );
    const warnings = probe.warning === undefined ? [] : [probe.warning];
    for (const w of warnings) {
      if (log !== undefined) log(`backend ${name}: warning: ${w}`);
      else console.warn(`autolrs: backend ${name}: ${w}`);
    }
    const selection: BackendSelection = { name, reason, skipped, kernelOverrides, warnings };
    if (probe.device !== undefined) selection.device = probe.device;
    return selection;
  }
  // Unreachable: the cpu backend ships with @tensorflow/tfjs.
  throw new BackendUnavailableError('cpu', skipped.map((s) => `${s.name}: ${s.reason}`).join('; '));
}
