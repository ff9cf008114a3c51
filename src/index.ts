/**
 * brain2music as a library. The CLI (`src/cli/`) is a thin shell over these exports;
 * each stage's folder also has its own `index.ts` with the full API.
 */

// Audio and embeddings
export { decodeAudioFile, melSpectrogram, resample, writeWav } from './audio/index.js';
export { EMBEDDERS, embedFiles, Standardizer } from './embed/index.js';
// Evaluation
export { identificationAccuracy, meanDimensionCorrelation } from './evaluate/identification.js';
// fMRI
export { buildDesign, type Clip, type Design, loadDesign } from './fmri/design.js';
export { Masker } from './fmri/masker.js';
export { PREPROCESS_DEFAULTS, prepareSubject, resolvePreprocessOptions } from './fmri/preprocess/index.js';
export { discoverBids } from './io/bids/discover.js';
// File formats
export { extractMasked, openNiftiWriter, readNifti, readNiftiHeader, writeNifti } from './io/nifti/index.js';
export { readNpy, readNpyMatrix, writeNpy, writeNpyMatrix } from './io/npy.js';
export type { Backend, BackendInfo } from './linalg/backend.js';
// Numeric engine
export { getBackend, Matrix } from './linalg/index.js';
export type { DType, FloatArray } from './linalg/matrix.js';
// Metrics, the synthetic twin, the pipeline
export { runDemo } from './pipeline/demo.js';
// Ridge
export { fitRidgeCV, loadRidgeModel, RidgeModel, saveRidgeModel } from './ridge/index.js';
export { synthesizeDataset } from './synth/index.js';
export { UserError } from './util/errors.js';
export { ConsoleProgress, type ProgressSink } from './util/progress.js';
export { Rng } from './util/rng.js';
export { VERSION } from './version.js';
