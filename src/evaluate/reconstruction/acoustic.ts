/**
 * One clip's acoustic summary, computed in a single STFT pass (nFft 2048, hop 512
 * at 22,050 Hz): the mean log-mel spectrum, the mean chroma and the key it
 * implies, the tempo, the loudness, and the statistics the tagger learns from.
 * Reconstruction metrics compare these between a stimulus and its reconstruction;
 * they say what is and is not reconstructed beyond the embedding.
 *
 * Definitions follow librosa where one exists: mel and chroma filterbanks
 * (src/audio), power → dB with top_db 80, MFCCs from the dB mel spectrum, the
 * onset envelope of `onset_strength` (positive mel-dB differences, mean over
 * bands) and the autocorrelation tempo of src/audio/onset.ts. The key is the
 * Krumhansl–Kessler profile (24 keys) best correlated with the mean chroma.
 */
import { chromaFilterbank } from '../../audio/chroma.js';
import { powerToDb } from '../../audio/db.js';
import { melFilterbank } from '../../audio/mel.js';
import { mfccFromMelDb } from '../../audio/mfcc.js';
import { estimateTempo } from '../../audio/onset.js';
import { resample } from '../../audio/resample.js';
import { fftFrequencies, forEachPowerFrame, frameCount, resolveStft } from '../../audio/stft.js';
import { Matrix } from '../../linalg/matrix.js';
import { quantileSorted } from '../bootstrap.js';
import { pearson } from '../correlation.js';

/** Analysis rate: every clip is resampled to it first. */
export const ANALYSIS_RATE = 22050;
const N_FFT = 2048;
const HOP = 512;
const N_MELS = 128;
const N_MFCC = 20;

export interface AcousticSummary {
  /** Mean log-mel spectrum (dB): 128. */
  melProfile: Float64Array;
  /** Mean chroma (C … B, each frame max-normalised): 12. */
  chroma: Float64Array;
  /** Estimated key: tonic pitch class and major/minor. */
  key: { tonic: number; major: boolean; strength: number };
  /** Estimated tempo, BPM (0 for silence). */
  tempo: number;
  /** RMS level, dBFS. */
  loudnessDb: number;
  /**
   * Dynamic range, dB: the 90th minus the 10th percentile (numpy's rule) of the frame levels
   * (2048-sample frames): how much the music swells and falls, which a
   * reconstruction's overall level (normalised) cannot show.
   */
  dynamicRangeDb: number;
  /** Clip-level statistics for the tagger (see TAGGER_FEATURE_NAMES). */
  features: Float64Array;
}

/** Krumhansl & Kessler (1982) probe-tone profiles, C major and C minor. */
const KK_MAJOR = [6.35, 2.23, 3.48, 2.33, 4.38, 4.09, 2.52, 5.19, 2.39, 3.66, 2.29, 2.88];
const KK_MINOR = [6.33, 2.68, 3.52, 5.38, 2.6, 3.53, 2.54, 4.75, 3.98, 2.69, 3.34, 3.17];

/** The best-correlated of the 24 major/minor keys for a 12-bin chroma profile (C first). */
export function estimateKey(chroma: ArrayLike<number>): { tonic: number; major: boolean; strength: number } {
  let best = { tonic: 0, major: true, strength: -Infinity };
  for (const major of [true, false]) {
    const prof = major ? KK_MAJOR : KK_MINOR;
    for (let t = 0; t < 12; t++) {
      const rotated = Array.from({ length: 12 }, (_, pc) => prof[(pc - t + 12) % 12] as number);
      const r = pearson(Array.from(chroma), rotated);
      if (Number.isFinite(r) && r > best.strength) best = { tonic: t, major, strength: r };
    }
  }
  return best.strength === -Infinity ? { tonic: 0, major: true, strength: 0 } : best;
}

export const TAGGER_FEATURE_NAMES: readonly string[] = [
  ...Array.from({ length: N_MFCC }, (_, i) => `mfcc${i}_mean`),
  ...Array.from({ length: N_MFCC }, (_, i) => `mfcc${i}_std`),
  ...Array.from({ length: 12 }, (_, i) => `chroma${i}_mean`),
  ...Array.from({ length: 12 }, (_, i) => `chroma${i}_std`),
  'centroid_mean',
  'centroid_std',
  'bandwidth_mean',
  'bandwidth_std',
  'rolloff_mean',
  'rolloff_std',
  'flatness_mean',
  'flatness_std',
  'onset_mean',
  'onset_std',
  'onset_p90',
  'tempo_bpm',
  'tempo_strength',
  'rms_db',
  'rms_db_std',
  'low_band_share',
  'high_band_share',
];

