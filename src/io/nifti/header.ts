/**
 * The NIfTI-1 (348-byte) and NIfTI-2 (540-byte) headers: parse from bytes (either
 * byte order), encode to bytes, and fill in defaults for new images. Field layout
 * follows nifti1.h / nifti2.h; derived values (scaling, units, TR, affine) follow nibabel.
 */
import { UserError } from '../../util/errors.js';
import { type Affine, affineToQform, baseAffine, type Qform, qformAffine, sformAffine } from './affine.js';
import { DATATYPES, datatypeFromCode, type NiftiDatatype } from './datatypes.js';

export type SpatialUnit = 'unknown' | 'meter' | 'mm' | 'micron';
export type TemporalUnit = 'unknown' | 's' | 'ms' | 'us' | 'Hz' | 'ppm' | 'rad/s';

const SPATIAL_UNITS: Record<number, SpatialUnit> = { 0: 'unknown', 1: 'meter', 2: 'mm', 3: 'micron' };
const TEMPORAL_UNITS: Record<number, TemporalUnit> = {
  0: 'unknown',
  8: 's',
  16: 'ms',
  24: 'us',
  32: 'Hz',
  40: 'ppm',
  48: 'rad/s',
};
/** Seconds per temporal unit, for the TR. */
const SECONDS: Partial<Record<TemporalUnit, number>> = { s: 1, ms: 1e-3, us: 1e-6 };

/** A header extension (NIfTI-1 §extensions): a code and its raw bytes. */
export interface NiftiExtension {
  code: number;
  data: Uint8Array;
}

/** A parsed NIfTI header, with the values nibabel would derive from it. */
export interface NiftiHeader {
  version: 1 | 2;
  littleEndian: boolean;
  /** Image shape, dim[1..dim[0]] (x fastest on disk). 4-D runs: [nx, ny, nz, n_scans]. */
  dims: number[];
  datatype: NiftiDatatype;
  bitpix: number;
  /** pixdim[0..7] as stored; pixdim[0] is qfac, pixdim[1..3] voxel sizes, pixdim[4] the TR. */
  pixdim: number[];
  /** Byte offset of the voxel data in the (uncompressed) file. */
  voxOffset: number;
  /** scl_slope and scl_inter as stored. */
  sclSlope: number;
  sclInter: number;
  /** The scaling that applies (nibabel: none when the slope is 0 or not finite). */
  scaling: { slope: number; inter: number } | null;
  xyztUnits: number;
  spatialUnit: SpatialUnit;
  temporalUnit: TemporalUnit;
  /** Seconds between volumes (pixdim[4] in seconds), or null for 3-D images or non-time units. */
  tr: number | null;
  qformCode: number;
  sformCode: number;
  qform: Qform;
  /** srow_x, srow_y, srow_z (3 × 4). */
  srow: number[][];
  /** The affine used, chosen as nibabel does (sform if its code > 0, else qform if > 0, else base). */
  affine: Affine;
  affineSource: 'sform' | 'qform' | 'base';
  calMin: number;
  calMax: number;
  sliceCode: number;
  sliceStart: number;
  sliceEnd: number;
  sliceDuration: number;
  toffset: number;
  dimInfo: number;
  intentCode: number;
  intentName: string;
  intentP: [number, number, number];
  descrip: string;
  auxFile: string;
  extensions: NiftiExtension[];
}

/** What a new image needs: its shape; everything else has a default (see `completeHeader`). */
export type NiftiHeaderInit = Partial<Omit<NiftiHeader, 'dims'>> & { dims: readonly number[] };

export const NIFTI1_HEADER_SIZE = 348;
export const NIFTI2_HEADER_SIZE = 540;
const NIFTI2_MAGIC = [0x6e, 0x2b, 0x32, 0x00, 0x0d, 0x0a, 0x1a, 0x0a];

/** Voxels in one 3-D volume (product of the first three dims). */
export function voxelsPerVolume(h: Pick<NiftiHeader, 'dims'>): number {
  return (h.dims[0] ?? 1) * (h.dims[1] ?? 1) * (h.dims[2] ?? 1);
}

