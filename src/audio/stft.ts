/**
 * Short-time Fourier transform with librosa's conventions (`librosa.stft`):
 * frame t covers samples [t·hop − nFft/2, t·hop + nFft/2) of the signal when
 * `center` is on (the signal is padded by nFft/2 on both sides), the window is a
 * periodic Hann of `winLength` samples zero-padded to nFft in the middle, and
 * n_frames = 1 + ⌊(n + 2·⌊nFft/2⌋ − nFft)/hop⌋ (= 1 + ⌊n/hop⌋ for even nFft).
 *
 * Padding: `reflect` (numpy's `np.pad(mode='reflect')`, the mirror without the
 * edge sample, repeated for inputs shorter than the pad; a 1-sample input is
 * repeated) is our default, as librosa < 0.10 did; librosa ≥ 0.10 defaults to
 * `constant` (zeros), available as an option.
 *
 * Short inputs: with `center`, any input of ≥ 1 sample gives ≥ 1 frame; without
 * `center` the input must hold at least nFft samples (clear error otherwise).
 * Frames are computed one at a time, so memory is the output only.
 */
import { Matrix } from '../linalg/matrix.js';
import { UserError } from '../util/errors.js';
import type { ProgressSink } from '../util/progress.js';
import { RealFFT } from './fft.js';

export type PadMode = 'reflect' | 'constant';
export type WindowName = 'hann' | 'hamming' | 'rectangular';

export interface StftOptions {
  /** FFT size in samples (default 2048). Any length; powers of two are fastest. */
  nFft?: number;
  /** Hop between frames in samples (default ⌊winLength/4⌋). */
  hop?: number;
  /** Window length ≤ nFft (default nFft). */
  winLength?: number;
  /** Window shape, periodic (default 'hann'). */
  window?: WindowName;
  /** Centre frames on t·hop by padding nFft/2 on both sides (default true). */
  center?: boolean;
  /** Padding used when centring (default 'reflect'). */
  padMode?: PadMode;
  /** Reports frames done (for long inputs; the default reports nothing). */
  progress?: ProgressSink;
}

export interface ResolvedStft {
  nFft: number;
  hop: number;
  winLength: number;
  window: WindowName;
  center: boolean;
  padMode: PadMode;
  progress?: ProgressSink;
}

export function resolveStft(opts: StftOptions = {}): ResolvedStft {
  const nFft = opts.nFft ?? 2048;
  if (!Number.isInteger(nFft) || nFft < 2 || nFft > 2 ** 20) {
    throw new UserError(`nFft must be an integer in 2–${2 ** 20}, got ${nFft}`, { field: 'nFft' });
  }
  const winLength = opts.winLength ?? nFft;
  if (!Number.isInteger(winLength) || winLength < 1 || winLength > nFft) {
    throw new UserError(`winLength must be an integer in 1–nFft (${nFft}), got ${winLength}`, {
      field: 'winLength',
    });
  }
  const hop = opts.hop ?? Math.max(1, Math.floor(winLength / 4));
  if (!Number.isInteger(hop) || hop < 1) {
    throw new UserError(`hop must be a positive integer, got ${hop}`, { field: 'hop' });
  }
  const window = opts.window ?? 'hann';
  if (!(window in WINDOWS)) {
    throw new UserError(`unknown window '${window}'`, {
      field: 'window',
      hint: `use one of ${Object.keys(WINDOWS).join(', ')}`,
    });
  }
  const padMode = opts.padMode ?? 'reflect';
  if (padMode !== 'reflect' && padMode !== 'constant') {
    throw new UserError(`unknown padMode '${padMode}'`, {
      field: 'padMode',
      hint: "use 'reflect' or 'constant'",
    });
  }
  return { nFft, hop, winLength, window, center: opts.center ?? true, padMode, progress: opts.progress };
}

/** Periodic windows (`scipy.signal.get_window(name, n, fftbins=True)`). */
export const WINDOWS: Record<WindowName, (n: number) => Float64Array> = {
  hann: (n) => Float64Array.from({ length: n }, (_, i) => 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / n)),
  hamming: (n) => Float64Array.from({ length: n }, (_, i) => 0.54 - 0.46 * Math.cos((2 * Math.PI * i) / n)),
  rectangular: (n) => new Float64Array(n).fill(1),
};

