import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { threadId } from 'node:worker_threads';
import type { PoolTestJob } from '../testing/pool-task.js';
import { UserError } from './errors.js';
import { mapInWorkers } from './worker-pool.js';

const TASK = new URL('../testing/pool-task.ts', import.meta.url);
type Out = { y: number; thread: number };

describe('mapInWorkers', () => {
  it('runs every job on worker threads and returns results in job order; onResult sees each once', async () => {
    const jobs: PoolTestJob[] = Array.from({ length: 20 }, (_, i) => ({ x: i }));
    const seen: number[] = [];
    const out = await mapInWorkers<PoolTestJob, Out>(TASK, jobs, {
      workers: 2,
      onResult: (i) => void seen.push(i),
    });
    assert.deepEqual(
      out.map((r) => r.y),
      jobs.map((j) => j.x * j.x),
    );
    assert.deepEqual(
      [...seen].sort((a, b) => a - b),
      jobs.map((_, i) => i),
    );
    const threads = new Set(out.map((r) => r.thread));
    assert.ok(!threads.has(threadId), 'no job ran on the main thread');
    assert.equal(threads.size, 2);
  });

  it('few jobs run in this thread (a thread start-up would cost more)', async () => {
    const out = await mapInWorkers<PoolTestJob, Out>(TASK, [{ x: 3 }], { workers: 2 });
    assert.deepEqual(out, [{ y: 9, thread: threadId }]);
    assert.deepEqual(await mapInWorkers(TASK, [], { workers: 2 }), []);
  });

  it('a UserError in a worker arrives as a UserError with its location and hint; other errors keep their stack', async () => {
    const jobs: PoolTestJob[] = [{ x: 1 }, { x: 2 }, { x: 7, fail: 'user' }, { x: 4 }, { x: 5 }];
    await assert.rejects(mapInWorkers(TASK, jobs, { workers: 2 }), (e: unknown) => {
      assert.ok(e instanceof UserError);
      assert.equal(e.message, 'x = 7 is refused');
      assert.deepEqual(e.location, { file: 'jobs.tsv', line: 7 });
      assert.equal(e.hint, 'use another x');
      return true;
    });
    const crash: PoolTestJob[] = [{ x: 1 }, { x: 2, fail: 'crash' }, { x: 3 }, { x: 4 }];
    await assert.rejects(mapInWorkers(TASK, crash, { workers: 2 }), /failed: TypeError: boom/);
  });
});
