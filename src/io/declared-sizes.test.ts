/**
 * Every size a file declares is checked against the real size and the memory
 * budget before anything is allocated, and the message names the field.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { nifti1Header, nifti2Header } from '../testing/bids.js';
import { UserError } from '../util/errors.js';
import { readNifti, readNiftiHeader } from './nifti/index.js';
import { FIXTURES } from './nifti/testing.js';
import { encodeNpy, parseNpy, readNpy } from './npy.js';

const dir = mkdtempSync(join(tmpdir(), 'b2m-sizes-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, bytes: Uint8Array): string {
  const p = join(dir, name);
  writeFileSync(p, bytes);
  return p;
}

/** Rejects with a UserError whose message matches `re` and whose field is `field`. */
async function userError(p: Promise<unknown> | (() => unknown), re: RegExp, field?: string): Promise<void> {
  await assert.rejects(
    async () => (typeof p === 'function' ? p() : p),
    (e: unknown) => {
      assert.ok(e instanceof UserError, `not a UserError: ${(e as Error)?.stack}`);
      assert.match(e.message, re);
      if (field !== undefined) assert.equal(e.location.field, field);
      return true;
    },
  );
}

describe('NIfTI declared sizes', () => {
  const base = readFileSync(join(FIXTURES, 'dtype_int16.nii'));

  it('a negative vox_offset is an error naming the field, not silently fixed', async () => {
    const b = Buffer.from(base);
    b.writeFloatLE(-352, 108);
    await userError(readNiftiHeader(file('neg.nii', b)), /vox_offset is -352/, 'vox_offset');
    b.writeFloatLE(100, 108);
    await userError(readNiftiHeader(file('inside.nii', b)), /inside the 348-byte header/, 'vox_offset');
  });

  it('vox_offset past the end of the file is refused before reading extensions', async () => {
    // One well-formed extension, then the file ends: the reader would fetch up to vox_offset.
    const b = Buffer.from(base.subarray(0, 368));
    b.writeFloatLE(1e8, 108);
    b[348] = 1;
    b.writeInt32LE(16, 352);
    b.writeInt32LE(6, 356);
    await userError(readNiftiHeader(file('far.nii', b)), /beyond the end of the file/, 'vox_offset');
  });

  it('a gzipped header with huge dims is refused by the deflate bound (no RangeError)', async () => {
    const h = nifti1Header([30000, 30000, 30000, 1]);
    const p = file('huge.nii.gz', gzipSync(Buffer.concat([h, Buffer.alloc(4096)])));
    await userError(readNiftiHeader(p), /dims 30000×30000×30000×1 int16 declare .* gzip file/, 'dim');
    await userError(readNifti(p), /dims 30000×30000×30000×1/, 'dim');
  });

  it('NIfTI-2 dims whose product passes 2^53 bytes are refused in the header', async () => {
    const h = nifti2Header([2 ** 20, 2 ** 20, 2 ** 20, 1]);
    await userError(readNiftiHeader(file('v2.nii', h)), /more than any file can hold/, 'dim');
  });

  it('a whole-image read past the memory budget names the dims before allocating', async () => {
    const prev = process.env.B2M_MAX_MEMORY;
    process.env.B2M_MAX_MEMORY = '1K';
    try {
      await userError(readNifti(join(FIXTURES, 'run_int16.nii')), /memory budget of 1 KiB/, 'dim');
    } finally {
      if (prev === undefined) delete process.env.B2M_MAX_MEMORY;
      else process.env.B2M_MAX_MEMORY = prev;
    }
  });
});

describe('.npy declared sizes and header dict', () => {
  const good = encodeNpy(new Float32Array([1, 2, 3, 4, 5, 6]), [2, 3]);
  const withHeader = (dict: string): Uint8Array => {
    const pad = 64 - ((10 + dict.length + 1) % 64);
    const text = `${dict}${' '.repeat(pad % 64)}\n`;
    const out = new Uint8Array(10 + text.length + 24);
    out.set(good.subarray(0, 8));
    new DataView(out.buffer).setUint16(8, text.length, true);
    out.set(Buffer.from(text, 'latin1'), 10);
    return out;
  };

  it('reads a well-formed header', () => {
    const a = parseNpy(withHeader("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }"));
    assert.deepEqual(a.shape, [2, 3]);
  });

  it('refuses a malformed dict, naming what is wrong', async () => {
    const cases: [string, RegExp][] = [
      ["{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), 'extra': 1}", /unknown key 'extra'/],
      ["{'descr': '<f4', 'fortran_order': False}", /key 'shape' is missing/],
      ["{'descr': '<f4', 'fortran_order': Maybe, 'shape': (2, 3)}", /True or False/],
      ["{'descr': '<f4', 'fortran_order': False, 'shape': (2, -3)}", /non-negative integers/],
      ["{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, 'shape': (6,)}", /appears twice/],
      ["{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3)} trailing", /after the closing brace/],
    ];
    for (const [dict, re] of cases) await userError(() => parseNpy(withHeader(dict)), re, 'header');
  });

  it('a shape past 2^53 bytes or beyond the file is refused before allocating', async () => {
    await userError(
      () =>
        parseNpy(withHeader("{'descr': '<f8', 'fortran_order': False, 'shape': (4294967296, 4294967296)}")),
      /more data than any file can hold/,
      'shape',
    );
    const p = file(
      'big.npy',
      withHeader("{'descr': '<f8', 'fortran_order': False, 'shape': (100000, 100000)}"),
    );
    await userError(readNpy(p), /truncated: the header promises 80000000000 data bytes/);
  });
});