interface Banks {
  mel: ReturnType<typeof melFilterbank>;
  chroma: Matrix<Float64Array>;
  /** Per chroma row, the bins whose weight matters (≥ 1e-9 of the row's largest): a sparse product. */
  chromaBins: Int32Array[];
}
const cache = new Map<number, Banks>();
function filterbanks(sr: number): Banks {
  let f = cache.get(sr);
  if (!f) {
    const chroma = chromaFilterbank(sr, N_FFT);
    const chromaBins = Array.from({ length: chroma.rows }, (_, c) => {
      const row = chroma.data.subarray(c * chroma.cols, (c + 1) * chroma.cols);
      const max = row.reduce((a, b) => Math.max(a, Math.abs(b)), 0);
      const keep: number[] = [];
      row.forEach((v, k) => {
        if (Math.abs(v) >= 1e-9 * max) keep.push(k);
      });
      return Int32Array.from(keep);
    });
    f = { mel: melFilterbank(sr, N_FFT, { nMels: N_MELS }), chroma, chromaBins };
    cache.set(sr, f);
  }
  return f;
}

function meanStd(x: ArrayLike<number>): [number, number] {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i] as number;
  const m = s / Math.max(1, x.length);
  let v = 0;
  for (let i = 0; i < x.length; i++) v += ((x[i] as number) - m) ** 2;
  return [m, Math.sqrt(v / Math.max(1, x.length))];
}

