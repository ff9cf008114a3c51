/**
 * Reading NIfTI files, `.nii` or `.nii.gz` (gzip is detected from the bytes, not the
 * name). Everything streams volume by volume: `iterateVolumes` hands out chunks of
 * whole 3-D volumes from one or two reused buffers, so memory stays at a few volumes
 * whatever the run's length. `readNifti` builds on it for images that fit in memory.
 */
import { createReadStream } from 'node:fs';
import { type FileHandle, open } from 'node:fs/promises';
import { endianness } from 'node:os';
import { createGunzip } from 'node:zlib';
import { UserError } from '../../util/errors.js';
import { assertAllocation, formatBytes } from '../../util/memory.js';
import { DATATYPES, swapBytes, type VoxelArray } from './datatypes.js';
import { dataBytes, type NiftiHeader, parseNiftiHeader, volumeCount, voxelsPerVolume } from './header.js';

/** A header together with facts about the file it came from. */
export interface NiftiFileHeader extends NiftiHeader {
  /** The file as given. */
  path: string;
  /** Whether the file is gzip-compressed. */
  gzip: boolean;
  /** Size of the file on disk. */
  fileBytes: number;
}

const MACHINE_LE = endianness() === 'LE';
/** Deflate's largest possible compression ratio (RFC 1951: 258-byte matches in ~2 bits). */
const MAX_DEFLATE_RATIO = 1032;
/** Bytes read to parse a header in one go (header plus typical extensions). */
const HEADER_PROBE = 64 * 1024;

function ioError(path: string, e: unknown, what: string): UserError {
  const code = (e as NodeJS.ErrnoException)?.code;
  const hint =
    code === 'ENOENT'
      ? 'check the path (it is relative to the current folder)'
      : code === 'EACCES'
        ? 'check the file permissions'
        : code === 'EISDIR'
          ? 'give a .nii or .nii.gz file, not a folder'
          : undefined;
  return new UserError(`cannot ${what}: ${(e as Error)?.message ?? String(e)}`, {
    file: path,
    hint,
    cause: e,
  });
}

function gzipError(path: string, e: unknown): UserError {
  const msg = (e as Error)?.message ?? String(e);
  const truncated = /unexpected end of file/i.test(msg);
  return new UserError(
    truncated ? 'file is truncated: the gzip stream ends early' : `gzip data is damaged: ${msg}`,
    {
      file: path,
      hint: truncated
        ? 'the download or copy was probably interrupted; copy the file again'
        : 'check the file with `gzip -t`; copy it again if it is damaged',
      cause: e,
    },
  );
}

async function isGzip(fh: FileHandle): Promise<boolean> {
  const b = Buffer.alloc(2);
  const { bytesRead } = await fh.read(b, 0, 2, 0);
  return bytesRead === 2 && b[0] === 0x1f && b[1] === 0x8b;
}

/** The first `n` decompressed bytes of a gzip file (fewer if it is shorter). */
async function gunzipPrefix(path: string, n: number): Promise<Buffer> {
  const src = createReadStream(path, { highWaterMark: 64 * 1024 });
  const gz = createGunzip();
  src.on('error', (e) => gz.destroy(e));
  src.pipe(gz);
  const parts: Buffer[] = [];
  let have = 0;
  try {
    for await (const chunk of gz) {
      parts.push(chunk as Buffer);
      have += (chunk as Buffer).length;
      if (have >= n) break;
    }
  } catch (e) {
    // A truncated file still yields its prefix: report truncation only if the header itself is cut.
    if (have < 4) throw gzipError(path, e);
  } finally {
    src.destroy();
    gz.destroy();
  }
  return Buffer.concat(parts).subarray(0, n);
}

async function readPrefix(fh: FileHandle, n: number): Promise<Buffer> {
  const b = Buffer.alloc(n);
  let got = 0;
  while (got < n) {
    const { bytesRead } = await fh.read(b, got, n - got, got);
    if (bytesRead === 0) break;
    got += bytesRead;
  }
  return b.subarray(0, got);
}

/**
 * Reads and checks the header of a `.nii` / `.nii.gz` file. For uncompressed files it
 * also checks that the file holds all the voxel data the dims promise.
 */
