/** A task for the worker-pool tests: squares `x` in a thread; fails on request. */
import { threadId } from 'node:worker_threads';
import { UserError } from '../util/errors.js';

export interface PoolTestJob {
  x: number;
  fail?: 'user' | 'crash';
}

export default async function square(job: PoolTestJob): Promise<{ y: number; thread: number }> {
  if (job.fail === 'user')
    throw new UserError(`x = ${job.x} is refused`, { file: 'jobs.tsv', line: job.x, hint: 'use another x' });
  if (job.fail === 'crash') throw new TypeError('boom');
  await new Promise((r) => setTimeout(r, 5));
  return { y: job.x * job.x, thread: threadId };
}
