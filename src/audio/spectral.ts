/**
 * Spectral shape per frame, with librosa's definitions on the magnitude
 * spectrogram |X| (nFft 2048, hop 512 by default):
 * - centroid  Σ f·|X| / Σ|X|                       (`spectral_centroid`)
 * - bandwidth (Σ |X|/Σ|X| · (f − centroid)²)^½     (`spectral_bandwidth`, p = 2)
 * - rolloff   lowest bin frequency where the cumulative |X| reaches 85 %
 *                                                   (`spectral_rolloff`)
 * - flatness  geometric / arithmetic mean of max(1e-10, |X|²)
 *                                                   (`spectral_flatness`)
 * - contrast  per octave band (edges 0, 200, 400, … Hz): dB(mean of the top 2 %)
 *             − dB(mean of the bottom 2 %), power_to_db on magnitudes with
 *             top_db 80 over the whole signal (`spectral_contrast`, its quirks kept)
 * Silent frames give centroid, bandwidth and rolloff 0 and flatness 1.
 */
import { Matrix } from '../linalg/matrix.js';
import { UserError } from '../util/errors.js';
import { powerToDb } from './db.js';
import { fftFrequencies, forEachPowerFrame, frameCount, resolveStft, type StftOptions } from './stft.js';

export interface SpectralOptions extends StftOptions {
  /** Rolloff fraction (default 0.85). */
  rollPercent?: number;
  /** Contrast: number of octave bands above the first (default 6: 7 rows). */
  nBands?: number;
  /** Contrast: upper edge of the first band in Hz (default 200). */
  contrastFmin?: number;
  /** Contrast: fraction of bins averaged for peak and valley (default 0.02). */
  quantile?: number;
}

export interface SpectralFeatures {
  /** Each: n_frames. Hz, except flatness (0..1). */
  centroid: Float32Array;
  bandwidth: Float32Array;
  rolloff: Float32Array;
  flatness: Float32Array;
  /** (nBands + 1) × n_frames, dB. */
  contrast: Matrix<Float32Array>;
}

interface Band {
  lo: number;
  hi: number; // exclusive
  idx: number;
}

/** The bin ranges `librosa.feature.spectral_contrast` uses (its edge rules included). */
function contrastBands(
  freq: Float64Array,
  sr: number,
  nBands: number,
  fmin: number,
  quantile: number,
): Band[] {
  const octa = [0, ...Array.from({ length: nBands + 1 }, (_, i) => fmin * 2 ** i)];
  if (octa.slice(0, -1).some((f) => f >= sr / 2)) {
    throw new UserError(
      `spectral contrast bands reach ${fmin * 2 ** (nBands - 1)} Hz, above the Nyquist ${sr / 2} Hz`,
      {
        field: 'nBands',
        hint: 'use fewer bands, a lower contrastFmin, or a higher sample rate',
      },
    );
  }
  const bands: Band[] = [];
  const n = freq.length;
  for (let k = 0; k < nBands + 1; k++) {
    const fLo = octa[k] as number;
    const fHi = octa[k + 1] as number;
    let first = -1;
    let last = -1;
    for (let i = 0; i < n; i++) {
      if ((freq[i] as number) >= fLo && (freq[i] as number) <= fHi) {
        if (first < 0) first = i;
        last = i;
      }
    }
    if (first < 0) {
      throw new UserError(`spectral contrast band ${k} (${fLo}–${fHi} Hz) holds no FFT bin`, {
        field: 'nFft',
        hint: 'use a larger nFft',
      });
    }
    let lo = k > 0 ? first - 1 : first;
    let hiIncl = k === nBands ? n - 1 : last;
    const count = hiIncl - lo + 1;
    if (k < nBands) hiIncl -= 1; // librosa drops the band's last bin
    lo = Math.max(0, lo);
    // np.rint rounds half to even.
    bands.push({ lo, hi: hiIncl + 1, idx: Math.max(1, roundHalfEven(quantile * count)) });
  }
  return bands;
}

function roundHalfEven(v: number): number {
  const f = Math.floor(v);
  const d = v - f;
  if (d > 0.5) return f + 1;
  if (d < 0.5) return f;
  return f % 2 === 0 ? f : f + 1;
}

/** All spectral shape features of mono samples at rate sr. */
export function spectralFeatures(
  x: Float32Array | Float64Array,
  sr: number,
  opts: SpectralOptions = {},
): SpectralFeatures {
  const o = resolveStft({ nFft: 2048, hop: 512, ...opts });
  const analyser = spectralAnalyser(sr, frameCount(x.length, o), { ...opts, nFft: o.nFft });
  forEachPowerFrame(x, o, analyser.visit);
  return analyser.finish();
}

/** Per-frame accumulation of {@link spectralFeatures}, for callers that share one STFT pass. */
export interface SpectralAnalyser {
  /** Takes frame t's power spectrum |X_t(k)|², k = 0..⌊nFft/2⌋. */
  visit: (t: number, power: Float64Array) => void;
  /** The features, once every frame 0..nFrames−1 was visited. */
  finish: () => SpectralFeatures;
}

/**
 * The analyser behind {@link spectralFeatures} for `nFrames` frames of an STFT with
 * `opts.nFft` (default 2048) at rate `sr`; feed it with `forEachPowerFrame`.
 */
