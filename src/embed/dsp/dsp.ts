/**
 * The built-in `dsp` embedder: interpretable acoustic features that need no
 * weights — log-mel statistics, MFCC with deltas, chroma, spectral shape, onset
 * strength and tempo, and a spectro-temporal modulation (MTF-like)
 * representation, the acoustic model that best explained genre responses in
 * Nakai et al. 2021. Frame features are computed once per clip at 22,050 Hz
 * (n_fft 2048, hop 512, on src/audio/) and pooled per window (pool.ts), so
 * overlapping windows cost little extra.
 *
 * Why the onset envelope and the modulation block come from the shared 64-band
 * mel here rather than from src/audio's `onsetStrength` (its own 128-band mel
 * STFT) and `modulationSpectrum` (its own log-frequency STFT): one STFT pass for
 * mel + chroma keeps a 15-s clip at ≈ 230 ms CPU instead of ≈ 430 ms, which is
 * what the 540-stimuli-in-a-minute budget on 2 cores allows. Swapping a block is
 * one entry in `dspBlocks()` (pool.ts).
 *
 * Raw features have very different scales (dB, kHz, BPM): standardise them with a
 * `Standardizer` fitted on training clips only before ridge regression.
 */
import { Matrix } from '../../linalg/matrix.js';
import type { Embedder, EmbeddingBlock, WindowSpec } from '../types.js';
import { windowStarts } from '../windows.js';
import { clipFrames, DSP_SAMPLE_RATE, HOP } from './frames.js';
import { dspBlocks } from './pool.js';

export { DSP_SAMPLE_RATE };

const BLOCKS = dspBlocks();

/** The column blocks of a `dsp` embedding (name, first column, size, meaning). */
export const DSP_BLOCKS: readonly EmbeddingBlock[] = BLOCKS.map(({ name, start, size, description }) => ({
  name,
  start,
  size,
  description,
}));

export const DSP_DIM = BLOCKS.reduce((a, b) => a + b.size, 0);

/** Changes whenever a feature definition changes, invalidating cached rows. */
export const DSP_FINGERPRINT = `dsp:v1:${DSP_DIM}`;

/**
 * Frames pooled for a window [start, start + length) samples: those whose centre
 * t·hop lies inside it (at least one).
 */
export function windowFrames(start: number, length: number, nFrames: number): [number, number] {
  const f0 = Math.min(nFrames - 1, Math.ceil(start / HOP));
  const f1 = Math.min(nFrames, Math.max(f0 + 1, Math.ceil((start + length) / HOP)));
  return [f0, f1];
}

/** Embeds mono audio at 22,050 Hz: n_windows × DSP_DIM, raw (unstandardised) features. */
export function dspEmbed(audio: Float32Array, windows: WindowSpec): Matrix<Float32Array> {
  const wins = windowStarts(audio.length, DSP_SAMPLE_RATE, windows);
  const fr = clipFrames(audio);
  const out = Matrix.zeros(wins.length, DSP_DIM, 'float32');
  const tmp = new Float32Array(Math.max(...BLOCKS.map((b) => b.size)));
  wins.forEach((w, i) => {
    const [f0, f1] = windowFrames(w.start, w.length, fr.nFrames);
    const row = out.row(i);
    for (const b of BLOCKS) {
      tmp.fill(0);
      b.pool(fr, f0, f1, tmp);
      row.set(tmp.subarray(0, b.size), b.start);
    }
  });
  return out;
}

export async function createDspEmbedder(): Promise<Embedder> {
  return {
    name: 'dsp',
    dim: DSP_DIM,
    sampleRate: DSP_SAMPLE_RATE,
    fingerprint: DSP_FINGERPRINT,
    blocks: DSP_BLOCKS,
    embed: async (audio, windows) => dspEmbed(audio, windows),
  };
}
