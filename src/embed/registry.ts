/**
 * Name → embedder factory. The CLI, configs and workers name embedders by these
 * keys; adding one is one entry here.
 */
import { UserError } from '../util/errors.js';
import {
  BASIC_PITCH_BLOCKS,
  BASIC_PITCH_DIM,
  BASIC_PITCH_FINGERPRINT,
  type BasicPitchBackend,
  createBasicPitchEmbedder,
} from './basic-pitch/basic-pitch.js';
import { clapAudioFingerprint, createClapAudioEmbedder, createClapTextEmbedder } from './clap/clap.js';
import { createDspEmbedder, DSP_BLOCKS, DSP_DIM, DSP_FINGERPRINT } from './dsp/dsp.js';
import type { Embedder, EmbeddingBlock, TextEmbedder } from './types.js';

/** Options every factory accepts (each uses what it needs); plain data, so workers can receive it. */
export interface EmbedderOptions {
  /** CLAP: the local model folder. */
  modelDir?: string;
  /** CLAP: ONNX weight precision. */
  dtype?: 'fp32' | 'fp16' | 'q8' | 'int8' | 'uint8' | 'q4';
  /** basic-pitch: engine ('onnx' default; 'tfjs-wasm', 'tfjs-cpu'; or $B2M_BASIC_PITCH_BACKEND). */
  basicPitchBackend?: BasicPitchBackend;
  /** basic-pitch (ONNX Runtime): intra-op threads per embedder (default 1 in a pool worker, else the cores). */
  threads?: number;
}

export interface EmbedderEntry {
  description: string;
  /** Column blocks, when fixed (dsp, basic-pitch). */
  blocks?: readonly EmbeddingBlock[];
  /** Whether clips may be spread over worker threads (false: the engine is multi-threaded itself). */
  parallel: boolean;
  /** Equals `Embedder.fingerprint` without loading the model (for cache look-ups). */
  fingerprint(opts: EmbedderOptions): Promise<string>;
  /** Loads the model (weights, sessions). */
  create(opts: EmbedderOptions): Promise<Embedder>;
}

export const EMBEDDERS: Record<string, EmbedderEntry> = {
  dsp: {
    description: `built-in acoustic features, no weights (${DSP_DIM}-d, 22,050 Hz): log-mel, MFCC+Δ, chroma, spectral shape, onsets/tempo, modulation spectrum`,
    parallel: true,
    blocks: DSP_BLOCKS,
    fingerprint: async () => DSP_FINGERPRINT,
    create: () => createDspEmbedder(),
  },
  clap: {
    description: 'LAION-CLAP audio tower (512-d, 48 kHz) from a local ONNX folder (--model-dir)',
    parallel: false,
    fingerprint: (o) => clapAudioFingerprint(o),
    create: (o) => createClapAudioEmbedder(o),
  },
  'basic-pitch': {
    description: `Spotify basic-pitch note/onset/contour activations pooled per window (${BASIC_PITCH_DIM}-d, 22,050 Hz; weights ship in the npm package)`,
    parallel: true,
    blocks: BASIC_PITCH_BLOCKS,
    fingerprint: async () => BASIC_PITCH_FINGERPRINT,
    create: (o) => createBasicPitchEmbedder({ backend: o.basicPitchBackend, threads: o.threads }),
  },
};

export const DEFAULT_EMBEDDER = 'dsp';

export function embedderEntry(name: string): EmbedderEntry {
  const e = EMBEDDERS[name];
  if (!e) {
    throw new UserError(`unknown embedder "${name}"`, {
      field: '--embedder',
      hint: `choose one of: ${Object.keys(EMBEDDERS).join(', ')}`,
    });
  }
  return e;
}

export async function createEmbedder(name: string, opts: EmbedderOptions = {}): Promise<Embedder> {
  return embedderEntry(name).create(opts);
}

export interface TextEmbedderEntry {
  description: string;
  /** corpus: every caption, for embedders fitted on it (the built-in one). */
  create(opts: EmbedderOptions & { corpus: readonly string[]; dim?: number }): Promise<TextEmbedder>;
}

export const TEXT_EMBEDDERS: Record<string, TextEmbedderEntry> = {
  tfidf: {
    description: 'built-in: TF-IDF + truncated SVD fitted on the captions themselves (offline, no weights)',
    create: async (o) => {
      const { TfidfSvdEmbedder } = await import('./text/tfidf.js');
      return TfidfSvdEmbedder.fit(o.corpus, { dim: o.dim });
    },
  },
  clap: {
    description: 'LAION-CLAP text tower (512-d) from a local ONNX folder (--model-dir)',
    create: (o) => createClapTextEmbedder(o),
  },
};

export function textEmbedderEntry(name: string): TextEmbedderEntry {
  const e = TEXT_EMBEDDERS[name];
  if (!e) {
    throw new UserError(`unknown text embedder "${name}"`, {
      field: '--embedder',
      hint: `choose one of: ${Object.keys(TEXT_EMBEDDERS).join(', ')}`,
    });
  }
  return e;
}
