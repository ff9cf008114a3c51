/**
 * The ridge solvers. Each turns one CV fold into predictions for a batch of
 * alphas × a batch of targets, after decomposing the training data once:
 *
 * - `primal` (features < samples): XᵀX = V Λ Vᵀ per fold (p × p);
 *   prediction(α) = (X_val V (Λ + α)⁻¹) · ((X_tr V)ᵀ Y_tr).
 * - `dual` (features ≥ samples, default there): ONE eigendecomposition of the kernel
 *   of all samples, K = X Xᵀ = Q Λ Qᵀ, serves every fold and the refit. A fold's
 *   held-out residuals follow from the full-data smoother H(α) by block deletion
 *   (the K-fold generalisation of the leave-one-out shortcut):
 *   e_val = ((I − H)_val,val)⁻¹ ((I − H) y)_val, with I − H = Q diag(α/(λ+α)) Qᵀ.
 *   The unpenalised intercept is the constant direction, split off exactly by a
 *   Householder reflection before the eigendecomposition; H keeps it whole.
 * - `dual-folds`: the kernel form with one eigendecomposition per fold,
 *   prediction(α) = (K_val,tr Q (Λ + α)⁻¹) · (Qᵀ Y_tr) — slower, kept as a cross-check.
 *
 * X arrives centred on the full training set's column means (when there is an
 * intercept); the per-fold solvers re-centre on each fold's training rows. The
 * kernel solvers form the Gram matrix of ALL samples once and derive every fold's
 * kernels from it, so X is multiplied once instead of once per fold.
 */
import type { Backend } from '../linalg/backend.js';
import { allocate, type FloatArray, Matrix } from '../linalg/matrix.js';
import {
  clampedEigenvalues,
  columnMeans,
  gather,
  scaleByShiftedInverse,
  scaleColumns,
  scaleColumnsBy,
} from './blocks.js';
import type { Fold } from './cv.js';

export type SolverName = 'primal' | 'dual' | 'dual-folds';

/**
 * Predictions for a batch of alphas: (a1 − a0) blocks of n_val rows stacked, n_val·(a1 − a0) × n_batch.
 * The matrix may be a view of a buffer the next call overwrites: use it before asking again.
 */
export type AlphaPredictor<T extends FloatArray> = (alphas: readonly number[]) => Promise<Matrix<T>>;

/** One fold, decomposed once; reused for every target batch and alpha. */
export interface FoldOperator<T extends FloatArray> {
  nVal: number;
  /**
   * Prepares one target batch. Ytr (n_tr × w) and Yval (n_val × w) are centred on
   * the fold's training means (when there is an intercept); predictions come back
   * in the same frame. `all()`: the batch's columns of Y on every row, not centred.
   */
  batch(Ytr: Matrix<T>, Yval: Matrix<T>, all: () => Matrix<T>): Promise<AlphaPredictor<T>>;
}

/**
 * Gemm/syrk options for operands derived from X (its centred copy, fold rows of it):
 * fitRidgeCV has already scanned X for NaN/Inf in its one pass over it, and a second
 * scan per product would read the 460 MB decoding X again each time.
 */
const SCANNED_A = { assumeFinite: { A: true } } as const;

/** The spectral form shared by the per-fold solvers: prediction(α) = A (Λ + α)⁻¹ B. */
function spectralFold<T extends FloatArray>(
  backend: Backend,
  A: Matrix<T>,
  lambda: Float64Array,
  project: (Ytr: Matrix<T>) => Promise<Matrix<T>>,
): FoldOperator<T> {
  const nVal = A.rows;
  let Aa: Matrix<T> | null = null;
  // The predictions' buffer, reused by every call (the caller scores one alpha batch
  // before asking for the next): fresh ones per call kept the garbage collector busy.
  let outBuf: T | null = null;
  return {
    nVal,
    async batch(Ytr) {
      const B = await project(Ytr);
      return async (alphas) => {
        // Scaling A (n_val × k) is far cheaper than scaling B (k × batch). One GEMM per
        // alpha (not one over the stacked alphas): the shape of each product, hence its
        // rounding, then does not depend on how many alphas the memory plan batches.
        Aa ??= Matrix.zeros(nVal, A.cols, A.dtype) as Matrix<T>;
        const size = alphas.length * nVal * B.cols;
        if (!outBuf || outBuf.length < size) outBuf = allocate(A.dtype, size) as T;
        const out = new Matrix(alphas.length * nVal, B.cols, outBuf.subarray(0, size) as T);
        for (let a = 0; a < alphas.length; a++) {
          scaleColumns(A, lambda, alphas[a]!, Aa);
          await backend.gemm(Aa, B, { out: out.rowSlice(a * nVal, (a + 1) * nVal) });
        }
        return out;
      };
    },
  };
}

