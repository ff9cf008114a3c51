/**
 * Writing NIfTI files atomically: `openNiftiWriter` streams volume by volume
 * (memory of one volume, gzip streamed), `writeNifti` writes an in-memory image
 * through it. `.nii.gz` paths are gzip-compressed, anything else is written plain.
 */
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { openAtomicStream } from '../../util/atomic.js';
import { UserError } from '../../util/errors.js';
import { DATATYPES, datatypeOfArray, type NiftiDatatype, swapBytes, type VoxelArray } from './datatypes.js';
import {
  completeHeader,
  encodeNiftiHeader,
  type NiftiHeader,
  type NiftiHeaderInit,
  volumeCount,
  voxelsPerVolume,
} from './header.js';

export interface WriterOptions {
  /** gzip the output (default: when the path ends in `.gz`). */
  gzip?: boolean;
  /** zlib level 0–9 (default 1: fast, as nibabel; neuroimaging data compresses little more at 9). */
  level?: number;
}

/** Anything that holds voxel values: a typed array or a plain number array. */
export type VoxelValues = VoxelArray | readonly number[];

export interface NiftiWriter {
  /** The header being written (complete, with the data offset). */
  readonly header: NiftiHeader;
  /** Volumes written so far. */
  readonly volumesWritten: number;
  /**
   * Appends one or more whole volumes (x fastest). An array of the header's datatype is
   * stored as is; other values are converted: scaled by the header's slope/intercept
   * when it has one, rounded for integer datatypes, and rejected when out of range.
   */
  writeVolume(values: VoxelValues): Promise<void>;
  /** Checks that every volume was written, finishes the file and moves it into place. */
  commit(): Promise<void>;
  /** Removes the partial file. */
  abort(): Promise<void>;
}

const MACHINE_LE = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Encodes values as the bytes of `datatype` (machine byte order), applying inverse scaling. */
export function encodeVoxels(
  values: VoxelValues,
  datatype: NiftiDatatype,
  scaling: { slope: number; inter: number } | null,
  where: { file: string },
): Buffer {
  const dt = DATATYPES[datatype];
  const n = values.length;
  const out = Buffer.allocUnsafeSlow(n * dt.bytes);
  const target = dt.view(out.buffer, 0, n);
  const sameType = !Array.isArray(values) && datatypeOfArray(values as VoxelArray) === datatype;
  if (sameType) {
    out.set(new Uint8Array((values as VoxelArray).buffer, (values as VoxelArray).byteOffset, n * dt.bytes));
    return out;
  }
  const slope = scaling?.slope ?? 1;
  const inter = scaling?.inter ?? 0;
  const src = values as ArrayLike<number | bigint>;
  if (!dt.integer) {
    const t = target as Float32Array | Float64Array;
    for (let i = 0; i < n; i++) t[i] = (Number(src[i]) - inter) / slope;
    return out;
  }
  const { min, max } = dt;
  const big = target instanceof BigInt64Array || target instanceof BigUint64Array;
  for (let i = 0; i < n; i++) {
    const x = Number(src[i]);
    const v = scaling ? Math.round((x - inter) / slope) : x;
    if (!Number.isInteger(v) || v < min || v > max) {
      throw new UserError(
        `value ${x} at voxel ${i} cannot be stored as ${datatype}${scaling ? ` with slope ${slope} and intercept ${inter}` : ''}`,
        {
          ...where,
          field: 'datatype',
          hint: Number.isInteger(x)
            ? `choose a wider datatype or a scl_slope/scl_inter that maps the values into [${min}, ${max}]`
            : 'write float32, or give scl_slope/scl_inter for an integer datatype',
        },
      );
    }
    if (big) (target as BigInt64Array)[i] = BigInt(v) as never;
    else (target as Int32Array)[i] = v;
  }
  return out;
}

/**
 * Opens a streaming writer for an image with header `init` (NIfTI-1 unless
 * `init.version` is 2; little-endian unless `init.littleEndian` is false). Nothing
 * appears at `path` until `commit()`.
 */
