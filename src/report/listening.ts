/**
 * The listening test (two-alternative forced choice): the answer record, its
 * validation, the append to `listening/answers.jsonl`, and the summary with an
 * exact binomial test (two-sided, as `scipy.stats.binomtest`: the sum of the
 * probabilities of all outcomes no more likely than the observed one).
 */
import { existsSync } from 'node:fs';
import { appendFile, mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';

const Kind = z.string().regex(/^[a-z0-9][a-z0-9_.:-]{0,63}$/i);
const AudioRel = z
  .string()
  .max(300)
  .regex(/^audio\/[A-Za-z0-9_./-]+\.mp3$/)
  .refine((s) => !s.split('/').includes('..'), 'no .. segments');

/** One answer as the studio posts it (the server adds the time). */
export const AnswerInputSchema = z.strictObject({
  rater: z
    .string()
    .trim()
    .min(1)
    .max(64)
    .regex(/^[\p{L}\p{N} _.@-]+$/u, 'letters, digits, space, _ . @ - only'),
  subject: z.string().regex(/^sub-[A-Za-z0-9]{1,32}$/),
  clip: z.string().regex(/^[A-Za-z0-9_-]{1,40}\.[0-9]{1,8}$/),
  a: z.strictObject({ kind: Kind, audio: AudioRel }),
  b: z.strictObject({ kind: Kind, audio: AudioRel }),
  choice: z.enum(['a', 'b']),
});
export type AnswerInput = z.infer<typeof AnswerInputSchema>;
export type Answer = AnswerInput & { time: string };

/** Largest accepted POST body (bytes). */
export const MAX_ANSWER_BYTES = 4096;

/**
 * Appends one answer as one line. A single `appendFile` of a line shorter than
 * PIPE_BUF-sized writes goes out in one `write(2)` with O_APPEND, so concurrent
 * answers never interleave within a line; the server also serialises appends.
 */
export async function appendAnswer(runDir: string, answer: Answer): Promise<void> {
  const dir = join(runDir, 'listening');
  await mkdir(dir, { recursive: true });
  await appendFile(join(dir, 'answers.jsonl'), `${JSON.stringify(answer)}\n`, { flag: 'a' });
}

/** Reads the answers; malformed lines are counted, not fatal. */
export async function readAnswers(runDir: string): Promise<{ answers: Answer[]; bad: number }> {
  const path = join(runDir, 'listening', 'answers.jsonl');
  if (!existsSync(path)) return { answers: [], bad: 0 };
  const answers: Answer[] = [];
  let bad = 0;
  for (const line of (await readFile(path, 'utf8')).split('\n')) {
    if (!line.trim()) continue;
    try {
      const raw = JSON.parse(line) as Record<string, unknown>;
      const { time, ...rest } = raw;
      const r = AnswerInputSchema.safeParse(rest);
      if (r.success && typeof time === 'string') answers.push({ ...r.data, time });
      else bad++;
    } catch {
      bad++;
    }
  }
  return { answers, bad };
}

function logChoose(n: number, k: number): number {
  let s = 0;
  for (let i = 1; i <= k; i++) s += Math.log(n - k + i) - Math.log(i);
  return s;
}

/** P(X = k) for X ~ Binomial(n, p). */
export function binomPmf(k: number, n: number, p: number): number {
  if (k < 0 || k > n) return 0;
  if (p === 0) return k === 0 ? 1 : 0;
  if (p === 1) return k === n ? 1 : 0;
  return Math.exp(logChoose(n, k) + k * Math.log(p) + (n - k) * Math.log1p(-p));
}

/** Exact two-sided binomial test p-value of k successes in n trials against p (scipy's rule). */
export function binomTestTwoSided(k: number, n: number, p = 0.5): number {
  if (n === 0) return 1;
  const d = binomPmf(k, n, p);
  const rerr = 1 + 1e-7;
  let s = 0;
  for (let i = 0; i <= n; i++) {
    const q = binomPmf(i, n, p);
    if (q <= d * rerr) s += q;
  }
  return Math.min(1, s);
}

export interface ComparisonSummary {
  /** e.g. "brain vs shuffled" (kinds sorted, so both orders pool). */
  comparison: string;
  first: string;
  second: string;
  n: number;
  /** Times the first kind was chosen as closer to the original. */
  firstChosen: number;
  proportion: number;
  p: number;
  raters: number;
}

/** Per comparison: how often each side was judged closer, with the binomial test against 0.5. */
export function summariseAnswers(answers: readonly Answer[]): ComparisonSummary[] {
  const groups = new Map<
    string,
    { first: string; second: string; n: number; k: number; raters: Set<string> }
  >();
  for (const a of answers) {
    const [first, second] = [a.a.kind, a.b.kind].sort() as [string, string];
    const key = `${first} vs ${second}`;
    const g = groups.get(key) ?? { first, second, n: 0, k: 0, raters: new Set<string>() };
    g.n++;
    const chosen = a.choice === 'a' ? a.a.kind : a.b.kind;
    if (chosen === first) g.k++;
    g.raters.add(a.rater);
    groups.set(key, g);
  }
  return [...groups.entries()].map(([comparison, g]) => ({
    comparison,
    first: g.first,
    second: g.second,
    n: g.n,
    firstChosen: g.k,
    proportion: g.k / g.n,
    p: binomTestTwoSided(g.k, g.n, 0.5),
    raters: g.raters.size,
  }));
}
