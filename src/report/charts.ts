/**
 * Charts as inline SVG, drawn in Node by Observable Plot on linkedom's DOM.
 * Plot's continuous colour legend paints a canvas, which a server-side DOM lacks,
 * so ramp legends are drawn here as an SVG gradient instead. Namespace
 * attributes are dropped: inline SVG in HTML does not need them, and it keeps
 * the report free of any URL-looking text.
 */
import * as Plot from '@observablehq/plot';
import { parseHTML } from 'linkedom';
import { colormap, hex } from './png.js';

const { document } = parseHTML('<!doctype html><html><head></head><body></body></html>');

let gradientCounter = 0;

/** The part of a DOM element this module reads (linkedom's elements have it). */
interface HtmlNode {
  outerHTML: string;
}

function serialise(el: HtmlNode): string {
  return el.outerHTML.replace(/\s+xmlns(:xlink)?="[^"]*"/g, '');
}

/** A Plot chart as an HTML string (an `<svg>` or a `<figure>` holding one). */
export function plotHtml(options: Plot.PlotOptions): string {
  const el = Plot.plot({
    ...options,
    document: document as unknown as NonNullable<Plot.PlotOptions['document']>,
    style: { fontSize: '11px' },
  });
  return serialise(el as unknown as HtmlNode);
}

/** Wraps a chart so tests and readers can find it: `<div class="chart" data-chart=name>`. */
function tagged(html: string, name: string): string {
  return `<div class="chart" data-chart="${name}">${html}</div>`;
}

/** A horizontal colour ramp legend (SVG) for a continuous scale. */
export function rampLegend(label: string, min: number, max: number, scheme = 'viridis', width = 240): string {
  const id = `ramp${++gradientCounter}`;
  const stops = Array.from({ length: 11 }, (_, i) => {
    const t = i / 10;
    return `<stop offset="${t}" stop-color="${hex(colormap(scheme, t))}"/>`;
  }).join('');
  const fmt = (v: number) => (Math.abs(v) >= 100 ? v.toFixed(0) : v.toFixed(2));
  return `<svg class="legend-ramp" width="${width}" height="38" viewBox="0 0 ${width} 38" role="img" aria-label="${label}"><defs><linearGradient id="${id}">${stops}</linearGradient></defs><text x="0" y="10" font-size="10">${label}</text><rect x="0" y="14" width="${width}" height="10" fill="url(#${id})"/><text x="0" y="35" font-size="10">${fmt(min)}</text><text x="${width}" y="35" font-size="10" text-anchor="end">${fmt(max)}</text></svg>`;
}

export interface SubjectPoint {
  subject: string;
  decoder: string;
  value: number;
  lo?: number;
  hi?: number;
}

/** Identification per subject (dots) with 95 % CI (rules) and the chance line. */
export function identificationChart(points: SubjectPoint[], chance: number): string {
  return tagged(
    plotHtml({
      width: 640,
      height: 260,
      marginLeft: 50,
      y: {
        domain: [Math.min(chance - 0.05, ...points.map((p) => p.lo ?? p.value)), 1],
        label: 'identification accuracy',
        grid: true,
      },
      x: { axis: null, label: null },
      fx: { label: null },
      color: { legend: true, label: 'decoder' },
      marks: [
        Plot.ruleY([chance], { stroke: '#c00', strokeDasharray: '4,3' }),
        Plot.ruleX(
          points.filter((p) => p.lo !== undefined),
          { x: 'decoder', fx: 'subject', y1: 'lo', y2: 'hi', stroke: 'decoder', strokeWidth: 2 },
        ),
        Plot.dot(points, { x: 'decoder', fx: 'subject', y: 'value', fill: 'decoder', r: 4, tip: false }),
        Plot.text([chance], {
          y: (d: number) => d,
          text: () => 'chance',
          frameAnchor: 'left',
          dy: -6,
          fill: '#c00',
        }),
      ],
    } as Plot.PlotOptions),
    'identification',
  );
}

/** Cells: genre (rows) × column label, coloured by value; values printed. */
export function heatmapChart(
  cells: Array<{ row: string; col: string; value: number }>,
  label: string,
  min: number,
  max: number,
): string {
  const chart = plotHtml({
    width: Math.max(320, 150 + 70 * new Set(cells.map((c) => c.col)).size),
    height: 100 + 24 * new Set(cells.map((c) => c.row)).size,
    marginLeft: 80,
    // Slanted column names: decoder names are wider than a 70-px column.
    marginTop: 90,
    marginRight: 70,
    padding: 0.05,
    x: { label: null, axis: 'top', tickRotate: -35 },
    y: { label: null },
    color: { type: 'linear', scheme: 'viridis', domain: [min, max] },
    marks: [
      Plot.cell(cells, { x: 'col', y: 'row', fill: 'value' }),
      Plot.text(cells, {
        x: 'col',
        y: 'row',
        text: (d: { value: number }) => d.value.toFixed(2),
        fill: (d: { value: number }) => ((d.value - min) / (max - min || 1) > 0.6 ? 'black' : 'white'),
      }),
    ],
  });
  return `<div class="chart" data-chart="heatmap">${rampLegend(label, min, max)}${chart}</div>`;
}