/** Number of 3-D volumes (product of dims 4..7; 1 for a 3-D image). */
export function volumeCount(h: Pick<NiftiHeader, 'dims'>): number {
  let n = 1;
  for (let i = 3; i < h.dims.length; i++) n *= h.dims[i]!;
  return n;
}

/** Bytes of voxel data the header promises. */
export function dataBytes(h: Pick<NiftiHeader, 'dims' | 'datatype'>): number {
  return voxelsPerVolume(h) * volumeCount(h) * DATATYPES[h.datatype].bytes;
}

/** The header's size in bytes for its version (348 or 540). */
export function headerSize(version: 1 | 2): number {
  return version === 1 ? NIFTI1_HEADER_SIZE : NIFTI2_HEADER_SIZE;
}

/**
 * Which version and byte order `bytes` (at least 4 bytes) start with, from sizeof_hdr.
 * Null when it is neither 348 nor 540 in either byte order.
 */
export function sniffHeader(bytes: Uint8Array): { version: 1 | 2; littleEndian: boolean } | null {
  if (bytes.length < 4) return null;
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (const littleEndian of [true, false]) {
    const n = dv.getInt32(0, littleEndian);
    if (n === NIFTI1_HEADER_SIZE) return { version: 1, littleEndian };
    if (n === NIFTI2_HEADER_SIZE) return { version: 2, littleEndian };
  }
  return null;
}

function cstring(bytes: Uint8Array, offset: number, length: number): string {
  let end = offset;
  while (end < offset + length && bytes[end] !== 0) end++;
  return Buffer.from(bytes.buffer, bytes.byteOffset + offset, end - offset).toString('latin1');
}

function headerError(file: string, message: string, field?: string, hint?: string): UserError {
  return new UserError(message, {
    file,
    field,
    hint:
      hint ??
      'check that the file is a complete NIfTI-1 or NIfTI-2 image (e.g. open it with nibabel or fslhd)',
  });
}

/** The raw fields common to both versions, read from one of the two layouts. */
interface RawFields {
  dimCount: number;
  dims: number[];
  datatypeCode: number;
  bitpix: number;
  pixdim: number[];
  voxOffset: number;
  sclSlope: number;
  sclInter: number;
  xyztUnits: number;
  qformCode: number;
  sformCode: number;
  qform: Qform;
  srow: number[][];
  calMin: number;
  calMax: number;
  sliceCode: number;
  sliceStart: number;
  sliceEnd: number;
  sliceDuration: number;
  toffset: number;
  dimInfo: number;
  intentCode: number;
  intentName: string;
  intentP: [number, number, number];
  descrip: string;
  auxFile: string;
}

function readRaw1(bytes: Uint8Array, le: boolean): RawFields {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const i16 = (o: number) => dv.getInt16(o, le);
  const f32 = (o: number) => dv.getFloat32(o, le);
  const dimAll = Array.from({ length: 8 }, (_, i) => i16(40 + 2 * i));
  const pixdim = Array.from({ length: 8 }, (_, i) => f32(76 + 4 * i));
  return {
    dimCount: dimAll[0]!,
    dims: dimAll.slice(1),
    datatypeCode: i16(70),
    bitpix: i16(72),
    pixdim,
    voxOffset: f32(108),
    sclSlope: f32(112),
    sclInter: f32(116),
    xyztUnits: dv.getUint8(123),
    qformCode: i16(252),
    sformCode: i16(254),
    qform: { b: f32(256), c: f32(260), d: f32(264), x: f32(268), y: f32(272), z: f32(276), qfac: pixdim[0]! },
    srow: [0, 1, 2].map((r) => [0, 1, 2, 3].map((c) => f32(280 + 16 * r + 4 * c))),
    calMax: f32(124),
    calMin: f32(128),
    sliceCode: dv.getUint8(122),
    sliceStart: i16(74),
    sliceEnd: i16(120),
    sliceDuration: f32(132),
    toffset: f32(136),
    dimInfo: dv.getUint8(39),
    intentCode: i16(68),
    intentName: cstring(bytes, 328, 16),
    intentP: [f32(56), f32(60), f32(64)],
    descrip: cstring(bytes, 148, 80),
    auxFile: cstring(bytes, 228, 24),
  };
}

