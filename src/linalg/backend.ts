/**
 * The numeric engine's one interface. Two implementations:
 * - `native`: an N-API addon over the system's OpenBLAS and LAPACKE (fast; calls
 *   run on libuv's thread pool so the JavaScript thread stays free);
 * - `portable`: pure TypeScript (always available, slow, correct).
 * `getBackend()` picks native when it loads, portable otherwise, or what
 * `B2M_BACKEND=native|portable` asks for.
 *
 * All matrices are row-major (see matrix.ts). Inputs are never modified unless an
 * `out` argument is given. Both operands of one call must share a dtype.
 */
import type { Matrix } from './matrix.js';

export type Transpose = boolean;

export interface GemmOptions<T extends Float32Array | Float64Array> {
  /** Use Aᵀ instead of A. */
  transA?: Transpose;
  /** Use Bᵀ instead of B. */
  transB?: Transpose;
  /** Scale of op(A)·op(B). Default 1. */
  alpha?: number;
  /** Scale of the existing `out` (C = alpha·op(A)·op(B) + beta·C). Default 0. */
  beta?: number;
  /** Write into this matrix (its shape must be op(A).rows × op(B).cols). */
  out?: Matrix<T>;
  /**
   * Skip the NaN/Inf scan of these operands: the caller has already checked them
   * (scipy's `check_finite=False`). The scan reads every element once, which costs
   * as much as a fast GEMM's memory traffic on a tall operand.
   */
  assumeFinite?: { A?: boolean; B?: boolean };
}

export interface SyrkOptions {
  /** false: A · Aᵀ; true: Aᵀ · A. */
  trans?: boolean;
  /** Scale of the product. Default 1. */
  alpha?: number;
  /** Skip the NaN/Inf scan of A: the caller has already checked it. */
  assumeFinite?: boolean;
}

/** Eigendecomposition of a symmetric matrix: A = V · diag(values) · Vᵀ. */
export interface EighResult<T extends Float32Array | Float64Array> {
  /** Eigenvalues in ascending order (length n). */
  values: T;
  /** n × n; column k is the unit eigenvector of values[k]. */
  vectors: Matrix<T>;
}

/** Thin SVD of an m × n matrix, k = min(m, n): A = U · diag(s) · Vt. */
export interface SvdResult<T extends Float32Array | Float64Array> {
  /** m × k, orthonormal columns. */
  U: Matrix<T>;
  /** Singular values, descending (length k). */
  s: T;
  /** k × n, orthonormal rows. */
  Vt: Matrix<T>;
}

export interface BackendInfo {
  name: 'native' | 'portable';
  /** Why this backend is active (e.g. "B2M_BACKEND=portable", "addon failed to load: …"). */
  reason: string;
  /** BLAS library in use, e.g. "OpenBLAS 0.3.21" (native only). */
  blas?: string;
  /** OpenBLAS core type (e.g. "Haswell"), as reported by the library. */
  coreType?: string;
  /** OPENBLAS_CORETYPE from the environment, when set. */
  coreTypeEnv?: string;
  /** Threads the backend uses. */
  threads: number;
}

export interface Backend {
  readonly info: BackendInfo;

  /** C = alpha · op(A) · op(B) + beta · C. Shapes: op(A) m × k, op(B) k × n, C m × n. */
  gemm<T extends Float32Array | Float64Array>(
    A: Matrix<T>,
    B: Matrix<T>,
    opts?: GemmOptions<T>,
  ): Promise<Matrix<T>>;

  /**
   * Symmetric rank-k product with both triangles filled:
   * `trans = false`: A · Aᵀ (A n × k → n × n); `trans = true`: Aᵀ · A (A k × n → n × n).
   */
  syrk<T extends Float32Array | Float64Array>(A: Matrix<T>, opts?: SyrkOptions): Promise<Matrix<T>>;

  /** Symmetric eigendecomposition (values ascending). Rejects non-symmetric input. */
  eigh<T extends Float32Array | Float64Array>(A: Matrix<T>): Promise<EighResult<T>>;

  /** Cholesky factor L (lower triangular, upper triangle zero) with A = L · Lᵀ. Rejects non-SPD input. */
  cholesky<T extends Float32Array | Float64Array>(A: Matrix<T>): Promise<Matrix<T>>;

  /** Solves A · X = B given L from `cholesky(A)`. B: n × m. */
  choleskySolve<T extends Float32Array | Float64Array>(L: Matrix<T>, B: Matrix<T>): Promise<Matrix<T>>;

  /** Solves A · X = B for symmetric positive definite A (factor + solve). */
  solveSPD<T extends Float32Array | Float64Array>(A: Matrix<T>, B: Matrix<T>): Promise<Matrix<T>>;

  /** Thin SVD. */
  svd<T extends Float32Array | Float64Array>(A: Matrix<T>): Promise<SvdResult<T>>;
}
