/**
 * Music and text embeddings behind one interface (types.ts) and registry
 * (registry.ts): the built-in `dsp` features, LAION-CLAP from local ONNX weights,
 * Spotify basic-pitch; captions through TF-IDF + SVD or CLAP's text tower.
 */
export {
  BASIC_PITCH_BACKENDS,
  BASIC_PITCH_BLOCKS,
  BASIC_PITCH_DIM,
  type BasicPitchBackend,
  BasicPitchRunner,
  createBasicPitchEmbedder,
  resolveBasicPitchBackend,
} from './basic-pitch/basic-pitch.js';
export { cacheKey, EmbeddingCache } from './cache.js';
export {
  clapRequiredFiles,
  createClapAudioEmbedder,
  createClapTextEmbedder,
  resolveClapDir,
} from './clap/clap.js';
export { writeStandinClap } from './clap/standin.js';
export { createDspEmbedder, DSP_BLOCKS, DSP_DIM, DSP_SAMPLE_RATE } from './dsp/dsp.js';
export { expandAudioPaths, readAudioList, readCaptions } from './inputs.js';
export { type ClipCrop, type ClipJobSettings, cropAudio, embedFile } from './job.js';
export {
  type EmbeddingOutputInput,
  type EmbeddingOutputPaths,
  embeddingOutputBase,
  standardizeClips,
  type TextEmbeddingOutputInput,
  trainClipIndices,
  writeEmbeddingOutputs,
  writeTextEmbeddingOutputs,
} from './output.js';
export { type EmbedFilesOptions, type EmbedFilesResult, embedFiles, stackClips } from './pool.js';
export { DEFAULT_MAX_SECONDS, prepareAudio } from './prepare.js';
export {
  createEmbedder,
  DEFAULT_EMBEDDER,
  EMBEDDERS,
  type EmbedderEntry,
  type EmbedderOptions,
  embedderEntry,
  TEXT_EMBEDDERS,
  textEmbedderEntry,
} from './registry.js';
export { Standardizer, type StandardizerState } from './standardize.js';
export { TfidfSvdEmbedder } from './text/tfidf.js';
export {
  DEFAULT_WINDOWS,
  type Embedder,
  type EmbeddingBlock,
  type TextEmbedder,
  type WindowSpec,
} from './types.js';
export { MIN_CLIP_SECONDS, windowCount, windowStarts } from './windows.js';