function readRaw2(bytes: Uint8Array, le: boolean): RawFields {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const i16 = (o: number) => dv.getInt16(o, le);
  const i32 = (o: number) => dv.getInt32(o, le);
  const i64 = (o: number) => Number(dv.getBigInt64(o, le));
  const f64 = (o: number) => dv.getFloat64(o, le);
  const dimAll = Array.from({ length: 8 }, (_, i) => i64(16 + 8 * i));
  const pixdim = Array.from({ length: 8 }, (_, i) => f64(104 + 8 * i));
  return {
    dimCount: dimAll[0]!,
    dims: dimAll.slice(1),
    datatypeCode: i16(12),
    bitpix: i16(14),
    pixdim,
    voxOffset: i64(168),
    sclSlope: f64(176),
    sclInter: f64(184),
    xyztUnits: i32(500),
    qformCode: i32(344),
    sformCode: i32(348),
    qform: { b: f64(352), c: f64(360), d: f64(368), x: f64(376), y: f64(384), z: f64(392), qfac: pixdim[0]! },
    srow: [0, 1, 2].map((r) => [0, 1, 2, 3].map((c) => f64(400 + 32 * r + 8 * c))),
    calMax: f64(192),
    calMin: f64(200),
    sliceCode: i32(496),
    sliceStart: i64(224),
    sliceEnd: i64(232),
    sliceDuration: f64(208),
    toffset: f64(216),
    dimInfo: dv.getUint8(524),
    intentCode: i32(504),
    intentName: cstring(bytes, 508, 16),
    intentP: [f64(80), f64(88), f64(96)],
    descrip: cstring(bytes, 240, 80),
    auxFile: cstring(bytes, 320, 24),
  };
}

/** Parses the extensions between the header and vox_offset (as many as `bytes` holds). */
function readExtensions(bytes: Uint8Array, start: number, voxOffset: number, le: boolean, file: string) {
  const out: NiftiExtension[] = [];
  if (bytes.length < start + 4 || bytes[start] === 0) return out;
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let p = start + 4;
  while (p + 8 <= Math.min(voxOffset, bytes.length)) {
    const esize = dv.getInt32(p, le);
    const code = dv.getInt32(p + 4, le);
    if (esize < 8 || p + esize > voxOffset) {
      throw headerError(
        file,
        `header extension at byte ${p} has size ${esize}, which does not fit before vox_offset ${voxOffset}`,
        'extension',
      );
    }
    out.push({ code, data: bytes.slice(p + 8, p + esize) });
    p += esize;
  }
  return out;
}

/**
 * Parses a header from `bytes`, which start at byte 0 of the (uncompressed) file and
 * hold at least the header (and the extensions, to read them). `file` names the
 * source in error messages.
 */
