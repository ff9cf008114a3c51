/**
 * Running median over each voxel's time series: the drift estimate of the paper's
 * 240-s median filter (Nakai et al. 2021; Denk et al. 2023).
 *
 * Definition (identical to `scipy.ndimage.median_filter(x, size=w, mode=…)` for odd w):
 *   out[i] = median{ x[e(j)] : j = i−h … i+h },  w = 2h+1,
 * where e() maps positions outside [0, n) back inside by the edge mode:
 *   - `reflect` (default, scipy's default): d c b a | a b c d | d c b a
 *   - `mirror`:                             d c b | a b c d | c b a
 *   - `nearest`:                            a a a | a b c d | d d d
 * Windows longer than the series bounce repeatedly (as scipy does).
 *
 * Algorithm: per series, rank the n values once (a radix sort of their float32
 * bit patterns), then slide the window over the ranks with a Fenwick tree of
 * counts: each step is one removal, one insertion and one k-th-smallest query,
 * O(log n) each. 410 scans × 60,000 voxels take about a second.
 */
import type { Matrix } from '../../linalg/matrix.js';

export type EdgeMode = 'reflect' | 'mirror' | 'nearest';
export const EDGE_MODES: readonly EdgeMode[] = ['reflect', 'mirror', 'nearest'];

/** Maps a position of the extended series back into [0, n). */
export function edgeIndex(j: number, n: number, mode: EdgeMode): number {
  if (j >= 0 && j < n) return j;
  if (mode === 'nearest' || n === 1) return j < 0 ? 0 : n - 1;
  if (mode === 'reflect') {
    const p = 2 * n;
    const m = ((j % p) + p) % p;
    return m < n ? m : p - 1 - m;
  }
  const p = 2 * n - 2;
  const m = ((j % p) + p) % p;
  return m < n ? m : p - m;
}

/** Reusable work buffers for series of length up to `n`. */
export class RunningMedian {
  private readonly n: number;
  private readonly keysA: Uint32Array;
  private readonly keysB: Uint32Array;
  private readonly idxA: Int32Array;
  private readonly idxB: Int32Array;
  private readonly count = new Int32Array(257);
  private readonly rankOf: Int32Array;
  private readonly valueAt: Float64Array;
  private readonly tree: Int32Array;
  private readonly topBit: number;
  private readonly f32 = new Float32Array(1);
  private readonly u32 = new Uint32Array(this.f32.buffer);

  constructor(n: number) {
    this.n = n;
    this.keysA = new Uint32Array(n);
    this.keysB = new Uint32Array(n);
    this.idxA = new Int32Array(n);
    this.idxB = new Int32Array(n);
    this.rankOf = new Int32Array(n);
    this.valueAt = new Float64Array(n);
    this.tree = new Int32Array(n + 1);
    let t = 1;
    while (t * 2 <= n) t *= 2;
    this.topBit = t;
  }

  /** The extended-series index map for (window, mode), cached across calls. */
  private extKey = '';
  private ext = new Int32Array(0);

  private extended(h: number, mode: EdgeMode): Int32Array {
    const key = `${h}:${mode}`;
    if (key !== this.extKey) {
      const n = this.n;
      this.ext = new Int32Array(n + 2 * h);
      for (let j = -h; j < n + h; j++) this.ext[j + h] = edgeIndex(j, n, mode);
      this.extKey = key;
    }
    return this.ext;
  }

