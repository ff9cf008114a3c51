/**
 * Maps a task over jobs on worker threads. CPU-bound per-file work (decoding and
 * drawing spectrograms, cutting and encoding audio excerpts) is independent per
 * file, and the JavaScript thread is the bottleneck: threads use every core.
 *
 * A task is a module whose default export takes one job and returns (a promise of)
 * its result; jobs and results cross threads as structured clones, so both must be
 * plain data (typed arrays included). Files a run trusts should be written by the
 * caller's `onResult`, in this thread, where the signal handlers that remove
 * half-written temporaries live.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { ErrorLocation } from './errors.js';
import { UserError } from './errors.js';

/** What a worker answers (plain data); UserErrors travel as data and are rebuilt here. */
export type PoolReply<R> =
  | { ok: true; id: number; result: R }
  | { ok: false; id: number; user: true; message: string; location: ErrorLocation; hint?: string }
  | { ok: false; id: number; user: false; message: string };

export interface MapOptions<R> {
  /** Threads (default: one per core). */
  workers?: number;
  /** Below this many jobs the task runs in this thread: a thread's start-up (the TypeScript loader) costs more than it saves. Default 4. */
  minJobsForWorkers?: number;
  /** Called in this thread with each result as it arrives (awaited before that thread gets its next job). */
  onResult?: (index: number, result: R) => void | Promise<void>;
}

const BOOTSTRAP = new URL('./worker-pool-bootstrap.mjs', import.meta.url);

/**
 * Runs the task at `task` (a module URL) on every job; results come back in job
 * order. The first failure stops handing out jobs and is thrown once the running
 * ones end (a UserError stays one).
 */
export async function mapInWorkers<J, R>(
  task: URL,
  jobs: readonly J[],
  opts: MapOptions<R> = {},
): Promise<R[]> {
  const results: R[] = new Array(jobs.length);
  const n = Math.max(1, Math.min(opts.workers ?? availableParallelism(), jobs.length));
  if (jobs.length === 0) return results;
  if (n === 1 || jobs.length < (opts.minJobsForWorkers ?? 4)) {
    const fn = (await import(task.href)).default as (job: J) => R | Promise<R>;
    for (const [i, job] of jobs.entries()) {
      results[i] = await fn(job);
      await opts.onResult?.(i, results[i] as R);
    }
    return results;
  }
  let next = 0;
  let failure: Error | null = null;
  const workers: Worker[] = [];
  try {
    await Promise.all(
      Array.from({ length: n }, async () => {
        const w = new Worker(BOOTSTRAP, { workerData: { task: task.href } });
        workers.push(w);
        const exited = new Promise<never>((_, reject) => {
          w.once('error', reject);
          w.once('exit', (code) => reject(new Error(`worker for ${task.pathname} exited with code ${code}`)));
        });
        exited.catch(() => {});
        while (next < jobs.length && !failure) {
          const id = next++;
          const reply = await Promise.race([
            new Promise<PoolReply<R>>((resolve) => {
              w.once('message', resolve);
              w.postMessage({ id, job: jobs[id] });
            }),
            exited,
          ]);
          if (!reply.ok) {
            failure ??= reply.user
              ? new UserError(reply.message, { ...reply.location, hint: reply.hint })
              : new Error(`worker for ${task.pathname} failed: ${reply.message}`);
            break;
          }
          results[id] = reply.result;
          await opts.onResult?.(id, reply.result);
        }
      }),
    );
  } catch (e) {
    failure ??= e as Error;
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
  if (failure) throw failure;
  return results;
}