export function parseNiftiHeader(bytes: Uint8Array, file: string): NiftiHeader {
  const sniff = sniffHeader(bytes);
  if (!sniff) {
    const n = bytes.length >= 4 ? new DataView(bytes.buffer, bytes.byteOffset).getInt32(0, true) : -1;
    throw headerError(
      file,
      bytes.length < 4
        ? `not a NIfTI file: only ${bytes.length} bytes`
        : `not a NIfTI file: sizeof_hdr is ${n}, expected 348 (NIfTI-1) or 540 (NIfTI-2)`,
      'sizeof_hdr',
    );
  }
  const { version, littleEndian } = sniff;
  const size = headerSize(version);
  if (bytes.length < size) {
    throw headerError(
      file,
      `file is truncated: the NIfTI-${version} header needs ${size} bytes, found ${bytes.length}`,
    );
  }
  if (version === 1) {
    const magic = cstring(bytes, 344, 4);
    if (magic === 'ni1') {
      throw headerError(
        file,
        'this is the header of a NIfTI-1 pair (.hdr/.img); only single-file .nii/.nii.gz images are supported',
        'magic',
        'convert it to a single file, e.g. with nibabel: nib.save(nib.load(path), "out.nii.gz")',
      );
    }
    if (magic !== 'n+1') {
      throw headerError(
        file,
        `wrong magic ${JSON.stringify(magic)}, expected "n+1" (this may be an Analyze 7.5 file)`,
        'magic',
      );
    }
  } else {
    for (let i = 0; i < 8; i++) {
      if (bytes[4 + i] !== NIFTI2_MAGIC[i]) {
        const got = Buffer.from(bytes.subarray(4, 12)).toString('hex');
        throw headerError(
          file,
          `wrong NIfTI-2 magic (bytes ${got}); expected "n+2\\0\\r\\n\\032\\n"`,
          'magic',
          'the file may be damaged, or a NIfTI-2 pair (.hdr/.img), which is not supported',
        );
      }
    }
  }
  const raw = version === 1 ? readRaw1(bytes, littleEndian) : readRaw2(bytes, littleEndian);

  if (!Number.isInteger(raw.dimCount) || raw.dimCount < 1 || raw.dimCount > 7) {
    throw headerError(file, `dim[0] is ${raw.dimCount}, expected 1 to 7 dimensions`, 'dim');
  }
  const dims = raw.dims.slice(0, raw.dimCount);
  dims.forEach((d, i) => {
    if (!Number.isInteger(d) || d < 1) {
      throw headerError(file, `dim[${i + 1}] is ${d}; every dimension must be a positive integer`, 'dim');
    }
  });
  const dt = datatypeFromCode(raw.datatypeCode);
  if (!('unsupported' in dt)) {
    // Checked here, once, so no reader multiplies its way past 2^53 later.
    const total = dims.reduce((a, b) => a * b, dt.bytes);
    if (!Number.isSafeInteger(total)) {
      throw headerError(
        file,
        `dims ${dims.join('×')} of ${dt.name} declare ${total.toExponential(2)} bytes of data, more than any file can hold`,
        'dim',
        'the header is damaged; copy the file again',
      );
    }
  }
  if ('unsupported' in dt) {
    throw headerError(
      file,
      `datatype ${raw.datatypeCode} (${dt.unsupported}) is not supported; supported: ${Object.keys(DATATYPES).join(', ')}`,
      'datatype',
      'convert the image to a supported datatype, e.g. float32',
    );
  }
  // Some writers leave vox_offset at 0 in single files; the data then follows the
  // header. Any other value before the end of the header would read the header as
  // voxels, and a negative one is damage: both are refused.
  const minOffset = size + 4;
  let voxOffset = raw.voxOffset;
  if (voxOffset === 0) voxOffset = minOffset;
  if (!Number.isFinite(voxOffset) || voxOffset < 0) {
    throw headerError(
      file,
      `vox_offset is ${raw.voxOffset}; it must be a byte position ≥ ${minOffset} (or 0)`,
      'vox_offset',
    );
  }
  if (voxOffset < minOffset) {
    throw headerError(
      file,
      `vox_offset ${raw.voxOffset} lies inside the ${size}-byte header (+4 extension bytes); the data must start at byte ${minOffset} or later`,
      'vox_offset',
    );
  }
  if (!Number.isInteger(voxOffset)) {
    throw headerError(file, `vox_offset ${raw.voxOffset} is not a whole number of bytes`, 'vox_offset');
  }
  if (voxOffset > 1 << 30) {
    throw headerError(file, `vox_offset ${voxOffset} is implausibly large`, 'vox_offset');
  }

  const scaling =
    raw.sclSlope === 0 || !Number.isFinite(raw.sclSlope)
      ? null
      : { slope: raw.sclSlope, inter: Number.isFinite(raw.sclInter) ? raw.sclInter : 0 };
  const spatialUnit = SPATIAL_UNITS[raw.xyztUnits & 0x07] ?? 'unknown';
  const temporalUnit = TEMPORAL_UNITS[raw.xyztUnits & 0x38] ?? 'unknown';
  const tr = trFrom(dims, raw.pixdim, temporalUnit);
  const { affine, affineSource } = chooseAffine(
    raw.sformCode,
    raw.qformCode,
    raw.srow,
    raw.qform,
    dims,
    raw.pixdim,
  );

  return {
    version,
    littleEndian,
    dims,
    datatype: dt.name,
    bitpix: raw.bitpix,
    pixdim: raw.pixdim,
    voxOffset,
    sclSlope: raw.sclSlope,
    sclInter: raw.sclInter,
    scaling,
    xyztUnits: raw.xyztUnits,
    spatialUnit,
    temporalUnit,
    tr,
    qformCode: raw.qformCode,
    sformCode: raw.sformCode,
    qform: raw.qform,
    srow: raw.srow,
    affine,
    affineSource,
    calMin: raw.calMin,
    calMax: raw.calMax,
    sliceCode: raw.sliceCode,
    sliceStart: raw.sliceStart,
    sliceEnd: raw.sliceEnd,
    sliceDuration: raw.sliceDuration,
    toffset: raw.toffset,
    dimInfo: raw.dimInfo,
    intentCode: raw.intentCode,
    intentName: raw.intentName,
    intentP: raw.intentP,
    descrip: raw.descrip,
    auxFile: raw.auxFile,
    extensions: readExtensions(bytes, size, voxOffset, littleEndian, file),
  };
}