export interface BarRow {
  group: string;
  metric: string;
  mean: number;
  sd: number;
  chance: number;
}

/** Mean ± SD per group, one panel per metric, with each metric's chance level. */
export function barChart(rows: BarRow[], name: string): string {
  return tagged(
    plotHtml({
      width: 420,
      height: 240,
      marginLeft: 50,
      marginBottom: 50,
      fx: { label: null },
      x: { label: null, tickRotate: -20 },
      y: { label: 'mean ± SD over subjects', grid: true },
      color: { legend: true },
      marks: [
        Plot.barY(rows, { x: 'group', fx: 'metric', y: 'mean', fill: 'group' }),
        Plot.ruleX(rows, {
          x: 'group',
          fx: 'metric',
          y1: (d: BarRow) => d.mean - d.sd,
          y2: (d: BarRow) => d.mean + d.sd,
          stroke: 'black',
        }),
        Plot.tickY(rows, {
          x: 'group',
          fx: 'metric',
          y: 'chance',
          stroke: '#c00',
          strokeWidth: 2,
          strokeDasharray: '3,2',
        }),
        Plot.ruleY([0]),
      ],
    }),
    name,
  );
}

/** Histogram of 60-way ranks per decoder (1 = best), with the chance mean rank. */
export function rankHistogram(ranks: Array<{ decoder: string; rank: number }>, nItems: number): string {
  return tagged(
    plotHtml({
      width: 680,
      height: 220,
      marginLeft: 50,
      marginRight: 100,
      x: { label: `rank of the true clip among ${nItems} (1 = best)`, domain: [0.5, nItems + 0.5] },
      y: { label: 'clips (all subjects)', grid: true },
      fy: { label: null },
      color: { legend: true },
      marks: [
        Plot.rectY(
          ranks,
          Plot.binX({ y: 'count' }, {
            x: 'rank',
            fy: 'decoder',
            fill: 'decoder',
            thresholds: Array.from({ length: 21 }, (_, i) => 0.5 + (i * nItems) / 20),
          } as Parameters<typeof Plot.binX>[1]),
        ),
        Plot.ruleX([(nItems + 1) / 2], { stroke: '#c00', strokeDasharray: '4,3' }),
        Plot.ruleY([0]),
      ],
    }),
    'ranks',
  );
}

/** Dots per metric for the brain, the oracle, the random baseline and the chance level. */
export function comparisonDots(
  rows: Array<{ metric: string; kind: string; value: number }>,
  name: string,
): string {
  // Correlations can be negative; everything else here is a rate in [0, 1].
  const lo = Math.min(0, ...rows.map((r) => r.value));
  return tagged(
    plotHtml({
      width: 640,
      height: 40 + 28 * new Set(rows.map((r) => r.metric)).size,
      marginLeft: 160,
      x: { label: 'value (mean over subjects)', grid: true, domain: [lo, 1] },
      y: { label: null },
      color: {
        legend: true,
        domain: ['brain', 'oracle', 'random', 'chance'],
        range: ['#4e79a7', '#59a14f', '#f28e2b', '#c00'],
      },
      symbol: {
        domain: ['brain', 'oracle', 'random', 'chance'],
        range: ['circle', 'diamond', 'square', 'times'],
      },
      marks: [
        Plot.ruleY(rows, Plot.groupY({ x1: 'min', x2: 'max' }, { y: 'metric', x: 'value', stroke: '#bbb' })),
        Plot.dot(rows, { y: 'metric', x: 'value', stroke: 'kind', symbol: 'kind', r: 5, strokeWidth: 2 }),
      ],
    }),
    name,
  );
}

/** Horizontal bars for an ordered ROI profile (e.g. mean r along the auditory hierarchy). */
export function hierarchyChart(
  rows: Array<{ roi: string; value: number; level?: string }>,
  label: string,
): string {
  return tagged(
    plotHtml({
      width: 640,
      height: 40 + 22 * rows.length,
      marginLeft: 180,
      x: { label, grid: true },
      y: { label: null, domain: rows.map((r) => r.roi) },
      color: { legend: rows.some((r) => r.level), label: 'level' },
      marks: [
        Plot.barX(rows, { y: 'roi', x: 'value', fill: (d: { level?: string }) => d.level ?? 'ROI' }),
        Plot.ruleX([0]),
      ],
    }),
    'hierarchy',
  );
}
