/**
 * Banded ridge: one regularisation strength per band (feature space), searched as
 * himalaya's `MultipleKernelRidgeCV(solver="random_search")` does.
 *
 * The model per target is ridge on the kernel Σ_b γ_b X_b X_bᵀ with a global α
 * (γ on the simplex), i.e. ‖y − Σ_b X_b w_b − c‖² + Σ_b (α/γ_b) ‖w_b‖²: band b gets
 * the alpha α/γ_b. Equivalently it is plain ridge with alpha α on X scaled by √γ_b
 * per band, which is how it is fitted here: for each candidate γ (Dirichlet samples,
 * seeded; the first one uniform) the ridge engine scores every α of the grid by CV on
 * the scaled X (`fitRidgeCV`), and each target keeps the (γ, α) with the best CV
 * score (a later γ wins only by more than the working precision's epsilon, as
 * himalaya does). The engine's refit on all rows gives the coefficients of the
 * targets a candidate improved; they are mapped back to the unscaled X
 * (w_b = √γ_b · w_scaled), so prediction is an ordinary `RidgeModel`.
 *
 * Cost: one full ridge CV per candidate (decompositions depend on γ), so n_iter × the
 * single-alpha fit. Memory: the engine's plan per candidate, plus the scaled copy of X
 * and the best coefficients (p × t).
 */
import type { Matrix as MatrixT } from '../linalg/matrix.js';
import { type FloatArray, Matrix } from '../linalg/matrix.js';
import { UserError } from '../util/errors.js';
import { silentProgress } from '../util/progress.js';
import { Rng } from '../util/rng.js';
import { fitRidgeCV } from './fit.js';
import { RidgeModel } from './model.js';
import type { RidgeCVOptions } from './options.js';

export interface BandedRidgeOptions extends RidgeCVOptions {
  /** Band of each column of X (0 … n_bands − 1), length p. */
  bands: ArrayLike<number>;
  /** Candidate kernel weights (n_iter rows of n_bands, each on the simplex); default: Dirichlet samples. */
  gammas?: readonly (readonly number[])[];
  /** Number of Dirichlet candidates (default 20). */
  nIter?: number;
  /** Dirichlet concentrations, cycled through (default [0.1, 1], as himalaya). */
  concentration?: readonly number[];
  seed?: number;
}

export const BANDED_DEFAULTS = { nIter: 20, concentration: [0.1, 1] as readonly number[], seed: 0 };

export interface BandedRidgeModel {
  /** Prediction model on the unscaled X: coef p × t, intercept, alphas = the global α per target. */
  model: RidgeModel;
  /** The chosen γ of each target: n_bands × t (row b = band b). */
  gammas: Matrix<Float64Array>;
  /** Index of the chosen candidate per target. */
  candidate: Int32Array;
  /** The candidates tried: n_iter × n_bands. */
  candidates: Matrix<Float64Array>;
  /** Best CV score per candidate and target (over the alpha grid): n_iter × t. */
  cvScores: Matrix<Float64Array>;
  /** Each target's best CV score. */
  bestScores: Float64Array;
  nBands: number;
  seconds: number;
}

/** log Gamma(shape, 1) variate (Marsaglia–Tsang; shape < 1 by the U^(1/a) boost, kept in logs so tiny draws do not underflow). */
function logGamma(rng: Rng, shape: number): number {
  if (shape < 1) return logGamma(rng, shape + 1) + Math.log(Math.max(rng.uniform(), 1e-300)) / shape;
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    let x: number;
    let v: number;
    do {
      x = rng.normal();
      v = 1 + c * x;
    } while (v <= 0);
    v = v * v * v;
    const u = rng.uniform();
    if (u < 1 - 0.0331 * x ** 4 || Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) {
      return Math.log(d * v);
    }
  }
}

/**
 * Kernel-weight candidates as himalaya's `generate_dirichlet_samples`: Dirichlet draws
 * cycling through the concentrations (a0, a1, a0, a1, …), the first candidate replaced
 * by the uniform weights. Rows: n_iter × n_bands.
 */
export function dirichletCandidates(
  nIter: number,
  nBands: number,
  concentration: readonly number[] = BANDED_DEFAULTS.concentration,
  seed: number = BANDED_DEFAULTS.seed,
): number[][] {
  if (!Number.isInteger(nIter) || nIter < 1) {
    throw new UserError(`banded ridge needs at least one candidate, got n_iter = ${nIter}`, {
      field: 'nIter',
      hint: 'e.g. 20',
    });
  }
  if (concentration.length === 0 || concentration.some((c) => !(c > 0))) {
    throw new UserError(`Dirichlet concentrations must be > 0, got [${concentration.join(', ')}]`, {
      field: 'concentration',
      hint: 'e.g. 0.1,1',
    });
  }
  const rng = new Rng(`banded:${seed}`);
  const out: number[][] = [];
  for (let i = 0; i < nIter; i++) {
    if (i === 0) {
      out.push(Array.from({ length: nBands }, () => 1 / nBands));
      continue;
    }
    const a = concentration[i % concentration.length] as number;
    const l = Array.from({ length: nBands }, () => logGamma(rng, a));
    const m = Math.max(...l);
    const e = l.map((x) => Math.exp(x - m));
    const s = e.reduce((x, y) => x + y, 0);
    out.push(e.map((x) => x / s));
  }
  return out;
}

