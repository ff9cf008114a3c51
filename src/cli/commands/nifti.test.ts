/** `b2m nifti …` as a user runs it, on the nibabel fixtures (values from manifest.json). */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { assertClose, FIXTURES, MANIFEST } from '../../io/nifti/testing.js';
import { readNpy } from '../../io/npy.js';

const BIN = fileURLToPath(new URL('../../../bin/b2m.mjs', import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), 'b2m-nifti-cli-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

function b2m(...args: string[]) {
  const r = spawnSync(process.execPath, [BIN, 'nifti', ...args], { encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('b2m nifti', () => {
  it('info --json reports what nibabel reads, and the data range', () => {
    const fx = MANIFEST.images.find((f) => f.file === 'scaled_v2_be_int16.nii')!;
    const r = b2m('info', '--json', join(FIXTURES, fx.file));
    assert.equal(r.code, 0, r.stderr);
    const info = JSON.parse(r.stdout);
    assert.deepEqual(info.dims, fx.shape);
    assert.equal(info.datatype, 'int16');
    assert.equal(info.version, 2);
    assert.equal(info.littleEndian, false);
    assert.equal(info.affineSource, 'sform');
    assert.equal(info.affineCode, 2);
    assertClose(info.affine.flat(), fx.affine.flat(), 1e-6, 1e-5, 'affine');
    assert.deepEqual(info.scaling, { slope: fx.slope, inter: fx.inter });
    assert.equal(info.stats.min, Math.min(...fx.fdata));
    assert.equal(info.stats.max, Math.max(...fx.fdata));
  });

  it('info prints the TR in seconds and which affine is used', () => {
    const r = b2m('info', join(FIXTURES, 'units_ms_ext.nii'), join(FIXTURES, 'qform_only.nii'));
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /TR 1\.5 s \(stored 1500 ms\)/);
    assert.match(r.stdout, /qform \(code 1: scanner_anat\)/);
    assert.match(r.stdout, /data {8}min /);
  });

  it('info on a bad file exits 1 with the file named', () => {
    const missing = join(tmp, 'missing.nii');
    const r = b2m('info', missing);
    assert.equal(r.code, 1);
    assert.match(
      r.stderr,
      new RegExp(`b2m: error: ${missing.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: cannot open`),
    );
  });

  it('mask + extract give numpy data[mask].T', async () => {
    const m = MANIFEST.masking;
    const mask = join(tmp, 'parc.nii.gz');
    let r = b2m(
      'mask',
      '--parcellation',
      join(FIXTURES, m.parcellation),
      '--labels',
      m.labels.join(','),
      '-o',
      mask,
    );
    assert.equal(r.code, 0, r.stderr);
    const out = join(tmp, 'X.npy');
    r = b2m('extract', join(FIXTURES, m.run), '--mask', mask, '-o', out);
    assert.equal(r.code, 0, r.stderr);
    const X = await readNpy(out);
    assert.deepEqual(X.shape, [m.parcel_masked.length, m.parcel_masked[0]!.length]);
    assertClose(X.data as Float32Array, m.parcel_masked.flat(), 0, 0, 'extracted');
  });
});
