/**
 * Voxelwise statistics of encoding models: Pearson r and R² on test, the noise
 * ceiling from repeated presentations, a permutation test that keeps the
 * autocorrelation of fMRI (whole blocks move, never single scans), and multiple
 * comparison control (Benjamini–Hochberg FDR, max-statistic FWER).
 *
 * Matrices are row-major, time × voxels (`n_scans × n_voxels`).
 */
import type { Matrix } from '../linalg/matrix.js';
import { UserError } from '../util/errors.js';
import { Rng } from '../util/rng.js';

type Floats = Float32Array | Float64Array;

/** Column means and standard deviations (ddof 0) of `M: n × v`, in float64. */
function columnMoments(M: Matrix): { mean: Float64Array; sd: Float64Array } {
  const n = M.rows;
  const v = M.cols;
  const mean = new Float64Array(v);
  const sq = new Float64Array(v);
  const d = M.data;
  for (let i = 0; i < n; i++) {
    const o = i * v;
    for (let j = 0; j < v; j++) mean[j] = (mean[j] as number) + (d[o + j] as number);
  }
  for (let j = 0; j < v; j++) mean[j] = (mean[j] as number) / n;
  for (let i = 0; i < n; i++) {
    const o = i * v;
    for (let j = 0; j < v; j++) {
      const e = (d[o + j] as number) - (mean[j] as number);
      sq[j] = (sq[j] as number) + e * e;
    }
  }
  const sd = new Float64Array(v);
  for (let j = 0; j < v; j++) sd[j] = Math.sqrt((sq[j] as number) / n);
  return { mean, sd };
}

/**
 * Z-scores each column (ddof 0) into a new float64 `n × v` array; a constant
 * column becomes all zeros (so its r is 0, never NaN).
 */
export function zscoreColumns64(M: Matrix): Float64Array {
  const { mean, sd } = columnMoments(M);
  const n = M.rows;
  const v = M.cols;
  const out = new Float64Array(n * v);
  const d = M.data;
  for (let i = 0; i < n; i++) {
    const o = i * v;
    for (let j = 0; j < v; j++) {
      const s = sd[j] as number;
      out[o + j] = s > 0 ? ((d[o + j] as number) - (mean[j] as number)) / s : 0;
    }
  }
  return out;
}

function sameShape(a: Matrix, b: Matrix, what: string): void {
  if (a.rows !== b.rows || a.cols !== b.cols) {
    throw new UserError(`${what}: shapes differ (${a.rows} × ${a.cols} and ${b.rows} × ${b.cols})`, {
      hint: 'predictions and measurements need one row per scan and one column per voxel',
    });
  }
}

/** Pearson r per column between Y (measured) and P (predicted), both n × v. 0 for constant columns. */
export function pearsonColumns(Y: Matrix, P: Matrix): Float64Array {
  sameShape(Y, P, 'pearson');
  const zy = zscoreColumns64(Y);
  const zp = zscoreColumns64(P);
  const n = Y.rows;
  const v = Y.cols;
  const r = new Float64Array(v);
  for (let i = 0; i < n; i++) {
    const o = i * v;
    for (let j = 0; j < v; j++) r[j] = (r[j] as number) + (zy[o + j] as number) * (zp[o + j] as number);
  }
  for (let j = 0; j < v; j++) r[j] = (r[j] as number) / n;
  return r;
}

/** R² per column (scikit-learn's `r2_score`, multioutput raw): 1 − SSE / SS about Y's mean; 0 for constant Y. */
export function r2Columns(Y: Matrix, P: Matrix): Float64Array {
  sameShape(Y, P, 'r2');
  const { mean } = columnMoments(Y);
  const n = Y.rows;
  const v = Y.cols;
  const sse = new Float64Array(v);
  const sst = new Float64Array(v);
  for (let i = 0; i < n; i++) {
    const o = i * v;
    for (let j = 0; j < v; j++) {
      const y = Y.data[o + j] as number;
      const e = y - (P.data[o + j] as number);
      const c = y - (mean[j] as number);
      sse[j] = (sse[j] as number) + e * e;
      sst[j] = (sst[j] as number) + c * c;
    }
  }
  const out = new Float64Array(v);
  for (let j = 0; j < v; j++)
    out[j] = (sst[j] as number) > 0 ? 1 - (sse[j] as number) / (sst[j] as number) : 0;
  return out;
}

