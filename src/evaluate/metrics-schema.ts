/**
 * The schema of a run's `metrics.json`. Every number a user reads carries its
 * chance level (and, where computed, a permutation p-value and a bootstrap 95 %
 * CI), so no table can show a score without what it must beat. Validated in tests
 * and by `b2m report` before it reads a run.
 */
import { z } from 'zod';

/** One metric: the value, its chance level, and optional statistics. */
export const MetricValueSchema = z.strictObject({
  value: z.number().nullable(),
  chance: z.number(),
  /** Which side is better (identification: higher; mean rank: lower). */
  better: z.enum(['higher', 'lower']).default('higher'),
  /** Permutation p-value (one-sided, (k + 1)/(n + 1)). */
  p: z.number().min(0).max(1).optional(),
  nPermutations: z.number().int().positive().optional(),
  /** Bootstrap 95 % confidence interval over items. */
  ci95: z.tuple([z.number(), z.number()]).optional(),
  /** Number of items the value averages over. */
  n: z.number().int().nonnegative().optional(),
});
export type MetricValue = z.infer<typeof MetricValueSchema>;

/** Mean ± SD over subjects of one metric. */
export const MetricSummarySchema = z.strictObject({
  mean: z.number().nullable(),
  sd: z.number().nullable(),
  n: z.number().int().nonnegative(),
  chance: z.number(),
  better: z.enum(['higher', 'lower']).default('higher'),
});
export type MetricSummary = z.infer<typeof MetricSummarySchema>;

/** name → metric (e.g. `identification`, `retrieval60.top1`). */
export const MetricSetSchema = z.record(z.string(), MetricValueSchema);
export type MetricSet = z.infer<typeof MetricSetSchema>;

/** Per-subject metric sets and their summary over subjects. */
export const MetricBlockSchema = z.strictObject({
  perSubject: z.record(z.string(), MetricSetSchema),
  summary: z.record(z.string(), MetricSummarySchema),
  /** Anything else a section wants to keep (per-genre tables, chosen ROIs…): plain JSON. */
  details: z.record(z.string(), z.unknown()).optional(),
});
export type MetricBlock = z.infer<typeof MetricBlockSchema>;

export const MetricsFileSchema = z.strictObject({
  schema: z.literal('brain2music/metrics@1'),
  subjects: z.array(z.string()),
  embedder: z.string(),
  /** decoder name → its metrics. */
  decoding: z.record(z.string(), MetricBlockSchema),
  /** `library` retrieval: decoder name → metrics (brain, oracle and chance rows inside). */
  retrieval: z.record(z.string(), MetricBlockSchema).optional(),
  /** generator name → reconstruction metrics (generation stage). */
  reconstruction: z.record(z.string(), MetricBlockSchema).optional(),
  /** feature space name → encoding summaries (encoding stage). */
  encoding: z.record(z.string(), MetricBlockSchema).optional(),
  /** Stages that were not run, and why (e.g. not configured, not built yet). */
  skipped: z.record(z.string(), z.string()).default({}),
});
export type MetricsFile = z.infer<typeof MetricsFileSchema>;

/** Mean and sample SD (n − 1) of the finite values; null when there are none. */
export function summarise(
  values: ReadonlyArray<number | null>,
  chance: number,
  better: 'higher' | 'lower' = 'higher',
): MetricSummary {
  const xs = values.filter((v): v is number => v !== null && Number.isFinite(v));
  if (xs.length === 0) return { mean: null, sd: null, n: 0, chance, better };
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  const sd = xs.length > 1 ? Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (xs.length - 1)) : 0;
  return { mean, sd, n: xs.length, chance, better };
}
