/**
 * Worker-thread side of the clip pool (pool.ts): builds its own embedder once,
 * then embeds the files it is sent, one at a time. Results travel back as
 * transferred Float32Array buffers (no copy). UserErrors are sent as data and
 * rebuilt in the main thread so the CLI still prints them cleanly.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { isUserError } from '../util/errors.js';
import { embedFile } from './job.js';
import type { PoolWorkerData, WorkerReply, WorkerRequest } from './pool.js';
import { createEmbedder } from './registry.js';

const data = workerData as PoolWorkerData;
const port = parentPort;
if (!port) throw new Error('worker.ts must run in a worker thread');

const ready = createEmbedder(data.embedder, data.options);
// A failed load is reported with the first job, not as an unhandled rejection that kills the thread.
ready.catch(() => {});

function serialiseError(e: unknown): WorkerReply & { ok: false } {
  if (isUserError(e)) {
    return { ok: false, id: -1, user: true, message: e.message, location: e.location, hint: e.hint };
  }
  return { ok: false, id: -1, user: false, message: (e as Error)?.stack ?? String(e) };
}

port.on('message', async (req: WorkerRequest) => {
  if (req.type === 'close') {
    const emb = await ready.catch(() => null);
    await emb?.dispose?.();
    port.close();
    return;
  }
  try {
    const emb = await ready;
    const m = await embedFile(emb, req.path, data.settings);
    const reply: WorkerReply = { ok: true, id: req.id, rows: m.rows, cols: m.cols, data: m.data };
    port.postMessage(reply, [m.data.buffer as ArrayBuffer]);
  } catch (e) {
    port.postMessage({ ...serialiseError(e), id: req.id });
  }
});
