/**
 * The Matérn 5/2 kernel times a constant:
 *
 *   k(x, x') = constant · (1 + √5·r + 5/3·r²) · exp(−√5·r),
 *   r = sqrt(Σ_i ((x_i − x'_i) / ℓ_i)²)
 *
 * Points are `number[]` (1-D points are `[x]`). The length scale ℓ is either one
 * number shared by every dimension or one number per dimension.
 */

/** Hyperparameters of {@link matern52}. */
export interface KernelParameters {
  /** Output scale (signal variance) `constant` > 0: k(x, x) = constant. */
  constant: number;
  /** Length scale > 0: one shared value or one per input dimension. */
  lengthScale: number | readonly number[];
}

const SQRT5 = Math.sqrt(5);

/** The Matérn 5/2 correlation as a function of the scaled distance r ≥ 0. */
export function matern52Correlation(r: number): number {
  const s = SQRT5 * r;
  return (1 + s + (s * s) / 3) * Math.exp(-s);
}

/** The scaled distance r between `a` and `b`. */
export function scaledDistance(a: readonly number[], b: readonly number[], lengthScale: number | readonly number[]): number {
  if (a.length !== b.length) throw new RangeError(`Points have different dimensions: ${a.length} and ${b.length}.`);
  let sum = 0;
  for (let i = 0; i < a.length; i++) {
    const l = typeof lengthScale === 'number' ? lengthScale : (lengthScale[i] as number);
    const d = ((a[i] as number) - (b[i] as number)) / l;
    sum += d * d;
  }
  return Math.sqrt(sum);
}

/** k(a, b) for the Matérn 5/2 × constant kernel. */
export function matern52(a: readonly number[], b: readonly number[], params: KernelParameters): number {
  return params.constant * matern52Correlation(scaledDistance(a, b, params.lengthScale));
}

/** The matrix K[i][j] = k(A[i], B[j]). */
export function kernelMatrix(
  A: readonly (readonly number[])[],
  B: readonly (readonly number[])[],
  params: KernelParameters,
): number[][] {
  return A.map((a) => B.map((b) => matern52(a, b, params)));
}
