/** `b2m worker` and `b2m status`: carry out queued jobs; show a run's jobs. */
import { availableParallelism } from 'node:os';
import type { Command } from 'commander';
import { startWorker } from '../../pipeline/executors/bullmq.js';
import { runStatus } from '../../pipeline/status.js';
import { UserError } from '../../util/errors.js';

export function registerWorker(program: Command): void {
  program
    .command('worker')
    .description('carry out jobs of `b2m run --executor bullmq` from a Redis queue, until stopped (Ctrl-C)')
    .requiredOption('--redis <url>', 'the Redis server of the queue, e.g. redis://127.0.0.1:6379')
    .option(
      '--concurrency <n>',
      'jobs at once in this process (default: the cores, at most 2); each job runs its BLAS on B2M_THREADS threads (default 1)',
      String(Math.min(2, availableParallelism())),
    )
    .option(
      '--lock-ms <ms>',
      'a job not renewed for this long counts as stalled and is given to another worker',
      '60000',
    )
    .addHelpText(
      'after',
      `
Start one worker per machine (its --concurrency jobs run side by side, one BLAS thread
each unless B2M_THREADS says otherwise) that sees the run folders at the same
path (shared storage), all pointing at the same Redis. A killed worker's job is retried
by another after --lock-ms.

Examples:
  $ redis-server --bind 127.0.0.1 --port 6379 &
  $ b2m worker --redis redis://127.0.0.1:6379 &
  $ b2m run --executor bullmq --redis redis://127.0.0.1:6379 --out runs/queued`,
    )
    .action(async (f: { redis: string; concurrency: string; lockMs: string }) => {
      const concurrency = Number(f.concurrency);
      const lockDurationMs = Number(f.lockMs);
      if (!Number.isInteger(concurrency) || concurrency < 1)
        throw new UserError(`--concurrency must be an integer ≥ 1, got '${f.concurrency}'`, {
          field: '--concurrency',
        });
      if (!Number.isFinite(lockDurationMs) || lockDurationMs < 1000)
        throw new UserError(`--lock-ms must be ≥ 1000, got '${f.lockMs}'`, { field: '--lock-ms' });
      const log = (line: string) => process.stdout.write(`${new Date().toISOString()} ${line}\n`);
      const w = startWorker({ redis: f.redis, concurrency, lockDurationMs, log });
      log(`worker: waiting for jobs on ${f.redis} (concurrency ${concurrency})`);
      await new Promise<void>((resolve) => {
        const stop = () => {
          log('worker: stopping after the current job');
          void w.close().then(resolve);
        };
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
    });

  program
    .command('status')
    .description("show a run's jobs: per stage, done and pending (from the run folder)")
    .argument('<rundir>', 'the run folder')
    .action(async (root: string) => {
      const s = await runStatus(root);
      const w = Math.max(5, ...s.stages.map((x) => x.stage.length));
      process.stdout.write(
        `${s.root}: ${s.done}/${s.total} jobs done${s.finished ? ', run finished' : ''}\n`,
      );
      for (const x of s.stages) {
        const pend = x.pending.length
          ? `  pending: ${x.pending.slice(0, 6).join(', ')}${x.pending.length > 6 ? ', …' : ''}`
          : '';
        process.stdout.write(`  ${x.stage.padEnd(w)}  ${String(x.done).padStart(4)}/${x.total}${pend}\n`);
      }
      if (s.total === 0) process.stdout.write('  (no plan yet: the run has not planned its jobs)\n');
    });
}