export async function readNiftiHeader(
  path: string,
  opts: {
    /** Check that an uncompressed file holds all the data its dims declare (default true; off for metadata-only copies). */
    checkSize?: boolean;
  } = {},
): Promise<NiftiFileHeader> {
  let fh: FileHandle;
  try {
    fh = await open(path, 'r');
  } catch (e) {
    throw ioError(path, e, 'open the NIfTI file');
  }
  try {
    const st = await fh.stat();
    if (!st.isFile())
      throw new UserError('not a regular file', { file: path, hint: 'give a .nii or .nii.gz file' });
    const gzip = await isGzip(fh);
    const read = (n: number) => (gzip ? gunzipPrefix(path, n) : readPrefix(fh, n));
    let bytes = await read(HEADER_PROBE);
    let header = parseNiftiHeader(bytes, path);
    const declared = header.voxOffset + dataBytes(header);
    const checkSize = opts.checkSize ?? true;
    if (checkSize && !gzip && header.voxOffset > st.size) {
      throw new UserError(
        `vox_offset ${header.voxOffset} lies beyond the end of the file (${st.size} bytes)`,
        { file: path, field: 'vox_offset', hint: 'the header is damaged, or the file was cut short' },
      );
    }
    if (checkSize && gzip && declared > st.size * MAX_DEFLATE_RATIO + HEADER_PROBE) {
      throw new UserError(
        `dims ${header.dims.join('×')} ${header.datatype} declare ${formatBytes(declared)} of data, but a gzip file of ${formatBytes(st.size)} cannot hold more than ${MAX_DEFLATE_RATIO}× its size`,
        { file: path, field: 'dim', hint: 'the header is damaged or the file was cut short; copy it again' },
      );
    }
    if (header.voxOffset > bytes.length && header.extensions.length > 0) {
      assertAllocation(header.voxOffset, {
        what: 'reading the header extensions',
        driver: `vox_offset ${header.voxOffset}`,
        file: path,
        field: 'vox_offset',
      });
      bytes = await read(header.voxOffset);
      header = parseNiftiHeader(bytes, path);
    }
    if (checkSize && !gzip) {
      const need = header.voxOffset + dataBytes(header);
      if (st.size < need) {
        throw new UserError(
          `file is truncated or its dims disagree with its size: dims ${header.dims.join('×')} ${header.datatype} ` +
            `need ${need} bytes (data from byte ${header.voxOffset}), the file has ${st.size}`,
          {
            file: path,
            field: 'dim',
            hint: 'copy the file again if it was cut short; otherwise its header is wrong',
          },
        );
      }
    }
    return { ...header, path, gzip, fileBytes: st.size };
  } catch (e) {
    if (e instanceof UserError) throw e;
    throw ioError(path, e, 'read the NIfTI header');
  } finally {
    await fh.close();
  }
}

/** A run of whole volumes: `data` holds `count` volumes (x fastest), in machine byte order, unscaled. */
export interface VolumeChunk {
  /** Index of the first volume in the chunk. */
  first: number;
  count: number;
  /** count × voxelsPerVolume raw voxels; the buffer is reused: valid until the next iteration. */
  data: VoxelArray;
}

export interface IterateOptions {
  /** The file's header, if already read (saves a read). */
  header?: NiftiFileHeader;
  /** Target bytes per chunk (rounded to whole volumes, at least one). Default 8 MiB. */
  chunkBytes?: number;
}

/**
 * Streams the voxel data as chunks of whole volumes. Uncompressed files are read with
 * large positioned reads, the next chunk read ahead while the caller works on the
 * current one; gzip files stream through zlib with a bounded buffer. Memory: two
 * chunks (`.nii`) or one chunk plus zlib's window (`.nii.gz`).
 */
