/**
 * "Unknown name → did you mean …": one helper for every registry, flag and config
 * key, so every such message ranks candidates the same way.
 */

/** Levenshtein distance (insert, delete, substitute: cost 1 each), case-insensitive. */
export function editDistance(a: string, b: string): number {
  const s = a.toLowerCase();
  const t = b.toLowerCase();
  let prev = Array.from({ length: t.length + 1 }, (_, j) => j);
  for (let i = 1; i <= s.length; i++) {
    const cur = [i];
    for (let j = 1; j <= t.length; j++) {
      const sub = (prev[j - 1] as number) + (s[i - 1] === t[j - 1] ? 0 : 1);
      cur[j] = Math.min((prev[j] as number) + 1, (cur[j - 1] as number) + 1, sub);
    }
    prev = cur;
  }
  return prev[t.length] as number;
}

/**
 * The candidates closest to `name` (at most `max`, distance at most about a third of
 * the longer word, or a prefix/containment match), nearest first.
 */
export function nearestNames(name: string, candidates: Iterable<string>, max = 3): string[] {
  const scored: Array<[string, number]> = [];
  const low = name.toLowerCase();
  for (const c of candidates) {
    const cl = c.toLowerCase();
    const d = editDistance(low, cl);
    const close = d <= Math.max(2, Math.ceil(Math.max(low.length, cl.length) / 3));
    const contains = low.length >= 3 && (cl.includes(low) || low.includes(cl));
    if (close || contains) scored.push([c, contains ? Math.min(d, 1) : d]);
  }
  scored.sort((x, y) => x[1] - y[1] || x[0].localeCompare(y[0]));
  return scored.slice(0, max).map(([c]) => c);
}

/** A hint for an unknown name: "did you mean X? valid: a, b, c". */
export function unknownNameHint(name: string, valid: readonly string[]): string {
  const near = nearestNames(name, valid);
  const list = `valid: ${valid.join(', ')}`;
  return near.length ? `did you mean ${near.map((n) => `'${n}'`).join(' or ')}? (${list})` : list;
}