export async function openNiftiWriter(
  path: string,
  init: NiftiHeaderInit,
  opts: WriterOptions = {},
): Promise<NiftiWriter> {
  let header: NiftiHeader;
  try {
    header = completeHeader(init);
  } catch (e) {
    if (!(e instanceof UserError)) throw e;
    throw new UserError(e.message, { ...e.location, file: path, hint: e.hint, cause: e });
  }
  const gzip = opts.gzip ?? path.endsWith('.gz');
  const level = opts.level ?? 1;
  const vpv = voxelsPerVolume(header);
  const nVol = volumeCount(header);
  const dt = DATATYPES[header.datatype];
  const swap = header.littleEndian !== MACHINE_LE;
  const file = await openAtomicStream(path);
  const gz = gzip ? createGzip({ level, chunkSize: 1 << 18 }) : null;
  const sink: Writable = gz ?? file.stream;
  let failure: unknown = null;
  const piped = gz
    ? pipeline(gz, file.stream).catch((e) => {
        failure ??= e;
      })
    : null;
  sink.on('error', (e) => {
    failure ??= e;
  });
  let written = 0;
  let closed = false;

  const writeError = (e: unknown) =>
    new UserError(`cannot write ${path}: ${(e as Error)?.message ?? String(e)}`, {
      file: path,
      hint: 'check that the disk has room and the folder is writable',
      cause: e,
    });
  const put = async (buf: Buffer) => {
    if (failure) throw writeError(failure);
    if (!sink.write(buf)) {
      try {
        await once(sink, 'drain');
      } catch (e) {
        throw writeError(e);
      }
    }
  };

  const abort = async () => {
    closed = true;
    sink.destroy();
    await file.abort();
  };

  await put(encodeNiftiHeader(header));

  return {
    header,
    get volumesWritten() {
      return written;
    },
    async writeVolume(values) {
      if (closed) throw new UserError('the NIfTI writer is already closed', { file: path });
      if (values.length === 0 || values.length % vpv !== 0) {
        throw new UserError(
          `a volume of ${header.dims.slice(0, 3).join('×')} has ${vpv} voxels, got ${values.length} values`,
          { file: path, hint: 'pass whole volumes, x fastest (Fortran order)' },
        );
      }
      const count = values.length / vpv;
      if (written + count > nVol) {
        throw new UserError(`too many volumes: the header declares ${nVol}, got ${written + count}`, {
          file: path,
          field: 'dim',
        });
      }
      const buf = encodeVoxels(values, header.datatype, header.scaling, { file: path });
      if (swap) swapBytes(buf, dt.bytes);
      await put(buf);
      written += count;
    },
    async commit() {
      if (closed) throw new UserError('the NIfTI writer is already closed', { file: path });
      if (written !== nVol) {
        await abort();
        throw new UserError(
          `only ${written} of the ${nVol} declared volumes were written; nothing was saved`,
          {
            file: path,
            field: 'dim',
          },
        );
      }
      closed = true;
      try {
        if (gzip) {
          sink.end();
          await piped;
          if (failure) throw failure;
        }
        await file.commit();
      } catch (e) {
        await file.abort();
        throw writeError(e);
      }
    },
    abort,
  };
}

export interface WriteOptions extends WriterOptions {
  /** Override the header's datatype (values are converted). */
  datatype?: NiftiDatatype;
  /** 1 (default) or 2. */
  version?: 1 | 2;
  /** scl_slope / scl_inter to store (values are divided back through them). */
  slope?: number;
  inter?: number;
}

/**
 * Writes an image atomically. `image.header` is either a header read from another
 * file (its geometry is kept) or a `NiftiHeaderInit` (dims plus optional affine, …).
 * Without a datatype in the header or options, the array's own type decides
 * (Float32Array → float32, Int16Array → int16, number[] → float32).
 */
export async function writeNifti(
  path: string,
  image: { header: NiftiHeaderInit; data: VoxelValues },
  opts: WriteOptions = {},
): Promise<NiftiHeader> {
  const { data } = image;
  const datatype =
    opts.datatype ??
    image.header.datatype ??
    (Array.isArray(data) ? 'float32' : datatypeOfArray(data as VoxelArray));
  const init: NiftiHeaderInit = {
    ...image.header,
    datatype,
    version: opts.version ?? image.header.version ?? 1,
  };
  if (opts.slope !== undefined || opts.inter !== undefined) {
    init.sclSlope = opts.slope ?? 1;
    init.sclInter = opts.inter ?? 0;
    init.scaling = undefined;
  }
  const need = init.dims.reduce((a, b) => a * b, 1);
  if (data.length !== need) {
    throw new UserError(`image data has ${data.length} values but dims ${init.dims.join('×')} need ${need}`, {
      file: path,
      field: 'dims',
    });
  }
  const w = await openNiftiWriter(path, init, opts);
  try {
    const vpv = voxelsPerVolume(w.header);
    // Write in slabs of whole volumes so conversion buffers stay bounded.
    const per = Math.max(1, Math.floor((8 << 20) / (vpv * DATATYPES[w.header.datatype].bytes)));
    for (let v = 0; v < volumeCount(w.header); v += per) {
      const end = Math.min(volumeCount(w.header), v + per) * vpv;
      const slab = Array.isArray(data)
        ? data.slice(v * vpv, end)
        : (data as VoxelArray).subarray(v * vpv, end);
      await w.writeVolume(slab as VoxelValues);
    }
    await w.commit();
  } catch (e) {
    await w.abort();
    throw e;
  }
  return w.header;
}
