/**
 * Retrieval for a set of query clips, with its baselines, in the run folder's
 * `retrieval/sub-XXX/<decoder>.json` form: per clip the top-k tracks retrieved
 * with the decoded embedding (brain), with the true embedding (oracle) and drawn
 * at random (chance), and a summary of genre agreement with its chance level.
 * Audio for the retrieved tracks is written once per track (`writeRetrievedAudio`).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Matrix } from '../linalg/matrix.js';
import { UserError } from '../util/errors.js';
import type { ProgressSink } from '../util/progress.js';
import { genreMatchChance, genreMatchRate, randomTracks } from './baselines.js';
import type { LibraryIndex } from './build.js';
import { type ExcerptJob, type ExcerptOptions, writeExcerpts } from './excerpt.js';
import { type PreparedLibrary, type QueryOptions, queryLibrary } from './query.js';

export interface RetrievedTrack {
  track: string;
  genre: string;
  /** Cosine similarity to the decoded (brain, chance) or true (oracle) query. */
  score: number;
}

export interface ClipRetrieval {
  clip: string;
  genre: string;
  brain: RetrievedTrack[];
  oracle: RetrievedTrack[];
  chance: RetrievedTrack[];
}

export interface RetrievalSummary {
  /** Share of clips whose top-1 track has the clip's genre. */
  genreMatch: { brain: number; oracle: number; chance: number; chanceLevel: number };
  /** Mean top-1 cosine similarity. */
  meanTopScore: { brain: number; oracle: number; chance: number };
  nClips: number;
}

export interface RetrievalRecord {
  clips: ClipRetrieval[];
  library: { n: number; root?: string; fingerprint: string };
  summary: RetrievalSummary;
}

export interface RetrieveClipsInput {
  /** Query clips in row order of `predicted`/`truth`. */
  clips: readonly { id: string; genre: string }[];
  /** predicted: n_clips × dim, clip-average decoded embeddings (standardised space). */
  predicted: Matrix;
  /** truth: n_clips × dim, clip-average true embeddings (same space). */
  truth: Matrix;
}

export interface RetrieveClipsOptions extends QueryOptions {
  topK: number;
  /** Seed of the chance baseline. */
  seed: number | string;
  /** Recorded in the output (the library folder). */
  libraryRoot?: string;
}

function rows(
  library: LibraryIndex,
  res: { indices: Int32Array; scores: Float32Array },
  q: number,
  k: number,
): RetrievedTrack[] {
  return Array.from({ length: k }, (_, j) => {
    const t = res.indices[q * k + j] as number;
    return {
      track: library.ids[t] as string,
      genre: library.genres[t] as string,
      score: res.scores[q * k + j] as number,
    };
  });
}

/** Cosine of each query with its drawn tracks (the chance rows carry real scores too). */
function chanceScores(prepared: PreparedLibrary, Q: Matrix, idx: Int32Array, k: number): Float32Array {
  const d = Q.cols;
  const U = prepared.U;
  const out = new Float32Array(idx.length);
  for (let q = 0; q < Q.rows; q++) {
    const r = Q.row(q);
    let nn = 0;
    for (let j = 0; j < d; j++) nn += (r[j] as number) ** 2;
    const inv = nn > 0 ? 1 / Math.sqrt(nn) : 0;
    for (let j = 0; j < k; j++) {
      const u = U.row(idx[q * k + j] as number);
      let s = 0;
      for (let c = 0; c < d; c++) s += (r[c] as number) * (u[c] as number);
      out[q * k + j] = s * inv;
    }
  }
  return out;
}

function mean(xs: ArrayLike<number>, stride: number): number {
  let s = 0;
  let n = 0;
  for (let i = 0; i < xs.length; i += stride) {
    s += xs[i] as number;
    n++;
  }
  return n ? s / n : Number.NaN;
}

/** Brain, oracle and chance retrieval of every clip, and the genre summary. */
export async function retrieveClips(
  library: LibraryIndex,
  prepared: PreparedLibrary,
  input: RetrieveClipsInput,
  opts: RetrieveClipsOptions,
): Promise<RetrievalRecord> {
  const n = input.clips.length;
  if (input.predicted.rows !== n || input.truth.rows !== n) {
    throw new UserError(
      `${n} clips but ${input.predicted.rows} predicted and ${input.truth.rows} true embeddings`,
      { field: 'retrieval', hint: 'pass one clip-average row per clip' },
    );
  }
  if (prepared.U.rows !== library.ids.length) throw new Error('prepared library does not match the index');
  const k = opts.topK;
  const brain = await queryLibrary(prepared, input.predicted, k, opts);
  const oracle = await queryLibrary(prepared, input.truth, k, opts);
  const cIdx = randomTracks(n, library.ids.length, k, opts.seed);
  const chance = { indices: cIdx, scores: chanceScores(prepared, input.predicted, cIdx, k) };
  const qGenres = input.clips.map((c) => c.genre);
  return {
    clips: input.clips.map((c, q) => ({
      clip: c.id,
      genre: c.genre,
      brain: rows(library, brain, q, k),
      oracle: rows(library, oracle, q, k),
      chance: rows(library, chance, q, k),
    })),
    library: {
      n: library.ids.length,
      ...(opts.libraryRoot ? { root: opts.libraryRoot } : {}),
      fingerprint: library.fingerprint,
    },
    summary: {
      genreMatch: {
        brain: genreMatchRate(brain.indices, k, library.genres, qGenres),
        oracle: genreMatchRate(oracle.indices, k, library.genres, qGenres),
        chance: genreMatchRate(cIdx, k, library.genres, qGenres),
        chanceLevel: genreMatchChance(library.genres, qGenres),
      },
      meanTopScore: {
        brain: mean(brain.scores, k),
        oracle: mean(oracle.scores, k),
        chance: mean(chance.scores, k),
      },
      nClips: n,
    },
  };
}

/**
 * Writes `<audioDir>/<trackId>.mp3` (the first `seconds` of the track) for the
 * first `audioTopK` brain-retrieved tracks of every clip, skipping tracks already
 * written (files are atomic, so an existing one is complete). Returns the track
 * ids → paths written or found.
 */
export async function writeRetrievedAudio(
  record: RetrievalRecord,
  library: LibraryIndex,
  audioDir: string,
  opts: {
    audioTopK: number;
    excerpt?: ExcerptOptions;
    include?: ('brain' | 'oracle')[];
    workers?: number;
    progress?: ProgressSink;
  },
): Promise<Map<string, string>> {
  const byId = new Map(library.ids.map((id, i) => [id, library.paths[i] as string]));
  const out = new Map<string, string>();
  const jobs: ExcerptJob[] = [];
  const kinds = opts.include ?? ['brain'];
  for (const c of record.clips) {
    for (const kind of kinds) {
      for (const t of c[kind].slice(0, opts.audioTopK)) {
        if (out.has(t.track)) continue;
        const dst = join(audioDir, `${t.track}.mp3`);
        if (!existsSync(dst)) jobs.push({ src: byId.get(t.track) as string, dst, options: opts.excerpt });
        out.set(t.track, dst);
      }
    }
  }
  await writeExcerpts(jobs, { workers: opts.workers, progress: opts.progress });
  return out;
}
