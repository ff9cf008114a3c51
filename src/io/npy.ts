/**
 * NumPy `.npy` files (format versions 1.0, 2.0 and 3.0), read and written without
 * numpy. Spec: numpy's `numpy.lib.format` — magic `\x93NUMPY`, version, a header
 * length (u16 in 1.0, u32 in 2.0+), then a Python dict literal
 * `{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }` padded with spaces
 * and a newline so the data starts on a 64-byte boundary, then the raw data.
 *
 * Reading streams the data straight into one typed array (no second copy, no 2 GB
 * Buffer limit). Big-endian files are byte-swapped on read. Writing always produces
 * little-endian C-order data with a header byte-identical to numpy's, atomically.
 */
import { open } from 'node:fs/promises';
import { type DType, Matrix } from '../linalg/matrix.js';
import { openAtomicStream } from '../util/atomic.js';
import { UserError } from '../util/errors.js';
import { ELEMENT_TYPES, type ElementArray, type ElementTypeName, elementTypeOf } from './typed-arrays.js';

/** The element types we read, by numpy's name: the shared element types plus numpy's bool. */
export type NpyDType = ElementTypeName | 'bool';

export type NpyData = ElementArray;

/** An array as stored in a `.npy` file. `data` is in the file's order (see `fortranOrder`). */
export interface NpyArray {
  shape: number[];
  dtype: NpyDType;
  /** Elements in file order: C order (last axis fastest) unless `fortranOrder`. Bool → Uint8Array of 0/1. */
  data: NpyData;
  /** True when the file stores the first axis fastest (column-major for 2-D). */
  fortranOrder: boolean;
}

interface KindInfo {
  dtype: NpyDType;
  size: number;
  make: (buf: ArrayBuffer, offset: number, length: number) => NpyData;
}

/** numpy's type code of each element type (the kind letter and size of `descr`). */
const NUMPY_CODE: Record<ElementTypeName, string> = {
  float32: 'f4',
  float64: 'f8',
  int8: 'i1',
  uint8: 'u1',
  int16: 'i2',
  uint16: 'u2',
  int32: 'i4',
  uint32: 'u4',
  int64: 'i8',
  uint64: 'u8',
};

const KINDS: Record<string, KindInfo> = {
  ...Object.fromEntries(
    Object.values(ELEMENT_TYPES).map((e) => [
      NUMPY_CODE[e.name],
      { dtype: e.name, size: e.bytes, make: (b: ArrayBuffer, o: number, n: number) => e.view(b, o, n) },
    ]),
  ),
  b1: { dtype: 'bool', size: 1, make: (b, o, n) => new Uint8Array(b, o, n) },
};

const DESCR_OF: Record<NpyDType, string> = {
  float32: '<f4',
  float64: '<f8',
  int8: '|i1',
  uint8: '|u1',
  bool: '|b1',
  int16: '<i2',
  uint16: '<u2',
  int32: '<i4',
  uint32: '<u4',
  int64: '<i8',
  uint64: '<u8',
};

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

interface ParsedHeader {
  kind: KindInfo;
  bigEndian: boolean;
  fortranOrder: boolean;
  shape: number[];
  /** Byte offset of the data from the start of the file. */
  dataOffset: number;
  count: number;
}

interface HeaderDict {
  descr: string;
  fortran_order: boolean;
  shape: number[];
}

/**
 * Parses the header dict strictly, as numpy's own `safe_eval` would accept it: a
 * Python dict literal with exactly the keys descr (a string), fortran_order
 * (True/False) and shape (a tuple of non-negative integers), then spaces and a
 * newline. Anything else is named, not guessed around.
 */
