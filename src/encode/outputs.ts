/**
 * Writes a subject's encoding results in BIDS-derivatives naming, on the subject's
 * grid (headers copied from the mask through `Masker.inverseTransform`, so every
 * map overlays the anatomy in any viewer): per space r, normalised r, R², −log10 p,
 * alpha and the significant mask; the noise ceiling; the preferred space (+ label
 * table); per-ROI CSV tables with Destrieux names; the kept test time courses
 * (.npy: voxel list, measured, predicted per space); and `encoding.json`.
 */
import { isAbsolute, join, relative } from 'node:path';
import { writeNifti } from '../io/nifti/index.js';
import { writeNpy } from '../io/npy.js';
import { writeFileAtomic } from '../util/atomic.js';
import { VERSION } from '../version.js';
import { featureLabel, type SpaceResult, type SubjectEncoding } from './fit.js';
import { FEATURE_SPACES } from './spaces.js';
import { benjaminiHochberg, pairedSignFlipTest } from './stats.js';

export interface RoiRow {
  index: number;
  name: string;
  voxels: number;
  meanR: number;
  medianR: number;
  peakR: number;
  pctSignificant: number;
  meanCeiling: number;
  /** Mean r / ceiling over the ROI's voxels with a ceiling > 0.05 (NaN when none). */
  meanNormalisedR: number;
}

export interface SpaceSummary {
  name: string;
  label: string;
  parts: string[];
  level: string;
  modality: string;
  dim: number;
  voxels: number;
  significant: number;
  medianR: number;
  maxR: number;
  medianAlpha: number;
  files: Record<string, string>;
  model?: string;
  rois: RoiRow[];
  /** A banded model: its member spaces (one band each). */
  banded?: { members: string[] };
}

/** Variance partitioning of the joint banded model, per voxel (maps) and per ROI. */
export interface PartitionSummary {
  joint: string;
  members: string[];
  /** Per member, the model fitted without it (its R² is subtracted from the joint's). */
  without: string[];
  files: { unique: Record<string, string>; shared: string; roi?: string };
  /** Medians over all voxels. */
  medianUnique: Record<string, number>;
  medianShared: number;
  rois: Array<{
    roi: string;
    voxels: number;
    jointR2: number;
    unique: Record<string, number>;
    shared: number;
    /** Per member: does adding it improve r? Δr = r_joint − r_without, sign-flip p over test blocks, BH across ROIs. */
    uniqueTest: Record<string, { dr: number; p: number; q: number }>;
  }>;
}

export interface EncodingSummary {
  tool: 'brain2music';
  kind: 'encoding';
  version: string;
  subject: string;
  dataset: string;
  /** The T1w to overlay the maps on (relative to the dataset root), when the dataset has one. */
  anatomy?: string;
  space?: string;
  design: { trainScans: number; testScans: number; repetitions: number; tr: number };
  options: SubjectEncoding['options'] & {
    correction: 'fdr' | 'fwer';
    permutationNull: SubjectEncoding['permutationNull'];
  };
  voxels: number;
  batches: { size: number; count: number };
  noiseCeiling: { files: Record<string, string>; medianEv: number; medianCeiling: number };
  spaces: SpaceSummary[];
  preferred: { file: string; labels: string; counts: Record<string, number> };
  /** The atlas the ROI tables used (relative to the dataset root when inside it, like `anatomy`). */
  roiAtlas?: { dseg: string; labels: string };
  /**
   * Test time courses kept for the studio (files relative to this folder): `voxels` (int32,
   * grid offsets, x fastest, in the maps' grid), `measured` (n_test × n, repetition-averaged),
   * `predicted` (same shape) from `space` — the space with the most significant voxels — and
   * from every space in `predictedBySpace`.
   */
  timecourses?: {
    space: string;
    voxels: string;
    measured: string;
    predicted: string;
    predictedBySpace: Record<string, string>;
    n: number;
    T: number;
    selection: SubjectEncoding['timecourses']['selection'];
  };
  /** Paired comparisons: Δr = r_a − r_b per voxel and per ROI (sign-flip test over test blocks, BH across voxels / ROIs). */
  comparisons: Array<{
    a: string;
    b: string;
    files: { dr: string; logp: string };
    /** Voxels where a (b) is better at q < fdrQ. */
    aBetter: number;
    bBetter: number;
    rois: Array<{ roi: string; voxels: number; meanDr: number; p: number; q: number }>;
  }>;
  /** Per ROI: each space's mean r and % significant, and the level (low/high) that wins. */
  partition?: PartitionSummary;
  hierarchy: Array<{
    roi: string;
    voxels: number;
    meanR: Record<string, number>;
    pctSignificant: Record<string, number>;
    bestLow?: string;
    bestHigh?: string;
    winner?: 'low' | 'high';
    /** Mean noise ceiling (explainable-variance r) over the ROI's voxels. */
    meanCeiling?: number;
    /** The space most of the ROI's voxels prefer (`share` of the `voxels` that prefer one); absent when none does. */
    preferred?: { space: string; share: number; voxels: number };
  }>;
  seconds: SubjectEncoding['seconds'];
  notes: string[];
}

