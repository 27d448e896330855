/**
 * Nelder-Mead simplex minimization of a function of a few variables, with optional
 * box bounds (every trial point is clamped into the box).
 *
 * Standard coefficients: reflection 1, expansion 2, contraction ½, shrink ½.
 * Stops when both the spread of function values over the simplex is <= `fTolerance`
 * and every vertex lies within `xTolerance` (max-norm) of the best one, or after
 * `maxIterations` iterations. A non-finite function value is treated as +Infinity.
 */

/** Options of {@link nelderMead}. */
export interface NelderMeadOptions {
  /**
   * Offset of the initial simplex vertices from `x0`, along each axis.
   * @default 1
   */
  step?: number;
  /**
   * Maximum number of iterations.
   * @default 200 × dimension
   */
  maxIterations?: number;
  /**
   * Tolerance on the spread of function values.
   * @default 1e-8
   */
  fTolerance?: number;
  /**
   * Tolerance on the simplex size (max-norm).
   * @default 1e-8
   */
  xTolerance?: number;
  /** Lower bound per variable (clamped into); none by default. */
  lower?: readonly number[];
  /** Upper bound per variable (clamped into); none by default. */
  upper?: readonly number[];
}

/** The result of {@link nelderMead}. */
export interface NelderMeadResult {
  /** The best point found. */
  x: number[];
  /** f(x). */
  fx: number;
  iterations: number;
  evaluations: number;
  /** True when the tolerances were met before `maxIterations`. */
  converged: boolean;
}

/** Minimizes `f` starting from `x0`. */
export function nelderMead(
  f: (x: number[]) => number,
  x0: readonly number[],
  options: NelderMeadOptions = {},
): NelderMeadResult {
  const n = x0.length;
  if (n === 0) throw new RangeError('Expected `x0` to have at least 1 coordinate, got 0.');
  const step = options.step ?? 1;
  const maxIterations = options.maxIterations ?? 200 * n;
  const fTol = options.fTolerance ?? 1e-8;
  const xTol = options.xTolerance ?? 1e-8;
  const lower = options.lower;
  const upper = options.upper;

  const clamp = (x: number[]): number[] =>
    x.map((v, i) => {
      let w = v;
      if (lower && w < (lower[i] as number)) w = lower[i] as number;
      if (upper && w > (upper[i] as number)) w = upper[i] as number;
      return w;
    });
  let evaluations = 0;
  const evaluate = (x: number[]): number => {
    evaluations++;
    const v = f(x);
    return Number.isFinite(v) ? v : Infinity;
  };

  const start = clamp([...x0]);
  const simplex: { x: number[]; f: number }[] = [{ x: start, f: evaluate(start) }];
  for (let i = 0; i < n; i++) {
    const x = [...start];
    x[i] = (x[i] as number) + step;
    let v = clamp(x);
    // When the step runs into a bound, step the other way instead.
    if (v[i] === start[i]) {
      x[i] = (start[i] as number) - 2 * step;
      v = clamp(x);
    }
    simplex.push({ x: v, f: evaluate(v) });
  }

  const combine = (a: number[], b: number[], t: number): number[] => clamp(a.map((ai, i) => ai + t * ((b[i] as number) - ai)));

  let iterations = 0;
  let converged = false;
  while (iterations < maxIterations) {
    simplex.sort((p, q) => p.f - q.f);
    const best = simplex[0] as { x: number[]; f: number };
    const worst = simplex[n] as { x: number[]; f: number };
    let fSpread = 0;
    let xSpread = 0;
    for (let k = 1; k <= n; k++) {
      const p = simplex[k] as { x: number[]; f: number };
      fSpread = Math.max(fSpread, Math.abs(p.f - best.f));
      for (let i = 0; i < n; i++) xSpread = Math.max(xSpread, Math.abs((p.x[i] as number) - (best.x[i] as number)));
    }
    if ((fSpread <= fTol || (best.f === Infinity && worst.f === Infinity)) && xSpread <= xTol) {
      converged = true;
      break;
    }
    iterations++;

    const centroid = new Array<number>(n).fill(0);
    for (let k = 0; k < n; k++) {
      const p = simplex[k] as { x: number[] };
      for (let i = 0; i < n; i++) centroid[i] = (centroid[i] as number) + (p.x[i] as number) / n;
    }
    const secondWorst = simplex[n - 1] as { f: number };

    const xr = combine(centroid, worst.x, -1);
    const fr = evaluate(xr);
    if (fr < best.f) {
      const xe = combine(centroid, worst.x, -2);
      const fe = evaluate(xe);
      simplex[n] = fe < fr ? { x: xe, f: fe } : { x: xr, f: fr };
      continue;
    }
    if (fr < secondWorst.f) {
      simplex[n] = { x: xr, f: fr };
      continue;
    }
    // Contraction: outside when the reflection improved on the worst, inside otherwise.
    const outside = fr < worst.f;
    const xc = outside ? combine(centroid, xr, 0.5) : combine(centroid, worst.x, 0.5);
    const fc = evaluate(xc);
    if (fc < (outside ? fr : worst.f)) {
      simplex[n] = { x: xc, f: fc };
      continue;
    }
    // Shrink towards the best vertex.
    for (let k = 1; k <= n; k++) {
      const p = simplex[k] as { x: number[]; f: number };
      const xs = combine(best.x, p.x, 0.5);
      simplex[k] = { x: xs, f: evaluate(xs) };
    }
  }
  simplex.sort((p, q) => p.f - q.f);
  const best = simplex[0] as { x: number[]; f: number };
  return { x: [...best.x], fx: best.f, iterations, evaluations, converged };
}
