/**
 * Permutation p-value for identification accuracy: under the null hypothesis the
 * decoder knows nothing about which clip was heard, so any pairing of predictions
 * with targets is as likely as the true one. We shuffle the clip labels (pair
 * prediction i with target π(i)) and count how often the shuffled accuracy reaches
 * the observed one: p = (1 + #{π : acc(π) ≥ acc_obs}) / (1 + n_perm), which is never
 * 0 and is a valid (slightly conservative) p-value for any number of permutations.
 *
 * Speed: with prediction i paired to target π(i), the other n − 1 candidates of row i
 * are all targets k ≠ π(i), so acc_i(π) = #{k : C[i,k] < C[i,π(i)]} / (n − 1). The
 * count of strictly smaller entries of each C[i,k] is tabulated once (n² integers),
 * after which one permutation costs n lookups: 10,000 permutations of 60 clips take
 * a few milliseconds. Sums are integers, so `≥` has no rounding trouble.
 */
import { UserError } from '../util/errors.js';
import { Rng } from '../util/rng.js';

/** Fisher–Yates shuffle of `perm` in place with `rng` (the one order used everywhere). */
export function shuffleInPlace(rng: Rng, perm: Int32Array): Int32Array {
  for (let i = perm.length - 1; i > 0; i--) {
    const j = Math.floor(rng.uniform() * (i + 1));
    const t = perm[i] as number;
    perm[i] = perm[j] as number;
    perm[j] = t;
  }
  return perm;
}

/**
 * W[i·n + k] = #{k' : C[i,k'] < C[i,k]} for the n × n correlation matrix C
 * (row-major): how many candidates target k beats in row i with a strict `>`.
 */
export function strictWinsTable(C: Float64Array, n: number): Int32Array {
  if (C.length !== n * n) throw new Error(`correlation matrix has ${C.length} entries, expected ${n}²`);
  const W = new Int32Array(n * n);
  const sorted = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const o = i * n;
    for (let k = 0; k < n; k++) {
      const v = C[o + k] as number;
      if (Number.isNaN(v)) throw new Error(`correlation matrix holds NaN at row ${i}, column ${k}`);
      sorted[k] = v;
    }
    sorted.sort();
    // The count of strictly smaller entries is the position of the first entry ≥ the
    // value in the sorted row (lower bound), so tied entries share it: ties never win.
    for (let k = 0; k < n; k++) {
      const v = C[o + k] as number;
      let lo = 0;
      let hi = n;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if ((sorted[mid] as number) < v) lo = mid + 1;
        else hi = mid;
      }
      W[o + k] = lo;
    }
  }
  return W;
}

export interface PermutationOptions {
  /** Number of label permutations (≥ 1). */
  permutations: number;
  /** Seed of the permutation stream. */
  seed: number;
  /** Keep the null distribution of accuracies (length `permutations`). */
  keepNull?: boolean;
}

export interface PermutationResult {
  /** Observed identification accuracy (the unshuffled pairing). */
  observed: number;
  /** One-sided p-value, (1 + #{null ≥ observed}) / (1 + permutations). */
  p: number;
  permutations: number;
  /** Mean and SD of the null accuracies (≈ 0.5 and ≈ 0.04 for 60 clips). */
  nullMean: number;
  nullSd: number;
  /** The null accuracies in draw order, when asked for. */
  null?: Float64Array;
}

/**
 * Permutation test of identification accuracy on a precomputed correlation matrix
 * C (n × n, C[i·n + j] = r(pred_i, target_j), from `crossCorrelation`).
 */
export function identificationPermutationTest(
  C: Float64Array,
  n: number,
  opts: PermutationOptions,
): PermutationResult {
  const m = opts.permutations;
  if (!Number.isInteger(m) || m < 1) {
    throw new UserError(`permutations must be a positive integer, got ${m}`, {
      field: 'evaluate.permutations',
      hint: 'use at least 1000 so that p < 0.001 is reachable',
    });
  }
  if (n < 2) throw new UserError(`identification needs at least 2 items, got ${n}`);
  const W = strictWinsTable(C, n);
  let observedWins = 0;
  for (let i = 0; i < n; i++) observedWins += W[i * n + i] as number;
  const denom = n * (n - 1);
  const rng = new Rng(opts.seed);
  const perm = new Int32Array(n);
  for (let i = 0; i < n; i++) perm[i] = i;
  return permutationNull(m, observedWins, denom, 0, opts.keepNull, () => {
    shuffleInPlace(rng, perm);
    let wins = 0;
    for (let i = 0; i < n; i++) wins += W[i * n + (perm[i] as number)] as number;
    return wins;
  });
}

