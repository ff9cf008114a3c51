/**
 * The subject's Destrieux atlas (fMRIPrep's `aparc.a2009s` dseg, or the twin's) as
 * labels per masked voxel, read once per subject: the ROI tables group voxels by
 * it, the kept test time courses prefer its cortical voxels, and `encoding.json`
 * names the files so the studio can name the ROI under a clicked point.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { Masker } from '../fmri/masker.js';
import type { BidsDataset } from '../io/bids/discover.js';
import { readNifti } from '../io/nifti/index.js';
import { isUserError } from '../util/errors.js';

export interface SubjectAtlas {
  /** The dseg image (absolute path) and its label table (absolute; may not exist). */
  dseg: string;
  labelsFile: string;
  /** Label per masked voxel (masker column order); 0 = unlabelled. */
  labels: Int32Array;
  names: Map<number, string>;
}

/**
 * FreeSurfer's cortical labels: aseg's Cerebral-Cortex (3, 42), aparc (1000–2999) and
 * aparc.a2009s (11100–12999). White matter, cerebellum and subcortical labels are not cortex.
 */
export function isCorticalLabel(label: number): boolean {
  return label === 3 || label === 42 || (label >= 1000 && label < 3000) || (label >= 11100 && label < 13000);
}

/**
 * The atlas of `subject` on the mask's grid, or null with a note saying why (no dseg, or
 * a dseg on another grid, as fMRIPrep's anatomical-resolution one is).
 */
export async function subjectAtlas(
  ds: BidsDataset,
  subject: string,
  masker: Masker,
  notes: string[],
): Promise<SubjectAtlas | null> {
  const id = subject.replace(/^sub-/, '');
  const subj = ds.subjects.find((s) => s.id === id);
  const space = ds.space;
  const dseg =
    (space ? subj?.anatDseg[space] : undefined) ??
    Object.values(subj?.anatDseg ?? {})[0] ??
    ds.runs.find((r) => r.subject === id && r.dseg)?.dseg;
  if (!dseg) {
    notes.push('no Destrieux dseg for this subject: ROI tables skipped');
    return null;
  }
  const img = await readNifti(dseg, { as: 'float64' });
  try {
    masker.checkImage(img.header);
  } catch (e) {
    if (!isUserError(e)) throw e;
    notes.push(
      `ROI tables skipped: the dseg ${dseg} is on another grid than the BOLD runs (${e.message.split('\n')[0]}); resample it onto the BOLD grid (nearest neighbour)`,
    );
    return null;
  }
  const labels = new Int32Array(masker.nVoxels);
  masker.indices.forEach((o, k) => {
    labels[k] = Math.round(img.data[o] as number);
  });
  const names = new Map<number, string>();
  const labelsFile = dseg.replace(/\.nii(\.gz)?$/, '.tsv');
  if (existsSync(labelsFile)) {
    const lines = (await readFile(labelsFile, 'utf8')).split(/\r?\n/);
    const head = (lines[0] ?? '').split('\t');
    const ic = head.indexOf('index');
    const nc = head.indexOf('name');
    for (const l of lines.slice(1)) {
      const c = l.split('\t');
      if (ic >= 0 && nc >= 0 && c[ic] !== undefined && c[nc]) names.set(Number(c[ic]), c[nc] as string);
    }
  } else {
    notes.push(`no label table next to ${dseg}: ROIs named by number`);
  }
  return { dseg, labelsFile, labels, names };
}
