/**
 * On-disk cache of masked, preprocessed run matrices (n_scans × n_voxels float32),
 * so the second run of anything skips NIfTI decoding, masking, drift removal and
 * z-scoring.
 *
 * Key = SHA-256 of (cache format, the run image's CONTENT hash, the mask's voxel
 * offsets and grid, TR, and the settings that change the matrix: detrend and
 * z-score). Windowing, delays and repetition averaging are cheap and not part of
 * the key, so changing them reuses the entries.
 *
 * Content hash: the full SHA-256 of the image's bytes, computed once per file and
 * remembered in `hashes.json` under (path, size, mtime, inode). A file that is
 * copied elsewhere hashes to the same key; a file rewritten in place gets a new
 * mtime and is hashed again. (Hashing reads the file once more, ~0.5 s for a
 * 514 MB run, only the first time.)
 *
 * Entries: `<dir>/<key[0:2]>/<key>.npy` (C-order float32) and `<key>.json` (the
 * zero-variance / non-finite voxel report), both written atomically; the JSON is
 * written last and read first, so an entry without it is never trusted.
 */
import { readFile, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { parseNpy, writeNpy } from '../io/npy.js';
import { Matrix } from '../linalg/matrix.js';
import { sweepStaleTemps, writeFileAtomic } from '../util/atomic.js';
import { cacheDir } from '../util/cache-dir.js';
import { hashBytes, hashFile, hashJson } from '../util/hash.js';
import type { PreprocessOptions } from './preprocess/options.js';
import type { ZscoreReport } from './preprocess/zscore.js';

/** Bumped whenever the entry format or the preprocessing code changes its output. */
export const FMRI_CACHE_FORMAT = 1;

/** The default folder, by the one cache-folder rule (src/util/cache-dir.ts): `<cache>/fmri`. */
export function defaultFmriCacheDir(): string {
  return cacheDir('fmri');
}

/** What identifies the voxels of a mask (the columns of every matrix). */
export interface MaskIdentity {
  /** Linear voxel offsets in column order. */
  indices: Int32Array;
  /** Grid shape [nx, ny, nz] (or any array that pins the grid). */
  shape: readonly number[];
}

export interface RunKeyParts {
  /** SHA-256 of the image's bytes (see `RunMatrixCache.contentHash`). */
  content: string;
  mask: MaskIdentity;
  tr: number;
  options: Pick<PreprocessOptions, 'detrend' | 'zscore'>;
}

export function runCacheKey(p: RunKeyParts): string {
  return hashJson({
    format: FMRI_CACHE_FORMAT,
    content: p.content,
    mask: { offsets: hashBytes(p.mask.indices), n: p.mask.indices.length, shape: [...p.mask.shape] },
    tr: p.tr,
    detrend: relevantDetrend(p.options.detrend),
    zscore: p.options.zscore,
  });
}

/** Only the detrend fields the chosen method reads (other fields do not split the cache). */
function relevantDetrend(d: PreprocessOptions['detrend']): Record<string, unknown> {
  if (d.method === 'median') return { method: d.method, seconds: d.medianSeconds, edge: d.medianEdge };
  if (d.method === 'polynomial') return { method: d.method, order: d.order };
  if (d.method === 'cosine') return { method: d.method, cutoff: d.cutoffSeconds };
  return { method: d.method };
}

export interface CachedRun {
  X: Matrix<Float32Array>;
  report: ZscoreReport;
}

interface HashMemo {
  [path: string]: { size: number; mtimeMs: number; ino: number; sha256: string };
}

export class RunMatrixCache {
  hits = 0;
  misses = 0;
  private memo: HashMemo | null = null;

  constructor(readonly dir: string) {}

  private entry(key: string, ext: string): string {
    return join(this.dir, key.slice(0, 2), `${key}${ext}`);
  }

  /** SHA-256 of the file's bytes, remembered per (path, size, mtime, inode). */
  async contentHash(path: string): Promise<string> {
    const abs = resolve(path);
    const st = await stat(abs);
    const memo = await this.loadMemo();
    const m = memo[abs];
    if (m && m.size === st.size && m.mtimeMs === st.mtimeMs && m.ino === st.ino) return m.sha256;
    const sha256 = await hashFile(abs);
    // Re-read before writing so that concurrent runs lose as little as possible.
    this.memo = null;
    const fresh = await this.loadMemo();
    fresh[abs] = { size: st.size, mtimeMs: st.mtimeMs, ino: st.ino, sha256 };
    await writeFileAtomic(join(this.dir, 'hashes.json'), JSON.stringify(fresh));
    return sha256;
  }

  private async loadMemo(): Promise<HashMemo> {
    if (this.memo) return this.memo;
    try {
      const v = JSON.parse(await readFile(join(this.dir, 'hashes.json'), 'utf8')) as unknown;
      this.memo = v && typeof v === 'object' && !Array.isArray(v) ? (v as HashMemo) : {};
    } catch {
      this.memo = {};
    }
    return this.memo;
  }

  /** The cached matrix, or null (missing, partial, unreadable or of another shape). */
  async get(key: string, expectedCols?: number): Promise<CachedRun | null> {
    try {
      const meta = JSON.parse(await readFile(this.entry(key, '.json'), 'utf8')) as {
        shape: [number, number];
        report: ZscoreReport;
      };
      const arr = parseNpy(new Uint8Array(await readFile(this.entry(key, '.npy'))), this.entry(key, '.npy'));
      const [rows, cols] = arr.shape as [number, number];
      if (
        !(arr.data instanceof Float32Array) ||
        arr.shape.length !== 2 ||
        rows !== meta.shape[0] ||
        cols !== meta.shape[1] ||
        (expectedCols !== undefined && cols !== expectedCols)
      ) {
        this.misses++;
        return null;
      }
      this.hits++;
      return { X: new Matrix(rows, cols, arr.data), report: meta.report };
    } catch {
      this.misses++;
      return null;
    }
  }

  async put(key: string, run: CachedRun, about: Record<string, unknown> = {}): Promise<void> {
    // Half-written entries of runs that were killed (their process is gone) go first.
    sweepStaleTemps(dirname(this.entry(key, '.npy')));
    await writeNpy(this.entry(key, '.npy'), run.X.data, [run.X.rows, run.X.cols]);
    await writeFileAtomic(
      this.entry(key, '.json'),
      JSON.stringify({
        format: FMRI_CACHE_FORMAT,
        shape: [run.X.rows, run.X.cols],
        report: run.report,
        ...about,
      }),
    );
  }

  /** `get`, else `compute` then `put`. */
  async getOrCompute(
    key: string,
    compute: () => Promise<CachedRun>,
    about?: Record<string, unknown>,
  ): Promise<CachedRun & { hit: boolean }> {
    const hit = await this.get(key);
    if (hit) return { ...hit, hit: true };
    const run = await compute();
    await this.put(key, run, about);
    return { ...run, hit: false };
  }
}
