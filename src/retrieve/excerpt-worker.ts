/**
 * Worker side of `writeExcerpts`: MP3 encoding is pure JavaScript and CPU-bound,
 * so a run's few hundred excerpts are spread over threads. UserErrors travel back
 * as data and are rebuilt in the main thread.
 */
import { parentPort } from 'node:worker_threads';
import { isUserError } from '../util/errors.js';
import { type ExcerptJob, type ExcerptReply, writeExcerpt } from './excerpt.js';

const port = parentPort;
if (!port) throw new Error('excerpt-worker.ts must run in a worker thread');

port.on('message', async (msg: { id: number; job: ExcerptJob } | { close: true }) => {
  if ('close' in msg) {
    port.close();
    return;
  }
  let reply: ExcerptReply;
  try {
    reply = { ok: true, id: msg.id, result: await writeExcerpt(msg.job.src, msg.job.dst, msg.job.options) };
  } catch (e) {
    reply = isUserError(e)
      ? { ok: false, id: msg.id, user: true, message: e.message, location: e.location, hint: e.hint }
      : { ok: false, id: msg.id, user: false, message: (e as Error)?.stack ?? String(e) };
  }
  port.postMessage(reply);
});
