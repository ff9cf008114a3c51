/**
 * Multinomial logistic regression with an L2 penalty, fitted by L-BFGS: the small
 * classifier behind the conditioning probes and the reconstruction tagger.
 *
 * Objective (scikit-learn's `LogisticRegression(multi_class='multinomial', C=1/λ)`):
 *   Σ_i −log softmax(x_i·W + b)[y_i] + (λ/2)·‖W‖²,  intercept b unpenalised.
 * The products X·W and Xᵀ·G go through the numeric engine (one GEMM each per
 * iteration), so a probe on a thousand 512-d clips fits in milliseconds.
 */
import type { Backend } from '../linalg/backend.js';
import { getBackend } from '../linalg/index.js';
import { Matrix } from '../linalg/matrix.js';
import { UserError } from '../util/errors.js';

export interface LogisticOptions {
  /** L2 strength λ (> 0): the penalty is (λ/2)·‖W‖² on the summed log-loss. */
  lambda: number;
  /** L-BFGS iterations at most (default 500). */
  maxIter?: number;
  /** Stop when the gradient's max-norm falls below tol·max(1, n) (default 1e-7). */
  tol?: number;
  /** Initial coefficients (warm start): d × K, and K intercepts. */
  init?: { coef: Matrix<Float64Array>; intercept: Float64Array };
  backend?: Backend;
}

export interface LogisticModel {
  /** d × K. */
  coef: Matrix<Float64Array>;
  /** K. */
  intercept: Float64Array;
  nClasses: number;
  iterations: number;
  converged: boolean;
}

/**
 * X: n × d (float64), y: n labels in 0..K−1. Classes absent from `y` are allowed
 * (their probabilities are driven down), so a CV fold may miss a rare class.
 */
export async function fitLogistic(
  X: Matrix<Float64Array>,
  y: ArrayLike<number>,
  nClasses: number,
  opts: LogisticOptions,
): Promise<LogisticModel> {
  const n = X.rows;
  const d = X.cols;
  const K = nClasses;
  if (y.length !== n) throw new UserError(`labels: ${y.length} for ${n} rows`);
  if (!(opts.lambda > 0)) throw new UserError(`lambda must be > 0, got ${opts.lambda}`, { field: 'lambda' });
  if (!Number.isInteger(K) || K < 2) throw new UserError(`need at least 2 classes, got ${K}`);
  for (let i = 0; i < n; i++) {
    const c = y[i] as number;
    if (!Number.isInteger(c) || c < 0 || c >= K)
      throw new UserError(`label ${c} at row ${i} is not in 0..${K - 1}`);
  }
  for (let i = 0; i < X.data.length; i++)
    if (!Number.isFinite(X.data[i] as number)) throw new UserError('features contain NaN or Inf');
  const backend = opts.backend ?? (await getBackend());
  const lam = opts.lambda;
  const nW = d * K;
  const P = nW + K;
  const theta = new Float64Array(P);
  if (opts.init) {
    theta.set(opts.init.coef.data, 0);
    theta.set(opts.init.intercept, nW);
  }
  const G = Matrix.zeros(n, K, 'float64');

  /** Loss and gradient at `t` (gradient written into `grad`). */
  const evaluate = async (t: Float64Array, grad: Float64Array): Promise<number> => {
    const W = new Matrix(d, K, t.subarray(0, nW));
    const Z = await backend.gemm(X, W, { assumeFinite: { A: true } });
    let loss = 0;
    const gb = new Float64Array(K);
    for (let i = 0; i < n; i++) {
      let max = -Infinity;
      for (let k = 0; k < K; k++) {
        const z = (Z.data[i * K + k] as number) + (t[nW + k] as number);
        Z.data[i * K + k] = z;
        if (z > max) max = z;
      }
      let s = 0;
      for (let k = 0; k < K; k++) s += Math.exp((Z.data[i * K + k] as number) - max);
      const lse = max + Math.log(s);
      const yi = y[i] as number;
      loss += lse - (Z.data[i * K + yi] as number);
      for (let k = 0; k < K; k++) {
        const p = Math.exp((Z.data[i * K + k] as number) - lse);
        const g = p - (k === yi ? 1 : 0);
        G.data[i * K + k] = g;
        gb[k] = (gb[k] as number) + g;
      }
    }
    const gW = await backend.gemm(X, G, { transA: true, assumeFinite: { A: true, B: true } });
    let pen = 0;
    for (let j = 0; j < nW; j++) {
      const w = t[j] as number;
      pen += w * w;
      grad[j] = (gW.data[j] as number) + lam * w;
    }
    grad.set(gb, nW);
    return loss + 0.5 * lam * pen;
  };

  const r = await lbfgs(evaluate, theta, opts.maxIter ?? 500, (opts.tol ?? 1e-7) * Math.max(1, n));
  return {
    coef: new Matrix(d, K, Float64Array.from(r.x.subarray(0, nW))),
    intercept: Float64Array.from(r.x.subarray(nW)),
    nClasses: K,
    iterations: r.iterations,
    converged: r.converged,
  };
}

