/**
 * NumPy `.npz` archives: a ZIP file whose members are `<name>.npy` files, as
 * written by `numpy.savez` (stored) and `numpy.savez_compressed` (deflated).
 * Reading trusts the central directory (sizes, offsets, ZIP64 extras), so archives
 * written with data descriptors or by other zip tools read too. Writing produces a
 * plain ZIP (ZIP64 records only when sizes need them) that numpy reads.
 */
import { readFile } from 'node:fs/promises';
import { crc32, deflateRawSync, inflateRawSync } from 'node:zlib';
import { writeFileAtomic } from '../util/atomic.js';
import { UserError } from '../util/errors.js';
import { assertAllocation } from '../util/memory.js';
import { encodeNpy, type NpyArray, type NpyData, type NpyDType, parseNpy } from './npy.js';

const SIG_LOCAL = 0x04034b50;
const SIG_CENTRAL = 0x02014b50;
const SIG_END = 0x06054b50;
const SIG_END64 = 0x06064b50;
const SIG_LOC64 = 0x07064b50;

interface Entry {
  name: string;
  method: number;
  compressedSize: number;
  size: number;
  crc: number;
  localOffset: number;
}

function bad(file: string, what: string): UserError {
  return new UserError(`not a valid .npz (zip) archive: ${what}`, {
    file,
    hint: 'save it again with numpy.savez or numpy.savez_compressed',
  });
}

function readEntries(buf: Buffer, file: string): Entry[] {
  // The end-of-central-directory record sits in the last 65,557 bytes.
  let end = -1;
  for (let i = buf.length - 22; i >= Math.max(0, buf.length - 65_557); i--) {
    if (buf.readUInt32LE(i) === SIG_END) {
      end = i;
      break;
    }
  }
  if (end < 0) throw bad(file, 'no end-of-central-directory record');
  let count = buf.readUInt16LE(end + 10);
  let cdOffset = buf.readUInt32LE(end + 16);
  if (
    (count === 0xffff || cdOffset === 0xffffffff) &&
    end >= 20 &&
    buf.readUInt32LE(end - 20) === SIG_LOC64
  ) {
    const end64 = Number(buf.readBigUInt64LE(end - 20 + 8));
    if (buf.readUInt32LE(end64) !== SIG_END64) throw bad(file, 'broken ZIP64 end record');
    count = Number(buf.readBigUInt64LE(end64 + 32));
    cdOffset = Number(buf.readBigUInt64LE(end64 + 48));
  }
  const entries: Entry[] = [];
  let p = cdOffset;
  for (let k = 0; k < count; k++) {
    if (p + 46 > buf.length || buf.readUInt32LE(p) !== SIG_CENTRAL)
      throw bad(file, 'broken central directory');
    const method = buf.readUInt16LE(p + 10);
    const crc = buf.readUInt32LE(p + 16);
    let compressedSize = buf.readUInt32LE(p + 20);
    let size = buf.readUInt32LE(p + 24);
    const nameLen = buf.readUInt16LE(p + 28);
    const extraLen = buf.readUInt16LE(p + 30);
    const commentLen = buf.readUInt16LE(p + 32);
    let localOffset = buf.readUInt32LE(p + 42);
    const name = buf.toString('utf8', p + 46, p + 46 + nameLen);
    // ZIP64 extra field: the 0xffffffff fields appear in order size, csize, offset.
    let e = p + 46 + nameLen;
    const eEnd = e + extraLen;
    while (e + 4 <= eEnd) {
      const id = buf.readUInt16LE(e);
      const len = buf.readUInt16LE(e + 2);
      if (id === 0x0001) {
        let q = e + 4;
        if (size === 0xffffffff) {
          size = Number(buf.readBigUInt64LE(q));
          q += 8;
        }
        if (compressedSize === 0xffffffff) {
          compressedSize = Number(buf.readBigUInt64LE(q));
          q += 8;
        }
        if (localOffset === 0xffffffff) localOffset = Number(buf.readBigUInt64LE(q));
      }
      e += 4 + len;
    }
    entries.push({ name, method, compressedSize, size, crc, localOffset });
    p = eEnd + commentLen;
  }
  return entries;
}

