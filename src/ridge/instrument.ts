/**
 * A pass-through Backend that counts the floating-point work and time of every
 * call by kind, so a fit can report how close it runs to the BLAS/LAPACK floor
 * (flops done ÷ the machine's GEMM rate) and how much time goes elsewhere.
 */
import type { Backend, GemmOptions, SyrkOptions } from '../linalg/backend.js';
import type { FloatArray, Matrix } from '../linalg/matrix.js';

export interface OpTally {
  calls: number;
  /** Floating-point operations (multiply + add counted as 2). */
  flops: number;
  seconds: number;
}

export interface WorkTally {
  gemm: OpTally;
  syrk: OpTally;
  eigh: OpTally & { sizes: number[] };
}

export function emptyTally(): WorkTally {
  return {
    gemm: { calls: 0, flops: 0, seconds: 0 },
    syrk: { calls: 0, flops: 0, seconds: 0 },
    eigh: { calls: 0, flops: 0, seconds: 0, sizes: [] },
  };
}

async function timed<R>(op: OpTally, flops: number, f: () => Promise<R>): Promise<R> {
  const t0 = performance.now();
  try {
    return await f();
  } finally {
    op.calls++;
    op.flops += flops;
    op.seconds += (performance.now() - t0) / 1000;
  }
}

/** Wraps `inner`; every call is forwarded unchanged and tallied into `tally`. */
export function instrument(inner: Backend, tally: WorkTally): Backend {
  return {
    info: inner.info,
    gemm<T extends FloatArray>(A: Matrix<T>, B: Matrix<T>, opts?: GemmOptions<T>) {
      const m = opts?.transA ? A.cols : A.rows;
      const k = opts?.transA ? A.rows : A.cols;
      const n = opts?.transB ? B.rows : B.cols;
      return timed(tally.gemm, 2 * m * n * k, () => inner.gemm(A, B, opts));
    },
    syrk<T extends FloatArray>(A: Matrix<T>, opts?: SyrkOptions) {
      const n = opts?.trans ? A.cols : A.rows;
      const k = opts?.trans ? A.rows : A.cols;
      return timed(tally.syrk, n * n * k, () => inner.syrk(A, opts));
    },
    eigh<T extends FloatArray>(A: Matrix<T>) {
      tally.eigh.sizes.push(A.rows);
      // Tridiagonal reduction + back-transformation of the eigenvectors (divide and conquer), ≈ 4n³.
      return timed(tally.eigh, 4 * A.rows ** 3, () => inner.eigh(A));
    },
    cholesky: (A) => inner.cholesky(A),
    choleskySolve: (L, B) => inner.choleskySolve(L, B),
    solveSPD: (A, B) => inner.solveSPD(A, B),
    svd: (A) => inner.svd(A),
  };
}
