/**
 * Retrieval from a music library (METHOD.md §3.7): list and check a library
 * folder, embed the first 15 s of every track once (cached), answer exact cosine
 * nearest-neighbour queries by GEMM, with oracle and chance baselines and audio
 * excerpts of what was retrieved.
 */
export { clipAverage, genreMatchChance, genreMatchRate, randomTracks } from './baselines.js';
export { type BuildLibraryOptions, buildLibraryIndex, type LibraryIndex } from './build.js';
export {
  type ExcerptJob,
  type ExcerptOptions,
  type ExcerptResult,
  writeExcerpt,
  writeExcerpts,
} from './excerpt.js';
export { type LibraryTrack, type ListLibraryOptions, libraryGenre, listLibraryAudio } from './library.js';
export { type AudioProbe, probeAudio } from './probe.js';
export {
  type PreparedLibrary,
  type PrepareLibraryOptions,
  prepareLibrary,
  type QueryOptions,
  type QueryResult,
  queryLibrary,
} from './query.js';
export {
  type ClipRetrieval,
  type RetrievalRecord,
  type RetrievalSummary,
  type RetrieveClipsInput,
  type RetrieveClipsOptions,
  type RetrievedTrack,
  retrieveClips,
  writeRetrievedAudio,
} from './retrieve.js';
export {
  type LibraryIndexStage,
  type LibraryIndexStageInputs,
  type LibraryIndexStageOptions,
  libraryIndexStage,
} from './stage.js';
export { loadLibraryIndex, saveLibraryIndex } from './store.js';
