/** Thread counts for the native backend from B2M_THREADS. */
import { availableParallelism } from 'node:os';
import { UserError } from '../util/errors.js';

/** BLAS threads for library calls: B2M_THREADS, default all cores. */
export function threadsFromEnv(env: NodeJS.ProcessEnv = process.env): number {
  return parseThreads(env) ?? availableParallelism();
}

/**
 * BLAS threads for each job of a pipeline run: B2M_THREADS, default 1. A run's
 * parallelism is across jobs (the executor runs several at once, a queue runs one per
 * worker slot): at the ridge engine's sizes a second OpenBLAS thread mostly spins
 * (on the twin, `roi-ensemble` took 45 CPU s on 2 threads and 23 on 1, in the same wall
 * time) and takes the core from the other job. Jobs get the same count whatever the
 * executor or concurrency, so their bytes do not depend on scheduling.
 */
export function jobThreadsFromEnv(env: NodeJS.ProcessEnv = process.env): number {
  return parseThreads(env) ?? 1;
}

function parseThreads(env: NodeJS.ProcessEnv): number | undefined {
  const raw = env.B2M_THREADS;
  if (raw === undefined || raw.trim() === '') return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) {
    throw new UserError(`B2M_THREADS must be a positive integer, got '${raw}'`, {
      field: 'B2M_THREADS',
      hint: `unset it to use all ${availableParallelism()} cores, or set e.g. B2M_THREADS=2`,
    });
  }
  return n;
}
