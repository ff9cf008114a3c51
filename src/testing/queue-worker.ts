/** A `b2m worker` with the executor tests' stages registered: `node --import tsx queue-worker.ts REDIS_URL LOCK_MS`. */
import { startWorker } from '../pipeline/executors/bullmq.js';
import { registerQueueTestStages } from './queue-stages.js';

registerQueueTestStages();
const [url, lock] = process.argv.slice(2);
const w = startWorker({ redis: url as string, lockDurationMs: Number(lock ?? 60000) });
process.on('SIGTERM', () => {
  void w.close().then(() => process.exit(0));
});
