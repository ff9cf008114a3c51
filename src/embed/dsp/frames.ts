/**
 * Frame-level acoustic analyses of one whole clip, computed once and then pooled
 * per window (pool.ts). All frames share one grid: hop 512 at 22,050 Hz
 * (≈ 43 frames/s), centred frames, so frame t sits at t·512 samples.
 */
import { chromaFilterbank } from '../../audio/chroma.js';
import { powerToDb } from '../../audio/db.js';
import { melFilterbank } from '../../audio/mel.js';
import { delta, mfccFromMelDb } from '../../audio/mfcc.js';
import { spectralAnalyser } from '../../audio/spectral.js';
import { forEachPowerFrame, frameCount, resolveStft } from '../../audio/stft.js';
import { Matrix } from '../../linalg/matrix.js';

export const DSP_SAMPLE_RATE = 22050;
export const N_FFT = 2048;
export const HOP = 512;
export const N_MELS = 64;
export const N_MFCC = 20;

/** Every frame-level feature of a clip; matrices are features × frames (librosa's layout). */
export interface ClipFrames {
  nFrames: number;
  /** Log-mel power, dB re 1 (floor −100 dB, top_db 80): N_MELS × T. */
  melDb: Matrix<Float32Array>;
  /** MFCC, Δ and ΔΔ stacked: 3·N_MFCC × T. */
  mfcc: Matrix<Float32Array>;
  /** Chroma, max-normalised per frame: 12 × T. */
  chroma: Matrix<Float32Array>;
  /** centroid, bandwidth, rolloff (kHz), flatness, contrast × 7 (dB): 11 × T. */
  spectral: Matrix<Float32Array>;
  /** Onset strength (librosa's spectral flux on the dB mel, lag 1): T. */
  onset: Float32Array;
}

function stackRows(parts: Matrix<Float32Array>[]): Matrix<Float32Array> {
  const T = (parts[0] as Matrix<Float32Array>).cols;
  const rows = parts.reduce((a, m) => a + m.rows, 0);
  const out = Matrix.zeros(rows, T, 'float32');
  let r = 0;
  for (const m of parts) {
    out.data.set(m.data, r * T);
    r += m.rows;
  }
  return out;
}

/**
 * Onset strength as `librosa.onset.onset_strength` defines it on a dB mel
 * spectrogram (lag 1, no max filter): mean over bands of max(0, S[:, t] − S[:, t−1]),
 * frame 0 = 0. (librosa pads by n_fft/(2·hop) frames to re-centre; our frames are
 * already centred, so no shift.)
 */
export function onsetStrength(melDb: Matrix<Float32Array>): Float32Array {
  const { rows, cols: T } = melDb;
  const out = new Float32Array(T);
  for (let t = 1; t < T; t++) {
    let acc = 0;
    for (let m = 0; m < rows; m++) {
      const d = (melDb.data[m * T + t] as number) - (melDb.data[m * T + t - 1] as number);
      if (d > 0) acc += d;
    }
    out[t] = acc / rows;
  }
  return out;
}

const FILTERS = {
  mel: melFilterbank(DSP_SAMPLE_RATE, N_FFT, { nMels: N_MELS }),
  chroma: chromaFilterbank(DSP_SAMPLE_RATE, N_FFT),
};

/**
 * Mel power (N_MELS × T) and chroma (12 × T) from ONE pass over the power STFT,
 * with src/audio's filterbanks: the same numbers as `melSpectrogram` and `chroma`
 * (a test checks), for one FFT per frame instead of two.
 */
export function melAndChroma(x: Float32Array): { mel: Matrix<Float32Array>; chroma: Matrix<Float32Array> } {
  const o = resolveStft({ nFft: N_FFT, hop: HOP });
  const acc = melChromaAnalyser(frameCount(x.length, o));
  forEachPowerFrame(x, o, acc.visit);
  return { mel: acc.mel, chroma: acc.chroma };
}

/** Mel power and max-normalised chroma, filled frame by frame from an N_FFT/HOP power spectrum. */
function melChromaAnalyser(T: number): {
  mel: Matrix<Float32Array>;
  chroma: Matrix<Float32Array>;
  visit: (t: number, pw: Float64Array) => void;
} {
  const mel = Matrix.zeros(N_MELS, T, 'float32');
  const chroma = Matrix.zeros(12, T, 'float32');
  const fb = FILTERS.mel;
  const cf = FILTERS.chroma;
  const nB = cf.cols;
  const col = new Float64Array(12);
  const visit = (t: number, pw: Float64Array): void => {
    for (let m = 0; m < N_MELS; m++) {
      const w = fb.weights[m] as Float64Array;
      const k0 = fb.start[m] as number;
      let acc = 0;
      for (let i = 0; i < w.length; i++) acc += (w[i] as number) * (pw[k0 + i] as number);
      mel.data[m * T + t] = acc;
    }
    let max = 0;
    for (let c = 0; c < 12; c++) {
      let acc = 0;
      const row = c * nB;
      for (let k = 0; k < nB; k++) acc += (cf.data[row + k] as number) * (pw[k] as number);
      col[c] = acc;
      max = Math.max(max, Math.abs(acc));
    }
    const s = max < 2.2250738585072014e-308 ? 1 : 1 / max;
    for (let c = 0; c < 12; c++) chroma.data[c * T + t] = (col[c] as number) * s;
  };
  return { mel, chroma, visit };
}

/** x: mono at DSP_SAMPLE_RATE. */
export function clipFrames(x: Float32Array): ClipFrames {
  const sr = DSP_SAMPLE_RATE;
  // One STFT pass feeds both analysers (they share nFft, hop, window and padding).
  const o = resolveStft({ nFft: N_FFT, hop: HOP });
  const T = frameCount(x.length, o);
  const mc = melChromaAnalyser(T);
  const spa = spectralAnalyser(sr, T, { nFft: N_FFT, hop: HOP });
  forEachPowerFrame(x, o, (t, pw) => {
    mc.visit(t, pw);
    spa.visit(t, pw);
  });
  const { mel, chroma } = mc;
  const melDb = new Matrix(N_MELS, T, powerToDb(mel.data, { topDb: 80 }));
  const cc = mfccFromMelDb(melDb, N_MFCC);
  // librosa's delta needs ≥ 9 frames; shorter clips (< 0.2 s) have no derivative.
  const d1 = T >= 9 ? delta(cc, { order: 1 }) : Matrix.zeros(N_MFCC, T, 'float32');
  const d2 = T >= 9 ? delta(cc, { order: 2 }) : Matrix.zeros(N_MFCC, T, 'float32');
  const sp = spa.finish();
  const spectral = Matrix.zeros(11, T, 'float32');
  const kHz = (a: Float32Array) => Float32Array.from(a, (v) => v / 1000);
  spectral.data.set(kHz(sp.centroid), 0);
  spectral.data.set(kHz(sp.bandwidth), T);
  spectral.data.set(kHz(sp.rolloff), 2 * T);
  spectral.data.set(sp.flatness, 3 * T);
  spectral.data.set(sp.contrast.data, 4 * T);
  return {
    nFrames: T,
    melDb,
    mfcc: stackRows([cc, d1, d2]),
    chroma,
    spectral,
    onset: onsetStrength(melDb),
  };
}
