/**
 * Exact cosine nearest neighbours in a library, by GEMM on the numeric engine.
 *
 * The library is prepared once: each raw vector is standardised with the
 * decoders' standardiser (fitted on training stimuli) so it lives in the space the
 * predictions live in, then scaled to unit length. A query batch is normalised the
 * same way and scored against the library with one GEMM (S = Q · Uᵀ); the top k
 * of each row are kept while scanning in index order, so ties go to the lower
 * index. A zero vector (silent track, or a query of zeros) has cosine 0 with
 * everything. Memory (the unit library, one score block) is checked before
 * allocating; query batches and, when needed, library blocks are sized from the
 * budget so a 10⁵-track library works in a few hundred MB.
 */
import type { Standardizer } from '../embed/standardize.js';
import { getBackend } from '../linalg/index.js';
import { Matrix } from '../linalg/matrix.js';
import { UserError } from '../util/errors.js';
import { checkMemory, defaultRetrievalBudget } from './memory.js';

/** Unit-length library rows in the decoders' space: U: n_tracks × dim, float32. */
export interface PreparedLibrary {
  U: Matrix<Float32Array>;
  /** Whether a standardiser was applied before normalising. */
  standardized: boolean;
}

export interface PrepareLibraryOptions {
  /** Applied to the raw library vectors first (the decoders' standardiser). */
  standardizer?: Standardizer | null;
  /** Memory budget in bytes (default min(2 GiB, 40 % of RAM)). */
  maxMemoryBytes?: number;
}

export interface QueryOptions extends PrepareLibraryOptions {
  /** Largest score block (query rows × library rows) in bytes (default 64 MiB: stays in cache-friendly sizes). */
  maxBlockBytes?: number;
}

export interface QueryResult {
  /** n_queries × k track rows, best first (row-major). */
  indices: Int32Array;
  /** n_queries × k cosine similarities, same layout. */
  scores: Float32Array;
  k: number;
}

/** Scales `src` (length d) by 1/‖src‖ into `dst`; a zero vector stays zero. */
function unitInto(src: ArrayLike<number>, dst: Float32Array, off: number, d: number): void {
  let ss = 0;
  for (let j = 0; j < d; j++) ss += (src[j] as number) ** 2;
  const inv = ss > 0 ? 1 / Math.sqrt(ss) : 0;
  for (let j = 0; j < d; j++) dst[off + j] = (src[j] as number) * inv;
}

/**
 * Standardises (optional) and normalises every library row once.
 * E: n_tracks × dim (raw). Throws a `UserError` for a non-finite value (naming the row).
 */
export function prepareLibrary(
  library: { E: Matrix; ids?: readonly string[] },
  opts: PrepareLibraryOptions = {},
): PreparedLibrary {
  const { E } = library;
  const n = E.rows;
  const d = E.cols;
  const budget = opts.maxMemoryBytes ?? defaultRetrievalBudget();
  checkMemory(
    n * d * 4,
    budget,
    `the normalised library (${n} tracks × ${d})`,
    'raise the memory budget or use a smaller library',
  );
  const st = opts.standardizer ?? null;
  if (st && st.dim !== d) {
    throw new UserError(`the standardiser has ${st.dim} dimensions, the library index ${d}`, {
      field: 'retrieval.library',
      hint: 'build the library index with the run’s embedder',
    });
  }
  const U = Matrix.zeros(n, d, 'float32');
  const z = new Float64Array(d);
  for (let i = 0; i < n; i++) {
    const r = E.row(i);
    for (let j = 0; j < d; j++) {
      const v = r[j] as number;
      if (!Number.isFinite(v)) {
        throw new UserError(`library vector ${i}${library.ids ? ` (${library.ids[i]})` : ''} holds ${v}`, {
          field: 'retrieval.library',
          hint: 'the library index is damaged: delete it so it is rebuilt',
        });
      }
      z[j] = st ? (v - (st.state.mean[j] as number)) / (st.state.scale[j] as number) : v;
    }
    unitInto(z, U.data, i * d, d);
  }
  return { U, standardized: st !== null };
}

function isPrepared(x: unknown): x is PreparedLibrary {
  return typeof x === 'object' && x !== null && 'U' in x && 'standardized' in x;
}

