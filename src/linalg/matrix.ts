/**
 * Dense matrices for the numeric engine.
 *
 * Storage is ROW-MAJOR (C order): element (i, j) lives at `data[i * cols + j]`,
 * the same layout as a C-order `.npy` file and numpy's default. The native backend
 * maps row-major calls onto column-major BLAS/LAPACK by the usual transpose identities.
 */
import { UserError } from '../util/errors.js';

export type DType = 'float32' | 'float64';
export type FloatArray = Float32Array | Float64Array;
export type ArrayFor<D extends DType> = D extends 'float32' ? Float32Array : Float64Array;

export function dtypeOf(a: FloatArray): DType {
  return a instanceof Float32Array ? 'float32' : 'float64';
}

export function allocate<D extends DType>(dtype: D, length: number): ArrayFor<D> {
  return (dtype === 'float32' ? new Float32Array(length) : new Float64Array(length)) as ArrayFor<D>;
}

/** A rows × cols matrix over a Float32Array or Float64Array, row-major. */
export class Matrix<T extends FloatArray = FloatArray> {
  readonly rows: number;
  readonly cols: number;
  readonly data: T;

  /** Wraps `data` without copying; `data.length` must equal rows × cols. */
  constructor(rows: number, cols: number, data: T) {
    if (!Number.isInteger(rows) || !Number.isInteger(cols) || rows < 0 || cols < 0) {
      throw new UserError(`matrix shape must be two non-negative integers, got ${rows} × ${cols}`);
    }
    if (data.length !== rows * cols) {
      throw new UserError(
        `matrix data has ${data.length} elements but the shape ${rows} × ${cols} needs ${rows * cols}`,
      );
    }
    this.rows = rows;
    this.cols = cols;
    this.data = data;
  }

  static zeros<D extends DType = 'float64'>(rows: number, cols: number, dtype?: D): Matrix<ArrayFor<D>> {
    return new Matrix(rows, cols, allocate((dtype ?? 'float64') as D, rows * cols));
  }

  static identity<D extends DType = 'float64'>(n: number, dtype?: D): Matrix<ArrayFor<D>> {
    const m = Matrix.zeros(n, n, dtype);
    for (let i = 0; i < n; i++) m.data[i * n + i] = 1;
    return m;
  }

  /** From nested rows (all the same length). */
  static fromRows<D extends DType = 'float64'>(
    rows: readonly (readonly number[])[],
    dtype?: D,
  ): Matrix<ArrayFor<D>> {
    const r = rows.length;
    const c = r === 0 ? 0 : (rows[0] as readonly number[]).length;
    const m = Matrix.zeros(r, c, dtype);
    for (let i = 0; i < r; i++) {
      const row = rows[i] as readonly number[];
      if (row.length !== c) throw new UserError(`row ${i} has ${row.length} values, expected ${c}`);
      for (let j = 0; j < c; j++) m.data[i * c + j] = row[j] as number;
    }
    return m;
  }

  /** Builds a matrix whose (i, j) entry is f(i, j). */
  static build<D extends DType = 'float64'>(
    rows: number,
    cols: number,
    f: (i: number, j: number) => number,
    dtype?: D,
  ): Matrix<ArrayFor<D>> {
    const m = Matrix.zeros(rows, cols, dtype);
    for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) m.data[i * cols + j] = f(i, j);
    return m;
  }

  get dtype(): DType {
    return dtypeOf(this.data);
  }

  get size(): number {
    return this.data.length;
  }

  get shape(): [number, number] {
    return [this.rows, this.cols];
  }

  get(i: number, j: number): number {
    return this.data[i * this.cols + j] as number;
  }

  set(i: number, j: number, v: number): void {
    this.data[i * this.cols + j] = v;
  }

  /** Row i as a view (no copy). */
  row(i: number): T {
    return this.data.subarray(i * this.cols, (i + 1) * this.cols) as T;
  }

  /** Column j as a copy. */
  col(j: number): T {
    const out = allocate(this.dtype, this.rows) as T;
    for (let i = 0; i < this.rows; i++) out[i] = this.data[i * this.cols + j] as number;
    return out;
  }

  /** Rows [start, end) as a view sharing the same buffer. */
  rowSlice(start: number, end: number): Matrix<T> {
    return new Matrix(end - start, this.cols, this.data.subarray(start * this.cols, end * this.cols) as T);
  }

  /** The selected rows, copied, in the given order. */
  takeRows(indices: ArrayLike<number>): Matrix<T> {
    const out = allocate(this.dtype, indices.length * this.cols) as T;
    for (let k = 0; k < indices.length; k++) {
      const i = indices[k] as number;
      out.set(this.data.subarray(i * this.cols, (i + 1) * this.cols), k * this.cols);
    }
    return new Matrix(indices.length, this.cols, out);
  }

  /** The selected columns, copied, in the given order. */
  takeCols(indices: ArrayLike<number>): Matrix<T> {
    const n = indices.length;
    const out = allocate(this.dtype, this.rows * n) as T;
    for (let i = 0; i < this.rows; i++) {
      const base = i * this.cols;
      for (let k = 0; k < n; k++) out[i * n + k] = this.data[base + (indices[k] as number)] as number;
    }
    return new Matrix(this.rows, n, out);
  }

  clone(): Matrix<T> {
    return new Matrix(this.rows, this.cols, this.data.slice() as T);
  }

  /** A copy in another precision (a copy even when the dtype is the same). */
  astype<D extends DType>(dtype: D): Matrix<ArrayFor<D>> {
    const out = allocate(dtype, this.size);
    out.set(this.data);
    return new Matrix(this.rows, this.cols, out);
  }

  /** Transposed copy (blocked, so large matrices stay cache-friendly). */
  transpose(): Matrix<T> {
    const { rows, cols } = this;
    const out = allocate(this.dtype, rows * cols) as T;
    const src = this.data;
    const B = 64;
    for (let i0 = 0; i0 < rows; i0 += B) {
      const i1 = Math.min(rows, i0 + B);
      for (let j0 = 0; j0 < cols; j0 += B) {
        const j1 = Math.min(cols, j0 + B);
        for (let i = i0; i < i1; i++) {
          const base = i * cols;
          for (let j = j0; j < j1; j++) out[j * rows + i] = src[base + j] as number;
        }
      }
    }
    return new Matrix(cols, rows, out);
  }

  /** Nested arrays, for tests and small printouts. */
  toRows(): number[][] {
    const out: number[][] = [];
    for (let i = 0; i < this.rows; i++) out.push(Array.from(this.row(i)));
    return out;
  }

  /** Throws a UserError naming the first non-finite entry, if any. */
  assertFinite(what = 'matrix'): void {
    const d = this.data;
    for (let k = 0; k < d.length; k++) {
      if (!Number.isFinite(d[k] as number)) {
        const i = Math.floor(k / this.cols);
        const j = k % this.cols;
        throw new UserError(`${what} has a non-finite value (${d[k]}) at row ${i}, column ${j}`, {
          hint: 'remove or impute NaN/Inf values before fitting',
        });
      }
    }
  }
}

/** Throws unless `cond`; for shape checks with a clear message. */
export function assertShape(cond: boolean, message: string): asserts cond {
  if (!cond) throw new UserError(message);
}
