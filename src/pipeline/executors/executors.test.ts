import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { registerQueueTestStages } from '../../testing/queue-stages.js';
import { startRedis, type TestRedis } from '../../testing/redis.js';
import { UserError } from '../../util/errors.js';
import { type JobSpec, makeJob, outputOf, ReadyQueue } from '../jobs.js';
import { RunFolder } from '../run-folder.js';
import { silentContext } from '../stage.js';
import { BullmqExecutor, redisConnection } from './bullmq.js';
import { LocalExecutor } from './local.js';

registerQueueTestStages();
const here = dirname(fileURLToPath(import.meta.url));
const workerScript = join(here, '..', '..', 'testing', 'queue-worker.ts');

/** Squares of 1..n (each `delayMs`), and their sum. */
function graph(n: number, delayMs: number, salt = ''): { jobs: JobSpec[]; sum: JobSpec } {
  const squares = Array.from({ length: n }, (_, i) =>
    makeJob('test-square', `x=${i + 1}`, { x: { hash: `x${i + 1}${salt}`, value: i + 1 } }, { delayMs }),
  );
  const sum = makeJob('test-sum', 'sum', { parts: squares.map(outputOf) }, {});
  return { jobs: [...squares, sum], sum };
}

async function sumOf(folder: RunFolder, sum: JobSpec): Promise<number> {
  return JSON.parse(readFileSync(join(folder.stages.dirOf('test-sum', sum.key), 'sum.json'), 'utf8')).sum;
}

async function waitFor(ok: () => boolean, ms = 30_000): Promise<void> {
  for (const t0 = Date.now(); !ok(); ) {
    if (Date.now() - t0 > ms) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 50));
  }
}

function logLines(path: string): string[] {
  return existsSync(path) ? readFileSync(path, 'utf8').trim().split('\n').filter(Boolean) : [];
}