function memberBytes(buf: Buffer, e: Entry, file: string): Uint8Array {
  const p = e.localOffset;
  if (p + 30 > buf.length || buf.readUInt32LE(p) !== SIG_LOCAL) throw bad(file, `broken entry ${e.name}`);
  const start = p + 30 + buf.readUInt16LE(p + 26) + buf.readUInt16LE(p + 28);
  if (start + e.compressedSize > buf.length) {
    throw bad(file, `member ${e.name} declares ${e.compressedSize} bytes, past the end of the archive`);
  }
  const raw = buf.subarray(start, start + e.compressedSize);
  let out: Uint8Array;
  if (e.method === 0) out = raw;
  else if (e.method === 8) {
    // The declared size bounds the output, so a zip bomb stops at it instead of filling memory.
    assertAllocation(e.size, {
      what: `inflating member ${e.name}`,
      driver: 'its declared uncompressed size',
      file,
      field: 'uncompressed size',
    });
    try {
      out = inflateRawSync(raw, { maxOutputLength: Math.max(1, e.size) });
    } catch (err) {
      throw bad(file, `member ${e.name} is corrupt or larger than declared (${(err as Error).message})`);
    }
  } else {
    throw new UserError(`.npz member ${e.name} uses zip compression method ${e.method}`, {
      file,
      hint: 'only stored and deflated members are supported; use numpy.savez or numpy.savez_compressed',
    });
  }
  if (out.length !== e.size || crc32(out) !== e.crc)
    throw bad(file, `member ${e.name} is corrupt (size/CRC)`);
  return out;
}

/** Reads every array of an `.npz`; keys are member names without `.npy`. */
export async function readNpz(path: string): Promise<Record<string, NpyArray>> {
  let buf: Buffer;
  try {
    buf = await readFile(path);
  } catch (e) {
    throw new UserError(`cannot read ${path}: ${(e as Error).message}`, { file: path, cause: e });
  }
  const out: Record<string, NpyArray> = {};
  try {
    for (const e of readEntries(buf, path)) {
      if (e.name.endsWith('/')) continue;
      const key = e.name.endsWith('.npy') ? e.name.slice(0, -4) : e.name;
      out[key] = parseNpy(memberBytes(buf, e, path), `${path}:${e.name}`);
    }
  } catch (e) {
    // Offsets and lengths in the zip records are trusted only as far as the buffer
    // goes: a read past its end is a damaged archive, said as such.
    const code = (e as NodeJS.ErrnoException)?.code;
    if (code === 'ERR_OUT_OF_RANGE' || code === 'ERR_BUFFER_OUT_OF_BOUNDS') {
      throw bad(path, 'a zip record points past the end of the file');
    }
    throw e;
  }
  return out;
}

/** One array to store: data in C order and its shape. */
export interface NpzMember {
  data: NpyData;
  shape: readonly number[];
  dtype?: NpyDType;
}

/**
 * Writes arrays to an `.npz` atomically. `compress: true` deflates members like
 * `numpy.savez_compressed`; the default stores them like `numpy.savez`.
 */