function parseHeaderDict(text: string, file: string): HeaderDict {
  let i = 0;
  const fail = (why: string): never => {
    throw new UserError(
      `malformed .npy header dict: ${why} (header ${JSON.stringify(text.trim().slice(0, 120))})`,
      {
        file,
        field: 'header',
        hint: 'the file may be damaged or not written by numpy; save it again with numpy.save',
      },
    );
  };
  const ws = () => {
    while (i < text.length && /[ \t\r\n]/.test(text[i]!)) i++;
  };
  const expect = (c: string) => {
    ws();
    if (text[i] !== c)
      fail(
        `expected '${c}' at character ${i + 1}, found ${text[i] === undefined ? 'the end' : `'${text[i]}'`}`,
      );
    i++;
  };
  const str = (): string => {
    ws();
    const q = text[i];
    if (q !== "'" && q !== '"') fail(`expected a quoted string at character ${i + 1}`);
    const end = text.indexOf(q!, i + 1);
    if (end < 0) fail('a string is not closed');
    const v = text.slice(i + 1, end);
    i = end + 1;
    return v;
  };
  const value = (key: string): string | boolean | number[] => {
    ws();
    if (key === 'descr') return str();
    if (key === 'fortran_order') {
      for (const [w, v] of [
        ['True', true],
        ['False', false],
      ] as const) {
        if (text.startsWith(w, i)) {
          i += w.length;
          return v;
        }
      }
      return fail('fortran_order must be True or False');
    }
    expect('(');
    const dims: number[] = [];
    for (;;) {
      ws();
      if (text[i] === ')') break;
      const m = /^(\d+)L?/.exec(text.slice(i, i + 40));
      if (!m) fail(`shape must be a tuple of non-negative integers, found '${text.slice(i, i + 10)}'`);
      const d = Number(m![1]);
      if (!Number.isSafeInteger(d)) fail(`shape entry ${m![1]} is too large`);
      dims.push(d);
      i += m![0].length;
      ws();
      if (text[i] === ',') i++;
      else if (text[i] !== ')') fail(`expected ',' or ')' in shape at character ${i + 1}`);
    }
    i++;
    return dims;
  };
  expect('{');
  const seen: Record<string, unknown> = {};
  for (;;) {
    ws();
    if (text[i] === '}') break;
    const key = str();
    if (key !== 'descr' && key !== 'fortran_order' && key !== 'shape') fail(`unknown key '${key}'`);
    if (key in seen) fail(`key '${key}' appears twice`);
    expect(':');
    seen[key] = value(key);
    ws();
    if (text[i] === ',') i++;
    else if (text[i] !== '}') fail(`expected ',' or '}' at character ${i + 1}`);
  }
  i++;
  if (!/^[ \t\r\n\0]*$/.test(text.slice(i))) fail('text after the closing brace');
  for (const k of ['descr', 'fortran_order', 'shape']) if (!(k in seen)) fail(`key '${k}' is missing`);
  return seen as unknown as HeaderDict;
}

/** Parses the preamble + header dict; `bytes` must hold at least the whole header. */
function parseHeader(bytes: Uint8Array, file: string): ParsedHeader | { needBytes: number } {
  if (bytes.length < 10) return { needBytes: 10 };
  for (let i = 0; i < 6; i++) {
    if (bytes[i] !== MAGIC[i]) {
      throw new UserError('not a NumPy .npy file (bad magic bytes)', {
        file,
        hint: 'save the array with numpy.save(path, array)',
      });
    }
  }
  const major = bytes[6] as number;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let headerLen: number;
  let start: number;
  if (major === 1) {
    headerLen = view.getUint16(8, true);
    start = 10;
  } else if (major === 2 || major === 3) {
    if (bytes.length < 12) return { needBytes: 12 };
    headerLen = view.getUint32(8, true);
    start = 12;
  } else {
    throw new UserError(`unsupported .npy format version ${major}.${bytes[7]}`, {
      file,
      hint: 'save with a current numpy (format 1.0, 2.0 or 3.0)',
    });
  }
  if (bytes.length < start + headerLen) return { needBytes: start + headerLen };
  const header = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(
    bytes.subarray(start, start + headerLen),
  );
  const dict = parseHeaderDict(header, file);
  const { descr, fortran_order: fortranOrder, shape } = dict;
  const order = descr[0];
  const code = descr.slice(1);
  const kind = KINDS[code];
  if (!kind || !(order === '<' || order === '>' || order === '|' || order === '=')) {
    throw new UserError(`unsupported .npy dtype '${descr}'`, {
      file,
      field: 'descr',
      hint: 'convert the array first, e.g. numpy.save(path, a.astype(numpy.float32))',
    });
  }
  const count = shape.reduce((a, b) => a * b, 1);
  if (!Number.isSafeInteger(count * kind.size)) {
    throw new UserError(`.npy shape (${shape.join(', ')}) declares more data than any file can hold`, {
      file,
      field: 'shape',
      hint: 'the header is damaged; save the array again with numpy.save',
    });
  }
  return {
    kind,
    bigEndian: order === '>' && kind.size > 1,
    fortranOrder,
    shape,
    dataOffset: start + headerLen,
    count,
  };
}

