/**
 * The local executor: every job in this process (the same graph a queue would run).
 * Up to `concurrency` jobs run at once, each started as soon as the jobs it reads
 * have finished: the numeric engine works off the JavaScript thread, and
 * overlapping two jobs keeps both cores busy. Each job's BLAS runs on one thread by
 * default (`jobThreadsFromEnv`): two jobs' calls then run side by side instead of
 * queueing for OpenBLAS's spinning threads.
 */
import { availableParallelism } from 'node:os';
import { jobThreadsFromEnv, withBlasThreads } from '../../linalg/index.js';
import { InputResolver, type JobSpec, ReadyQueue, runJob } from '../jobs.js';
import type { RunFolder } from '../run-folder.js';
import { type StageContext, silentContext } from '../stage.js';
import type { ExecutionReport, Executor } from './types.js';

export class LocalExecutor implements Executor {
  readonly name = 'local';

  /** `concurrency`: jobs at once (default: the machine's cores, at most 2). */
  constructor(private readonly concurrency = Math.min(2, availableParallelism())) {}

  /** Runs the jobs with `jobThreadsFromEnv()` BLAS threads each, as a queue's workers do. */
  run(folder: RunFolder, jobs: readonly JobSpec[], ctx: StageContext): Promise<ExecutionReport> {
    return withBlasThreads(jobThreadsFromEnv(), () => this.runAll(folder, jobs, ctx));
  }

  private runAll(folder: RunFolder, jobs: readonly JobSpec[], ctx: StageContext): Promise<ExecutionReport> {
    const t0 = performance.now();
    const resolver = new InputResolver(folder);
    const queue = new ReadyQueue(jobs);
    const total = queue.size;
    let computed = 0;
    let cached = 0;
    let running = 0;
    let barOpen = false;
    let failure: unknown;
    const finishedJobs = () => computed + cached;

    return new Promise<ExecutionReport>((resolve, reject) => {
      const settle = () => {
        if (running > 0) return;
        if (barOpen) ctx.progress.finish();
        barOpen = false;
        if (failure !== undefined) reject(failure);
        else if (queue.done) resolve({ computed, cached, seconds: (performance.now() - t0) / 1000 });
        else
          reject(
            new Error(`job graph stalled: ${total - finishedJobs()} jobs wait on jobs that never finish`),
          );
      };
      const launch = () => {
        while (failure === undefined && running < this.concurrency) {
          const job = queue.take();
          if (!job) break;
          // A job that starts with nothing else running or ready stays alone until it
          // ends (only a finished job makes others ready): it shows its own progress.
          // Jobs that overlap share one bar of jobs.
          const alone = this.concurrency === 1 || (running === 0 && queue.readyCount === 0);
          if (alone && barOpen) {
            ctx.progress.finish();
            barOpen = false;
          }
          if (!alone && !barOpen) {
            ctx.progress.start(`jobs of ${total} (${this.concurrency} at once)`, total);
            ctx.progress.update(finishedJobs());
            barOpen = true;
          }
          running++;
          void this.one(folder, job, alone ? ctx : { ...silentContext, log: ctx.log }, resolver).then(
            (hit) => {
              running--;
              if (hit) cached++;
              else computed++;
              queue.finish(job);
              if (barOpen) ctx.progress.update(finishedJobs(), `${job.stage} ${job.label}`);
              launch();
              settle();
            },
            (e: unknown) => {
              running--;
              failure ??= e;
              settle();
            },
          );
        }
      };
      launch();
      settle();
    });
  }

  private async one(
    folder: RunFolder,
    job: JobSpec,
    ctx: StageContext,
    resolver: InputResolver,
  ): Promise<boolean> {
    const t = performance.now();
    const hit = await runJob(folder, job, ctx, resolver);
    ctx.log(
      `${job.stage} ${job.label}: ${hit ? 'from the run folder' : `${((performance.now() - t) / 1000).toFixed(1)} s`}`,
    );
    return hit;
  }

  async close(): Promise<void> {}
}
