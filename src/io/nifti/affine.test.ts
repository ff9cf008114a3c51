/**
 * qform encoding: affine → quaternion → affine is the identity for every rotation,
 * with and without a flip; sheared affines have no qform and fall back to the sform.
 * The decoding direction is checked against nibabel in read.test.ts (qform_only.nii).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { Rng } from '../../util/rng.js';
import { type Affine, affineToQform, qformAffine, readNiftiHeader, writeNifti } from './index.js';
import { assertClose, MANIFEST } from './testing.js';

const tmp = mkdtempSync(join(tmpdir(), 'b2m-affine-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

/** A rotation from a random unit quaternion, scaled per column, optionally mirrored. */
function randomAffine(rng: Rng, flip: boolean): Affine {
  let [w, x, y, z] = [rng.normal(), rng.normal(), rng.normal(), rng.normal()];
  const n = Math.hypot(w, x, y, z);
  [w, x, y, z] = [w / n, x / n, y / n, z / n];
  const R = [
    [1 - 2 * (y * y + z * z), 2 * (x * y - w * z), 2 * (x * z + w * y)],
    [2 * (x * y + w * z), 1 - 2 * (x * x + z * z), 2 * (y * z - w * x)],
    [2 * (x * z - w * y), 2 * (y * z + w * x), 1 - 2 * (x * x + y * y)],
  ];
  const zooms = [0.5 + rng.uniform() * 3, 0.5 + rng.uniform() * 3, 0.5 + rng.uniform() * 3];
  const A = R.map((row) => [
    ...row.map((v, j) => v * zooms[j]! * (flip && j === 0 ? -1 : 1)),
    rng.normal() * 100,
  ]);
  return [...A, [0, 0, 0, 1]];
}

describe('qform encoding', () => {
  it('affine → qform → affine is exact (1e-9) for random rotations, zooms, flips', () => {
    const rng = new Rng(3);
    for (let t = 0; t < 500; t++) {
      const A = randomAffine(rng, t % 2 === 1);
      const q = affineToQform(A);
      assert.ok(q, 'an orthogonal affine has a qform');
      assert.equal(q.qform.qfac, t % 2 === 1 ? -1 : 1);
      assertClose(qformAffine(q.qform, q.voxelSize).flat(), A.flat(), 1e-9, 1e-9, `affine ${t}`);
    }
  });

  it('reproduces nibabel’s qform of the qform-only fixture', () => {
    const fx = MANIFEST.images.find((f) => f.file === 'qform_only.nii')!;
    const q = affineToQform(fx.affine)!;
    assertClose(qformAffine(q.qform, q.voxelSize).flat(), fx.affine.flat(), 1e-9, 1e-9, 'qform_only');
    assertClose(q.voxelSize, fx.zooms.slice(0, 3), 1e-6, 0, 'zooms');
  });

  it('a sheared affine has no qform: written with sform only, read back exactly', async () => {
    const sheared = [
      [2, 0.5, 0, 10],
      [0, 2, 0, 20],
      [0, 0, 2, 30],
      [0, 0, 0, 1],
    ];
    assert.equal(affineToQform(sheared), null);
    const path = join(tmp, 'sheared.nii');
    await writeNifti(path, { header: { dims: [2, 2, 2], affine: sheared }, data: new Float32Array(8) });
    const h = await readNiftiHeader(path);
    assert.equal(h.qformCode, 0);
    assert.equal(h.sformCode, 2);
    assert.deepEqual(h.affine, sheared);
  });

  it('a written rotated, mirrored affine has matching qform and sform', async () => {
    const A = randomAffine(new Rng(5), true);
    const path = join(tmp, 'rotated.nii.gz');
    await writeNifti(path, { header: { dims: [3, 3, 3], affine: A }, data: new Float32Array(27) });
    const h = await readNiftiHeader(path);
    assert.equal(h.qformCode, 2);
    assert.equal(h.pixdim[0], -1);
    // Both are stored in float32: they agree to float32 precision.
    assertClose(qformAffine(h.qform, h.pixdim.slice(1, 4)).flat(), A.flat(), 1e-5, 1e-4, 'qform');
    assertClose(h.affine.flat(), A.flat(), 1e-6, 1e-5, 'sform');
  });
});
