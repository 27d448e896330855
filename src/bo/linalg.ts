/**
 * Dense linear algebra on small symmetric positive-definite matrices (plain arrays):
 * Cholesky factorization with a jitter fallback and triangular solves.
 */
import { GPNumericalError } from './errors.js';

/**
 * Relative jitters tried, in order, after the plain factorization fails. Each is
 * multiplied by the mean of the diagonal before it is added to the diagonal.
 */
export const JITTER_SEQUENCE: readonly number[] = [1e-10, 1e-8, 1e-6, 1e-4];

/**
 * The lower-triangular L with A = L·Lᵀ, or undefined when A is not numerically
 * positive definite: a pivot is NaN, not positive, or below `EPSILON × max diagonal`.
 */
export function cholesky(A: readonly (readonly number[])[]): number[][] | undefined {
  const n = A.length;
  let maxDiag = 0;
  for (let i = 0; i < n; i++) maxDiag = Math.max(maxDiag, Math.abs((A[i] as readonly number[])[i] as number));
  const tiny = Number.EPSILON * maxDiag;
  const L: number[][] = Array.from({ length: n }, () => new Array<number>(n).fill(0));
  for (let j = 0; j < n; j++) {
    const Lj = L[j] as number[];
    let d = (A[j] as readonly number[])[j] as number;
    for (let k = 0; k < j; k++) d -= (Lj[k] as number) * (Lj[k] as number);
    if (!(d > tiny) || !Number.isFinite(d)) return undefined;
    const djj = Math.sqrt(d);
    Lj[j] = djj;
    for (let i = j + 1; i < n; i++) {
      const Li = L[i] as number[];
      let s = (A[i] as readonly number[])[j] as number;
      for (let k = 0; k < j; k++) s -= (Li[k] as number) * (Lj[k] as number);
      const v = s / djj;
      if (!Number.isFinite(v)) return undefined;
      Li[j] = v;
    }
  }
  return L;
}

/** A Cholesky factor and the absolute jitter that was added to the diagonal to get it. */
export interface JitteredCholesky {
  L: number[][];
  /** 0 when the matrix factored as given. */
  jitter: number;
}

/**
 * Cholesky of A; when it fails, retries with A + jitter·I for each relative jitter in
 * {@link JITTER_SEQUENCE} (scaled by the mean diagonal). Throws {@link GPNumericalError}
 * when every attempt fails or A holds a non-finite entry.
 * @param what names the matrix in the error message.
 */
export function choleskyWithJitter(A: readonly (readonly number[])[], what = 'covariance matrix'): JitteredCholesky {
  const n = A.length;
  let diagSum = 0;
  for (let i = 0; i < n; i++) {
    const row = A[i] as readonly number[];
    if (row.length !== n) throw new RangeError(`Expected a square matrix, got row ${i} of length ${row.length} in a ${n}-row matrix.`);
    for (let j = 0; j < n; j++) {
      if (!Number.isFinite(row[j] as number)) {
        throw new GPNumericalError(
          `Cholesky factorization of the ${n}×${n} ${what} failed: entry [${i}][${j}] is ${String(row[j])}.`,
        );
      }
    }
    diagSum += row[i] as number;
  }
  const first = cholesky(A);
  if (first) return { L: first, jitter: 0 };
  const scale = n > 0 && diagSum > 0 ? diagSum / n : 1;
  for (const rel of JITTER_SEQUENCE) {
    const jitter = rel * scale;
    const B = A.map((row, i) => row.map((v, j) => (i === j ? v + jitter : v)));
    const L = cholesky(B);
    if (L) return { L, jitter };
  }
  const last = JITTER_SEQUENCE[JITTER_SEQUENCE.length - 1] as number;
  throw new GPNumericalError(
    `Cholesky factorization of the ${n}×${n} ${what} failed: not positive definite, ` +
      `even with a jitter of ${last * scale} (${last} × mean diagonal) added to the diagonal.`,
  );
}

/** Solves L·x = b for lower-triangular L (forward substitution). */
export function solveLower(L: readonly (readonly number[])[], b: readonly number[]): number[] {
  const n = L.length;
  const x = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const Li = L[i] as readonly number[];
    let s = b[i] as number;
    for (let k = 0; k < i; k++) s -= (Li[k] as number) * (x[k] as number);
    x[i] = s / (Li[i] as number);
  }
  return x;
}

/** Solves Lᵀ·x = b for lower-triangular L (back substitution). */
export function solveUpperTransposed(L: readonly (readonly number[])[], b: readonly number[]): number[] {
  const n = L.length;
  const x = new Array<number>(n);
  for (let i = n - 1; i >= 0; i--) {
    let s = b[i] as number;
    for (let k = i + 1; k < n; k++) s -= ((L[k] as readonly number[])[i] as number) * (x[k] as number);
    x[i] = s / ((L[i] as readonly number[])[i] as number);
  }
  return x;
}
