/**
 * Summaries of a twin's ground truth for people: per region, the test–retest
 * reliability across subjects and hemispheres.
 */
import type { RoiSummary } from './index.js';

export interface RegionReliability {
  region: string;
  /** Subject × hemisphere entries aggregated. */
  n: number;
  voxels: number;
  /** Median over entries of the per-entry median true EV. */
  trueEv: number;
  /** Median, min and max over entries of the per-entry median estimated EV. */
  estimatedEv: number;
  estimatedEvMin: number;
  estimatedEvMax: number;
  /** Median over entries of the per-entry 90th percentile of estimated EV. */
  estimatedEvP90: number;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const n = s.length;
  return n === 0
    ? Number.NaN
    : n % 2
      ? (s[(n - 1) / 2] as number)
      : ((s[n / 2 - 1] as number) + (s[n / 2] as number)) / 2;
}

/** Aggregates per-subject, per-hemisphere ROI summaries by region, strongest first. */
export function regionReliability(rows: readonly RoiSummary[]): RegionReliability[] {
  const by = new Map<string, RoiSummary[]>();
  for (const r of rows) by.set(r.region, [...(by.get(r.region) ?? []), r]);
  return [...by.entries()]
    .map(([region, list]) => {
      const est = list.map((r) => r.estimatedEvMedian);
      return {
        region,
        n: list.length,
        voxels: list.reduce((a, r) => a + r.voxels, 0),
        trueEv: median(list.map((r) => r.trueEvMedian)),
        estimatedEv: median(est),
        estimatedEvMin: Math.min(...est),
        estimatedEvMax: Math.max(...est),
        estimatedEvP90: median(list.map((r) => r.estimatedEvP90)),
      };
    })
    .sort((a, b) => b.trueEv - a.trueEv || b.estimatedEv - a.estimatedEv);
}

/** A plain-text (Markdown) table of `regionReliability`. */
export function formatReliabilityTable(rows: readonly RegionReliability[]): string {
  const head = '| region | entries | voxels | true EV | estimated EV (median, min–max) | estimated EV p90 |';
  const sep = '|---|---|---|---|---|---|';
  const body = rows.map(
    (r) =>
      `| ${r.region} | ${r.n} | ${r.voxels} | ${r.trueEv.toFixed(3)} | ${r.estimatedEv.toFixed(3)} (${r.estimatedEvMin.toFixed(3)}–${r.estimatedEvMax.toFixed(3)}) | ${r.estimatedEvP90.toFixed(3)} |`,
  );
  return `${[head, sep, ...body].join('\n')}\n`;
}
