/**
 * The native backend: kernels from our N-API addon over OpenBLAS + LAPACKE. The
 * addon runs each call on libuv's thread pool (the JavaScript thread stays free),
 * holds the typed arrays until completion, and serialises BLAS calls (OpenBLAS
 * already uses every thread it is given).
 */
import type { BackendInfo } from '../backend.js';
import { CheckedBackend } from '../checked.js';
import type { Kernels } from '../kernels.js';
import type { NativeAddon } from './addon.js';

export function nativeKernels(addon: NativeAddon): Kernels {
  return {
    name: 'native',
    firstNonFinite: (a) => addon.firstNonFinite(a),
    maxAbs: (a) => addon.maxAbs(a),
    firstAsymmetric: (n, a, tol) => addon.firstAsymmetric(n, a, tol),
    gemm: (transA, transB, m, n, k, alpha, A, B, beta, C) =>
      addon.gemm(transA, transB, m, n, k, alpha, A, B, beta, C),
    syrk: (trans, n, k, alpha, A, C) => addon.syrk(trans, n, k, alpha, A, C),
    eigh: (n, A, w) => addon.syevd(n, A, w),
    potrf: (n, A) => addon.potrf(n, A),
    potrs: (n, m, L, B) => addon.potrs(n, m, L, B),
    svd: (m, n, A, s, U, Vt) => addon.gesdd(m, n, A, s, U, Vt),
  };
}

/** Sets the thread count, then describes the library as OpenBLAS reports it. */
export function createNativeBackend(addon: NativeAddon, reason: string, threads: number): CheckedBackend {
  addon.setThreads(threads);
  const lib = addon.info();
  const info: BackendInfo = {
    name: 'native',
    reason,
    blas: lib.config,
    coreType: lib.corename,
    threads: lib.threads,
  };
  if (process.env.OPENBLAS_CORETYPE) info.coreTypeEnv = process.env.OPENBLAS_CORETYPE;
  return new CheckedBackend(nativeKernels(addon), info);
}
