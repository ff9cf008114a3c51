/**
 * A persistent pool of generation threads. Each thread loads the soundfont and
 * the embedder once (the soundfont alone takes seconds to decode), then renders,
 * embeds and analyses whatever jobs it is sent, so a run pays that start-up once,
 * not once per subject. With `workers` = 1 the jobs run in this thread.
 * Results arrive in any order; each job's result is a pure function of the job.
 */
import { Worker } from 'node:worker_threads';
import { CandidateRunner, type Job, type JobResult, type JobSettings } from './job.js';

type Reply = { ok: true; result: JobResult } | { ok: false; index: number; message: string };

interface Slot {
  worker: Worker;
  exited: Promise<never>;
}

export class JobPool {
  private readonly slots: Slot[] = [];
  private local: CandidateRunner | null = null;
  private closed = false;

  constructor(
    readonly settings: JobSettings,
    readonly workers: number,
  ) {}

  private spawn(n: number): void {
    const entry = new URL('./worker-entry.mjs', import.meta.url);
    while (this.slots.length < n) {
      const worker = new Worker(entry, { workerData: this.settings });
      // An unclosed pool must not keep the process alive.
      worker.unref();
      const exited = new Promise<never>((_, reject) => {
        worker.once('error', reject);
        worker.once('exit', (code) => reject(new Error(`generation worker exited with code ${code}`)));
      });
      exited.catch(() => {});
      this.slots.push({ worker, exited });
    }
  }

  /** Runs `jobs`, calling `onResult` once per job; rejects on the first failure. */
  async run<J extends Job, R extends JobResult>(
    jobs: readonly J[],
    onResult: (r: R) => void | Promise<void>,
  ): Promise<void> {
    if (this.closed) throw new Error('generation pool is closed');
    if (jobs.length === 0) return;
    if (this.workers <= 1) {
      this.local ??= new CandidateRunner(this.settings);
      for (const job of jobs) await onResult((await this.local.run(job)) as R);
      return;
    }
    this.spawn(this.workers);
    let next = 0;
    let failure: Error | null = null;
    await Promise.all(
      this.slots.map(async ({ worker, exited }) => {
        while (next < jobs.length && !failure) {
          const job = jobs[next++] as J;
          let reply: Reply;
          try {
            reply = await Promise.race([
              new Promise<Reply>((resolve) => {
                worker.once('message', resolve);
                worker.postMessage(job);
              }),
              exited,
            ]);
          } catch (e) {
            failure ??= e as Error;
            break;
          }
          if (!reply.ok) {
            failure ??= new Error(`generation job ${reply.index} failed: ${reply.message}`);
            break;
          }
          await onResult(reply.result as R);
        }
      }),
    );
    if (failure) {
      // A failed pool may hold a worker mid-job: start afresh next time.
      await this.close();
      this.closed = false;
      throw failure;
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    const slots = this.slots.splice(0);
    await Promise.all(slots.map((s) => s.worker.terminate()));
    await this.local?.dispose();
    this.local = null;
  }
}
