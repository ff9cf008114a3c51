import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { readNpz, writeNpz } from './npz.js';

const FIX = join(import.meta.dirname, '..', '..', 'test', 'fixtures', 'ridge', 'npy');

describe('npz', () => {
  let dir = '';
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'b2m-npz-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reads numpy.savez (stored) and numpy.savez_compressed (deflated)', async () => {
    for (const name of ['stored.npz', 'compressed.npz']) {
      const z = await readNpz(join(FIX, name));
      assert.deepEqual(z.a?.shape, [2, 3]);
      assert.deepEqual(Array.from(z.a?.data as Float32Array), [0, 1, 2, 3, 4, 5]);
      assert.equal(z.b?.dtype, 'int64');
      assert.deepEqual(Array.from(z.b?.data as BigInt64Array), [1n, 2n, 3n]);
    }
    const c = (await readNpz(join(FIX, 'compressed.npz'))).c;
    assert.equal(c?.data.length, 1000);
    assert.equal(c?.data[999], 1);
  });

  it('round-trips stored and compressed archives', async () => {
    for (const compress of [false, true]) {
      const p = join(dir, `r${compress}.npz`);
      const x = Float64Array.from({ length: 600 }, (_, i) => Math.sin(i));
      await writeNpz(
        p,
        { x: { data: x, shape: [20, 30] }, g: { data: new Int32Array([1, 2]), shape: [2] } },
        { compress },
      );
      const z = await readNpz(p);
      assert.deepEqual(z.x?.shape, [20, 30]);
      assert.deepEqual(Array.from(z.x?.data as Float64Array), Array.from(x));
      assert.deepEqual(Array.from(z.g?.data as Int32Array), [1, 2]);
    }
  });
});
