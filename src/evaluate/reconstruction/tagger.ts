/**
 * The reconstruction tagger: genre, mood and instrument-family probabilities from
 * audio, trained on the library's attributes. It must NOT be built on the decoding
 * embedding, or agreement between stimulus and reconstruction would measure the
 * decoder's own objective (circular). Its representation is clip-level acoustic
 * statistics (acoustic.ts: MFCC/chroma/spectral/onset statistics), and
 * `trainTagger` refuses a representation with the decoder's fingerprint.
 *
 * It reports its own held-out accuracy (a seeded 20 % of the library, never seen
 * in training) with chance levels, then is refitted on the whole library.
 */

import { MOODS, type MusicAttributes } from '../../generate/attributes.js';
import { type LogisticModel, predictLogistic } from '../../generate/logistic.js';
import { fitCategoricalProbe, randomFolds, takeRows } from '../../generate/probes.js';
import { getBackend } from '../../linalg/index.js';
import { Matrix } from '../../linalg/matrix.js';
import { GENRES, INSTRUMENT_FAMILIES } from '../../synth/music/index.js';
import { UserError } from '../../util/errors.js';
import { Rng } from '../../util/rng.js';
import { analyseAudio, TAGGER_FEATURE_NAMES } from './acoustic.js';

/** A way to turn audio into the tagger's features. */
export interface TaggerRepresentation {
  name: string;
  /** Identifies the numbers; compared with the decoder's embedding fingerprint. */
  fingerprint: string;
  dim: number;
  features(samples: Float32Array, sampleRate: number): Promise<Float64Array> | Float64Array;
}

export const ACOUSTIC_STATS: TaggerRepresentation = {
  name: 'acoustic-stats',
  fingerprint: `acoustic-stats:v1:${TAGGER_FEATURE_NAMES.length}`,
  dim: TAGGER_FEATURE_NAMES.length,
  features: (x, sr) => analyseAudio(x, sr).features,
};

/** Tag probabilities of one clip. */
export interface Tags {
  /** GENRES order. */
  genre: number[];
  /** MOODS order. */
  mood: number[];
  /** INSTRUMENT_FAMILIES order: probability each plays. */
  instruments: number[];
  /** Probability over the family's share of the training library: what stands out in this clip. */
  instrumentSalience: number[];
}

export interface TaggerHeadScore {
  head: string;
  value: number;
  chance: number;
}

export interface TaggerReport {
  representation: string;
  fingerprint: string;
  nTrain: number;
  nHeldOut: number;
  /** Held-out scores: genre top-1/top-2, mood top-1, instrument top-2 precision. */
  heldOut: TaggerHeadScore[];
}

export interface TrainTaggerOptions {
  /** Fingerprint of the decoding embedding: the tagger refuses to share it. */
  decoderFingerprint: string;
  representation?: TaggerRepresentation;
  seed?: number;
  /** Share of tracks held out for the report (default 0.2). */
  heldOut?: number;
}

interface Heads {
  genre: LogisticModel;
  mood: LogisticModel;
  instruments: LogisticModel[];
  mean: Float64Array;
  scale: Float64Array;
  /** Share of training tracks each family plays in. */
  prior: Float64Array;
}

export class Tagger {
  constructor(
    readonly representation: TaggerRepresentation,
    private readonly heads: Heads,
    readonly report: TaggerReport,
  ) {}

  /** F: n_clips × dim features (this tagger's representation) → tags per clip. */
  async tagFeatures(F: Matrix): Promise<Tags[]> {
    return tagWith(this.heads, F);
  }

  async tagAudio(samples: Float32Array, sampleRate: number): Promise<Tags> {
    const f = await this.representation.features(samples, sampleRate);
    return (await this.tagFeatures(new Matrix(1, f.length, Float64Array.from(f))))[0] as Tags;
  }
}

