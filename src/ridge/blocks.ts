/**
 * Small dense helpers the ridge engine needs around the backend's BLAS/LAPACK
 * calls: float64 column means, gathering a row subset × column range with centring,
 * row scaling and column scattering. All O(size) loops over row-major data.
 */
import { allocate, type FloatArray, Matrix } from '../linalg/matrix.js';

/** Column means in float64 of columns [c0, c1), over all rows or over `rows` (indices) when given. */
export function columnMeans(m: Matrix, rows?: Int32Array, c0 = 0, c1 = m.cols): Float64Array {
  const { cols, data } = m;
  const w = c1 - c0;
  const acc = new Float64Array(w);
  const n = rows ? rows.length : m.rows;
  for (let k = 0; k < n; k++) {
    const o = (rows ? (rows[k] as number) : k) * cols + c0;
    for (let j = 0; j < w; j++) acc[j] += data[o + j] as number;
  }
  if (n > 0) for (let j = 0; j < w; j++) acc[j] /= n;
  return acc;
}

/**
 * Copies rows `rows` (all when null) and columns [c0, c1) of `m`, subtracting
 * `shift[j - c0]` from column j when `shift` is given. Result: n_rows × (c1 − c0).
 */
export function gather<T extends FloatArray>(
  m: Matrix<T>,
  rows: Int32Array | null,
  c0 = 0,
  c1 = m.cols,
  shift: Float64Array | null = null,
): Matrix<T> {
  const w = c1 - c0;
  const n = rows ? rows.length : m.rows;
  const out = allocate(m.dtype, n * w) as T;
  const src = m.data;
  for (let k = 0; k < n; k++) {
    const so = (rows ? (rows[k] as number) : k) * m.cols + c0;
    const oo = k * w;
    if (shift) for (let j = 0; j < w; j++) out[oo + j] = (src[so + j] as number) - (shift[j] as number);
    else out.set(src.subarray(so, so + w), oo);
  }
  return new Matrix(n, w, out);
}

/** B[i, j] /= (lambda[i] + alpha[j]), in place: applies (Λ + α_j)⁻¹ to column j of B (k × t). */
export function scaleByShiftedInverse(B: Matrix, lambda: Float64Array, alphas: ArrayLike<number>): void {
  const { rows, cols, data } = B;
  for (let i = 0; i < rows; i++) {
    const l = lambda[i] as number;
    const o = i * cols;
    for (let j = 0; j < cols; j++) data[o + j] = (data[o + j] as number) / (l + (alphas[j] as number));
  }
}

/** out = M with column i scaled by 1 / (lambda[i] + alpha), i.e. M (Λ + α)⁻¹. */
export function scaleColumns<T extends FloatArray>(
  M: Matrix<T>,
  lambda: Float64Array,
  alpha: number,
  out: Matrix<T>,
): void {
  const f = new Float64Array(M.cols);
  for (let i = 0; i < M.cols; i++) f[i] = 1 / ((lambda[i] as number) + alpha);
  scaleColumnsBy(M, f, out);
}

/** out = M diag(f): column i of M scaled by f[i] (M, out: rows × cols; f: cols). */
export function scaleColumnsBy<T extends FloatArray>(M: Matrix<T>, f: Float64Array, out: Matrix<T>): void {
  const { rows, cols } = M;
  // Locals, not `M.data[…]` in the loop: the dual solver calls this per fold and alpha
  // on n_val × n matrices, and the property loads had doubled its cost.
  const src = M.data;
  const dst = out.data;
  for (let r = 0; r < rows; r++) {
    const base = r * cols;
    for (let i = 0; i < cols; i++) dst[base + i] = (src[base + i] as number) * (f[i] as number);
  }
}

/** Writes columns [s0, s0 + w) of `src` (rows × any) into columns [c0, c0 + w) of `dst` (rows × cols). */
export function scatterCols(dst: Matrix, src: Matrix, c0: number, s0 = 0, w = src.cols - s0): void {
  const sc = src.cols;
  for (let i = 0; i < src.rows; i++) {
    dst.data.set(src.data.subarray(i * sc + s0, i * sc + s0 + w), i * dst.cols + c0);
  }
}

/**
 * A fixed grid over the targets of a larger problem, so that a target's numbers do not
 * depend on how the targets are split between fits or batches. OpenBLAS computes an
 * element of a product with a code path (micro-kernel, edge tile, thread share) chosen
 * from the call's shape and the element's place in it, so the same column gives results
 * that differ in the last bits when it is multiplied as part of 24 columns or of 5. On a
 * grid, every product over targets is made one grid block at a time, at the block's full
 * width (columns of the block outside this fit are zeros), so each target is always
 * computed at the same place of a product of the same shape.
 */
export interface TargetGrid {
  /** Grid position of this fit's first target (e.g. its first voxel in the whole mask). */
  offset: number;
  /** Block width: blocks are [k·width, (k + 1)·width) ∩ [0, total). */
  width: number;
  /** Targets of the whole problem (the last block is narrower when width does not divide it). */
  total: number;
}

