/**
 * The paper's headline decoding metrics (METHOD.md §3.6), the one implementation in
 * the project.
 *
 * Identification accuracy: for test items i = 1..n, C_ij = Pearson r(prediction_i,
 * target_j) over the embedding dimensions; acc_i = #{ j ≠ i : C_ii > C_ij } / (n − 1)
 * with a STRICT `>` (ties count as failures; `>=` over all n would inflate the score
 * by about 1/(n − 1)). Chance is 0.5.
 *
 * Rows with NaN or ±Inf are refused (a UserError naming the row): a NaN compares
 * false with everything, which would silently score as a failure or, worse, hide a
 * broken decoder. A constant row (all values equal) has no Pearson r; it is given
 * r = 0 with every row, so a constant prediction ties with all others and scores
 * acc_i = 0 (it carries no information), and a constant target j has C_ij = 0 for
 * every prediction i (item j then beats only the targets its prediction
 * anti-correlates with). Constant means max = min exactly, not "small variance".
 */
import type { Matrix } from '../linalg/matrix.js';
import { UserError } from '../util/errors.js';

/** Chance level of identification accuracy. */
export const IDENTIFICATION_CHANCE = 0.5;

function checkPair(pred: Matrix, target: Matrix): void {
  if (pred.rows !== target.rows || pred.cols !== target.cols) {
    throw new UserError(
      `predictions are ${pred.rows} × ${pred.cols} but targets are ${target.rows} × ${target.cols}`,
      { hint: 'predict one row per test item with the embedding dimension of the targets' },
    );
  }
}

/** Throws a UserError naming the first row of `M` that holds NaN or ±Inf. */
export function assertFiniteRows(M: Matrix, what: string): void {
  const { rows, cols, data } = M;
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) {
      const v = data[i * cols + j] as number;
      if (!Number.isFinite(v)) {
        throw new UserError(`${what} row ${i} holds ${v} (column ${j}); identification needs finite values`, {
          field: `${what}[${i}]`,
          hint: 'check the decoder for a failed fit (NaN coefficients) or the inputs for missing scans',
        });
      }
    }
  }
}

/**
 * Rows centred and scaled to unit norm (float64); a constant row (max = min) becomes
 * all zeros, so its correlation with anything is 0. M: n × d → n·d row-major.
 */
function unitRows(M: Matrix): Float64Array {
  const { rows, cols, data } = M;
  const out = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++) {
    const o = i * cols;
    let mean = 0;
    let lo = Number.POSITIVE_INFINITY;
    let hi = Number.NEGATIVE_INFINITY;
    for (let j = 0; j < cols; j++) {
      const v = data[o + j] as number;
      mean += v;
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    if (!(hi > lo)) continue; // constant: left as zeros
    mean /= cols;
    let ss = 0;
    for (let j = 0; j < cols; j++) {
      const v = (data[o + j] as number) - mean;
      out[o + j] = v;
      ss += v * v;
    }
    const inv = 1 / Math.sqrt(ss);
    for (let j = 0; j < cols; j++) out[o + j] = (out[o + j] as number) * inv;
  }
  return out;
}

/**
 * C (n × n, row-major Float64Array): C[i·n + j] = Pearson r between row i of `pred`
 * and row j of `target` (0 when either row is constant). pred, target: n_items × dim,
 * finite (NaN/Inf rows are refused).
 */
export function crossCorrelation(pred: Matrix, target: Matrix): Float64Array {
  checkPair(pred, target);
  assertFiniteRows(pred, 'prediction');
  assertFiniteRows(target, 'target');
  const n = pred.rows;
  const d = pred.cols;
  const P = unitRows(pred);
  const T = unitRows(target);
  const C = new Float64Array(n * n);
  // Four targets per pass share each load of the prediction row: about twice as fast
  // as the plain triple loop, which matters for ~500 cross-validated training clips.
  for (let i = 0; i < n; i++) {
    const pi = i * d;
    let j = 0;
    for (; j + 4 <= n; j += 4) {
      const t0 = j * d;
      const t1 = t0 + d;
      const t2 = t1 + d;
      const t3 = t2 + d;
      let s0 = 0;
      let s1 = 0;
      let s2 = 0;
      let s3 = 0;
      for (let k = 0; k < d; k++) {
        const p = P[pi + k] as number;
        s0 += p * (T[t0 + k] as number);
        s1 += p * (T[t1 + k] as number);
        s2 += p * (T[t2 + k] as number);
        s3 += p * (T[t3 + k] as number);
      }
      C[i * n + j] = s0;
      C[i * n + j + 1] = s1;
      C[i * n + j + 2] = s2;
      C[i * n + j + 3] = s3;
    }
    for (; j < n; j++) {
      const tj = j * d;
      let s = 0;
      for (let k = 0; k < d; k++) s += (P[pi + k] as number) * (T[tj + k] as number);
      C[i * n + j] = s;
    }
  }
  return C;
}

