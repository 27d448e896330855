/** Synthetic loss curves and an independent float64 reference fit for the forecast tests. */

/** Seeded uniform RNG in [0, 1) (mulberry32). */
export function rng(seed: number): () => number {
  let s = seed | 0;
  return () => {
    s = (s + 0x6d2b79f5) | 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Standard normal sample (Box–Muller). */
export function gauss(r: () => number): number {
  const u = 1 - r();
  const v = r();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

export interface Curve {
  a: number;
  b: number;
  c: number;
  /** Noisy, spiky samples. */
  y: number[];
  /** false where a sample was replaced by a spike. */
  clean: boolean[];
  /** The true curve at `t`. */
  at(t: number): number;
}

export interface CurveSpec {
  /** Number of samples. */
  n: number;
  /** Steps between samples. */
  interval: number;
  /** Range of −b·(time span of the probe, n·interval). */
  decay: [number, number];
  /** Range of the relative Gaussian noise. */
  noise: [number, number];
  /** Number of samples replaced by upward spikes of 1.5–4x. */
  spikes: number;
  /** Spikes only at these sample indices (default: anywhere). */
  spikeFrom?: number;
}

/** a in [0.5, 2], c in [0.1, 1], b from `decay`, multiplicative noise, upward spikes. */
export function makeCurve(r: () => number, spec: CurveSpec): Curve {
  const a = 0.5 + 1.5 * r();
  const b = -(spec.decay[0] + (spec.decay[1] - spec.decay[0]) * r()) / (spec.n * spec.interval);
  const c = 0.1 + 0.9 * r();
  const noise = spec.noise[0] + (spec.noise[1] - spec.noise[0]) * r();
  const at = (t: number): number => a * Math.exp(b * t) + c;
  const y: number[] = [];
  const clean: boolean[] = [];
  for (let i = 0; i < spec.n; i++) {
    y.push(at(i * spec.interval) * (1 + noise * gauss(r)));
    clean.push(true);
  }
  const from = spec.spikeFrom ?? 0;
  for (let s = 0; s < spec.spikes; s++) {
    const i = from + Math.floor(r() * (spec.n - from));
    y[i] = at(i * spec.interval) * (1.5 + 2.5 * r());
    clean[i] = false;
  }
  return { a, b, c, y, clean, at };
}

/**
 * Independent reference: float64 least squares of a·exp(b·t) + c over the points where
 * `use` is true, by a dense scan of log|b| (step 0.002) with a, c in closed form.
 */
export function bruteForceFit(
  y: number[],
  interval: number,
  use: boolean[] = y.map(() => true),
): { a: number; b: number; c: number; predict(t: number): number } {
  const t = y.map((_, i) => i * interval);
  const span = t[t.length - 1]!;
  let best = { sse: Infinity, a: NaN, b: NaN, c: NaN };
  for (let logRate = Math.log(1e-4); logRate <= Math.log(100); logRate += 0.002) {
    const b = -Math.exp(logRate) / span;
    let m = 0;
    let sx = 0;
    let sy = 0;
    let sxx = 0;
    let sxy = 0;
    for (let i = 0; i < y.length; i++) {
      if (!use[i]) continue;
      const x = Math.exp(b * t[i]!);
      m++;
      sx += x;
      sy += y[i]!;
      sxx += x * x;
      sxy += x * y[i]!;
    }
    const a = (sxy - (sx * sy) / m) / (sxx - (sx * sx) / m);
    const c = (sy - a * sx) / m;
    let sse = 0;
    for (let i = 0; i < y.length; i++) if (use[i]) sse += (y[i]! - a * Math.exp(b * t[i]!) - c) ** 2;
    if (sse < best.sse) best = { sse, a, b, c };
  }
  const { a, b, c } = best;
  return { a, b, c, predict: (x: number) => a * Math.exp(b * x) + c };
}

/** The q-quantile (0..1) of `values`. */
export function quantile(values: number[], q: number): number {
  const s = [...values].sort((x, y) => x - y);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
}