function trFrom(dims: readonly number[], pixdim: readonly number[], unit: TemporalUnit): number | null {
  if (dims.length < 4) return null;
  const raw = pixdim[4] ?? 0;
  if (!(raw > 0)) return null;
  if (unit === 'unknown') return raw;
  const s = SECONDS[unit];
  return s === undefined ? null : raw * s;
}

function chooseAffine(
  sformCode: number,
  qformCode: number,
  srow: number[][],
  qform: Qform,
  dims: readonly number[],
  pixdim: readonly number[],
): { affine: Affine; affineSource: NiftiHeader['affineSource'] } {
  const voxelSize = [pixdim[1] ?? 1, pixdim[2] ?? 1, pixdim[3] ?? 1].map((v) => (v > 0 ? v : 1));
  if (sformCode > 0) return { affine: sformAffine(srow), affineSource: 'sform' };
  if (qformCode > 0) return { affine: qformAffine(qform, voxelSize), affineSource: 'qform' };
  return { affine: baseAffine(dims.slice(0, 3), voxelSize), affineSource: 'base' };
}

/**
 * A complete header for a new image. Geometry, in order of precedence: explicit
 * `srow`/`qform` (copied verbatim, e.g. from a source image), else `affine`
 * (sform code 2 "aligned", and a qform with the same code where the affine has no
 * shear), else `pixdim` alone (codes 0). The stored data offset is recomputed.
 */
