/** `b2m ridge fit/predict` as a user runs them, on a scikit-learn fixture. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { readNpy, readNpyMatrix, writeNpy } from '../../io/npy.js';
import { readNpz } from '../../io/npz.js';

const ROOT = join(import.meta.dirname, '..', '..', '..');
const FIX = join(ROOT, 'test', 'fixtures', 'ridge');

function b2m(...args: string[]) {
  const r = spawnSync(process.execPath, [join(ROOT, 'bin', 'b2m.mjs'), ...args], { encoding: 'utf8' });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe('b2m ridge', () => {
  let dir = '';
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'b2m-ridge-cli-'));
    const z = await readNpz(join(FIX, 'groups.npz'));
    for (const k of ['X', 'Y', 'Xtest', 'pred', 'best_alphas', 'groups']) {
      await writeNpy(join(dir, `${k}.npy`), z[k]!.data, z[k]!.shape);
    }
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('fit --groups then predict reproduces scikit-learn (float64)', async () => {
    const alphas = Array.from((await readNpz(join(FIX, 'groups.npz'))).alphas!.data as Float64Array);
    const fit = b2m(
      'ridge',
      'fit',
      '--x',
      join(dir, 'X.npy'),
      '--y',
      join(dir, 'Y.npy'),
      '--groups',
      join(dir, 'groups.npy'),
      '--alphas',
      alphas.join(','),
      '--dtype',
      'float64',
      '--out',
      join(dir, 'model'),
      '-q',
      '-v',
    );
    assert.equal(fit.code, 0, fit.err);
    assert.match(fit.out, /solver: primal/);
    assert.match(fit.err, /leave-one-group-out \(6 groups\)/);
    const chosen = await readNpy(join(dir, 'model', 'alphas.npy'));
    const ref = await readNpy(join(dir, 'best_alphas.npy'));
    assert.deepEqual(Array.from(chosen.data as Float64Array), Array.from(ref.data as Float64Array));
    const pr = b2m(
      'ridge',
      'predict',
      '--model',
      join(dir, 'model'),
      '--x',
      join(dir, 'Xtest.npy'),
      '--out',
      join(dir, 'P.npy'),
    );
    assert.equal(pr.code, 0, pr.err);
    const P = await readNpyMatrix(join(dir, 'P.npy'));
    const want = await readNpyMatrix(join(dir, 'pred.npy'));
    assert.deepEqual(P.shape, want.shape);
    let maxAbs = 0;
    let maxRef = 0;
    for (let k = 0; k < P.size; k++) {
      maxAbs = Math.max(maxAbs, Math.abs(P.data[k]! - want.data[k]!));
      maxRef = Math.max(maxRef, Math.abs(want.data[k]!));
    }
    assert.ok(maxAbs / maxRef < 1e-6, `relative error ${maxAbs / maxRef}`);
  });

  it('bad input: other dtype, unwritable --out, bad alphas — exit 1, clear message, nothing written', async () => {
    await writeNpy(join(dir, 'Xint.npy'), new Int32Array(6), [3, 2]);
    let r = b2m(
      'ridge',
      'fit',
      '--x',
      join(dir, 'Xint.npy'),
      '--y',
      join(dir, 'Y.npy'),
      '--out',
      join(dir, 'm1'),
    );
    assert.equal(r.code, 1);
    assert.match(r.err, /X has dtype int32; only float32 and float64 are accepted/);
    await writeFile(join(dir, 'file'), 'x');
    r = b2m(
      'ridge',
      'fit',
      '--x',
      join(dir, 'X.npy'),
      '--y',
      join(dir, 'Y.npy'),
      '--out',
      join(dir, 'file', 'm'),
    );
    assert.equal(r.code, 1);
    assert.match(r.err, /is a file, not a folder/);
    r = b2m(
      'ridge',
      'fit',
      '--x',
      join(dir, 'X.npy'),
      '--y',
      join(dir, 'Y.npy'),
      '--out',
      join(dir, 'm2'),
      '--alphas',
      '1,-1',
    );
    assert.equal(r.code, 1);
    assert.match(r.err, /every alpha must be a finite number > 0/);
    r = b2m(
      'ridge',
      'fit',
      '--x',
      join(dir, 'X.npy'),
      '--y',
      join(dir, 'Xtest.npy'),
      '--out',
      join(dir, 'm3'),
    );
    assert.equal(r.code, 1);
    assert.match(r.err, /has 72 rows but Y .* has 17/);
    const left = (await readdir(dir)).filter((f) => /^m\d|tmp/.test(f));
    assert.deepEqual(left, []);
  });
});
