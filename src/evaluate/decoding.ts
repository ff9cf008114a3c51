/**
 * Scoring one subject × decoder, and the summary over subjects: the numbers of the
 * `decoding` section of metrics.json. Every metric carries its chance level; the
 * headline identification also carries a permutation p-value and a bootstrap CI.
 */
import { Matrix } from '../linalg/matrix.js';
import { UserError } from '../util/errors.js';
import { bootstrapMeanCI } from './bootstrap.js';
import { genreIdentification, groupByGenre, withinGenreIdentification } from './genre.js';
import {
  crossCorrelation,
  IDENTIFICATION_CHANCE,
  identificationFromCorrelation,
  meanDimensionCorrelation,
} from './identification.js';
import {
  type MetricBlock,
  type MetricSet,
  type MetricSummary,
  type MetricsFile,
  MetricsFileSchema,
  type MetricValue,
  summarise,
} from './metrics-schema.js';
import { identificationPermutationTest, withinGroupPermutationTest } from './permutation.js';
import { retrievalMetrics, retrievalRanks } from './retrieval-rank.js';
import { subSeed } from './seed.js';

/**
 * Clip-level matrix from window-level rows: M is (n_clips·n_windows) × dim with the
 * windows of clip c in rows c·n_windows … c·n_windows + n_windows − 1 (the layout of
 * `pred_test.npy` flattened); returns n_clips × dim float64 means.
 */
export function averageWindows(M: Matrix, nWindows: number): Matrix<Float64Array> {
  if (!Number.isInteger(nWindows) || nWindows < 1 || M.rows % nWindows !== 0) {
    throw new UserError(`${M.rows} rows cannot be split into clips of ${nWindows} windows`, {
      hint: 'pass the number of embedding windows per clip (4 for 10-s windows at 1.5-s stride)',
    });
  }
  const nClips = M.rows / nWindows;
  const d = M.cols;
  const out = Matrix.zeros(nClips, d);
  for (let c = 0; c < nClips; c++) {
    for (let w = 0; w < nWindows; w++) {
      const src = (c * nWindows + w) * d;
      for (let j = 0; j < d; j++)
        out.data[c * d + j] = (out.data[c * d + j] as number) + (M.data[src + j] as number);
    }
    for (let j = 0; j < d; j++) out.data[c * d + j] = (out.data[c * d + j] as number) / nWindows;
  }
  return out;
}

/**
 * Clip-level means of rows labelled by clip (rows of one clip need not be adjacent,
 * as in cross-validated training predictions). M: n_rows × dim; clipOfRow: length
 * n_rows. Returns clips in ascending label order and their n_clips × dim means.
 */
export function averageByLabel(
  M: Matrix,
  clipOfRow: ArrayLike<number>,
): { clips: Int32Array; A: Matrix<Float64Array> } {
  if (clipOfRow.length !== M.rows) {
    throw new UserError(`${clipOfRow.length} clip labels for ${M.rows} rows`, {
      hint: 'give the clip of every prediction row',
    });
  }
  const clips = Int32Array.from(new Set(Array.from(clipOfRow))).sort();
  const slot = new Map<number, number>();
  clips.forEach((c, k) => {
    slot.set(c, k);
  });
  const d = M.cols;
  const A = Matrix.zeros(clips.length, d);
  const count = new Float64Array(clips.length);
  for (let r = 0; r < M.rows; r++) {
    const k = slot.get(clipOfRow[r] as number) as number;
    count[k] = (count[k] as number) + 1;
    for (let j = 0; j < d; j++)
      A.data[k * d + j] = (A.data[k * d + j] as number) + (M.data[r * d + j] as number);
  }
  for (let k = 0; k < clips.length; k++) {
    for (let j = 0; j < d; j++) A.data[k * d + j] = (A.data[k * d + j] as number) / (count[k] as number);
  }
  return { clips, A };
}

export interface StatOptions {
  /** Label permutations for the p-value (0 = none). */
  permutations: number;
  /** Bootstrap resamples over clips for the 95 % CI (0 = none). */
  bootstrap: number;
  seed: number;
}

/**
 * Identification with its statistics from clip-level pred/target (n × dim): value,
 * chance 0.5, n, and p / ci95 when permutations / bootstrap are > 0.
 */
