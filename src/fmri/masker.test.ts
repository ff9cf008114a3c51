/**
 * The masker against numpy (fixtures from scripts/fixtures/make_nifti_fixtures.py):
 * `data[mask].T` for a mask image, a parcellation with labels and a threshold on the
 * mean image; inverse transforms that land every value back on its voxel; grid checks.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { readNifti, readNiftiHeader, writeNifti } from '../io/nifti/index.js';
import { assertClose, FIXTURES, MANIFEST } from '../io/nifti/testing.js';
import { Matrix } from '../linalg/matrix.js';
import type { UserError } from '../util/errors.js';
import { Masker, meanImage } from './masker.js';

const tmp = mkdtempSync(join(tmpdir(), 'b2m-masker-'));
after(() => rmSync(tmp, { recursive: true, force: true }));
const m = MANIFEST.masking;
const fx = (f: string) => join(FIXTURES, f);
// A real header to borrow geometry from, with other dims.
const maskHeader = await readNiftiHeader(fx(m.mask));
const fakeHeader = (dims: number[]) => ({ ...maskHeader, dims });

describe('Masker.transform agrees with numpy', () => {
  it('mask image, on .nii and .nii.gz runs', async () => {
    const masker = await Masker.fromMaskFile(fx(m.mask));
    assert.equal(masker.nVoxels, m.n_mask_voxels);
    for (const run of ['run_int16.nii', 'run_int16.nii.gz']) {
      const X = await masker.transform(fx(run));
      assert.deepEqual([X.rows, X.cols], [m.masked.length, m.n_mask_voxels]);
      assertClose(X.data, m.masked.flat(), 0, 0, run);
    }
  });

  it('parcellation + labels', async () => {
    const masker = await Masker.fromParcellation(fx(m.parcellation), m.labels);
    const X = await masker.transform(fx(m.run));
    assertClose(X.data, m.parcel_masked.flat(), 0, 0, 'parcel');
  });

  it('threshold on the mean image, given as the mean or as the 4-D run', async () => {
    for (const src of [m.mean, m.run]) {
      const masker = await Masker.fromThreshold(fx(src), { threshold: m.threshold });
      const X = await masker.transform(fx(m.run));
      assertClose(X.data, m.threshold_masked.flat(), 0, 0, `threshold from ${src}`);
    }
  });

  it('fraction of the maximum of the mean', async () => {
    const mean = await meanImage(fx(m.run));
    const max = Math.max(...mean.data);
    const masker = await Masker.fromThreshold(fx(m.run), { fraction: 0.5 });
    const expected = Array.from(mean.data).filter((v) => v > 0.5 * max).length;
    assert.equal(masker.nVoxels, expected);
  });
});

describe('Masker.inverseTransform', () => {
  it('puts every value back on its voxel, on the source grid, readable as NIfTI', async () => {
    const masker = await Masker.fromMaskFile(fx(m.mask));
    const run = await readNifti(fx(m.run));
    const X = await masker.transform(fx(m.run));
    // A 4-D inverse of the masked run equals the run inside the mask and 0 outside.
    const img = masker.inverseTransform(X);
    const path = join(tmp, 'inverse.nii.gz');
    await writeNifti(path, img);
    const back = await readNifti(path);
    assert.deepEqual(back.header.dims, run.header.dims);
    assert.deepEqual(back.header.affine, run.header.affine);
    assert.equal(back.header.datatype, 'float32');
    const mask = await readNifti(fx(m.mask));
    const vpv = mask.data.length;
    for (let i = 0; i < back.data.length; i++) {
      const inside = (mask.data as Float32Array)[i % vpv] !== 0;
      assert.equal(back.data[i], inside ? run.data[i] : 0, `voxel ${i}`);
    }
    // The round trip transform(inverse(X)) is the identity on masked data.
    const again = await masker.transform(path);
    assert.deepEqual(again.data, X.data);
  });

  it('a vector gives a 3-D map; fill sets the background', () => {
    const masker = Masker.fromIndices([0, 5, 7], fakeHeader([2, 2, 2]));
    const img = masker.inverseTransform([1, 2, 3], { fill: Number.NaN });
    assert.deepEqual(img.header.dims, [2, 2, 2]);
    assert.deepEqual(Array.from(img.data), [
      1,
      Number.NaN,
      Number.NaN,
      Number.NaN,
      Number.NaN,
      2,
      Number.NaN,
      3,
    ]);
  });

  it('refuses vectors of the wrong length', () => {
    const masker = Masker.fromIndices([0, 5, 7], fakeHeader([2, 2, 2]));
    assert.throws(() => masker.inverseTransform([1, 2]), /2 values cannot be mapped onto a mask of 3 voxels/);
    assert.throws(() => masker.inverseTransform(Matrix.zeros(2, 4, 'float32')), /2 × 4 matrix/);
  });

  it('saves the mask itself, and reloads to the same selection', async () => {
    const masker = await Masker.fromParcellation(fx(m.parcellation), m.labels);
    const path = join(tmp, 'saved_mask.nii');
    await masker.save(path);
    const again = await Masker.fromMaskFile(path);
    assert.deepEqual(again.indices, masker.indices);
    assert.equal(again.key(), masker.key());
  });
});

describe('Masker refuses images on another grid, with the file named', () => {
  const isUserErrorFor = (file: string, re: RegExp) => (e: Error) =>
    e.name === 'UserError' && (e as UserError).location.file === file && re.test(e.message);

  it('another shape', async () => {
    const masker = await Masker.fromMaskFile(fx('mask_small.nii.gz'));
    await assert.rejects(
      masker.transform(fx(m.run)),
      isUserErrorFor(fx(m.run), /grid 6×5×4 does not match the mask's grid 5×5×4/),
    );
  });

  it('another affine', async () => {
    const masker = await Masker.fromMaskFile(fx('mask_shifted.nii.gz'));
    await assert.rejects(masker.transform(fx(m.run)), isUserErrorFor(fx(m.run), /affine differs/));
  });

  it('a 3-D image where a 4-D run is needed', async () => {
    const masker = await Masker.fromMaskFile(fx(m.mask));
    await assert.rejects(masker.transform(fx(m.mean)), isUserErrorFor(fx(m.mean), /expected a 4-D run/));
    const X = await masker.transform(fx(m.mean), { require4D: false });
    assert.equal(X.rows, 1);
  });

  it('a 4-D mask, missing labels, an empty selection', async () => {
    await assert.rejects(Masker.fromMaskFile(fx(m.run)), isUserErrorFor(fx(m.run), /single 3-D volume/));
    await assert.rejects(
      Masker.fromParcellation(fx(m.parcellation), [1, 99]),
      isUserErrorFor(fx(m.parcellation), /label 99 not found/),
    );
    await assert.rejects(Masker.fromThreshold(fx(m.mean), { threshold: 1e9 }), /selects no voxels/);
  });
});
