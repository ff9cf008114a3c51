/**
 * Render worker: loads the soundfont once, then renders and writes the tracks the
 * main thread sends. Rendering is a pure function of (score, soundfont, options), so
 * which worker renders which track never changes a byte of the output.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { type RenderJob, type RenderJobResult, renderAndWrite } from './job.js';

const { soundfont } = workerData as { soundfont: string };

parentPort?.on('message', async (job: RenderJob) => {
  let reply: RenderJobResult;
  try {
    reply = await renderAndWrite(job, soundfont);
  } catch (e) {
    reply = { index: job.index, error: (e as Error).stack ?? String(e) };
  }
  parentPort?.postMessage(reply);
});