function byteSwap(bytes: Uint8Array, size: number): void {
  for (let i = 0; i < bytes.length; i += size) {
    for (let a = i, b = i + size - 1; a < b; a++, b--) {
      const t = bytes[a] as number;
      bytes[a] = bytes[b] as number;
      bytes[b] = t;
    }
  }
}

function finish(h: ParsedHeader, dataBytes: Uint8Array, file: string, owned: boolean): NpyArray {
  const need = h.count * h.kind.size;
  if (dataBytes.length < need) {
    throw new UserError(
      `.npy file is truncated: the header promises ${need} data bytes, the file has ${dataBytes.length}`,
      { file, hint: 'the file was not completely written; create it again' },
    );
  }
  let bytes = dataBytes.subarray(0, need);
  // A copy when misaligned for the typed array, or to byte-swap without touching the caller's bytes.
  if (bytes.byteOffset % h.kind.size !== 0 || (h.bigEndian && !owned)) bytes = Uint8Array.from(bytes);
  if (h.bigEndian) byteSwap(bytes, h.kind.size);
  return {
    shape: h.shape,
    dtype: h.kind.dtype,
    data: h.kind.make(bytes.buffer as ArrayBuffer, bytes.byteOffset, h.count),
    fortranOrder: h.fortranOrder,
  };
}

/** Parses a whole `.npy` file held in memory (e.g. a member of an `.npz`). */
export function parseNpy(bytes: Uint8Array, file = '<memory>'): NpyArray {
  const h = parseHeader(bytes, file);
  if ('needBytes' in h) {
    throw new UserError('.npy data is truncated inside its header', { file });
  }
  return finish(h, bytes.subarray(h.dataOffset), file, false);
}

/** The shape and dtype of a `.npy` file from its header alone (for planning before reading). */
export async function readNpyHeader(
  path: string,
): Promise<{ shape: number[]; dtype: NpyDType; fortranOrder: boolean }> {
  const { fh, h } = await openNpy(path);
  await fh.close();
  return { shape: h.shape, dtype: h.kind.dtype, fortranOrder: h.fortranOrder };
}

/** Opens a `.npy` file and parses its header (reading more when it is longer than 4 KiB); the caller closes `fh`. */
async function openNpy(
  path: string,
): Promise<{ fh: Awaited<ReturnType<typeof open>>; size: number; h: ParsedHeader }> {
  let fh: Awaited<ReturnType<typeof open>>;
  try {
    fh = await open(path, 'r');
  } catch (e) {
    throw new UserError(`cannot open ${path}: ${(e as Error).message}`, {
      file: path,
      hint: 'check the path',
      cause: e,
    });
  }
  try {
    const size = (await fh.stat()).size;
    let head = new Uint8Array(Math.min(size, 4096));
    await readFully(fh, head, 0);
    let h = parseHeader(head, path);
    if ('needBytes' in h) {
      if (h.needBytes > size) throw new UserError('.npy file is truncated inside its header', { file: path });
      head = new Uint8Array(h.needBytes);
      await readFully(fh, head, 0);
      h = parseHeader(head, path);
      if ('needBytes' in h) throw new UserError('malformed .npy header', { file: path });
    }
    return { fh, size, h };
  } catch (e) {
    await fh.close();
    throw e;
  }
}