/**
 * A batch of targets: this fit's columns [j0, j1), placed at columns [lead, lead + j1 − j0)
 * of a `width`-wide block (the other columns are padding).
 */
export interface TargetBatch {
  j0: number;
  j1: number;
  lead: number;
  width: number;
}

/** The target batches of a fit of t targets: runs of `batch` targets, or the grid's blocks. */
export function targetBatches(t: number, batch: number, grid?: TargetGrid): TargetBatch[] {
  const out: TargetBatch[] = [];
  if (!grid) {
    for (let j0 = 0; j0 < t; j0 += batch) {
      const j1 = Math.min(t, j0 + batch);
      out.push({ j0, j1, lead: 0, width: j1 - j0 });
    }
    return out;
  }
  const { offset, width, total } = grid;
  if (
    !Number.isInteger(offset) ||
    !Number.isInteger(width) ||
    !Number.isInteger(total) ||
    offset < 0 ||
    width < 1 ||
    offset + t > total
  ) {
    throw new Error(
      `target grid {offset ${offset}, width ${width}, total ${total}} does not hold ${t} targets`,
    );
  }
  for (let a = offset - (offset % width); a < offset + t; a += width) {
    const end = Math.min(total, a + width);
    const g0 = Math.max(a, offset);
    out.push({ j0: g0 - offset, j1: Math.min(end, offset + t) - offset, lead: g0 - a, width: end - a });
  }
  return out;
}

/**
 * `gather` of columns [b.j0, b.j1) into a b.width-wide block at column b.lead, the other
 * columns zero (`shift[j − b.j0]` is subtracted from column j when given). With
 * `scratch`, the block is written into its leading elements (it must hold
 * n_rows × b.width) and views it: valid until the scratch is written again.
 */
export function gatherBlock<T extends FloatArray>(
  m: Matrix<T>,
  rows: Int32Array | null,
  b: TargetBatch,
  shift: Float64Array | null = null,
  scratch: T | null = null,
): Matrix<T> {
  const n = b.j1 - b.j0;
  const nr = rows ? rows.length : m.rows;
  if (!scratch && b.lead === 0 && b.width === n) return gather(m, rows, b.j0, b.j1, shift);
  if (scratch && scratch.length < nr * b.width) {
    throw new Error(`gatherBlock: scratch of ${scratch.length} elements, ${nr * b.width} needed`);
  }
  const out = scratch ? (scratch.subarray(0, nr * b.width) as T) : (allocate(m.dtype, nr * b.width) as T);
  // A reused buffer holds the last block: clear the padding (a fresh one is zeros).
  if (scratch && (b.lead !== 0 || b.width !== n)) out.fill(0);
  const src = m.data;
  for (let k = 0; k < nr; k++) {
    const so = (rows ? (rows[k] as number) : k) * m.cols + b.j0;
    const oo = k * b.width + b.lead;
    if (shift) for (let j = 0; j < n; j++) out[oo + j] = (src[so + j] as number) - (shift[j] as number);
    else out.set(src.subarray(so, so + n), oo);
  }
  return new Matrix(nr, b.width, out);
}

/** Eigenvalues as float64, clamped at 0 (rounding can make a PSD matrix's smallest ones slightly negative). */
export function clampedEigenvalues(values: FloatArray): Float64Array {
  const out = new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = Math.max(0, values[i] as number);
  return out;
}

const SCAN_BLOCK = 2048;

/** What one pass over a matrix learns: column means (float64) and which columns are constant. */
export interface ColumnScan {
  means: Float64Array;
  /** 1 where every row holds the same value. */
  constant: Uint8Array;
}

/**
 * One pass over M (instead of one each for finiteness, means and constant columns,
 * which matters for a 60,000-column X). Throws a UserError naming the first NaN/Inf.
 */
export function scanColumns(M: Matrix, what: string): ColumnScan {
  const { rows, cols, data } = M;
  const sum = new Float64Array(cols);
  const varies = new Uint8Array(cols);
  // Column blocks keep the block's sums, flags and first row in L1 while the rows
  // stream past (on a 60,000-column X the whole-row arrays do not fit in L2).
  for (let j0 = 0; j0 < cols; j0 += SCAN_BLOCK) {
    const j1 = Math.min(cols, j0 + SCAN_BLOCK);
    for (let i = 0; i < rows; i++) {
      const o = i * cols;
      for (let j = j0; j < j1; j++) {
        const v = data[o + j] as number;
        sum[j] += v;
        if (v !== data[j]) varies[j] = 1;
      }
    }
  }
  // A NaN/Inf anywhere makes its column sum non-finite; locate it only then.
  for (let j = 0; j < cols; j++) {
    if (!Number.isFinite(sum[j] as number)) {
      M.assertFinite(what);
      break;
    }
  }
  const constant = new Uint8Array(cols);
  for (let j = 0; j < cols; j++) {
    sum[j] = rows > 0 ? (sum[j] as number) / rows : 0;
    constant[j] = varies[j] ? 0 : 1;
  }
  return { means: sum, constant };
}
