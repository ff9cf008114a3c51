/**
 * The BullMQ executor: a run's jobs on a Redis-backed queue, carried out by
 * `b2m worker` processes on any machine that sees the run folder (shared storage).
 *
 * Each level of the job graph is submitted as one BullMQ flow: a barrier parent whose
 * children are the level's jobs (parents wait for children). A job's BullMQ id is
 * `<run id>-<stage key>`, so a duplicated submission is ignored, and its output is
 * the stage folder the key names, written atomically — a retried or duplicated job
 * is harmless and a finished one is never redone. The coordinator decides "done" by
 * the run folder, not by Redis: a job whose record Redis lost (a restart without
 * persistence) is simply submitted again.
 *
 * Faults: a worker killed mid-job stops renewing its lock; another worker's stalled
 * check puts the job back (attempts + exponential backoff for crashes). A user error
 * (bad input) is raised as BullMQ's UnrecoverableError: the job fails at once, and
 * the run fails with that error instead of after N retries.
 */
import { FlowProducer, Queue, UnrecoverableError, Worker } from 'bullmq';
import { jobThreadsFromEnv, setBlasThreads } from '../../linalg/index.js';
import { isUserError, UserError } from '../../util/errors.js';
import { hashJson } from '../../util/hash.js';
import { type JobSpec, levels, runJob } from '../jobs.js';
import { RunFolder } from '../run-folder.js';
import type { StageContext } from '../stage.js';
import { silentContext } from '../stage.js';
import type { ExecutionReport, Executor } from './types.js';

export const QUEUE_NAME = 'b2m-jobs';
const USER_ERROR_PREFIX = 'b2m-user-error:';

/** ioredis options from `redis://[:password@]host[:port][/db]`. */
export function redisConnection(url: string): {
  host: string;
  port: number;
  db: number;
  password?: string;
  maxRetriesPerRequest: null;
} {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new UserError(`not a Redis URL: '${url}'`, {
      field: '--redis',
      hint: 'e.g. redis://127.0.0.1:6379',
    });
  }
  if (u.protocol !== 'redis:') {
    throw new UserError(`not a Redis URL: '${url}'`, {
      field: '--redis',
      hint: 'e.g. redis://127.0.0.1:6379',
    });
  }
  return {
    host: u.hostname || '127.0.0.1',
    port: u.port ? Number(u.port) : 6379,
    db: u.pathname.length > 1 ? Number(u.pathname.slice(1)) : 0,
    password: u.password ? decodeURIComponent(u.password) : undefined,
    // Workers block on Redis; BullMQ requires commands to wait for a reconnect, not fail.
    maxRetriesPerRequest: null,
  };
}

/** What a queued job carries: the run folder (a path every worker sees) and the job. */
interface QueuedJob {
  runRoot: string;
  job?: JobSpec;
  barrier?: boolean;
}

export interface BullmqExecutorOptions {
  redis: string;
  /** Attempts per job for crashes (not for user errors). Default 3. */
  attempts?: number;
  /** First retry delay (ms), doubled each time. Default 2,000. */
  backoffMs?: number;
  /** How often the coordinator looks at the run folder and the queue (ms). Default 500. */
  pollMs?: number;
}

function encodeUserError(e: UserError): string {
  return USER_ERROR_PREFIX + JSON.stringify({ message: e.message, location: e.location, hint: e.hint });
}

