/**
 * A fitted ridge model: learned state (coef, intercept, alpha per target, CV
 * scores) separated from the settings that produced it; `predict` applies it.
 */
import type { Backend } from '../linalg/backend.js';
import { getBackend } from '../linalg/index.js';
import { type DType, Matrix } from '../linalg/matrix.js';
import { UserError } from '../util/errors.js';
import { gatherBlock, scatterCols, type TargetGrid, targetBatches } from './blocks.js';
import type { WorkTally } from './instrument.js';
import type { ScoreName } from './scores.js';
import type { SolverName } from './solvers.js';

/** Settings and facts about a fit, as stored in `model.json`. */
export interface RidgeModelInfo {
  solver: SolverName;
  score: ScoreName;
  fitIntercept: boolean;
  dtype: DType;
  /** The alpha grid, in the order of the rows of `cvScores`. */
  alphaGrid: number[];
  /** e.g. "5-fold" or "leave-one-group-out (12 groups)". */
  cv: string;
  nFolds: number;
  nSamples: number;
  nFeatures: number;
  nTargets: number;
  /** Targets per batch, and number of batches. */
  targetBatch: number;
  /** Alphas scored per GEMM. */
  alphaBatch?: number;
  nBatches: number;
  /** Wall seconds per phase. */
  timings: { total: number; cv: number; refit: number; [phase: string]: number };
  /** Work done by the numeric engine, by kind. */
  work?: WorkTally;
  /** Backend that ran the fit. */
  backend?: string;
  /** Things the user should know (constant columns, constant targets). */
  warnings: string[];
}

export class RidgeModel {
  /** n_features × n_targets, in `info.dtype`. */
  readonly coef: Matrix;
  /** n_targets (float64). */
  readonly intercept: Float64Array;
  /** The chosen alpha of each target (n_targets). */
  readonly alphas: Float64Array;
  /** n_alphas × n_targets: each alpha's score per target, mean over folds (float64). */
  readonly cvScores: Matrix<Float64Array>;
  readonly info: RidgeModelInfo;

  constructor(parts: {
    coef: Matrix;
    intercept: Float64Array;
    alphas: Float64Array;
    cvScores: Matrix<Float64Array>;
    info: RidgeModelInfo;
  }) {
    this.coef = parts.coef;
    this.intercept = parts.intercept;
    this.alphas = parts.alphas;
    this.cvScores = parts.cvScores;
    this.info = parts.info;
    const t = this.coef.cols;
    if (this.intercept.length !== t || this.alphas.length !== t || this.cvScores.cols !== t) {
      throw new UserError(
        `inconsistent ridge model: coef has ${t} targets, intercept ${this.intercept.length}, alphas ${this.alphas.length}, cv scores ${this.cvScores.cols}`,
        { hint: 'the model folder is damaged; fit it again' },
      );
    }
  }

  get solver(): SolverName {
    return this.info.solver;
  }

  get nFeatures(): number {
    return this.coef.rows;
  }

  get nTargets(): number {
    return this.coef.cols;
  }

  /**
   * X: n_samples × n_features → predictions n_samples × n_targets (in the model's dtype).
   * `targetGrid`: multiply one grid block of targets at a time, as the fit did (see `TargetGrid`).
   */
  async predict(X: Matrix, backend?: Backend, targetGrid?: TargetGrid): Promise<Matrix> {
    if (X.cols !== this.nFeatures) {
      throw new UserError(`X has ${X.cols} columns but the model was fitted on ${this.nFeatures} features`, {
        hint: 'predict with the same features (columns, in the same order) as the training data',
      });
    }
    X.assertFinite('X');
    const be = backend ?? (await getBackend());
    const Xd = X.dtype === this.coef.dtype ? X : X.astype(this.coef.dtype);
    const t = this.nTargets;
    let P: Matrix;
    const batches = targetGrid ? targetBatches(t, t, targetGrid) : [];
    if (batches.length === 0 || (batches.length === 1 && batches[0]!.width === t)) {
      P = await be.gemm(Xd, this.coef);
    } else {
      P = Matrix.zeros(Xd.rows, t, this.coef.dtype);
      for (const b of batches)
        scatterCols(P, await be.gemm(Xd, gatherBlock(this.coef, null, b)), b.j0, b.lead, b.j1 - b.j0);
    }
    for (let i = 0; i < P.rows; i++) {
      const o = i * t;
      for (let j = 0; j < t; j++) P.data[o + j] = (P.data[o + j] as number) + (this.intercept[j] as number);
    }
    return P;
  }
}
