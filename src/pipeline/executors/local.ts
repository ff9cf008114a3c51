/**
 * The local executor: every job in this process, level by level (the same graph a
 * queue would run). Jobs of one level are independent, so up to `concurrency` run at
 * once: the numeric engine works off the JavaScript thread, and overlapping two jobs
 * keeps both cores busy through each job's single-threaded stretches.
 */
import { availableParallelism } from 'node:os';
import { InputResolver, type JobSpec, levels, runJob } from '../jobs.js';
import type { RunFolder } from '../run-folder.js';
import { type StageContext, silentContext } from '../stage.js';
import type { ExecutionReport, Executor } from './types.js';

export class LocalExecutor implements Executor {
  readonly name = 'local';

  /** `concurrency`: jobs at once (default: the machine's cores, at most 2). */
  constructor(private readonly concurrency = Math.min(2, availableParallelism())) {}

  async run(folder: RunFolder, jobs: readonly JobSpec[], ctx: StageContext): Promise<ExecutionReport> {
    const t0 = performance.now();
    const resolver = new InputResolver(folder);
    let computed = 0;
    let cached = 0;
    const all = levels(jobs);
    const total = all.reduce((a, l) => a + l.length, 0);
    for (const level of all) {
      // One job at a time shows the stage's own progress; several at once share one bar of jobs.
      const shared = this.concurrency > 1 && level.length > 1;
      const jobCtx: StageContext = shared ? { ...silentContext, log: ctx.log } : ctx;
      // One bar per level (its jobs are the ones that can overlap), named by its place in the run.
      const before = computed + cached;
      if (shared)
        ctx.progress.start(
          `jobs ${before + 1}–${before + level.length} of ${total} (${this.concurrency} at once)`,
          level.length,
        );
      let next = 0;
      const worker = async () => {
        while (next < level.length) {
          const job = level[next++]!;
          const t = performance.now();
          const hit = await runJob(folder, job, jobCtx, resolver);
          if (hit) cached++;
          else computed++;
          if (shared) ctx.progress.update(computed + cached - before, `${job.stage} ${job.label}`);
          ctx.log(
            `${job.stage} ${job.label}: ${hit ? 'from the run folder' : `${((performance.now() - t) / 1000).toFixed(1)} s`}`,
          );
        }
      };
      await Promise.all(Array.from({ length: shared ? this.concurrency : 1 }, worker));
      if (shared) ctx.progress.finish();
    }
    return { computed, cached, seconds: (performance.now() - t0) / 1000 };
  }

  async close(): Promise<void> {}
}
