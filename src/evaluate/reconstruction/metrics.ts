/**
 * Reconstruction metrics (Brain2Music §3.9, plus acoustic agreement): how much of
 * a stimulus survives in its reconstruction.
 *
 * - `identification`: METHOD.md §3.6 on embeddings of the reconstructed audio
 *   against the stimuli's (chance 0.5).
 * - Tag agreement (tagger.ts, which does not share the decoding embedding):
 *   agreement@n = |top-n(stimulus) ∩ top-n(reconstruction)| / n for genre (n = 2),
 *   instrument family (n = 2) and mood (n = 1). Instrument families are ranked by
 *   salience (probability over the family's share of the library), else drums and
 *   bass, present in most tracks, would be everyone's top 2 and the metric empty.
 * - Acoustic: Pearson r of the mean log-mel spectra (`logmel_r`) and of the mean
 *   chroma (`chroma_r`), same estimated key (`key_match`), |tempo difference| in
 *   BPM forgiving octave errors (`tempo_error_bpm`, lower is better), |dynamic range difference|
 *   in dB (`dynamics_diff_db`, lower is better). Not the overall level: generated audio is
 *   rendered at the stimuli's mean level, so a level difference would be the same for the
 *   brain's, the oracle's and a random reconstruction, whatever was decoded.
 *
 * Chance of every pairwise metric is its mean over mismatched pairs
 * (reconstruction i against stimulus j ≠ i): what a reconstruction unrelated to
 * its stimulus scores against this very set of stimuli.
 */
import { Matrix } from '../../linalg/matrix.js';
import { UserError } from '../../util/errors.js';
import { pearson } from '../correlation.js';
import { identificationAccuracy } from '../identification.js';
import type { MetricSet } from '../metrics-schema.js';
import type { AcousticSummary } from './acoustic.js';
import { type Tags, topK } from './tagger.js';

/** Everything the metrics need about one clip (stimulus or reconstruction). */
export interface ClipAnalysis {
  /** Standardised clip-level embedding (the run's embedder): dim. */
  embedding: ArrayLike<number>;
  tags: Tags;
  acoustic: AcousticSummary;
}

type Pairwise = (rec: ClipAnalysis, stim: ClipAnalysis) => number;

export function agreementAtN(a: readonly number[], b: readonly number[], n: number): number {
  const ta = new Set(topK(a, n));
  return topK(b, n).filter((i) => ta.has(i)).length / n;
}

/** The pairwise metrics: name → (function, which side is better). */
export const PAIRWISE: Readonly<Record<string, { f: Pairwise; better: 'higher' | 'lower' }>> = {
  genre_top2: { f: (r, s) => agreementAtN(s.tags.genre, r.tags.genre, 2), better: 'higher' },
  instrument_top2: {
    f: (r, s) => agreementAtN(s.tags.instrumentSalience, r.tags.instrumentSalience, 2),
    better: 'higher',
  },
  mood_top1: { f: (r, s) => agreementAtN(s.tags.mood, r.tags.mood, 1), better: 'higher' },
  logmel_r: {
    f: (r, s) => finiteOr0(pearson(r.acoustic.melProfile, s.acoustic.melProfile)),
    better: 'higher',
  },
  chroma_r: { f: (r, s) => finiteOr0(pearson(r.acoustic.chroma, s.acoustic.chroma)), better: 'higher' },
  key_match: {
    f: (r, s) =>
      r.acoustic.key.tonic === s.acoustic.key.tonic && r.acoustic.key.major === s.acoustic.key.major ? 1 : 0,
    better: 'higher',
  },
  tempo_error_bpm: { f: (r, s) => tempoError(r.acoustic.tempo, s.acoustic.tempo), better: 'lower' },
  dynamics_diff_db: {
    f: (r, s) => Math.abs(r.acoustic.dynamicRangeDb - s.acoustic.dynamicRangeDb),
    better: 'lower',
  },
};

/**
 * |tempo difference| in BPM, forgiving octave errors (a tempo estimate often lands
 * on half or double the felt beat): the smallest of |a − b|, |2a − b|, |a − 2b|,
 * measured in the stimulus's BPM.
 */
export function tempoError(rec: number, stim: number): number {
  return Math.min(Math.abs(rec - stim), Math.abs(2 * rec - stim), Math.abs(rec / 2 - stim));
}

function finiteOr0(v: number): number {
  return Number.isFinite(v) ? v : 0;
}

/**
 * Metrics of reconstructions `recon[i]` of stimuli `stimuli[i]` (same order, n ≥ 2).
 * Returns name → {value, chance, better, n}.
 */
export function reconstructionMetrics(
  stimuli: readonly ClipAnalysis[],
  recon: readonly ClipAnalysis[],
): MetricSet {
  const n = stimuli.length;
  if (recon.length !== n)
    throw new UserError(`reconstruction metrics: ${recon.length} reconstructions for ${n} stimuli`);
  if (n < 2) throw new UserError(`reconstruction metrics need at least 2 clips, got ${n}`);
  const dim = stimuli[0]?.embedding.length ?? 0;
  const toMatrix = (xs: readonly ClipAnalysis[]) => {
    const m = Matrix.zeros(n, dim, 'float64');
    xs.forEach((x, i) => {
      if (x.embedding.length !== dim)
        throw new UserError(`clip ${i}: embedding of ${x.embedding.length}-d, expected ${dim}`);
      m.data.set(Array.from(x.embedding), i * dim);
    });
    return m;
  };
  const out: MetricSet = {
    identification: {
      value: identificationAccuracy(toMatrix(recon), toMatrix(stimuli)).accuracy,
      chance: 0.5,
      better: 'higher',
      n,
    },
  };
  for (const [name, { f, better }] of Object.entries(PAIRWISE)) {
    let own = 0;
    let other = 0;
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        const v = f(recon[i] as ClipAnalysis, stimuli[j] as ClipAnalysis);
        if (i === j) own += v;
        else other += v;
      }
    }
    out[name] = { value: own / n, chance: other / (n * (n - 1)), better, n };
  }
  return out;
}
