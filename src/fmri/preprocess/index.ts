/** fMRI preprocessing for modelling: drift removal, z-scoring, window alignment, repetition averaging, FIR delays. */
export { DETRENDERS, type DetrendMethod, type DetrendOptions, detrend } from './detrend.js';
export { writeSubjectMatrices } from './export.js';
export { delayRows } from './fir.js';
export {
  PREPROCESS_DEFAULTS,
  type PreprocessOptions,
  type PreprocessOverrides,
  resolvePreprocessOptions,
  type WindowSpec,
  type WindowWeighting,
} from './options.js';
export {
  checkMemory,
  type PreprocessedRun,
  prepareSubject,
  preprocessRun,
  type RunSource,
  type SubjectMatrices,
  type WindowedSet,
} from './prepare.js';
export { averageRepetitions } from './repetitions.js';
export { type EdgeMode, medianWindowScans, RunningMedian, subtractRunningMedian } from './running-median.js';
export { type BidsRunSourceOptions, bidsRunSource, runImage, subjectMask } from './source.js';
export {
  averageWindows,
  type ClipWindow,
  clipWindows,
  runWindowRows,
  type WindowRow,
  windowScans,
} from './windows.js';
export { type ZscoreReport, zscoreColumns } from './zscore.js';