function decodeUserError(reason: string | undefined): UserError | null {
  if (!reason?.startsWith(USER_ERROR_PREFIX)) return null;
  const o = JSON.parse(reason.slice(USER_ERROR_PREFIX.length)) as {
    message: string;
    location: Record<string, unknown>;
    hint?: string;
  };
  return new UserError(o.message, { ...o.location, hint: o.hint });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class BullmqExecutor implements Executor {
  readonly name = 'bullmq';
  private readonly queue: Queue;
  private readonly flow: FlowProducer;

  constructor(private readonly o: BullmqExecutorOptions) {
    const connection = redisConnection(o.redis);
    this.queue = new Queue(QUEUE_NAME, { connection });
    this.flow = new FlowProducer({ connection });
    // Connection errors while Redis restarts: ioredis reconnects by itself, and the
    // coordinator judges progress by the run folder, so they are only remembered.
    this.queue.on('error', (e) => {
      this.lastError = e.message;
    });
    this.flow.on('error', (e) => {
      this.lastError = e.message;
    });
  }

  /** The last connection error seen (for status lines). */
  lastError: string | null = null;

  async run(folder: RunFolder, jobs: readonly JobSpec[], ctx: StageContext): Promise<ExecutionReport> {
    const t0 = performance.now();
    const runId = hashJson(folder.root).slice(0, 12);
    const idOf = (j: JobSpec) => `${runId}-${j.key}`;
    const all = levels(jobs);
    const total = all.reduce((a, l) => a + l.length, 0);
    const isDone = (j: JobSpec) => folder.stages.has(j.stage, j.key);
    let cached = 0;
    for (const l of all) for (const j of l) if (isDone(j)) cached++;
    let done = cached;
    const perStage = new Map<string, { done: number; total: number }>();
    for (const l of all) {
      for (const j of l) {
        const s = perStage.get(j.stage) ?? { done: 0, total: 0 };
        s.total++;
        if (isDone(j)) s.done++;
        perStage.set(j.stage, s);
      }
    }
    const note = () => [...perStage].map(([k, v]) => `${k} ${v.done}/${v.total}`).join(' · ');
    ctx.progress.start(`jobs on ${QUEUE_NAME}`, total);
    ctx.progress.update(done, note());

    for (const [n, level] of all.entries()) {
      const pending = new Set(level.filter((j) => !isDone(j)));
      if (pending.size === 0) continue;
      await this.submit(folder, runId, n, [...pending], idOf);
      while (pending.size > 0) {
        await sleep(this.o.pollMs ?? 500);
        const lost: JobSpec[] = [];
        for (const j of [...pending]) {
          if (isDone(j)) {
            pending.delete(j);
            done++;
            perStage.get(j.stage)!.done++;
            ctx.progress.update(done, note());
            continue;
          }
          let state: string;
          try {
            state = await this.queue.getJobState(idOf(j));
          } catch {
            continue; // Redis unreachable for now: ioredis reconnects; look again next round.
          }
          if (state === 'failed') {
            const bj = await this.queue.getJob(idOf(j));
            const reason = bj?.failedReason;
            ctx.progress.finish('failed');
            throw (
              decodeUserError(reason) ??
              new Error(
                `job ${j.stage} ${j.label} failed after ${bj?.attemptsMade ?? '?'} attempt(s): ${reason}`,
              )
            );
          }
          if (state === 'unknown') lost.push(j);
          else if (state === 'completed' && !isDone(j)) {
            throw new UserError(
              `a worker finished ${j.stage} ${j.label} but its output is not in ${folder.root}`,
              { hint: 'the run folder must be on storage every worker sees, at the same path' },
            );
          }
        }
        if (lost.length) await this.submit(folder, runId, n, lost, idOf);
      }
    }
    ctx.progress.finish(note());
    return { computed: done - cached, cached, seconds: (performance.now() - t0) / 1000 };
  }

  /** Adds one flow: a barrier parent and the jobs as its children (ids make it idempotent). */
  private async submit(
    folder: RunFolder,
    runId: string,
    level: number,
    jobs: JobSpec[],
    idOf: (j: JobSpec) => string,
  ): Promise<void> {
    for (const j of jobs) {
      // A failed or vanished record under the same id would swallow the new submission.
      const old = await this.queue.getJob(idOf(j)).catch(() => undefined);
      if (old && (await old.isFailed())) await old.remove().catch(() => {});
    }
    const data: QueuedJob = { runRoot: folder.root, barrier: true };
    await this.flow.add({
      name: `level-${level}`,
      queueName: QUEUE_NAME,
      data,
      opts: {
        jobId: `${runId}-level-${level}-${hashJson(jobs.map((j) => j.key)).slice(0, 12)}`,
        removeOnComplete: true,
      },
      children: jobs.map((j) => ({
        name: `${j.stage} ${j.label}`,
        queueName: QUEUE_NAME,
        data: { runRoot: folder.root, job: j } satisfies QueuedJob,
        opts: {
          jobId: idOf(j),
          attempts: this.o.attempts ?? 3,
          backoff: { type: 'exponential', delay: this.o.backoffMs ?? 2000 },
          removeOnFail: false,
          failParentOnFailure: true,
        },
      })),
    });
  }

  async close(): Promise<void> {
    await this.flow.close();
    await this.queue.close();
  }
}

export interface WorkerOptions {
  redis: string;
  /** Jobs at once in this process (default 1: stages use the cores themselves). */
  concurrency?: number;
  /** How long a job's lock lasts without renewal before it counts as stalled (ms). Default 60,000. */
  lockDurationMs?: number;
  log?: (line: string) => void;
}

/** Starts a worker that carries out queued jobs until `close()`. */
export function startWorker(o: WorkerOptions): { worker: Worker; close: () => Promise<void> } {
  const log = o.log ?? (() => {});
  // As a local run: one BLAS thread per job unless B2M_THREADS says otherwise, so a
  // worker's outputs are the bytes the local executor writes.
  const threads = setBlasThreads(jobThreadsFromEnv());
  const lockDuration = o.lockDurationMs ?? 60_000;
  const worker = new Worker<QueuedJob>(
    QUEUE_NAME,
    async (job) => {
      await threads;
      const d = job.data;
      if (d.barrier || !d.job) return 'level done';
      const folder = await RunFolder.open(d.runRoot);
      const t0 = performance.now();
      try {
        const hit = await runJob(folder, d.job, { ...silentContext, log });
        log(
          `${d.job.stage} ${d.job.label}: ${hit ? 'already there' : `${((performance.now() - t0) / 1000).toFixed(1)} s`}`,
        );
        return d.job.key;
      } catch (e) {
        if (isUserError(e)) throw new UnrecoverableError(encodeUserError(e));
        throw e;
      }
    },
    {
      connection: redisConnection(o.redis),
      concurrency: o.concurrency ?? 1,
      lockDuration,
      stalledInterval: Math.max(500, Math.floor(lockDuration / 2)),
      maxStalledCount: 3,
    },
  );
  worker.on('failed', (job, err) =>
    log(`failed: ${job?.name}: ${err.message.replace(USER_ERROR_PREFIX, '')}`),
  );
  worker.on('error', (err) => log(`worker: ${err.message}`));
  return {
    worker,
    close: async () => {
      await worker.close();
      await setBlasThreads(await threads);
    },
  };
}