/** Keeps the k best (score desc, index asc) of `row` (library rows `base…`) in `topS`/`topI`. */
function scanRow(
  row: Float32Array,
  rowOff: number,
  len: number,
  base: number,
  topS: Float32Array,
  topI: Int32Array,
  off: number,
  k: number,
  filled: number,
): number {
  let count = filled;
  let worst = count === k ? (topS[off + k - 1] as number) : -Infinity;
  for (let j = 0; j < len; j++) {
    const v = row[rowOff + j] as number;
    // Strict '>': an equal score from a later (higher) index never displaces an earlier one.
    if (count === k && !(v > worst)) continue;
    let p = count === k ? k - 1 : count;
    while (p > 0 && v > (topS[off + p - 1] as number)) {
      topS[off + p] = topS[off + p - 1] as number;
      topI[off + p] = topI[off + p - 1] as number;
      p--;
    }
    topS[off + p] = v;
    topI[off + p] = base + j;
    if (count < k) count++;
    if (count === k) worst = topS[off + k - 1] as number;
  }
  return count;
}

/**
 * The k nearest library tracks (cosine) of every query row.
 * Q: n_queries × dim, in the decoders' (standardised) space.
 * `library`: a `PreparedLibrary`, or an index `{E}` prepared here with `opts.standardizer`.
 */
export async function queryLibrary(
  library: PreparedLibrary | { E: Matrix; ids?: readonly string[] },
  Q: Matrix,
  k: number,
  opts: QueryOptions = {},
): Promise<QueryResult> {
  const lib = isPrepared(library) ? library : prepareLibrary(library, opts);
  const { U } = lib;
  const n = U.rows;
  const d = U.cols;
  if (Q.cols !== d) {
    throw new UserError(`queries have ${Q.cols} dimensions, the library ${d}`, {
      field: 'retrieval',
      hint: 'query with embeddings of the embedder the library was built with',
    });
  }
  if (!Number.isInteger(k) || k < 1 || k > n) {
    throw new UserError(`cannot retrieve the top ${k} of a library of ${n} tracks`, {
      field: 'retrieval.topK',
      hint: `use a topK between 1 and ${n}`,
    });
  }
  const nq = Q.rows;
  const budget = opts.maxMemoryBytes ?? defaultRetrievalBudget();
  const maxBlock = Math.min(opts.maxBlockBytes ?? 64 * 2 ** 20, budget);
  // Query rows per GEMM: as many as fit a block against the whole library; else block the library too.
  const whole = 4 * n <= maxBlock;
  const qb = whole ? Math.max(1, Math.min(nq, Math.floor(maxBlock / (4 * n)))) : 1;
  const lb = whole ? n : Math.max(1, Math.floor(maxBlock / 4));
  checkMemory(
    nq * k * 8 + qb * d * 4 + qb * lb * 4,
    budget,
    `retrieving the top ${k} of ${n} tracks for ${nq} queries`,
    'raise the memory budget or query fewer rows at once',
  );
  const indices = new Int32Array(nq * k);
  const scores = new Float32Array(nq * k);
  const be = await getBackend();
  for (let q0 = 0; q0 < nq; q0 += qb) {
    const b = Math.min(qb, nq - q0);
    const Qb = Matrix.zeros(b, d, 'float32');
    for (let i = 0; i < b; i++) {
      const r = Q.row(q0 + i);
      for (let j = 0; j < d; j++) {
        if (!Number.isFinite(r[j] as number)) {
          throw new UserError(`query ${q0 + i} holds ${r[j]} in dimension ${j}`, {
            field: 'retrieval',
            hint: 'predictions must be finite; check the decoder that produced them',
          });
        }
      }
      unitInto(r, Qb.data, i * d, d);
    }
    const filled = new Int32Array(b);
    for (let l0 = 0; l0 < n; l0 += lb) {
      const L = Math.min(lb, n - l0);
      const Ub = L === n ? U : new Matrix(L, d, U.data.subarray(l0 * d, (l0 + L) * d));
      const S = (await be.gemm(Qb, Ub, {
        transB: true,
        assumeFinite: { A: true, B: true },
      })) as Matrix<Float32Array>;
      for (let i = 0; i < b; i++) {
        filled[i] = scanRow(S.data, i * L, L, l0, scores, indices, (q0 + i) * k, k, filled[i] as number);
      }
    }
  }
  return { indices, scores, k };
}
