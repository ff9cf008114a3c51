/**
 * Per-run z-scoring of every voxel (column) of X (n_scans × n_voxels), in place:
 * (x − mean) / SD with the population SD (ddof = 0, as scipy.stats.zscore and
 * sklearn's StandardScaler). Accumulates in float64, row by row.
 *
 * Voxels that cannot be z-scored are set to 0 for the whole run and reported, so
 * no NaN ever reaches a model: a voxel is `constant` when its SD is ≤ `eps` times
 * its mean absolute value (or exactly 0), `nonFinite` when any value is NaN/±Inf.
 */
import type { Matrix } from '../../linalg/matrix.js';

export interface ZscoreReport {
  /** Column indices with (near-)zero variance. */
  constant: number[];
  /** Column indices with a NaN or infinite value. */
  nonFinite: number[];
}

/** Columns with NaN/Inf anywhere; those columns are set to 0 in place. */
export function zeroNonFinite(X: Matrix<Float32Array>): number[] {
  const { rows: n, cols: v, data } = X;
  const bad = new Uint8Array(v);
  for (let t = 0; t < n; t++) {
    const row = t * v;
    for (let c = 0; c < v; c++) if (!Number.isFinite(data[row + c]!)) bad[c] = 1;
  }
  const cols: number[] = [];
  for (let c = 0; c < v; c++) if (bad[c]) cols.push(c);
  zeroColumns(X, cols);
  return cols;
}

export function zscoreColumns(X: Matrix<Float32Array>, eps = 1e-6): ZscoreReport {
  const nonFinite = zeroNonFinite(X);
  const { rows: n, cols: v, data } = X;
  const mean = new Float64Array(v);
  const absMean = new Float64Array(v);
  for (let t = 0; t < n; t++) {
    const row = t * v;
    for (let c = 0; c < v; c++) {
      const x = data[row + c]!;
      mean[c]! += x;
      absMean[c]! += Math.abs(x);
    }
  }
  for (let c = 0; c < v; c++) {
    mean[c]! /= n;
    absMean[c]! /= n;
  }
  const ss = new Float64Array(v);
  for (let t = 0; t < n; t++) {
    const row = t * v;
    for (let c = 0; c < v; c++) {
      const d = data[row + c]! - mean[c]!;
      ss[c]! += d * d;
    }
  }
  const scale = new Float64Array(v);
  const constant: number[] = [];
  const isBad = new Set(nonFinite);
  for (let c = 0; c < v; c++) {
    const sd = Math.sqrt(ss[c]! / n);
    if (sd === 0 || sd <= eps * absMean[c]!) {
      if (!isBad.has(c)) constant.push(c);
      scale[c] = 0;
      mean[c] = 0;
    } else scale[c] = 1 / sd;
  }
  for (let t = 0; t < n; t++) {
    const row = t * v;
    for (let c = 0; c < v; c++) data[row + c] = (data[row + c]! - mean[c]!) * scale[c]!;
  }
  return { constant, nonFinite };
}

function zeroColumns(X: Matrix<Float32Array>, cols: number[]): void {
  if (cols.length === 0) return;
  for (let t = 0; t < X.rows; t++) {
    const row = t * X.cols;
    for (const c of cols) X.data[row + c] = 0;
  }
}