describe('executors', () => {
  const base = mkdtempSync(join(tmpdir(), 'b2m-exec-'));
  let redis: TestRedis | null = null;
  const workers: ChildProcess[] = [];
  const log = join(base, 'calls.log');

  const spawnWorker = (lockMs: number): ChildProcess => {
    const w = spawn(process.execPath, ['--import', 'tsx', workerScript, redis!.url, String(lockMs)], {
      stdio: 'ignore',
      env: { ...process.env, B2M_TEST_LOG: log },
    });
    workers.push(w);
    return w;
  };

  before(async () => {
    redis = await startRedis();
  });
  after(async () => {
    for (const w of workers) if (w.exitCode === null) w.kill('SIGKILL');
    await redis?.stop();
    rmSync(base, { recursive: true, force: true });
  });

  it('local: runs the graph in dependency order, and a second run finds everything done', async () => {
    const folder = await RunFolder.claim(join(base, 'local'));
    const { jobs, sum } = graph(4, 0);
    const ex = new LocalExecutor();
    const r1 = await ex.run(folder, jobs, silentContext);
    assert.deepEqual([r1.computed, r1.cached], [5, 0]);
    assert.equal(await sumOf(folder, sum), 1 + 4 + 9 + 16);
    const r2 = await ex.run(folder, jobs, silentContext);
    assert.deepEqual([r2.computed, r2.cached], [0, 5]);
  });

  it('local: a job starts once its own inputs exist, not when its whole level is done', async () => {
    const folder = await RunFolder.claim(join(base, 'local-ready'));
    const slow = makeJob('test-square', 'slow', { x: { hash: 'ready-slow', value: 3 } }, { delayMs: 800 });
    const fast = makeJob('test-square', 'fast', { x: { hash: 'ready-fast', value: 4 } }, { delayMs: 10 });
    const sumSlow = makeJob('test-sum', 'sum-slow', { parts: [outputOf(slow)] }, {});
    const sumFast = makeJob('test-sum', 'sum-fast', { parts: [outputOf(fast)] }, {});
    const done: string[] = [];
    const ctx = { ...silentContext, log: (line: string) => done.push(line.split(':')[0]!) };
    const r = await new LocalExecutor(2).run(folder, [slow, fast, sumSlow, sumFast], ctx);
    assert.deepEqual([r.computed, r.cached], [4, 0]);
    // Level by level, sum-fast would wait for the slow square.
    assert.deepEqual(done, [
      'test-square fast',
      'test-sum sum-fast',
      'test-square slow',
      'test-sum sum-slow',
    ]);
    assert.equal(await sumOf(folder, sumSlow), 9);
  });

  it('local: a failing job fails the run after the running ones end, and starts nothing new', async () => {
    const folder = await RunFolder.claim(join(base, 'local-fail'));
    const poison = makeJob('test-poison', 'poison', { x: { hash: 'fail-poison', value: 7 } }, {});
    const slow = makeJob('test-square', 'slow', { x: { hash: 'fail-slow', value: 5 } }, { delayMs: 300 });
    const after = makeJob('test-sum', 'after', { parts: [outputOf(poison)] }, {});
    const ran: string[] = [];
    const ctx = { ...silentContext, log: (line: string) => ran.push(line.split(':')[0]!) };
    await assert.rejects(
      new LocalExecutor(2).run(folder, [poison, slow, after], ctx),
      /value 7 is not allowed/,
    );
    assert.deepEqual(ran, ['test-square slow']);
  });

  it('ready queue: longest chain of dependents first, dependents only after their inputs, duplicates once', () => {
    const leaf = (name: string) =>
      makeJob('test-square', name, { x: { hash: `q-${name}`, value: 1 } }, { delayMs: 0 });
    const a = leaf('a');
    const b = leaf('b');
    const head = leaf('head');
    const mid = makeJob('test-sum', 'mid', { parts: [outputOf(head)] }, {});
    const tail = makeJob('test-sum', 'tail', { parts: [outputOf(mid), outputOf(a)] }, {});
    const q = new ReadyQueue([a, b, head, mid, tail, a]);
    assert.equal(q.size, 5);
    // head → mid → tail is the longest chain; a (→ tail) next; b last.
    assert.deepEqual(
      [q.take()?.label, q.take()?.label, q.take()?.label, q.take()],
      ['head', 'a', 'b', undefined],
    );
    q.finish(a);
    assert.equal(q.take(), undefined, 'tail still waits for mid');
    q.finish(head);
    assert.equal(q.take()?.label, 'mid');
    q.finish(mid);
    q.finish(b);
    assert.equal(q.take()?.label, 'tail');
    assert.equal(q.done, false);
    q.finish(tail);
    assert.equal(q.done, true);
  });

  it('ready queue: a job that nothing waits for but that takes long goes before short chains', () => {
    const long = makeJob('test-long', 'long', { x: { hash: 'q-long', value: 1 } }, { delayMs: 0 });
    const head = makeJob('test-square', 'head', { x: { hash: 'q-head2', value: 1 } }, { delayMs: 0 });
    const mid = makeJob('test-sum', 'mid', { parts: [outputOf(head)] }, {});
    const tail = makeJob('test-sum', 'tail', { parts: [outputOf(mid)] }, {});
    // By job count head's chain (3) is the longest; by typical seconds long's (100) is.
    const q = new ReadyQueue([head, mid, tail, long]);
    assert.deepEqual([q.take()?.label, q.take()?.label], ['long', 'head']);
  });

  it('parses Redis URLs and refuses others', () => {
    assert.deepEqual(redisConnection('redis://:pw@10.0.0.1:7000/2'), {
      host: '10.0.0.1',
      port: 7000,
      db: 2,
      password: 'pw',
      maxRetriesPerRequest: null,
    });
    assert.throws(() => redisConnection('http://x'), UserError);
  });

  it('bullmq: two workers give the same outputs as the local executor, each job run once', async (t) => {
    if (!redis) return t.skip('redis-server is not installed (CI installs it)');
    writeFileSync(log, '');
    spawnWorker(60_000);
    spawnWorker(60_000);
    await waitFor(() => logLines(log).filter((l) => l.startsWith('ready')).length === 2);
    const folder = await RunFolder.claim(join(base, 'queue'));
    const { jobs, sum } = graph(6, 400, '-q');
    const ex = new BullmqExecutor({ redis: redis.url, pollMs: 100 });
    try {
      const r = await ex.run(folder, jobs, silentContext);
      assert.equal(r.computed, 7);
      assert.equal(await sumOf(folder, sum), 91);
      const starts = logLines(log).filter((l) => l.startsWith('start'));
      assert.equal(starts.length, 6, starts.join('\n'));
      assert.equal(new Set(starts.map((l) => l.split(' ')[2])).size, 2, 'both workers took jobs');
      const again = await ex.run(folder, jobs, silentContext);
      assert.deepEqual([again.computed, again.cached], [0, 7]);
    } finally {
      await ex.close();
    }
  });

  it('bullmq: a worker killed mid-job has its job finished by another; Redis restarted mid-run, the run completes', async (t) => {
    if (!redis) return t.skip('redis-server is not installed (CI installs it)');
    for (const w of workers) if (w.exitCode === null) w.kill('SIGTERM');
    writeFileSync(log, '');
    const victim = spawnWorker(1500);
    await waitFor(() => logLines(log).some((l) => l.startsWith('ready')));
    const folder = await RunFolder.claim(join(base, 'faults'));
    const { jobs, sum } = graph(3, 2500, '-f');
    const ex = new BullmqExecutor({ redis: redis.url, pollMs: 100, backoffMs: 200 });
    const running = ex.run(folder, jobs, silentContext);
    // Kill the only worker as soon as it has started a job, then bring up a healthy one.
    for (let i = 0; i < 200 && !logLines(log).some((l) => l.startsWith('start')); i++)
      await new Promise((r) => setTimeout(r, 50));
    assert.ok(
      logLines(log).some((l) => l.startsWith('start')),
      'the worker started a job',
    );
    victim.kill('SIGKILL');
    spawnWorker(1500);
    // Restart Redis while the healthy worker is busy: nothing is persisted, the coordinator resubmits.
    await new Promise((r) => setTimeout(r, 1500));
    await redis.restart();
    try {
      await running;
      assert.equal(await sumOf(folder, sum), 1 + 4 + 9);
      const ends = logLines(log).filter((l) => l.startsWith('end'));
      assert.ok(!ends.some((l) => l.endsWith(` ${victim.pid}`)), 'the killed worker finished nothing');
    } finally {
      await ex.close();
    }
  });

  it('bullmq: a job that fails for a user error fails the run with that error at once, not after retries', async (t) => {
    if (!redis) return t.skip('redis-server is not installed (CI installs it)');
    writeFileSync(log, '');
    spawnWorker(60_000);
    const folder = await RunFolder.claim(join(base, 'poison'));
    const bad = makeJob('test-poison', 'x=13', { x: { hash: 'p13', value: 13 } }, {});
    const ex = new BullmqExecutor({ redis: redis.url, pollMs: 100, attempts: 5, backoffMs: 5000 });
    const t0 = Date.now();
    try {
      await assert.rejects(ex.run(folder, [bad], silentContext), (e: unknown) => {
        assert.ok(e instanceof UserError, String(e));
        assert.match(e.message, /value 13 is not allowed/);
        assert.equal(e.hint, 'use another value');
        return true;
      });
      assert.ok(Date.now() - t0 < 5000, 'no retry backoff was waited');
      assert.equal(logLines(log).filter((l) => l.startsWith('poison')).length, 1);
      assert.equal(folder.stages.has('test-poison', bad.key), false);
    } finally {
      await ex.close();
    }
  });
});
