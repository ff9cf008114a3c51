/**
 * The paper's headline decoding metrics (METHOD.md §3.6).
 *
 * Identification accuracy: for test items i = 1..n, C_ij = Pearson r(prediction_i,
 * target_j) over the embedding dimensions; acc_i = #{ j ≠ i : C_ii > C_ij } / (n − 1)
 * with a STRICT `>` (ties count as failures; `>=` over all n would inflate the score
 * by about 1/(n − 1)). Chance is 0.5.
 */
import type { Matrix } from '../linalg/matrix.js';
import { UserError } from '../util/errors.js';

function checkPair(pred: Matrix, target: Matrix): void {
  if (pred.rows !== target.rows || pred.cols !== target.cols) {
    throw new UserError(
      `predictions are ${pred.rows} × ${pred.cols} but targets are ${target.rows} × ${target.cols}`,
      { hint: 'predict one row per test item with the embedding dimension of the targets' },
    );
  }
}

/** Rows centred and scaled to unit norm (float64); a constant row becomes all zeros. */
function unitRows(M: Matrix): Float64Array {
  const { rows, cols } = M;
  const out = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++) {
    const r = M.row(i);
    let mean = 0;
    for (let j = 0; j < cols; j++) mean += r[j] as number;
    mean /= cols;
    let ss = 0;
    for (let j = 0; j < cols; j++) {
      const v = (r[j] as number) - mean;
      out[i * cols + j] = v;
      ss += v * v;
    }
    const inv = ss > 0 ? 1 / Math.sqrt(ss) : 0;
    for (let j = 0; j < cols; j++) out[i * cols + j] = (out[i * cols + j] as number) * inv;
  }
  return out;
}

/**
 * C (n × n, row-major Float64Array): C[i·n + j] = Pearson r between row i of `pred`
 * and row j of `target`. pred, target: n_items × dim.
 */
export function crossCorrelation(pred: Matrix, target: Matrix): Float64Array {
  checkPair(pred, target);
  const n = pred.rows;
  const d = pred.cols;
  const P = unitRows(pred);
  const T = unitRows(target);
  const C = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let k = 0; k < d; k++) s += (P[i * d + k] as number) * (T[j * d + k] as number);
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
  /** Rank-1 identification: the fraction of items whose own target is the best match. */
  top1: number;
}

/** pred, target: n_items × dim (row i of each is the same item); n ≥ 2. */
export function identificationAccuracy(pred: Matrix, target: Matrix): IdentificationResult {
  checkPair(pred, target);
  const n = pred.rows;
  if (n < 2) throw new UserError(`identification needs at least 2 items, got ${n}`);
  const C = crossCorrelation(pred, target);
  const perItem = new Float64Array(n);
  let top1 = 0;
  for (let i = 0; i < n; i++) {
    const own = C[i * n + i] as number;
    let wins = 0;
    for (let j = 0; j < n; j++) if (j !== i && own > (C[i * n + j] as number)) wins++;
    perItem[i] = wins / (n - 1);
    if (wins === n - 1) top1++;
  }
  const accuracy = perItem.reduce((a, b) => a + b, 0) / n;
  return { accuracy, perItem, top1: top1 / n };
}

/**
 * Pearson r between predicted and true values of each embedding dimension across
 * the test items, averaged over dimensions (constant dimensions are skipped).
 * pred, target: n_items × dim.
 */
export function meanDimensionCorrelation(pred: Matrix, target: Matrix): number {
  checkPair(pred, target);
  const { rows: n, cols: d } = pred;
  let sum = 0;
  let used = 0;
  for (let j = 0; j < d; j++) {
    let mp = 0;
    let mt = 0;
    for (let i = 0; i < n; i++) {
      mp += pred.get(i, j);
      mt += target.get(i, j);
    }
    mp /= n;
    mt /= n;
    let sp = 0;
    let st = 0;
    let spt = 0;
    for (let i = 0; i < n; i++) {
      const a = pred.get(i, j) - mp;
      const b = target.get(i, j) - mt;
      sp += a * a;
      st += b * b;
      spt += a * b;
    }
    if (sp > 0 && st > 0) {
      sum += spt / Math.sqrt(sp * st);
      used++;
    }
  }
  return used ? sum / used : Number.NaN;
}
