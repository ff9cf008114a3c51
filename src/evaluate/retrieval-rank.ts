/**
 * n-way retrieval among the test clips (60-way on ds003720): each prediction ranks
 * the n true clip embeddings by the same Pearson correlation as identification, and
 * we report where the true clip lands. Ties are counted pessimistically (a tied
 * candidate ranks ahead of the true clip), so rank_i = n − (n − 1)·acc_i exactly:
 * the two measures cannot disagree. Chance: top-k = k/n, mean rank = (n + 1)/2.
 */
import type { MetricSet } from './metrics-schema.js';

/**
 * rank_i = 1 + #{j ≠ i : C[i,j] ≥ C[i,i]} (1 = best) for the n × n correlation
 * matrix C (row-major, C[i·n + j] = r(pred_i, target_j)).
 */
export function retrievalRanks(C: Float64Array, n: number): Int32Array {
  if (C.length !== n * n) throw new Error(`correlation matrix has ${C.length} entries, expected ${n}²`);
  const ranks = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const own = C[i * n + i] as number;
    let ahead = 0;
    for (let j = 0; j < n; j++) if (j !== i && (C[i * n + j] as number) >= own) ahead++;
    ranks[i] = 1 + ahead;
  }
  return ranks;
}

/** Metric key prefix for n-way retrieval: `retrieval60` for the 60 test clips. */
export function retrievalPrefix(n: number): string {
  return `retrieval${n}`;
}

/**
 * `retrieval<n>.top<k>` for each k (fraction with rank ≤ k, chance k/n) and
 * `retrieval<n>.meanRank` (chance (n + 1)/2, lower is better).
 */
export function retrievalMetrics(ranks: ArrayLike<number>, ks: readonly number[] = [1, 3, 5]): MetricSet {
  const n = ranks.length;
  const prefix = retrievalPrefix(n);
  const out: MetricSet = {};
  for (const k of ks) {
    let hits = 0;
    for (let i = 0; i < n; i++) if ((ranks[i] as number) <= k) hits++;
    out[`${prefix}.top${k}`] = { value: hits / n, chance: Math.min(k, n) / n, better: 'higher', n };
  }
  let sum = 0;
  for (let i = 0; i < n; i++) sum += ranks[i] as number;
  out[`${prefix}.meanRank`] = { value: sum / n, chance: (n + 1) / 2, better: 'lower', n };
  return out;
}
