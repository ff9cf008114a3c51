/**
 * Bad input: each case must fail with a UserError that names the file and says what
 * is wrong (damaged copies of the nibabel fixtures, made in a temporary folder).
 */
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import type { UserError } from '../../util/errors.js';
import { extractMasked, niftiStats, readNifti, readNiftiHeader } from './index.js';
import { FIXTURES } from './testing.js';

const tmp = mkdtempSync(join(tmpdir(), 'b2m-nifti-bad-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

/** A copy of fixture `name` with `edit` applied to its bytes. */
function damaged(name: string, out: string, edit: (b: Buffer) => Buffer): string {
  const path = join(tmp, out);
  writeFileSync(path, edit(readFileSync(join(FIXTURES, name))));
  return path;
}

const namesFile = (path: string, re: RegExp) => (e: Error) => {
  assert.equal(e.name, 'UserError', `${e.name}: ${e.message}`);
  assert.equal((e as UserError).location.file, path);
  assert.match(e.message, re);
  return true;
};

describe('bad NIfTI input gives a clear error naming the file', () => {
  it('a truncated .nii (data cut short)', async () => {
    const path = damaged('run_int16.nii', 'cut.nii', (b) => b.subarray(0, b.length - 100));
    await assert.rejects(readNiftiHeader(path), namesFile(path, /truncated.*need 2032 bytes.*has 1932/));
    await assert.rejects(readNifti(path), namesFile(path, /truncated/));
  });

  it('a truncated .nii (header cut short)', async () => {
    const path = damaged('run_int16.nii', 'cut_header.nii', (b) => b.subarray(0, 200));
    await assert.rejects(
      readNiftiHeader(path),
      namesFile(path, /truncated: the NIfTI-1 header needs 348 bytes, found 200/),
    );
  });

  it('a truncated .nii.gz', async () => {
    const path = damaged('run_int16.nii.gz', 'cut.nii.gz', (b) => b.subarray(0, Math.floor(b.length * 0.6)));
    await assert.rejects(extractMasked(path, [0, 1, 2]), namesFile(path, /truncated/));
    await assert.rejects(niftiStats(path), namesFile(path, /truncated/));
  });

  it('a .nii.gz whose dims promise more data than it holds', async () => {
    const raw = readFileSync(join(FIXTURES, 'run_int16.nii'));
    const path = join(tmp, 'short.nii.gz');
    writeFileSync(path, gzipSync(raw.subarray(0, raw.length - 120)));
    await assert.rejects(
      readNifti(path),
      namesFile(path, /truncated or its dims disagree.*holds 1912 bytes.*need 2032/),
    );
  });

  it('dims that disagree with the file size', async () => {
    const path = damaged('run_int16.nii', 'bigdims.nii', (b) => {
      const c = Buffer.from(b);
      c.writeInt16LE(70, 48); // dim[4]: 7 → 70 volumes
      return c;
    });
    await assert.rejects(readNiftiHeader(path), namesFile(path, /dims 6×5×4×70 int16 need 17152 bytes/));
  });

  it('wrong magic, an Analyze file, a NIfTI pair header', async () => {
    const bad = damaged('dtype_int16.nii', 'magic.nii', (b) => {
      const c = Buffer.from(b);
      c.write('xyz\0', 344, 'latin1');
      return c;
    });
    await assert.rejects(readNiftiHeader(bad), namesFile(bad, /wrong magic "xyz"/));
    const pair = damaged('dtype_int16.nii', 'pair.nii', (b) => {
      const c = Buffer.from(b);
      c.write('ni1\0', 344, 'latin1');
      return c;
    });
    await assert.rejects(readNiftiHeader(pair), namesFile(pair, /NIfTI-1 pair/));
    const v2 = damaged('v2_float32.nii', 'magic2.nii', (b) => {
      const c = Buffer.from(b);
      c[6] = 0x33;
      return c;
    });
    await assert.rejects(readNiftiHeader(v2), namesFile(v2, /wrong NIfTI-2 magic/));
  });

  it('not a NIfTI file at all (text, gzip of text, empty)', async () => {
    const text = join(tmp, 'notes.nii');
    writeFileSync(text, 'these are not voxels, just some text that is long enough to be read');
    await assert.rejects(readNiftiHeader(text), namesFile(text, /not a NIfTI file: sizeof_hdr is/));
    const gz = join(tmp, 'notes.nii.gz');
    writeFileSync(gz, gzipSync(Buffer.alloc(1000, 65)));
    await assert.rejects(readNiftiHeader(gz), namesFile(gz, /not a NIfTI file/));
    const empty = join(tmp, 'empty.nii');
    writeFileSync(empty, '');
    await assert.rejects(readNiftiHeader(empty), namesFile(empty, /only 0 bytes/));
  });

  it('an unsupported datatype and impossible dims', async () => {
    const cplx = damaged('dtype_float64.nii', 'complex.nii', (b) => {
      const c = Buffer.from(b);
      c.writeInt16LE(32, 70);
      return c;
    });
    await assert.rejects(
      readNiftiHeader(cplx),
      namesFile(cplx, /datatype 32 \(complex64\) is not supported/),
    );
    const dims = damaged('dtype_float64.nii', 'dims.nii', (b) => {
      const c = Buffer.from(b);
      c.writeInt16LE(0, 44); // dim[2] = 0
      return c;
    });
    await assert.rejects(readNiftiHeader(dims), namesFile(dims, /dim\[2\] is 0/));
    const rank = damaged('dtype_float64.nii', 'rank.nii', (b) => {
      const c = Buffer.from(b);
      c.writeInt16LE(9, 40); // dim[0] = 9
      return c;
    });
    await assert.rejects(readNiftiHeader(rank), namesFile(rank, /dim\[0\] is 9/));
  });

  it('a missing file and a folder', async () => {
    const missing = join(tmp, 'nope.nii.gz');
    await assert.rejects(readNiftiHeader(missing), namesFile(missing, /cannot open/));
    await assert.rejects(readNiftiHeader(tmp), namesFile(tmp, /not a regular file/));
  });

  it('a 3-D file where 4-D is needed, mask indices off the grid', async () => {
    const three = join(FIXTURES, 'three_d.nii.gz');
    await assert.rejects(
      extractMasked(three, [0], { require4D: true }),
      namesFile(three, /expected a 4-D run/),
    );
    const run = join(tmp, 'run.nii');
    copyFileSync(join(FIXTURES, 'run_int16.nii'), run);
    await assert.rejects(extractMasked(run, [0, 120]), namesFile(run, /index 120.*outside the 6×5×4 volume/));
  });
});
