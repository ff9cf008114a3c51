/**
 * Retrieval baselines and the genre agreement measure (METHOD.md §3.7):
 * - oracle: query with the true embedding of the stimulus (`queryLibrary` on the
 *   truth), the ceiling the embedding space allows;
 * - chance: tracks drawn at random (seeded), the floor;
 * - genre match: the share of queries whose top-1 track has the stimulus's genre;
 *   its chance level is Σ_g (n_g / N) · [g = genre of the stimulus], averaged over
 *   the queries (the expected match of a uniformly drawn track).
 */
import { Matrix } from '../linalg/matrix.js';
import { UserError } from '../util/errors.js';
import { Rng } from '../util/rng.js';

/**
 * `k` distinct random tracks (of `nTracks`) per query, seeded: n_queries × k, row-major.
 * The same seed gives the same draws.
 */
export function randomTracks(
  nQueries: number,
  nTracks: number,
  k: number,
  seed: number | string,
): Int32Array {
  if (!Number.isInteger(k) || k < 1 || k > nTracks) {
    throw new UserError(`cannot draw ${k} distinct tracks of ${nTracks}`, {
      field: 'retrieval.topK',
      hint: `use a topK between 1 and ${nTracks}`,
    });
  }
  const rng = new Rng(seed);
  const out = new Int32Array(nQueries * k);
  for (let q = 0; q < nQueries; q++) {
    const picked = new Set<number>();
    for (let j = 0; j < k; j++) {
      let t = rng.int(0, nTracks - 1);
      while (picked.has(t)) t = rng.int(0, nTracks - 1);
      picked.add(t);
      out[q * k + j] = t;
    }
  }
  return out;
}

/** Share of queries whose rank-1 track (`indices` n_queries × k) has the query's genre. */
export function genreMatchRate(
  indices: Int32Array,
  k: number,
  libraryGenres: readonly string[],
  queryGenres: readonly string[],
): number {
  const n = queryGenres.length;
  if (indices.length !== n * k) throw new Error(`${indices.length} indices for ${n} queries × ${k}`);
  if (n === 0) return Number.NaN;
  let hits = 0;
  for (let q = 0; q < n; q++) if (libraryGenres[indices[q * k] as number] === queryGenres[q]) hits++;
  return hits / n;
}

/** Expected genre match of a uniformly drawn track: mean over queries of n_genre / N. */
export function genreMatchChance(libraryGenres: readonly string[], queryGenres: readonly string[]): number {
  const counts = new Map<string, number>();
  for (const g of libraryGenres) counts.set(g, (counts.get(g) ?? 0) + 1);
  if (queryGenres.length === 0 || libraryGenres.length === 0) return Number.NaN;
  let s = 0;
  for (const g of queryGenres) s += (counts.get(g) ?? 0) / libraryGenres.length;
  return s / queryGenres.length;
}

/**
 * The clip-average of per-window embeddings: data n_clips × n_windows × dim (C order)
 * → n_clips × dim (float32, mean in float64). Retrieval queries with these.
 */
export function clipAverage(
  data: Float32Array | Float64Array,
  shape: readonly [number, number, number],
): Matrix<Float32Array> {
  const [n, w, d] = shape;
  if (data.length !== n * w * d)
    throw new Error(`array of ${data.length} values is not ${shape.join(' × ')}`);
  const out = Matrix.zeros(n, d, 'float32');
  const acc = new Float64Array(d);
  for (let i = 0; i < n; i++) {
    acc.fill(0);
    for (let k = 0; k < w; k++) {
      const off = (i * w + k) * d;
      for (let j = 0; j < d; j++) acc[j] = (acc[j] as number) + (data[off + j] as number);
    }
    for (let j = 0; j < d; j++) out.data[i * d + j] = (acc[j] as number) / w;
  }
  return out;
}
