/**
 * `kernel-rbf` (beyond the paper: does non-linearity help?): kernel ridge
 * regression with a Gaussian kernel K(x, x') = exp(−γ‖x − x'‖²), one alpha per
 * embedding dimension and one γ for all, both chosen by run-grouped CV. γ is
 * searched on a grid of multiples of γ₀ = 1 / (n_voxels · var(X)) (scikit-learn's
 * "scale" rule), so the typical kernel value stays in a useful range whatever the
 * number of voxels.
 *
 * How: the training kernel is factorised once per γ (Cholesky, K = L Lᵀ), and L
 * is handed to the ridge engine as an n × n feature matrix: a linear ridge on
 * features whose Gram matrix is K is kernel ridge with K, and the engine's dual
 * solver then gives every fold's held-out predictions for every alpha from one
 * decomposition (block deletion), with fold-wise centring = an unpenalised
 * intercept. Test rows get the features L⁻¹ k(x) (so their inner products with the
 * training features are exactly the kernel values). The Gram matrices X Xᵀ and
 * X_test Xᵀ come from one SYRK and one GEMM on the backend, in float32 like X.
 */
import { z } from 'zod';
import { getBackend } from '../linalg/index.js';
import type { DType } from '../linalg/matrix.js';
import { Matrix } from '../linalg/matrix.js';
import type { CvSpec } from '../ridge/cv.js';
import { fitRidgeCV } from '../ridge/fit.js';
import { UserError } from '../util/errors.js';
import {
  alphaSummary,
  asFloat32,
  checkDecodeData,
  mean,
  parseParams,
  runGroups,
  scoresAtChosen,
} from './common.js';
import type { Decoder } from './types.js';

export interface KernelRidgeCVOptions {
  /** γ values to try (> 0). */
  gammas: readonly number[];
  /** Ridge alphas (> 0), one chosen per target. */
  alphas: readonly number[];
  cv: CvSpec;
  /** Unpenalised intercept (default true); false = scikit-learn's `KernelRidge`. */
  fitIntercept?: boolean;
  /** Working precision of the ridge on the kernel features (default float32). */
  dtype?: DType;
  log?: (line: string) => void;
}

export interface KernelRidgeCVResult {
  /** n_test × n_targets. */
  predTest: Matrix;
  /** The chosen γ. */
  gamma: number;
  /** Chosen alpha per target at the chosen γ. */
  alphas: Float64Array;
  /** Mean over targets of each target's best CV score (R²), per γ (in `gammas` order). */
  gammaScores: number[];
}

/** Squared row norms from the diagonal of a Gram matrix, or directly from rows. */
function rowNormsSq(X: Matrix): Float64Array {
  const out = new Float64Array(X.rows);
  for (let i = 0; i < X.rows; i++) {
    let s = 0;
    const o = i * X.cols;
    for (let j = 0; j < X.cols; j++) s += (X.data[o + j] as number) ** 2;
    out[i] = s;
  }
  return out;
}

/** exp(−γ (‖a_i‖² + ‖b_j‖² − 2 G_ij)), distances clamped at 0 (float32 rounding). */
function rbfFromGram(G: Matrix, na: Float64Array, nb: Float64Array, gamma: number): Matrix<Float64Array> {
  const K = Matrix.zeros(G.rows, G.cols, 'float64');
  for (let i = 0; i < G.rows; i++) {
    const o = i * G.cols;
    for (let j = 0; j < G.cols; j++) {
      const d = (na[i] as number) + (nb[j] as number) - 2 * (G.data[o + j] as number);
      K.data[o + j] = Math.exp(-gamma * Math.max(d, 0));
    }
  }
  return K;
}

/**
 * Kernel ridge with an RBF kernel, γ and per-target alpha by CV.
 * Xtr: n × p, Ytr: n × t, Xte: m × p → predTest m × t.
 */
