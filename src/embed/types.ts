/**
 * The one interface every music embedder implements, and the window layout they
 * share. An embedder sees mono samples at its own sample rate and returns one
 * row per analysis window: `n_windows × dim`, row-major float32.
 */
import type { Matrix } from '../linalg/matrix.js';

import type { WindowSpec } from '../util/windows.js';

// The window layout is shared with preprocessing, so it lives below both (src/util/windows.ts).
export { DEFAULT_WINDOWS, type WindowSpec } from '../util/windows.js';

export interface Embedder {
  /** Registry name ("dsp", "clap", "basic-pitch"). */
  readonly name: string;
  /** Embedding size (columns of every `embed` result). */
  readonly dim: number;
  /** Audio is resampled to this rate (Hz) before `embed`. */
  readonly sampleRate: number;
  /**
   * Identifies everything that changes the numbers (model files, options, code
   * version); part of the cache key, so a change never serves stale embeddings.
   */
  readonly fingerprint: string;
  /** Human-readable names of the columns' blocks (for docs and per-block analyses). */
  readonly blocks?: readonly EmbeddingBlock[];
  /**
   * audio: mono samples at `sampleRate`. Returns n_windows × dim (float32),
   * one row per window of `windowStarts(audio.length, sampleRate, windows)`.
   */
  embed(audio: Float32Array, windows: WindowSpec): Promise<Matrix<Float32Array>>;
  /** Frees native resources (ONNX sessions, tensors). Safe to call twice. */
  dispose?(): Promise<void>;
}

/** A contiguous run of columns with one meaning (e.g. "mfcc": columns 10–49). */
export interface EmbeddingBlock {
  name: string;
  /** First column. */
  start: number;
  /** Number of columns. */
  size: number;
  /** One line saying what the block measures. */
  description: string;
}

/** Turns texts (captions) into vectors: `texts.length × dim`. */
export interface TextEmbedder {
  readonly name: string;
  readonly dim: number;
  readonly fingerprint: string;
  embed(texts: readonly string[]): Promise<Matrix<Float32Array>>;
  dispose?(): Promise<void>;
}
