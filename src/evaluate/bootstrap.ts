/**
 * Percentile bootstrap over items (clips): resample the n items with replacement,
 * recompute the statistic, and take the (1 − level)/2 and (1 + level)/2 quantiles of
 * the resampled statistics, with numpy's default ('linear') quantile rule so the
 * interval can be checked against `np.percentile` on the same resample indices.
 * Seeded: the same seed gives the same interval.
 */
import { UserError } from '../util/errors.js';
import { Rng } from '../util/rng.js';

export interface BootstrapOptions {
  /** Number of resamples (≥ 1). */
  resamples: number;
  seed: number;
  /** Coverage of the interval (default 0.95). */
  level?: number;
}

/**
 * Resample indices: resamples × n row-major, each row n draws from 0..n−1 with
 * replacement, in the order the generator of `seed` yields them.
 */
export function bootstrapIndices(n: number, resamples: number, seed: number): Int32Array {
  const out = new Int32Array(n * resamples);
  const rng = new Rng(seed);
  for (let t = 0; t < out.length; t++) out[t] = Math.floor(rng.uniform() * n);
  return out;
}

/** Quantile q ∈ [0, 1] of ascending-sorted values by linear interpolation (numpy's default rule). */
export function quantileSorted(sorted: ArrayLike<number>, q: number): number {
  const m = sorted.length;
  if (m === 0) return Number.NaN;
  const h = (m - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, m - 1);
  const a = sorted[lo] as number;
  const b = sorted[hi] as number;
  return a + (h - lo) * (b - a);
}

/** The central `level` percentile interval of the statistics (not modified). */
export function percentileInterval(stats: ArrayLike<number>, level = 0.95): [number, number] {
  if (!(level > 0 && level < 1)) throw new UserError(`confidence level must be in (0, 1), got ${level}`);
  const s = Float64Array.from(stats).sort();
  return [quantileSorted(s, (1 - level) / 2), quantileSorted(s, (1 + level) / 2)];
}

/** Mean of `values` over each resample row of `indices` (resamples × n). */
export function resampledMeans(values: ArrayLike<number>, indices: Int32Array): Float64Array {
  const n = values.length;
  const m = n === 0 ? 0 : indices.length / n;
  const out = new Float64Array(m);
  for (let t = 0; t < m; t++) {
    let s = 0;
    for (let k = 0; k < n; k++) s += values[indices[t * n + k] as number] as number;
    out[t] = s / n;
  }
  return out;
}

/**
 * Percentile bootstrap CI of the mean of per-item scores (e.g. acc_i over clips).
 * values: length n ≥ 1, finite.
 */
export function bootstrapMeanCI(values: ArrayLike<number>, opts: BootstrapOptions): [number, number] {
  const n = values.length;
  if (n === 0) throw new UserError('bootstrap needs at least one item');
  for (let i = 0; i < n; i++) {
    if (!Number.isFinite(values[i] as number)) {
      throw new UserError(`bootstrap: item ${i} has the non-finite score ${values[i]}`);
    }
  }
  if (!Number.isInteger(opts.resamples) || opts.resamples < 1) {
    throw new UserError(`bootstrap resamples must be a positive integer, got ${opts.resamples}`, {
      field: 'evaluate.bootstrap',
      hint: 'use 1000 or more',
    });
  }
  const means = resampledMeans(values, bootstrapIndices(n, opts.resamples, opts.seed));
  return percentileInterval(means, opts.level ?? 0.95);
}