/**
 * Explainable variance of one presentation, from R repeated presentations of the
 * same stimuli (gallantlab voxelwise_tutorials' `explainable_variance`): each
 * repetition z-scored over time, EV = var_t(mean_r y_r) / mean_r var_t(y_r) (ddof 1),
 * bias-corrected EV − (1 − EV)/(R − 1) (Sahani & Linden 2003).
 *
 * reps: R matrices, each n_times × n_voxels. Returns n_voxels.
 */
export function explainableVariance(reps: readonly Matrix[], biasCorrection = true): Float64Array {
  const R = reps.length;
  if (R < 2) {
    throw new UserError(`explainable variance needs at least 2 repetitions, got ${R}`, {
      hint: 'the test runs must present each test clip more than once',
    });
  }
  const first = reps[0] as Matrix;
  for (const m of reps) sameShape(first, m, 'explainable variance');
  const n = first.rows;
  const v = first.cols;
  const sum = new Float64Array(n * v);
  const meanVar = new Float64Array(v);
  for (const m of reps) {
    const z = zscoreColumns64(m);
    for (let k = 0; k < z.length; k++) sum[k] = (sum[k] as number) + (z[k] as number);
    // A z-scored column (ddof 0) has ddof-1 variance n/(n−1) unless it is constant (then 0).
    const { sd } = columnMoments(m);
    for (let j = 0; j < v; j++) if ((sd[j] as number) > 0) meanVar[j] = (meanVar[j] as number) + n / (n - 1);
  }
  const avg = new Float64Array(n * v);
  for (let k = 0; k < avg.length; k++) avg[k] = (sum[k] as number) / R;
  const mean = new Float64Array(v);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < v; j++) mean[j] = (mean[j] as number) + (avg[i * v + j] as number);
  for (let j = 0; j < v; j++) mean[j] = (mean[j] as number) / n;
  const varMean = new Float64Array(v);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < v; j++) {
      const e = (avg[i * v + j] as number) - (mean[j] as number);
      varMean[j] = (varMean[j] as number) + e * e;
    }
  }
  const ev = new Float64Array(v);
  for (let j = 0; j < v; j++) {
    const mv = (meanVar[j] as number) / R;
    if (!(mv > 0)) {
      ev[j] = 0;
      continue;
    }
    const e = (varMean[j] as number) / (n - 1) / mv;
    ev[j] = biasCorrection ? e - (1 - e) / (R - 1) : e;
  }
  return ev;
}

/**
 * The highest Pearson r a model can reach against the average of R repetitions,
 * given the explainable variance EV of one presentation:
 * √(R·EV / (1 + (R − 1)·EV)) (signal / (signal + noise/R)); 0 when EV ≤ 0.
 */
export function noiseCeiling(ev: ArrayLike<number>, repetitions: number): Float64Array {
  const out = new Float64Array(ev.length);
  for (let j = 0; j < ev.length; j++) {
    const e = ev[j] as number;
    out[j] = e > 0 ? Math.sqrt((repetitions * e) / (1 + (repetitions - 1) * e)) : 0;
  }
  return out;
}

/** r / ceiling where the ceiling is positive (NaN elsewhere: no explainable signal to normalise by). */
export function normalisedR(
  r: ArrayLike<number>,
  ceiling: ArrayLike<number>,
  minCeiling = 0.05,
): Float64Array {
  const out = new Float64Array(r.length);
  for (let j = 0; j < r.length; j++) {
    const c = ceiling[j] as number;
    out[j] = c > minCeiling ? (r[j] as number) / c : Number.NaN;
  }
  return out;
}

