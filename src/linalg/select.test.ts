import assert from 'node:assert/strict';
import { availableParallelism } from 'node:os';
import { describe, it } from 'node:test';
import { UserError } from '../util/errors.js';
import { getBackend, getPortableBackend, Matrix, selectBackend } from './index.js';
import { loadAddon } from './native/addon.js';
import { threadsFromEnv } from './threads.js';

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
    }
  });
});
