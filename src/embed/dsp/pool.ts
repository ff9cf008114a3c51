/**
 * Window pooling of frame-level features into the `dsp` embedding. Each block
 * turns the frames [f0, f1) of one window into a fixed number of numbers.
 */
import { RealFFT } from '../../audio/fft.js';
import type { Matrix } from '../../linalg/matrix.js';
import type { EmbeddingBlock } from '../types.js';
import { type ClipFrames, DSP_SAMPLE_RATE, HOP, N_MELS, N_MFCC } from './frames.js';

/** Frames per second of the shared grid. */
export const FRAME_RATE = DSP_SAMPLE_RATE / HOP;

/** Temporal-modulation rate bands (Hz), octave-spaced up to the grid's Nyquist (21.5 Hz). */
export const RATE_BANDS: readonly [number, number][] = [
  [0.25, 0.5],
  [0.5, 1],
  [1, 2],
  [2, 4],
  [4, 8],
  [8, 16],
];
/** Spectral-modulation scale bands, cycles per 64 mel bands (≈ cycles per 8 octaves … per 1/3 octave). */
export const SCALE_BANDS: readonly [number, number][] = [
  [0.5, 2],
  [2, 4],
  [4, 8],
  [8, 16],
  [16, 32.5],
];
/** Mel bands are grouped 8 × 8 for the temporal modulation block. */
const N_GROUPS = 8;
/** Tempo bands of the onset autocorrelation (BPM), octave-spaced around 120. */
export const TEMPO_BANDS: readonly [number, number][] = [
  [30, 45],
  [45, 60],
  [60, 90],
  [90, 120],
  [120, 180],
  [180, 240],
  [240, 300],
];

export interface DspBlock extends EmbeddingBlock {
  /** Writes `size` numbers for frames [f0, f1) into out[start …]. */
  pool(fr: ClipFrames, f0: number, f1: number, out: Float32Array): void;
}

/** Mean then population std of each row over [f0, f1) → out[o … o+rows), out[o+rows … o+2·rows). */
function meanStd(m: Matrix<Float32Array>, f0: number, f1: number, out: Float32Array, o: number): void {
  const { rows, cols: T } = m;
  const n = f1 - f0;
  for (let r = 0; r < rows; r++) {
    let s = 0;
    for (let t = f0; t < f1; t++) s += m.data[r * T + t] as number;
    const mean = s / n;
    let v = 0;
    for (let t = f0; t < f1; t++) v += ((m.data[r * T + t] as number) - mean) ** 2;
    out[o + r] = mean;
    out[o + rows + r] = Math.sqrt(v / n);
  }
}

const ffts = new Map<number, RealFFT>();
function fftOf(n: number): RealFFT {
  let f = ffts.get(n);
  if (!f) ffts.set(n, (f = new RealFFT(n)));
  return f;
}

function nextPow2(n: number): number {
  let p = 4;
  while (p < n) p *= 2;
  return p;
}

/** Power spectrum of a Hann-windowed, mean-removed series, zero-padded to a power of two. */
function modPower(series: Float64Array): { power: Float64Array; n: number } {
  const n = nextPow2(series.length);
  let mean = 0;
  for (const v of series) mean += v;
  mean /= series.length;
  const buf = new Float64Array(n);
  const L = series.length;
  for (let i = 0; i < L; i++) {
    const w = L > 1 ? 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / (L - 1)) : 1;
    buf[i] = ((series[i] as number) - mean) * w;
  }
  const f = fftOf(n);
  const power = new Float64Array(f.nBins);
  f.power(buf, power);
  return { power, n };
}

/** log10(1e-6 + mean power of the bins whose frequency lies in [lo, hi)); bins spaced `df`. */
function bandLogPower(power: Float64Array, df: number, lo: number, hi: number, norm: number): number {
  let s = 0;
  let c = 0;
  for (let k = 1; k < power.length; k++) {
    const f = k * df;
    if (f >= lo && f < hi) {
      s += power[k] as number;
      c++;
    }
  }
  return Math.log10(1e-6 + (c > 0 ? s / c : 0) / norm);
}

