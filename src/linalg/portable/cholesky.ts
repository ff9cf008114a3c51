/**
 * Portable Cholesky factor and triangular solves, row by row (row-major, so every
 * inner loop is contiguous), accumulating in float64.
 */
import type { FloatArray } from '../matrix.js';

/** In-place A = L·Lᵀ (lower triangle read; L below, zeros above). Returns 0 or the failing minor order. */
export function potrf(n: number, A: FloatArray): number {
  const L = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    const ri = i * n;
    for (let j = 0; j <= i; j++) {
      const rj = j * n;
      let s = A[ri + j] as number;
      for (let p = 0; p < j; p++) s -= (L[ri + p] as number) * (L[rj + p] as number);
      if (i === j) {
        if (!(s > 0)) return i + 1;
        L[ri + i] = Math.sqrt(s);
      } else {
        L[ri + j] = s / (L[rj + j] as number);
      }
    }
  }
  A.set(L);
  return 0;
}

/** Solves L·Lᵀ·X = B in place of B (n × m). */
export function potrs(n: number, m: number, L: FloatArray, B: FloatArray): void {
  const X = Float64Array.from(B);
  // Forward: L·Y = B, one row of Y at a time.
  for (let i = 0; i < n; i++) {
    const xi = i * m;
    for (let p = 0; p < i; p++) {
      const l = L[i * n + p] as number;
      if (l === 0) continue;
      const xp = p * m;
      for (let j = 0; j < m; j++) X[xi + j] = (X[xi + j] as number) - l * (X[xp + j] as number);
    }
    const dii = L[i * n + i] as number;
    for (let j = 0; j < m; j++) X[xi + j] = (X[xi + j] as number) / dii;
  }
  // Backward: Lᵀ·X = Y.
  for (let i = n - 1; i >= 0; i--) {
    const xi = i * m;
    for (let p = i + 1; p < n; p++) {
      const l = L[p * n + i] as number;
      if (l === 0) continue;
      const xp = p * m;
      for (let j = 0; j < m; j++) X[xi + j] = (X[xi + j] as number) - l * (X[xp + j] as number);
    }
    const dii = L[i * n + i] as number;
    for (let j = 0; j < m; j++) X[xi + j] = (X[xi + j] as number) / dii;
  }
  B.set(X);
}