function median(xs: ArrayLike<number>): number {
  const a = Array.from(xs)
    .filter(Number.isFinite)
    .sort((x, y) => x - y);
  if (a.length === 0) return Number.NaN;
  const m = a.length >> 1;
  return a.length % 2 ? (a[m] as number) : ((a[m - 1] as number) + (a[m] as number)) / 2;
}

function finiteOrNull(x: number): number | null {
  return Number.isFinite(x) ? x : null;
}

function roiRows(
  res: SpaceResult,
  ceiling: Float64Array,
  roi: { labels: Int32Array; names: Map<number, string> },
): RoiRow[] {
  const by = new Map<number, number[]>();
  roi.labels.forEach((l, k) => {
    if (l === 0) return;
    const a = by.get(l) ?? [];
    a.push(k);
    by.set(l, a);
  });
  return [...by.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([index, vox]) => {
      const rs = vox.map((k) => res.r[k] as number);
      const nrs = vox.map((k) => res.nr[k] as number).filter(Number.isFinite);
      return {
        index,
        name: roi.names.get(index) ?? String(index),
        voxels: vox.length,
        meanR: rs.reduce((a, b) => a + b, 0) / rs.length,
        medianR: median(rs),
        peakR: Math.max(...rs),
        pctSignificant: (100 * vox.filter((k) => res.significant[k]).length) / vox.length,
        meanCeiling: vox.reduce((a, k) => a + (ceiling[k] as number), 0) / vox.length,
        meanNormalisedR: nrs.length ? nrs.reduce((a, b) => a + b, 0) / nrs.length : Number.NaN,
      };
    });
}

