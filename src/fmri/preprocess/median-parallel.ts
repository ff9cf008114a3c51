/**
 * The running-median drift removal on several threads: the matrix is copied into
 * a SharedArrayBuffer, each worker filters a contiguous range of columns in place,
 * and the result is copied back (two 100-MB copies cost tens of milliseconds; the
 * filter costs seconds per run). Keeps the JavaScript thread free for progress.
 * Workers are started on first use, kept for later runs, and never keep the
 * process alive (`unref`).
 */
import { Worker } from 'node:worker_threads';
import type { Matrix } from '../../linalg/matrix.js';
import { threadsFromEnv } from '../../linalg/threads.js';
import type { MedianJob } from './median-worker.js';
import { type EdgeMode, subtractRunningMedian } from './running-median.js';

const BOOTSTRAP = new URL('./median-worker-bootstrap.mjs', import.meta.url);
/** Below this many voxels, threads cost more than they save. */
const MIN_PARALLEL_COLUMNS = 4096;

interface Reply {
  id: number;
  ok: boolean;
  message?: string;
}

let pool: Worker[] = [];
let scratch: SharedArrayBuffer | null = null;
let scratchBusy = false;
const pending = new Map<Worker, number>();
let nextId = 0;

function workers(n: number): Worker[] {
  while (pool.length < n) {
    const w = new Worker(BOOTSTRAP);
    w.unref();
    // A crashed worker is dropped from the pool; its pending job rejects through `run`.
    w.once('exit', () => {
      pool = pool.filter((x) => x !== w);
    });
    pool.push(w);
  }
  return pool.slice(0, n);
}

function run(w: Worker, job: MedianJob): Promise<void> {
  return new Promise((resolve, reject) => {
    const onMessage = (r: Reply) => {
      if (r.id !== job.id) return;
      cleanup();
      if (r.ok) resolve();
      else reject(new Error(`median worker failed: ${r.message}`));
    };
    const onError = (e: Error) => {
      cleanup();
      reject(e);
    };
    const onExit = (code: number) => {
      cleanup();
      reject(new Error(`median worker exited with code ${code}`));
    };
    const cleanup = () => {
      w.off('message', onMessage);
      w.off('error', onError);
      w.off('exit', onExit);
      // Keep the process alive only while some job of this worker is pending.
      const left = (pending.get(w) ?? 1) - 1;
      pending.set(w, left);
      if (left === 0) w.unref();
    };
    const before = pending.get(w) ?? 0;
    pending.set(w, before + 1);
    if (before === 0) w.ref();
    w.on('message', onMessage);
    w.once('error', onError);
    w.once('exit', onExit);
    w.postMessage(job);
  });
}

/**
 * `subtractRunningMedian` on `threads` threads (default B2M_THREADS, else all cores).
 * Same result, bit for bit: every column is filtered by the same code.
 */
export async function subtractRunningMedianParallel(
  X: Matrix<Float32Array>,
  window: number,
  mode: EdgeMode = 'reflect',
  threads = threadsFromEnv(),
): Promise<void> {
  const n = Math.min(threads, Math.ceil(X.cols / MIN_PARALLEL_COLUMNS));
  if (n <= 1) {
    subtractRunningMedian(X, window, mode);
    return;
  }
  // Runs of a dataset share one size: reuse the shared buffer instead of allocating ~100 MB per run
  // (a concurrent call, finding it busy, gets its own).
  const reuse = !scratchBusy && scratch !== null && scratch.byteLength === X.data.byteLength;
  const buffer = reuse ? scratch! : new SharedArrayBuffer(X.data.byteLength);
  if (!scratchBusy) {
    scratch = buffer;
    scratchBusy = true;
  }
  const shared = new Float32Array(buffer);
  shared.set(X.data);
  const per = Math.ceil(X.cols / n);
  try {
    await Promise.all(
      workers(n).map((w, k) =>
        run(w, {
          id: nextId++,
          buffer,
          rows: X.rows,
          cols: X.cols,
          c0: k * per,
          c1: Math.min(X.cols, (k + 1) * per),
          window,
          mode,
        }),
      ),
    );
    X.data.set(shared);
  } finally {
    if (buffer === scratch) scratchBusy = false;
  }
}
