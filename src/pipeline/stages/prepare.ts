/**
 * Stage `prepare`: one subject's decoder inputs — masked, drift-removed, z-scored
 * runs averaged over the embedding windows (src/fmri/preprocess) — plus the
 * Destrieux label of every voxel, for ROI decoders and ROI tables.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { RunMatrixCache } from '../../fmri/cache.js';
import type { Design } from '../../fmri/design.js';
import { Masker } from '../../fmri/masker.js';
import type { PreprocessOptions } from '../../fmri/preprocess/options.js';
import { prepareSubject } from '../../fmri/preprocess/prepare.js';
import { bidsRunSource, runImage, subjectMask } from '../../fmri/preprocess/source.js';
import type { BidsDataset } from '../../io/bids/discover.js';
import { readNifti } from '../../io/nifti/index.js';
import type { Matrix } from '../../linalg/matrix.js';
import { cacheDir } from '../../util/cache-dir.js';
import { UserError } from '../../util/errors.js';
import { hashJson } from '../../util/hash.js';
import { loadInts, loadJson, loadMatrix, saveInts, saveJson, saveMatrix } from '../artifact-io.js';
import type { Artifact, Stage } from '../stage.js';

/** The dataset as the pipeline sees it: discovery + design, identified by a hash of the design. */
export interface DatasetArtifact extends Artifact {
  root: string;
  dataset: BidsDataset;
  design: Design;
}

/** One subject's images, identified by their content hashes. */
export interface SubjectImages extends Artifact {
  subject: string;
  /** The Destrieux dseg of the subject (for labels and the cortex mask), when found. */
  dseg?: string;
}

export interface PrepareOptions {
  preprocess: PreprocessOptions;
  mask: { kind: 'cortex' | 'brain' | 'file'; file?: string };
}

export interface PreparedSubject {
  subject: string;
  nVoxels: number;
  /** n_train_rows × n_voxels. */
  trainX: Matrix<Float32Array>;
  /** n_test_rows × n_voxels (repetitions averaged), clip-major: row = clip·n_windows + window. */
  testX: Matrix<Float32Array>;
  trainRun: Int32Array;
  trainClip: Int32Array;
  trainWindow: Int32Array;
  testClip: Int32Array;
  testWindow: Int32Array;
  /** Destrieux label of each voxel (0 when unknown). */
  voxelLabels: Int32Array;
  /** Linear offsets of the voxels on the grid, in column order. */
  maskIndices: Int32Array;
  gridShape: number[];
  maskSource: string;
  /** Label → region name, from the dseg's `.tsv` table. */
  labelNames: Record<string, string>;
  windowsPerClip: number;
  constantVoxels: number;
}

/** Destrieux cortical labels in aparc.a2009s+aseg numbering (ctx_lh_* 11101–11175, ctx_rh_* 12101–12175). */
export function isCorticalDestrieux(label: number): boolean {
  return (label > 11100 && label < 11200) || (label > 12100 && label < 12200);
}

/** The subject's Destrieux dseg, if any (anatomical first, then any run's). */
export function findDseg(ds: BidsDataset, subject: string): string | undefined {
  const id = subject.replace(/^sub-/, '');
  const s = ds.subjects.find((x) => x.id === id);
  if (!s) return undefined;
  const anat = ds.space ? s.anatDseg[ds.space] : Object.values(s.anatDseg)[0];
  return anat ?? s.runs.find((r) => r.dseg)?.dseg ?? s.freesurferDestrieux;
}

async function labelTable(dseg: string): Promise<Record<string, string>> {
  const tsv = dseg.replace(/\.nii(\.gz)?$/, '.tsv');
  if (!existsSync(tsv)) return {};
  const out: Record<string, string> = {};
  const lines = (await readFile(tsv, 'utf8')).split(/\r?\n/).filter((l) => l.trim());
  const head = (lines[0] ?? '').split('\t');
  const iIdx = head.indexOf('index');
  const iName = head.indexOf('name');
  if (iIdx < 0 || iName < 0) return {};
  for (const l of lines.slice(1)) {
    const f = l.split('\t');
    if (f[iIdx] && f[iName]) out[f[iIdx] as string] = f[iName] as string;
  }
  return out;
}

/** The mask of `o.mask` for the subject. */
export async function subjectMasker(
  ds: BidsDataset,
  subject: string,
  o: PrepareOptions['mask'],
): Promise<{ masker: Masker; dseg?: string }> {
  const dseg = findDseg(ds, subject);
  if (o.kind === 'file') {
    if (!o.file) throw new UserError('mask.kind is file but mask.file is not set', { field: 'mask.file' });
    return { masker: await Masker.fromMaskFile(o.file), dseg };
  }
  if (o.kind === 'brain') return { masker: await subjectMask(ds, subject), dseg };
  if (!dseg) {
    throw new UserError(
      `no Destrieux parcellation (aparc.a2009s dseg) for ${subject}, needed for the cortex mask`,
      {
        file: ds.root,
        field: 'mask.kind',
        hint: 'add fMRIPrep derivatives with --cifti-output/aparc.a2009s, give mask.kind=file with mask.file, or use mask.kind=brain',
      },
    );
  }
  const img = await readNifti(dseg, { as: 'float64' });
  const labels = new Set<number>();
  for (const v of img.data as Float64Array) if (isCorticalDestrieux(v)) labels.add(v);
  return {
    masker: await Masker.fromParcellation(
      dseg,
      [...labels].sort((a, b) => a - b),
    ),
    dseg,
  };
}