export async function* iterateVolumes(path: string, opts: IterateOptions = {}): AsyncGenerator<VolumeChunk> {
  const header = opts.header ?? (await readNiftiHeader(path));
  const dt = DATATYPES[header.datatype];
  const volBytes = voxelsPerVolume(header) * dt.bytes;
  const nVol = volumeCount(header);
  const perChunk = Math.max(1, Math.min(nVol, Math.floor((opts.chunkBytes ?? 8 << 20) / volBytes)));
  assertAllocation(perChunk * volBytes * (header.gzip ? 1 : 2), {
    what: 'reading one volume at a time',
    driver: `one volume is ${header.dims.slice(0, 3).join('×')} ${header.datatype}`,
    file: path,
    field: 'dim',
  });
  const swap = header.littleEndian !== MACHINE_LE;
  const view = (buf: Buffer, count: number) => {
    if (swap) swapBytes(buf.subarray(0, count * volBytes), dt.bytes);
    return dt.view(buf.buffer, buf.byteOffset, count * voxelsPerVolume(header));
  };
  if (header.gzip) {
    yield* iterateGzip(path, header, perChunk, volBytes, nVol, view);
    return;
  }
  let fh: FileHandle;
  try {
    fh = await open(path, 'r');
  } catch (e) {
    throw ioError(path, e, 'open the NIfTI file');
  }
  // allocUnsafeSlow: an own ArrayBuffer at offset 0, so every typed view is aligned.
  const bufs = [Buffer.allocUnsafeSlow(perChunk * volBytes), Buffer.allocUnsafeSlow(perChunk * volBytes)];
  const readChunk = async (first: number, buf: Buffer): Promise<number> => {
    const count = Math.min(perChunk, nVol - first);
    const want = count * volBytes;
    let got = 0;
    while (got < want) {
      const pos = header.voxOffset + first * volBytes + got;
      const { bytesRead } = await fh.read(buf, got, want - got, pos);
      if (bytesRead === 0) {
        throw new UserError(
          `file is truncated: voxel data ends at byte ${pos}, but dims ${header.dims.join('×')} ${header.datatype} need ${header.voxOffset + dataBytes(header)}`,
          { file: path, hint: 'copy the file again; it was probably cut short' },
        );
      }
      got += bytesRead;
    }
    return count;
  };
  let pending: Promise<number> | null = readChunk(0, bufs[0]!);
  try {
    for (let first = 0, k = 0; first < nVol; first += perChunk, k ^= 1) {
      const count: number = await pending!;
      pending = first + perChunk < nVol ? readChunk(first + perChunk, bufs[k ^ 1]!) : null;
      yield { first, count, data: view(bufs[k]!, count) };
    }
  } catch (e) {
    if (e instanceof UserError) throw e;
    throw ioError(path, e, 'read the NIfTI data');
  } finally {
    if (pending) await pending.catch(() => {});
    await fh.close();
  }
}

async function* iterateGzip(
  path: string,
  header: NiftiFileHeader,
  perChunk: number,
  volBytes: number,
  nVol: number,
  view: (buf: Buffer, count: number) => VoxelArray,
): AsyncGenerator<VolumeChunk> {
  const src = createReadStream(path, { highWaterMark: 1 << 20 });
  const gz = createGunzip({ chunkSize: 1 << 20 });
  src.on('error', (e) => gz.destroy(e));
  src.pipe(gz);
  const buf = Buffer.allocUnsafeSlow(perChunk * volBytes);
  let skip = header.voxOffset;
  let fill = 0;
  let first = 0;
  const capacity = () => Math.min(perChunk, nVol - first) * volBytes;
  try {
    let it: AsyncIterator<Buffer>;
    try {
      it = gz[Symbol.asyncIterator]();
    } catch (e) {
      throw gzipError(path, e);
    }
    while (first < nVol) {
      let r: IteratorResult<Buffer>;
      try {
        r = await it.next();
      } catch (e) {
        if ((e as NodeJS.ErrnoException)?.code === 'ENOENT') throw ioError(path, e, 'read the NIfTI data');
        throw gzipError(path, e);
      }
      if (r.done) break;
      let chunk = r.value;
      if (skip > 0) {
        const s = Math.min(skip, chunk.length);
        skip -= s;
        chunk = chunk.subarray(s);
      }
      while (chunk.length > 0 && first < nVol) {
        const take = Math.min(chunk.length, capacity() - fill);
        chunk.copy(buf, fill, 0, take);
        fill += take;
        chunk = chunk.subarray(take);
        if (fill === capacity()) {
          const count = fill / volBytes;
          yield { first, count, data: view(buf, count) };
          first += count;
          fill = 0;
        }
      }
    }
    if (first < nVol) {
      const got = header.voxOffset - skip + first * volBytes + fill;
      throw new UserError(
        `file is truncated or its dims disagree with its size: it holds ${got} bytes uncompressed, ` +
          `but dims ${header.dims.join('×')} ${header.datatype} need ${header.voxOffset + dataBytes(header)}`,
        {
          file: path,
          field: 'dim',
          hint: 'copy the file again if it was cut short; otherwise its header is wrong',
        },
      );
    }
  } finally {
    src.destroy();
    gz.destroy();
  }
}

export type ReadAs = 'auto' | 'float32' | 'float64' | 'raw';

export interface ReadOptions {
  /**
   * Output array: 'float32' or 'float64' (scaled values), 'auto' (float32 unless the
   * datatype needs float64 to be exact: float64, int32, uint32, int64, uint64), or
   * 'raw' (the stored values in their own typed array, unscaled). Default 'auto'.
   */
  as?: ReadAs;
}

/** A whole image in memory. `data` is x-fastest (Fortran order), dims as in the header. */
export interface NiftiImage<T extends VoxelArray = VoxelArray> {
  header: NiftiFileHeader;
  data: T;
}