export async function writeNpz(
  path: string,
  arrays: Record<string, NpzMember>,
  opts: { compress?: boolean } = {},
): Promise<void> {
  const parts: Uint8Array[] = [];
  const central: Uint8Array[] = [];
  let offset = 0;
  for (const [key, m] of Object.entries(arrays)) {
    const name = Buffer.from(`${key}.npy`, 'utf8');
    const raw = encodeNpy(m.data, m.shape, m.dtype);
    const crc = crc32(raw);
    const body = opts.compress ? deflateRawSync(raw) : raw;
    const method = opts.compress ? 8 : 0;
    const zip64 = raw.length >= 0xffffffff || body.length >= 0xffffffff || offset >= 0xffffffff;
    const extra = zip64 ? Buffer.alloc(4 + 24) : Buffer.alloc(0);
    if (zip64) {
      extra.writeUInt16LE(0x0001, 0);
      extra.writeUInt16LE(24, 2);
      extra.writeBigUInt64LE(BigInt(raw.length), 4);
      extra.writeBigUInt64LE(BigInt(body.length), 12);
      extra.writeBigUInt64LE(BigInt(offset), 20);
    }
    const local = Buffer.alloc(30);
    local.writeUInt32LE(SIG_LOCAL, 0);
    local.writeUInt16LE(zip64 ? 45 : 20, 4);
    local.writeUInt16LE(0, 6);
    local.writeUInt16LE(method, 8);
    local.writeUInt32LE(0, 10); // time/date: 1980-00-00, deterministic output
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(zip64 ? 0xffffffff : body.length, 18);
    local.writeUInt32LE(zip64 ? 0xffffffff : raw.length, 22);
    local.writeUInt16LE(name.length, 26);
    local.writeUInt16LE(zip64 ? 20 : 0, 28);
    // The local header's ZIP64 extra holds only the two sizes.
    const localExtra = zip64 ? Buffer.from(extra.subarray(0, 20)) : Buffer.alloc(0);
    if (zip64) localExtra.writeUInt16LE(16, 2);
    parts.push(local, name, localExtra, body);
    const cd = Buffer.alloc(46);
    cd.writeUInt32LE(SIG_CENTRAL, 0);
    cd.writeUInt16LE(zip64 ? 45 : 20, 4);
    cd.writeUInt16LE(zip64 ? 45 : 20, 6);
    cd.writeUInt16LE(0, 8);
    cd.writeUInt16LE(method, 10);
    cd.writeUInt32LE(0, 12);
    cd.writeUInt32LE(crc, 16);
    cd.writeUInt32LE(zip64 ? 0xffffffff : body.length, 20);
    cd.writeUInt32LE(zip64 ? 0xffffffff : raw.length, 24);
    cd.writeUInt16LE(name.length, 28);
    cd.writeUInt16LE(extra.length, 30);
    cd.writeUInt32LE(zip64 ? 0xffffffff : offset, 42);
    central.push(cd, name, extra);
    offset += local.length + name.length + localExtra.length + body.length;
  }
  const cdSize = central.reduce((a, b) => a + b.length, 0);
  const count = Object.keys(arrays).length;
  const tail: Uint8Array[] = [];
  const need64 = offset >= 0xffffffff || count >= 0xffff;
  if (need64) {
    const e64 = Buffer.alloc(56);
    e64.writeUInt32LE(SIG_END64, 0);
    e64.writeBigUInt64LE(44n, 4);
    e64.writeUInt16LE(45, 12);
    e64.writeUInt16LE(45, 14);
    e64.writeBigUInt64LE(BigInt(count), 24);
    e64.writeBigUInt64LE(BigInt(count), 32);
    e64.writeBigUInt64LE(BigInt(cdSize), 40);
    e64.writeBigUInt64LE(BigInt(offset), 48);
    const loc = Buffer.alloc(20);
    loc.writeUInt32LE(SIG_LOC64, 0);
    loc.writeBigUInt64LE(BigInt(offset + cdSize), 8);
    loc.writeUInt32LE(1, 16);
    tail.push(e64, loc);
  }
  const end = Buffer.alloc(22);
  end.writeUInt32LE(SIG_END, 0);
  end.writeUInt16LE(need64 ? 0xffff : count, 8);
  end.writeUInt16LE(need64 ? 0xffff : count, 10);
  end.writeUInt32LE(need64 ? 0xffffffff : cdSize, 12);
  end.writeUInt32LE(need64 ? 0xffffffff : offset, 16);
  tail.push(end);
  await writeFileAtomic(path, Buffer.concat([...parts, ...central, ...tail]));
}