function standardise(F: Matrix, mean: Float64Array, scale: Float64Array): Matrix<Float64Array> {
  const out = Matrix.zeros(F.rows, F.cols, 'float64');
  for (let i = 0; i < F.rows; i++)
    for (let j = 0; j < F.cols; j++)
      out.data[i * F.cols + j] =
        ((F.data[i * F.cols + j] as number) - (mean[j] as number)) / (scale[j] as number);
  return out;
}

async function tagWith(h: Heads, F: Matrix): Promise<Tags[]> {
  const be = await getBackend();
  const Z = standardise(F, h.mean, h.scale);
  const G = await predictLogistic(h.genre, Z, be);
  const M = await predictLogistic(h.mood, Z, be);
  const I = await Promise.all(h.instruments.map((m) => predictLogistic(m, Z, be)));
  return Array.from({ length: F.rows }, (_, i) => ({
    genre: Array.from(G.data.subarray(i * GENRES.length, (i + 1) * GENRES.length)),
    mood: Array.from(M.data.subarray(i * MOODS.length, (i + 1) * MOODS.length)),
    instruments: I.map((P) => P.data[i * 2 + 1] as number),
    instrumentSalience: I.map((P, f) => (P.data[i * 2 + 1] as number) / Math.max(1e-3, h.prior[f] as number)),
  }));
}

async function fitHeads(F: Matrix, attrs: readonly MusicAttributes[], seed: number): Promise<Heads> {
  const n = F.rows;
  const d = F.cols;
  const mean = new Float64Array(d);
  const scale = new Float64Array(d);
  for (let j = 0; j < d; j++) {
    let s = 0;
    for (let i = 0; i < n; i++) s += F.data[i * d + j] as number;
    mean[j] = s / n;
    let v = 0;
    for (let i = 0; i < n; i++) v += ((F.data[i * d + j] as number) - (mean[j] as number)) ** 2;
    const sd = Math.sqrt(v / n);
    scale[j] = sd > 0 ? sd : 1;
  }
  const Z = standardise(F, mean, scale);
  const be = await getBackend();
  const folds = randomFolds(n, 3, `tagger:${seed}`);
  const lambdas = [0.3, 3, 30, 300];
  const genre = await fitCategoricalProbe(
    Z,
    attrs.map((a) => GENRES.indexOf(a.genre)),
    GENRES.length,
    folds,
    lambdas,
    be,
  );
  const mood = await fitCategoricalProbe(
    Z,
    attrs.map((a) => MOODS.indexOf(a.mood)),
    MOODS.length,
    folds,
    lambdas,
    be,
  );
  const instruments: LogisticModel[] = [];
  for (const f of INSTRUMENT_FAMILIES) {
    const y = attrs.map((a) => (a.instruments.includes(f) ? 1 : 0));
    // Two λ for the sixteen binary heads: they are many and each is easy.
    instruments.push((await fitCategoricalProbe(Z, y, 2, folds, [3, 30], be)).model);
  }
  const prior = Float64Array.from(
    INSTRUMENT_FAMILIES,
    (f) => attrs.filter((a) => a.instruments.includes(f)).length / n,
  );
  return { genre: genre.model, mood: mood.model, instruments, mean, scale, prior };
}

/** Indices of the k largest values (ties to the lower index). */
export function topK(p: readonly number[], k: number): number[] {
  return p
    .map((v, i) => [v, i] as const)
    .sort((a, b) => b[0] - a[0] || a[1] - b[1])
    .slice(0, k)
    .map(([, i]) => i);
}

/**
 * Trains the tagger on `features` (n_tracks × dim, in `representation`) and the
 * tracks' attributes; refuses to share the decoder's representation.
 */
