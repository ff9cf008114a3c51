/**
 * The brain viewer: niivue draws the subject's anatomy with one encoding map on
 * top (r per feature space, or the preferred-space labels); threshold and
 * colour map are live; a click asks the server what lies at that point.
 */
import { Niivue } from '@niivue/niivue';
import { $, fillSelect, fmt, h } from './dom.js';
import type { RunView, VoxelInfo } from './types.js';

const COLORMAPS = ['warm', 'hot', 'inferno', 'viridis', 'plasma', 'winter', 'red'];
/** Tableau 10, as the report's preferred-space pictures. */
const PALETTE = [
  [78, 121, 167],
  [242, 142, 43],
  [225, 87, 89],
  [118, 183, 178],
  [89, 161, 79],
  [237, 201, 72],
  [176, 122, 161],
  [255, 157, 167],
  [156, 117, 95],
  [186, 176, 172],
];

export async function initBrain(run: RunView): Promise<void> {
  const subSel = $('brain-subject') as HTMLSelectElement;
  const mapSel = $('brain-map') as HTMLSelectElement;
  const thr = $('brain-threshold') as HTMLInputElement;
  const thrOut = $('brain-threshold-value') as HTMLOutputElement;
  const cmSel = $('brain-colormap') as HTMLSelectElement;
  const status = $('brain-status');
  const info = $('voxel-info');
  const withMaps = run.subjects.filter((s) => run.perSubject[s]?.encoding?.anatomy);
  if (withMaps.length === 0) {
    status.textContent = 'This stage has not run: encoding (no maps in this run folder).';
    return;
  }
  fillSelect(subSel, withMaps);
  fillSelect(cmSel, COLORMAPS);
  const nv = new Niivue({
    backColor: [0, 0, 0, 1],
    show3Dcrosshair: true,
    isResizeCanvas: true,
    loadingText: 'loading',
    crosshairWidth: 1,
    crosshairColor: [0.3, 0.8, 1, 0.5],
  });
  await nv.attachToCanvas($('brain-canvas') as HTMLCanvasElement);
  nv.setSliceType(nv.sliceTypeMultiplanar);
  let current = '';

  const mapNames = (sub: string) => {
    const e = run.perSubject[sub]?.encoding;
    if (!e) return [];
    return [...Object.keys(e.maps).map((s) => `r: ${s}`), ...(e.preferred ? ['preferred space'] : [])];
  };

  const overlay = () => nv.volumes[1];

  const applyThreshold = () => {
    const v = overlay();
    thrOut.textContent = Number(thr.value).toFixed(3);
    if (!v || mapSel.value === 'preferred space') return;
    v.cal_min = Number(thr.value);
    nv.updateGLVolume();
  };

  const load = async () => {
    const sub = subSel.value;
    const e = run.perSubject[sub]?.encoding;
    if (!e?.anatomy) return;
    const choice = mapSel.value;
    status.textContent = `loading ${sub} ${choice}…`;
    const isPref = choice === 'preferred space';
    const url = isPref ? e.preferred : e.maps[choice.replace(/^r: /, '')];
    if (!url) return;
    await nv.loadVolumes([
      { url: e.anatomy, name: 'anatomy.nii.gz' },
      { url, colormap: isPref ? 'gray' : cmSel.value, opacity: isPref ? 0.9 : 0.85 },
    ]);
    const v = overlay();
    if (!v) return;
    if (isPref) {
      const n = 11;
      v.setColormapLabel({
        R: [0, ...PALETTE.map((c) => c[0] as number)].slice(0, n),
        G: [0, ...PALETTE.map((c) => c[1] as number)].slice(0, n),
        B: [0, ...PALETTE.map((c) => c[2] as number)].slice(0, n),
        A: [0, ...PALETTE.map(() => 255)].slice(0, n),
        I: Array.from({ length: n }, (_, i) => i),
      });
      thr.disabled = true;
    } else {
      const max = dataMax(v as unknown as { img?: ArrayLike<number> });
      thr.disabled = false;
      thr.max = String(max);
      thr.step = String(max / 200);
      thr.value = String(0.2 * max);
      v.cal_max = max;
      v.cal_min = Number(thr.value);
    }
    nv.updateGLVolume();
    applyThreshold();
    current = sub;
    status.textContent = `${sub}: ${choice} over the subject's T1w`;
    if (isPref && e.preferredLabels) await prefLegend(status, e.preferredLabels);
    document.body.dataset.brainLoaded = '1';
  };

  subSel.addEventListener('change', () => {
    fillSelect(mapSel, mapNames(subSel.value));
    void load();
  });
  mapSel.addEventListener('change', () => void load());
  cmSel.addEventListener('change', () => {
    const v = overlay();
    if (v && mapSel.value !== 'preferred space') nv.setColormap(v.id, cmSel.value);
  });
  thr.addEventListener('input', applyThreshold);

  let seq = 0;
  nv.onLocationChange = (loc: unknown) => {
    const mm = (loc as { mm?: ArrayLike<number> }).mm;
    if (!mm || !current) return;
    const my = ++seq;
    const q = new URLSearchParams({ subject: current, x: String(mm[0]), y: String(mm[1]), z: String(mm[2]) });
    // The time course shows the prediction of the space on screen (the server falls back to its default).
    if (mapSel.value.startsWith('r: ')) q.set('space', mapSel.value.slice(3));
    fetch(`/api/voxel?${q}`)
      .then((r) => r.json())
      .then((d: VoxelInfo) => {
        if (my === seq) showVoxel(info, d);
      })
      .catch(() => {});
  };
  fillSelect(mapSel, mapNames(subSel.value));
  await load();
}

