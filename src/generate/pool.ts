/**
 * Runs candidate jobs on worker threads (each loads the soundfont and the embedder
 * once), or in this thread when `workers` is 1. Results arrive in any order; the
 * caller's `onResult` sees each once. The first failure stops the pool.
 */
import { Worker } from 'node:worker_threads';
import { CandidateRunner, type Job, type JobResult, type JobSettings } from './job.js';

type Reply = { ok: true; result: JobResult } | { ok: false; index: number; message: string };

export async function runJobs<J extends Job, R extends JobResult>(
  jobs: readonly J[],
  settings: JobSettings,
  workers: number,
  onResult: (r: R) => void | Promise<void>,
): Promise<void> {
  if (jobs.length === 0) return;
  const n = Math.max(1, Math.min(workers, jobs.length));
  if (n === 1) {
    const runner = new CandidateRunner(settings);
    try {
      for (const job of jobs) await onResult((await runner.run(job)) as R);
    } finally {
      await runner.dispose();
    }
    return;
  }
  const entry = new URL('./worker-entry.mjs', import.meta.url);
  const pool: Worker[] = [];
  let next = 0;
  let failure: Error | null = null;
  try {
    await Promise.all(
      Array.from({ length: n }, async () => {
        const w = new Worker(entry, { workerData: settings });
        pool.push(w);
        const exited = new Promise<never>((_, reject) => {
          w.once('error', reject);
          w.once('exit', (code) => reject(new Error(`generation worker exited with code ${code}`)));
        });
        exited.catch(() => {});
        while (next < jobs.length && !failure) {
          const job = jobs[next++] as J;
          const reply = await Promise.race([
            new Promise<Reply>((resolve) => {
              w.once('message', resolve);
              w.postMessage(job);
            }),
            exited,
          ]);
          if (!reply.ok) {
            failure ??= new Error(`generation job ${reply.index} failed: ${reply.message}`);
            break;
          }
          await onResult(reply.result as R);
        }
      }),
    );
  } catch (e) {
    failure ??= e as Error;
  } finally {
    await Promise.all(pool.map((w) => w.terminate()));
  }
  if (failure) throw failure;
}