export async function trainTagger(
  features: Matrix,
  attributes: readonly MusicAttributes[],
  opts: TrainTaggerOptions,
): Promise<Tagger> {
  const rep = opts.representation ?? ACOUSTIC_STATS;
  if (rep.fingerprint === opts.decoderFingerprint)
    throw new UserError(
      `the tagger's representation (${rep.name}) is the decoding embedding itself: tag agreement would be circular`,
      {
        field: 'tagger.representation',
        hint: 'train the tagger on a different representation (the default acoustic statistics)',
      },
    );
  const n = features.rows;
  if (attributes.length !== n)
    throw new UserError(`tagger: ${attributes.length} attribute rows for ${n} tracks`);
  if (features.cols !== rep.dim)
    throw new UserError(
      `tagger: ${features.cols} feature columns, the ${rep.name} representation has ${rep.dim}`,
    );
  if (n < 20) throw new UserError(`the tagger needs at least 20 library tracks, got ${n}`);
  const seed = opts.seed ?? 0;
  const share = opts.heldOut ?? 0.2;
  const order = new Rng(`tagger-split:${seed}`).shuffle(Array.from({ length: n }, (_, i) => i));
  const nHeld = Math.max(1, Math.round(share * n));
  const held = order.slice(0, nHeld).sort((a, b) => a - b);
  const train = order.slice(nHeld).sort((a, b) => a - b);
  const trainAttrs = train.map((i) => attributes[i] as MusicAttributes);
  const heldAttrs = held.map((i) => attributes[i] as MusicAttributes);
  const heads = await fitHeads(takeRows(features, train), trainAttrs, seed);
  const tags = await tagWith(heads, takeRows(features, held));

  const share1 = <T>(xs: readonly T[], all: readonly T[]) =>
    all.map((c) => xs.filter((x) => x === c).length / xs.length);
  const gTrain = share1(
    trainAttrs.map((a) => a.genre),
    GENRES,
  );
  const gHeld = share1(
    heldAttrs.map((a) => a.genre),
    GENRES,
  );
  const mTrain = share1(
    trainAttrs.map((a) => a.mood),
    MOODS,
  );
  const mHeld = share1(
    heldAttrs.map((a) => a.mood),
    MOODS,
  );
  // Chance: always answer the training set's most frequent classes.
  const chanceTop = (train: number[], heldShares: number[], k: number) =>
    topK(train, k).reduce((s, c) => s + (heldShares[c] as number), 0);
  const famRate = INSTRUMENT_FAMILIES.map((f) => trainAttrs.filter((a) => a.instruments.includes(f)).length);
  const famTop2 = topK(famRate, 2);
  let g1 = 0;
  let g2 = 0;
  let m1 = 0;
  let inst = 0;
  let instChance = 0;
  heldAttrs.forEach((a, r) => {
    const t = tags[r] as Tags;
    const gi = GENRES.indexOf(a.genre);
    const top = topK(t.genre, 2);
    if (top[0] === gi) g1++;
    if (top.includes(gi)) g2++;
    if (topK(t.mood, 1)[0] === MOODS.indexOf(a.mood)) m1++;
    for (const f of topK(t.instruments, 2))
      if (a.instruments.includes(INSTRUMENT_FAMILIES[f] as never)) inst += 0.5;
    for (const f of famTop2) if (a.instruments.includes(INSTRUMENT_FAMILIES[f] as never)) instChance += 0.5;
  });
  const report: TaggerReport = {
    representation: rep.name,
    fingerprint: rep.fingerprint,
    nTrain: train.length,
    nHeldOut: held.length,
    heldOut: [
      { head: 'genre_top1', value: g1 / nHeld, chance: chanceTop(gTrain, gHeld, 1) },
      { head: 'genre_top2', value: g2 / nHeld, chance: chanceTop(gTrain, gHeld, 2) },
      { head: 'mood_top1', value: m1 / nHeld, chance: chanceTop(mTrain, mHeld, 1) },
      { head: 'instrument_top2_precision', value: inst / nHeld, chance: instChance / nHeld },
    ],
  };
  // The tagger used downstream learns from every library track.
  const final = await fitHeads(features, attributes, seed);
  return new Tagger(rep, final, report);
}
