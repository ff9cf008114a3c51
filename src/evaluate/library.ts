/**
 * Metrics of retrieval from a music library (METHOD.md §3.7, §3.9): for each test
 * clip the library tracks retrieved with the brain prediction, with the true
 * embedding (oracle) and at random (`chance`: a seeded draw made by the retrieval
 * stage), scored by
 *  - genre agreement of the top-1 track with the stimulus, and of any of the top 3;
 *    chance is the probability that random distinct tracks match, from the library's
 *    genre counts (top-1: n_g/N; top-k: 1 − C(N − n_g, k)/C(N, k)), averaged over clips;
 *  - identification accuracy of the retrieved tracks' embeddings against the
 *    stimulus embeddings (the paper's reconstruction identification, chance 0.5).
 * Brain, oracle and chance retrievals are separate MetricValues (`genreTop1.brain`,
 * `genreTop1.oracle`, `genreTop1.chance`, …), each carrying the analytic chance level,
 * so a table shows oracle ≥ brain ≥ chance, and the random draw against its
 * expectation.
 */
import type { Matrix } from '../linalg/matrix.js';
import { UserError } from '../util/errors.js';
import { bootstrapMeanCI } from './bootstrap.js';
import { identificationMetric } from './decoding.js';
import type { MetricSet, MetricValue } from './metrics-schema.js';
import { subSeed } from './seed.js';

/** The retrieval conditions, in table order. */
export const RETRIEVAL_CONDITIONS = ['brain', 'oracle', 'chance'] as const;
export type RetrievalCondition = (typeof RETRIEVAL_CONDITIONS)[number];

/** P(at least one of k distinct random tracks has the genre) with `count` such tracks among N. */
export function anyMatchChance(count: number, N: number, k: number): number {
  let none = 1;
  for (let t = 0; t < k; t++) none *= Math.max(0, N - count - t) / (N - t);
  return 1 - none;
}

export interface LibraryRetrievalInput {
  /** Genre of each test clip's stimulus (length n_clips). */
  stimulusGenres: readonly string[];
  /** Genre of every library track (length N): the base rates of the chance level. */
  libraryGenres: readonly string[];
  /** For each condition and clip, the genres of the retrieved tracks, best first. */
  retrieved: Record<RetrievalCondition, ReadonlyArray<readonly string[]>>;
  /**
   * Embeddings for identification of the retrieved tracks: the stimuli (n_clips × dim)
   * and, per condition, the embedding of each clip's top-1 retrieved track
   * (n_clips × dim, same row order). Optional.
   */
  embeddings?: { stimulus: Matrix } & Record<RetrievalCondition, Matrix>;
  /** The "any of the top k" agreement (default 3). */
  topK?: number;
  permutations?: number;
  bootstrap?: number;
  seed?: number;
}

/**
 * `genreTop1.<condition>`, `genreTop<k>.<condition>` and, with embeddings,
 * `identification.<condition>` for condition ∈ brain, oracle, chance. Details give the
 * per-clip agreement of each condition.
 */
export function libraryRetrievalMetrics(input: LibraryRetrievalInput): {
  metrics: MetricSet;
  details: { topK: number; perClip: Record<RetrievalCondition, { top1: number[]; topK: number[] }> };
} {
  const { stimulusGenres, libraryGenres } = input;
  const n = stimulusGenres.length;
  const N = libraryGenres.length;
  const k = input.topK ?? 3;
  const seed = input.seed ?? 0;
  if (n === 0) throw new UserError('library retrieval metrics need at least one test clip');
  if (N === 0) throw new UserError('library retrieval metrics need a non-empty library');
  const counts = new Map<string, number>();
  for (const g of libraryGenres) counts.set(g, (counts.get(g) ?? 0) + 1);

  const metrics: MetricSet = {};
  const perClip = {} as Record<RetrievalCondition, { top1: number[]; topK: number[] }>;
  for (const cond of RETRIEVAL_CONDITIONS) {
    const lists = input.retrieved[cond];
    if (!lists || lists.length !== n) {
      throw new UserError(`retrieval '${cond}' has ${lists?.length ?? 0} clip lists for ${n} test clips`, {
        field: `retrieved.${cond}`,
      });
    }
    const top1: number[] = [];
    const topK: number[] = [];
    let chance1 = 0;
    let chanceK = 0;
    lists.forEach((list, c) => {
      const g = stimulusGenres[c] as string;
      if (list.length === 0) {
        throw new UserError(`retrieval '${cond}' returned no track for clip ${c}`, {
          field: `retrieved.${cond}`,
        });
      }
      const kk = Math.min(k, list.length, N);
      const ng = counts.get(g) ?? 0;
      top1.push(list[0] === g ? 1 : 0);
      topK.push(list.slice(0, kk).includes(g) ? 1 : 0);
      chance1 += ng / N / n;
      chanceK += anyMatchChance(ng, N, kk) / n;
    });
    perClip[cond] = { top1, topK };
    metrics[`genreTop1.${cond}`] = agreement(
      top1,
      chance1,
      input.bootstrap,
      subSeed(seed, `genreTop1.${cond}`),
    );
    metrics[`genreTop${k}.${cond}`] = agreement(
      topK,
      chanceK,
      input.bootstrap,
      subSeed(seed, `genreTop${k}.${cond}`),
    );
  }
  if (input.embeddings) {
    const { stimulus } = input.embeddings;
    for (const cond of RETRIEVAL_CONDITIONS) {
      metrics[`identification.${cond}`] = identificationMetric(input.embeddings[cond], stimulus, {
        permutations: input.permutations ?? 0,
        bootstrap: input.bootstrap ?? 0,
        seed: subSeed(seed, `identification.${cond}`),
      }).metric;
    }
  }
  return { metrics, details: { topK: k, perClip } };
}

function agreement(hits: number[], chance: number, bootstrap: number | undefined, seed: number): MetricValue {
  const mv: MetricValue = {
    value: hits.reduce((a, b) => a + b, 0) / hits.length,
    chance,
    better: 'higher',
    n: hits.length,
  };
  if (bootstrap && bootstrap > 0) mv.ci95 = bootstrapMeanCI(hits, { resamples: bootstrap, seed });
  return mv;
}

/** Per-condition genre lists from the run folder's retrieval records (`retrieval/sub-XXX/<decoder>.json` clips). */
export function retrievedGenres(
  clips: ReadonlyArray<Record<RetrievalCondition, ReadonlyArray<{ genre: string }>>>,
): Record<RetrievalCondition, string[][]> {
  const pick = (cond: RetrievalCondition) => clips.map((c) => c[cond].map((t) => t.genre));
  return { brain: pick('brain'), oracle: pick('oracle'), chance: pick('chance') };
}
