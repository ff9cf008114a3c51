import assert from 'node:assert/strict';
import { chmod, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Matrix } from '../linalg/matrix.js';
import { UserError } from '../util/errors.js';
import { encodeNpy, npyToNumbers, readNpy, readNpyMatrix, writeNpy, writeNpyMatrix } from './npy.js';

const FIX = join(import.meta.dirname, '..', '..', 'test', 'fixtures', 'ridge', 'npy');

describe('readNpy on files written by numpy', () => {
  it('float32 C order, 2-D', async () => {
    const a = await readNpy(join(FIX, 'f4_c_2d.npy'));
    assert.deepEqual(a.shape, [3, 4]);
    assert.equal(a.dtype, 'float32');
    assert.equal(a.fortranOrder, false);
    assert.ok(a.data instanceof Float32Array);
    assert.deepEqual(
      Array.from(a.data as Float32Array),
      Array.from({ length: 12 }, (_, i) => i),
    );
  });

  it('float64 Fortran order converts to row-major in readNpyMatrix', async () => {
    const a = await readNpy(join(FIX, 'f8_f_2d.npy'));
    assert.equal(a.fortranOrder, true);
    const m = await readNpyMatrix(join(FIX, 'f8_f_2d.npy'));
    assert.deepEqual(m.shape, [3, 4]);
    for (let i = 0; i < 3; i++) for (let j = 0; j < 4; j++) assert.equal(m.get(i, j), (i * 4 + j) / 7);
  });

  it('format version 2.0 header', async () => {
    const m = await readNpyMatrix(join(FIX, 'f8_v2.npy'));
    assert.deepEqual(m.shape, [2, 5]);
    assert.equal(m.get(0, 0), -1);
    assert.equal(m.get(1, 4), 1);
  });

  it('big-endian float64 is byte-swapped', async () => {
    const m = await readNpyMatrix(join(FIX, 'be_f8.npy'));
    assert.deepEqual(m.toRows(), [
      [1.5, -2.25],
      [3.0, 1e-300],
    ]);
  });

  it('integers, bools, 3-D, 0-d and empty arrays', async () => {
    const i8 = await readNpy(join(FIX, 'i8_1d.npy'));
    assert.equal(i8.dtype, 'int64');
    assert.deepEqual(npyToNumbers(i8, 'i8'), [3, 3, 1, 1, 2, -7]);
    const i4 = await readNpy(join(FIX, 'i4_1d.npy'));
    assert.deepEqual(Array.from(i4.data as Int32Array), [5, -6, 7]);
    const b = await readNpy(join(FIX, 'bool_1d.npy'));
    assert.equal(b.dtype, 'bool');
    assert.deepEqual(Array.from(b.data as Uint8Array), [1, 0, 1]);
    const t = await readNpy(join(FIX, 'f4_3d.npy'));
    assert.deepEqual(t.shape, [2, 3, 4]);
    assert.equal(t.data[23], 23);
    const s = await readNpy(join(FIX, 'scalar.npy'));
    assert.deepEqual(s.shape, []);
    assert.equal(s.data[0], 2.5);
    const e = await readNpyMatrix(join(FIX, 'empty.npy'));
    assert.deepEqual(e.shape, [0, 3]);
  });

  it('1-D float becomes a column in readNpyMatrix only when asked; refused otherwise', async () => {
    await assert.rejects(
      readNpyMatrix(join(FIX, 'f4_1d.npy'), { what: 'X' }),
      (e: unknown) => e instanceof UserError && /X must be 2-D .* 1-D array of 3/.test(e.message),
    );
    const m = await readNpyMatrix(join(FIX, 'f4_1d.npy'), { vectorAsColumn: true });
    assert.deepEqual(m.shape, [3, 1]);
    assert.deepEqual(Array.from(m.data), [0.5, 1.5, -2.5]);
  });

  it('rejects complex and integer data for matrices with a clear message', async () => {
    await assert.rejects(readNpy(join(FIX, 'c16.npy')), (e: unknown) => {
      assert.ok(e instanceof UserError);
      assert.match(e.message, /unsupported \.npy dtype '<c16'/);
      assert.match(e.format(), /astype/);
      return true;
    });
    await assert.rejects(
      readNpyMatrix(join(FIX, 'i4_1d.npy'), { what: 'X' }),
      /X has dtype int32; only float32/,
    );
    await assert.rejects(readNpyMatrix(join(FIX, 'f4_3d.npy')), /must be 2-D/);
  });
});

describe('writeNpy', () => {
  let dir = '';
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'b2m-npy-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('writes bytes identical to numpy.save', async () => {
    const p = join(dir, 'a.npy');
    await writeNpy(
      p,
      Float32Array.from({ length: 12 }, (_, i) => i),
      [3, 4],
    );
    assert.deepEqual(await readFile(p), await readFile(join(FIX, 'f4_c_2d.npy')));
    const ints = encodeNpy(new BigInt64Array([3n, 3n, 1n, 1n, 2n, -7n]), [6]);
    assert.deepEqual(Buffer.from(ints), await readFile(join(FIX, 'i8_1d.npy')));
    const bools = encodeNpy(new Uint8Array([1, 0, 1]), [3], 'bool');
    assert.deepEqual(Buffer.from(bools), await readFile(join(FIX, 'bool_1d.npy')));
  });

  it('round-trips matrices and vectors', async () => {
    const m = Matrix.build(5, 7, (i, j) => i * 0.1 - j, 'float64');
    const p = join(dir, 'm.npy');
    await writeNpyMatrix(p, m);
    const back = await readNpyMatrix(p);
    assert.deepEqual(back.shape, [5, 7]);
    assert.deepEqual(Array.from(back.data), Array.from(m.data));
    const v = join(dir, 'v.npy');
    await writeNpyMatrix(
      v,
      Matrix.build(1, 4, (_, j) => j, 'float32'),
      { asVector: true },
    );
    assert.deepEqual((await readNpy(v)).shape, [4]);
  });

  it('rejects a shape that does not match, and leaves nothing behind on failure', async () => {
    await assert.rejects(writeNpy(join(dir, 'bad.npy'), new Float32Array(5), [2, 3]), /needs 6/);
    const ro = join(dir, 'ro');
    await writeFile(join(dir, 'placeholder'), '');
    await import('node:fs/promises').then((fs) => fs.mkdir(ro));
    await chmod(ro, 0o500);
    if (process.getuid?.() !== 0) {
      await assert.rejects(writeNpy(join(ro, 'x.npy'), new Float32Array(2), [2]), UserError);
      assert.deepEqual(await readdir(ro), []);
    }
    await chmod(ro, 0o700);
  });

  it('detects truncated files', async () => {
    const p = join(dir, 't.npy');
    const full = await readFile(join(FIX, 'f4_c_2d.npy'));
    await writeFile(p, full.subarray(0, full.length - 4));
    await assert.rejects(readNpy(p), /truncated/);
    await writeFile(p, 'hello world, not numpy');
    await assert.rejects(readNpy(p), /bad magic/);
  });
});