/** Summarises mono `samples` at `sampleRate` (resampled to 22,050 Hz first). */
export function analyseAudio(samples: Float32Array, sampleRate: number): AcousticSummary {
  const x = sampleRate === ANALYSIS_RATE ? samples : resample(samples, sampleRate, ANALYSIS_RATE);
  const sr = ANALYSIS_RATE;
  const o = resolveStft({ nFft: N_FFT, hop: HOP });
  const T = frameCount(x.length, o);
  const fb = filterbanks(sr);
  const nC = fb.chroma.rows;
  const nB = fb.chroma.cols;
  const freq = fftFrequencies(sr, N_FFT);
  const mel = new Float32Array(N_MELS * T);
  const chroma = new Float64Array(12 * T);
  const centroid = new Float64Array(T);
  const bandwidth = new Float64Array(T);
  const rolloff = new Float64Array(T);
  const flatness = new Float64Array(T);
  const lowShare = new Float64Array(T);
  const highShare = new Float64Array(T);
  forEachPowerFrame(x, o, (t, pw) => {
    for (let m = 0; m < N_MELS; m++) {
      const w = fb.mel.weights[m] as Float64Array;
      const k0 = fb.mel.start[m] as number;
      let acc = 0;
      for (let i = 0; i < w.length; i++) acc += (w[i] as number) * (pw[k0 + i] as number);
      mel[m * T + t] = acc;
    }
    let cmax = 0;
    const col = new Float64Array(nC);
    for (let c = 0; c < nC; c++) {
      let acc = 0;
      const row = c * nB;
      for (const k of fb.chromaBins[c] as Int32Array)
        acc += (fb.chroma.data[row + k] as number) * (pw[k] as number);
      col[c] = acc;
      cmax = Math.max(cmax, acc);
    }
    for (let c = 0; c < nC; c++) chroma[c * T + t] = cmax > 0 ? (col[c] as number) / cmax : 0;
    // Spectral shape on the magnitude spectrum (librosa's centroid/bandwidth/rolloff use |S|).
    let sum = 0;
    let wsum = 0;
    let logSum = 0;
    let low = 0;
    let high = 0;
    for (let k = 0; k < nB; k++) {
      const mag = Math.sqrt(pw[k] as number);
      sum += mag;
      wsum += mag * (freq[k] as number);
      logSum += Math.log(Math.max(1e-10, pw[k] as number));
      if ((freq[k] as number) < 250) low += pw[k] as number;
      else if ((freq[k] as number) >= 4000) high += pw[k] as number;
    }
    let pSum = 0;
    for (let k = 0; k < nB; k++) pSum += pw[k] as number;
    const c = sum > 0 ? wsum / sum : 0;
    centroid[t] = c;
    let bw = 0;
    for (let k = 0; k < nB; k++) bw += Math.sqrt(pw[k] as number) * ((freq[k] as number) - c) ** 2;
    bandwidth[t] = sum > 0 ? Math.sqrt(bw / sum) : 0;
    let cum = 0;
    let roll = 0;
    for (let k = 0; k < nB; k++) {
      cum += Math.sqrt(pw[k] as number);
      if (cum >= 0.85 * sum) {
        roll = freq[k] as number;
        break;
      }
    }
    rolloff[t] = sum > 0 ? roll : 0;
    flatness[t] = pSum > 0 ? Math.exp(logSum / nB) / (pSum / nB) : 1;
    lowShare[t] = pSum > 0 ? low / pSum : 0;
    highShare[t] = pSum > 0 ? high / pSum : 0;
  });

  const S = powerToDb(mel); // ref 1, amin 1e-10, top_db 80 (librosa's defaults)
  const melProfile = new Float64Array(N_MELS);
  for (let m = 0; m < N_MELS; m++) melProfile[m] = meanStd(S.subarray(m * T, (m + 1) * T))[0];
  const M = mfccFromMelDb(new Matrix(N_MELS, T, S), N_MFCC);
  // Onset strength exactly as onsetStrength(): lag 1, shifted by 1 + nFft/(2·hop) frames.
  const env = new Float32Array(T);
  const shift = 1 + Math.floor(N_FFT / (2 * HOP));
  for (let t = 1; t < T; t++) {
    const dst = t - 1 + shift;
    if (dst >= T) break;
    let acc = 0;
    for (let m = 0; m < N_MELS; m++)
      acc += Math.max(0, (S[m * T + t] as number) - (S[m * T + t - 1] as number));
    env[dst] = acc / N_MELS;
  }
  let tempo = { bpm: 0, strength: 0 };
  try {
    tempo = estimateTempo(env, sr / HOP);
  } catch {
    // Too short for a tempo: leave 0 BPM (documented for silence and very short clips).
  }
  const chromaMean = new Float64Array(12);
  const feats: number[] = [];
  const mfMean: number[] = [];
  const mfStd: number[] = [];
  for (let i = 0; i < N_MFCC; i++) {
    const [m, s] = meanStd(M.data.subarray(i * T, (i + 1) * T));
    mfMean.push(m);
    mfStd.push(s);
  }
  const chMean: number[] = [];
  const chStd: number[] = [];
  for (let c = 0; c < 12; c++) {
    const [m, s] = meanStd(chroma.subarray(c * T, (c + 1) * T));
    chromaMean[c] = m;
    chMean.push(m);
    chStd.push(s);
  }
  let ss = 0;
  for (let i = 0; i < x.length; i++) ss += (x[i] as number) ** 2;
  const loudnessDb = 10 * Math.log10(Math.max(1e-10, ss / Math.max(1, x.length)));
  const frameRms = new Float64Array(T);
  for (let t = 0; t < T; t++) {
    let e = 0;
    const a = t * HOP;
    const b = Math.min(x.length, a + N_FFT);
    for (let i = a; i < b; i++) e += (x[i] as number) ** 2;
    frameRms[t] = 10 * Math.log10(Math.max(1e-10, e / Math.max(1, b - a)));
  }
  const sortedLevels = Float64Array.from(frameRms).sort();
  const dynamicRangeDb = T > 0 ? quantileSorted(sortedLevels, 0.9) - quantileSorted(sortedLevels, 0.1) : 0;
  const sortedEnv = Float64Array.from(env).sort();
  feats.push(...mfMean, ...mfStd, ...chMean, ...chStd);
  for (const v of [centroid, bandwidth, rolloff]) {
    const [m, s] = meanStd(v);
    feats.push(m / 1000, s / 1000);
  }
  feats.push(...meanStd(flatness));
  feats.push(...meanStd(env), sortedEnv[Math.floor(0.9 * (sortedEnv.length - 1))] as number);
  feats.push(tempo.bpm / 100, tempo.strength);
  feats.push(loudnessDb / 10, meanStd(frameRms)[1] / 10);
  feats.push(meanStd(lowShare)[0], meanStd(highShare)[0]);
  return {
    melProfile,
    chroma: chromaMean,
    key: estimateKey(chromaMean),
    tempo: tempo.bpm,
    loudnessDb,
    dynamicRangeDb,
    features: Float64Array.from(feats),
  };
}