function roiCsv(rows: RoiRow[]): string {
  const f = (x: number) => (Number.isFinite(x) ? x.toFixed(4) : '');
  const q = (s: string) => (/[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
  return `${[
    'index,name,voxels,mean_r,median_r,peak_r,pct_significant,mean_ceiling,mean_normalised_r',
    ...rows.map((r) =>
      [
        r.index,
        q(r.name),
        r.voxels,
        f(r.meanR),
        f(r.medianR),
        f(r.peakR),
        r.pctSignificant.toFixed(2),
        f(r.meanCeiling),
        f(r.meanNormalisedR),
      ].join(','),
    ),
  ].join('\n')}\n`;
}

/** Writes every output of `enc` into `dir` (which must exist); returns the summary also written as `encoding.json`. */
export async function writeSubjectEncoding(
  enc: SubjectEncoding,
  dir: string,
  extra: { modelsDir?: string } = {},
): Promise<EncodingSummary> {
  const notes = [...enc.notes];
  const sub = enc.subject;
  const spaceLabel = enc.dataset.space?.split('_')[0];
  const base = `${sub}${spaceLabel ? `_space-${spaceLabel}` : ''}`;
  const write = async (
    name: string,
    values: ArrayLike<number>,
    descrip: string,
    datatype?: 'uint8' | 'int16',
  ) => {
    const img = enc.masker.inverseTransform(values, { descrip });
    const data =
      datatype === 'uint8'
        ? Uint8Array.from(img.data)
        : datatype === 'int16'
          ? Int16Array.from(img.data)
          : img.data;
    await writeNifti(join(dir, name), { header: { ...img.header, datatype: datatype ?? 'float32' }, data });
    return name;
  };
  const roi = enc.atlas;

  const evFiles = {
    ev: await write(`${base}_stat-ev_statmap.nii.gz`, enc.ev, 'explainable variance (1 presentation)'),
    ceiling: await write(
      `${base}_stat-ceiling_statmap.nii.gz`,
      enc.ceiling,
      `noise ceiling r (${enc.repetitions} repetitions)`,
    ),
  };
  const spaces: SpaceSummary[] = [];
  for (const res of enc.spaces) {
    const label = featureLabel(res.spec.name);
    const b = `${base}_feat-${label}`;
    const logp = Float64Array.from(res.p, (p) => -Math.log10(p));
    const files = {
      r: await write(`${b}_stat-r_statmap.nii.gz`, res.r, `${res.spec.name} test r`),
      nr: await write(
        `${b}_stat-nr_statmap.nii.gz`,
        Float64Array.from(res.nr, (x) => (Number.isFinite(x) ? x : 0)),
        `${res.spec.name} r / noise ceiling`,
      ),
      r2: await write(`${b}_stat-r2_statmap.nii.gz`, res.r2, `${res.spec.name} test R2`),
      ...(res.banded ? await gammaMaps(res, b, write) : {}),
      logp: await write(
        `${b}_stat-logp_statmap.nii.gz`,
        logp,
        `${res.spec.name} -log10 p (block permutation)`,
      ),
      alpha: await write(`${b}_stat-alpha_statmap.nii.gz`, res.alpha, `${res.spec.name} ridge alpha`),
      significant: await write(
        `${b}_desc-significant_mask.nii.gz`,
        res.significant,
        `${res.spec.name} significant`,
        'uint8',
      ),
    } as Record<string, string>;
    const rows = roi ? roiRows(res, enc.ceiling, roi) : [];
    if (roi) {
      files.roi = `${sub}_feat-${label}_roi.csv`;
      await writeFileAtomic(join(dir, files.roi), roiCsv(rows));
    }
    const entries = res.spec.parts.map((p) => FEATURE_SPACES[p]!);
    spaces.push({
      name: res.spec.name,
      label,
      parts: res.spec.parts,
      level: [...new Set(entries.map((e) => e.level))].join('+'),
      modality: [...new Set(entries.map((e) => e.modality))].join('+'),
      dim: res.dim,
      voxels: res.r.length,
      significant: res.significant.reduce((a, b) => a + b, 0),
      medianR: median(res.r),
      maxR: Math.max(...res.r),
      medianAlpha: median(res.alpha),
      files,
      model: extra.modelsDir ? join('models', `feat-${label}`) : undefined,
      rois: rows.map((r) => ({ ...r, meanNormalisedR: finiteOrNull(r.meanNormalisedR) as number })),
      banded: res.banded ? { members: res.banded.members } : undefined,
    });
  }

  // Preferred space: the best r among the spaces in which the voxel is significant
  // (banded models combine spaces, so they do not compete).
  const V = enc.masker.nVoxels;
  const pref = new Int16Array(V);
  const counts: Record<string, number> = { none: 0 };
  for (const s of enc.spaces) if (!s.banded) counts[s.spec.name] = 0;
  for (let j = 0; j < V; j++) {
    let best = -1;
    let bestR = Number.NEGATIVE_INFINITY;
    enc.spaces.forEach((s, k) => {
      if (s.banded) return;
      if (s.significant[j] && (s.r[j] as number) > bestR) {
        bestR = s.r[j] as number;
        best = k;
      }
    });
    pref[j] = best + 1;
    counts[best < 0 ? 'none' : enc.spaces[best]!.spec.name]! += 1;
  }
  const prefFile = `${base}_desc-preferred_dseg.nii.gz`;
  await write(prefFile, pref, 'preferred feature space (index in .tsv)', 'int16');
  const prefTsv = `${base}_desc-preferred_dseg.tsv`;
  await writeFileAtomic(
    join(dir, prefTsv),
    `index\tname\n0\tnone\n${enc.spaces
      .flatMap((s, k) => (s.banded ? [] : [`${k + 1}\t${s.spec.name}`]))
      .join('\n')}\n`,
  );

  const comparisons: EncodingSummary['comparisons'] = [];
  for (const c of enc.comparisons) {
    const tag = `${featureLabel(c.a)}vs${featureLabel(c.b)}`;
    const files = {
      dr: await write(`${base}_desc-${tag}_stat-dr_statmap.nii.gz`, c.dr, `r(${c.a}) - r(${c.b})`),
      logp: await write(
        `${base}_desc-${tag}_stat-logp_statmap.nii.gz`,
        Float64Array.from(c.p, (p) => -Math.log10(p)),
        `${c.a} vs ${c.b}: -log10 p (two-sided sign flips)`,
      ),
    };
    const rois: EncodingSummary['comparisons'][number]['rois'] = [];
    if (roi) {
      const A = enc.spaces.find((s) => s.spec.name === c.a)!;
      const B = enc.spaces.find((s) => s.spec.name === c.b)!;
      const by = new Map<number, number[]>();
      roi.labels.forEach((l, k) => {
        if (l !== 0) by.set(l, [...(by.get(l) ?? []), k]);
      });
      const entries = [...by.entries()].sort((x, y) => x[0] - y[0]);
      const tests = entries.map(([, vox]) =>
        pairedSignFlipTest(A.blockC, B.blockC, enc.compareBlocks, V, enc.flips, vox, true),
      );
      const q = benjaminiHochberg(tests.map((t) => t.p[0] as number));
      entries.forEach(([index, vox], i) => {
        rois.push({
          roi: roi.names.get(index) ?? String(index),
          voxels: vox.length,
          meanDr: tests[i]!.dr[0] as number,
          p: tests[i]!.p[0] as number,
          q: q[i] as number,
        });
      });
    }
    comparisons.push({
      a: c.a,
      b: c.b,
      files,
      aBetter: c.winner.filter((w) => w > 0).length,
      bBetter: c.winner.filter((w) => w < 0).length,
      rois,
    });
  }

  const partition = enc.partition
    ? await writePartition(enc, { base, sub, dir, roi, comparisons, write })
    : undefined;

  const hierarchy: EncodingSummary['hierarchy'] = [];
  const plain = spaces.filter((s) => !s.banded);
  if (roi && plain.length) {
    // Per ROI label: how many of its voxels prefer each space (index into enc.spaces + 1).
    const prefCounts = new Map<number, Int32Array>();
    roi.labels.forEach((l, j) => {
      const k = pref[j] as number;
      if (l === 0 || k === 0) return;
      let c = prefCounts.get(l);
      if (!c) prefCounts.set(l, (c = new Int32Array(enc.spaces.length + 1)));
      c[k] = (c[k] as number) + 1;
    });
    const preferredOf = (label: number) => {
      const c = prefCounts.get(label);
      if (!c) return undefined;
      let best = 0;
      let total = 0;
      for (let k = 1; k < c.length; k++) {
        total += c[k] as number;
        if ((c[k] as number) > (c[best] as number)) best = k;
      }
      return { space: enc.spaces[best - 1]!.spec.name, share: (c[best] as number) / total, voxels: total };
    };
    const first = plain[0]!.rois;
    first.forEach((row, i) => {
      const meanR: Record<string, number> = {};
      const pct: Record<string, number> = {};
      for (const s of plain) {
        meanR[s.name] = s.rois[i]!.meanR;
        pct[s.name] = s.rois[i]!.pctSignificant;
      }
      const bestOf = (level: string) =>
        plain
          .filter((s) => s.level === level)
          .sort((a, b) => (meanR[b.name] as number) - (meanR[a.name] as number))[0]?.name;
      const bestLow = bestOf('low');
      const bestHigh = bestOf('high');
      hierarchy.push({
        roi: row.name,
        voxels: row.voxels,
        meanR,
        pctSignificant: pct,
        bestLow,
        bestHigh,
        winner:
          bestLow && bestHigh
            ? (meanR[bestLow] as number) >= (meanR[bestHigh] as number)
              ? 'low'
              : 'high'
            : undefined,
        meanCeiling: Number.isFinite(row.meanCeiling) ? row.meanCeiling : undefined,
        preferred: preferredOf(row.index),
      });
    });
  }

  const timecourses = await writeTimecourses(enc, dir, base, spaces);

  const id = sub.replace(/^sub-/, '');
  const t1w = enc.dataset.subjects.find((s) => s.id === id)?.t1w;
  const inDataset = (p: string) => {
    const r = relative(enc.dataset.root, p);
    return r && !r.startsWith('..') && !isAbsolute(r) ? r : p;
  };
  const summary: EncodingSummary = {
    tool: 'brain2music',
    kind: 'encoding',
    version: VERSION,
    subject: sub,
    dataset: enc.dataset.root,
    anatomy: t1w ? t1w.slice(enc.dataset.root.length).replace(/^[/\\]/, '') : undefined,
    space: enc.dataset.space,
    design: {
      trainScans: enc.nTrainScans,
      testScans: enc.nTestScans,
      repetitions: enc.repetitions,
      tr: enc.design.tr,
    },
    options: {
      ...enc.options,
      correction: enc.options.fwer ? 'fwer' : 'fdr',
      permutationNull: enc.permutationNull,
    },
    voxels: V,
    batches: { size: enc.voxelBatch, count: enc.nBatches },
    noiseCeiling: { files: evFiles, medianEv: median(enc.ev), medianCeiling: median(enc.ceiling) },
    spaces,
    preferred: { file: prefFile, labels: prefTsv, counts },
    roiAtlas: roi ? { dseg: inDataset(roi.dseg), labels: inDataset(roi.labelsFile) } : undefined,
    timecourses,
    comparisons,
    partition,
    hierarchy,
    seconds: enc.seconds,
    notes,
  };
  await writeFileAtomic(join(dir, 'encoding.json'), `${JSON.stringify(summary, null, 2)}\n`);
  return summary;
}

type MapWriter = (name: string, values: ArrayLike<number>, descrip: string) => Promise<string>;

/** A banded model's kernel weight per member space: `…_feat-<joint>_desc-<member>_stat-gamma_statmap`. */
async function gammaMaps(res: SpaceResult, b: string, write: MapWriter): Promise<Record<string, string>> {
  const { members, gammas } = res.banded!;
  const V = res.r.length;
  const files: Record<string, string> = {};
  for (const [k, m] of members.entries()) {
    files[`gamma:${m}`] = await write(
      `${b}_desc-${featureLabel(m)}_stat-gamma_statmap.nii.gz`,
      gammas.subarray(k * V, (k + 1) * V),
      `${res.spec.name}: kernel weight of ${m}`,
    );
  }
  return files;
}

/**
 * Unique-variance maps per member (`…_feat-<member>_desc-unique_stat-r2_statmap`), the
 * shared map (`…_feat-<joint>_desc-shared_stat-r2_statmap`) and the per-ROI table
 * (`sub-XXX_feat-<joint>_desc-partition_roi.csv`), with each member's paired test of
 * the joint model against the model without it.
 */
async function writePartition(
  enc: SubjectEncoding,
  ctx: {
    base: string;
    sub: string;
    dir: string;
    roi: { labels: Int32Array; names: Map<number, string> } | null;
    comparisons: EncodingSummary['comparisons'];
    write: MapWriter;
  },
): Promise<PartitionSummary> {
  const part = enc.partition!;
  const { base, sub, dir, roi, write } = ctx;
  const jointLabel = featureLabel(part.joint);
  const joint = enc.spaces.find((s) => s.spec.name === part.joint)!;
  const files: PartitionSummary['files'] = { unique: {}, shared: '' };
  for (const [i, m] of part.members.entries()) {
    files.unique[m] = await write(
      `${base}_feat-${featureLabel(m)}_desc-unique_stat-r2_statmap.nii.gz`,
      part.unique[i]!,
      `unique R2 of ${m} (${part.joint} minus ${part.without[i]})`,
    );
  }
  files.shared = await write(
    `${base}_feat-${jointLabel}_desc-shared_stat-r2_statmap.nii.gz`,
    part.shared,
    `shared R2 of ${part.members.join(', ')}`,
  );
  const rois: PartitionSummary['rois'] = [];
  if (roi) {
    const by = new Map<number, number[]>();
    roi.labels.forEach((l, k) => {
      if (l !== 0) by.set(l, [...(by.get(l) ?? []), k]);
    });
    const mean = (x: Float64Array, vox: number[]) =>
      vox.reduce((a, k) => a + (x[k] as number), 0) / vox.length;
    // The ROI tests of (joint vs without) are among the paired comparisons; orient them as joint − without.
    const tests = part.without.map((w) => {
      const c = ctx.comparisons.find(
        (x) => (x.a === part.joint && x.b === w) || (x.a === w && x.b === part.joint),
      );
      const sign = c?.a === part.joint ? 1 : -1;
      return new Map(c?.rois.map((r) => [r.roi, { dr: sign * r.meanDr, p: r.p, q: r.q }]) ?? []);
    });
    for (const [index, vox] of [...by.entries()].sort((x, y) => x[0] - y[0])) {
      const name = roi.names.get(index) ?? String(index);
      const unique: Record<string, number> = {};
      const uniqueTest: Record<string, { dr: number; p: number; q: number }> = {};
      part.members.forEach((m, i) => {
        unique[m] = mean(part.unique[i]!, vox);
        const t = tests[i]!.get(name);
        if (t) uniqueTest[m] = t;
      });
      rois.push({
        roi: name,
        voxels: vox.length,
        jointR2: mean(joint.r2, vox),
        unique,
        shared: mean(part.shared, vox),
        uniqueTest,
      });
    }
    const f = (x: number | undefined) => (x !== undefined && Number.isFinite(x) ? x.toFixed(4) : '');
    const labels = part.members.map(featureLabel);
    const head = [
      'index,name,voxels,mean_r2_joint',
      ...labels.map((l) => `mean_unique_r2_${l}`),
      'mean_shared_r2',
      ...labels.flatMap((l) => [`dr_unique_${l}`, `q_unique_${l}`]),
    ].join(',');
    const q = (s: string) => (/[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
    const idx = [...by.keys()].sort((x, y) => x - y);
    const lines = rois.map((r, i) =>
      [
        idx[i],
        q(r.roi),
        r.voxels,
        f(r.jointR2),
        ...part.members.map((m) => f(r.unique[m])),
        f(r.shared),
        ...part.members.flatMap((m) => [f(r.uniqueTest[m]?.dr), f(r.uniqueTest[m]?.q)]),
      ].join(','),
    );
    files.roi = `${sub}_feat-${jointLabel}_desc-partition_roi.csv`;
    await writeFileAtomic(join(dir, files.roi), `${[head, ...lines].join('\n')}\n`);
  }
  return {
    joint: part.joint,
    members: part.members,
    without: part.without,
    files,
    medianUnique: Object.fromEntries(part.members.map((m, i) => [m, median(part.unique[i]!)])),
    medianShared: median(part.shared),
    rois,
  };
}

/**
 * The kept test time courses as .npy next to the maps; undefined when none were kept.
 * The summary's `space` is the one with the most significant voxels (then the highest
 * median r): the studio shows its prediction unless the viewer picks another space.
 */
async function writeTimecourses(
  enc: SubjectEncoding,
  dir: string,
  base: string,
  spaces: SpaceSummary[],
): Promise<EncodingSummary['timecourses']> {
  const tc = enc.timecourses;
  const n = tc.columns.length;
  if (n === 0 || spaces.length === 0) return undefined;
  const voxels = `${base}_desc-timecourses_voxels.npy`;
  const measured = `${base}_desc-measured_timecourses.npy`;
  await writeNpy(
    join(dir, voxels),
    Int32Array.from(tc.columns, (c) => enc.masker.indices[c] as number),
    [n],
  );
  await writeNpy(join(dir, measured), tc.measured, [tc.T, n]);
  const predictedBySpace: Record<string, string> = {};
  for (const [k, s] of spaces.entries()) {
    const f = `${base}_feat-${s.label}_desc-predicted_timecourses.npy`;
    await writeNpy(join(dir, f), tc.predicted[k]!, [tc.T, n]);
    predictedBySpace[s.name] = f;
  }
  const best = [...spaces].sort(
    (a, b) => b.significant - a.significant || (b.medianR || 0) - (a.medianR || 0),
  )[0]!;
  return {
    space: best.name,
    voxels,
    measured,
    predicted: predictedBySpace[best.name]!,
    predictedBySpace,
    n,
    T: tc.T,
    selection: tc.selection,
  };
}
