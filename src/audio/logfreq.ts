/**
 * Log-frequency (semitone-spaced) power spectrogram from the STFT: the
 * frequency axis the modulation analysis needs, on which a spectral "scale" is
 * a number of cycles per octave (as in Chi, Ru & Shamma 2005's auditory
 * spectrogram, approximated with FFT bins).
 *
 * Band k is centred at fmin · 2^(k/binsPerOctave); its weights are a triangle
 * over Hz with half-width max(c_k·(2^(1/B) − 1), sr/nFft) — never narrower than
 * one FFT bin, so low bands stay defined where bins are sparser than semitones —
 * normalised to unit sum (a band value is a weighted mean of bin powers).
 * Defaults: B = 12, fmin 110 Hz (A2), 6 octaves (to 7,040 Hz, fewer when the
 * Nyquist frequency is lower), nFft 4096 (5.4 Hz bins at 22,050 Hz), hop 512.
 */
import { Matrix } from '../linalg/matrix.js';
import { UserError } from '../util/errors.js';
import { fftFrequencies, forEachPowerFrame, frameCount, resolveStft, type StftOptions } from './stft.js';

export interface LogFreqOptions extends StftOptions {
  binsPerOctave?: number;
  fmin?: number;
  /** Octaves above fmin (default 6, capped below the Nyquist frequency). */
  octaves?: number;
}

export interface LogFreqSpectrogram {
  /** nBands × nFrames power, float32. */
  power: Matrix<Float32Array>;
  centres: Float64Array;
  binsPerOctave: number;
  /** Frames per second (sr / hop). */
  frameRate: number;
}

export function logFrequencyFilterbank(sr: number, nFft: number, opts: LogFreqOptions = {}) {
  const B = opts.binsPerOctave ?? 12;
  const fmin = opts.fmin ?? 110;
  if (!Number.isInteger(B) || B < 1)
    throw new UserError(`binsPerOctave must be a positive integer, got ${B}`, { field: 'binsPerOctave' });
  if (!(fmin > 0) || fmin >= sr / 4) {
    throw new UserError(`fmin must be in (0, sr/4) = (0, ${sr / 4}) Hz, got ${fmin}`, { field: 'fmin' });
  }
  const step = 2 ** (1 / B);
  // The top band's upper half must stay below Nyquist.
  const maxBands = Math.floor(B * Math.log2(sr / 2 / fmin / step)) + 1;
  const nBands = Math.min(Math.round((opts.octaves ?? 6) * B), maxBands);
  const freqs = fftFrequencies(sr, nFft);
  const df = sr / nFft;
  const centres = Float64Array.from({ length: nBands }, (_, k) => fmin * step ** k);
  const start = new Int32Array(nBands);
  const weights: Float64Array[] = [];
  for (let k = 0; k < nBands; k++) {
    const c = centres[k] as number;
    const hw = Math.max(c * (step - 1), df);
    const lo = Math.max(0, Math.ceil((c - hw) / df));
    const hi = Math.min(freqs.length - 1, Math.floor((c + hw) / df));
    const w = new Float64Array(Math.max(0, hi - lo + 1));
    let sum = 0;
    for (let i = lo; i <= hi; i++) {
      const v = Math.max(0, 1 - Math.abs((freqs[i] as number) - c) / hw);
      w[i - lo] = v;
      sum += v;
    }
    for (let i = 0; i < w.length; i++) w[i] = (w[i] as number) / (sum || 1);
    start[k] = lo;
    weights.push(w);
  }
  return { centres, start, weights, binsPerOctave: B };
}

/** Log-frequency power spectrogram of mono samples at sr. */
export function logFrequencySpectrogram(
  x: Float32Array | Float64Array,
  sr: number,
  opts: LogFreqOptions = {},
): LogFreqSpectrogram {
  const o = resolveStft({ nFft: 4096, hop: 512, ...opts });
  const fb = logFrequencyFilterbank(sr, o.nFft, opts);
  const nB = fb.centres.length;
  const T = frameCount(x.length, o);
  const power = Matrix.zeros(nB, T, 'float32');
  forEachPowerFrame(x, o, (t, pw) => {
    for (let k = 0; k < nB; k++) {
      const w = fb.weights[k] as Float64Array;
      const k0 = fb.start[k] as number;
      let acc = 0;
      for (let i = 0; i < w.length; i++) acc += (w[i] as number) * (pw[k0 + i] as number);
      power.data[k * T + t] = acc;
    }
  });
  return { power, centres: fb.centres, binsPerOctave: fb.binsPerOctave, frameRate: sr / o.hop };
}
