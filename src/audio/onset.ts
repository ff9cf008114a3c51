/**
 * Onset strength and tempo.
 *
 * `onsetStrength` is `librosa.onset.onset_strength` with its defaults: the dB
 * mel spectrogram (128 mels, top_db 80), positive first difference over time
 * (lag 1), mean over mel bands, shifted right by lag + nFft/(2·hop) frames
 * (zeros in front) to undo the framing delay, trimmed to n_frames.
 *
 * `estimateTempo` follows `librosa.feature.tempo`'s idea: the autocorrelation
 * tempogram (windows of 384 frames ≈ 8.9 s at 22,050/512, Hann-weighted, each
 * normalised by its lag-0 value), averaged over windows, weighted by a
 * log-normal prior on BPM (centre 120, σ = 1 octave), best lag in 30–320 BPM,
 * refined by parabolic interpolation (librosa returns the integer lag).
 */
import { UserError } from '../util/errors.js';
import { powerToDb } from './db.js';
import { type MelOptions, melSpectrogram } from './mel.js';

export interface OnsetOptions extends MelOptions {
  /** Frames between compared spectra (default 1). */
  lag?: number;
}

/** Onset strength envelope: n_frames (frame rate sr/hop). */
export function onsetStrength(
  x: Float32Array | Float64Array,
  sr: number,
  opts: OnsetOptions = {},
): Float32Array {
  const nFft = opts.nFft ?? 2048;
  const hop = opts.hop ?? 512;
  const lag = opts.lag ?? 1;
  if (!Number.isInteger(lag) || lag < 1)
    throw new UserError(`lag must be a positive integer, got ${lag}`, { field: 'lag' });
  const mel = melSpectrogram(x, sr, { ...opts, nFft, hop });
  const S = powerToDb(mel.data);
  const { rows: M, cols: T } = mel;
  const env = new Float32Array(T);
  const shift = lag + Math.floor(nFft / (2 * hop));
  for (let t = lag; t < T; t++) {
    const dst = t - lag + shift;
    if (dst >= T) break;
    let acc = 0;
    for (let m = 0; m < M; m++) acc += Math.max(0, (S[m * T + t] as number) - (S[m * T + t - lag] as number));
    env[dst] = acc / M;
  }
  return env;
}

export interface TempoOptions {
  /** Centre of the prior in BPM (default 120). */
  startBpm?: number;
  /** Width of the prior in octaves (default 1). */
  stdBpm?: number;
  /** Autocorrelation window in frames (default 384). */
  winLength?: number;
  minBpm?: number;
  maxBpm?: number;
}

export interface TempoEstimate {
  /** Beats per minute (interpolated between lags). */
  bpm: number;
  /** The prior-weighted autocorrelation at that lag (0..1, higher = clearer pulse). */
  strength: number;
}

/** Global tempo from an onset envelope sampled at `frameRate` frames per second. */
export function estimateTempo(env: Float32Array, frameRate: number, opts: TempoOptions = {}): TempoEstimate {
  const startBpm = opts.startBpm ?? 120;
  const stdBpm = opts.stdBpm ?? 1;
  const minBpm = opts.minBpm ?? 30;
  const maxBpm = opts.maxBpm ?? 320;
  const T = env.length;
  const win = Math.min(opts.winLength ?? 384, T);
  const maxLag = Math.min(win - 1, Math.ceil((60 * frameRate) / minBpm));
  const minLag = Math.max(1, Math.floor((60 * frameRate) / maxBpm));
  if (maxLag <= minLag + 1) {
    throw new UserError(
      `input too short for a tempo estimate (${T} onset frames, ${(T / frameRate).toFixed(2)} s)`,
      {
        hint: `give at least ${Math.ceil((120 / minBpm) * frameRate)} frames (two beats at ${minBpm} BPM)`,
      },
    );
  }
  const ac = new Float64Array(maxLag + 1);
  const step = Math.max(1, Math.floor(win / 8));
  const w = Float64Array.from({ length: win }, (_, i) => 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / win));
  const seg = new Float64Array(win);
  let count = 0;
  for (let s = 0; s + win <= T; s += step) {
    for (let i = 0; i < win; i++) seg[i] = (env[s + i] as number) * (w[i] as number);
    let zero = 0;
    for (let i = 0; i < win; i++) zero += (seg[i] as number) ** 2;
    if (zero <= 0) continue;
    for (let l = 0; l <= maxLag; l++) {
      let acc = 0;
      for (let i = 0; i + l < win; i++) acc += (seg[i] as number) * (seg[i + l] as number);
      ac[l] = (ac[l] as number) + acc / zero;
    }
    count++;
  }
  if (count === 0) return { bpm: 0, strength: 0 }; // silence: no pulse (documented rule)
  const score = new Float64Array(maxLag + 1);
  for (let l = minLag; l <= maxLag; l++) {
    const bpm = (60 * frameRate) / l;
    const prior = Math.exp(-0.5 * ((Math.log2(bpm) - Math.log2(startBpm)) / stdBpm) ** 2);
    score[l] = ((ac[l] as number) / count) * prior;
  }
  let best = minLag;
  for (let l = minLag; l <= maxLag; l++) if ((score[l] as number) > (score[best] as number)) best = l;
  let lag = best;
  if (best > minLag && best < maxLag) {
    const a = score[best - 1] as number;
    const b = score[best] as number;
    const c = score[best + 1] as number;
    const den = a - 2 * b + c;
    if (den < 0) lag = best + (0.5 * (a - c)) / den;
  }
  return { bpm: (60 * frameRate) / lag, strength: score[best] as number };
}
