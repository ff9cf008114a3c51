/** Worker thread of `subtractRunningMedianParallel`: filters a column range of a shared matrix in place. */
import { parentPort } from 'node:worker_threads';
import { type EdgeMode, subtractRunningMedianColumns } from './running-median.js';

export interface MedianJob {
  id: number;
  buffer: SharedArrayBuffer;
  rows: number;
  cols: number;
  c0: number;
  c1: number;
  window: number;
  mode: EdgeMode;
}

parentPort?.on('message', (job: MedianJob) => {
  try {
    const data = new Float32Array(job.buffer);
    subtractRunningMedianColumns(data, job.rows, job.cols, job.c0, job.c1, job.window, job.mode);
    parentPort?.postMessage({ id: job.id, ok: true });
  } catch (e) {
    parentPort?.postMessage({ id: job.id, ok: false, message: (e as Error).message });
  }
});
