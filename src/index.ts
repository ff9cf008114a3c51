/**
 * brain2music as a library. The CLI (`src/cli/`) is a thin shell over these exports;
 * each stage's folder also has its own `index.ts` with the full API.
 *
 * The order is deliberate (biome does not sort this file): the main job first, then
 * the analyses it composes, then data, file formats and the numeric engine.
 * `index.test.ts` pins the exported names, so a change to this surface is visible.
 */

// The main job: configuration, run folder, stages, jobs and executors
export { loadRunConfig, type RunConfig, RunConfigSchema, resolveConfig } from './pipeline/config.js';
export { DEMO_CONFIG, runDemo } from './pipeline/demo.js';
export { BullmqExecutor, startWorker } from './pipeline/executors/bullmq.js';
export { LocalExecutor } from './pipeline/executors/local.js';
export type { Executor } from './pipeline/executors/types.js';
export { type JobSpec, makeJob, runJob } from './pipeline/jobs.js';
export { type RunOptions, type RunResult, runPipeline } from './pipeline/run.js';
export { RunFolder } from './pipeline/run-folder.js';
export { type Artifact, type Stage, StageStore } from './pipeline/stage.js';
export { STAGES } from './pipeline/stages/index.js';
export { runStatus } from './pipeline/status.js';
export { formatSummaryTable } from './pipeline/summary.js';

// Decoding: brain → embedding
export {
  crossValidatedPredictions,
  DECODERS,
  type DecodeData,
  type Decoder,
  type DecoderOptions,
  getDecoder,
  leaveGroupOutPredictions,
} from './decode/index.js';

// Evaluation: every metric with its chance level
export {
  evaluateDecoding,
  identificationAccuracy,
  leaveGenreOutIdentification,
  libraryRetrievalMetrics,
  meanDimensionCorrelation,
  type MetricsFile,
  MetricsFileSchema,
  summarizeBlock,
  validateMetricsFile,
} from './evaluate/index.js';

// Retrieval from a music library
export {
  buildLibraryIndex,
  listLibraryAudio,
  loadLibraryIndex,
  prepareLibrary,
  queryLibrary,
  retrieveClips,
  saveLibraryIndex,
  writeExcerpt,
} from './retrieve/index.js';

// Generation and reconstruction metrics
export {
  closeGeneration,
  GENERATORS,
  generateForSubject,
  prepareGeneration,
  readAttributesTsv,
  reconstructionBlock,
} from './generate/index.js';

// Encoding: where each kind of musical information lives
export {
  type EncodeOptions,
  type EncodingModel,
  type EncodingSummary,
  encodeSubject,
  FEATURE_SPACES,
  loadEncodingModel,
  predictBrainResponse,
} from './encode/index.js';

// Report and studio
export { type ReportResult, writeReport } from './report/report.js';
export { startStudio } from './report/studio/server.js';

// fMRI: design, masks, preprocessing
export { buildDesign, type Clip, type Design, loadDesign } from './fmri/design.js';
export { readDesignJson, writeDesignJson } from './fmri/design-io.js';
export { Masker } from './fmri/masker.js';
export { PREPROCESS_DEFAULTS, prepareSubject, resolvePreprocessOptions } from './fmri/preprocess/index.js';

// Audio and embeddings
export { decodeAudioFile, melSpectrogram, resample, writeWav } from './audio/index.js';
export { EMBEDDERS, embedFiles, Standardizer, writeEmbeddingOutputs } from './embed/index.js';

// The synthetic twin
export { synthesizeDataset } from './synth/index.js';

// File formats
export { discoverBids } from './io/bids/discover.js';
export { extractMasked, openNiftiWriter, readNifti, readNiftiHeader, writeNifti } from './io/nifti/index.js';
export { readNpy, readNpyMatrix, writeNpy, writeNpyMatrix } from './io/npy.js';

// Ridge and the numeric engine
export { fitRidgeCV, loadRidgeModel, RidgeModel, saveRidgeModel } from './ridge/index.js';
export type { Backend, BackendInfo } from './linalg/backend.js';
export { getBackend, Matrix } from './linalg/index.js';
export type { DType, FloatArray } from './linalg/matrix.js';

// Shared pieces
export { UserError } from './util/errors.js';
export { ConsoleProgress, type ProgressSink } from './util/progress.js';
export { Rng } from './util/rng.js';
export { VERSION } from './version.js';
