/** A `b2m worker` with the executor tests' stages registered: `node --import tsx queue-worker.ts REDIS_URL LOCK_MS`. */
import { appendFileSync } from 'node:fs';
import { startWorker } from '../pipeline/executors/bullmq.js';
import { registerQueueTestStages } from './queue-stages.js';

registerQueueTestStages();
const [url, lock] = process.argv.slice(2);
const w = startWorker({ redis: url as string, lockDurationMs: Number(lock ?? 60000) });
// Tell the test when this worker listens, so it can hand out jobs only then.
void w.worker.waitUntilReady().then(() => {
  if (process.env.B2M_TEST_LOG) appendFileSync(process.env.B2M_TEST_LOG, `ready ${process.pid}\n`);
});
process.on('SIGTERM', () => {
  void w.close().then(() => process.exit(0));
});