  /**
   * Writes the running median of `x` (length n, read through `stride` from `offset`)
   * into `out` (contiguous, length n). Values are compared as float32, which is
   * exact for float32 data (the matrices of this project).
   */
  filter(
    x: ArrayLike<number>,
    out: Float32Array | Float64Array,
    window: number,
    mode: EdgeMode,
    offset = 0,
    stride = 1,
  ): void {
    const n = this.n;
    const h = (window - 1) >> 1;
    const { keysA, keysB, idxA, idxB, count, rankOf, valueAt, tree, f32, u32, topBit } = this;
    const ext = this.extended(h, mode);
    // Rank: LSD radix sort (4 × 8 bits) of the order-preserving uint32 image of the
    // float32 values; stable, so ties keep index order. Cheaper than a comparison sort at n ≈ 400.
    let ka = keysA;
    let kb = keysB;
    let ia = idxA;
    let ib = idxB;
    for (let i = 0; i < n; i++) {
      f32[0] = x[offset + i * stride]!;
      const b = u32[0]!;
      ka[i] = b & 0x80000000 ? ~b >>> 0 : (b | 0x80000000) >>> 0;
      ia[i] = i;
    }
    for (let shift = 0; shift < 32; shift += 8) {
      count.fill(0);
      for (let i = 0; i < n; i++) count[((ka[i]! >>> shift) & 0xff) + 1]!++;
      for (let d = 1; d <= 256; d++) count[d]! += count[d - 1]!;
      for (let i = 0; i < n; i++) {
        const d = (ka[i]! >>> shift) & 0xff;
        const p = count[d]!++;
        kb[p] = ka[i]!;
        ib[p] = ia[i]!;
      }
      const tk = ka;
      ka = kb;
      kb = tk;
      const ti = ia;
      ia = ib;
      ib = ti;
    }
    for (let r = 0; r < n; r++) {
      const i = ia[r]!;
      rankOf[i] = r;
      valueAt[r] = x[offset + i * stride]!;
    }
    tree.fill(0);
    // Fenwick tree of counts over ranks (1-based inside the tree).
    for (let j = 0; j <= 2 * h; j++) {
      for (let k = rankOf[ext[j]!]! + 1; k <= n; k += k & -k) tree[k]!++;
    }
    for (let i = 0; i < n; i++) {
      if (i > 0) {
        for (let k = rankOf[ext[i - 1]!]! + 1; k <= n; k += k & -k) tree[k]!--;
        for (let k = rankOf[ext[i + 2 * h]!]! + 1; k <= n; k += k & -k) tree[k]!++;
      }
      // Descent: the largest position whose prefix count is ≤ h (the median of 2h+1 is the h-th, 0-based).
      let pos = 0;
      let rem = h;
      for (let bit = topBit; bit > 0; bit >>= 1) {
        const nxt = pos + bit;
        if (nxt <= n) {
          const c = tree[nxt]!;
          if (c <= rem) {
            pos = nxt;
            rem -= c;
          }
        }
      }
      out[i] = valueAt[pos]!;
    }
  }
}

/** The odd window length (in scans) for a window of `seconds`: round(seconds / TR), made odd by adding 1. */
export function medianWindowScans(seconds: number, tr: number): number {
  const w = Math.max(1, Math.round(seconds / tr));
  return w % 2 === 1 ? w : w + 1;
}

/**
 * Subtracts the running median from every column of X (n_scans × n_voxels, row-major),
 * in place. Columns are processed in blocks copied to contiguous buffers so that
 * the strided reads stay cache-friendly. See `subtractRunningMedianParallel` for
 * the multi-threaded version.
 */
export function subtractRunningMedian(
  X: Matrix<Float32Array>,
  window: number,
  mode: EdgeMode = 'reflect',
): void {
  subtractRunningMedianColumns(X.data, X.rows, X.cols, 0, X.cols, window, mode);
}

/** The same on columns [c0, c1) of a row-major n × v float32 array (shared with the worker threads). */
export function subtractRunningMedianColumns(
  data: Float32Array,
  n: number,
  v: number,
  c0: number,
  c1: number,
  window: number,
  mode: EdgeMode,
): void {
  if (n === 0 || c1 <= c0) return;
  const rm = new RunningMedian(n);
  const B = 64;
  const block = new Float32Array(B * n);
  const med = new Float32Array(n);
  for (let b0 = c0; b0 < c1; b0 += B) {
    const nb = Math.min(B, c1 - b0);
    // Gather: block[b·n + t] = X[t, b0 + b]
    for (let t = 0; t < n; t++) {
      const base = t * v + b0;
      for (let b = 0; b < nb; b++) block[b * n + t] = data[base + b]!;
    }
    for (let b = 0; b < nb; b++) {
      const series = block.subarray(b * n, (b + 1) * n);
      rm.filter(series, med, window, mode);
      for (let t = 0; t < n; t++) series[t] = series[t]! - med[t]!;
    }
    for (let t = 0; t < n; t++) {
      const base = t * v + b0;
      for (let b = 0; b < nb; b++) data[base + b] = block[b * n + t]!;
    }
  }
}
