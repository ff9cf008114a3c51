/**
 * Per-target scores of predictions against truth, accumulated column by column
 * in float64 over row-major blocks (n_rows × n_targets), so the engine can score a
 * whole batch of targets from one prediction matrix. Registry: name → scorer.
 */
import type { FloatArray } from '../linalg/matrix.js';

export type ScoreName = 'r2' | 'pearson';

/**
 * Scores every column: `truth` and `pred` are rows × cols, row-major.
 * `truthStats` holds per-column quantities of `truth` precomputed once per fold
 * (`prepare`), since the same truth is scored against every alpha.
 */
export interface Scorer {
  readonly name: ScoreName;
  prepare(truth: FloatArray, rows: number, cols: number): Float64Array;
  score(
    truth: FloatArray,
    pred: FloatArray,
    rows: number,
    cols: number,
    truthStats: Float64Array,
    out: Float64Array,
  ): void;
}

/** Column sums of squared deviations from the column mean (float64, two-pass). */
function centredSumSquares(a: FloatArray, rows: number, cols: number): Float64Array {
  const mean = new Float64Array(cols);
  for (let i = 0; i < rows; i++) {
    const o = i * cols;
    for (let j = 0; j < cols; j++) mean[j] += a[o + j] as number;
  }
  for (let j = 0; j < cols; j++) mean[j] /= rows;
  const ss = new Float64Array(cols);
  for (let i = 0; i < rows; i++) {
    const o = i * cols;
    for (let j = 0; j < cols; j++) {
      const d = (a[o + j] as number) - (mean[j] as number);
      ss[j] += d * d;
    }
  }
  return ss;
}

/**
 * Coefficient of determination, as scikit-learn's `r2_score` per target:
 * 1 − SS_res / SS_tot; a constant truth scores 1 when predicted exactly, else 0.
 */
export const r2Scorer: Scorer = {
  name: 'r2',
  prepare: centredSumSquares,
  score(truth, pred, rows, cols, ssTot, out) {
    const ssRes = new Float64Array(cols);
    for (let i = 0; i < rows; i++) {
      const o = i * cols;
      for (let j = 0; j < cols; j++) {
        const d = (truth[o + j] as number) - (pred[o + j] as number);
        ssRes[j] += d * d;
      }
    }
    for (let j = 0; j < cols; j++) {
      const tot = ssTot[j] as number;
      const res = ssRes[j] as number;
      out[j] = tot === 0 ? (res === 0 ? 1 : 0) : 1 - res / tot;
    }
  },
};

/** Pearson correlation per target; 0 when either side is constant. */
export const pearsonScorer: Scorer = {
  name: 'pearson',
  prepare: centredSumSquares,
  score(truth, pred, rows, cols, ssTruth, out) {
    const sp = new Float64Array(cols);
    const st = new Float64Array(cols);
    for (let i = 0; i < rows; i++) {
      const o = i * cols;
      for (let j = 0; j < cols; j++) {
        sp[j] += pred[o + j] as number;
        st[j] += truth[o + j] as number;
      }
    }
    for (let j = 0; j < cols; j++) {
      sp[j] /= rows;
      st[j] /= rows;
    }
    const spp = new Float64Array(cols);
    const stp = new Float64Array(cols);
    for (let i = 0; i < rows; i++) {
      const o = i * cols;
      for (let j = 0; j < cols; j++) {
        const dp = (pred[o + j] as number) - (sp[j] as number);
        spp[j] += dp * dp;
        stp[j] += ((truth[o + j] as number) - (st[j] as number)) * dp;
      }
    }
    for (let j = 0; j < cols; j++) {
      const den = Math.sqrt((ssTruth[j] as number) * (spp[j] as number));
      out[j] = den > 0 ? (stp[j] as number) / den : 0;
    }
  },
};

export const SCORERS: Record<ScoreName, Scorer> = { r2: r2Scorer, pearson: pearsonScorer };
