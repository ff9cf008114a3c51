/**
 * Content-addressed embedding cache on disk, so nothing is embedded twice.
 * Key = SHA-256 of (embedder fingerprint, window spec, content hash of the audio
 * file's bytes). A hit costs one small file read: no decoding, no model.
 * Entry format: a `.npy` file (float32, n_windows × dim), written atomically, so
 * a crash never leaves an entry that a later run would trust; unreadable or
 * mismatched entries are ignored and recomputed.
 */
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { encodeNpy, parseNpy } from '../io/npy.js';
import { Matrix } from '../linalg/matrix.js';
import { writeFileAtomic } from '../util/atomic.js';
import { hashJson } from '../util/hash.js';
import type { WindowSpec } from './types.js';

/** Bumped when the entry format or the meaning of keys changes. */
const CACHE_FORMAT = 1;

export interface CacheKeyParts {
  /** `Embedder.fingerprint`. */
  embedder: string;
  windows: WindowSpec;
  /** SHA-256 of the audio file's bytes (or of samples + rate for in-memory audio). */
  content: string;
  /** Anything else that changes the result (e.g. max clip length). */
  extra?: unknown;
}

export function cacheKey(parts: CacheKeyParts): string {
  return hashJson({ format: CACHE_FORMAT, ...parts });
}

export class EmbeddingCache {
  hits = 0;
  misses = 0;

  /** dir: the cache folder (created on first write). */
  constructor(readonly dir: string) {}

  private pathFor(key: string): string {
    // Two-level fan-out keeps folders small for libraries of 100k tracks.
    return join(this.dir, key.slice(0, 2), `${key}.npy`);
  }

  /** The cached n_windows × dim matrix, or null (missing, unreadable or wrong width). */
  async get(key: string, dim: number): Promise<Matrix<Float32Array> | null> {
    return this.read(key, dim);
  }

  /** Like `get` for a caller that does not know the width yet (the key already pins the embedder). */
  async getAny(key: string): Promise<Matrix<Float32Array> | null> {
    return this.read(key, null);
  }

  private async read(key: string, dim: number | null): Promise<Matrix<Float32Array> | null> {
    let bytes: Uint8Array;
    try {
      bytes = new Uint8Array(await readFile(this.pathFor(key)));
    } catch {
      this.misses++;
      return null;
    }
    try {
      const arr = parseNpy(bytes, this.pathFor(key));
      if (
        !(arr.data instanceof Float32Array) ||
        arr.shape.length !== 2 ||
        (dim !== null && arr.shape[1] !== dim)
      ) {
        this.misses++;
        return null;
      }
      this.hits++;
      return new Matrix(arr.shape[0] as number, arr.shape[1] as number, arr.data);
    } catch {
      this.misses++;
      return null;
    }
  }

  async put(key: string, m: Matrix<Float32Array>): Promise<void> {
    const path = this.pathFor(key);
    await mkdir(join(this.dir, key.slice(0, 2)), { recursive: true });
    await writeFileAtomic(path, encodeNpy(m.data, [m.rows, m.cols]));
  }
}
