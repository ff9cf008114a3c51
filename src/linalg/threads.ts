/** Thread count for the native backend: B2M_THREADS, default all cores. */
import { availableParallelism } from 'node:os';
import { UserError } from '../util/errors.js';

export function threadsFromEnv(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.B2M_THREADS;
  if (raw === undefined || raw.trim() === '') return availableParallelism();
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) {
    throw new UserError(`B2M_THREADS must be a positive integer, got '${raw}'`, {
      field: 'B2M_THREADS',
      hint: `unset it to use all ${availableParallelism()} cores, or set e.g. B2M_THREADS=2`,
    });
  }
  return n;
}