/** The whole training set, decomposed once for the refit. */
export interface RefitOperator<T extends FloatArray> {
  /** coef (p × n_batch) from centred targets (n × n_batch), one alpha per column. */
  coef(Y: Matrix<T>, alphas: Float64Array): Promise<Matrix<T>>;
}

export interface SolverContext<T extends FloatArray> {
  backend: Backend;
  /** n × p, centred on its column means when `fitIntercept`. */
  X: Matrix<T>;
  /** n × t, as given (not centred). */
  Y: Matrix<T>;
  fitIntercept: boolean;
}

export interface Solver {
  readonly name: SolverName;
  /** Size k of the spectral basis for a fold with `nTrain` rows and `p` features. */
  rank(nTrain: number, p: number): number;
  /** Bytes of long-lived state (beyond X) for n samples, p features, element size `elt`. */
  fixedBytes(n: number, p: number, nVal: number, elt: number): number;
  /** Bytes per target of one batch (beyond Y and the outputs). */
  perTargetBytes(n: number, p: number, elt: number): number;
  create<T extends FloatArray>(ctx: SolverContext<T>): Promise<SolverInstance<T>>;
}

export interface SolverInstance<T extends FloatArray> {
  fold(f: Fold): Promise<FoldOperator<T>>;
  refit(): Promise<RefitOperator<T>>;
}

const primal: Solver = {
  name: 'primal',
  rank: (_n, p) => p,
  // Xtr and Xtr·V copies + Xval copy + G/V + A and its scaled copy.
  fixedBytes: (n, p, nVal, elt) => elt * (2 * n * p + p * p * 2 + 3 * nVal * p),
  perTargetBytes: (n, p, elt) => elt * (2 * n + 2 * p),
  async create<T extends FloatArray>({ backend, X, fitIntercept }: SolverContext<T>) {
    return {
      async fold(f: Fold): Promise<FoldOperator<T>> {
        const mean = fitIntercept ? columnMeans(X, f.train) : null;
        const Xtr = gather(X, f.train, 0, X.cols, mean);
        const G = await backend.syrk(Xtr, { trans: true, assumeFinite: true });
        const { values, vectors: V } = await backend.eigh(G);
        const Xval = gather(X, f.test, 0, X.cols, mean);
        const A = await backend.gemm(Xval, V, SCANNED_A);
        // Vᵀ Xtrᵀ Y = (Xtr V)ᵀ Y: one product per target batch instead of two.
        const XV = await backend.gemm(Xtr, V, SCANNED_A);
        return spectralFold(backend, A, clampedEigenvalues(values), (Ytr) =>
          backend.gemm(XV, Ytr, { transA: true }),
        );
      },
      async refit(): Promise<RefitOperator<T>> {
        const G = await backend.syrk(X, { trans: true, assumeFinite: true });
        const { values, vectors: V } = await backend.eigh(G);
        const lambda = clampedEigenvalues(values);
        const XV = await backend.gemm(X, V, SCANNED_A);
        return {
          async coef(Y, alphas) {
            const B = await backend.gemm(XV, Y, { transA: true });
            scaleByShiftedInverse(B, lambda, alphas);
            return backend.gemm(V, B);
          },
        };
      },
    };
  },
};

/**
 * The fold's centred kernels from the Gram matrix K of all samples:
 * (x_i − m)ᵀ(x_j − m) = K_ij − r_i − r_j + s, with m the mean of the training rows,
 * r_i = mean over training l of K_il and s = mean of r over the training rows.
 */
function centredFoldKernels<T extends FloatArray>(
  K: Matrix<T>,
  f: Fold,
  fitIntercept: boolean,
): { Ktt: Matrix<T>; Kvt: Matrix<T> } {
  const n = K.rows;
  const { train, test } = f;
  const r = new Float64Array(n);
  let s = 0;
  if (fitIntercept) {
    for (let i = 0; i < n; i++) {
      const o = i * n;
      let acc = 0;
      for (let l = 0; l < train.length; l++) acc += K.data[o + (train[l] as number)] as number;
      r[i] = acc / train.length;
    }
    for (let l = 0; l < train.length; l++) s += r[train[l] as number] as number;
    s /= train.length;
  }
  const build = (rows: Int32Array): Matrix<T> => {
    const out = Matrix.zeros(rows.length, train.length, K.dtype) as Matrix<T>;
    for (let a = 0; a < rows.length; a++) {
      const i = rows[a] as number;
      const o = i * n;
      const ri = r[i] as number;
      const oo = a * train.length;
      for (let b = 0; b < train.length; b++) {
        const j = train[b] as number;
        // Grouped so that the train × train block is exactly symmetric.
        out.data[oo + b] = (K.data[o + j] as number) + s - (ri + (r[j] as number));
      }
    }
    return out;
  };
  return { Ktt: build(train), Kvt: build(test) };
}