function checkBands(bands: ArrayLike<number>, p: number): number {
  if (bands.length !== p) {
    throw new UserError(`banded ridge: ${bands.length} band labels for ${p} feature columns`, {
      field: 'bands',
      hint: 'give one band label per column of X',
    });
  }
  let nb = 0;
  for (let c = 0; c < p; c++) {
    const b = bands[c] as number;
    if (!Number.isInteger(b) || b < 0) {
      throw new UserError(`banded ridge: band label of column ${c} is ${b}`, {
        field: 'bands',
        hint: 'labels are integers 0 … n_bands − 1',
      });
    }
    nb = Math.max(nb, b + 1);
  }
  const seen = new Uint8Array(nb);
  for (let c = 0; c < p; c++) seen[bands[c] as number] = 1;
  if (seen.some((s) => !s)) {
    throw new UserError('banded ridge: some band has no columns', {
      field: 'bands',
      hint: 'labels must cover 0 … n_bands − 1',
    });
  }
  return nb;
}

/**
 * Fits banded ridge by random search over kernel weights.
 * X: n_samples × n_features (columns labelled by `bands`), Y: n_samples × n_targets.
 */
export async function fitBandedRidgeCV(
  X: MatrixT,
  Y: MatrixT,
  opts: BandedRidgeOptions,
): Promise<BandedRidgeModel> {
  const t0 = performance.now();
  const p = X.cols;
  const t = Y.cols;
  const nb = checkBands(opts.bands, p);
  const cand =
    opts.gammas?.map((g) => [...g]) ??
    dirichletCandidates(
      opts.nIter ?? BANDED_DEFAULTS.nIter,
      nb,
      opts.concentration ?? BANDED_DEFAULTS.concentration,
      opts.seed ?? BANDED_DEFAULTS.seed,
    );
  cand.forEach((g, i) => {
    const s = g.reduce((a, b) => a + b, 0);
    if (g.length !== nb || g.some((x) => !(x >= 0)) || !(s > 0)) {
      throw new UserError(
        `banded ridge: candidate ${i} has ${g.length} non-negative weights summing to ${s}, need ${nb} with a positive sum`,
        { field: 'gammas', hint: 'give one weight per band, e.g. [0.5, 0.5]' },
      );
    }
  });
  const progress = opts.progress ?? silentProgress;
  const { bands: _b, gammas: _g, nIter: _n, concentration: _c, seed: _s, progress: _p, ...ridgeOpts } = opts;

  const bandOf = Int32Array.from(opts.bands as ArrayLike<number>);
  const candidates = new Matrix(cand.length, nb, Float64Array.from(cand.flat()));
  const cvScores = Matrix.zeros(cand.length, t, 'float64') as Matrix<Float64Array>;
  const best = new Float64Array(t).fill(Number.NEGATIVE_INFINITY);
  const candidate = new Int32Array(t).fill(-1);
  const alphas = new Float64Array(t);
  const intercept = new Float64Array(t);
  let coef: Matrix<FloatArray> | null = null;
  let first: RidgeModel | null = null;
  const Xs = X.clone();
  const root = new Float64Array(p);

  progress.start('banded ridge: random search', cand.length);
  for (let i = 0; i < cand.length; i++) {
    const g = cand[i]!;
    for (let c = 0; c < p; c++) root[c] = Math.sqrt(g[bandOf[c] as number] as number);
    const n = X.rows;
    for (let r = 0; r < n; r++) {
      const o = r * p;
      for (let c = 0; c < p; c++) Xs.data[o + c] = (X.data[o + c] as number) * (root[c] as number);
    }
    const m = await fitRidgeCV(Xs, Y, ridgeOpts);
    first ??= m;
    // Each target's score at its chosen alpha (the engine's tie rule: the larger alpha).
    const grid = m.info.alphaGrid;
    const row = new Float64Array(t);
    for (let j = 0; j < t; j++) {
      const a = grid.indexOf(m.alphas[j] as number);
      row[j] = m.cvScores.data[a * t + j] as number;
    }
    cvScores.data.set(row, i * t);
    const eps = m.info.dtype === 'float32' ? 2 ** -23 : Number.EPSILON;
    coef ??= Matrix.zeros(p, t, m.coef.dtype) as Matrix<FloatArray>;
    for (let j = 0; j < t; j++) {
      const s = row[j] as number;
      // The first candidate always sets the target (even a NaN score); later ones must beat it.
      const b = best[j] as number;
      if (candidate[j] !== -1 && !(s > (Number.isNaN(b) ? Number.NEGATIVE_INFINITY : b) + eps)) continue;
      best[j] = s;
      candidate[j] = i;
      alphas[j] = m.alphas[j] as number;
      intercept[j] = m.intercept[j] as number;
      for (let c = 0; c < p; c++)
        coef.data[c * t + j] = (m.coef.data[c * t + j] as number) * (root[c] as number);
    }
    progress.update(i + 1);
  }
  progress.finish(`${cand.length} candidates, ${nb} bands`);

  const gammas = Matrix.zeros(nb, t, 'float64') as Matrix<Float64Array>;
  for (let j = 0; j < t; j++) {
    const g = cand[candidate[j] as number]!;
    for (let b = 0; b < nb; b++) gammas.data[b * t + j] = g[b] as number;
  }
  const seconds = (performance.now() - t0) / 1000;
  const model = new RidgeModel({
    coef: coef!,
    intercept,
    alphas,
    cvScores: new Matrix(1, t, Float64Array.from(best)),
    info: {
      ...first!.info,
      alphaGrid: [...first!.info.alphaGrid],
      timings: { total: seconds, cv: seconds, refit: 0 },
      warnings: first!.info.warnings.filter((w) => !/constant column/.test(w)),
    },
  });
  return { model, gammas, candidate, candidates, cvScores, bestScores: best, nBands: nb, seconds };
}