/** Colour swatches of the preferred-space labels (index<TAB>name table next to the map). */
async function prefLegend(box: HTMLElement, url: string): Promise<void> {
  const text = await (await fetch(url)).text();
  const rows = text.split(/\r?\n/).slice(1).filter(Boolean);
  for (const row of rows) {
    const [k, name] = row.split('\t');
    const i = Number(k);
    if (!(i > 0)) continue;
    const c = PALETTE[(i - 1) % PALETTE.length] as number[];
    const sw = h('span', { class: 'swatch' });
    sw.style.background = `rgb(${c.join(',')})`;
    box.append(' ', sw, ` ${name ?? k}`);
  }
}

/** Largest finite voxel value of a loaded volume (niivue's own range is robust, which clips sparse maps). */
function dataMax(v: { img?: ArrayLike<number> }): number {
  let max = 0;
  const img = v.img ?? [];
  for (let i = 0; i < img.length; i++) {
    const x = img[i] as number;
    if (x > max && Number.isFinite(x)) max = x;
  }
  return max || 1;
}

function showVoxel(box: HTMLElement, d: VoxelInfo): void {
  const rows: Array<[string, string]> = [
    ['position (mm)', d.mm.map((v) => v.toFixed(1)).join(', ')],
    ['voxel', d.voxel ? d.voxel.join(', ') : 'outside the maps'],
    // No label: the point lies outside the atlas's labelled voxels (outside the brain, on this grid).
    ['ROI', d.roi ?? (d.atlas ? 'outside the atlas' : 'no atlas in this run')],
    ...Object.entries(d.r).map(([s, v]): [string, string] => [`r ${s}`, fmt(v)]),
    ['noise ceiling', fmt(d.noiseCeiling)],
    ['preferred space', d.preferred ?? '–'],
  ];
  const table = h('table', { id: 'voxel-table' });
  for (const [k, v] of rows) table.append(h('tr', {}, h('th', {}, k), h('td', {}, v)));
  box.replaceChildren(table);
  if (d.timecourse) box.append(timecourse(d.timecourse));
  else box.append(h('p', { class: 'hint' }, 'No test time course kept for this voxel.'));
}

/** Measured (blue) vs predicted (orange) test time course as a small SVG line chart. */
function timecourse(tc: NonNullable<VoxelInfo['timecourse']>): HTMLElement {
  const W = 300;
  const H = 120;
  const all = [...tc.measured, ...tc.predicted];
  const lo = Math.min(...all);
  const hi = Math.max(...all);
  const n = tc.measured.length;
  const pts = (ys: number[]) =>
    ys
      .map(
        (y, i) =>
          `${((i / Math.max(1, n - 1)) * (W - 10) + 5).toFixed(1)},${(H - 5 - ((y - lo) / (hi - lo || 1)) * (H - 10)).toFixed(1)}`,
      )
      .join(' ');
  const ns = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(ns, 'svg');
  svg.setAttribute('width', String(W));
  svg.setAttribute('height', String(H));
  svg.setAttribute('id', 'timecourse');
  for (const [ys, color] of [
    [tc.measured, '#2a5db0'],
    [tc.predicted, '#d9730d'],
  ] as const) {
    const pl = document.createElementNS(ns, 'polyline');
    pl.setAttribute('points', pts(ys as number[]));
    pl.setAttribute('fill', 'none');
    pl.setAttribute('stroke', color);
    pl.setAttribute('stroke-width', '1.5');
    svg.append(pl);
  }
  return h(
    'div',
    {},
    h(
      'p',
      {},
      'Test time course (',
      h('span', { class: 'legend-m' }, 'measured'),
      ' vs ',
      h('span', { class: 'legend-p' }, `predicted from ${tc.space}`),
      ')',
    ),
    svg,
  );
}
