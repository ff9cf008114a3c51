/**
 * The portable backend: pure TypeScript kernels (see the sibling modules), always
 * available, slow but correct. Work runs on the JavaScript thread; each call yields
 * once first so that callers can still start other work before it blocks.
 */
import type { BackendInfo } from '../backend.js';
import { CheckedBackend } from '../checked.js';
import type { Kernels } from '../kernels.js';
import type { FloatArray } from '../matrix.js';
import { potrf, potrs } from './cholesky.js';
import { eigh } from './eigh.js';
import { gemm, syrk } from './gemm.js';
import { svd } from './svd.js';

function firstNonFinite(a: FloatArray): number {
  for (let t = 0; t < a.length; t++) if (!Number.isFinite(a[t] as number)) return t;
  return -1;
}

function maxAbs(d: FloatArray): number {
  let m = 0;
  for (let t = 0; t < d.length; t++) {
    const v = Math.abs(d[t] as number);
    if (v > m) m = v;
  }
  return m;
}

function firstAsymmetric(n: number, d: FloatArray, tol: number): number {
  // Blocked so that the column walk stays in cache for large n.
  const B = 64;
  for (let i0 = 0; i0 < n; i0 += B) {
    for (let j0 = 0; j0 <= i0; j0 += B) {
      const i1 = Math.min(n, i0 + B);
      const j1 = Math.min(n, j0 + B);
      for (let i = i0; i < i1; i++) {
        for (let j = j0; j < Math.min(j1, i); j++) {
          if (Math.abs((d[i * n + j] as number) - (d[j * n + i] as number)) > tol) return i * n + j;
        }
      }
    }
  }
  return -1;
}

/** Kernels in TypeScript; float32 inputs are computed in float64 and rounded once. */
export const portableKernels: Kernels = {
  name: 'portable',
  firstNonFinite,
  maxAbs,
  firstAsymmetric,
  async gemm(transA, transB, m, n, k, alpha, A, B, beta, C) {
    gemm(transA, transB, m, n, k, alpha, A, B, beta, C);
  },
  async syrk(trans, n, k, alpha, A, C) {
    syrk(trans, n, k, alpha, A, C);
  },
  async eigh(n, A, w) {
    return eigh(n, A, w);
  },
  async potrf(n, A) {
    return potrf(n, A);
  },
  async potrs(n, m, L, B) {
    potrs(n, m, L, B);
  },
  async svd(m, n, A, s, U, Vt) {
    return svd(m, n, A, s, U, Vt);
  },
};

export function createPortableBackend(reason: string): CheckedBackend {
  const info: BackendInfo = { name: 'portable', reason, threads: 1 };
  return new CheckedBackend(portableKernels, info);
}
