/**
 * Mel spectrogram exactly as librosa defines it (`librosa.feature.melspectrogram`
 * with `librosa.filters.mel` defaults): power spectrogram from `stft.ts`
 * (centred, periodic Hann, |X|^power with power 2), projected on triangular
 * filters equally spaced on the Slaney mel scale (linear below 1 kHz,
 * logarithmic above), each filter scaled by 2/(f_right − f_left) (Slaney "area"
 * normalisation), fmin 0 and fmax sr/2 by default. The HTK mel scale and
 * unnormalised filters are options. Computed in float64, returned as float32.
 */
import { Matrix } from '../linalg/matrix.js';
import { UserError } from '../util/errors.js';
import { resample } from './resample.js';
import { fftFrequencies, forEachPowerFrame, frameCount, resolveStft, type StftOptions } from './stft.js';

const F_SP = 200 / 3;
const MIN_LOG_HZ = 1000;
const MIN_LOG_MEL = MIN_LOG_HZ / F_SP;
const LOGSTEP = Math.log(6.4) / 27;

/** Hz → mel (`librosa.hz_to_mel`): Slaney by default, HTK 2595·log10(1 + f/700) on request. */
export function hzToMel(f: number, htk = false): number {
  if (htk) return 2595 * Math.log10(1 + f / 700);
  return f >= MIN_LOG_HZ ? MIN_LOG_MEL + Math.log(f / MIN_LOG_HZ) / LOGSTEP : f / F_SP;
}

/** mel → Hz (`librosa.mel_to_hz`). */
export function melToHz(m: number, htk = false): number {
  if (htk) return 700 * (10 ** (m / 2595) - 1);
  return m >= MIN_LOG_MEL ? MIN_LOG_HZ * Math.exp(LOGSTEP * (m - MIN_LOG_MEL)) : F_SP * m;
}

/** n frequencies equally spaced in mel between fmin and fmax (`librosa.mel_frequencies`). */
export function melFrequencies(n: number, fmin: number, fmax: number, htk = false): Float64Array {
  const a = hzToMel(fmin, htk);
  const b = hzToMel(fmax, htk);
  return Float64Array.from({ length: n }, (_, i) => melToHz(n === 1 ? a : a + ((b - a) * i) / (n - 1), htk));
}

export interface MelFilterOptions {
  /** Number of mel bands (default 128). */
  nMels?: number;
  /** Lowest edge in Hz (default 0). */
  fmin?: number;
  /** Highest edge in Hz (default sr/2). */
  fmax?: number;
  /** HTK mel formula instead of Slaney's (default false). */
  htk?: boolean;
  /** 'slaney': each filter scaled to unit area per Hz (default); null: peak 1. */
  norm?: 'slaney' | null;
}

/** A sparse mel filterbank: filter m has weights[m] on FFT bins start[m] … start[m] + len − 1. */
export interface MelFilterbank {
  nMels: number;
  nBins: number;
  start: Int32Array;
  weights: Float64Array[];
  /** Filters whose weights are all zero (too many mels for this nFft; librosa warns too). */
  emptyFilters: number;
}

