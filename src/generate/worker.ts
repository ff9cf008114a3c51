/**
 * Candidate worker: composes, renders and embeds the candidates the main thread
 * sends. Each candidate is a pure function of its job (its own seeded stream), so
 * which worker runs it never changes a byte.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { CandidateRunner, type Job, type JobSettings } from './job.js';

const runner = new CandidateRunner(workerData as JobSettings);

parentPort?.on('message', async (job: Job) => {
  try {
    const r = await runner.run(job);
    const transfer =
      r.kind === 'candidate'
        ? [r.samples.buffer, r.embedding.buffer]
        : r.kind === 'embed'
          ? [r.embedding.buffer]
          : r.kind === 'mp3'
            ? [r.bytes.buffer]
            : [];
    parentPort?.postMessage({ ok: true, result: r }, transfer as ArrayBuffer[]);
  } catch (e) {
    parentPort?.postMessage({ ok: false, index: job.index, message: (e as Error).stack ?? String(e) });
  }
});
