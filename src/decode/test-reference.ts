/**
 * Slow, obviously correct references for the decoder tests: ridge by the normal
 * equations in float64 (centred X and Y = an unpenalised intercept), Pearson r,
 * and fold-by-fold CV correlation with groups = run mod 5.
 */
import type { Matrix } from '../linalg/matrix.js';

export type Rows = number[][];
export const rowsOf = (M: Matrix): Rows => M.toRows();
export const cols = (X: Rows, idx: number[]): Rows => X.map((r) => idx.map((j) => r[j] as number));
export const pick = (X: Rows, idx: number[]): Rows => idx.map((i) => X[i] as number[]);

/** Solves A x = b for symmetric positive definite A (Cholesky), several right-hand sides. */
function solveSPD(A: Rows, B: Rows): Rows {
  const n = A.length;
  const L: Rows = Array.from({ length: n }, () => new Array<number>(n).fill(0));
  for (let i = 0; i < n; i++)
    for (let j = 0; j <= i; j++) {
      let s = (A[i] as number[])[j] as number;
      for (let k = 0; k < j; k++) s -= ((L[i] as number[])[k] as number) * ((L[j] as number[])[k] as number);
      (L[i] as number[])[j] = i === j ? Math.sqrt(s) : s / ((L[j] as number[])[j] as number);
    }
  const m = (B[0] as number[]).length;
  const X: Rows = B.map((r) => [...r]);
  for (let c = 0; c < m; c++) {
    for (let i = 0; i < n; i++) {
      let s = (X[i] as number[])[c] as number;
      for (let k = 0; k < i; k++) s -= ((L[i] as number[])[k] as number) * ((X[k] as number[])[c] as number);
      (X[i] as number[])[c] = s / ((L[i] as number[])[i] as number);
    }
    for (let i = n - 1; i >= 0; i--) {
      let s = (X[i] as number[])[c] as number;
      for (let k = i + 1; k < n; k++)
        s -= ((L[k] as number[])[i] as number) * ((X[k] as number[])[c] as number);
      (X[i] as number[])[c] = s / ((L[i] as number[])[i] as number);
    }
  }
  return X;
}

const colMeans = (X: Rows): number[] =>
  (X[0] as number[]).map((_, j) => X.reduce((a, r) => a + (r[j] as number), 0) / X.length);

/** Ridge with intercept, fitted on (X, Y), predicting Xte: the textbook formula. */
export function ridge(X: Rows, Y: Rows, Xte: Rows, alpha: number): Rows {
  const mx = colMeans(X);
  const my = colMeans(Y);
  const Xc = X.map((r) => r.map((v, j) => v - (mx[j] as number)));
  const Yc = Y.map((r) => r.map((v, j) => v - (my[j] as number)));
  const p = mx.length;
  const A: Rows = Array.from({ length: p }, (_, a) =>
    Array.from(
      { length: p },
      (_, b) => Xc.reduce((s, r) => s + (r[a] as number) * (r[b] as number), 0) + (a === b ? alpha : 0),
    ),
  );
  const B: Rows = Array.from({ length: p }, (_, a) =>
    my.map((_, t) => Xc.reduce((s, r, i) => s + (r[a] as number) * ((Yc[i] as number[])[t] as number), 0)),
  );
  const W = solveSPD(A, B);
  return Xte.map((r) =>
    my.map(
      (m, t) => m + r.reduce((s, v, j) => s + (v - (mx[j] as number)) * ((W[j] as number[])[t] as number), 0),
    ),
  );
}

export function pearson(a: number[], b: number[]): number {
  const ma = a.reduce((s, v) => s + v, 0) / a.length;
  const mb = b.reduce((s, v) => s + v, 0) / b.length;
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  a.forEach((v, i) => {
    sab += (v - ma) * ((b[i] as number) - mb);
    saa += (v - ma) ** 2;
    sbb += ((b[i] as number) - mb) ** 2;
  });
  return saa > 0 && sbb > 0 ? sab / Math.sqrt(saa * sbb) : 0;
}

/** Per target: mean over folds (groups = run mod 5) of the held-out Pearson r. */
export function cvPearson(X: Rows, Y: Rows, runs: Int32Array, alpha: number): number[] {
  const groups = Array.from(runs, (r) => r % 5);
  const labels = [...new Set(groups)].sort((a, b) => a - b);
  const t = (Y[0] as number[]).length;
  const sum = new Array<number>(t).fill(0);
  for (const g of labels) {
    const tr = groups.flatMap((x, i) => (x === g ? [] : [i]));
    const te = groups.flatMap((x, i) => (x === g ? [i] : []));
    const P = ridge(pick(X, tr), pick(Y, tr), pick(X, te), alpha);
    for (let j = 0; j < t; j++)
      sum[j] =
        (sum[j] as number) +
        pearson(
          P.map((r) => r[j] as number),
          te.map((i) => (Y[i] as number[])[j] as number),
        );
  }
  return sum.map((s) => s / labels.length);
}
