import assert from 'node:assert/strict';
import { availableParallelism } from 'node:os';
import { describe, it } from 'node:test';
import { UserError } from '../util/errors.js';
import { getBackend, getPortableBackend, Matrix, selectBackend, setBlasThreads } from './index.js';
import { loadAddon } from './native/addon.js';
import { jobThreadsFromEnv, threadsFromEnv } from './threads.js';

describe('backend selection', () => {
  it('B2M_BACKEND=portable picks the portable backend and says why', () => {
    const b = selectBackend({ B2M_BACKEND: 'portable' });
    assert.equal(b.info.name, 'portable');
    assert.equal(b.info.reason, 'B2M_BACKEND=portable');
  });

  it('an unknown B2M_BACKEND is a UserError naming the choices', () => {
    assert.throws(
      () => selectBackend({ B2M_BACKEND: 'cuda' }),
      (e: unknown) =>
        e instanceof UserError &&
        /unknown B2M_BACKEND 'cuda'/.test(e.message) &&
        /native, portable/.test(e.hint ?? ''),
    );
  });

  it('without B2M_BACKEND: native when the addon loads, otherwise portable with the reason and the fix', () => {
    const b = selectBackend({});
    const load = loadAddon();
    if (load.ok) {
      assert.equal(b.info.name, 'native');
      assert.match(b.info.blas ?? '', /OpenBLAS/);
      assert.ok((b.info.coreType ?? '').length > 0, 'core type reported');
    } else {
      assert.equal(b.info.name, 'portable');
      assert.match(b.info.reason, /apt-get install .*libopenblas-dev liblapacke-dev/);
    }
  });

  it('getBackend() is a cached singleton; getPortableBackend() works whatever is selected', async () => {
    const a = await getBackend();
    assert.equal(await getBackend(), a);
    const p = getPortableBackend();
    assert.equal(p.info.name, 'portable');
    assert.deepEqual((await p.gemm(Matrix.fromRows([[2]]), Matrix.fromRows([[3]]))).toRows(), [[6]]);
  });

  it('B2M_THREADS: default all cores, a positive integer, anything else a UserError', () => {
    assert.equal(threadsFromEnv({}), availableParallelism());
    assert.equal(threadsFromEnv({ B2M_THREADS: '3' }), 3);
    for (const bad of ['0', '-1', '1.5', 'many']) {
      assert.throws(() => threadsFromEnv({ B2M_THREADS: bad }), UserError);
      assert.throws(() => jobThreadsFromEnv({ B2M_THREADS: bad }), UserError);
    }
    // A pipeline job's default is one thread: parallelism is across jobs.
    assert.equal(jobThreadsFromEnv({}), 1);
    assert.equal(jobThreadsFromEnv({ B2M_THREADS: '2' }), 2);
  });

  it("setBlasThreads changes the active backend's threads and answers the old count", async () => {
    const b = await getBackend();
    const start = b.info.threads;
    const before = await setBlasThreads(1);
    try {
      assert.equal(before, start);
      // The portable backend is single-threaded whatever is asked.
      assert.equal(b.info.threads, b.info.name === 'native' ? 1 : start);
    } finally {
      await setBlasThreads(before);
    }
    assert.equal(b.info.threads, start);
    await assert.rejects(setBlasThreads(0), RangeError);
  });
});
