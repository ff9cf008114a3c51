/** Small HTML-building helpers: every text that reaches the page goes through `esc`. */

const ENTITIES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

export function esc(s: unknown): string {
  return String(s ?? '').replace(/[&<>"']/g, (c) => ENTITIES[c] as string);
}

/** A run-relative path as a relative URL (each segment percent-encoded). */
export function relUrl(rel: string): string {
  return rel
    .split('/')
    .map((s) => encodeURIComponent(s))
    .join('/');
}

/** Number formatting for tables: 3 significant decimals for fractions, fewer for big values. */
export function fmt(v: number | null | undefined, digits = 3): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '–';
  if (Math.abs(v) >= 100) return v.toFixed(0);
  if (Math.abs(v) >= 10) return v.toFixed(1);
  return v.toFixed(digits);
}

/** p-values: "< 0.001" style below the smallest shown. */
export function fmtP(p: number | undefined): string {
  if (p === undefined || !Number.isFinite(p)) return '–';
  if (p < 0.001) return '< 0.001';
  return p.toFixed(3);
}

export function table(head: string[], rows: string[][], cls = ''): string {
  return `<table${cls ? ` class="${cls}"` : ''}><thead><tr>${head.map((h) => `<th>${h}</th>`).join('')}</tr></thead><tbody>${rows
    .map((r) => `<tr>${r.map((c) => `<td>${c}</td>`).join('')}</tr>`)
    .join('')}</tbody></table>`;
}

/** The box a section shows when its stage has not run. */
export function notRun(what: string, reason?: string): string {
  return `<p class="not-run">This stage has not run: ${esc(what)}${reason ? ` (${esc(reason)})` : ''}.</p>`;
}
