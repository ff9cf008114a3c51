/**
 * `CheckedBackend`: the one implementation of the `Backend` interface. It checks
 * every input (dtypes, shapes, NaN/Inf, symmetry, definiteness), answers the empty
 * cases, allocates outputs, and hands the dense work to a `Kernels` implementation
 * (native or portable). Keeping the checks here means both backends reject bad
 * input with the same clear messages, and the kernels stay small.
 */
import { totalmem } from 'node:os';
import { UserError } from '../util/errors.js';
import type { Backend, BackendInfo, EighResult, GemmOptions, SvdResult, SyrkOptions } from './backend.js';
import type { Kernels } from './kernels.js';
import { allocate, type DType, type FloatArray, Matrix } from './matrix.js';

/**
 * Largest |A_ij − A_ji| accepted by eigh/cholesky, relative to max |A_ij|. Products
 * like Xᵀ·X computed by gemm are symmetric only up to rounding, so the tolerance
 * is a few hundred ulps of the dtype, well below any real asymmetry.
 */
export const SYMMETRY_TOLERANCE = { float32: 1e-4, float64: 1e-10 } as const;

function describe(M: Matrix): string {
  return `${M.rows} × ${M.cols} ${M.dtype}`;
}

function sameDtype(op: string, ...ms: [string, Matrix][]): void {
  const [firstName, first] = ms[0] as [string, Matrix];
  for (const [name, m] of ms.slice(1)) {
    if (m.dtype !== first.dtype) {
      throw new UserError(
        `${op}: ${firstName} is ${first.dtype} but ${name} is ${m.dtype}; both operands must share a dtype`,
        { hint: `convert one of them with .astype('${first.dtype}')` },
      );
    }
  }
}

function finiteScalar(op: string, name: string, v: number): void {
  if (typeof v !== 'number' || !Number.isFinite(v)) {
    throw new UserError(`${op}: ${name} must be a finite number, got ${v}`);
  }
}

/** BLAS/LAPACK take 32-bit dimensions. */
const MAX_DIM = 2 ** 31 - 1;

/**
 * A new zeroed array for an output, refused with a clear message (before the
 * allocation) when it cannot fit: a dimension beyond 32-bit BLAS, or more bytes
 * than this machine has memory.
 */
function alloc<T extends FloatArray>(op: string, dtype: DType, rows: number, cols: number, what: string): T {
  if (rows > MAX_DIM || cols > MAX_DIM) {
    throw new UserError(
      `${op}: ${what} would be ${rows} × ${cols}, beyond the 2^31 − 1 limit of BLAS dimensions`,
    );
  }
  const bytes = rows * cols * (dtype === 'float32' ? 4 : 8);
  if (bytes > 0.9 * totalmem()) {
    const gb = (x: number) => (x / 2 ** 30).toFixed(1);
    throw new UserError(
      `${op}: ${what} (${rows} × ${cols} ${dtype}) needs ${gb(bytes)} GiB but this machine has ${gb(totalmem())} GiB of memory`,
      { hint: 'process the data in smaller batches (fewer rows or targets per call), or use float32' },
    );
  }
  return allocate(dtype, rows * cols) as T;
}

function square(op: string, name: string, M: Matrix): number {
  if (M.rows !== M.cols) {
    throw new UserError(`${op}: ${name} must be square, got ${describe(M)}`);
  }
  return M.rows;
}

export class CheckedBackend implements Backend {
  readonly info: BackendInfo;
  private readonly k: Kernels;

  constructor(kernels: Kernels, info: BackendInfo) {
    this.k = kernels;
    this.info = info;
  }

  /** Throws a UserError naming the first NaN/Inf of M (fast path through the kernel). */
  private finite(op: string, name: string, M: Matrix): void {
    const at = this.k.firstNonFinite(M.data);
    if (at < 0) return;
    const i = Math.floor(at / Math.max(1, M.cols));
    const j = at % Math.max(1, M.cols);
    throw new UserError(`${op}: ${name} has a non-finite value (${M.data[at]}) at row ${i}, column ${j}`, {
      hint: 'remove or impute NaN/Inf values first',
    });
  }

