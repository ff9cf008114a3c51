/**
 * Drift removal per run, in place on X (n_scans × n_voxels, row-major float32).
 * A registry maps a method name to its implementation:
 * - `median`: subtract a running median of `medianSeconds` (the paper: 240 s);
 * - `polynomial`: subtract the least-squares polynomial of degree `order` in time;
 * - `cosine`: SPM-style high-pass, regress out the constant and every DCT basis
 *   function with period ≥ `cutoffSeconds` (K = floor(2·n·TR / cutoff));
 * - `none`.
 * Polynomial and cosine project out an orthonormal basis Q (n × p, built in float64
 * once per run): X ← X − Q (Qᵀ X), accumulated row by row (cache-friendly).
 */
import type { Matrix } from '../../linalg/matrix.js';
import { UserError } from '../../util/errors.js';
import { subtractRunningMedianParallel } from './median-parallel.js';
import { type EdgeMode, medianWindowScans } from './running-median.js';

export interface DetrendOptions {
  method: DetrendMethod;
  /** `median`: window in seconds (default 240). */
  medianSeconds: number;
  /** `median`: edge handling (default `reflect`, as scipy.ndimage). */
  medianEdge: EdgeMode;
  /** `polynomial`: degree (default 2). */
  order: number;
  /** `cosine`: cutoff period in seconds (default 128, SPM's). */
  cutoffSeconds: number;
}

export type DetrendMethod = 'median' | 'polynomial' | 'cosine' | 'none';

type DetrendFn = (X: Matrix<Float32Array>, tr: number, o: DetrendOptions) => void | Promise<void>;

export const DETRENDERS: Record<DetrendMethod, DetrendFn> = {
  median: (X, tr, o) =>
    subtractRunningMedianParallel(X, medianWindowScans(o.medianSeconds, tr), o.medianEdge),
  polynomial: (X, _tr, o) => projectOut(X, orthonormalize(polynomialBasis(X.rows, o.order))),
  cosine: (X, tr, o) => projectOut(X, orthonormalize(cosineBasis(X.rows, tr, o.cutoffSeconds))),
  none: () => {},
};

/** Removes drift from X in place with the chosen method (the median filter runs on worker threads). */
export async function detrend(X: Matrix<Float32Array>, tr: number, o: DetrendOptions): Promise<void> {
  const fn = DETRENDERS[o.method];
  if (!fn) {
    throw new UserError(`unknown detrend method "${o.method}"`, {
      field: 'detrend',
      hint: `choose one of: ${Object.keys(DETRENDERS).join(', ')}`,
    });
  }
  await fn(X, tr, o);
}

/** Columns t^0 … t^order over t scaled to [−1, 1] (scaling keeps the Gram–Schmidt well conditioned). */
export function polynomialBasis(n: number, order: number): Float64Array[] {
  const cols: Float64Array[] = [];
  for (let p = 0; p <= order; p++) {
    const c = new Float64Array(n);
    for (let t = 0; t < n; t++) c[t] = (n > 1 ? (2 * t) / (n - 1) - 1 : 0) ** p;
    cols.push(c);
  }
  return cols;
}

/** The constant and DCT-II cosines cos(π k (2t+1) / 2n), k = 1 … floor(2 n TR / cutoff). */
export function cosineBasis(n: number, tr: number, cutoffSeconds: number): Float64Array[] {
  const K = Math.floor((2 * n * tr) / cutoffSeconds);
  const cols: Float64Array[] = [];
  for (let k = 0; k <= Math.min(K, n - 1); k++) {
    const c = new Float64Array(n);
    for (let t = 0; t < n; t++) c[t] = Math.cos((Math.PI * k * (2 * t + 1)) / (2 * n));
    cols.push(c);
  }
  return cols;
}

/** Modified Gram–Schmidt (twice, for orthogonality to rounding); drops dependent columns. */
export function orthonormalize(cols: Float64Array[]): Float64Array[] {
  const q: Float64Array[] = [];
  for (const c0 of cols) {
    const c = c0.slice();
    const norm0 = Math.sqrt(dot(c, c));
    for (let pass = 0; pass < 2; pass++) {
      for (const u of q) {
        const d = dot(u, c);
        for (let t = 0; t < c.length; t++) c[t]! -= d * u[t]!;
      }
    }
    const norm = Math.sqrt(dot(c, c));
    if (norm <= 1e-10 * Math.max(1, norm0)) continue;
    for (let t = 0; t < c.length; t++) c[t]! /= norm;
    q.push(c);
  }
  return q;
}

/** X ← X − Q Qᵀ X for orthonormal columns Q (each length n_scans). */
export function projectOut(X: Matrix<Float32Array>, Q: Float64Array[]): void {
  const { rows: n, cols: v, data } = X;
  const p = Q.length;
  if (p === 0 || v === 0) return;
  const B = new Float64Array(p * v); // Qᵀ X
  for (let t = 0; t < n; t++) {
    const row = t * v;
    for (let j = 0; j < p; j++) {
      const q = Q[j]![t]!;
      const b = j * v;
      for (let c = 0; c < v; c++) B[b + c]! += q * data[row + c]!;
    }
  }
  const acc = new Float64Array(v);
  for (let t = 0; t < n; t++) {
    acc.fill(0);
    for (let j = 0; j < p; j++) {
      const q = Q[j]![t]!;
      const b = j * v;
      for (let c = 0; c < v; c++) acc[c]! += q * B[b + c]!;
    }
    const row = t * v;
    for (let c = 0; c < v; c++) data[row + c] = data[row + c]! - acc[c]!;
  }
}

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}
