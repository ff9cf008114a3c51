/**
 * Writes the twin's brain side in the layout of ds003720 + fMRIPrep derivatives:
 *
 *   sub-XXX/func/sub-XXX_task-T_run-NN_{bold.nii.gz, bold.json, events.tsv}        raw-like runs
 *   derivatives/fmriprep/sub-XXX/func/…_space-T1w_desc-preproc_bold.nii.gz (+ .json), …_desc-brain_mask.nii.gz
 *   derivatives/fmriprep/sub-XXX/anat/sub-XXX_space-T1w_desc-aparc.a2009s_dseg.{nii.gz,tsv}
 *   derivatives/simulation/sub-XXX/…                                                 ground truth
 *
 * Events and BOLD sidecars are copied byte for byte from the real dataset's metadata.
 * Every file is written atomically; 4-D runs are streamed volume by volume.
 */
import { copyFile, mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { type NiftiWriter, openNiftiWriter, writeNifti } from '../io/nifti/index.js';
import { writeFileAtomic } from '../util/atomic.js';
import type { Anatomy } from './brain/anatomy.js';
import { labelTable } from './brain/destrieux.js';
import { gridAffine } from './brain/grid.js';
import type { RunSink } from './brain/simulate.js';

/** One run of the design, as the writer names it. */
export interface RunName {
  /** BIDS task label, e.g. `Training`. */
  task: string;
  /** Run number (1-based). */
  run: number;
}

export function runEntities(r: RunName): string {
  return `task-${r.task}_run-${String(r.run).padStart(2, '0')}`;
}

export function subjectLabel(index: number): string {
  return `sub-${String(index + 1).padStart(3, '0')}`;
}

export const paths = {
  rawBold: (root: string, sub: string, r: RunName) =>
    join(root, sub, 'func', `${sub}_${runEntities(r)}_bold.nii.gz`),
  rawSidecar: (root: string, sub: string, r: RunName) =>
    join(root, sub, 'func', `${sub}_${runEntities(r)}_bold.json`),
  events: (root: string, sub: string, r: RunName) =>
    join(root, sub, 'func', `${sub}_${runEntities(r)}_events.tsv`),
  preproc: (root: string, sub: string, r: RunName) =>
    join(
      root,
      'derivatives',
      'fmriprep',
      sub,
      'func',
      `${sub}_${runEntities(r)}_space-T1w_desc-preproc_bold.nii.gz`,
    ),
  preprocSidecar: (root: string, sub: string, r: RunName) =>
    join(
      root,
      'derivatives',
      'fmriprep',
      sub,
      'func',
      `${sub}_${runEntities(r)}_space-T1w_desc-preproc_bold.json`,
    ),
  mask: (root: string, sub: string, r: RunName) =>
    join(
      root,
      'derivatives',
      'fmriprep',
      sub,
      'func',
      `${sub}_${runEntities(r)}_space-T1w_desc-brain_mask.nii.gz`,
    ),
  dseg: (root: string, sub: string) =>
    join(root, 'derivatives', 'fmriprep', sub, 'anat', `${sub}_space-T1w_desc-aparc.a2009s_dseg.nii.gz`),
  dsegTsv: (root: string, sub: string) =>
    join(root, 'derivatives', 'fmriprep', sub, 'anat', `${sub}_space-T1w_desc-aparc.a2009s_dseg.tsv`),
  truth: (root: string, sub: string, desc: string) =>
    join(root, 'derivatives', 'simulation', sub, `${sub}_space-T1w_desc-${desc}_statmap.nii.gz`),
  truthDir: (root: string, sub: string) => join(root, 'derivatives', 'simulation', sub),
  t1w: (root: string, sub: string) => join(root, sub, 'anat', `${sub}_T1w.nii.gz`),
  t1wSidecar: (root: string, sub: string) => join(root, sub, 'anat', `${sub}_T1w.json`),
};

/** Copies a metadata file byte for byte (creating folders). */
export async function copyVerbatim(src: string, dst: string): Promise<void> {
  await mkdir(dirname(dst), { recursive: true });
  await copyFile(src, dst);
}

/**
 * Which images the twin writes: `both` (default) the raw-like BOLD and fMRIPrep's
 * preprocessed BOLD; `fmriprep` only the derivatives (the raw folder keeps events and
 * sidecars), as a lab that shares its fMRIPrep outputs — so the pipeline is tested
 * on derivatives alone.
 */
export type TwinLayout = 'both' | 'fmriprep';
export const TWIN_LAYOUTS: readonly TwinLayout[] = ['both', 'fmriprep'];

/** Opens the 4-D writers of one run (raw-like unless `layout` is `fmriprep`, and preprocessed). */
export async function openRunWriters(
  root: string,
  sub: string,
  run: RunName,
  anat: Anatomy,
  nScans: number,
  tr: number,
  layout: TwinLayout = 'both',
): Promise<RunSink> {
  const [nx, ny, nz] = anat.grid.dims;
  const init = {
    dims: [nx, ny, nz, nScans],
    datatype: 'int16' as const,
    affine: gridAffine(anat.grid),
    tr,
    descrip: 'brain2music synthetic twin',
  };
  const writers: NiftiWriter[] = [];
  let raw: NiftiWriter | null = null;
  try {
    if (layout === 'both') {
      raw = await openNiftiWriter(paths.rawBold(root, sub, run), { ...init, descrip: `${init.descrip} raw` });
      writers.push(raw);
    }
    writers.push(
      await openNiftiWriter(paths.preproc(root, sub, run), { ...init, descrip: `${init.descrip} preproc` }),
    );
  } catch (e) {
    for (const w of writers) await w.abort();
    throw e;
  }
  const pre = writers[writers.length - 1] as NiftiWriter;
  return {
    async write(r, p) {
      try {
        await Promise.all([raw?.writeVolume(r), pre.writeVolume(p)]);
      } catch (e) {
        await Promise.all(writers.map((w) => w.abort()));
        throw e;
      }
    },
    async end() {
      for (const w of writers) await w.commit();
    },
  };
}

/** A 3-D image on the subject's grid. */
export async function writeVolume3d(
  path: string,
  anat: Anatomy,
  data: Int16Array | Uint8Array | Int32Array | Float32Array,
  descrip: string,
): Promise<void> {
  const [nx, ny, nz] = anat.grid.dims;
  await writeNifti(path, { header: { dims: [nx, ny, nz], affine: gridAffine(anat.grid), descrip }, data });
}

/** A 4-D float32 image on the subject's grid from per-voxel vectors: values[v·n + i], v over brain voxels. */
export async function writeBrainVectors(
  path: string,
  anat: Anatomy,
  values: Float32Array,
  n: number,
  descrip: string,
): Promise<void> {
  const [nx, ny, nz] = anat.grid.dims;
  const nGrid = nx * ny * nz;
  const w = await openNiftiWriter(path, {
    dims: [nx, ny, nz, n],
    datatype: 'float32',
    affine: gridAffine(anat.grid),
    descrip,
  });
  try {
    const vol = new Float32Array(nGrid);
    for (let i = 0; i < n; i++) {
      vol.fill(0);
      for (let q = 0; q < anat.brain.length; q++) vol[anat.brain[q] as number] = values[q * n + i] as number;
      await w.writeVolume(vol);
    }
    await w.commit();
  } catch (e) {
    await w.abort();
    throw e;
  }
}

/** The subject's anatomy files: a T1w-like image, the dseg (+ label table) and one brain mask per run. */
export async function writeAnatomy(
  root: string,
  sub: string,
  anat: Anatomy,
  runs: readonly RunName[],
): Promise<void> {
  // T1 contrast on the functional grid: white matter brightest, then cerebellum and cortex,
  // under the same smooth coil sensitivity as the EPI baseline.
  const t1 = new Int16Array(anat.mask.length);
  for (let q = 0; q < anat.brain.length; q++) {
    const p = anat.brain[q] as number;
    const l = anat.labels[p] as number;
    const wm = l === 2 || l === 41;
    const cb = l === 8 || l === 47;
    const tissue = wm ? 1000 : cb ? 720 : 650;
    const epi = wm ? 680 : cb ? 820 : 900;
    t1[p] = Math.round((tissue * (anat.baseline[q] as number)) / epi);
  }
  await writeVolume3d(paths.t1w(root, sub), anat, t1, 'T1w-like (synthetic)');
  await writeVolume3d(paths.dseg(root, sub), anat, anat.labels, 'aparc.a2009s+aseg labels (synthetic)');
  const present = new Set(anat.labels);
  const rows = labelTable().filter((r) => present.has(r.index));
  await writeFileAtomic(
    paths.dsegTsv(root, sub),
    `index\tname\n${rows.map((r) => `${r.index}\t${r.name}`).join('\n')}\n`,
  );
  for (const run of runs) await writeVolume3d(paths.mask(root, sub, run), anat, anat.mask, 'brain mask');
}

export async function writeJson(path: string, value: unknown): Promise<void> {
  await writeFileAtomic(path, `${JSON.stringify(value, null, 2)}\n`);
}

export function tsv(header: readonly string[], rows: readonly (readonly (string | number)[])[]): string {
  const fmt = (v: string | number) =>
    typeof v === 'number' ? (Number.isInteger(v) ? String(v) : v.toPrecision(6)) : v;
  return `${header.join('\t')}\n${rows.map((r) => r.map(fmt).join('\t')).join('\n')}\n`;
}