/** Reads a `.npy` file. Errors name the file and say how to fix it. */
export async function readNpy(path: string): Promise<NpyArray> {
  const { fh, size, h } = await openNpy(path);
  try {
    const need = h.count * h.kind.size;
    const have = size - h.dataOffset;
    if (have < need) {
      throw new UserError(
        `.npy file is truncated: the header promises ${need} data bytes, the file has ${have}`,
        { file: path, hint: 'the file was not completely written; create it again' },
      );
    }
    // Read straight into an aligned buffer sized for the typed array.
    const buf = new ArrayBuffer(need);
    const bytes = new Uint8Array(buf);
    await readFully(fh, bytes, h.dataOffset);
    return finish(h, bytes, path, true);
  } finally {
    await fh.close();
  }
}

async function readFully(
  fh: Awaited<ReturnType<typeof open>>,
  target: Uint8Array,
  position: number,
): Promise<void> {
  const CHUNK = 1 << 26;
  let done = 0;
  while (done < target.length) {
    const len = Math.min(CHUNK, target.length - done);
    const { bytesRead } = await fh.read(target, done, len, position + done);
    if (bytesRead === 0) break;
    done += bytesRead;
  }
}

/** The header numpy writes for this array (same bytes as `numpy.save`). */
export function npyHeader(dtype: NpyDType, shape: readonly number[], fortranOrder = false): Uint8Array {
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  const dict = `{'descr': '${DESCR_OF[dtype]}', 'fortran_order': ${fortranOrder ? 'True' : 'False'}, 'shape': ${shapeText}, }`;
  // numpy pads so that preamble + header + '\n' is a multiple of 64.
  let preamble = 10;
  let total = preamble + dict.length + 1;
  let pad = (64 - (total % 64)) % 64;
  let major = 1;
  if (dict.length + pad + 1 > 0xffff) {
    major = 2;
    preamble = 12;
    total = preamble + dict.length + 1;
    pad = (64 - (total % 64)) % 64;
  }
  const headerLen = dict.length + pad + 1;
  const out = new Uint8Array(preamble + headerLen);
  out.set(MAGIC, 0);
  out[6] = major;
  out[7] = 0;
  const view = new DataView(out.buffer);
  if (major === 1) view.setUint16(8, headerLen, true);
  else view.setUint32(8, headerLen, true);
  const text = `${dict}${' '.repeat(pad)}\n`;
  for (let i = 0; i < text.length; i++) out[preamble + i] = text.charCodeAt(i);
  return out;
}

function dtypeOfData(data: NpyData): NpyDType {
  return elementTypeOf(data) as NpyDType;
}

/** Serialises an array to `.npy` bytes (C order, little-endian). */
export function encodeNpy(data: NpyData, shape: readonly number[], dtype?: NpyDType): Uint8Array {
  checkShape(data, shape);
  const header = npyHeader(dtype ?? dtypeOfData(data), shape);
  const out = new Uint8Array(header.length + data.byteLength);
  out.set(header, 0);
  out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), header.length);
  return out;
}

function checkShape(data: NpyData, shape: readonly number[]): void {
  const count = shape.reduce((a, b) => a * b, 1);
  if (count !== data.length) {
    throw new UserError(`array has ${data.length} elements but shape (${shape.join(', ')}) needs ${count}`);
  }
}

/**
 * Writes `data` (C order, i.e. last axis fastest) with `shape` to `path` atomically.
 * Pass `dtype: 'bool'` to store a Uint8Array of 0/1 as numpy bools.
 */
export async function writeNpy(
  path: string,
  data: NpyData,
  shape: readonly number[],
  opts: { dtype?: NpyDType } = {},
): Promise<void> {
  checkShape(data, shape);
  const header = npyHeader(opts.dtype ?? dtypeOfData(data), shape);
  const out = await openAtomicStream(path);
  try {
    await writeChunk(out.stream, header);
    const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    const CHUNK = 1 << 24;
    for (let i = 0; i < bytes.length; i += CHUNK) await writeChunk(out.stream, bytes.subarray(i, i + CHUNK));
    await out.commit();
  } catch (e) {
    await out.abort();
    if (e instanceof UserError) throw e;
    throw new UserError(`cannot write ${path}: ${(e as Error).message}`, {
      file: path,
      hint: 'check that the folder is writable and the disk has room',
      cause: e,
    });
  }
}