export interface IdentificationResult {
  /** Mean of `perItem`. */
  accuracy: number;
  /** acc_i for each item (length n). */
  perItem: Float64Array;
  /** Rank-1 identification: the fraction of items whose own target beats every other (strictly). */
  top1: number;
}

/**
 * Identification from a precomputed n × n correlation matrix C (row-major, C[i·n + j]
 * = r(pred_i, target_j)); the permutation test and the retrieval ranks reuse C.
 */
export function identificationFromCorrelation(C: Float64Array, n: number): IdentificationResult {
  if (C.length !== n * n) throw new Error(`correlation matrix has ${C.length} entries, expected ${n}²`);
  if (n < 2) {
    throw new UserError(`identification needs at least 2 items, got ${n}`, {
      hint: 'score a test set of two or more clips',
    });
  }
  const perItem = new Float64Array(n);
  let top1 = 0;
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const own = C[i * n + i] as number;
    let wins = 0;
    for (let j = 0; j < n; j++) if (j !== i && own > (C[i * n + j] as number)) wins++;
    perItem[i] = wins / (n - 1);
    sum += perItem[i] as number;
    if (wins === n - 1) top1++;
  }
  return { accuracy: sum / n, perItem, top1: top1 / n };
}

/** pred, target: n_items × dim (row i of each is the same item); n ≥ 2, finite. */
export function identificationAccuracy(pred: Matrix, target: Matrix): IdentificationResult {
  checkPair(pred, target);
  if (pred.rows < 2) {
    throw new UserError(`identification needs at least 2 items, got ${pred.rows}`, {
      hint: 'score a test set of two or more clips',
    });
  }
  return identificationFromCorrelation(crossCorrelation(pred, target), pred.rows);
}

/**
 * Pearson r between predicted and true values of each embedding dimension across
 * the test items, averaged over dimensions (dimensions constant in either matrix
 * have no r and are skipped; NaN when all are). pred, target: n_items × dim.
 */
export function meanDimensionCorrelation(pred: Matrix, target: Matrix): number {
  checkPair(pred, target);
  assertFiniteRows(pred, 'prediction');
  assertFiniteRows(target, 'target');
  const { rows: n, cols: d } = pred;
  const P = pred.data;
  const T = target.data;
  const mp = new Float64Array(d);
  const mt = new Float64Array(d);
  // A constant column's mean is not always exact in floating point, so constancy is
  // decided by comparing values, not by a variance that rounding can make positive.
  const varies = new Uint8Array(d);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) {
      const a = P[i * d + j] as number;
      const b = T[i * d + j] as number;
      mp[j] = (mp[j] as number) + a / n;
      mt[j] = (mt[j] as number) + b / n;
      if (i > 0 && a !== P[j]) varies[j] = (varies[j] as number) | 1;
      if (i > 0 && b !== T[j]) varies[j] = (varies[j] as number) | 2;
    }
  }
  const sp = new Float64Array(d);
  const st = new Float64Array(d);
  const spt = new Float64Array(d);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) {
      const a = (P[i * d + j] as number) - (mp[j] as number);
      const b = (T[i * d + j] as number) - (mt[j] as number);
      sp[j] = (sp[j] as number) + a * a;
      st[j] = (st[j] as number) + b * b;
      spt[j] = (spt[j] as number) + a * b;
    }
  }
  let sum = 0;
  let used = 0;
  for (let j = 0; j < d; j++) {
    if (varies[j] === 3) {
      sum += (spt[j] as number) / Math.sqrt((sp[j] as number) * (st[j] as number));
      used++;
    }
  }
  return used ? sum / used : Number.NaN;
}
