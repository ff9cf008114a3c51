/** Names of the numeric element types our file formats share (numpy's names). */
export type ElementTypeName =
  | 'int8'
  | 'uint8'
  | 'int16'
  | 'uint16'
  | 'int32'
  | 'uint32'
  | 'int64'
  | 'uint64'
  | 'float32'
  | 'float64';

/** The typed array of each element type (the one table: bytes and constructor). */
export type ElementArray =
  | Int8Array
  | Uint8Array
  | Int16Array
  | Uint16Array
  | Int32Array
  | Uint32Array
  | BigInt64Array
  | BigUint64Array
  | Float32Array
  | Float64Array;

export interface ElementType {
  readonly name: ElementTypeName;
  /** Bytes per element. */
  readonly bytes: number;
  readonly integer: boolean;
  /** A view of `length` elements over `buffer` from `byteOffset` (which must be aligned). */
  view(buffer: ArrayBufferLike, byteOffset: number, length: number): ElementArray;
  /** A fresh zeroed array of `length` elements. */
  alloc(length: number): ElementArray;
}

type Ctor = {
  new (buffer: ArrayBufferLike, byteOffset: number, length: number): ElementArray;
  new (length: number): ElementArray;
};

function element(name: ElementTypeName, bytes: number, integer: boolean, C: Ctor): ElementType {
  return {
    name,
    bytes,
    integer,
    view: (buffer, byteOffset, length) => new C(buffer, byteOffset, length),
    alloc: (length) => new C(length),
  };
}

/** Every element type the file formats share (NIfTI datatypes and .npy dtypes build on this). */
export const ELEMENT_TYPES: Readonly<Record<ElementTypeName, ElementType>> = {
  int8: element('int8', 1, true, Int8Array),
  uint8: element('uint8', 1, true, Uint8Array),
  int16: element('int16', 2, true, Int16Array),
  uint16: element('uint16', 2, true, Uint16Array),
  int32: element('int32', 4, true, Int32Array),
  uint32: element('uint32', 4, true, Uint32Array),
  int64: element('int64', 8, true, BigInt64Array),
  uint64: element('uint64', 8, true, BigUint64Array),
  float32: element('float32', 4, false, Float32Array),
  float64: element('float64', 8, false, Float64Array),
};

/** Every typed array of numbers, including Uint8ClampedArray (read as uint8). */
export type NumericArray = ElementArray | Uint8ClampedArray;

/** The element type a typed array holds (Float32Array → float32, Uint8ClampedArray → uint8, …). */
export function elementTypeOf(a: NumericArray): ElementTypeName {
  if (a instanceof Float32Array) return 'float32';
  if (a instanceof Float64Array) return 'float64';
  if (a instanceof Uint8Array || a instanceof Uint8ClampedArray) return 'uint8';
  if (a instanceof Int8Array) return 'int8';
  if (a instanceof Int16Array) return 'int16';
  if (a instanceof Uint16Array) return 'uint16';
  if (a instanceof Int32Array) return 'int32';
  if (a instanceof Uint32Array) return 'uint32';
  if (a instanceof BigInt64Array) return 'int64';
  return 'uint64';
}
