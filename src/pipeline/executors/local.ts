/** The local executor: every job in this process, level by level (the same graph a queue would run). */
import { InputResolver, type JobSpec, levels, runJob } from '../jobs.js';
import type { RunFolder } from '../run-folder.js';
import type { StageContext } from '../stage.js';
import type { ExecutionReport, Executor } from './types.js';

export class LocalExecutor implements Executor {
  readonly name = 'local';

  async run(folder: RunFolder, jobs: readonly JobSpec[], ctx: StageContext): Promise<ExecutionReport> {
    const t0 = performance.now();
    const resolver = new InputResolver(folder);
    let computed = 0;
    let cached = 0;
    for (const level of levels(jobs)) {
      for (const job of level) {
        const t = performance.now();
        const hit = await runJob(folder, job, ctx, resolver);
        ctx.log(
          `${job.stage} ${job.label}: ${hit ? 'from the run folder' : `${((performance.now() - t) / 1000).toFixed(1)} s`}`,
        );
        if (hit) cached++;
        else computed++;
      }
    }
    return { computed, cached, seconds: (performance.now() - t0) / 1000 };
  }

  async close(): Promise<void> {}
}