export function completeHeader(init: NiftiHeaderInit): NiftiHeader {
  const dims = [...init.dims];
  if (dims.length < 1 || dims.length > 7 || dims.some((d) => !Number.isInteger(d) || d < 1)) {
    throw new UserError(`image shape must be 1 to 7 positive integers, got [${dims.join(', ')}]`, {
      field: 'dims',
    });
  }
  const version = init.version ?? 1;
  const datatype = init.datatype ?? 'float32';
  const pixdim = init.pixdim ? [...init.pixdim] : [1, 1, 1, 1, 1, 1, 1, 1];
  while (pixdim.length < 8) pixdim.push(1);
  let srow = init.srow?.map((r) => [...r]);
  let qform = init.qform ? { ...init.qform } : undefined;
  let sformCode = init.sformCode;
  let qformCode = init.qformCode;
  if (!srow && !qform && init.affine) {
    const A = init.affine;
    srow = [[...A[0]!], [...A[1]!], [...A[2]!]];
    sformCode ??= 2;
    const q = affineToQform(A);
    if (q) {
      qform = q.qform;
      qformCode ??= sformCode;
      if (!init.pixdim) for (let i = 0; i < 3; i++) pixdim[i + 1] = q.voxelSize[i]!;
    } else {
      qformCode = 0;
      if (!init.pixdim) {
        for (let j = 0; j < 3; j++) pixdim[j + 1] = Math.hypot(A[0]![j]!, A[1]![j]!, A[2]![j]!);
      }
    }
  }
  srow ??= [
    [pixdim[1]!, 0, 0, 0],
    [0, pixdim[2]!, 0, 0],
    [0, 0, pixdim[3]!, 0],
  ];
  qform ??= { b: 0, c: 0, d: 0, x: 0, y: 0, z: 0, qfac: 1 };
  pixdim[0] = qform.qfac < 0 ? -1 : 1;
  let xyztUnits = init.xyztUnits ?? 2 | 8; // mm and seconds
  if (init.tr !== undefined && init.tr !== null) {
    pixdim[4] = init.tr;
    xyztUnits = (xyztUnits & 0x07) | 8;
  }
  const sclSlope = init.sclSlope ?? init.scaling?.slope ?? 0;
  const sclInter = init.sclInter ?? init.scaling?.inter ?? 0;
  const extensions = init.extensions ?? [];
  const bytes = new Uint8Array(headerBytesLength(version, extensions));
  // Build the canonical header by encoding and parsing, so derived fields are computed in one place.
  const h: NiftiHeader = {
    version,
    littleEndian: init.littleEndian ?? true,
    dims,
    datatype,
    bitpix: DATATYPES[datatype].bytes * 8,
    pixdim,
    voxOffset: bytes.length,
    sclSlope,
    sclInter,
    scaling: null,
    xyztUnits,
    spatialUnit: 'unknown',
    temporalUnit: 'unknown',
    tr: null,
    qformCode: qformCode ?? 0,
    sformCode: sformCode ?? 0,
    qform,
    srow,
    affine: [],
    affineSource: 'base',
    calMin: init.calMin ?? 0,
    calMax: init.calMax ?? 0,
    sliceCode: init.sliceCode ?? 0,
    sliceStart: init.sliceStart ?? 0,
    sliceEnd: init.sliceEnd ?? 0,
    sliceDuration: init.sliceDuration ?? 0,
    toffset: init.toffset ?? 0,
    dimInfo: init.dimInfo ?? 0,
    intentCode: init.intentCode ?? 0,
    intentName: init.intentName ?? '',
    intentP: init.intentP ?? [0, 0, 0],
    descrip: init.descrip ?? '',
    auxFile: init.auxFile ?? '',
    extensions,
  };
  return parseNiftiHeader(encodeNiftiHeader(h), '(new image)');
}

/** Bytes from the start of the file to the voxel data: header, extension flag, extensions (16-aligned). */
export function headerBytesLength(version: 1 | 2, extensions: readonly NiftiExtension[]): number {
  let n = headerSize(version) + 4;
  for (const e of extensions) n += extensionSize(e);
  return Math.ceil(n / 16) * 16;
}

function extensionSize(e: NiftiExtension): number {
  return Math.ceil((e.data.length + 8) / 16) * 16;
}

function writeCString(bytes: Uint8Array, offset: number, length: number, s: string): void {
  const b = Buffer.from(s, 'latin1');
  bytes.set(b.subarray(0, length - 1), offset);
}

/**
 * Encodes `h` as the bytes that precede the voxel data (header, extension flag,
 * extensions, padding), `headerBytesLength` long; vox_offset is set to that length.
 */