export function spectralAnalyser(sr: number, nFrames: number, opts: SpectralOptions = {}): SpectralAnalyser {
  const nFft = opts.nFft ?? 2048;
  const roll = opts.rollPercent ?? 0.85;
  if (!(roll > 0 && roll < 1))
    throw new UserError(`rollPercent must be in (0, 1), got ${roll}`, { field: 'rollPercent' });
  const nBands = opts.nBands ?? 6;
  const quantile = opts.quantile ?? 0.02;
  if (!(quantile > 0 && quantile < 1))
    throw new UserError(`quantile must be in (0, 1), got ${quantile}`, { field: 'quantile' });
  const freq = fftFrequencies(sr, nFft);
  const bands = contrastBands(freq, sr, nBands, opts.contrastFmin ?? 200, quantile);
  const T = nFrames;
  const nB = freq.length;
  const centroid = new Float32Array(T);
  const bandwidth = new Float32Array(T);
  const rolloff = new Float32Array(T);
  const flatness = new Float32Array(T);
  const peak = new Float64Array((nBands + 1) * T);
  const valley = new Float64Array((nBands + 1) * T);
  const mag = new Float64Array(nB);
  const scratch = new Float64Array(nB);
  const maxIdx = Math.max(...bands.map((b) => b.idx));
  const smallest = new Float64Array(maxIdx);
  const largest = new Float64Array(maxIdx);
  const visit = (t: number, pw: Float64Array): void => {
    let sum = 0;
    let fsum = 0;
    let logSum = 0;
    let pSum = 0;
    for (let k = 0; k < nB; k++) {
      const m = Math.sqrt(pw[k] as number);
      mag[k] = m;
      sum += m;
      fsum += m * (freq[k] as number);
      const p = Math.max(1e-10, pw[k] as number);
      logSum += Math.log(p);
      pSum += p;
    }
    const tiny = sum < 2.2250738585072014e-308;
    const c = tiny ? 0 : fsum / sum;
    centroid[t] = c;
    let bw = 0;
    if (!tiny) for (let k = 0; k < nB; k++) bw += ((mag[k] as number) / sum) * ((freq[k] as number) - c) ** 2;
    bandwidth[t] = Math.sqrt(bw);
    const thr = roll * sum;
    let cum = 0;
    let r = 0;
    for (let k = 0; k < nB; k++) {
      cum += mag[k] as number;
      if (cum >= thr) {
        r = freq[k] as number;
        break;
      }
    }
    rolloff[t] = r;
    flatness[t] = Math.exp(logSum / nB) / (pSum / nB);
    for (let k = 0; k < bands.length; k++) {
      const b = bands[k] as Band;
      const [lo, hi] = extremeSums(mag, b.lo, b.hi, b.idx, scratch, smallest, largest);
      valley[k * T + t] = lo / b.idx;
      peak[k * T + t] = hi / b.idx;
    }
  };
  const finish = (): SpectralFeatures => {
    const pDb = powerToDb(peak);
    const vDb = powerToDb(valley);
    const contrast = Matrix.zeros(nBands + 1, T, 'float32');
    for (let i = 0; i < contrast.data.length; i++) contrast.data[i] = (pDb[i] as number) - (vDb[i] as number);
    return { centroid, bandwidth, rolloff, flatness, contrast };
  };
  return { visit, finish };
}

/**
 * [Σ of the k smallest of x[lo..hi) in ascending order, Σ of the k largest in
 * descending order]: the sums a full sort gives, summed in the same order, so the
 * result is bit-identical to sorting. Why not sort: a contrast band holds up to
 * ~430 bins and k is ~2 % of them, so keeping two k-long sorted buffers in one pass
 * costs a fraction of sorting every band of every frame (the `dsp` embedder's
 * largest cost before).
 */
export function extremeSums(
  x: Float64Array,
  lo: number,
  hi: number,
  k: number,
  scratch: Float64Array,
  smallest: Float64Array,
  largest: Float64Array,
): [number, number] {
  const len = hi - lo;
  if (2 * k > len) {
    // The two selections overlap: sort (only reachable with large quantiles).
    for (let i = 0; i < len; i++) scratch[i] = x[lo + i] as number;
    const view = scratch.subarray(0, len).sort();
    let a = 0;
    let b = 0;
    for (let i = 0; i < k; i++) {
      a += view[i] as number;
      b += view[len - 1 - i] as number;
    }
    return [a, b];
  }
  // smallest: ascending, the k smallest seen; largest: descending, the k largest seen.
  let ns = 0;
  let nl = 0;
  for (let i = lo; i < hi; i++) {
    const v = x[i] as number;
    if (ns < k || v < (smallest[k - 1] as number)) {
      let j = ns < k ? ns++ : k - 1;
      while (j > 0 && (smallest[j - 1] as number) > v) {
        smallest[j] = smallest[j - 1] as number;
        j--;
      }
      smallest[j] = v;
    }
    if (nl < k || v > (largest[k - 1] as number)) {
      let j = nl < k ? nl++ : k - 1;
      while (j > 0 && (largest[j - 1] as number) < v) {
        largest[j] = largest[j - 1] as number;
        j--;
      }
      largest[j] = v;
    }
  }
  let a = 0;
  let b = 0;
  for (let i = 0; i < k; i++) {
    a += smallest[i] as number;
    b += largest[i] as number;
  }
  return [a, b];
}
