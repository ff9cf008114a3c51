/**
 * Embeds many files, in parallel over worker threads when the embedder allows it
 * (each worker loads its own embedder; the main thread only schedules), with
 * progress and the on-disk cache in front: cached clips are never decoded.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { Matrix } from '../linalg/matrix.js';
import { type ErrorLocation, UserError } from '../util/errors.js';
import { hashFile } from '../util/hash.js';
import { type ProgressSink, silentProgress } from '../util/progress.js';
import { cacheKey, EmbeddingCache } from './cache.js';
import { type ClipJobSettings, embedFile, validateCrop } from './job.js';
import { createEmbedder, type EmbedderOptions, embedderEntry } from './registry.js';
import type { Embedder } from './types.js';
import { validateWindows } from './windows.js';

export interface EmbedFilesOptions extends ClipJobSettings {
  /** Registry name (default 'dsp'). */
  embedder?: string;
  embedderOptions?: EmbedderOptions;
  /** Cache folder; null disables the cache. */
  cacheDir?: string | null;
  /** Worker threads (default: the machine's cores, at most one per clip to compute; 1 = main thread). */
  workers?: number;
  progress?: ProgressSink;
}

export interface EmbedFilesResult {
  /** One matrix per input file, in input order: n_windows × dim. */
  clips: Matrix<Float32Array>[];
  /** SHA-256 of each file's bytes. */
  hashes: string[];
  fingerprint: string;
  cacheHits: number;
  computed: number;
}

/** What the pool sends a worker at start. */
export interface PoolWorkerData {
  embedder: string;
  options: EmbedderOptions;
  settings: ClipJobSettings;
}

export type WorkerRequest = { type: 'embed'; id: number; path: string } | { type: 'close' };

export type WorkerReply =
  | { ok: true; id: number; rows: number; cols: number; data: Float32Array }
  | { ok: false; id: number; user: true; message: string; location: ErrorLocation; hint?: string }
  | { ok: false; id: number; user: false; message: string };

const BOOTSTRAP = new URL('./worker-bootstrap.mjs', import.meta.url);

function rebuildError(r: WorkerReply & { ok: false }): Error {
  if (r.user) return new UserError(r.message, { ...r.location, hint: r.hint });
  return new Error(`embedding worker failed: ${r.message}`);
}

