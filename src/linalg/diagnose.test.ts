import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type Check, diagnoseEngine } from './diagnose.js';

const byName = (checks: Check[], name: string) => checks.find((c) => c.name === name);

describe('diagnoseEngine (b2m doctor)', () => {
  it('reports the active backend, threads and a passing self-test', async () => {
    const d = await diagnoseEngine({ B2M_BACKEND: 'portable' });
    assert.equal(d.backend?.name, 'portable');
    assert.equal(byName(d.checks, 'backend')?.status, 'ok');
    assert.equal(byName(d.checks, 'self-test')?.status, 'ok');
    assert.match(byName(d.checks, 'node')?.detail ?? '', /^v\d+/);
  });

  it('fails with a fix for a bad B2M_BACKEND or B2M_THREADS', async () => {
    const bad = await diagnoseEngine({ B2M_BACKEND: 'fpga' });
    const backend = byName(bad.checks, 'backend') as Check;
    assert.equal(backend.status, 'fail');
    assert.match(backend.fix ?? '', /native, portable/);
    const threads = await diagnoseEngine({ B2M_THREADS: 'lots' });
    assert.equal(byName(threads.checks, 'threads')?.status, 'fail');
  });

  it('reports BLAS and core type when the native backend is active', async (t) => {
    const d = await diagnoseEngine({});
    if (d.backend?.name !== 'native') {
      assert.equal(byName(d.checks, 'native addon')?.status, 'warn');
      t.skip('native addon not available');
      return;
    }
    assert.match(byName(d.checks, 'blas')?.detail ?? '', /OpenBLAS/);
    assert.match(byName(d.checks, 'core type')?.detail ?? '', /OPENBLAS_CORETYPE/);
    assert.equal(byName(d.checks, 'self-test')?.status, 'ok');
  });
});
