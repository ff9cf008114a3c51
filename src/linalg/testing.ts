/**
 * Test support for the numeric engine: slow, obviously-correct reference routines
 * (plain triple loops in float64) and the norms the property checks use. Not used
 * by the library itself.
 */
import { Rng } from '../util/rng.js';
import { type ArrayFor, type DType, Matrix } from './matrix.js';

/** A rows × cols matrix of standard normal draws. */
export function randn<D extends DType>(
  rows: number,
  cols: number,
  dtype: D,
  seed: number,
): Matrix<ArrayFor<D>> {
  const m = Matrix.zeros(rows, cols, dtype);
  const rng = new Rng(seed);
  for (let t = 0; t < m.data.length; t++) m.data[t] = rng.normal();
  return m;
}

/** (R + Rᵀ)/2 for a random R: symmetric, exactly. */
export function randSym<D extends DType>(n: number, dtype: D, seed: number): Matrix<ArrayFor<D>> {
  const r = randn(n, n, 'float64', seed);
  return Matrix.build(n, n, (i, j) => (r.get(i, j) + r.get(j, i)) / 2, dtype);
}

/** XᵀX + n·I for a random X: symmetric positive definite, well conditioned. */
export function randSPD<D extends DType>(n: number, dtype: D, seed: number): Matrix<ArrayFor<D>> {
  const x = randn(n + 2, n, 'float64', seed);
  const a = refGemm(x, x, true, false);
  return Matrix.build(n, n, (i, j) => (a.get(i, j) + a.get(j, i)) / 2 + (i === j ? n : 0), dtype);
}

/** op(A)·op(B) by the definition, in float64. */
export function refGemm(A: Matrix, B: Matrix, transA = false, transB = false): Matrix<Float64Array> {
  const a = (i: number, p: number) => (transA ? A.get(p, i) : A.get(i, p));
  const b = (p: number, j: number) => (transB ? B.get(j, p) : B.get(p, j));
  const m = transA ? A.cols : A.rows;
  const k = transA ? A.rows : A.cols;
  const n = transB ? B.rows : B.cols;
  return Matrix.build(m, n, (i, j) => {
    let s = 0;
    for (let p = 0; p < k; p++) s += a(i, p) * b(p, j);
    return s;
  });
}

/** Frobenius norm. */
export function fro(A: Matrix): number {
  let s = 0;
  for (const v of A.data) s += v * v;
  return Math.sqrt(s);
}

/** ‖A − B‖_F (shapes must match). */
export function diffFro(A: Matrix, B: Matrix): number {
  if (A.rows !== B.rows || A.cols !== B.cols) throw new Error(`shape ${A.shape} vs ${B.shape}`);
  let s = 0;
  for (let t = 0; t < A.data.length; t++) s += ((A.data[t] as number) - (B.data[t] as number)) ** 2;
  return Math.sqrt(s);
}

/** ‖QᵀQ − I‖_F for a matrix Q with (supposedly) orthonormal columns. */
export function orthoError(Q: Matrix): number {
  return diffFro(refGemm(Q, Q, true, false), Matrix.identity(Q.cols));
}

/** Unit roundoff of a dtype. */
export function eps(dtype: DType): number {
  return dtype === 'float32' ? 2 ** -23 : 2 ** -52;
}
