/**
 * `report.html`: one self-contained page per run that opens from disk with no
 * network. Charts are inline SVG (Observable Plot in Node), pictures are PNGs
 * in `report/` next to it (spectrograms, brain slices), audio is linked
 * relatively from `audio/`. Each section reads its stage's outputs and says
 * "this stage has not run" when they are absent.
 */
import { existsSync } from 'node:fs';
import { mkdir, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { MetricBlock, MetricsFile, MetricValue } from '../evaluate/metrics-schema.js';
import { readNifti } from '../io/nifti/index.js';
import { writeFileAtomic } from '../util/atomic.js';
import { type ProgressSink, silentProgress } from '../util/progress.js';
import { mapInWorkers } from '../util/worker-pool.js';
import { anatomyPath } from './anatomy.js';
import { formatAttribute } from './attributes.js';
import {
  barChart,
  comparisonDots,
  heatmapChart,
  hierarchyChart,
  identificationChart,
  rampLegend,
  rankHistogram,
  type SubjectPoint,
} from './charts.js';
import { esc, fmt, fmtP, notRun, relUrl, table } from './html.js';
import { readLabelTable } from './labels.js';
import { readAnswers, summariseAnswers } from './listening.js';
import { CATEGORICAL, hex } from './png.js';
import { PUBLISHED, PUBLISHED_RETRIEVAL } from './published.js';
import { encodingPath, type RunData, readRun } from './run-data.js';
import { axialMontage } from './slices.js';
import { spectrogramPng } from './spectrogram.js';
import { REPORT_CSS, REPORT_SCRIPT } from './style.js';

export interface ReportOptions {
  progress?: ProgressSink;
  /** Subject shown first in the clip and encoding sections (default: config.json's report.subject). */
  subject?: string;
  /** Draw spectrograms (default: config.json's report.spectrograms, else true). */
  spectrograms?: boolean;
}

export interface ReportResult {
  path: string;
  /** Size of report.html. */
  bytes: number;
  /** Size of the report/ assets folder (PNGs). */
  assetBytes: number;
  seconds: number;
}

type Kind = 'brain' | 'oracle' | 'random';

/**
 * Name → base metric and kind. Retrieval names end in the kind (`genreTop1.oracle`,
 * `identification.chance` = a random library track); reconstruction names start with
 * it (`oracle.genre_top2`, `random.logmel_r` = the generator conditioned on a random
 * training clip). Unmarked names are the brain's.
 */
function splitKind(name: string): { base: string; kind: Kind } {
  if (name.startsWith('oracle.')) return { base: name.slice(7), kind: 'oracle' };
  if (name.startsWith('random.')) return { base: name.slice(7), kind: 'random' };
  if (name.endsWith('.oracle')) return { base: name.slice(0, -7), kind: 'oracle' };
  if (name.endsWith('.chance')) return { base: name.slice(0, -7), kind: 'random' };
  if (name.endsWith('.brain')) return { base: name.slice(0, -6), kind: 'brain' };
  return { base: name, kind: 'brain' };
}

/** Largest p over subjects (the weakest subject's evidence), and how many subjects had one. */
function worstP(block: MetricBlock, metric: string): { p?: number; n: number } {
  let p: number | undefined;
  let n = 0;
  for (const set of Object.values(block.perSubject)) {
    const v = set[metric]?.p;
    if (v !== undefined) {
      n++;
      p = p === undefined ? v : Math.max(p, v);
    }
  }
  return { p, n };
}

function summaryTable(blocks: Record<string, MetricBlock>, rowLabel: string): string {
  const metrics = [...new Set(Object.values(blocks).flatMap((b) => Object.keys(b.summary)))];
  const rows = Object.entries(blocks).map(([name, b]) => [
    `<b>${esc(name)}</b>`,
    ...metrics.map((m) => {
      const s = b.summary[m];
      if (!s) return '–';
      const { p, n } = worstP(b, m);
      const arrow = s.better === 'lower' ? '↓' : '↑';
      return `${fmt(s.mean)} ± ${fmt(s.sd)}<br><small>chance ${fmt(s.chance)} ${arrow}${p !== undefined ? `; p ${p < 0.001 ? '< 0.001' : `≤ ${fmtP(p)}`} (${n} subj.)` : ''}</small>`;
    }),
  ]);
  return table([esc(rowLabel), ...metrics.map(esc)], rows, 'summary');
}

function publishedTable(): string {
  const pm = (v: [number, number] | null) => (v ? `${v[0].toFixed(3)} ± ${v[1].toFixed(3)}` : '–');
  return `${table(
    ['system', 'embedding', 'identification', 'embedding r'],
    PUBLISHED.map((r) => [esc(r.system), esc(r.embedding), pm(r.identification), pm(r.embeddingR)]),
    'published',
  )}<p class="note">Published test-set numbers (mean ± SD over 5 subjects) on the real ds003720 fMRI with other embeddings (MuLan, w2v-BERT, CLAP): <b>other data, other embedding</b> — a reference point, not a like-for-like comparison. Follow-ups report 60-way top-1 ≈ ${(PUBLISHED_RETRIEVAL.top1 * 100).toFixed(0)} % (chance ${(PUBLISHED_RETRIEVAL.top1Chance * 100).toFixed(1)} %) and genre of the retrieved clip ≈ ${(PUBLISHED_RETRIEVAL.genre * 100).toFixed(0)} % (chance ${(PUBLISHED_RETRIEVAL.genreChance * 100).toFixed(0)} %).</p>`;
}

function section(id: string, title: string, body: string): string {
  return `<section id="${id}"><h2>${esc(title)}</h2>${body}</section>`;
}

function sectionSummary(run: RunData): string {
  if (!run.metrics.ok)
    return section('summary', 'Summary', notRun('evaluation', run.metrics.reason) + publishedTable());
  const m = run.metrics.value;
  return section(
    'summary',
    'Summary',
    `<p>Decoding of the <b>${esc(m.embedder)}</b> embedding from fMRI, ${m.subjects.length} subject(s); mean ± SD over subjects, each with its chance level and the largest per-subject permutation p.</p>
    <div class="two"><div><h3>This run</h3>${summaryTable(m.decoding, 'decoder')}</div><div><h3>Published (other data, other embedding)</h3>${publishedTable()}</div></div>`,
  );
}

function sectionIdentification(run: RunData): string {
  if (!run.metrics.ok) return section('identification', 'Identification per subject', notRun('evaluation'));
  const pts: SubjectPoint[] = [];
  let chance = 0.5;
  for (const [dec, b] of Object.entries(run.metrics.value.decoding)) {
    for (const [sub, set] of Object.entries(b.perSubject)) {
      const v = set.identification;
      if (!v || v.value === null) continue;
      chance = v.chance;
      pts.push({ subject: sub, decoder: dec, value: v.value, lo: v.ci95?.[0], hi: v.ci95?.[1] });
    }
  }
  if (pts.length === 0)
    return section('identification', 'Identification per subject', notRun('identification'));
  return section(
    'identification',
    'Identification per subject',
    `<p>Test-set identification accuracy (strict &gt;, chance ${fmt(chance)} dashed) with bootstrap 95 % CI over clips.</p>${identificationChart(pts, chance)}`,
  );
}

/** Per-clip identification from a 60-way rank: the share of other clips it beats, (n − rank)/(n − 1). */
function identFromRank(rank: number, n: number): number {
  return (n - rank) / (n - 1);
}

function sectionGenres(run: RunData): string {
  const genreOf = new Map(run.testClips.map((c) => [c.id, c.genre]));
  const acc = new Map<string, { s: number; n: number }>();
  let nWay = 60;
  for (const decs of Object.values(run.ranks)) {
    for (const [dec, ranks] of Object.entries(decs)) {
      const n = Object.keys(ranks).length;
      nWay = n;
      for (const [clip, rank] of Object.entries(ranks)) {
        const g = genreOf.get(clip) ?? clip.split('.')[0] ?? '?';
        const key = `${g}\u0000${dec}`;
        const a = acc.get(key) ?? { s: 0, n: 0 };
        a.s += identFromRank(rank, n);
        a.n++;
        acc.set(key, a);
      }
    }
  }
  if (acc.size === 0) return section('genres', 'Identification by genre', notRun('decoding (no ranks.json)'));
  const cells = [...acc.entries()]
    .map(([k, a]) => {
      const [row, col] = k.split('\u0000') as [string, string];
      return { row, col, value: a.s / a.n };
    })
    .sort((p, q) => p.row.localeCompare(q.row));
  return section(
    'genres',
    'Identification by genre',
    `<p>Mean identification accuracy of each genre's test clips (from the ${nWay}-way ranks, all subjects pooled; chance 0.5).</p>${heatmapChart(cells, 'identification accuracy', 0.5, 1)}`,
  );
}

function sectionDecoders(run: RunData): string {
  if (!run.metrics.ok) return section('decoders', 'Decoder comparison', notRun('evaluation'));
  const charts: string[] = [];
  for (const metric of ['identification', 'embeddingR']) {
    const rows = [];
    for (const [dec, b] of Object.entries(run.metrics.value.decoding)) {
      const s = b.summary[metric];
      if (s?.mean == null) continue;
      rows.push({ group: dec, metric, mean: s.mean, sd: s.sd ?? 0, chance: s.chance });
    }
    // One chart per metric: their scales differ too much to share an axis.
    if (rows.length) charts.push(`<div>${barChart(rows, `decoders-${metric}`)}</div>`);
  }
  if (charts.length === 0) return section('decoders', 'Decoder comparison', notRun('decoding'));
  return section(
    'decoders',
    'Decoder comparison',
    `<p>Mean ± SD over subjects; chance level as a red tick.</p><div class="two">${charts.join('')}</div>`,
  );
}

function sectionRanks(run: RunData): string {
  const ranks: Array<{ decoder: string; rank: number }> = [];
  let nItems = 60;
  for (const decs of Object.values(run.ranks))
    for (const [dec, r] of Object.entries(decs)) {
      nItems = Object.keys(r).length;
      for (const v of Object.values(r)) ranks.push({ decoder: dec, rank: v });
    }
  if (ranks.length === 0)
    return section('ranks', `60-way retrieval ranks`, notRun('decoding (no ranks.json)'));
  let tbl = '';
  if (run.metrics.ok) {
    const rows = Object.entries(run.metrics.value.decoding).map(([dec, b]) => [
      esc(dec),
      ...['retrieval60.top1', 'retrieval60.top5', 'retrieval60.meanRank'].map((m) => {
        const s = b.summary[m];
        return s ? `${fmt(s.mean)} ± ${fmt(s.sd)} <small>(chance ${fmt(s.chance)})</small>` : '–';
      }),
    ]);
    tbl = table(['decoder', 'top-1', 'top-5', 'mean rank'], rows);
  }
  return section(
    'ranks',
    `${nItems}-way retrieval ranks`,
    `<p>Rank of each test clip's true embedding among all ${nItems} test clips (1 = best); the dashed line is the chance mean rank ${fmt((nItems + 1) / 2)}.</p>${rankHistogram(ranks, nItems)}${tbl}`,
  );
}

/**
 * One row per metric and kind (brain, oracle, random baseline) plus the metric's chance
 * level, for the metrics on a 0–1 scale (accuracies, correlations); the others (BPM,
 * dB) are returned by name, for the summary table only.
 */
function kindRows(block: MetricBlock): {
  rows: Array<{ metric: string; kind: string; value: number }>;
  offScale: string[];
} {
  const rows: Array<{ metric: string; kind: string; value: number }> = [];
  const chance = new Map<string, number>();
  for (const [name, s] of Object.entries(block.summary)) {
    if (s.mean === null) continue;
    const { base, kind } = splitKind(name);
    rows.push({ metric: base, kind, value: s.mean });
    if (kind === 'brain' || !chance.has(base)) chance.set(base, s.chance);
  }
  for (const [metric, value] of chance) rows.push({ metric, kind: 'chance', value });
  const offScale = [...new Set(rows.filter((r) => !(r.value >= -1 && r.value <= 1)).map((r) => r.metric))];
  return { rows: rows.filter((r) => !offScale.includes(r.metric)), offScale };
}

/** The dot chart of a block, and a line naming the metrics it leaves to the table. */
function kindChart(block: MetricBlock, name: string): string {
  const { rows, offScale } = kindRows(block);
  const note = offScale.length
    ? `<p class="note">Not on the 0–1 axis (see the table): ${offScale.map(esc).join(', ')}.</p>`
    : '';
  return comparisonDots(rows, name) + note;
}

function sectionLibrary(run: RunData): string {
  const m = run.metrics.ok ? run.metrics.value : undefined;
  if (!m?.retrieval || Object.keys(m.retrieval).length === 0)
    return section('library', 'Library retrieval', notRun('retrieval', m?.skipped.retrieval));
  const parts = Object.entries(m.retrieval).map(
    ([dec, b]) => `<h3>${esc(dec)}</h3>${kindChart(b, `retrieval-${dec}`)}`,
  );
  return section(
    'library',
    'Library retrieval',
    `<p>Nearest library track to the predicted embedding (brain), to the true embedding (oracle), a random track (random), and the chance level.</p>${summaryTable(m.retrieval, 'decoder')}${parts.join('')}`,
  );
}

function sectionReconstruction(run: RunData): string {
  const m = run.metrics.ok ? run.metrics.value : undefined;
  if (!m?.reconstruction || Object.keys(m.reconstruction).length === 0)
    return section('reconstruction', 'Reconstruction metrics', notRun('generation', m?.skipped.generation));
  const parts = Object.entries(m.reconstruction).map(
    ([gen, b]) => `<h3>${esc(gen)}</h3>${kindChart(b, `reconstruction-${gen}`)}`,
  );
  return section(
    'reconstruction',
    'Reconstruction metrics',
    `<p>Measures on the generated audio, against the oracle (generated from the true embedding), the random baseline (generated from a random training clip) and chance.</p>${summaryTable(m.reconstruction, 'generator')}${parts.join('')}`,
  );
}

/** Where the spectrogram PNG of a run-relative MP3 goes (run-relative). */
function spectrogramRel(audioRel: string): string {
  return `report/spectrograms/${audioRel.replace(/^audio\//, '').replace(/\.mp3$/, '.png')}`;
}

const SPECTROGRAM_TASK = new URL('./spectrogram-task.ts', import.meta.url);

/**
 * Makes the spectrogram PNGs of run-relative MP3s (drawn on worker threads, one
 * per core, written atomically here), reusing those newer than their audio.
 * Returns audio → PNG (run-relative) for those that exist; audio that is missing
 * or cannot be decoded gets none, and the player shows without a picture.
 */
async function spectrogramsFor(
  run: RunData,
  audioRels: readonly string[],
  progress: ProgressSink,
): Promise<{ pngs: Map<string, string>; made: number }> {
  const pngs = new Map<string, string>();
  const todo: string[] = [];
  for (const rel of new Set(audioRels)) {
    const src = join(run.root, rel);
    if (!existsSync(src)) continue;
    const out = join(run.root, spectrogramRel(rel));
    if (existsSync(out) && (await stat(out)).mtimeMs >= (await stat(src)).mtimeMs)
      pngs.set(rel, spectrogramRel(rel));
    else todo.push(rel);
  }
  progress.start('report: spectrograms', todo.length);
  let made = 0;
  // One undecodable file must not cost the others their pictures: draw each
  // alone (in this thread) when the batch fails.
  const write = async (rel: string, png: Uint8Array) => {
    const out = join(run.root, spectrogramRel(rel));
    await mkdir(dirname(out), { recursive: true });
    await writeFileAtomic(out, png);
    pngs.set(rel, spectrogramRel(rel));
    progress.update(++made);
  };
  try {
    await mapInWorkers<string, Uint8Array>(
      SPECTROGRAM_TASK,
      todo.map((rel) => join(run.root, rel)),
      { onResult: (i, png) => write(todo[i] as string, png) },
    );
  } catch {
    for (const rel of todo) {
      if (pngs.has(rel)) continue;
      try {
        await write(rel, new Uint8Array(await spectrogramPng(join(run.root, rel))));
      } catch {
        // No picture for this file; the report says nothing false.
      }
    }
  }
  progress.finish(`${made} new`);
  return { pngs, made };
}

function player(run: RunData, audioRel: string | undefined, spec: string | null, label: string): string {
  if (!audioRel) return '<div class="missing">–</div>';
  if (!existsSync(join(run.root, audioRel)))
    return `<div class="missing">${esc(label)}: audio file missing</div>`;
  return `<figure class="player"><audio controls preload="none" src="${relUrl(audioRel)}"></audio>${spec ? `<img class="spec" alt="mel spectrogram of ${esc(label)}" src="${relUrl(spec)}">` : ''}</figure>`;
}

function attrs(a: Record<string, unknown> | undefined): string {
  if (!a) return '';
  return `<dl class="attrs">${Object.entries(a)
    .map(([k, v]) => `<dt>${esc(k)}</dt><dd>${esc(formatAttribute(k, v))}</dd>`)
    .join('')}</dl>`;
}

async function sectionClips(
  run: RunData,
  first: string | undefined,
  progress: ProgressSink,
  spectrograms: boolean,
): Promise<string> {
  if (run.testClips.length === 0) return section('clips', 'Test clips', notRun('design (no clips.json)'));
  const subjects = run.subjects;
  // Every audio file the table plays, so their pictures are drawn in one parallel batch.
  const audioRels: string[] = run.testClips.map((c) => `audio/stimuli/${c.id}.mp3`);
  for (const sub of subjects) {
    const ret = Object.values(run.retrieval[sub] ?? {})[0];
    const genFile = Object.values(run.generation[sub] ?? {})[0];
    for (const c of run.testClips) {
      const r = ret?.clips.find((x) => x.clip === c.id)?.brain[0];
      if (r) audioRels.push(`audio/library/${r.track}.mp3`);
      const g = genFile?.clips.find((x) => x.clip === c.id);
      if (g) audioRels.push(g.kept.audio);
    }
  }
  const specs = spectrograms
    ? (await spectrogramsFor(run, audioRels, progress)).pngs
    : new Map<string, string>();
  const specOf = (rel: string | undefined) => (rel ? (specs.get(rel) ?? null) : null);
  const panels: string[] = [];
  for (const sub of subjects) {
    const decoders = Object.keys(run.retrieval[sub] ?? {});
    const retDec = decoders[0];
    const ret = retDec ? run.retrieval[sub]?.[retDec] : undefined;
    const generators = Object.keys(run.generation[sub] ?? {});
    const gen = generators[0];
    const genFile = gen ? run.generation[sub]?.[gen] : undefined;
    const rankDecs = Object.keys(run.ranks[sub] ?? {});
    const rows: string[] = [];
    for (const c of run.testClips) {
      const r = ret?.clips.find((x) => x.clip === c.id)?.brain[0];
      const retAudio = r ? `audio/library/${r.track}.mp3` : undefined;
      const retSpec = specOf(retAudio);
      const g = genFile?.clips.find((x) => x.clip === c.id);
      const genSpec = specOf(g?.kept.audio);
      const rankText = rankDecs
        .map((d) => {
          const rk = run.ranks[sub]?.[d]?.[c.id];
          return rk === undefined ? '' : `<span class="rank">${esc(d)}: rank ${rk}</span>`;
        })
        .join(' ');
      rows.push(`<tr data-genre="${esc(c.genre)}">
        <td><b>${esc(c.id)}</b><br>${esc(c.genre)}<br>${rankText}<p class="caption">${esc(c.caption ?? '')}</p>${attrs(c.attributes)}</td>
        <td>${player(run, `audio/stimuli/${c.id}.mp3`, specOf(`audio/stimuli/${c.id}.mp3`), 'original')}</td>
        <td>${ret ? (r ? `${player(run, retAudio, retSpec, 'retrieved')}<small>${esc(r.track)} (${esc(r.genre ?? '?')}${r.score !== undefined ? `, cos ${fmt(r.score)}` : ''})</small>` : '–') : '<small>retrieval has not run</small>'}</td>
        <td>${genFile ? (g ? `${player(run, g.kept.audio, genSpec, 'generated')}${g.prompt ? `<small>${esc(g.prompt)}</small>` : ''}${attrs(g.attributes)}` : '–') : '<small>generation has not run</small>'}</td>
      </tr>`);
    }
    const head = `<p class="note">Retrieved: top-1 of <b>${esc(retDec ?? '–')}</b>; generated: kept sample of <b>${esc(gen ?? '–')}</b>.</p>`;
    panels.push(
      `<div class="subject-panel" data-subject="${esc(sub)}"${sub === first ? '' : ' hidden'}>${head}<table class="clips"><thead><tr><th>clip</th><th>original</th><th>retrieved (brain)</th><th>generated (brain)</th></tr></thead><tbody>${rows.join('')}</tbody></table></div>`,
    );
  }
  const select = `<label>Subject <select class="subject-select">${subjects
    .map((s) => `<option value="${esc(s)}"${s === first ? ' selected' : ''}>${esc(s)}</option>`)
    .join('')}</select></label>`;
  return section(
    'clips',
    'Test clips: original, retrieved, generated',
    `<p>Each test clip as heard in the scanner, the library track retrieved from the brain's predicted embedding, and the music generated from it, with mel spectrograms (64 bands, 80 dB range).</p>${select}${panels.join('')}`,
  );
}

async function sectionEncoding(
  run: RunData,
  first: string | undefined,
  progress: ProgressSink,
): Promise<string> {
  const subs = Object.keys(run.encoding);
  const m = run.metrics.ok ? run.metrics.value : undefined;
  if (subs.length === 0) return section('encoding', 'Encoding maps', notRun('encoding', m?.skipped.encoding));
  progress.start('report: brain slices', subs.length);
  const panels: string[] = [];
  for (const [si, sub] of subs.entries()) {
    const e = run.encoding[sub] as RunData['encoding'][string];
    const parts: string[] = [];
    const anatPath = anatomyPath(e);
    const anat = anatPath ? await readNifti(anatPath, { as: 'float32' }) : undefined;
    if (!anat)
      parts.push(
        `<p class="not-run">Anatomy not found (${esc(e.anatomy ?? 'not named in encoding.json')}): no slices.</p>`,
      );
    for (const space of e.spaces) {
      const f = e.maps[space]?.r;
      if (!anat || !f || !existsSync(encodingPath(e, f))) continue;
      const img = await readNifti(encodingPath(e, f), { as: 'float32' });
      // Only voxels that passed the encoding stage's significance test, when it wrote the mask.
      const sigFile = e.maps[space]?.significant;
      let masked = false;
      if (sigFile && existsSync(encodingPath(e, sigFile))) {
        const sig = await readNifti(encodingPath(e, sigFile), { as: 'float32' });
        if (sig.data.length === img.data.length) {
          const d = img.data as Float32Array;
          for (let i = 0; i < d.length; i++) if (!((sig.data[i] as number) > 0)) d[i] = 0;
          masked = true;
        }
      }
      let max = 0;
      for (const v of img.data as Float32Array) if (Number.isFinite(v)) max = Math.max(max, v);
      const thr = 0.1 * Math.max(max, 1e-6);
      const mont = axialMontage(anat, img, {
        kind: 'continuous',
        colormap: 'hot',
        min: thr,
        max,
        threshold: thr,
      });
      const rel = `report/encoding/${sub}_feat-${space}_r.png`;
      await writeFileAtomic(join(run.root, rel), mont.png);
      parts.push(
        `<figure class="slices"><figcaption>r map, <b>${esc(space)}</b> (test-set Pearson r${masked ? ', significant voxels' : ''}; shown above ${fmt(thr, 2)}), axial slices at z = ${mont.z.map((z) => z.toFixed(0)).join(', ')} mm; left on the left</figcaption><img alt="r map ${esc(space)} over anatomy" src="${relUrl(rel)}" width="${mont.width}" height="${mont.height}">${rampLegend('r', thr, max, 'hot')}</figure>`,
      );
    }
    if (anat && e.preferred && existsSync(encodingPath(e, e.preferred.dseg))) {
      const img = await readNifti(encodingPath(e, e.preferred.dseg), { as: 'float32' });
      const labels = await readLabelTable(encodingPath(e, e.preferred.labels));
      const mont = axialMontage(anat, img, { kind: 'categorical' });
      const rel = `report/encoding/${sub}_preferred.png`;
      await writeFileAtomic(join(run.root, rel), mont.png);
      const sw = [...labels.entries()]
        .filter(([k]) => k > 0)
        .map(
          ([k, name]) =>
            `<span class="swatch"><i style="background:${hex(CATEGORICAL[(k - 1) % CATEGORICAL.length] as [number, number, number])}"></i>${esc(name)}</span>`,
        )
        .join('');
      parts.push(
        `<figure class="slices"><figcaption>Preferred feature space (the space with the highest significant r per voxel)</figcaption><img alt="preferred space map" src="${relUrl(rel)}" width="${mont.width}" height="${mont.height}"><div class="swatches">${sw}</div></figure>`,
      );
    }
    if (e.rois.length) {
      parts.push(
        table(
          ['ROI', 'voxels', ...e.spaces.map((s) => `mean r ${esc(s)}`), 'noise ceiling', 'preferred'],
          e.rois.map((r) => [
            esc(r.roi),
            r.nVoxels === undefined ? '–' : String(r.nVoxels),
            ...e.spaces.map((s) => fmt(r.meanR?.[s] ?? null)),
            fmt(r.noiseCeiling ?? null),
            esc(r.preferred ?? '–'),
          ]),
          'rois',
        ),
      );
    }
    if (e.hierarchy?.rows.length) {
      const rows = [...e.hierarchy.rows].sort((a, b) => (a.order ?? 0) - (b.order ?? 0));
      parts.push(`<h3>Hierarchy</h3>${hierarchyChart(rows, e.hierarchy.metric)}`);
    }
    panels.push(
      `<div class="subject-panel" data-subject="${esc(sub)}"${sub === (subs.includes(first ?? '') ? first : subs[0]) ? '' : ' hidden'}>${parts.join('')}</div>`,
    );
    progress.update(si + 1);
  }
  progress.finish();
  const tbl = m?.encoding ? summaryTable(m.encoding, 'feature space') : '';
  const select = `<label>Subject <select class="subject-select">${subs
    .map((s) => `<option value="${esc(s)}"${s === first ? ' selected' : ''}>${esc(s)}</option>`)
    .join('')}</select></label>`;
  return section('encoding', 'Encoding maps', `${tbl}${select}${panels.join('')}`);
}

async function sectionListening(run: RunData): Promise<string> {
  const { answers, bad } = await readAnswers(run.root);
  if (answers.length === 0)
    return section(
      'listening',
      'Listening test',
      notRun('listening test', 'no answers yet; open b2m studio'),
    );
  const sums = summariseAnswers(answers);
  return section(
    'listening',
    'Listening test',
    `<p>Two-alternative forced choice: after the original, which of two reconstructions sounds closer. Exact two-sided binomial test against 0.5. ${answers.length} answers${bad ? `, ${bad} malformed lines ignored` : ''}.</p>${table(
      ['comparison', 'answers', 'raters', 'chose first', 'share', 'p (binomial)'],
      sums.map((s) => [
        esc(s.comparison),
        String(s.n),
        String(s.raters),
        `${s.firstChosen} × ${esc(s.first)}`,
        fmt(s.proportion),
        fmtP(s.p),
      ]),
    )}`,
  );
}

function sectionConfig(run: RunData): string {
  const block = (title: string, p: RunData['config']) =>
    `<details><summary>${esc(title)}</summary>${p.ok ? `<pre>${esc(JSON.stringify(p.value, null, 2))}</pre>` : notRun(title, p.reason)}</details>`;
  const skipped =
    run.metrics.ok && Object.keys(run.metrics.value.skipped).length
      ? table(
          ['stage', 'why skipped'],
          Object.entries(run.metrics.value.skipped).map(([k, v]) => [esc(k), esc(v)]),
        )
      : '';
  const problems = run.problems.length
    ? `<ul class="problems">${run.problems.map((p) => `<li>${esc(p)}</li>`).join('')}</ul>`
    : '';
  return section(
    'config',
    'Configuration and manifest',
    `${skipped}${problems}${block('Resolved configuration (config.json)', run.config)}${block('Manifest (manifest.json)', run.manifest)}`,
  );
}

function stagesLine(run: RunData): string {
  if (!run.manifest.ok) return '';
  const st = run.manifest.value.stages as
    | Array<{ stage: string; label?: string; seconds?: number; cached?: boolean }>
    | undefined;
  if (!Array.isArray(st) || st.length === 0) return '';
  // A run has dozens of stages: their times fold away behind a one-line summary.
  const cached = st.filter((s) => s.cached).length;
  const wall = run.manifest.value.seconds as number | undefined;
  const summary = `${st.length} stages${cached ? ` (${cached} from the run folder)` : ''}${typeof wall === 'number' ? `, run wall time ${fmt(wall, 0)} s` : ''}`;
  return `<details class="note"><summary>${summary}</summary>${st.map((s) => `${esc(s.stage)}${s.label ? `/${esc(s.label)}` : ''} ${s.cached ? 'from the run folder' : `${fmt(s.seconds ?? null, 1)} s`}`).join(' · ')}</details>`;
}

/** Writes `report.html` (and its `report/` PNG assets) into the run folder. */
export async function writeReport(runDir: string, opts: ReportOptions = {}): Promise<ReportResult> {
  const t0 = performance.now();
  const progress = opts.progress ?? silentProgress;
  const run = await readRun(runDir);
  const metrics: MetricsFile | undefined = run.metrics.ok ? run.metrics.value : undefined;
  const cfg = run.config.ok
    ? ((run.config.value.report as { subject?: string; spectrograms?: boolean } | undefined) ?? {})
    : {};
  const cfgSubject = cfg.subject;
  const spectrograms = opts.spectrograms ?? cfg.spectrograms ?? true;
  const wanted = opts.subject ?? cfgSubject;
  const first = wanted && run.subjects.includes(wanted) ? wanted : run.subjects[0];
  const body = [
    sectionSummary(run),
    sectionIdentification(run),
    sectionGenres(run),
    sectionDecoders(run),
    sectionRanks(run),
    sectionLibrary(run),
    sectionReconstruction(run),
    await sectionClips(run, first, progress, spectrograms),
    await sectionEncoding(run, first, progress),
    await sectionListening(run),
    sectionConfig(run),
  ].join('\n');
  const title = `brain2music report — ${run.root.split(/[\\/]/).pop() ?? ''}`;
  const nav = [
    ['summary', 'Summary'],
    ['identification', 'Identification'],
    ['genres', 'Genres'],
    ['decoders', 'Decoders'],
    ['ranks', 'Ranks'],
    ['library', 'Retrieval'],
    ['reconstruction', 'Reconstruction'],
    ['clips', 'Clips'],
    ['encoding', 'Encoding'],
    ['listening', 'Listening'],
    ['config', 'Config'],
  ]
    .map(([id, t]) => `<a href="#${id}">${t}</a>`)
    .join('');
  const version = String((run.marker as { version?: unknown }).version ?? '');
  const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src 'self' file: data:; media-src 'self' file:; style-src 'unsafe-inline'; script-src 'unsafe-inline'">
<title>${esc(title)}</title><style>${REPORT_CSS}</style></head>
<body><header><h1>${esc(title)}</h1><p class="note">brain2music ${esc(version)}${metrics ? ` · embedder ${esc(metrics.embedder)} · ${metrics.subjects.length} subject(s)` : ''} · ${run.testClips.length} test clips</p>${stagesLine(run)}<nav>${nav}</nav></header>
<main>${body}</main>
<script>${REPORT_SCRIPT}</script></body></html>
`;
  const path = join(run.root, 'report.html');
  await writeFileAtomic(path, html);
  const assetBytes = await folderBytes(join(run.root, 'report'));
  return { path, bytes: Buffer.byteLength(html), assetBytes, seconds: (performance.now() - t0) / 1000 };
}

async function folderBytes(dir: string): Promise<number> {
  if (!existsSync(dir)) return 0;
  const { readdir } = await import('node:fs/promises');
  let total = 0;
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (e.isFile()) total += (await stat(join(e.parentPath, e.name))).size;
  }
  return total;
}

export type { MetricValue };
