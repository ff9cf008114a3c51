/**
 * Identification broken down by genre, and leave-one-genre-out generalisation.
 *
 * Per-genre identification is the mean of acc_i over the clips of one genre, where
 * each acc_i is still computed against all n − 1 other test clips (so a genre's score
 * says how well its clips are told apart from everything, not only from each other).
 */
import type { Matrix } from '../linalg/matrix.js';
import { UserError } from '../util/errors.js';
import { bootstrapMeanCI } from './bootstrap.js';
import { crossCorrelation, IDENTIFICATION_CHANCE, identificationFromCorrelation } from './identification.js';
import type { MetricSet, MetricValue } from './metrics-schema.js';
import { identificationPermutationTest } from './permutation.js';
import { subSeed } from './seed.js';

/** Genres in first-appearance order, each with the item indices that carry it. */
export function groupByGenre(genres: readonly string[]): Map<string, number[]> {
  const groups = new Map<string, number[]>();
  genres.forEach((g, i) => {
    const list = groups.get(g);
    if (list) list.push(i);
    else groups.set(g, [i]);
  });
  return groups;
}

function checkGenres(genres: readonly string[], n: number): void {
  if (genres.length !== n) {
    throw new UserError(`${genres.length} genre labels for ${n} clips`, {
      hint: 'give one genre per test clip, in the row order of the predictions',
    });
  }
}

export interface GenreOptions {
  /** Bootstrap resamples for each genre's CI (0 = none). */
  bootstrap?: number;
  seed?: number;
}

/**
 * `<prefix>.genre.<genre>` → mean acc_i over that genre's clips (chance 0.5, n = its
 * clip count, optional bootstrap CI over its clips). perItem: acc_i, length n.
 */
export function genreIdentification(
  perItem: ArrayLike<number>,
  genres: readonly string[],
  opts: GenreOptions = {},
  prefix = 'identification',
): MetricSet {
  checkGenres(genres, perItem.length);
  const out: MetricSet = {};
  for (const [g, idx] of groupByGenre(genres)) {
    const vals = idx.map((i) => perItem[i] as number);
    const mv: MetricValue = {
      value: vals.reduce((a, b) => a + b, 0) / vals.length,
      chance: IDENTIFICATION_CHANCE,
      better: 'higher',
      n: vals.length,
    };
    if (opts.bootstrap && opts.bootstrap > 0) {
      mv.ci95 = bootstrapMeanCI(vals, {
        resamples: opts.bootstrap,
        seed: subSeed(opts.seed ?? 0, `${prefix}.genre.${g}`),
      });
    }
    out[`${prefix}.genre.${g}`] = mv;
  }
  return out;
}

/**
 * Identification against the other clips of the SAME genre only:
 * acc_i = #{ j ≠ i, genre_j = genre_i : C_ii > C_ij } / (n_g − 1), averaged over the
 * clips of genres with at least 2 clips (chance 0.5). A decoder that only knows the
 * genre scores near 0.5 here while its ordinary identification is high, so this
 * separates "decodes the music" from "decodes the genre". C: n × n correlations
 * (row-major). Returns the per-item scores (NaN for clips alone in their genre).
 */
export function withinGenreIdentification(
  C: Float64Array,
  genres: readonly string[],
): { value: number | null; n: number; perItem: Float64Array } {
  const n = genres.length;
  if (C.length !== n * n) throw new Error(`correlation matrix has ${C.length} entries for ${n} clips`);
  const perItem = new Float64Array(n).fill(Number.NaN);
  let sum = 0;
  let used = 0;
  for (const idx of groupByGenre(genres).values()) {
    if (idx.length < 2) continue;
    for (const i of idx) {
      const own = C[i * n + i] as number;
      let wins = 0;
      for (const j of idx) if (j !== i && own > (C[i * n + j] as number)) wins++;
      perItem[i] = wins / (idx.length - 1);
      sum += perItem[i] as number;
      used++;
    }
  }
  return { value: used ? sum / used : null, n: used, perItem };
}

export interface LeaveGenreOutInput {
  /**
   * Clip-level predictions, n_clips × dim, where the row of each clip comes from a
   * model trained WITHOUT that clip's genre (the decoders' `leaveGroupOutPredictions`).
   */
  pred: Matrix;
  /** True clip embeddings, n_clips × dim. */
  target: Matrix;
  /** Genre of each clip (the held-out group of its row). */
  genres: readonly string[];
  permutations?: number;
  bootstrap?: number;
  seed?: number;
}

/**
 * Leave-one-genre-out scores: `logo.identification` over all test clips (with
 * permutation p and bootstrap CI when asked) and `logo.identification.genre.<g>`
 * for each held-out genre (its clips against all n − 1 others). Comparing these with
 * the ordinary per-genre scores shows how much of decoding transfers to an unseen
 * genre.
 */
export function leaveGenreOutIdentification(input: LeaveGenreOutInput): MetricSet {
  const { pred, target, genres } = input;
  checkGenres(genres, pred.rows);
  const n = pred.rows;
  const C = crossCorrelation(pred, target);
  const id = identificationFromCorrelation(C, n);
  const seed = input.seed ?? 0;
  const overall: MetricValue = { value: id.accuracy, chance: IDENTIFICATION_CHANCE, better: 'higher', n };
  if (input.permutations && input.permutations > 0) {
    const perm = identificationPermutationTest(C, n, {
      permutations: input.permutations,
      seed: subSeed(seed, 'logo.permutation'),
    });
    overall.p = perm.p;
    overall.nPermutations = perm.permutations;
  }
  if (input.bootstrap && input.bootstrap > 0) {
    overall.ci95 = bootstrapMeanCI(id.perItem, {
      resamples: input.bootstrap,
      seed: subSeed(seed, 'logo.bootstrap'),
    });
  }
  const genreOpts: GenreOptions = { seed };
  if (input.bootstrap !== undefined) genreOpts.bootstrap = input.bootstrap;
  return {
    'logo.identification': overall,
    ...genreIdentification(id.perItem, genres, genreOpts, 'logo.identification'),
  };
}