/** Label of every masked voxel, read from the dseg on the same grid. */
async function voxelLabelsOf(masker: Masker, dseg: string | undefined): Promise<Int32Array> {
  const out = new Int32Array(masker.nVoxels);
  if (!dseg) return out;
  const img = await readNifti(dseg, { as: 'float64' });
  const d = img.header.dims;
  if (d[0] !== masker.shape[0] || d[1] !== masker.shape[1] || d[2] !== masker.shape[2]) return out;
  const data = img.data as Float64Array;
  for (let i = 0; i < out.length; i++) out[i] = data[masker.indices[i] as number] as number;
  return out;
}

export interface PrepareInputs {
  dataset: DatasetArtifact;
  images: SubjectImages;
}

/**
 * The run-matrix cache is a speed-up outside the key (content-addressed, shared by
 * runs), so whoever runs the stage uses its own cache folder.
 */
export const prepareStage: Stage<PrepareInputs, PrepareOptions, PreparedSubject> = {
  name: 'prepare',
  version: 1,
  typicalSeconds: 5,
  async run({ dataset, images }, o, ctx) {
    const { masker, dseg } = await subjectMasker(dataset.dataset, images.subject, o.mask);
    const cache = new RunMatrixCache(cacheDir('fmri'));
    const m = await prepareSubject(
      dataset.design,
      bidsRunSource({
        dataset: dataset.dataset,
        design: dataset.design,
        subject: images.subject,
        mask: masker,
        options: o.preprocess,
        cache,
      }),
      o.preprocess,
      ctx.progress,
    );
    return {
      subject: images.subject,
      nVoxels: m.nVoxels,
      trainX: m.train.X,
      testX: m.test.X,
      trainRun: m.train.run,
      trainClip: m.train.clipIndex,
      trainWindow: m.train.window,
      testClip: m.test.clipIndex,
      testWindow: m.test.window,
      voxelLabels: await voxelLabelsOf(masker, dseg),
      maskIndices: masker.indices,
      gridShape: [...masker.shape],
      maskSource: masker.source,
      labelNames: dseg ? await labelTable(dseg) : {},
      windowsPerClip: m.windowsPerClip,
      constantVoxels: m.constantVoxels.length,
    };
  },
  async save(dir, p) {
    await saveMatrix(dir, 'train_X', p.trainX);
    await saveMatrix(dir, 'test_X', p.testX);
    for (const k of [
      'trainRun',
      'trainClip',
      'trainWindow',
      'testClip',
      'testWindow',
      'voxelLabels',
      'maskIndices',
    ] as const)
      await saveInts(dir, k, p[k]);
    const { subject, nVoxels, gridShape, maskSource, labelNames, windowsPerClip, constantVoxels } = p;
    await saveJson(dir, 'subject', {
      subject,
      nVoxels,
      gridShape,
      maskSource,
      labelNames,
      windowsPerClip,
      constantVoxels,
    });
  },
  async load(dir) {
    const meta = await loadJson<
      Pick<
        PreparedSubject,
        | 'subject'
        | 'nVoxels'
        | 'gridShape'
        | 'maskSource'
        | 'labelNames'
        | 'windowsPerClip'
        | 'constantVoxels'
      >
    >(dir, 'subject');
    return {
      ...meta,
      trainX: await loadMatrix(dir, 'train_X'),
      testX: await loadMatrix(dir, 'test_X'),
      trainRun: await loadInts(dir, 'trainRun'),
      trainClip: await loadInts(dir, 'trainClip'),
      trainWindow: await loadInts(dir, 'trainWindow'),
      testClip: await loadInts(dir, 'testClip'),
      testWindow: await loadInts(dir, 'testWindow'),
      voxelLabels: await loadInts(dir, 'voxelLabels'),
      maskIndices: await loadInts(dir, 'maskIndices'),
    };
  },
};

/** Content hashes of every image the subject's preparation reads (through the cache's hash memo). */
export async function subjectImages(
  ds: BidsDataset,
  design: Design,
  subject: string,
  mask: PrepareOptions['mask'],
  hashFileFn: (path: string) => Promise<string>,
): Promise<SubjectImages> {
  const parts: string[] = [];
  for (const sched of design.runs) parts.push(await hashFileFn(runImage(ds, subject, sched).image));
  const dseg = findDseg(ds, subject);
  if (dseg) parts.push(await hashFileFn(dseg));
  if (mask.kind === 'file' && mask.file) parts.push(await hashFileFn(mask.file));
  if (mask.kind === 'brain') {
    const id = subject.replace(/^sub-/, '');
    for (const r of ds.runs.filter((x) => x.subject === id && x.mask))
      parts.push(await hashFileFn(r.mask as string));
  }
  return { hash: hashJson({ subject, parts }), subject, dseg };
}

/** Test-clip rows of a prepared subject: clip ids and genres, in prediction order (windows averaged). */
export function testClipsOf(p: PreparedSubject, design: Design): Array<{ id: string; genre: string }> {
  const w = p.windowsPerClip;
  return Array.from({ length: p.testClip.length / w }, (_, k) => {
    const c = design.clips[p.testClip[k * w] as number]!;
    return { id: c.id, genre: c.genre };
  });
}