  /**
   * Rejects a clearly non-symmetric matrix: |A_ij − A_ji| > SYMMETRY_TOLERANCE · scale,
   * where scale is max |A_ij|, or for a matrix about to be Cholesky-factored the
   * largest diagonal entry (which bounds every entry of an SPD matrix, and costs n
   * reads instead of n²; a non-SPD matrix is rejected by the factorisation anyway).
   */
  private symmetric(op: string, name: string, A: Matrix, scaleFromDiagonal = false): void {
    const n = A.rows;
    let scale = 0;
    if (scaleFromDiagonal)
      for (let i = 0; i < n; i++) scale = Math.max(scale, Math.abs(A.data[i * n + i] as number));
    else scale = this.k.maxAbs(A.data);
    const at = this.k.firstAsymmetric(n, A.data, SYMMETRY_TOLERANCE[A.dtype] * scale);
    if (at < 0) return;
    const i = Math.floor(at / n);
    const j = at % n;
    const a = A.data[i * n + j] as number;
    const b = A.data[j * n + i] as number;
    throw new UserError(
      `${op}: ${name} is not symmetric: entry (${i}, ${j}) = ${a} but (${j}, ${i}) = ${b} ` +
        `(differs by more than ${SYMMETRY_TOLERANCE[A.dtype]} × ${scaleFromDiagonal ? 'its largest diagonal entry' : `max |${name}|`})`,
      { hint: 'pass a symmetric matrix, e.g. (A + Aᵀ)/2, or use svd for a general matrix' },
    );
  }

  async gemm<T extends FloatArray>(
    A: Matrix<T>,
    B: Matrix<T>,
    opts: GemmOptions<T> = {},
  ): Promise<Matrix<T>> {
    const op = 'gemm';
    const transA = opts.transA ?? false;
    const transB = opts.transB ?? false;
    const alpha = opts.alpha ?? 1;
    const beta = opts.beta ?? 0;
    finiteScalar(op, 'alpha', alpha);
    finiteScalar(op, 'beta', beta);
    sameDtype(op, ['A', A], ['B', B], ...(opts.out ? ([['out', opts.out]] as [string, Matrix][]) : []));
    const m = transA ? A.cols : A.rows;
    const kA = transA ? A.rows : A.cols;
    const kB = transB ? B.cols : B.rows;
    const n = transB ? B.rows : B.cols;
    if (kA !== kB) {
      throw new UserError(
        `gemm: inner dimensions differ: op(A) is ${m} × ${kA} (A ${describe(A)}${transA ? ', transposed' : ''}) ` +
          `but op(B) is ${kB} × ${n} (B ${describe(B)}${transB ? ', transposed' : ''})`,
        { hint: 'check the operand order and the transA/transB flags' },
      );
    }
    let C: Matrix<T>;
    if (opts.out) {
      C = opts.out;
      if (C.rows !== m || C.cols !== n) {
        throw new UserError(`gemm: out is ${C.rows} × ${C.cols} but op(A)·op(B) is ${m} × ${n}`);
      }
      if (overlaps(C.data, A.data) || overlaps(C.data, B.data)) {
        throw new UserError('gemm: out must not share memory with A or B', {
          hint: 'pass a separate out matrix',
        });
      }
      if (beta !== 0) this.finite(op, 'out', C);
    } else {
      C = new Matrix(m, n, alloc<T>(op, A.dtype, m, n, 'the product'));
    }
    if (!opts.assumeFinite?.A) this.finite(op, 'A', A);
    if (!opts.assumeFinite?.B) this.finite(op, 'B', B);
    if (m === 0 || n === 0) return C;
    if (kA === 0) {
      // No products: C = beta · C (BLAS conventions; beta = 0 clears).
      const c = C.data;
      if (beta === 0) c.fill(0);
      else if (beta !== 1) for (let t = 0; t < c.length; t++) c[t] = beta * (c[t] as number);
      return C;
    }
    await this.k.gemm(transA, transB, m, n, kA, alpha, A.data, B.data, beta, C.data);
    return C;
  }

  async syrk<T extends FloatArray>(A: Matrix<T>, opts: SyrkOptions = {}): Promise<Matrix<T>> {
    const trans = opts.trans ?? false;
    const alpha = opts.alpha ?? 1;
    finiteScalar('syrk', 'alpha', alpha);
    const n = trans ? A.cols : A.rows;
    const k = trans ? A.rows : A.cols;
    if (!opts.assumeFinite) this.finite('syrk', 'A', A);
    const C = new Matrix(n, n, alloc<T>('syrk', A.dtype, n, n, 'the product'));
    if (n === 0 || k === 0) return C;
    await this.k.syrk(trans, n, k, alpha, A.data, C.data);
    return C;
  }

