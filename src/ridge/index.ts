/**
 * The ridge engine: ridge regression with one alpha per target chosen by
 * cross-validation (primal and dual solvers, batched over targets), used by the
 * decoding (voxels → embedding) and encoding (features → voxels) analyses.
 */

export {
  BANDED_DEFAULTS,
  type BandedRidgeModel,
  type BandedRidgeOptions,
  dirichletCandidates,
  fitBandedRidgeCV,
} from './banded.js';
export { type CvSpec, describeCv, type Fold, kFold, leaveOneGroupOut, makeFolds, SPLITTERS } from './cv.js';
export { fitRidgeCV, pickAlphas } from './fit.js';
export type { OpTally, WorkTally } from './instrument.js';
export { RidgeModel, type RidgeModelInfo } from './model.js';
export { loadRidgeModel, MODEL_FILES, MODEL_FORMAT, saveRidgeModel } from './model-io.js';
export {
  DEFAULT_ALPHAS,
  logspace,
  parseAlphas,
  RIDGE_DEFAULTS,
  type RidgeCVOptions,
  validateAlphas,
} from './options.js';
export { SCORERS, type ScoreName, type Scorer } from './scores.js';
export { chooseSolver, SOLVERS, type SolverName } from './solvers.js';
