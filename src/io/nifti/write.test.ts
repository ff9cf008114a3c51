/**
 * Writer round trips (every datatype × NIfTI-1/2 × .nii/.nii.gz × both byte orders),
 * the streaming writer's contract, and — where Python with nibabel is installed —
 * nibabel reading our files back to the same shapes, affines and values.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { findPython } from '../../../bench/lib/python.js';
import type { UserError } from '../../util/errors.js';
import { Rng } from '../../util/rng.js';
import {
  DATATYPES,
  type NiftiDatatype,
  niftiStats,
  openNiftiWriter,
  readNifti,
  readNiftiHeader,
  type VoxelArray,
  writeNifti,
} from './index.js';
import { assertClose, FIXTURES } from './testing.js';

const tmp = mkdtempSync(join(tmpdir(), 'b2m-nifti-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

const AFFINE = [
  [-1.8, 0.2, 0.1, 90],
  [0.15, 2.1, -0.3, -126],
  [-0.1, 0.25, 2.4, -72],
  [0, 0, 0, 1],
];

function randomData(dt: NiftiDatatype, n: number, rng: Rng): VoxelArray {
  const info = DATATYPES[dt];
  const a = info.alloc(n);
  for (let i = 0; i < n; i++) {
    if (!info.integer) (a as Float64Array)[i] = rng.normal() * 1e3;
    else {
      const lo = Math.max(info.min, -(2 ** 40));
      const hi = Math.min(info.max, 2 ** 40);
      const v = i === 0 ? lo : i === 1 ? hi : Math.floor(lo + rng.uniform() * (hi - lo));
      if (a instanceof BigInt64Array || a instanceof BigUint64Array) a[i] = BigInt(v) as never;
      else (a as Int32Array)[i] = v;
    }
  }
  return a;
}

describe('NIfTI write → read round trips', () => {
  const rng = new Rng(7);
  const dims = [4, 3, 5, 3];
  const n = dims.reduce((a, b) => a * b, 1);
  for (const dt of Object.keys(DATATYPES) as NiftiDatatype[]) {
    it(`${dt}: NIfTI-1/2 × .nii/.nii.gz × little/big endian`, async () => {
      const data = randomData(dt, n, rng);
      for (const version of [1, 2] as const) {
        for (const ext of ['.nii', '.nii.gz']) {
          for (const littleEndian of [true, false]) {
            const path = join(tmp, `rt_${dt}_v${version}_${littleEndian ? 'le' : 'be'}${ext}`);
            await writeNifti(path, { header: { dims, affine: AFFINE, tr: 2, version, littleEndian }, data });
            const back = await readNifti(path, { as: 'raw' });
            const h = back.header;
            assert.equal(h.version, version);
            assert.equal(h.littleEndian, littleEndian);
            assert.equal(h.gzip, ext === '.nii.gz');
            assert.equal(h.datatype, dt);
            assert.deepEqual(h.dims, dims);
            assert.equal(h.tr, 2);
            assert.equal(h.sformCode, 2);
            assert.equal(h.affineSource, 'sform');
            assertClose(h.affine.flat(), AFFINE.flat(), 1e-6, 1e-5, 'affine');
            assert.deepEqual(back.data, data, `${path}: voxels`);
          }
        }
      }
    });
  }

  it('stores float values in integer types through scl_slope/scl_inter', async () => {
    const vals = Float32Array.from({ length: 60 }, (_, i) => 100 + i * 0.25);
    const path = join(tmp, 'scaled.nii.gz');
    await writeNifti(
      path,
      { header: { dims: [3, 4, 5] }, data: vals },
      { datatype: 'int16', slope: 0.25, inter: 100 },
    );
    const back = await readNifti(path);
    assert.deepEqual(back.header.scaling, { slope: 0.25, inter: 100 });
    assert.deepEqual(Array.from(back.data as Float32Array), Array.from(vals));
  });

  it('refuses values an integer type cannot hold, and writes nothing', async () => {
    const path = join(tmp, 'bad.nii');
    await assert.rejects(
      writeNifti(path, { header: { dims: [2, 2, 1] }, data: [1, 2.5, 3, 4] }, { datatype: 'int16' }),
      (e: Error) => e.name === 'UserError' && /2\.5/.test(e.message) && /int16/.test(e.message),
    );
    await assert.rejects(
      writeNifti(path, { header: { dims: [2, 2, 1] }, data: [1, 2, 300, 4] }, { datatype: 'uint8' }),
      /300/,
    );
    assert.equal(readdirSync(tmp).filter((f) => f.includes('bad.nii')).length, 0);
  });

  it('keeps the geometry of a source image (qform-only, sform and qform) bit for bit', async () => {
    for (const file of ['qform_only.nii', 'sform_and_qform.nii', 'no_codes.nii', 'scaled_v2_be_int16.nii']) {
      const src = await readNifti(join(FIXTURES, file));
      const out = join(tmp, `copy_${file}.gz`);
      await writeNifti(out, src);
      const back = await readNifti(out);
      for (const k of [
        'qformCode',
        'sformCode',
        'qform',
        'srow',
        'affine',
        'pixdim',
        'version',
        'datatype',
      ] as const) {
        assert.deepEqual(back.header[k], src.header[k], `${file}: ${k}`);
      }
      assert.deepEqual(back.data, src.data);
    }
  });

  it('NIfTI-2 holds dimensions NIfTI-1 cannot', async () => {
    const data = new Uint8Array(40000);
    data[39999] = 7;
    await assert.rejects(
      writeNifti(join(tmp, 'wide.nii'), { header: { dims: [40000] }, data }),
      (e: Error) =>
        /does not fit in NIfTI-1/.test(e.message) &&
        /write NIfTI-2/.test((e as UserError).hint ?? '') &&
        (e as UserError).location.file === join(tmp, 'wide.nii'),
    );
    const path = join(tmp, 'wide2.nii');
    await writeNifti(path, { header: { dims: [40000] }, data }, { version: 2 });
    const back = await readNifti(path, { as: 'raw' });
    assert.deepEqual(back.header.dims, [40000]);
    assert.equal((back.data as Uint8Array)[39999], 7);
  });
});

describe('streaming writer', () => {
  const dims = [6, 5, 4, 9];
  const vpv = 6 * 5 * 4;
  const vol = (t: number) => Int16Array.from({ length: vpv }, (_, i) => i * 3 - 100 + t * 7);

  for (const ext of ['.nii', '.nii.gz']) {
    it(`writes volume by volume and commits atomically (${ext})`, async () => {
      const path = join(tmp, `stream${ext}`);
      const w = await openNiftiWriter(path, { dims, datatype: 'int16', affine: AFFINE, tr: 1.5 });
      for (let t = 0; t < 9; t++) {
        await w.writeVolume(vol(t));
        assert.equal(readdirSync(tmp).includes(`stream${ext}`), false, 'nothing visible before commit');
      }
      await w.commit();
      const back = await readNifti(path, { as: 'raw' });
      const expected = new Int16Array(vpv * 9);
      for (let t = 0; t < 9; t++) expected.set(vol(t), t * vpv);
      assert.deepEqual(back.data, expected);
      assert.equal(back.header.tr, 1.5);
    });
  }

  it('aborts, and refuses wrong sizes, extra volumes and missing volumes', async () => {
    const path = join(tmp, 'aborted.nii.gz');
    const w = await openNiftiWriter(path, { dims, datatype: 'int16' });
    await assert.rejects(w.writeVolume(new Int16Array(vpv - 1)), /119|120/);
    await w.writeVolume(vol(0));
    await w.abort();
    const w2 = await openNiftiWriter(path, { dims, datatype: 'int16' });
    await w2.writeVolume(vol(0));
    await assert.rejects(w2.commit(), /only 1 of the 9/);
    const w3 = await openNiftiWriter(path, { dims: [6, 5, 4, 1], datatype: 'int16' });
    await w3.writeVolume(vol(0));
    await assert.rejects(w3.writeVolume(vol(1)), /too many volumes/);
    await w3.abort();
    assert.deepEqual(
      readdirSync(tmp).filter((f) => f.includes('aborted')),
      [],
      'no file and no temporary left behind',
    );
  });

  it('converts float volumes with the header scaling', async () => {
    const path = join(tmp, 'stream_scaled.nii');
    const w = await openNiftiWriter(path, {
      dims: [2, 2, 1, 2],
      datatype: 'uint8',
      sclSlope: 0.5,
      sclInter: -1,
    });
    await w.writeVolume(Float32Array.from([-1, -0.5, 0, 126]));
    await w.writeVolume([1, 2, 3, 4]);
    await w.commit();
    const back = await readNifti(path);
    assert.deepEqual(Array.from(back.data as Float32Array), [-1, -0.5, 0, 126, 1, 2, 3, 4]);
  });
});

describe('nibabel reads what we write', () => {
  const py = findPython(['nibabel', 'numpy']);
  it('shapes, datatypes, affines, scaling and values agree', {
    skip: py ? false : 'no Python with nibabel',
  }, async () => {
    const rng = new Rng(11);
    const cases: { file: string; dt: NiftiDatatype; version: 1 | 2; le: boolean; slope?: number }[] = [];
    for (const dt of ['uint8', 'int16', 'int32', 'float32', 'float64', 'uint16', 'int8'] as NiftiDatatype[]) {
      cases.push({ file: `nb_${dt}_v1_le.nii.gz`, dt, version: 1, le: true });
      cases.push({ file: `nb_${dt}_v2_be.nii`, dt, version: 2, le: false });
    }
    cases.push({ file: 'nb_scaled.nii', dt: 'int16', version: 1, le: true, slope: 0.5 });
    const dims = [3, 4, 2, 2];
    const expected: Record<string, { affine: number[][]; values: number[]; dims: number[]; dtype: string }> =
      {};
    for (const c of cases) {
      const raw = randomData(c.dt, 48, rng);
      await writeNifti(join(tmp, c.file), {
        header: {
          dims,
          affine: AFFINE,
          version: c.version,
          littleEndian: c.le,
          sclSlope: c.slope,
          sclInter: c.slope ? 3 : 0,
        },
        data: raw,
      });
      const back = await readNifti(join(tmp, c.file), { as: 'float64' });
      expected[c.file] = {
        affine: back.header.affine,
        values: Array.from(back.data as Float64Array),
        dims,
        dtype: c.dt,
      };
    }
    const script = join(tmp, 'check.py');
    writeFileSync(
      script,
      [
        'import json, sys, nibabel as nib, numpy as np',
        'out = {}',
        'for f in sys.argv[2:]:',
        '    img = nib.load(sys.argv[1] + "/" + f)',
        '    out[f] = {"affine": img.affine.tolist(), "values": img.get_fdata().ravel(order="F").tolist(),',
        '              "dims": list(img.shape), "dtype": str(img.get_data_dtype().newbyteorder("="))}',
        'print(json.dumps(out))',
      ].join('\n'),
    );
    const r = spawnSync(py!, [script, tmp, ...cases.map((c) => c.file)], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const got = JSON.parse(r.stdout) as typeof expected;
    for (const c of cases) {
      const g = got[c.file]!;
      const e = expected[c.file]!;
      assert.deepEqual(g.dims, e.dims, c.file);
      assert.equal(g.dtype, e.dtype, c.file);
      assertClose(g.affine.flat(), e.affine.flat(), 1e-6, 1e-5, `${c.file} affine`);
      assertClose(g.values, e.values, 0, 0, `${c.file} values`);
    }
  });
});

describe('non-finite values', () => {
  it('round-trip in float32, and niftiStats leaves them out of min/max/mean', async () => {
    const path = join(tmp, 'nan.nii');
    const data = Float32Array.from([1, Number.NaN, 3, Number.POSITIVE_INFINITY, -2, 4, 0, 2]);
    await writeNifti(path, { header: { dims: [2, 2, 2] }, data });
    const back = await readNifti(path);
    assert.deepEqual(back.data, data);
    const s = await niftiStats(path);
    assert.deepEqual(s, { min: -2, max: 4, mean: 8 / 6, nonFinite: 2, count: 8 });
  });
});

describe('header of written files', () => {
  it('readNiftiHeader sees what was declared', async () => {
    const path = join(tmp, 'declared.nii');
    await writeNifti(path, {
      header: { dims: [2, 2, 2], affine: AFFINE, descrip: 'hello', intentName: 'beta', calMax: 9 },
      data: new Float32Array(8),
    });
    const h = await readNiftiHeader(path);
    assert.equal(h.descrip, 'hello');
    assert.equal(h.intentName, 'beta');
    assert.equal(h.calMax, 9);
    assert.equal(h.voxOffset, 352);
    assert.equal(h.fileBytes, 352 + 32);
    assert.equal(h.spatialUnit, 'mm');
  });
});