/** The per-fold kernel solver's operator for one fold (eigh of the fold's centred kernel). */
async function perFoldKernelOperator<T extends FloatArray>(
  backend: Backend,
  K: Matrix<T>,
  f: Fold,
  fitIntercept: boolean,
): Promise<FoldOperator<T>> {
  const { Ktt, Kvt } = centredFoldKernels(K, f, fitIntercept);
  const { values, vectors: Q } = await backend.eigh(Ktt);
  const A = await backend.gemm(Kvt, Q);
  return spectralFold(backend, A, clampedEigenvalues(values), (Ytr) =>
    backend.gemm(Q, Ytr, { transA: true }),
  );
}

const dualFolds: Solver = {
  name: 'dual-folds',
  rank: (n) => n,
  // K (n × n) + fold kernel, eigenvectors and A (each ≤ n × n).
  fixedBytes: (n, _p, _nVal, elt) => elt * 5 * n * n,
  perTargetBytes: (n, p, elt) => elt * (3 * n + p),
  async create<T extends FloatArray>({ backend, X, fitIntercept }: SolverContext<T>) {
    const K = await backend.syrk(X, { assumeFinite: true });
    return {
      async fold(f: Fold): Promise<FoldOperator<T>> {
        return perFoldKernelOperator(backend, K, f, fitIntercept);
      },
      async refit(): Promise<RefitOperator<T>> {
        // X is already centred on all samples, so K is the centred kernel.
        const { values, vectors: Q } = await backend.eigh(K);
        const lambda = clampedEigenvalues(values);
        return {
          async coef(Y, alphas) {
            const B = await backend.gemm(Q, Y, { transA: true });
            scaleByShiftedInverse(B, lambda, alphas);
            const D = await backend.gemm(Q, B);
            return backend.gemm(X, D, { transA: true, ...SCANNED_A });
          },
        };
      },
    };
  },
};

/**
 * Eigendecomposition of the kernel of all samples for the block-deletion solver:
 * K = Q diag(λ) Qᵀ with Q n × k. With an intercept, X is centred, so the constant
 * vector is an exact null vector of K and is the unpenalised direction: a Householder
 * reflection P (P·1 = −√n e₀) moves it to the first coordinate, the eigenproblem is
 * solved on the orthogonal complement (the trailing (n−1) × (n−1) block of P K P,
 * formed in float64), and Q = P [0; Z] spans exactly 1⊥ (k = n − 1). This keeps the
 * constant direction out of the spectrum without perturbing K.
 */
async function fullKernelEigh<T extends FloatArray>(backend: Backend, X: Matrix<T>, fitIntercept: boolean) {
  const K = await backend.syrk(X, { assumeFinite: true });
  const n = K.rows;
  if (!fitIntercept || n < 2) {
    const { values, vectors } = await backend.eigh(K);
    return { K, Q: vectors, lambda: clampedEigenvalues(values) };
  }
  // v = 1 + √n e₀, β = 2 / vᵀv; u = K v.
  const sq = Math.sqrt(n);
  const v0 = 1 + sq;
  const beta = 2 / (v0 * v0 + (n - 1));
  const u = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const o = i * n;
    let acc = (K.data[o] as number) * v0;
    for (let j = 1; j < n; j++) acc += K.data[o + j] as number;
    u[i] = acc;
  }
  let vu = u[0]! * v0;
  for (let i = 1; i < n; i++) vu += u[i]!;
  // (P K P)_ij = K_ij − β(u_i v_j + v_i u_j) + β² (vᵀu) v_i v_j, for i, j ≥ 1 (v_i = 1 there).
  const m = n - 1;
  const M = Matrix.zeros(m, m, K.dtype) as Matrix<T>;
  const c = beta * beta * vu;
  for (let i = 1; i < n; i++) {
    const o = i * n;
    const ui = u[i]!;
    for (let j = 1; j < n; j++) {
      M.data[(i - 1) * m + (j - 1)] = (K.data[o + j] as number) - beta * (ui + u[j]!) + c;
    }
  }
  // Exact symmetry for eigh (rounding of the two products may differ by an ulp).
  for (let i = 0; i < m; i++) for (let j = 0; j < i; j++) M.data[j * m + i] = M.data[i * m + j] as number;
  const { values, vectors: Z } = await backend.eigh(M);
  // Q = P [0; Z]: row 0 = −β v₀ s, row i ≥ 1 = Z_(i−1) − β s, with s = column sums of Z.
  const colSum = new Float64Array(m);
  for (let i = 0; i < m; i++) for (let k = 0; k < m; k++) colSum[k] += Z.data[i * m + k] as number;
  const Q = Matrix.zeros(n, m, K.dtype) as Matrix<T>;
  for (let k = 0; k < m; k++) Q.data[k] = -beta * v0 * colSum[k]!;
  for (let i = 1; i < n; i++) {
    for (let k = 0; k < m; k++) Q.data[i * m + k] = (Z.data[(i - 1) * m + k] as number) - beta * colSum[k]!;
  }
  return { K, Q, lambda: clampedEigenvalues(values) };
}