  async eigh<T extends FloatArray>(A: Matrix<T>): Promise<EighResult<T>> {
    const n = square('eigh', 'A', A);
    this.finite('eigh', 'A', A);
    this.symmetric('eigh', 'A', A);
    const V = A.clone();
    const w = allocate(A.dtype, n) as T;
    if (n === 0) return { values: w, vectors: V };
    const info = await this.k.eigh(n, V.data, w);
    if (info !== 0) {
      throw new UserError(
        `eigh: the eigensolver did not converge (LAPACK info ${info}) on a ${n} × ${n} matrix`,
        {
          hint: 'the matrix may be badly scaled; rescale it or use float64',
        },
      );
    }
    return { values: w, vectors: V };
  }

  async cholesky<T extends FloatArray>(A: Matrix<T>): Promise<Matrix<T>> {
    const n = square('cholesky', 'A', A);
    this.finite('cholesky', 'A', A);
    this.symmetric('cholesky', 'A', A, true);
    const L = A.clone();
    if (n === 0) return L;
    const info = await this.k.potrf(n, L.data);
    if (info > 0) {
      throw new UserError(
        `cholesky: A (${describe(A)}) is not positive definite: the leading minor of order ${info} is not positive`,
        { hint: 'add a ridge to the diagonal (A + λI, λ > 0) or check that A = XᵀX has full rank' },
      );
    }
    if (info < 0)
      throw new Error(`cholesky: LAPACK rejected argument ${-info} (a bug in the numeric engine)`);
    return L;
  }

  async choleskySolve<T extends FloatArray>(L: Matrix<T>, B: Matrix<T>): Promise<Matrix<T>> {
    const n = square('choleskySolve', 'L', L);
    sameDtype('choleskySolve', ['L', L], ['B', B]);
    if (B.rows !== n) {
      throw new UserError(`choleskySolve: B has ${B.rows} rows but L is ${n} × ${n}; B must be ${n} × m`);
    }
    this.finite('choleskySolve', 'L', L);
    for (let i = 0; i < n; i++) {
      if (!((L.data[i * n + i] as number) > 0)) {
        throw new UserError(
          `choleskySolve: L has a non-positive diagonal entry ${L.data[i * n + i]} at (${i}, ${i})`,
          {
            hint: 'pass the factor returned by cholesky(A)',
          },
        );
      }
    }
    this.finite('choleskySolve', 'B', B);
    return this.solveFactored(L, B);
  }

  /** The solve itself, for a factor and right-hand side already checked. */
  private async solveFactored<T extends FloatArray>(L: Matrix<T>, B: Matrix<T>): Promise<Matrix<T>> {
    const X = B.clone();
    if (L.rows === 0 || B.cols === 0) return X;
    await this.k.potrs(L.rows, B.cols, L.data, X.data);
    return X;
  }

  async solveSPD<T extends FloatArray>(A: Matrix<T>, B: Matrix<T>): Promise<Matrix<T>> {
    sameDtype('solveSPD', ['A', A], ['B', B]);
    if (B.rows !== A.rows) {
      throw new UserError(`solveSPD: B has ${B.rows} rows but A is ${describe(A)}; B must be ${A.rows} × m`);
    }
    this.finite('solveSPD', 'B', B);
    const L = await this.cholesky(A);
    return this.solveFactored(L, B);
  }

  async svd<T extends FloatArray>(A: Matrix<T>): Promise<SvdResult<T>> {
    this.finite('svd', 'A', A);
    const { rows: m, cols: n } = A;
    const k = Math.min(m, n);
    const U = new Matrix(m, k, alloc<T>('svd', A.dtype, m, k, 'U'));
    const s = allocate(A.dtype, k) as T;
    const Vt = new Matrix(k, n, alloc<T>('svd', A.dtype, k, n, 'Vt'));
    if (k === 0) return { U, s, Vt };
    const info = await this.k.svd(m, n, A.data.slice() as T, s, U.data, Vt.data);
    if (info !== 0) {
      throw new UserError(`svd: the SVD did not converge (LAPACK info ${info}) on a ${describe(A)} matrix`, {
        hint: 'the matrix may be badly scaled; rescale it or use float64',
      });
    }
    return { U, s, Vt };
  }
}

function overlaps(a: FloatArray, b: FloatArray): boolean {
  if (a.buffer !== b.buffer) return false;
  const a0 = a.byteOffset;
  const a1 = a0 + a.byteLength;
  const b0 = b.byteOffset;
  const b1 = b0 + b.byteLength;
  return a0 < b1 && b0 < a1;
}
