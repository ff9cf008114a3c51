/**
 * Reads only the shape and TR of a NIfTI-1/2 file (`.nii` or `.nii.gz`): discovery
 * needs the number of scans of every run without decoding any voxel. For `.nii.gz`
 * only the first few hundred bytes are inflated.
 */
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { createGunzip } from 'node:zlib';
import { UserError } from '../../util/errors.js';

export interface NiftiDims {
  /** dim[1..dim[0]], e.g. [96, 96, 68, 410]. */
  dims: number[];
  /** pixdim[4] converted to seconds (0 when not set). */
  tr: number;
  version: 1 | 2;
}

const NEED = 540; // the NIfTI-2 header size, which also covers NIfTI-1's 348 bytes

/** Shape and TR from the header of `path`. Throws a UserError for an unreadable or non-NIfTI file. */
export async function readNiftiDims(path: string): Promise<NiftiDims> {
  const head = path.endsWith('.gz') ? await readGzipHead(path, NEED) : await readHead(path, NEED);
  return parseDims(head, path);
}

async function readHead(path: string, n: number): Promise<Buffer> {
  const fh = await open(path, 'r').catch((e: Error) => {
    throw new UserError(`cannot open NIfTI file: ${e.message}`, { file: path, cause: e });
  });
  try {
    const buf = Buffer.alloc(n);
    const { bytesRead } = await fh.read(buf, 0, n, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}

async function readGzipHead(path: string, n: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let have = 0;
  const src = createReadStream(path, { highWaterMark: 64 * 1024 });
  const gz = createGunzip();
  try {
    for await (const chunk of src.pipe(gz)) {
      chunks.push(chunk as Buffer);
      have += (chunk as Buffer).length;
      if (have >= n) break;
    }
  } catch (e) {
    throw new UserError(`cannot decompress NIfTI file: ${(e as Error).message}`, {
      file: path,
      hint: 'the .nii.gz file is truncated or not gzip; re-download or re-export it',
      cause: e,
    });
  } finally {
    src.destroy();
    gz.destroy();
  }
  return Buffer.concat(chunks).subarray(0, n);
}

function parseDims(h: Buffer, path: string): NiftiDims {
  const bad = (why: string) =>
    new UserError(`not a NIfTI file: ${why}`, {
      file: path,
      hint: 'BIDS imaging files must be NIfTI-1 or NIfTI-2 (.nii or .nii.gz)',
    });
  if (h.length < 348) throw bad(`only ${h.length} bytes`);
  for (const little of [true, false]) {
    const size = little ? h.readInt32LE(0) : h.readInt32BE(0);
    if (size === 348) {
      const i16 = (o: number) => (little ? h.readInt16LE(o) : h.readInt16BE(o));
      const f32 = (o: number) => (little ? h.readFloatLE(o) : h.readFloatBE(o));
      const nd = i16(40);
      if (nd < 1 || nd > 7) throw bad(`dim[0] = ${nd}`);
      const dims = Array.from({ length: nd }, (_, k) => i16(42 + 2 * k));
      return { dims, tr: toSeconds(f32(76 + 16), h[123]!), version: 1 };
    }
    if (size === 540) {
      if (h.length < 540) throw bad('truncated NIfTI-2 header');
      const i64 = (o: number) => Number(little ? h.readBigInt64LE(o) : h.readBigInt64BE(o));
      const f64 = (o: number) => (little ? h.readDoubleLE(o) : h.readDoubleBE(o));
      const nd = i64(16);
      if (nd < 1 || nd > 7) throw bad(`dim[0] = ${nd}`);
      const dims = Array.from({ length: nd }, (_, k) => i64(24 + 8 * k));
      return {
        dims,
        tr: toSeconds(f64(104 + 32), (little ? h.readInt32LE(500) : h.readInt32BE(500)) & 0xff),
        version: 2,
      };
    }
  }
  throw bad('sizeof_hdr is neither 348 nor 540');
}

/** xyzt_units bits 3–5 give the time unit: 8 s, 16 ms, 24 µs. */
function toSeconds(v: number, xyztUnits: number): number {
  const t = xyztUnits & 0x38;
  if (t === 16) return v / 1e3;
  if (t === 24) return v / 1e6;
  return v;
}