/**
 * Contiguous blocks of scans that move together in a permutation. Each segment
 * (e.g. a test run's averaged repetition) is cut into blocks of `blockLength`
 * scans; a shorter remainder at a segment's end stays in place (its own block,
 * never exchanged), so every permutation keeps block lengths equal.
 */
export interface BlockLayout {
  /** Exchangeable blocks: start scan of each (all `blockLength` long). */
  starts: Int32Array;
  blockLength: number;
  /** Scans that never move (segment remainders). */
  fixed: Int32Array;
  nScans: number;
}

export function blockLayout(segments: readonly number[], blockLength: number): BlockLayout {
  if (!Number.isInteger(blockLength) || blockLength < 1) {
    throw new UserError(
      `permutation block length must be a positive integer number of scans, got ${blockLength}`,
      {
        field: 'blockLength',
        hint: 'use the clip length in scans (e.g. 10 for 15-s clips at TR 1.5 s)',
      },
    );
  }
  const starts: number[] = [];
  const fixed: number[] = [];
  let off = 0;
  for (const len of segments) {
    const nb = Math.floor(len / blockLength);
    for (let b = 0; b < nb; b++) starts.push(off + b * blockLength);
    for (let s = off + nb * blockLength; s < off + len; s++) fixed.push(s);
    off += len;
  }
  if (starts.length < 2) {
    throw new UserError(
      `only ${starts.length} permutation block(s) of ${blockLength} scans fit in the test data`,
      {
        field: 'blockLength',
        hint: 'use shorter blocks or more test data',
      },
    );
  }
  return { starts: Int32Array.from(starts), blockLength, fixed: Int32Array.from(fixed), nScans: off };
}

/** `n` seeded permutations of `k` items (Fisher–Yates), as rows of an n × k Int32Array. */
export function permutations(k: number, n: number, seed: number | string): Int32Array {
  const rng = new Rng(seed);
  const out = new Int32Array(n * k);
  const p = new Int32Array(k);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < k; j++) p[j] = j;
    for (let j = k - 1; j > 0; j--) {
      const s = Math.floor(rng.uniform() * (j + 1));
      const t = p[j] as number;
      p[j] = p[s] as number;
      p[s] = t;
    }
    out.set(p, i * k);
  }
  return out;
}

export interface PermutationResult {
  /** Observed Pearson r per voxel. */
  r: Float64Array;
  /** One-sided p per voxel: (1 + #{r_perm ≥ r}) / (1 + n_perm). */
  p: Float64Array;
  /** Max over voxels of r under each permutation (for FWER across batches). */
  maxNull: Float64Array;
}

/**
 * Block permutation test of Pearson r between measured Y and predicted P (both
 * n_scans × n_voxels): the predicted time course is cut into the blocks of
 * `layout` and the blocks are shuffled (the same `perms` for every voxel, so the
 * max statistic is valid); r is recomputed against the unshuffled Y.
 *
 * Cost: for each voxel the block-by-block cross products (k² · L) once, then k
 * additions per permutation, so 1,000 permutations cost little more than 60.
 * perms: n_perm × k (k = number of blocks), e.g. from `permutations`.
 */