export function identificationMetric(
  pred: Matrix,
  target: Matrix,
  opts: StatOptions,
): { metric: MetricValue; C: Float64Array; perItem: Float64Array; nullMean?: number; nullSd?: number } {
  const n = pred.rows;
  const C = crossCorrelation(pred, target);
  const id = identificationFromCorrelation(C, n);
  const metric: MetricValue = { value: id.accuracy, chance: IDENTIFICATION_CHANCE, better: 'higher', n };
  const out: ReturnType<typeof identificationMetric> = { metric, C, perItem: id.perItem };
  if (opts.permutations > 0) {
    const perm = identificationPermutationTest(C, n, {
      permutations: opts.permutations,
      seed: subSeed(opts.seed, 'identification.permutation'),
    });
    metric.p = perm.p;
    metric.nPermutations = perm.permutations;
    out.nullMean = perm.nullMean;
    out.nullSd = perm.nullSd;
  }
  if (opts.bootstrap > 0) {
    metric.ci95 = bootstrapMeanCI(id.perItem, {
      resamples: opts.bootstrap,
      seed: subSeed(opts.seed, 'identification.bootstrap'),
    });
  }
  return out;
}

/**
 * Identification of cross-validated training predictions (each row predicted by a
 * model that did not see its run): window rows averaged per clip, then scored over
 * all training clips (about 480 on ds003720). pred, target: n_rows × dim; clipOfRow:
 * the clip of each row. Key in the metric set: `identification.trainCv`.
 */
export function trainCvIdentification(
  pred: Matrix,
  target: Matrix,
  clipOfRow: ArrayLike<number>,
  opts: StatOptions,
): MetricValue {
  const p = averageByLabel(pred, clipOfRow);
  const t = averageByLabel(target, clipOfRow);
  return identificationMetric(p.A, t.A, { ...opts, seed: subSeed(opts.seed, 'trainCv') }).metric;
}

export interface EvaluateDecodingInput extends StatOptions {
  /** Predicted clip embeddings, n_clips × dim (windows averaged: see `averageWindows`). */
  pred: Matrix;
  /** True clip embeddings, n_clips × dim, same row order. */
  target: Matrix;
  /** Genre of each clip (for per-genre identification); optional. */
  genres?: readonly string[];
  /** Clip id of each row (e.g. `blues.00012`), for `details.ranks`; optional. */
  clips?: readonly string[];
  /** Cross-validated training predictions, scored as `identification.trainCv`; optional. */
  trainCv?: { pred: Matrix; target: Matrix; clipOfRow: ArrayLike<number> };
}

export interface DecodingDetails {
  n: number;
  /** acc_i per clip, in row order. */
  perItem: number[];
  /** n-way retrieval rank of the true clip per row (1 = best). */
  ranks: number[];
  /** clip id → rank, when clip ids were given (the run folder's `ranks.json`). */
  ranksByClip?: Record<string, number>;
  /** Mean and SD of identification under label permutation. */
  null?: { mean: number; sd: number };
}

/**
 * All decoding metrics of one subject × decoder. Keys: `identification` (p,
 * nPermutations, ci95, n), `embeddingR` (mean over dims of Pearson r across clips,
 * chance 0), `retrieval<n>.top1/top3/top5/meanRank` (`retrieval60.*` for the 60
 * test clips; top-1 is rank-1 identification), `identification.genre.<genre>` and
 * `identification.withinGenre` (rivals of the same genre only) when genres are given,
 * and `identification.trainCv` when training predictions are given.
 */