/** Runs `jobs` (indices into `paths`) over `n` workers; calls `done` per result. */
async function runInWorkers(
  n: number,
  paths: string[],
  jobs: number[],
  data: PoolWorkerData,
  done: (i: number, m: Matrix<Float32Array>) => Promise<void>,
): Promise<void> {
  const workers: Worker[] = [];
  let next = 0;
  let failure: Error | null = null;
  try {
    await Promise.all(
      Array.from({ length: n }, async () => {
        const w = new Worker(BOOTSTRAP, { workerData: data });
        workers.push(w);
        const exited = new Promise<never>((_, reject) => {
          w.once('error', reject);
          w.once('exit', (code) => reject(new Error(`embedding worker exited with code ${code}`)));
        });
        while (next < jobs.length && !failure) {
          const i = jobs[next++] as number;
          const reply = await Promise.race([
            new Promise<WorkerReply>((resolve) => {
              w.once('message', resolve);
              w.postMessage({ type: 'embed', id: i, path: paths[i] } satisfies WorkerRequest);
            }),
            exited,
          ]);
          if (!reply.ok) {
            failure ??= rebuildError(reply);
            break;
          }
          await done(i, new Matrix(reply.rows, reply.cols, reply.data));
        }
        exited.catch(() => {});
      }),
    );
  } catch (e) {
    failure ??= e as Error;
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
  if (failure) throw failure;
}

/**
 * Embeds every file: cache look-up by content hash, then the misses in parallel.
 * Throws the first clip's UserError (naming the file) if any clip fails.
 */
export async function embedFiles(paths: string[], opts: EmbedFilesOptions): Promise<EmbedFilesResult> {
  const name = opts.embedder ?? 'dsp';
  const entry = embedderEntry(name);
  const eopts = opts.embedderOptions ?? {};
  const windows = validateWindows(opts.windows);
  const crop = validateCrop(opts.crop);
  const settings: ClipJobSettings = { windows, maxSeconds: opts.maxSeconds, ...(crop ? { crop } : {}) };
  const progress = opts.progress ?? silentProgress;
  const fingerprint = await entry.fingerprint(eopts);
  const cache = opts.cacheDir ? new EmbeddingCache(opts.cacheDir) : null;

  const clips: (Matrix<Float32Array> | null)[] = new Array(paths.length).fill(null);
  const hashes: string[] = new Array(paths.length);
  const keys: string[] = new Array(paths.length);
  progress.start(`embed ${name}: cache look-up`, paths.length);
  // Hashing is I/O plus libuv-threaded SHA-256: a few files in flight keep the disk busy.
  let nextLookup = 0;
  let looked = 0;
  const lookup = async (): Promise<void> => {
    while (nextLookup < paths.length) {
      const i = nextLookup++;
      const p = paths[i] as string;
      let h: string;
      try {
        h = await hashFile(p);
      } catch (e) {
        throw new UserError(`cannot read audio file: ${(e as Error).message}`, {
          file: p,
          hint: 'check the path (audio files: wav, mp3, ogg, flac or au)',
          cause: e,
        });
      }
      hashes[i] = h;
      // maxSeconds only decides whether a clip is refused, never its numbers: not part of the key.
      // A crop changes the numbers; without one the key stays what earlier versions wrote.
      keys[i] = cacheKey({
        embedder: fingerprint,
        windows,
        content: h,
        ...(crop ? { extra: { crop } } : {}),
      });
      if (cache) clips[i] = await cache.getAny(keys[i] as string);
      progress.update(++looked);
    }
  };
  await Promise.all(Array.from({ length: Math.min(8, paths.length) }, lookup));
  progress.finish();
  const jobs = clips.flatMap((c, i) => (c === null ? [i] : []));
  const cacheHits = paths.length - jobs.length;

  const store = async (i: number, m: Matrix<Float32Array>) => {
    clips[i] = m;
    if (cache) await cache.put(keys[i] as string, m);
    progress.update(++finished);
  };
  let finished = 0;
  if (jobs.length > 0) {
    progress.start(`embed ${name}`, jobs.length);
    const cores = availableParallelism();
    const n = entry.parallel ? Math.max(1, Math.min(opts.workers ?? cores, jobs.length)) : 1;
    if (n === 1) {
      let emb: Embedder | null = null;
      try {
        emb = await createEmbedder(name, eopts);
        for (const i of jobs) await store(i, await embedFile(emb, paths[i] as string, settings));
      } finally {
        await emb?.dispose?.();
      }
    } else {
      await runInWorkers(n, paths, jobs, { embedder: name, options: eopts, settings }, store);
    }
    progress.finish(cache ? `(${cacheHits} from cache)` : undefined);
  }
  return { clips: clips as Matrix<Float32Array>[], hashes, fingerprint, cacheHits, computed: jobs.length };
}

/**
 * Stacks per-clip matrices into one n_clips × n_windows × dim array (C order).
 * Every clip must have the same number of windows.
 */
export function stackClips(
  clips: Matrix<Float32Array>[],
  paths?: string[],
): {
  data: Float32Array;
  shape: [number, number, number];
} {
  if (clips.length === 0) throw new UserError('no clips to stack', { hint: 'pass at least one audio file' });
  const first = clips[0] as Matrix<Float32Array>;
  const [w, d] = first.shape;
  const out = new Float32Array(clips.length * w * d);
  clips.forEach((m, i) => {
    if (m.rows !== w || m.cols !== d) {
      throw new UserError(
        `clip gives ${m.rows} windows × ${m.cols} but the first clip gives ${w} × ${d}; clips of one array must be equally long`,
        {
          file: paths?.[i],
          hint: 'cut every clip to the same length first (e.g. b2m stimuli), or embed clips of different lengths separately',
        },
      );
    }
    out.set(m.data, i * w * d);
  });
  return { data: out, shape: [clips.length, w, d] };
}
