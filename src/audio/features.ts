/**
 * The feature registry: name → how to compute it from mono samples, so the CLI
 * (`b2m features <name>`), embedders and configs name features without if-chains.
 * Every feature returns a row-major float32 array with its shape and row names;
 * frame-based features are features × frames (librosa's layout), modulation is
 * patches × features.
 */
import type { Matrix } from '../linalg/matrix.js';
import { chroma } from './chroma.js';
import { powerToDb } from './db.js';
import { type MelOptions, melSpectrogram } from './mel.js';
import { delta, mfcc } from './mfcc.js';
import { modulationSpectrum } from './modulation.js';
import { estimateTempo, onsetStrength } from './onset.js';
import { spectralFeatures } from './spectral.js';

export interface FeatureOptions extends MelOptions {
  /** mel: return dB (power_to_db, ref 1, top_db 80) instead of power. */
  db?: boolean;
  /** mfcc: number of coefficients (default 20). */
  nMfcc?: number;
  /** mfcc: append delta and delta-delta rows (width 9). */
  deltas?: boolean;
  /** modulation: patch length and step, seconds. */
  patchSeconds?: number;
  hopSeconds?: number;
}

export interface FeatureOutput {
  data: Float32Array;
  /** [rows, cols]. */
  shape: [number, number];
  /** What the rows are (or, for modulation, the columns). */
  axes: [string, string];
  /** Names of the feature dimension's entries, when they have names. */
  names?: string[];
  /** Scalar results worth printing (e.g. tempo). */
  summary?: Record<string, number>;
}

export interface FeatureSpec {
  description: string;
  compute(x: Float32Array, sr: number, opts: FeatureOptions): FeatureOutput;
}

function fromMatrix(m: Matrix<Float32Array>, axes: [string, string], names?: string[]): FeatureOutput {
  return { data: m.data, shape: [m.rows, m.cols], axes, names };
}

function stackRows(parts: Float32Array[], cols: number): Float32Array {
  const out = new Float32Array(parts.reduce((a, p) => a + p.length, 0));
  let off = 0;
  for (const p of parts) {
    if (p.length % cols !== 0) throw new Error('stackRows: ragged parts');
    out.set(p, off);
    off += p.length;
  }
  return out;
}

export const FEATURES: Record<string, FeatureSpec> = {
  mel: {
    description: 'mel spectrogram (librosa definition), n_mels × n_frames, power or dB',
    compute(x, sr, o) {
      const m = melSpectrogram(x, sr, o);
      if (o.db) m.data.set(powerToDb(m.data));
      return fromMatrix(m, ['mel band', 'frame']);
    },
  },
  mfcc: {
    description:
      'MFCCs (DCT-II ortho of the dB mel spectrogram), n_mfcc × n_frames; --deltas appends Δ and ΔΔ',
    compute(x, sr, o) {
      const m = mfcc(x, sr, o);
      const n = m.rows;
      const names = Array.from({ length: n }, (_, i) => `mfcc${i}`);
      if (!o.deltas) return fromMatrix(m, ['coefficient', 'frame'], names);
      const d1 = delta(m);
      const d2 = delta(m, { order: 2 });
      return {
        data: stackRows([m.data, d1.data, d2.data], m.cols),
        shape: [3 * n, m.cols],
        axes: ['coefficient', 'frame'],
        names: [...names, ...names.map((s) => `d_${s}`), ...names.map((s) => `dd_${s}`)],
      };
    },
  },
  chroma: {
    description: 'chromagram (tuning A440, max-normalised per frame), 12 × n_frames, rows C … B',
    compute(x, sr, o) {
      return fromMatrix(
        chroma(x, sr, o),
        ['pitch class', 'frame'],
        ['C', 'C#', 'D', 'D#', 'E', 'F', 'F#', 'G', 'G#', 'A', 'A#', 'B'],
      );
    },
  },
  spectral: {
    description:
      'spectral centroid, bandwidth, rolloff (Hz), flatness and 7 contrast bands (dB), 11 × n_frames',
    compute(x, sr, o) {
      const f = spectralFeatures(x, sr, o);
      const T = f.centroid.length;
      const names = [
        'centroid',
        'bandwidth',
        'rolloff',
        'flatness',
        ...Array.from({ length: f.contrast.rows }, (_, i) => `contrast${i}`),
      ];
      return {
        data: stackRows([f.centroid, f.bandwidth, f.rolloff, f.flatness, f.contrast.data], T),
        shape: [names.length, T],
        axes: ['feature', 'frame'],
        names,
      };
    },
  },
  onset: {
    description: 'onset strength envelope, 1 × n_frames, and the global tempo (BPM)',
    compute(x, sr, o) {
      const env = onsetStrength(x, sr, o);
      const hop = o.hop ?? 512;
      const summary: Record<string, number> = {};
      try {
        const t = estimateTempo(env, sr / hop);
        summary.tempoBpm = t.bpm;
        summary.pulseStrength = t.strength;
      } catch {
        // too short for a tempo: the envelope alone is still valid
      }
      return {
        data: env,
        shape: [1, env.length],
        axes: ['envelope', 'frame'],
        names: ['onset_strength'],
        summary,
      };
    },
  },
  modulation: {
    description: 'spectro-temporal modulation energy, n_patches × 60 (direction × rate × scale)',
    compute(x, sr, o) {
      const r = modulationSpectrum(x, sr, {
        nFft: o.nFft,
        hop: o.hop,
        padMode: o.padMode,
        patchSeconds: o.patchSeconds,
        hopSeconds: o.hopSeconds,
      });
      return { ...fromMatrix(r.features, ['patch', 'feature'], r.names) };
    },
  },
};
