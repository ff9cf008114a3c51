/**
 * The reader against nibabel: every fixture in test/fixtures/nifti was written by
 * nibabel (scripts/fixtures/make_nifti_fixtures.py), which also recorded what it reads
 * back (shape, datatype, affine, scaling, zooms, units, scaled voxel values).
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import {
  extractMasked,
  iterateVolumes,
  niftiStats,
  readNifti,
  readNiftiHeader,
  volumeCount,
} from './index.js';
import { assertClose, FIXTURES, MANIFEST } from './testing.js';

const UNIT_NAMES: Record<string, string> = {
  unknown: 'unknown',
  mm: 'mm',
  meter: 'meter',
  msec: 'ms',
  sec: 's',
};

describe('NIfTI reader agrees with nibabel', () => {
  assert.ok(MANIFEST.images.length >= 25, 'the fixture set is complete');
  for (const fx of MANIFEST.images) {
    it(`${fx.file} (${fx.notes})`, async () => {
      const path = join(FIXTURES, fx.file);
      const h = await readNiftiHeader(path);
      assert.equal(h.version, fx.version);
      assert.equal(h.littleEndian, !fx.big_endian);
      assert.equal(h.gzip, fx.file.endsWith('.gz'));
      assert.deepEqual(h.dims, fx.shape);
      assert.equal(h.datatype, fx.datatype);
      assert.equal(h.qformCode, fx.qform_code);
      assert.equal(h.sformCode, fx.sform_code);
      assertClose(h.affine.flat(), fx.affine.flat(), 1e-6, 1e-5, 'affine');
      assert.equal(h.scaling?.slope ?? 1, fx.slope);
      assert.equal(h.scaling?.inter ?? 0, fx.inter);
      assertClose(h.pixdim.slice(1, 1 + fx.shape.length), fx.zooms, 0, 0, 'zooms');
      assert.equal(h.spatialUnit, UNIT_NAMES[fx.units[0]]);
      assert.equal(h.temporalUnit, UNIT_NAMES[fx.units[1]]);
      assert.equal(h.extensions.length, fx.n_extensions);

      const img = await readNifti(path);
      const float64 = ['float64', 'int32', 'uint32', 'int64', 'uint64'].includes(fx.datatype);
      assert.equal(
        img.data instanceof Float64Array,
        float64,
        'auto picks float64 only when float32 is not exact',
      );
      // float32 output is nibabel's float64 value rounded once to float32.
      const expected = float64 ? fx.fdata : Float32Array.from(fx.fdata);
      assertClose(img.data as Float32Array, expected, 0, 0, 'voxel values');
    });
  }

  it('reports the TR in seconds whatever the stored unit', async () => {
    const h = await readNiftiHeader(join(FIXTURES, 'units_ms_ext.nii'));
    assert.equal(h.pixdim[4], 1500);
    assert.equal(h.tr, 1.5);
    const run = await readNiftiHeader(join(FIXTURES, 'run_int16.nii'));
    assert.equal(run.tr, 1.5);
    const three = await readNiftiHeader(join(FIXTURES, 'three_d.nii.gz'));
    assert.equal(three.tr, null);
  });

  it('reads the comment extension', async () => {
    const h = await readNiftiHeader(join(FIXTURES, 'units_ms_ext.nii'));
    assert.equal(h.extensions[0]!.code, 6);
    assert.match(Buffer.from(h.extensions[0]!.data).toString('latin1'), /^brain2music fixture/);
  });

  it("as: 'raw' gives the stored integers; 'float64' the exact scaled values", async () => {
    const fx = MANIFEST.images.find((f) => f.file === 'scaled_int16.nii')!;
    const raw = await readNifti(join(FIXTURES, fx.file), { as: 'raw' });
    assert.ok(raw.data instanceof Int16Array);
    const f64 = await readNifti(join(FIXTURES, fx.file), { as: 'float64' });
    assertClose(f64.data as Float64Array, fx.fdata, 0, 0, 'float64 scaled');
    for (let i = 0; i < raw.data.length; i++) {
      assert.equal((raw.data as Int16Array)[i]! * fx.slope + fx.inter, fx.fdata[i]);
    }
  });

  it('streams the same volumes with tiny chunks as with large ones', async () => {
    for (const file of ['run_int16.nii', 'run_int16.nii.gz']) {
      const path = join(FIXTURES, file);
      const whole = await readNifti(path, { as: 'raw' });
      const h = await readNiftiHeader(path);
      const parts: number[] = [];
      let chunks = 0;
      for await (const c of iterateVolumes(path, { chunkBytes: 1 })) {
        assert.equal(c.count, 1);
        parts.push(...(c.data as Int16Array));
        chunks++;
      }
      assert.equal(chunks, volumeCount(h));
      assert.deepEqual(parts, Array.from(whole.data as Int16Array));
    }
  });

  it('computes min / max / mean of the scaled data like numpy', async () => {
    for (const fx of MANIFEST.images.filter((f) => /scaled|float|int16/.test(f.file))) {
      const s = await niftiStats(join(FIXTURES, fx.file));
      const v = fx.fdata;
      const mean = v.reduce((a, b) => a + b, 0) / v.length;
      assert.equal(s.min, Math.min(...v), `${fx.file} min`);
      assert.equal(s.max, Math.max(...v), `${fx.file} max`);
      assertClose([s.mean], [mean], 1e-9, 1e-9, `${fx.file} mean`);
      assert.equal(s.nonFinite, 0);
    }
  });
});

describe('extractMasked agrees with numpy data[mask].T', () => {
  it('for .nii and .nii.gz, with index lists in nilearn order', async () => {
    const m = MANIFEST.masking;
    const mask = await readNifti(join(FIXTURES, m.mask), { as: 'raw' });
    // nilearn order: C order over (x, y, z), i.e. z fastest; offsets are x-fastest.
    const [nx, ny, nz] = mask.header.dims as [number, number, number];
    const idx: number[] = [];
    for (let x = 0; x < nx; x++)
      for (let y = 0; y < ny; y++)
        for (let z = 0; z < nz; z++) {
          const o = x + nx * (y + ny * z);
          if ((mask.data as Uint8Array)[o]) idx.push(o);
        }
    assert.equal(idx.length, m.n_mask_voxels);
    for (const file of ['run_int16.nii', 'run_int16.nii.gz']) {
      for (const chunkBytes of [1, 1 << 20]) {
        const X = await extractMasked(join(FIXTURES, file), idx, { chunkBytes });
        assert.equal(X.rows, m.masked.length);
        assert.equal(X.cols, m.n_mask_voxels);
        assertClose(X.data, m.masked.flat(), 0, 0, `${file} masked`);
      }
    }
  });
});