/** Reads a whole image, scaled by scl_slope/scl_inter (see `ReadOptions.as`). */
export async function readNifti(path: string, opts: ReadOptions = {}): Promise<NiftiImage> {
  const header = await readNiftiHeader(path);
  const dt = DATATYPES[header.datatype];
  const as = opts.as ?? 'auto';
  const kind = as === 'auto' ? (dt.exactInFloat32 ? 'float32' : 'float64') : as;
  const n = voxelsPerVolume(header) * volumeCount(header);
  const bytes = n * (kind === 'raw' ? dt.bytes : kind === 'float32' ? 4 : 8);
  assertAllocation(bytes, {
    what: 'reading the whole image',
    driver: `dims ${header.dims.join('×')} as ${kind === 'raw' ? header.datatype : kind}`,
    file: path,
    field: 'dim',
    hint: 'extract masked voxels instead (extractMasked / Masker.transform), which streams',
  });
  const out: VoxelArray =
    kind === 'raw' ? dt.alloc(n) : kind === 'float32' ? new Float32Array(n) : new Float64Array(n);
  const vpv = voxelsPerVolume(header);
  const s = header.scaling;
  for await (const chunk of iterateVolumes(path, { header })) {
    const off = chunk.first * vpv;
    if (kind === 'raw') {
      (out as Uint8Array).set(chunk.data as Uint8Array, off);
    } else {
      scaleInto(chunk.data, out as Float32Array | Float64Array, off, s?.slope ?? 1, s?.inter ?? 0);
    }
  }
  return { header, data: out };
}

/** out[off + i] = src[i] · slope + inter, in double precision (as nibabel's get_fdata). */
export function scaleInto(
  src: VoxelArray,
  out: Float32Array | Float64Array,
  off: number,
  slope: number,
  inter: number,
): void {
  const n = src.length;
  if (src instanceof BigInt64Array || src instanceof BigUint64Array) {
    for (let i = 0; i < n; i++) out[off + i] = Number(src[i]!) * slope + inter;
  } else if (slope === 1 && inter === 0) {
    out.set(src, off);
  } else {
    for (let i = 0; i < n; i++) out[off + i] = src[i]! * slope + inter;
  }
}

/** Summary statistics of the scaled data, computed in one streaming pass. */
export interface NiftiStats {
  min: number;
  max: number;
  mean: number;
  /** Voxels that are NaN or ±Inf (left out of min/max/mean). */
  nonFinite: number;
  count: number;
}

interface ChunkStats {
  min: number;
  max: number;
  sum: number;
  finite: number;
}

function intStats(d: ArrayLike<number>): ChunkStats {
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  let sum = 0;
  for (let i = 0; i < d.length; i++) {
    const v = d[i]!;
    if (v < min) min = v;
    if (v > max) max = v;
    sum += v;
  }
  return { min, max, sum, finite: d.length };
}

function floatStats(d: Float32Array | Float64Array): ChunkStats {
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  let sum = 0;
  let finite = 0;
  for (let i = 0; i < d.length; i++) {
    const v = d[i]!;
    if (v - v !== 0) continue; // NaN or ±Inf
    if (v < min) min = v;
    if (v > max) max = v;
    sum += v;
    finite++;
  }
  return { min, max, sum, finite };
}

/** min / max / mean of the scaled voxel values, streaming over the file. */
export async function niftiStats(path: string, header?: NiftiFileHeader): Promise<NiftiStats> {
  const h = header ?? (await readNiftiHeader(path));
  const slope = h.scaling?.slope ?? 1;
  const inter = h.scaling?.inter ?? 0;
  let rawMin = Number.POSITIVE_INFINITY;
  let rawMax = Number.NEGATIVE_INFINITY;
  let sum = 0;
  let finite = 0;
  let count = 0;
  for await (const chunk of iterateVolumes(path, { header: h })) {
    const d = chunk.data;
    count += d.length;
    if (d instanceof BigInt64Array || d instanceof BigUint64Array) {
      for (let i = 0; i < d.length; i++) {
        const v = Number(d[i]!);
        if (v < rawMin) rawMin = v;
        if (v > rawMax) rawMax = v;
        sum += v;
      }
      finite += d.length;
    } else {
      const r = d instanceof Float32Array || d instanceof Float64Array ? floatStats(d) : intStats(d);
      if (r.min < rawMin) rawMin = r.min;
      if (r.max > rawMax) rawMax = r.max;
      sum += r.sum; // sums per chunk keep rounding error small on long runs
      finite += r.finite;
    }
  }
  const a = rawMin * slope + inter;
  const b = rawMax * slope + inter;
  return {
    min: finite ? Math.min(a, b) : Number.NaN,
    max: finite ? Math.max(a, b) : Number.NaN,
    mean: finite ? (sum / finite) * slope + inter : Number.NaN,
    nonFinite: count - finite,
    count,
  };
}
