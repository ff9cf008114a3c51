/** Evaluation: honest statistics for decoding and retrieval (every metric with its chance level). */

export {
  bootstrapIndices,
  bootstrapMeanCI,
  percentileInterval,
  quantileSorted,
  resampledMeans,
} from './bootstrap.js';
export {
  averageByLabel,
  averageWindows,
  type DecodingDetails,
  type EvaluateDecodingInput,
  evaluateDecoding,
  identificationMetric,
  type StatOptions,
  summarizeBlock,
  trainCvIdentification,
  validateMetricsFile,
} from './decoding.js';
export {
  genreIdentification,
  groupByGenre,
  type LeaveGenreOutInput,
  leaveGenreOutIdentification,
  withinGenreIdentification,
} from './genre.js';
export {
  crossCorrelation,
  IDENTIFICATION_CHANCE,
  type IdentificationResult,
  identificationAccuracy,
  identificationFromCorrelation,
  meanDimensionCorrelation,
} from './identification.js';
export {
  anyMatchChance,
  type LibraryRetrievalInput,
  libraryRetrievalMetrics,
  RETRIEVAL_CONDITIONS,
  type RetrievalCondition,
  retrievedGenres,
} from './library.js';
export * from './metrics-schema.js';
export {
  identificationPermutationTest,
  type PermutationResult,
  shuffleInPlace,
  strictWinsTable,
  withinGroupPermutationTest,
} from './permutation.js';
export { retrievalMetrics, retrievalPrefix, retrievalRanks } from './retrieval-rank.js';
export { subSeed } from './seed.js';