function writeChunk(stream: NodeJS.WritableStream, chunk: Uint8Array): Promise<void> {
  return new Promise((resolve, reject) => {
    stream.write(chunk, (err) => (err ? reject(err) : resolve()));
  });
}

export interface ReadMatrixOptions {
  /** Convert to this precision (default: keep the file's float32/float64). */
  dtype?: DType;
  /** What a file is called in error messages (default: its path). */
  what?: string;
  /**
   * A 1-D array is taken as one column only where the caller documents it (e.g. Y
   * with one target); otherwise it is refused, so a flattened matrix is never read
   * as n × 1 by mistake. Default false.
   */
  vectorAsColumn?: boolean;
}

/**
 * Converts a float `.npy` array to a row-major `Matrix`. 2-D arrays keep their
 * shape; a 1-D array of length n becomes an n × 1 column. Fortran order is
 * transposed into row-major. Integer, bool and other dtypes are rejected.
 */
export function npyToMatrix(arr: NpyArray, file: string, opts: ReadMatrixOptions = {}): Matrix {
  const what = opts.what ?? 'array';
  if (arr.dtype !== 'float32' && arr.dtype !== 'float64') {
    throw new UserError(`${what} has dtype ${arr.dtype}; only float32 and float64 are accepted`, {
      file,
      field: 'dtype',
      hint: 'convert it in numpy: numpy.save(path, a.astype(numpy.float32))',
    });
  }
  if (arr.shape.length !== 1 && arr.shape.length !== 2) {
    throw new UserError(`${what} must be 2-D (rows × columns), got shape (${arr.shape.join(', ')})`, {
      file,
      field: 'shape',
      hint: 'reshape it in numpy, e.g. a.reshape(a.shape[0], -1)',
    });
  }
  if (arr.shape.length === 1 && !opts.vectorAsColumn) {
    throw new UserError(`${what} must be 2-D (rows × columns), got a 1-D array of ${arr.shape[0]}`, {
      file,
      field: 'shape',
      hint: 'if it is one column, save it as one: numpy.save(path, a.reshape(-1, 1))',
    });
  }
  const rows = arr.shape[0] as number;
  const cols = arr.shape.length === 2 ? (arr.shape[1] as number) : 1;
  let m = new Matrix(rows, cols, arr.data as Float32Array | Float64Array);
  if (arr.fortranOrder && arr.shape.length === 2) {
    // Column-major rows × cols is row-major cols × rows.
    m = new Matrix(cols, rows, m.data).transpose();
  }
  if (opts.dtype && opts.dtype !== m.dtype) m = m.astype(opts.dtype);
  return m;
}

/** Reads a 2-D float `.npy` file as a row-major `Matrix` (see `npyToMatrix`). */
export async function readNpyMatrix(path: string, opts: ReadMatrixOptions = {}): Promise<Matrix> {
  return npyToMatrix(await readNpy(path), path, opts);
}

/** Writes a `Matrix` as a 2-D C-order `.npy` (or 1-D when `asVector` and it has one row or column). */
export async function writeNpyMatrix(
  path: string,
  m: Matrix,
  opts: { asVector?: boolean } = {},
): Promise<void> {
  const shape = opts.asVector && (m.rows === 1 || m.cols === 1) ? [m.size] : [m.rows, m.cols];
  await writeNpy(path, m.data, shape);
}

/** Integer or float labels (e.g. run numbers per sample) as plain numbers; 1-D only. */
export function npyToNumbers(arr: NpyArray, file: string, what = 'array'): number[] {
  if (arr.shape.length !== 1 && !(arr.shape.length === 2 && arr.shape[1] === 1)) {
    throw new UserError(`${what} must be 1-D, got shape (${arr.shape.join(', ')})`, {
      file,
      field: 'shape',
      hint: 'save a 1-D array, e.g. numpy.save(path, labels.ravel())',
    });
  }
  const out: number[] = new Array(arr.data.length);
  for (let i = 0; i < arr.data.length; i++) out[i] = Number(arr.data[i]);
  return out;
}