const block = (b: DspBlock) => b;

export function dspBlocks(): DspBlock[] {
  const blocks: Omit<DspBlock, 'start'>[] = [
    block({
      name: 'logmel',
      start: 0,
      size: 2 * N_MELS,
      description: `mean and std over the window of ${N_MELS} log-mel bands (dB, 0–11 kHz)`,
      pool: (fr, f0, f1, out) => meanStd(fr.melDb, f0, f1, out, 0),
    }),
    block({
      name: 'mfcc',
      start: 0,
      size: 6 * N_MFCC,
      description: `mean then std of ${N_MFCC} MFCCs, their Δ and ΔΔ (timbre and its change)`,
      pool: (fr, f0, f1, out) => meanStd(fr.mfcc, f0, f1, out, 0),
    }),
    block({
      name: 'chroma',
      start: 0,
      size: 24,
      description: 'mean and std of the 12 pitch classes C…B (harmony, key)',
      pool: (fr, f0, f1, out) => meanStd(fr.chroma, f0, f1, out, 0),
    }),
    block({
      name: 'spectral',
      start: 0,
      size: 22,
      description:
        'mean and std of centroid, bandwidth, rolloff (kHz), flatness and 7 octave-band contrasts (dB): brightness, noisiness',
      pool: (fr, f0, f1, out) => meanStd(fr.spectral, f0, f1, out, 0),
    }),
    block({
      name: 'rhythm',
      start: 0,
      size: 4 + TEMPO_BANDS.length,
      description:
        'onset strength mean and std, tempo (BPM/100, autocorrelation peak 30–300 BPM), pulse clarity, and onset autocorrelation in 7 tempo bands',
      pool: poolRhythm,
    }),
    block({
      name: 'modulation',
      start: 0,
      size: N_GROUPS * RATE_BANDS.length + SCALE_BANDS.length * RATE_BANDS.length,
      description:
        'spectro-temporal modulation (MTF-like): log power of 6 temporal rates (0.25–16 Hz) in 8 mel regions, then the joint 5 spectral scales × 6 rates of the log-mel patch',
      pool: poolModulation,
    }),
  ];
  let start = 0;
  return blocks.map((b) => {
    const out = { ...b, start } as DspBlock;
    start += b.size;
    return out;
  });
}

function poolRhythm(fr: ClipFrames, f0: number, f1: number, out: Float32Array): void {
  const n = f1 - f0;
  const env = fr.onset.subarray(f0, f1);
  let mean = 0;
  for (const v of env) mean += v;
  mean /= n;
  let v2 = 0;
  for (const v of env) v2 += (v - mean) ** 2;
  out[0] = mean;
  out[1] = Math.sqrt(v2 / n);
  // Autocorrelation of the mean-removed envelope, normalised by lag 0.
  const maxLag = Math.min(n - 1, Math.ceil((60 / 30) * FRAME_RATE));
  const ac = new Float64Array(maxLag + 1);
  for (let lag = 0; lag <= maxLag; lag++) {
    let s = 0;
    for (let t = lag; t < n; t++) s += ((env[t] as number) - mean) * ((env[t - lag] as number) - mean);
    ac[lag] = s;
  }
  const a0 = ac[0] as number;
  let best = 0;
  let bestLag = 0;
  let bestScore = -Infinity;
  for (let lag = 1; lag <= maxLag; lag++) {
    const bpm = (60 * FRAME_RATE) / lag;
    if (bpm < 30 || bpm > 300) continue;
    const r = a0 > 0 ? (ac[lag] as number) / a0 : 0;
    // librosa's tempo prior: log-normal around 120 BPM, 1 octave std.
    const score = r * Math.exp(-0.5 * Math.log2(bpm / 120) ** 2);
    if (score > bestScore) {
      bestScore = score;
      bestLag = lag;
      best = r;
    }
  }
  out[2] = bestLag > 0 ? (60 * FRAME_RATE) / bestLag / 100 : 0;
  out[3] = best;
  TEMPO_BANDS.forEach(([lo, hi], k) => {
    let s = 0;
    let c = 0;
    for (let lag = 1; lag <= maxLag; lag++) {
      const bpm = (60 * FRAME_RATE) / lag;
      if (bpm >= lo && bpm < hi) {
        s += a0 > 0 ? (ac[lag] as number) / a0 : 0;
        c++;
      }
    }
    out[4 + k] = c > 0 ? s / c : 0;
  });
}

