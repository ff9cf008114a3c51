/**
 * How separable are the twin's genres from the audio alone? A realism check: real
 * GTZAN genres are far from perfectly separable with simple timbre statistics, and
 * so should ours be. Tracks are composed and rendered in memory (no files), summarised
 * by log-mel statistics, and a classifier trained on one (soundfont, seed) set is
 * scored on another — e.g. train on FluidR3Mono, test on MuseScore with different
 * compositions — so it cannot win by memorising one soundfont's samples.
 */
import { melSpectrogram } from '../../audio/index.js';
import { type ProgressSink, silentProgress } from '../../util/progress.js';
import { composeTrack } from './compose.js';
import { GENRES } from './genres.js';
import { renderScore } from './render.js';
import { loadSoundfont } from './soundfonts.js';

export interface FeatureSetSpec {
  soundfont: string;
  seed: number;
}

export interface SeparabilityOptions {
  /** Tracks per genre in each set (default 20). */
  perGenre?: number;
  /** Excerpt length rendered per track, seconds (default 10). */
  durationS?: number;
  progress?: ProgressSink;
}

/** One labelled feature set: rows are tracks. */
export interface FeatureSet {
  spec: FeatureSetSpec;
  labels: number[];
  /** n_tracks rows of n_features. */
  features: Float64Array[];
}

const N_MELS = 40;

/**
 * Timbre and rhythm statistics of mono audio (22,050 Hz): per mel band the mean and
 * standard deviation of log power over frames, and the mean, standard deviation and
 * 90th percentile of positive spectral flux (onset strength). 2·40 + 3 values.
 */
export function audioFeatures(x: Float32Array, sampleRate: number): Float64Array {
  const mel = melSpectrogram(x, sampleRate, { nFft: 1024, hop: 512, nMels: N_MELS, fmax: 11025 });
  const frames = mel.cols;
  // The first and last frames see the centring pad, not the music: skip them.
  const t0 = frames > 8 ? 2 : 0;
  const t1 = frames > 8 ? frames - 2 : frames;
  const out = new Float64Array(2 * N_MELS + 3);
  const logm = new Float64Array(mel.rows * frames);
  let top = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < logm.length; i++) {
    logm[i] = Math.log10((mel.data[i] as number) + 1e-12);
    if ((logm[i] as number) > top) top = logm[i] as number;
  }
  // An 80 dB floor below the loudest cell (librosa's top_db), so the rounding noise
  // of near-silent bands cannot pose as onsets.
  for (let i = 0; i < logm.length; i++) if ((logm[i] as number) < top - 8) logm[i] = top - 8;
  for (let m = 0; m < N_MELS; m++) {
    let s = 0;
    let ss = 0;
    for (let t = t0; t < t1; t++) {
      const v = logm[m * frames + t] as number;
      s += v;
      ss += v * v;
    }
    const mean = s / (t1 - t0);
    out[m] = mean;
    out[N_MELS + m] = Math.sqrt(Math.max(0, ss / (t1 - t0) - mean * mean));
  }
  const flux: number[] = [];
  for (let t = t0 + 1; t < t1; t++) {
    let f = 0;
    for (let m = 0; m < N_MELS; m++)
      f += Math.max(0, (logm[m * frames + t] as number) - (logm[m * frames + t - 1] as number));
    flux.push(f);
  }
  const mean = flux.reduce((a, b) => a + b, 0) / flux.length;
  const sd = Math.sqrt(flux.reduce((a, b) => a + (b - mean) ** 2, 0) / flux.length);
  const sorted = [...flux].sort((a, b) => a - b);
  out[2 * N_MELS] = mean;
  out[2 * N_MELS + 1] = sd;
  out[2 * N_MELS + 2] = sorted[Math.floor(0.9 * (sorted.length - 1))] as number;
  return out;
}

/** Composes, renders and summarises `perGenre` tracks of every genre for one (soundfont, seed). */
export async function featureSet(spec: FeatureSetSpec, opts: SeparabilityOptions = {}): Promise<FeatureSet> {
  const perGenre = opts.perGenre ?? 20;
  const durationS = opts.durationS ?? 10;
  const progress = opts.progress ?? silentProgress;
  const bank = await loadSoundfont(spec.soundfont);
  const labels: number[] = [];
  const features: Float64Array[] = [];
  progress.start(`features ${spec.soundfont} seed ${spec.seed}`, perGenre * GENRES.length);
  for (const [g, genre] of GENRES.entries()) {
    for (let k = 0; k < perGenre; k++) {
      const c = composeTrack(`${genre}.${String(k).padStart(5, '0')}`, spec.seed, { durationS });
      const r = await renderScore(c.score, bank, { sampleRate: 22050 });
      features.push(audioFeatures(r.samples, r.sampleRate));
      labels.push(g);
      progress.update(features.length);
    }
  }
  progress.finish();
  return { spec, labels, features };
}

/**
 * Nearest-centroid classifier on z-scored features (mean and SD from the training
 * set only). Returns the predicted label of each test row.
 */
export function nearestCentroid(
  train: readonly Float64Array[],
  trainLabels: readonly number[],
  test: readonly Float64Array[],
): number[] {
  const d = (train[0] as Float64Array).length;
  const mu = new Float64Array(d);
  const sd = new Float64Array(d);
  for (const x of train)
    for (let j = 0; j < d; j++) mu[j] = (mu[j] as number) + (x[j] as number) / train.length;
  for (const x of train)
    for (let j = 0; j < d; j++)
      sd[j] = (sd[j] as number) + ((x[j] as number) - (mu[j] as number)) ** 2 / train.length;
  for (let j = 0; j < d; j++) sd[j] = Math.sqrt(sd[j] as number) || 1;
  const z = (x: Float64Array) => Float64Array.from(x, (v, j) => (v - (mu[j] as number)) / (sd[j] as number));
  const classes = [...new Set(trainLabels)].sort((a, b) => a - b);
  const centroids = classes.map((c) => {
    const rows = train.filter((_, i) => trainLabels[i] === c).map(z);
    const m = new Float64Array(d);
    for (const r of rows)
      for (let j = 0; j < d; j++) m[j] = (m[j] as number) + (r[j] as number) / rows.length;
    return m;
  });
  return test.map((x) => {
    const zx = z(x);
    let best = 0;
    let bestD = Number.POSITIVE_INFINITY;
    centroids.forEach((c, k) => {
      let dist = 0;
      for (let j = 0; j < d; j++) dist += ((zx[j] as number) - (c[j] as number)) ** 2;
      if (dist < bestD) {
        bestD = dist;
        best = classes[k] as number;
      }
    });
    return best;
  });
}

/** Share of predictions equal to the truth. */
export function accuracy(pred: readonly number[], truth: readonly number[]): number {
  let ok = 0;
  for (let i = 0; i < pred.length; i++) if (pred[i] === truth[i]) ok++;
  return ok / pred.length;
}

/** Confusion counts: rows true genre, columns predicted. */
export function confusion(pred: readonly number[], truth: readonly number[], nClasses: number): number[][] {
  const m = Array.from({ length: nClasses }, () => new Array<number>(nClasses).fill(0));
  for (let i = 0; i < pred.length; i++) (m[truth[i] as number] as number[])[pred[i] as number]++;
  return m;
}
