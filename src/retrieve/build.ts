/**
 * The library index: one raw (unstandardised) embedding per track, the mean of
 * the run's embedder windows inside the first 15 s of the track (METHOD.md §3.7:
 * retrieval compares clip-average embeddings). Embedding goes through the pool
 * (`embedFiles`), so every track is embedded once per embedder, window layout and
 * crop and served from the content-hash cache afterwards.
 */

import { embedFiles } from '../embed/pool.js';
import type { EmbedderOptions } from '../embed/registry.js';
import type { WindowSpec } from '../embed/types.js';
import { Matrix } from '../linalg/matrix.js';
import { UserError } from '../util/errors.js';
import { hashJson } from '../util/hash.js';
import { type ProgressSink, silentProgress } from '../util/progress.js';
import type { LibraryTrack } from './library.js';
import { checkMemory, defaultRetrievalBudget } from './memory.js';

export interface LibraryIndex {
  /** Track ids, row order of `E`. */
  ids: string[];
  genres: string[];
  paths: string[];
  /** E: n_tracks × dim, float32, raw embedder space (window mean). */
  E: Matrix<Float32Array>;
  /**
   * Hash of everything that fixes `E`: embedder fingerprint, windows, excerpt and
   * every track's id, genre and content hash. Use it as the artifact hash.
   */
  fingerprint: string;
  embedder: string;
  windows: WindowSpec;
  /** Seconds from the start of each track that were embedded. */
  excerptSeconds: number;
  /** SHA-256 of each track's bytes. */
  hashes: string[];
}

export interface BuildLibraryOptions {
  /** Registry name (the run's embedder). */
  embedder: string;
  embedderOptions?: EmbedderOptions;
  /** The run's window layout (windows inside the excerpt are averaged). */
  windows: WindowSpec;
  /** Embedding cache folder (null: none). */
  cacheDir: string | null;
  progress?: ProgressSink;
  workers?: number;
  /** Seconds embedded from the start of each track (default 15). */
  excerptSeconds?: number;
  /**
   * Tracks embedded per pool call: bounds memory (per-window matrices of one chunk
   * live at once) for libraries of 10⁵ tracks. Default 2048.
   */
  chunkSize?: number;
}

/** A sink that labels the chunk and counts across chunks. */
function chunkProgress(outer: ProgressSink, chunk: number, chunks: number): ProgressSink {
  if (chunks === 1) return outer;
  return {
    start: (label, total) => outer.start(`${label} (library part ${chunk + 1}/${chunks})`, total),
    update: (done, note) => outer.update(done, note),
    finish: (note) => outer.finish(note),
  };
}

/** Embeds every track's excerpt and averages its windows: one raw vector per track. */
export async function buildLibraryIndex(
  tracks: readonly LibraryTrack[],
  opts: BuildLibraryOptions,
): Promise<LibraryIndex> {
  if (tracks.length === 0) {
    throw new UserError('the retrieval library is empty', {
      field: 'retrieval.library',
      hint: 'list the library with listLibraryAudio first',
    });
  }
  const seen = new Set<string>();
  for (const t of tracks) {
    if (seen.has(t.id)) throw new Error(`duplicate library track id ${t.id}`);
    seen.add(t.id);
  }
  const excerptSeconds = opts.excerptSeconds ?? 15;
  const chunk = Math.max(1, opts.chunkSize ?? 2048);
  const chunks = Math.ceil(tracks.length / chunk);
  const progress = opts.progress ?? silentProgress;
  let E: Matrix<Float32Array> | null = null;
  const hashes: string[] = [];
  let fingerprint = '';
  for (let c = 0; c < chunks; c++) {
    const part = tracks.slice(c * chunk, (c + 1) * chunk);
    const res = await embedFiles(
      part.map((t) => t.path),
      {
        embedder: opts.embedder,
        embedderOptions: opts.embedderOptions,
        windows: opts.windows,
        crop: { startSeconds: 0, seconds: excerptSeconds },
        cacheDir: opts.cacheDir,
        workers: opts.workers,
        progress: chunkProgress(progress, c, chunks),
      },
    );
    fingerprint = res.fingerprint;
    hashes.push(...res.hashes);
    res.clips.forEach((m, j) => {
      const d = m.cols;
      if (E === null) {
        checkMemory(
          tracks.length * d * 4,
          defaultRetrievalBudget(),
          `the library index (${tracks.length} tracks × ${d})`,
          'use a smaller library or an embedder with fewer dimensions',
        );
        E = Matrix.zeros(tracks.length, d, 'float32');
      }
      if (d !== E.cols)
        throw new Error(`embedder returned ${d} columns for ${part[j]?.path}, expected ${E.cols}`);
      // Mean over windows in float64: the order of a float32 sum would change the last bits.
      const row = E.row(c * chunk + j);
      const acc = new Float64Array(d);
      for (let w = 0; w < m.rows; w++) {
        const r = m.row(w);
        for (let k = 0; k < d; k++) acc[k] = (acc[k] as number) + (r[k] as number);
      }
      for (let k = 0; k < d; k++) row[k] = (acc[k] as number) / m.rows;
    });
  }
  return {
    ids: tracks.map((t) => t.id),
    genres: tracks.map((t) => t.genre),
    paths: tracks.map((t) => t.path),
    E: E as unknown as Matrix<Float32Array>,
    fingerprint: hashJson({
      kind: 'library-index',
      embedder: fingerprint,
      windows: opts.windows,
      excerptSeconds,
      tracks: tracks.map((t, i) => [t.id, t.genre, hashes[i]]),
    }),
    embedder: opts.embedder,
    windows: { ...opts.windows },
    excerptSeconds,
    hashes,
  };
}