/**
 * The null distribution of a statistic from `m` draws of `draw()` (each a shuffled
 * statistic on the scale of `observed`): p = (1 + #{null ≥ observed − tol}) / (1 + m),
 * and the null's mean and SD on the reported scale (statistic / `denom`).
 */
function permutationNull(
  m: number,
  observed: number,
  denom: number,
  tol: number,
  keepNull: boolean | undefined,
  draw: () => number,
): PermutationResult {
  const keep = keepNull ? new Float64Array(m) : undefined;
  let atLeast = 0;
  let sum = 0;
  let sumSq = 0;
  for (let t = 0; t < m; t++) {
    const stat = draw();
    if (stat >= observed - tol) atLeast++;
    const acc = stat / denom;
    sum += acc;
    sumSq += acc * acc;
    if (keep) keep[t] = acc;
  }
  const nullMean = sum / m;
  const nullSd = m > 1 ? Math.sqrt(Math.max(0, (sumSq - m * nullMean * nullMean) / (m - 1))) : 0;
  const out: PermutationResult = {
    observed: observed / denom,
    p: (1 + atLeast) / (1 + m),
    permutations: m,
    nullMean,
    nullSd,
  };
  if (keep) out.null = keep;
  return out;
}

/**
 * Permutation test of within-group identification (e.g. within genre: each clip
 * compared only with the other clips of its genre). Labels are shuffled WITHIN each
 * group, which keeps the group structure of the null: a decoder that knows only the
 * genre gets no credit. `groups`: item indices of each group (groups of one item are
 * ignored); C: n × n correlations. The statistic is the mean over scored items of
 * #{ j in group, j ≠ i : C[i,π(i)] > C[i,j] } / (size − 1).
 */
export function withinGroupPermutationTest(
  C: Float64Array,
  n: number,
  groups: ReadonlyArray<readonly number[]>,
  opts: PermutationOptions,
): PermutationResult {
  const m = opts.permutations;
  if (!Number.isInteger(m) || m < 1) {
    throw new UserError(`permutations must be a positive integer, got ${m}`, {
      field: 'evaluate.permutations',
      hint: 'use at least 1000 so that p < 0.001 is reachable',
    });
  }
  if (C.length !== n * n) throw new Error(`correlation matrix has ${C.length} entries, expected ${n}²`);
  // Per group g of size s: w[a·s + b] = score of member a when paired with member b.
  const used = groups.filter((g) => g.length >= 2);
  const tables = used.map((g) => {
    const s = g.length;
    const w = new Float64Array(s * s);
    for (let a = 0; a < s; a++) {
      const i = g[a] as number;
      for (let b = 0; b < s; b++) {
        const v = C[i * n + (g[b] as number)] as number;
        let wins = 0;
        for (let c = 0; c < s; c++) if (v > (C[i * n + (g[c] as number)] as number)) wins++;
        w[a * s + b] = wins / (s - 1);
      }
    }
    return w;
  });
  const items = used.reduce((a, g) => a + g.length, 0);
  if (items === 0) throw new UserError('within-group identification needs a group of at least 2 items');
  let observed = 0;
  used.forEach((g, k) => {
    for (let a = 0; a < g.length; a++) observed += (tables[k] as Float64Array)[a * g.length + a] as number;
  });
  // Sums of the same fractions in another order can differ in the last bits.
  const tol = 1e-9 * Math.max(1, observed);
  const rng = new Rng(opts.seed);
  const perms = used.map((g) => Int32Array.from(g, (_, a) => a));
  return permutationNull(m, observed, items, tol, opts.keepNull, () => {
    let stat = 0;
    used.forEach((g, k) => {
      const perm = shuffleInPlace(rng, perms[k] as Int32Array);
      const w = tables[k] as Float64Array;
      for (let a = 0; a < g.length; a++) stat += w[a * g.length + (perm[a] as number)] as number;
    });
    return stat;
  });
}