export function blockPermutationTest(
  Y: Matrix,
  P: Matrix,
  layout: BlockLayout,
  perms: Int32Array,
): PermutationResult {
  sameShape(Y, P, 'permutation test');
  if (layout.nScans !== Y.rows) {
    throw new UserError(`the block layout covers ${layout.nScans} scans but the data have ${Y.rows}`, {
      hint: 'build the layout from the same test segments as the data',
    });
  }
  const k = layout.starts.length;
  const L = layout.blockLength;
  const nPerm = perms.length / k;
  const v = Y.cols;
  const n = Y.rows;
  const zy = zscoreColumns64(Y);
  const zp = zscoreColumns64(P);
  const r = new Float64Array(v);
  const exceed = new Float64Array(v);
  const maxNull = new Float64Array(nPerm).fill(Number.NEGATIVE_INFINITY);
  // Per voxel: C[a·k + b] = Σ_i zy[block a, i] · zp[block b, i]; fixed scans add a constant.
  const C = new Float64Array(k * k);
  const rPerm = new Float64Array(nPerm);
  for (let j = 0; j < v; j++) {
    let fixedSum = 0;
    for (const s of layout.fixed) fixedSum += (zy[s * v + j] as number) * (zp[s * v + j] as number);
    for (let a = 0; a < k; a++) {
      const sa = layout.starts[a] as number;
      for (let b = 0; b < k; b++) {
        const sb = layout.starts[b] as number;
        let acc = 0;
        for (let i = 0; i < L; i++)
          acc += (zy[(sa + i) * v + j] as number) * (zp[(sb + i) * v + j] as number);
        C[a * k + b] = acc;
      }
    }
    let obs = fixedSum;
    for (let a = 0; a < k; a++) obs += C[a * k + a] as number;
    const robs = obs / n;
    r[j] = robs;
    let count = 0;
    for (let q = 0; q < nPerm; q++) {
      let acc = fixedSum;
      const o = q * k;
      for (let a = 0; a < k; a++) acc += C[a * k + (perms[o + a] as number)] as number;
      const rp = acc / n;
      rPerm[q] = rp;
      // Tiny tolerance: the identity permutation must count as ≥ despite rounding order.
      if (rp >= robs - 1e-12) count++;
      if (rp > (maxNull[q] as number)) maxNull[q] = rp;
    }
    exceed[j] = count;
  }
  const p = new Float64Array(v);
  for (let j = 0; j < v; j++) p[j] = (1 + (exceed[j] as number)) / (1 + nPerm);
  return { r, p, maxNull };
}

/**
 * `n` seeded draws of circular offsets, one per segment: n × n_segments, each offset
 * in [minShift, length − minShift] so a shifted prediction never lines up with its
 * own clips again (minShift = one clip).
 */
export function circularOffsets(
  lengths: readonly number[],
  n: number,
  minShift: number,
  seed: number | string,
): Int32Array {
  const rng = new Rng(seed);
  const out = new Int32Array(n * lengths.length);
  lengths.forEach((L) => {
    if (L - 2 * minShift < 1) {
      throw new UserError(
        `test segments of ${L} scans are too short for shifts of at least ${minShift} scans`,
        {
          field: 'blockScans',
          hint: 'use a shorter minimum shift (--block-scans) or the block permutation null',
        },
      );
    }
  });
  for (let i = 0; i < n; i++) {
    lengths.forEach((L, s) => {
      out[i * lengths.length + s] = minShift + Math.floor(rng.uniform() * (L - 2 * minShift + 1));
    });
  }
  return out;
}

/**
 * Circular-shift permutation test of Pearson r (Y measured, P predicted, both
 * n_scans × n_voxels, rows = `lengths` segments back to back): under each draw,
 * the prediction of every segment is rotated by its offset (whole clips move
 * together and keep their order), so the null keeps nearly all of both series'
 * autocorrelation — slow noise (drifts, global signal) that makes block
 * permutation of short blocks anti-conservative leaves this null valid.
 *
 * Cost: per voxel the circular cross-correlation of each segment (Σ L²) once, then
 * one look-up per segment and draw. offsets: n_perm × n_segments (`circularOffsets`).
 */