export function evaluateDecoding(input: EvaluateDecodingInput): {
  metrics: MetricSet;
  details: DecodingDetails;
} {
  const { pred, target } = input;
  const n = pred.rows;
  if (input.clips && input.clips.length !== n) {
    throw new UserError(`${input.clips.length} clip ids for ${n} prediction rows`);
  }
  const id = identificationMetric(pred, target, input);
  const ranks = retrievalRanks(id.C, n);
  const metrics: MetricSet = {
    identification: id.metric,
    embeddingR: {
      value: finiteOrNull(meanDimensionCorrelation(pred, target)),
      chance: 0,
      better: 'higher',
      n,
    },
    ...retrievalMetrics(ranks),
  };
  if (input.genres) {
    Object.assign(
      metrics,
      genreIdentification(id.perItem, input.genres, { bootstrap: input.bootstrap, seed: input.seed }),
    );
    const within = withinGenreIdentification(id.C, input.genres);
    const mv: MetricValue = {
      value: within.value,
      chance: IDENTIFICATION_CHANCE,
      better: 'higher',
      n: within.n,
    };
    if (input.permutations > 0 && within.n > 0) {
      const perm = withinGroupPermutationTest(id.C, n, [...groupByGenre(input.genres).values()], {
        permutations: input.permutations,
        seed: subSeed(input.seed, 'identification.withinGenre.permutation'),
      });
      mv.p = perm.p;
      mv.nPermutations = perm.permutations;
    }
    const scored = Array.from(within.perItem).filter((v) => !Number.isNaN(v));
    if (input.bootstrap > 0 && scored.length > 0) {
      mv.ci95 = bootstrapMeanCI(scored, {
        resamples: input.bootstrap,
        seed: subSeed(input.seed, 'identification.withinGenre.bootstrap'),
      });
    }
    metrics['identification.withinGenre'] = mv;
  }
  if (input.trainCv) {
    // Training identification diagnoses overfitting (the paper: 0.992 train vs 0.876
    // test); it is not a test of decoding, so it gets a CI but no p-value.
    metrics['identification.trainCv'] = trainCvIdentification(
      input.trainCv.pred,
      input.trainCv.target,
      input.trainCv.clipOfRow,
      { permutations: 0, bootstrap: input.bootstrap, seed: input.seed },
    );
  }
  const details: DecodingDetails = { n, perItem: Array.from(id.perItem), ranks: Array.from(ranks) };
  if (input.clips)
    details.ranksByClip = Object.fromEntries(input.clips.map((c, i) => [c, ranks[i] as number]));
  if (id.nullMean !== undefined) details.null = { mean: id.nullMean, sd: id.nullSd ?? 0 };
  return { metrics, details };
}

function finiteOrNull(x: number): number | null {
  return Number.isFinite(x) ? x : null;
}

/**
 * Mean ± SD over subjects for every key present in any subject. Chance levels and
 * the better side must agree across subjects for a key (they do whenever subjects
 * share the test set); a disagreement is a bug in the caller and throws.
 */
export function summarizeBlock(
  perSubject: Record<string, MetricSet>,
  details?: Record<string, unknown>,
): MetricBlock {
  const keys: string[] = [];
  const seen = new Set<string>();
  for (const set of Object.values(perSubject)) {
    for (const k of Object.keys(set)) {
      if (!seen.has(k)) {
        seen.add(k);
        keys.push(k);
      }
    }
  }
  const summary: Record<string, MetricSummary> = {};
  for (const k of keys) {
    const vals: Array<number | null> = [];
    let chance: number | undefined;
    let better: 'higher' | 'lower' = 'higher';
    for (const [subject, set] of Object.entries(perSubject)) {
      const m = set[k];
      if (!m) continue;
      if (chance !== undefined && (m.chance !== chance || m.better !== better)) {
        throw new Error(
          `metric ${k}: ${subject} has chance ${m.chance} (${m.better}), others ${chance} (${better})`,
        );
      }
      chance = m.chance;
      better = m.better;
      vals.push(m.value);
    }
    summary[k] = summarise(vals, chance as number, better);
  }
  const block: MetricBlock = { perSubject, summary };
  if (details) block.details = details;
  return block;
}

/**
 * Parses a metrics.json object against `MetricsFileSchema`; a UserError lists every
 * problem with its path (e.g. `decoding.whole-cortex.perSubject.sub-001.identification.chance`).
 */
export function validateMetricsFile(obj: unknown, file?: string): MetricsFile {
  const r = MetricsFileSchema.safeParse(obj);
  if (r.success) return r.data;
  const lines = r.error.issues.map((i) => `  ${i.path.map(String).join('.') || '(root)'}: ${i.message}`);
  const opts: { file?: string; hint: string } = {
    hint: 'every metric needs a numeric `value` (or null) and its `chance` level; see src/evaluate/metrics-schema.ts',
  };
  if (file !== undefined) opts.file = file;
  throw new UserError(
    `metrics file does not match the schema brain2music/metrics@1:\n${lines.join('\n')}`,
    opts,
  );
}