/** `librosa.filters.mel(sr=sr, n_fft=nFft, ...)` in sparse form. */
export function melFilterbank(sr: number, nFft: number, opts: MelFilterOptions = {}): MelFilterbank {
  const nMels = opts.nMels ?? 128;
  const fmin = opts.fmin ?? 0;
  const fmax = opts.fmax ?? sr / 2;
  const htk = opts.htk ?? false;
  const norm = opts.norm === undefined ? 'slaney' : opts.norm;
  if (!Number.isInteger(nMels) || nMels < 1 || nMels > 4096) {
    throw new UserError(`nMels must be an integer in 1–4096, got ${nMels}`, { field: 'nMels' });
  }
  if (!(fmin >= 0) || !(fmax > fmin)) {
    throw new UserError(`need 0 ≤ fmin < fmax, got fmin ${fmin} Hz and fmax ${fmax} Hz`, {
      field: 'fmin/fmax',
      hint: 'e.g. fmin 0 and fmax sr/2',
    });
  }
  if (fmax > sr / 2 + 1e-9) {
    throw new UserError(`fmax ${fmax} Hz is above the Nyquist frequency ${sr / 2} Hz of ${sr} Hz audio`, {
      field: 'fmax',
      hint: `use fmax ≤ ${sr / 2} or a higher sample rate`,
    });
  }
  const freqs = fftFrequencies(sr, nFft);
  const nBins = freqs.length;
  const melF = melFrequencies(nMels + 2, fmin, fmax, htk);
  const start = new Int32Array(nMels);
  const weights: Float64Array[] = [];
  let emptyFilters = 0;
  for (let m = 0; m < nMels; m++) {
    const lo = melF[m] as number;
    const mid = melF[m + 1] as number;
    const hi = melF[m + 2] as number;
    const scale = norm === 'slaney' ? 2 / (hi - lo) : 1;
    // Same arithmetic as librosa: min(−ramp_lo/fdiff_lo, ramp_hi/fdiff_hi), clipped at 0.
    const dLo = mid - lo;
    const dHi = hi - mid;
    const w = new Float64Array(nBins);
    let first = -1;
    let last = -1;
    for (let k = 0; k < nBins; k++) {
      const f = freqs[k] as number;
      const lower = -(lo - f) / dLo;
      const upper = (hi - f) / dHi;
      const v = Math.max(0, Math.min(lower, upper));
      if (v > 0) {
        if (first < 0) first = k;
        last = k;
        w[k] = v * scale;
      }
    }
    if (first < 0) {
      emptyFilters++;
      start[m] = 0;
      weights.push(new Float64Array(0));
    } else {
      start[m] = first;
      weights.push(w.slice(first, last + 1));
    }
  }
  return { nMels, nBins, start, weights, emptyFilters };
}

/** The filterbank as a dense nMels × nBins float64 matrix (librosa's layout). */
export function melFilterbankDense(fb: MelFilterbank): Matrix<Float64Array> {
  const out = Matrix.zeros(fb.nMels, fb.nBins, 'float64');
  for (let m = 0; m < fb.nMels; m++)
    out.data.set(fb.weights[m] as Float64Array, m * fb.nBins + (fb.start[m] as number));
  return out;
}

export interface MelOptions extends StftOptions, MelFilterOptions {
  /** Exponent of the magnitude: 2 power (default), 1 magnitude. */
  power?: number;
}

/**
 * Mel spectrogram of mono samples x at rate sr: nMels × nFrames, float32.
 * Defaults: nFft 2048, hop 512, nMels 128, fmin 0, fmax sr/2, power 2, Slaney
 * mel + Slaney norm, centred frames with reflect padding.
 */
export function melSpectrogram(
  x: Float32Array | Float64Array,
  sr: number,
  opts: MelOptions = {},
): Matrix<Float32Array> {
  const o = resolveStft({ nFft: 2048, hop: 512, ...opts });
  const p = opts.power ?? 2;
  if (!(p > 0) || !Number.isFinite(p)) throw new UserError(`power must be > 0, got ${p}`, { field: 'power' });
  const fb = melFilterbank(sr, o.nFft, opts);
  const nFrames = frameCount(x.length, o);
  const out = Matrix.zeros(fb.nMels, nFrames, 'float32');
  const spec = new Float64Array(fb.nBins);
  forEachPowerFrame(x, o, (t, pw) => {
    let s: Float64Array = pw;
    if (p !== 2) {
      for (let k = 0; k < fb.nBins; k++)
        spec[k] = p === 1 ? Math.sqrt(pw[k] as number) : (pw[k] as number) ** (p / 2);
      s = spec;
    }
    for (let m = 0; m < fb.nMels; m++) {
      const w = fb.weights[m] as Float64Array;
      const k0 = fb.start[m] as number;
      let acc = 0;
      for (let i = 0; i < w.length; i++) acc += (w[i] as number) * (s[k0 + i] as number);
      out.data[m * nFrames + t] = acc;
    }
  });
  return out;
}

/**
 * Mel spectrogram of audio at any rate: resamples to `targetRate` first when the
 * rates differ (the band-limited resampler in `resample.ts`, same filter as
 * scipy's resample_poly), then calls `melSpectrogram` at `targetRate`.
 */
export function melSpectrogramAt(
  x: Float32Array,
  rate: number,
  targetRate: number,
  opts: MelOptions = {},
): Matrix<Float32Array> {
  const y = rate === targetRate ? x : resample(x, rate, targetRate);
  return melSpectrogram(y, targetRate, opts);
}
