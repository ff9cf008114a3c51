/**
 * The worker side of `mapInWorkers`: loads the task module named in workerData
 * once, then answers one job per message.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { isUserError } from './errors.js';
import type { PoolReply } from './worker-pool.js';

const port = parentPort;
if (!port) throw new Error('worker-pool-serve.ts must run in a worker thread');
const fn = (await import((workerData as { task: string }).task)).default as (job: unknown) => unknown;

port.on('message', async (msg: { id: number; job: unknown }) => {
  let reply: PoolReply<unknown>;
  try {
    reply = { ok: true, id: msg.id, result: await fn(msg.job) };
  } catch (e) {
    reply = isUserError(e)
      ? { ok: false, id: msg.id, user: true, message: e.message, location: e.location, hint: e.hint }
      : { ok: false, id: msg.id, user: false, message: (e as Error)?.stack ?? String(e) };
  }
  port.postMessage(reply);
});