const dual: Solver = {
  name: 'dual',
  rank: (n) => n,
  // K, the reflected block, Q, Q rows of a fold (twice), the fold's (I − H) block
  // (its Cholesky factor per alpha is planned by planRidgeMemory).
  fixedBytes: (n, _p, nVal, elt) => elt * (3 * n * n + 2 * nVal * n + nVal * nVal),
  // QᵀY (n) + residual blocks (2 n_val) + refit B, D (2n) + coef (p).
  perTargetBytes: (n, p, elt) => elt * (3 * n + p),
  async create<T extends FloatArray>({ backend, X, fitIntercept }: SolverContext<T>) {
    const { K, Q, lambda } = await fullKernelEigh(backend, X, fitIntercept);
    const k = Q.cols;
    return {
      async fold(f: Fold): Promise<FoldOperator<T>> {
        const Qs = gather(Q, f.test);
        const nVal = Qs.rows;
        const scaled = Matrix.zeros(nVal, k, Q.dtype) as Matrix<T>;
        const root = Matrix.zeros(nVal, k, Q.dtype) as Matrix<T>;
        const shrink = new Float64Array(k);
        const rootF = new Float64Array(k);
        // Per alpha, the Cholesky factor of (I − H)_val,val (null: not positive definite).
        // It depends on the fold and alpha only, so every target batch reuses it: small
        // batches (a target grid's blocks) do not repeat the n_val × n SYRK.
        const factors = new Map<number, Matrix<T> | null>();
        return {
          nVal,
          async batch(Ytr, Yval, all) {
            // Qᵀ y for the batch; with an intercept Q ⟂ 1, so Y's mean does not matter.
            const W = await backend.gemm(Q, all(), { transA: true });
            const w = W.cols;
            let fallback: AlphaPredictor<T> | undefined;
            return async (alphas) => {
              const out = Matrix.zeros(alphas.length * nVal, w, Q.dtype) as Matrix<T>;
              for (let a = 0; a < alphas.length; a++) {
                const alpha = alphas[a]!;
                // f_i = α / (λ_i + α): the spectrum of I − H(α) on Q's span (H keeps 1 whole).
                for (let i = 0; i < k; i++) shrink[i] = alpha / (lambda[i]! + alpha);
                scaleColumnsBy(Qs, shrink, scaled);
                let L = factors.get(alpha);
                if (L === undefined) {
                  for (let i = 0; i < k; i++) rootF[i] = Math.sqrt(shrink[i]!);
                  scaleColumnsBy(Qs, rootF, root);
                  const G = await backend.syrk(root); // (I − H)_val,val, symmetric PSD
                  try {
                    L = await backend.cholesky(G);
                  } catch {
                    L = null;
                  }
                  factors.set(alpha, L);
                }
                const R = await backend.gemm(scaled, W); // ((I − H) y)_val
                let E: Matrix<T> | null = null;
                if (L) {
                  try {
                    E = await backend.choleskySolve(L, R); // held-out residuals
                  } catch {
                    E = null;
                  }
                }
                if (!E) {
                  // (I − H)_SS has eigenvalues down to ≈ α/λ_max: when that is below the
                  // precision (tiny α, float32), refit this fold the per-fold way instead.
                  fallback ??= await (await perFoldKernelOperator(backend, K, f, fitIntercept)).batch(
                    Ytr,
                    Yval,
                    all,
                  );
                  const P = await fallback([alpha]);
                  out.data.set(P.data, a * nVal * w);
                  continue;
                }
                const block = out.data.subarray(a * nVal * w, (a + 1) * nVal * w);
                const yv = Yval.data;
                const ev = E.data;
                for (let k = 0; k < block.length; k++) block[k] = (yv[k] as number) - (ev[k] as number);
              }
              return out;
            };
          },
        };
      },
      async refit(): Promise<RefitOperator<T>> {
        return {
          async coef(Yc, alphas) {
            const B = await backend.gemm(Q, Yc, { transA: true });
            scaleByShiftedInverse(B, lambda, alphas);
            const D = await backend.gemm(Q, B);
            return backend.gemm(X, D, { transA: true, ...SCANNED_A });
          },
        };
      },
    };
  },
};

export const SOLVERS: Record<SolverName, Solver> = { primal, dual, 'dual-folds': dualFolds };

/** `auto`: primal when there are fewer features than samples, dual otherwise. */
export function chooseSolver(nSamples: number, nFeatures: number, want: SolverName | 'auto'): Solver {
  if (want !== 'auto') return SOLVERS[want];
  return nFeatures < nSamples ? primal : dual;
}
