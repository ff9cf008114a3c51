/**
 * The raw numeric kernels a backend provides. They trust their input: shapes,
 * dtypes, finiteness and symmetry are checked once, for every backend alike, by
 * `CheckedBackend` (checked.ts), so both backends fail with the same messages.
 *
 * Every array is ROW-MAJOR and dense (leading dimension = number of columns).
 * Every dimension passed to a kernel is ≥ 1 (empty cases are answered before).
 * Kernels may run off the JavaScript thread; the caller must not touch the arrays
 * until the returned promise settles.
 */
import type { FloatArray } from './matrix.js';

export interface Kernels {
  /** `'native'` or `'portable'`. */
  readonly name: 'native' | 'portable';

  /** Index of the first NaN/±Inf in `a`, or -1. */
  firstNonFinite(a: FloatArray): number;

  /** max |a_i| (0 when empty). */
  maxAbs(a: FloatArray): number;

  /**
   * For a square n × n `a`: the flat index i·n + j (i > j) of an entry with
   * |a_ij − a_ji| > tol (absolute), or -1 when there is none.
   */
  firstAsymmetric(n: number, a: FloatArray, tol: number): number;

  /**
   * C = alpha · op(A) · op(B) + beta · C, op(A): m × k, op(B): k × n, C: m × n.
   * A is stored m × k (or k × m when transA); B k × n (or n × k when transB).
   */
  gemm<T extends FloatArray>(
    transA: boolean,
    transB: boolean,
    m: number,
    n: number,
    k: number,
    alpha: number,
    A: T,
    B: T,
    beta: number,
    C: T,
  ): Promise<void>;

  /**
   * C = alpha · A · Aᵀ (trans = false, A: n × k) or alpha · Aᵀ · A (trans = true, A: k × n),
   * C: n × n, both triangles written.
   */
  syrk<T extends FloatArray>(trans: boolean, n: number, k: number, alpha: number, A: T, C: T): Promise<void>;

  /**
   * Symmetric eigendecomposition. On entry `A` (n × n) holds a symmetric matrix
   * (only its lower triangle is read); on exit it holds the eigenvectors as COLUMNS
   * (row-major n × n), and `w` (n) the eigenvalues ascending.
   * Returns LAPACK's info: 0 on success, > 0 when the solver did not converge.
   */
  eigh<T extends FloatArray>(n: number, A: T, w: T): Promise<number>;

  /**
   * Cholesky factorisation in place: on entry `A` (n × n, lower triangle read),
   * on exit L in the lower triangle and zeros above. Returns 0, or k > 0 when the
   * leading minor of order k is not positive definite.
   */
  potrf<T extends FloatArray>(n: number, A: T): Promise<number>;

  /** Solves L · Lᵀ · X = B in place of B (n × m), L: n × n lower triangular. */
  potrs<T extends FloatArray>(n: number, m: number, L: T, B: T): Promise<void>;

  /**
   * Thin SVD of A (m × n, destroyed), k = min(m, n): writes s (k, descending),
   * U (m × k), Vt (k × n). Returns 0, or > 0 when the solver did not converge.
   */
  svd<T extends FloatArray>(m: number, n: number, A: T, s: T, U: T, Vt: T): Promise<number>;
}
