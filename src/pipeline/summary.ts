/** The decoder × metric table printed at the end of a run (and shown in the README). */
import type { MetricSummary, MetricsFile } from '../evaluate/metrics-schema.js';

interface Column {
  key: string;
  title: string;
  digits: number;
  percent?: boolean;
}

const COLUMNS: Column[] = [
  { key: 'identification', title: 'identification', digits: 3 },
  { key: 'identification.trainCv', title: 'CV-train ident.', digits: 3 },
  { key: 'embeddingR', title: 'embedding r', digits: 3 },
  { key: 'retrieval60.top1', title: '60-way top-1', digits: 1, percent: true },
  { key: 'retrieval60.meanRank', title: 'mean rank', digits: 1 },
  { key: 'identification.withinGenre', title: 'within genre', digits: 3 },
  { key: 'logo.identification', title: 'unseen genre', digits: 3 },
];

function cell(s: MetricSummary | undefined, c: Column): string {
  if (!s || s.mean === null) return '–';
  const f = (v: number) => (c.percent ? (100 * v).toFixed(c.digits) : v.toFixed(c.digits));
  return `${f(s.mean)} ± ${f(s.sd ?? 0)}`;
}

function chanceCell(metrics: MetricsFile, c: Column): string {
  for (const b of Object.values(metrics.decoding)) {
    const s = b.summary[c.key];
    if (s) return c.percent ? (100 * s.chance).toFixed(c.digits) : s.chance.toFixed(c.digits === 1 ? 1 : 2);
  }
  return '–';
}

/** Worst (largest) permutation p over subjects of a decoder's identification. */
function worstP(metrics: MetricsFile, decoder: string): string {
  const ps = Object.values(metrics.decoding[decoder]?.perSubject ?? {})
    .map((m) => m.identification?.p)
    .filter((p): p is number => p !== undefined);
  if (!ps.length) return '–';
  const p = Math.max(...ps);
  return p < 0.001 ? '< 0.001' : p.toFixed(3);
}

/** Retrieval from the library: genre of the top track, brain vs oracle vs chance, per decoder. */
export function formatRetrievalTable(metrics: MetricsFile): string {
  if (!metrics.retrieval) return `retrieval: skipped (${metrics.skipped.retrieval ?? 'not run'})`;
  const head = [
    'retrieval (genre of top track)',
    'brain',
    'oracle',
    'random track',
    'chance',
    'identification brain / oracle',
  ];
  const f = (v: MetricSummary | undefined) => (v?.mean == null ? '–' : v.mean.toFixed(3));
  const rows = Object.entries(metrics.retrieval).map(([d, b]) => [
    d,
    f(b.summary['genreTop1.brain']),
    f(b.summary['genreTop1.oracle']),
    f(b.summary['genreTop1.chance']),
    b.summary['genreTop1.brain']?.chance.toFixed(3) ?? '–',
    `${f(b.summary['identification.brain'])} / ${f(b.summary['identification.oracle'])}`,
  ]);
  const widths = head.map((h, j) => Math.max(h.length, ...rows.map((r) => (r[j] ?? '').length)));
  const line = (r: string[]) =>
    r.map((v, j) => (j === 0 ? v.padEnd(widths[j]!) : v.padStart(widths[j]!))).join('  ');
  return [line(head), line(widths.map((w) => '─'.repeat(w))), ...rows.map(line)].join('\n');
}

/** Plain-text table: one row per decoder, mean ± SD over subjects, chance in the last row. */
export function formatSummaryTable(metrics: MetricsFile): string {
  const head = ['decoder', ...COLUMNS.map((c) => c.title), 'max p'];
  const rows = Object.keys(metrics.decoding).map((d) => [
    d,
    ...COLUMNS.map((c) => cell(metrics.decoding[d]?.summary[c.key], c)),
    worstP(metrics, d),
  ]);
  rows.push(['chance', ...COLUMNS.map((c) => chanceCell(metrics, c)), '']);
  const widths = head.map((h, j) => Math.max(h.length, ...rows.map((r) => (r[j] ?? '').length)));
  const line = (r: string[]) =>
    r.map((v, j) => (j === 0 ? v.padEnd(widths[j]!) : v.padStart(widths[j]!))).join('  ');
  return [line(head), line(widths.map((w) => '─'.repeat(w))), ...rows.map(line)].join('\n');
}
