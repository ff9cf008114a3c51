/**
 * NIfTI datatypes: header code ↔ name, bytes per voxel, the typed array that holds
 * them, and the value range (for writing integers). One table, so readers, writers
 * and the CLI agree.
 */

import { ELEMENT_TYPES, type ElementArray, type ElementTypeName, elementTypeOf } from '../typed-arrays.js';

/** NIfTI datatypes we read and write, by numpy's name (the shared element types). */
export type NiftiDatatype = ElementTypeName;

/** Any typed array that holds one NIfTI datatype's voxels. */
export type VoxelArray = ElementArray;

/** Typed arrays of plain numbers (everything but the 64-bit integer arrays). */
export type NumberVoxelArray = Exclude<VoxelArray, BigInt64Array | BigUint64Array>;

export interface DatatypeInfo {
  readonly name: NiftiDatatype;
  /** The `datatype` code of the header. */
  readonly code: number;
  readonly bytes: number;
  readonly integer: boolean;
  /** Smallest and largest storable value (integers; ±Infinity for floats). */
  readonly min: number;
  readonly max: number;
  /** Whether float32 represents every stored value exactly (else reads default to float64). */
  readonly exactInFloat32: boolean;
  /** Builds a view of `length` voxels over `buffer` from `byteOffset` (which must be aligned). */
  view(buffer: ArrayBufferLike, byteOffset: number, length: number): VoxelArray;
  /** A fresh zeroed array of `length` voxels. */
  alloc(length: number): VoxelArray;
}

function info(
  name: NiftiDatatype,
  code: number,
  min: number,
  max: number,
  exactInFloat32: boolean,
): DatatypeInfo {
  const e = ELEMENT_TYPES[name];
  return {
    name,
    code,
    bytes: e.bytes,
    integer: e.integer,
    min,
    max,
    exactInFloat32,
    view: e.view,
    alloc: e.alloc,
  };
}

/** Every supported datatype, by name. */
export const DATATYPES: Readonly<Record<NiftiDatatype, DatatypeInfo>> = {
  uint8: info('uint8', 2, 0, 255, true),
  int8: info('int8', 256, -128, 127, true),
  int16: info('int16', 4, -32768, 32767, true),
  uint16: info('uint16', 512, 0, 65535, true),
  int32: info('int32', 8, -2147483648, 2147483647, false),
  uint32: info('uint32', 768, 0, 4294967295, false),
  int64: info('int64', 1024, Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER, false),
  uint64: info('uint64', 1280, 0, Number.MAX_SAFE_INTEGER, false),
  float32: info('float32', 16, Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY, true),
  float64: info('float64', 64, Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY, false),
};

/** Codes the standard defines that we recognise but cannot hold as one number per voxel. */
const UNSUPPORTED_CODES: Readonly<Record<number, string>> = {
  1: 'binary (1 bit)',
  32: 'complex64',
  128: 'rgb24',
  1536: 'float128',
  1792: 'complex128',
  2048: 'complex256',
  2304: 'rgba32',
};

const BY_CODE: ReadonlyMap<number, DatatypeInfo> = new Map(Object.values(DATATYPES).map((d) => [d.code, d]));

/** The datatype of a header code, or a description of why it is not supported. */
export function datatypeFromCode(code: number): DatatypeInfo | { unsupported: string } {
  const d = BY_CODE.get(code);
  if (d) return d;
  return { unsupported: UNSUPPORTED_CODES[code] ?? `unknown code ${code}` };
}

export function isDatatypeName(name: string): name is NiftiDatatype {
  return Object.hasOwn(DATATYPES, name);
}

/** The datatype a typed array holds (Float32Array → float32, …). */
export function datatypeOfArray(a: VoxelArray): NiftiDatatype {
  return elementTypeOf(a);
}

/** Swaps the byte order of `bytes` in place, `size` bytes per element (Buffer's native swaps). */
export function swapBytes(bytes: Buffer, size: number): void {
  if (size === 2) bytes.swap16();
  else if (size === 4) bytes.swap32();
  else if (size === 8) bytes.swap64();
}