export function encodeNiftiHeader(h: NiftiHeader): Buffer {
  const total = headerBytesLength(h.version, h.extensions);
  const bytes = Buffer.alloc(total);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const le = h.littleEndian;
  const dt = DATATYPES[h.datatype];
  const dimAll = [h.dims.length, ...h.dims];
  while (dimAll.length < 8) dimAll.push(1);
  if (h.version === 1) {
    const big = h.dims.find((d) => d > 32767);
    if (big !== undefined) {
      throw new UserError(`dimension ${big} does not fit in NIfTI-1 (max 32767)`, {
        field: 'dims',
        hint: 'write NIfTI-2 instead (version: 2, or --nifti2)',
      });
    }
    const i16 = (o: number, v: number) => dv.setInt16(o, v, le);
    const f32 = (o: number, v: number) => dv.setFloat32(o, v, le);
    dv.setInt32(0, NIFTI1_HEADER_SIZE, le);
    dv.setUint8(38, 0x72); // regular = 'r'
    dv.setUint8(39, h.dimInfo);
    dimAll.forEach((d, i) => {
      i16(40 + 2 * i, d);
    });
    h.intentP.forEach((v, i) => {
      f32(56 + 4 * i, v);
    });
    i16(68, h.intentCode);
    i16(70, dt.code);
    i16(72, dt.bytes * 8);
    i16(74, h.sliceStart);
    h.pixdim.slice(0, 8).forEach((v, i) => {
      f32(76 + 4 * i, v);
    });
    f32(108, total);
    f32(112, h.sclSlope);
    f32(116, h.sclInter);
    i16(120, h.sliceEnd);
    dv.setUint8(122, h.sliceCode);
    dv.setUint8(123, h.xyztUnits);
    f32(124, h.calMax);
    f32(128, h.calMin);
    f32(132, h.sliceDuration);
    f32(136, h.toffset);
    writeCString(bytes, 148, 80, h.descrip);
    writeCString(bytes, 228, 24, h.auxFile);
    i16(252, h.qformCode);
    i16(254, h.sformCode);
    const q = h.qform;
    [q.b, q.c, q.d, q.x, q.y, q.z].forEach((v, i) => {
      f32(256 + 4 * i, v);
    });
    for (let r = 0; r < 3; r++) {
      for (let c = 0; c < 4; c++) f32(280 + 16 * r + 4 * c, h.srow[r]![c]!);
    }
    writeCString(bytes, 328, 16, h.intentName);
    bytes.set([0x6e, 0x2b, 0x31, 0x00], 344);
  } else {
    const i64 = (o: number, v: number) => dv.setBigInt64(o, BigInt(Math.trunc(v)), le);
    const f64 = (o: number, v: number) => dv.setFloat64(o, v, le);
    const i32 = (o: number, v: number) => dv.setInt32(o, v, le);
    i32(0, NIFTI2_HEADER_SIZE);
    bytes.set(NIFTI2_MAGIC, 4);
    dv.setInt16(12, dt.code, le);
    dv.setInt16(14, dt.bytes * 8, le);
    dimAll.forEach((d, i) => {
      i64(16 + 8 * i, d);
    });
    h.intentP.forEach((v, i) => {
      f64(80 + 8 * i, v);
    });
    h.pixdim.slice(0, 8).forEach((v, i) => {
      f64(104 + 8 * i, v);
    });
    i64(168, total);
    f64(176, h.sclSlope);
    f64(184, h.sclInter);
    f64(192, h.calMax);
    f64(200, h.calMin);
    f64(208, h.sliceDuration);
    f64(216, h.toffset);
    i64(224, h.sliceStart);
    i64(232, h.sliceEnd);
    writeCString(bytes, 240, 80, h.descrip);
    writeCString(bytes, 320, 24, h.auxFile);
    i32(344, h.qformCode);
    i32(348, h.sformCode);
    const q = h.qform;
    [q.b, q.c, q.d, q.x, q.y, q.z].forEach((v, i) => {
      f64(352 + 8 * i, v);
    });
    for (let r = 0; r < 3; r++) {
      for (let c = 0; c < 4; c++) f64(400 + 32 * r + 8 * c, h.srow[r]![c]!);
    }
    i32(496, h.sliceCode);
    i32(500, h.xyztUnits);
    i32(504, h.intentCode);
    writeCString(bytes, 508, 16, h.intentName);
    dv.setUint8(524, h.dimInfo);
  }
  const size = headerSize(h.version);
  if (h.extensions.length > 0) {
    bytes[size] = 1;
    let p = size + 4;
    for (const e of h.extensions) {
      const esize = extensionSize(e);
      dv.setInt32(p, esize, le);
      dv.setInt32(p + 4, e.code, le);
      bytes.set(e.data, p + 8);
      p += esize;
    }
  }
  return bytes;
}

/** A header for an image with the geometry of `ref` (same affine, codes, voxel sizes, units) and new contents. */
export function headerLike(
  ref: NiftiHeader,
  overrides: Partial<Omit<NiftiHeader, 'dims'>> & { dims?: readonly number[] },
): NiftiHeaderInit {
  return {
    version: ref.version,
    littleEndian: true,
    dims: overrides.dims ?? ref.dims,
    pixdim: ref.pixdim,
    xyztUnits: ref.xyztUnits,
    qform: ref.qform,
    qformCode: ref.qformCode,
    srow: ref.srow,
    sformCode: ref.sformCode,
    dimInfo: ref.dimInfo,
    ...overrides,
  };
}
