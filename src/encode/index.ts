/** Voxelwise encoding models: feature spaces, fit, statistics, maps and saved models. */
export {
  type EncodingChunkMeta,
  encodeSubjectFromChunks,
  encodingSpaceNames,
  fitEncodingChunk,
  mergeEncodingChunks,
  voxelChunks,
} from './chunks.js';
export { type EncodeSubjectInput, encodeSubject } from './encode.js';
export {
  ENCODE_DEFAULTS,
  type EncodeOptions,
  featureLabel,
  fitSubjectEncoding,
  type SpaceResult,
  type SubjectEncoding,
} from './fit.js';
export {
  type EncodingModel,
  type EncodingModelMeta,
  loadEncodingModel,
  type PredictOptions,
  predictBrainResponse,
} from './model.js';
export { type EncodingSummary, type RoiRow, type SpaceSummary, writeSubjectEncoding } from './outputs.js';
export {
  averageBlocks,
  type RepetitionLayout,
  repetitionLayout,
  type ScanIndex,
  scanFeatures,
  scanIndex,
  standardizeClipFeatures,
} from './scans.js';
export {
  type ClipFeatures,
  checkClipFeatures,
  FEATURE_SPACES,
  type FeatureContext,
  type FeatureSpaceEntry,
  readClipCaptions,
  resolveFeatureSpaces,
  type SpaceSpec,
} from './spaces.js';
export {
  benjaminiHochberg,
  blockLayout,
  blockPermutationTest,
  explainableVariance,
  maxStatPValues,
  noiseCeiling,
  normalisedR,
  pearsonColumns,
  permutations,
  r2Columns,
} from './stats.js';