export function circularShiftTest(
  Y: Matrix,
  P: Matrix,
  lengths: readonly number[],
  offsets: Int32Array,
): PermutationResult {
  sameShape(Y, P, 'permutation test');
  const nSeg = lengths.length;
  const total = lengths.reduce((a, b) => a + b, 0);
  if (total !== Y.rows) {
    throw new UserError(`the segments cover ${total} scans but the data have ${Y.rows}`, {
      hint: 'give the lengths of the test segments in order',
    });
  }
  const nPerm = offsets.length / nSeg;
  const v = Y.cols;
  const n = Y.rows;
  const zy = zscoreColumns64(Y);
  const zp = zscoreColumns64(P);
  const starts = lengths.map((_, s) => lengths.slice(0, s).reduce((a, b) => a + b, 0));
  const ccOff = starts.map((_, s) => lengths.slice(0, s).reduce((a, b) => a + b, 0));
  const cc = new Float64Array(total);
  const r = new Float64Array(v);
  const p = new Float64Array(v);
  const maxNull = new Float64Array(nPerm).fill(Number.NEGATIVE_INFINITY);
  for (let j = 0; j < v; j++) {
    let obs = 0;
    for (let s = 0; s < nSeg; s++) {
      const L = lengths[s] as number;
      const b = starts[s] as number;
      const o = ccOff[s] as number;
      for (let lag = 0; lag < L; lag++) {
        let acc = 0;
        for (let i = 0; i < L; i++) {
          const k = i + lag < L ? i + lag : i + lag - L;
          acc += (zy[(b + i) * v + j] as number) * (zp[(b + k) * v + j] as number);
        }
        cc[o + lag] = acc;
      }
      obs += cc[o] as number;
    }
    const robs = obs / n;
    r[j] = robs;
    let count = 0;
    for (let q = 0; q < nPerm; q++) {
      let acc = 0;
      for (let s = 0; s < nSeg; s++)
        acc += cc[(ccOff[s] as number) + (offsets[q * nSeg + s] as number)] as number;
      const rp = acc / n;
      if (rp >= robs - 1e-12) count++;
      if (rp > (maxNull[q] as number)) maxNull[q] = rp;
    }
    p[j] = (1 + count) / (1 + nPerm);
  }
  return { r, p, maxNull };
}

/** FWER-adjusted p per voxel from the max-statistic null: (1 + #{max_perm ≥ r}) / (1 + n_perm). */
export function maxStatPValues(r: ArrayLike<number>, maxNull: Floats): Float64Array {
  const sorted = Float64Array.from(maxNull).sort();
  const n = sorted.length;
  const out = new Float64Array(r.length);
  for (let j = 0; j < r.length; j++) {
    const x = (r[j] as number) - 1e-12;
    // First index with sorted[i] ≥ x.
    let lo = 0;
    let hi = n;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((sorted[mid] as number) < x) lo = mid + 1;
      else hi = mid;
    }
    out[j] = (1 + (n - lo)) / (1 + n);
  }
  return out;
}

/**
 * Benjamini–Hochberg adjusted p-values (q-values), as
 * `scipy.stats.false_discovery_control(p, method='bh')`: q_(i) = min_{j ≥ i} p_(j)·m/j,
 * capped at 1. NaN p-values are left out of m and stay NaN.
 */
export function benjaminiHochberg(p: ArrayLike<number>): Float64Array {
  const idx: number[] = [];
  for (let j = 0; j < p.length; j++) if (Number.isFinite(p[j] as number)) idx.push(j);
  idx.sort((a, b) => (p[a] as number) - (p[b] as number));
  const m = idx.length;
  const q = new Float64Array(p.length).fill(Number.NaN);
  let running = 1;
  for (let i = m - 1; i >= 0; i--) {
    const j = idx[i] as number;
    running = Math.min(running, ((p[j] as number) * m) / (i + 1));
    q[j] = running;
  }
  return q;
}

/**
 * Per-block contributions to Pearson r, for paired comparisons: C[b, j] =
 * Σ_{i ∈ block b} zY[i, j]·zP[i, j] / n, so r_j = Σ_b C[b, j]. Blocks: each segment
 * cut into `blockScans`-long pieces, the last piece of a segment absorbing the rest.
 * Returns k × n_voxels (row-major).
 */