function poolModulation(fr: ClipFrames, f0: number, f1: number, out: Float32Array): void {
  const n = f1 - f0;
  const T = fr.nFrames;
  const mel = fr.melDb.data;
  const per = N_MELS / N_GROUPS;
  // dB series are divided by 10 (→ bels) so powers stay O(1); normalised by series length.
  const series = new Float64Array(n);
  let o = 0;
  for (let g = 0; g < N_GROUPS; g++) {
    for (let t = 0; t < n; t++) {
      let s = 0;
      for (let m = g * per; m < (g + 1) * per; m++) s += mel[m * T + f0 + t] as number;
      series[t] = s / per / 10;
    }
    const { power, n: nf } = modPower(series);
    for (const [lo, hi] of RATE_BANDS) out[o++] = bandLogPower(power, FRAME_RATE / nf, lo, hi, n);
  }
  // Joint modulation: 2-D power spectrum of the window's log-mel patch (bands × frames),
  // computed as FFT over bands per frame, then FFT over time per scale bin.
  const nS = nextPow2(N_MELS);
  const fS = fftOf(nS);
  const nScale = fS.nBins;
  const re = new Float64Array(nScale);
  const im = new Float64Array(nScale);
  const col = new Float64Array(nS);
  const scaleRe = new Float64Array(nScale * n);
  const scaleIm = new Float64Array(nScale * n);
  for (let t = 0; t < n; t++) {
    col.fill(0);
    for (let m = 0; m < N_MELS; m++) col[m] = (mel[m * T + f0 + t] as number) / 10;
    fS.forward(col, re, im);
    for (let k = 0; k < nScale; k++) {
      scaleRe[k * n + t] = re[k] as number;
      scaleIm[k * n + t] = im[k] as number;
    }
  }
  const joint = new Float64Array(SCALE_BANDS.length * RATE_BANDS.length);
  const counts = new Float64Array(SCALE_BANDS.length);
  for (let k = 1; k < nScale; k++) {
    const sb = SCALE_BANDS.findIndex(([lo, hi]) => k >= lo && k < hi);
    if (sb < 0) continue;
    // |FFT over time| of a complex series = sum of the real and imaginary parts' powers
    // summed over ± rates (we fold positive and negative temporal rates together).
    const pr = modPower(scaleRe.subarray(k * n, (k + 1) * n));
    const pi = modPower(scaleIm.subarray(k * n, (k + 1) * n));
    const df = FRAME_RATE / pr.n;
    RATE_BANDS.forEach(([lo, hi], r) => {
      let s = 0;
      let c = 0;
      for (let q = 1; q < pr.power.length; q++) {
        const f = q * df;
        if (f >= lo && f < hi) {
          s += (pr.power[q] as number) + (pi.power[q] as number);
          c++;
        }
      }
      joint[sb * RATE_BANDS.length + r] = (joint[sb * RATE_BANDS.length + r] as number) + (c > 0 ? s / c : 0);
    });
    counts[sb] = (counts[sb] as number) + 1;
  }
  for (let sb = 0; sb < SCALE_BANDS.length; sb++) {
    for (let r = 0; r < RATE_BANDS.length; r++) {
      const v = (joint[sb * RATE_BANDS.length + r] as number) / Math.max(1, counts[sb] as number) / n;
      out[o++] = Math.log10(1e-6 + v);
    }
  }
}
