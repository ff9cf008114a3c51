/**
 * The stimulus features the twin's voxels are tuned to, computed from the audio
 * actually played, one row per scan bin (TR) of a clip:
 *  - spectral energy: mean log power in 8 frequency bands (of the log-frequency spectrogram);
 *  - spectro-temporal modulation: the audio module's MTF-like modulation energies
 *    (6 rates × 5 scales × 2 directions, `modulationSpectrum`), computed on patches
 *    of one TR, as log10(1 + energy).
 * This is the kind of feature space Nakai et al. (2021) found to explain the
 * genre representations in this very experiment (their MTF model).
 */
import { powerToDb } from '../../audio/db.js';
import { logFrequencySpectrogram } from '../../audio/logfreq.js';
import { modulationFeatureNames, modulationFromSpectrogram } from '../../audio/modulation.js';
import { Matrix } from '../../linalg/matrix.js';

/** STFT of the log-frequency spectrogram: 1024-point frames every 512 samples (43 frames/s at 22,050 Hz, enough for the 16-Hz rate cell). */
const STFT = { nFft: 1024, hop: 512 };
const BAND_GROUPS = 8;

export const ACOUSTIC_FEATURE_NAMES: readonly string[] = [
  ...Array.from({ length: BAND_GROUPS }, (_, i) => `energy_band${i + 1}`),
  ...modulationFeatureNames().map((n) => `mod_${n}`),
];

/**
 * Features of one clip: n_bins × n_features (row-major), n_bins = round(duration / binS).
 * audio: mono samples at `sr`. One log-frequency spectrogram (12 bands/octave from
 * 110 Hz, the audio module's) feeds both the band energies and the modulation energies.
 */
export function acousticFeatures(
  audio: Float32Array,
  sr: number,
  binS: number,
): { data: Float64Array; rows: number } {
  const rows = Math.max(1, Math.round(audio.length / sr / binS));
  const d = ACOUSTIC_FEATURE_NAMES.length;
  const out = new Float64Array(rows * d);
  const lf = logFrequencySpectrogram(audio, sr, STFT);
  const nBands = lf.power.rows;
  const nFrames = lf.power.cols;
  const db = new Matrix(nBands, nFrames, powerToDb(lf.power.data));
  const mod = modulationFromSpectrogram(db, lf.frameRate, lf.binsPerOctave, {
    patchSeconds: binS,
    hopSeconds: binS,
  });
  const nMod = mod.features.cols;
  for (let b = 0; b < rows; b++) {
    const f0 = Math.min(nFrames - 1, Math.round(b * binS * lf.frameRate));
    const f1 = Math.max(f0 + 1, Math.min(nFrames, Math.round((b + 1) * binS * lf.frameRate)));
    const row = b * d;
    for (let g = 0; g < BAND_GROUPS; g++) {
      const k0 = Math.floor((g * nBands) / BAND_GROUPS);
      const k1 = Math.floor(((g + 1) * nBands) / BAND_GROUPS);
      let s = 0;
      for (let k = k0; k < k1; k++)
        for (let f = f0; f < f1; f++) s += Math.log10((lf.power.data[k * nFrames + f] as number) + 1e-10);
      out[row + g] = s / Math.max(1, (k1 - k0) * (f1 - f0));
    }
    const p = Math.min(b, mod.features.rows - 1);
    for (let j = 0; j < nMod; j++)
      out[row + BAND_GROUPS + j] = Math.log10(1 + Math.max(0, mod.features.get(p, j)));
  }
  return { data: out, rows };
}

/** Z-scores the columns of several row-major blocks together (in place). */
export function standardizeColumns(
  blocks: readonly Float64Array[],
  d: number,
): { mean: Float64Array; sd: Float64Array } {
  const mean = new Float64Array(d);
  const sd = new Float64Array(d);
  let n = 0;
  for (const b of blocks) {
    n += b.length / d;
    for (let i = 0; i < b.length; i++) mean[i % d] = (mean[i % d] as number) + (b[i] as number);
  }
  for (let j = 0; j < d; j++) mean[j] = (mean[j] as number) / Math.max(1, n);
  for (const b of blocks) {
    for (let i = 0; i < b.length; i++)
      sd[i % d] = (sd[i % d] as number) + ((b[i] as number) - (mean[i % d] as number)) ** 2;
  }
  for (let j = 0; j < d; j++) sd[j] = Math.sqrt((sd[j] as number) / Math.max(1, n)) || 1;
  for (const b of blocks) {
    for (let i = 0; i < b.length; i++)
      b[i] = ((b[i] as number) - (mean[i % d] as number)) / (sd[i % d] as number);
  }
  return { mean, sd };
}