export async function fitKernelRidgeCV(
  Xtr: Matrix,
  Ytr: Matrix,
  Xte: Matrix,
  opts: KernelRidgeCVOptions,
): Promise<KernelRidgeCVResult> {
  if (opts.gammas.length === 0 || opts.gammas.some((g) => !(g > 0 && Number.isFinite(g)))) {
    throw new UserError(`every γ must be a finite number > 0, got [${opts.gammas.join(', ')}]`, {
      field: 'gammas',
      hint: 'give positive kernel widths, e.g. multiples of 1/(n_voxels·var(X))',
    });
  }
  const be = await getBackend();
  Xtr.assertFinite('training X');
  Xte.assertFinite('test X');
  const G = await be.syrk(Xtr, { assumeFinite: true });
  const Gte = await be.gemm(Xte, Xtr.dtype === Xte.dtype ? Xtr : Xtr.astype(Xte.dtype), {
    transB: true,
    assumeFinite: { A: true, B: true },
  });
  const ntr = new Float64Array(Xtr.rows);
  for (let i = 0; i < Xtr.rows; i++) ntr[i] = G.data[i * Xtr.rows + i] as number;
  const nte = rowNormsSq(Xte);
  const dtype = opts.dtype ?? 'float32';
  const n = Xtr.rows;
  let best: KernelRidgeCVResult | null = null;
  const gammaScores: number[] = [];
  for (const gamma of opts.gammas) {
    const K = rbfFromGram(G, ntr, ntr, gamma);
    const L = await choleskyWithJitter(K);
    const Kte = rbfFromGram(Gte, nte, ntr, gamma);
    // Test features Φ_te = K_te L⁻ᵀ = ((L Lᵀ)⁻¹ K_teᵀ)ᵀ L.
    const Z = await be.choleskySolve(L, Kte.transpose());
    const PhiTe = await be.gemm(Z, L, { transA: true });
    const Phi = dtype === 'float64' ? L : L.astype('float32');
    const model = await fitRidgeCV(Phi, Ytr, {
      alphas: opts.alphas,
      cv: opts.cv,
      fitIntercept: opts.fitIntercept ?? true,
      dtype,
      solver: n <= 1 ? 'auto' : 'dual',
      log: opts.log,
    });
    const score = mean(scoresAtChosen(model.cvScores, model.info.alphaGrid, model.alphas));
    gammaScores.push(score);
    // Ties keep the earlier γ of the grid.
    if (!best || score > (gammaScores[opts.gammas.indexOf(best.gamma)] as number)) {
      best = { predTest: await model.predict(PhiTe), gamma, alphas: model.alphas, gammaScores };
    }
  }
  return best as KernelRidgeCVResult;
}

/**
 * Cholesky of K + εI: an RBF kernel is positive definite in exact arithmetic but
 * near-duplicate rows (overlapping windows) make it numerically singular. ε starts
 * far below any ridge alpha (K's diagonal is 1) and grows only if needed.
 */
async function choleskyWithJitter(K: Matrix<Float64Array>): Promise<Matrix<Float64Array>> {
  const be = await getBackend();
  const n = K.rows;
  for (let eps = 1e-8; eps <= 1e-2; eps *= 100) {
    const A = K.clone();
    for (let i = 0; i < n; i++) A.data[i * n + i] = (A.data[i * n + i] as number) + eps;
    try {
      return await be.cholesky(A);
    } catch {
      // not SPD at this jitter: try a larger one
    }
  }
  throw new UserError('the RBF kernel matrix is not positive definite even with jitter 1e-2', {
    hint: 'the training rows may contain NaNs or be all identical; check the fMRI matrix',
  });
}

const Params = z.strictObject({
  /** γ grid as multiples of γ₀ = 1 / (n_voxels · var(X_train)). */
  gammaScales: z.array(z.number().positive()).min(1),
});

export const kernelRbf: Decoder = {
  name: 'kernel-rbf',
  description:
    'kernel ridge with a Gaussian (RBF) kernel: γ and alpha per dimension by run-grouped CV (non-linear)',
  needs: {},
  defaults: { gammaScales: [0.05, 0.2, 1] },
  async fit(data, options, rt) {
    checkDecodeData(data, this);
    const params = parseParams(this.name, Params, this.defaults, options.params);
    const X = data.trainX;
    let s = 0;
    let ss = 0;
    for (const v of X.data) {
      s += v;
      ss += v * v;
    }
    const N = X.data.length;
    const variance = ss / N - (s / N) ** 2;
    const gamma0 = 1 / (X.cols * (variance > 0 ? variance : 1));
    const r = await fitKernelRidgeCV(X, data.trainY, data.testX, {
      gammas: params.gammaScales.map((k) => k * gamma0),
      alphas: options.alphas,
      cv: { kind: 'groups', groups: runGroups(data.trainRun, options.cvFolds) },
      log: rt?.log,
    });
    return {
      predTest: asFloat32(r.predTest),
      info: {
        voxels: X.cols,
        gamma0,
        gamma: r.gamma,
        gammaScale: r.gamma / gamma0,
        cvR2ByGammaScale: Object.fromEntries(params.gammaScales.map((k, i) => [String(k), r.gammaScores[i]])),
        alpha: alphaSummary(r.alphas),
      },
    };
  },
};