/** Class probabilities: X n × d → n × K (rows sum to 1). */
export async function predictLogistic(
  model: LogisticModel,
  X: Matrix<Float64Array>,
  backend?: Backend,
): Promise<Matrix<Float64Array>> {
  if (X.cols !== model.coef.rows)
    throw new UserError(`logistic model expects ${model.coef.rows} features, got ${X.cols}`);
  const be = backend ?? (await getBackend());
  const Z = await be.gemm(X, model.coef);
  const K = model.nClasses;
  for (let i = 0; i < X.rows; i++) {
    let max = -Infinity;
    for (let k = 0; k < K; k++) {
      const z = (Z.data[i * K + k] as number) + (model.intercept[k] as number);
      Z.data[i * K + k] = z;
      if (z > max) max = z;
    }
    let s = 0;
    for (let k = 0; k < K; k++) {
      const e = Math.exp((Z.data[i * K + k] as number) - max);
      Z.data[i * K + k] = e;
      s += e;
    }
    for (let k = 0; k < K; k++) Z.data[i * K + k] = (Z.data[i * K + k] as number) / s;
  }
  return Z as Matrix<Float64Array>;
}

type Objective = (x: Float64Array, grad: Float64Array) => Promise<number>;

/** L-BFGS (memory 10) with a backtracking Armijo line search; minimises `f` from `x0` (modified in place). */
async function lbfgs(
  f: Objective,
  x0: Float64Array,
  maxIter: number,
  gtol: number,
): Promise<{ x: Float64Array; iterations: number; converged: boolean }> {
  const m = 10;
  const P = x0.length;
  const x = x0;
  const g = new Float64Array(P);
  let fx = await f(x, g);
  const S: Float64Array[] = [];
  const Yv: Float64Array[] = [];
  const rho: number[] = [];
  const dir = new Float64Array(P);
  const xNew = new Float64Array(P);
  const gNew = new Float64Array(P);
  const alpha = new Float64Array(m);
  const maxAbs = (v: Float64Array) => v.reduce((a, b) => Math.max(a, Math.abs(b)), 0);
  let it = 0;
  for (; it < maxIter; it++) {
    if (maxAbs(g) <= gtol) return { x, iterations: it, converged: true };
    // Two-loop recursion: dir = −H·g.
    dir.set(g);
    for (let k = S.length - 1; k >= 0; k--) {
      alpha[k] = (rho[k] as number) * dot(S[k] as Float64Array, dir);
      axpy(-(alpha[k] as number), Yv[k] as Float64Array, dir);
    }
    if (S.length) {
      const s = S[S.length - 1] as Float64Array;
      const yv = Yv[Yv.length - 1] as Float64Array;
      scale(dir, dot(s, yv) / dot(yv, yv));
    } else scale(dir, 1 / Math.max(1, Math.sqrt(dot(g, g))));
    for (let k = 0; k < S.length; k++) {
      const b = (rho[k] as number) * dot(Yv[k] as Float64Array, dir);
      axpy((alpha[k] as number) - b, S[k] as Float64Array, dir);
    }
    scale(dir, -1);
    let slope = dot(g, dir);
    if (!(slope < 0)) {
      // Not a descent direction (curvature lost): restart from steepest descent.
      S.length = 0;
      Yv.length = 0;
      rho.length = 0;
      for (let j = 0; j < P; j++) dir[j] = -(g[j] as number);
      slope = dot(g, dir);
    }
    let step = 1;
    let fNew = 0;
    let accepted = false;
    for (let ls = 0; ls < 40; ls++) {
      for (let j = 0; j < P; j++) xNew[j] = (x[j] as number) + step * (dir[j] as number);
      fNew = await f(xNew, gNew);
      if (Number.isFinite(fNew) && fNew <= fx + 1e-4 * step * slope) {
        accepted = true;
        break;
      }
      step *= 0.5;
    }
    if (!accepted) return { x, iterations: it, converged: maxAbs(g) <= gtol * 10 };
    const s = new Float64Array(P);
    const yv = new Float64Array(P);
    for (let j = 0; j < P; j++) {
      s[j] = (xNew[j] as number) - (x[j] as number);
      yv[j] = (gNew[j] as number) - (g[j] as number);
    }
    const sy = dot(s, yv);
    if (sy > 1e-12) {
      if (S.length === m) {
        S.shift();
        Yv.shift();
        rho.shift();
      }
      S.push(s);
      Yv.push(yv);
      rho.push(1 / sy);
    }
    const done = Math.abs(fx - fNew) <= 1e-15 * Math.max(1, Math.abs(fx));
    x.set(xNew);
    g.set(gNew);
    fx = fNew;
    if (done) return { x, iterations: it + 1, converged: maxAbs(g) <= gtol * 10 };
  }
  return { x, iterations: it, converged: maxAbs(g) <= gtol };
}

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i] as number) * (b[i] as number);
  return s;
}
function axpy(a: number, x: Float64Array, y: Float64Array): void {
  for (let i = 0; i < y.length; i++) y[i] = (y[i] as number) + a * (x[i] as number);
}
function scale(x: Float64Array, a: number): void {
  for (let i = 0; i < x.length; i++) x[i] = (x[i] as number) * a;
}
