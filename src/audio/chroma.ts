/**
 * Chromagram from the power spectrogram, `librosa.feature.chroma_stft` with
 * `tuning=0.0` (librosa estimates the tuning by default; we take A = 440 Hz so
 * the result never depends on a pitch tracker) and `norm=inf` (each frame scaled
 * so its largest pitch class is 1; silent frames stay 0). The filterbank is
 * `librosa.filters.chroma`: Gaussian bumps per FFT bin in pitch-class space,
 * each column L2-normalised, weighted by a Gaussian over octaves centred on
 * octave 5 (≈ 523 Hz) with a 2-octave half-width, rows starting at C.
 */
import { Matrix } from '../linalg/matrix.js';
import { UserError } from '../util/errors.js';
import { forEachPowerFrame, frameCount, resolveStft, type StftOptions } from './stft.js';

export interface ChromaFilterOptions {
  /** Pitch classes (default 12). */
  nChroma?: number;
  /** Deviation from A440 in fractions of a chroma bin (default 0). */
  tuning?: number;
  /** Centre of the octave weighting, in octaves above A0/16… (librosa's ctroct, default 5). */
  ctroct?: number;
  /** Half-width of the octave weighting in octaves (default 2); null disables it. */
  octwidth?: number | null;
  /** Start at C (default true) rather than A. */
  baseC?: boolean;
}

/** `librosa.filters.chroma(sr, n_fft)`: nChroma × (⌊nFft/2⌋ + 1), float64. */
export function chromaFilterbank(
  sr: number,
  nFft: number,
  opts: ChromaFilterOptions = {},
): Matrix<Float64Array> {
  const nChroma = opts.nChroma ?? 12;
  const tuning = opts.tuning ?? 0;
  const ctroct = opts.ctroct ?? 5;
  const octwidth = opts.octwidth === undefined ? 2 : opts.octwidth;
  const baseC = opts.baseC ?? true;
  if (!Number.isInteger(nChroma) || nChroma < 1) {
    throw new UserError(`nChroma must be a positive integer, got ${nChroma}`, { field: 'nChroma' });
  }
  const a440 = 440 * 2 ** (tuning / nChroma);
  const frq = new Float64Array(nFft);
  for (let k = 1; k < nFft; k++) frq[k] = nChroma * Math.log2((k * sr) / nFft / (a440 / 16));
  frq[0] = (frq[1] as number) - 1.5 * nChroma;
  const binw = new Float64Array(nFft);
  for (let k = 0; k < nFft - 1; k++) binw[k] = Math.max((frq[k + 1] as number) - (frq[k] as number), 1);
  binw[nFft - 1] = 1;
  const half = Math.round(nChroma / 2);
  const wts = new Float64Array(nChroma * nFft);
  for (let k = 0; k < nFft; k++) {
    let norm = 0;
    for (let c = 0; c < nChroma; c++) {
      const rem = ((((frq[k] as number) - c + half + 10 * nChroma) % nChroma) + nChroma) % nChroma;
      const D = rem - half;
      const v = Math.exp(-0.5 * ((2 * D) / (binw[k] as number)) ** 2);
      wts[c * nFft + k] = v;
      norm += v * v;
    }
    norm = Math.sqrt(norm);
    const oct =
      octwidth === null ? 1 : Math.exp(-0.5 * (((frq[k] as number) / nChroma - ctroct) / octwidth) ** 2);
    for (let c = 0; c < nChroma; c++) {
      wts[c * nFft + k] =
        (norm > 0 ? (wts[c * nFft + k] as number) / norm : (wts[c * nFft + k] as number)) * oct;
    }
  }
  const nBins = Math.floor(nFft / 2) + 1;
  const shift = baseC ? 3 * Math.floor(nChroma / 12) : 0;
  const out = Matrix.zeros(nChroma, nBins, 'float64');
  for (let c = 0; c < nChroma; c++) {
    const src = (c + shift) % nChroma; // np.roll(wts, −shift, axis=0)
    for (let k = 0; k < nBins; k++) out.data[c * nBins + k] = wts[src * nFft + k] as number;
  }
  return out;
}

export interface ChromaOptions extends StftOptions, ChromaFilterOptions {}

/** Chromagram of mono samples: nChroma × nFrames, each frame max-normalised (defaults nFft 2048, hop 512). */
export function chroma(
  x: Float32Array | Float64Array,
  sr: number,
  opts: ChromaOptions = {},
): Matrix<Float32Array> {
  const o = resolveStft({ nFft: 2048, hop: 512, ...opts });
  const fb = chromaFilterbank(sr, o.nFft, opts);
  const nC = fb.rows;
  const nB = fb.cols;
  const T = frameCount(x.length, o);
  const out = Matrix.zeros(nC, T, 'float32');
  const col = new Float64Array(nC);
  forEachPowerFrame(x, o, (t, pw) => {
    let max = 0;
    for (let c = 0; c < nC; c++) {
      let acc = 0;
      const row = c * nB;
      for (let k = 0; k < nB; k++) acc += (fb.data[row + k] as number) * (pw[k] as number);
      col[c] = acc;
      max = Math.max(max, Math.abs(acc));
    }
    // librosa.util.normalize: columns below the smallest normal float stay as they are.
    const s = max < 2.2250738585072014e-308 ? 1 : 1 / max;
    for (let c = 0; c < nC; c++) out.data[c * T + t] = (col[c] as number) * s;
  });
  return out;
}