/** The analysis window of length nFft (winLength-window centred, zeros around). */
export function stftWindow(o: ResolvedStft): Float64Array {
  const w = WINDOWS[o.window](o.winLength);
  if (o.winLength === o.nFft) return w;
  const out = new Float64Array(o.nFft);
  out.set(w, Math.floor((o.nFft - o.winLength) / 2));
  return out;
}

/** Number of frames for an input of n samples. */
export function frameCount(n: number, o: ResolvedStft): number {
  if (o.center) return 1 + Math.floor((n + 2 * Math.floor(o.nFft / 2) - o.nFft) / o.hop);
  if (n < o.nFft) {
    throw new UserError(`input has ${n} samples, fewer than nFft = ${o.nFft}`, {
      field: 'nFft',
      hint: 'use center=true (the default), a smaller nFft, or a longer input',
    });
  }
  return 1 + Math.floor((n - o.nFft) / o.hop);
}

/** Index into x for position j of the reflect-padded signal (numpy 'reflect'). */
function reflectIndex(j: number, n: number): number {
  if (n === 1) return 0;
  const period = 2 * (n - 1);
  let m = j % period;
  if (m < 0) m += period;
  return m < n ? m : period - m;
}

/**
 * Calls `visit(t, power)` for every frame t with the frame's power spectrum
 * |X_t(k)|², k = 0..⌊nFft/2⌋ (float64, reused between calls: copy what you keep).
 */
export function forEachPowerFrame(
  x: Float32Array | Float64Array,
  opts: StftOptions | ResolvedStft,
  visit: (t: number, power: Float64Array) => void,
): number {
  const o = resolveStft(opts); // idempotent: resolved options pass through unchanged
  const n = x.length;
  if (n === 0)
    throw new UserError('cannot analyse an empty signal (0 samples)', { hint: 'pass a non-empty input' });
  const nFrames = frameCount(n, o);
  const win = stftWindow(o);
  const fft = new RealFFT(o.nFft);
  const frame = new Float64Array(o.nFft);
  const power = new Float64Array(fft.nBins);
  const pad = o.center ? Math.floor(o.nFft / 2) : 0;
  o.progress?.start('spectral frames', nFrames);
  for (let t = 0; t < nFrames; t++) {
    if (o.progress && t % 4096 === 0) o.progress.update(t);
    const s0 = t * o.hop - pad;
    if (s0 >= 0 && s0 + o.nFft <= n) {
      for (let i = 0; i < o.nFft; i++) frame[i] = (x[s0 + i] as number) * (win[i] as number);
    } else {
      for (let i = 0; i < o.nFft; i++) {
        const j = s0 + i;
        let v: number;
        if (j >= 0 && j < n) v = x[j] as number;
        else if (o.padMode === 'constant') v = 0;
        else v = x[reflectIndex(j, n)] as number;
        frame[i] = v * (win[i] as number);
      }
    }
    fft.power(frame, power);
    visit(t, power);
  }
  o.progress?.finish();
  return nFrames;
}

/**
 * |STFT|^power as an nBins × nFrames float32 matrix (power 1: magnitude, 2: power).
 * nBins = ⌊nFft/2⌋ + 1; bin k is at k·sr/nFft Hz.
 */
export function spectrogram(
  x: Float32Array | Float64Array,
  opts: StftOptions & { power?: number } = {},
): Matrix<Float32Array> {
  const o = resolveStft(opts);
  const p = opts.power ?? 2;
  if (!(p > 0) || !Number.isFinite(p)) throw new UserError(`power must be > 0, got ${p}`, { field: 'power' });
  const nBins = Math.floor(o.nFft / 2) + 1;
  const nFrames = frameCount(x.length || 1, o);
  const out = Matrix.zeros(nBins, nFrames, 'float32');
  forEachPowerFrame(x, o, (t, pw) => {
    for (let k = 0; k < nBins; k++) {
      const v = pw[k] as number;
      out.data[k * nFrames + t] = p === 2 ? v : p === 1 ? Math.sqrt(v) : v ** (p / 2);
    }
  });
  return out;
}

/** Centre frequencies of the STFT bins: k·sr/nFft, k = 0..⌊nFft/2⌋ (`librosa.fft_frequencies`). */
export function fftFrequencies(sr: number, nFft: number): Float64Array {
  return Float64Array.from({ length: Math.floor(nFft / 2) + 1 }, (_, k) => (k * sr) / nFft);
}
