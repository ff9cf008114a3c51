/**
 * Embedding quality measures, reported (bench/embed.bench.ts), never asserted on
 * real data: genre linear probe and kNN accuracy with standardisation fitted on
 * the training rows only. Identification accuracy between two renderings uses the
 * one shared definition, `identificationAccuracy` in src/evaluate/identification.ts.
 * Rows are items (clips), columns features.
 */
import { getBackend } from '../linalg/index.js';
import { Matrix } from '../linalg/matrix.js';
import { Standardizer } from './standardize.js';

function classesOf(labels: readonly string[]): string[] {
  return [...new Set(labels)].sort();
}

/** k-nearest-neighbour accuracy (cosine on train-standardised features, majority vote, ties → nearest). */
export function knnAccuracy(
  Xtrain: Matrix,
  ytrain: readonly string[],
  Xtest: Matrix,
  ytest: readonly string[],
  k = 5,
): number {
  const st = Standardizer.fit(Xtrain);
  const A = st.transform(Xtrain);
  const B = st.transform(Xtest);
  const norm = (m: Matrix) => {
    for (let i = 0; i < m.rows; i++) {
      const r = m.row(i);
      let ss = 0;
      for (const v of r) ss += v * v;
      const s = ss > 0 ? 1 / Math.sqrt(ss) : 0;
      for (let j = 0; j < r.length; j++) r[j] = (r[j] as number) * s;
    }
  };
  norm(A);
  norm(B);
  let correct = 0;
  for (let i = 0; i < B.rows; i++) {
    const b = B.row(i);
    const sims: [number, number][] = [];
    for (let j = 0; j < A.rows; j++) {
      const a = A.row(j);
      let s = 0;
      for (let d = 0; d < a.length; d++) s += (a[d] as number) * (b[d] as number);
      sims.push([s, j]);
    }
    sims.sort((x, y) => y[0] - x[0]);
    const votes = new Map<string, { n: number; first: number }>();
    sims.slice(0, k).forEach(([, j], rank) => {
      const lab = ytrain[j] as string;
      const v = votes.get(lab) ?? { n: 0, first: rank };
      v.n++;
      votes.set(lab, v);
    });
    const best = [...votes.entries()].sort((x, y) => y[1].n - x[1].n || x[1].first - y[1].first)[0]![0];
    if (best === ytest[i]) correct++;
  }
  return correct / B.rows;
}

/** Ridge one-vs-rest weights: (XᵀX + λI)⁻¹ Xᵀ Y on standardised X with an intercept column left unpenalised via centring. */
async function ridgeFit(
  X: Matrix<Float64Array>,
  Y: Matrix<Float64Array>,
  lambda: number,
): Promise<Matrix<Float64Array>> {
  const be = await getBackend();
  const G = await be.syrk(X, { trans: true });
  for (let i = 0; i < G.rows; i++) G.data[i * G.cols + i] = (G.data[i * G.cols + i] as number) + lambda;
  const XtY = await be.gemm(X, Y, { transA: true });
  return be.solveSPD(G, XtY);
}

/**
 * Genre linear probe: one-vs-rest ridge classifier on train-standardised features
 * (λ picked by 5-fold CV on the training rows from 10⁻¹…10⁴), argmax decision.
 * Returns test accuracy.
 */
export async function linearProbeAccuracy(
  Xtrain: Matrix,
  ytrain: readonly string[],
  Xtest: Matrix,
  ytest: readonly string[],
): Promise<{ accuracy: number; lambda: number }> {
  const classes = classesOf(ytrain);
  const oneHot = (ys: readonly string[]) =>
    Matrix.build(ys.length, classes.length, (i, c) => (ys[i] === classes[c] ? 1 : -1), 'float64');
  const prep = (fitRows: Matrix, apply: Matrix) => {
    const st = Standardizer.fit(fitRows);
    return st.transform(apply).astype('float64');
  };
  const predict = (W: Matrix<Float64Array>, X: Matrix<Float64Array>) => {
    const out: string[] = [];
    for (let i = 0; i < X.rows; i++) {
      const x = X.row(i);
      let best = -Infinity;
      let bc = 0;
      for (let c = 0; c < classes.length; c++) {
        let s = 0;
        for (let d = 0; d < x.length; d++) s += (x[d] as number) * (W.data[d * classes.length + c] as number);
        if (s > best) {
          best = s;
          bc = c;
        }
      }
      out.push(classes[bc] as string);
    }
    return out;
  };
  const lambdas = [0.1, 1, 10, 100, 1000, 10000];
  const n = Xtrain.rows;
  const folds = 5;
  let bestLambda = lambdas[0] as number;
  let bestScore = -1;
  for (const lambda of lambdas) {
    let correct = 0;
    for (let f = 0; f < folds; f++) {
      const tr: number[] = [];
      const va: number[] = [];
      for (let i = 0; i < n; i++) (i % folds === f ? va : tr).push(i);
      const Xtr = Xtrain.takeRows(tr);
      const st = Standardizer.fit(Xtr);
      const W = await ridgeFit(
        st.transform(Xtr).astype('float64'),
        oneHot(tr.map((i) => ytrain[i] as string)),
        lambda,
      );
      const pred = predict(W, st.transform(Xtrain.takeRows(va)).astype('float64'));
      pred.forEach((p, k) => {
        if (p === ytrain[va[k] as number]) correct++;
      });
    }
    if (correct > bestScore) {
      bestScore = correct;
      bestLambda = lambda;
    }
  }
  const W = await ridgeFit(prep(Xtrain, Xtrain), oneHot(ytrain), bestLambda);
  const pred = predict(W, prep(Xtrain, Xtest));
  const accuracy = pred.filter((p, i) => p === ytest[i]).length / ytest.length;
  return { accuracy, lambda: bestLambda };
}