export function blockContributions(
  Y: Matrix,
  P: Matrix,
  segments: readonly number[],
  blockScans: number,
): { C: Float64Array; k: number } {
  sameShape(Y, P, 'block contributions');
  const v = Y.cols;
  const n = Y.rows;
  const blockOf = new Int32Array(n);
  let k = 0;
  let off = 0;
  for (const len of segments) {
    const nb = Math.max(1, Math.floor(len / blockScans));
    for (let i = 0; i < len; i++) blockOf[off + i] = k + Math.min(nb - 1, Math.floor(i / blockScans));
    k += nb;
    off += len;
  }
  if (off !== n) {
    throw new UserError(`the segments cover ${off} scans but the data have ${n}`, {
      hint: 'give the lengths of the test segments in order',
    });
  }
  const zy = zscoreColumns64(Y);
  const zp = zscoreColumns64(P);
  const C = new Float64Array(k * v);
  for (let i = 0; i < n; i++) {
    const o = (blockOf[i] as number) * v;
    for (let j = 0; j < v; j++)
      C[o + j] = (C[o + j] as number) + ((zy[i * v + j] as number) * (zp[i * v + j] as number)) / n;
  }
  return { C, k };
}

/** `n` seeded ±1 sign vectors of length k (n × k, as Int8Array). */
export function signFlips(k: number, n: number, seed: number | string): Int8Array {
  const rng = new Rng(seed);
  const out = new Int8Array(n * k);
  for (let i = 0; i < out.length; i++) out[i] = rng.uniform() < 0.5 ? -1 : 1;
  return out;
}

/**
 * Paired comparison of two spaces' test r: Δr = Σ_b (C_A[b] − C_B[b]) and a
 * two-sided sign-flip test on the block differences (under H0 the two predictions
 * are equally good, so each block's difference is as likely negative as positive).
 * `columns`: the voxels to test one by one, or, with `pool`, one test of their mean
 * (the same flips for every voxel, so the ROI test keeps their dependence).
 */
export function pairedSignFlipTest(
  CA: Float64Array,
  CB: Float64Array,
  k: number,
  v: number,
  flips: Int8Array,
  columns?: ArrayLike<number>,
  pool = false,
): { dr: Float64Array; p: Float64Array } {
  const cols = columns ?? Int32Array.from({ length: v }, (_, j) => j);
  const nPerm = flips.length / k;
  const series: Float64Array[] = [];
  if (pool) {
    const d = new Float64Array(k);
    for (let b = 0; b < k; b++) {
      let s = 0;
      for (let c = 0; c < cols.length; c++) {
        const j = cols[c] as number;
        s += (CA[b * v + j] as number) - (CB[b * v + j] as number);
      }
      d[b] = s / cols.length;
    }
    series.push(d);
  } else {
    for (let c = 0; c < cols.length; c++) {
      const j = cols[c] as number;
      series.push(
        Float64Array.from({ length: k }, (_, b) => (CA[b * v + j] as number) - (CB[b * v + j] as number)),
      );
    }
  }
  const dr = new Float64Array(series.length);
  const p = new Float64Array(series.length);
  series.forEach((d, s) => {
    let obs = 0;
    for (let b = 0; b < k; b++) obs += d[b] as number;
    let count = 0;
    for (let q = 0; q < nPerm; q++) {
      let acc = 0;
      for (let b = 0; b < k; b++) acc += (flips[q * k + b] as number) * (d[b] as number);
      if (Math.abs(acc) >= Math.abs(obs) - 1e-12) count++;
    }
    dr[s] = obs;
    p[s] = (1 + count) / (1 + nPerm);
  });
  return { dr, p };
}

/**
 * Variance partitioning per voxel from test R²: the unique part of member i is
 * R²_joint − R²_without_i (what the joint model loses without it); the shared part is
 * what the joint model explains beyond the unique parts, R²_joint − Σ_i unique_i
 * (for two spaces A, B: R²_A + R²_B − R²_AB).
 */
export function partitionR2(
  joint: Float64Array,
  without: readonly Float64Array[],
): { unique: Float64Array[]; shared: Float64Array } {
  const unique = without.map((w) => Float64Array.from(joint, (j, v) => j - (w[v] as number)));
  const shared = Float64Array.from(joint, (j, v) => unique.reduce((a, u) => a - (u[v] as number), j));
  return { unique, shared };
}
