/**
 * Portable GEMM/SYRK in TypeScript. Operands are first brought to the plain
 * row-major form (op(A): m × k, op(B): k × n, transposes copied once), then an
 * i-k-j loop streams rows of B into float64 accumulator rows, four rows of C at a
 * time: contiguous access, and float32 inputs still accumulate in float64.
 */
import type { FloatArray } from '../matrix.js';

/** Row-major transpose of an r × c array into a new Float64Array (c × r). */
function transposed(a: FloatArray, r: number, c: number): Float64Array {
  const out = new Float64Array(r * c);
  const B = 64;
  for (let i0 = 0; i0 < r; i0 += B) {
    const i1 = Math.min(r, i0 + B);
    for (let j0 = 0; j0 < c; j0 += B) {
      const j1 = Math.min(c, j0 + B);
      for (let i = i0; i < i1; i++) for (let j = j0; j < j1; j++) out[j * r + i] = a[i * c + j] as number;
    }
  }
  return out;
}

/** C = alpha · op(A) · op(B) + beta · C (see Kernels.gemm). */
export function gemm(
  transA: boolean,
  transB: boolean,
  m: number,
  n: number,
  k: number,
  alpha: number,
  A: FloatArray,
  B: FloatArray,
  beta: number,
  C: FloatArray,
): void {
  const a = transA ? transposed(A, k, m) : A; // m × k
  const b = transB ? transposed(B, n, k) : B; // k × n
  // Four rows of C at a time: each row of B is loaded once for four FMAs.
  const acc = new Float64Array(4 * n);
  for (let i0 = 0; i0 < m; i0 += 4) {
    const rows = Math.min(4, m - i0);
    acc.fill(0);
    if (rows === 4) {
      const a0 = i0 * k;
      const a1 = a0 + k;
      const a2 = a1 + k;
      const a3 = a2 + k;
      for (let p = 0; p < k; p++) {
        const x0 = a[a0 + p] as number;
        const x1 = a[a1 + p] as number;
        const x2 = a[a2 + p] as number;
        const x3 = a[a3 + p] as number;
        const bp = p * n;
        for (let j = 0; j < n; j++) {
          const y = b[bp + j] as number;
          acc[j] += x0 * y;
          acc[n + j] += x1 * y;
          acc[2 * n + j] += x2 * y;
          acc[3 * n + j] += x3 * y;
        }
      }
    } else {
      for (let r = 0; r < rows; r++) {
        const ai = (i0 + r) * k;
        const o = r * n;
        for (let p = 0; p < k; p++) {
          const x = a[ai + p] as number;
          if (x === 0) continue;
          const bp = p * n;
          for (let j = 0; j < n; j++) acc[o + j] += x * (b[bp + j] as number);
        }
      }
    }
    for (let r = 0; r < rows; r++) {
      const ci = (i0 + r) * n;
      const o = r * n;
      if (beta === 0) for (let j = 0; j < n; j++) C[ci + j] = alpha * (acc[o + j] as number);
      else
        for (let j = 0; j < n; j++) C[ci + j] = alpha * (acc[o + j] as number) + beta * (C[ci + j] as number);
    }
  }
}

/** C = alpha · A·Aᵀ (A n × k) or alpha · Aᵀ·A (trans, A k × n); both triangles. */
export function syrk(
  trans: boolean,
  n: number,
  k: number,
  alpha: number,
  A: FloatArray,
  C: FloatArray,
): void {
  // Rows of `a` are the vectors whose pairwise dot products we need.
  const a = trans ? transposed(A, k, n) : A; // n × k
  for (let i = 0; i < n; i++) {
    const ai = i * k;
    for (let j = 0; j <= i; j++) {
      const aj = j * k;
      let s = 0;
      for (let p = 0; p < k; p++) s += (a[ai + p] as number) * (a[aj + p] as number);
      const v = alpha * s;
      C[i * n + j] = v;
      C[j * n + i] = v;
    }
  }
}
