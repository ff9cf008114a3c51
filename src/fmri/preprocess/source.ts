/**
 * Run matrices from a BIDS dataset: for each run of the design, the subject's
 * image (fMRIPrep's preprocessed BOLD in the chosen space when present, else the
 * raw BOLD), masked (`extractMasked`), drift-removed and z-scored, through the
 * `RunMatrixCache` when one is given.
 */
import { join } from 'node:path';
import type { BidsDataset, BidsRun } from '../../io/bids/discover.js';
import { extractMasked, type MaskLike, type NiftiFileHeader } from '../../io/nifti/index.js';
import { UserError } from '../../util/errors.js';
import { type RunMatrixCache, runCacheKey } from '../cache.js';
import { type Design, type RunSchedule, scheduleKey } from '../design.js';
import { Masker } from '../masker.js';
import type { PreprocessOptions } from './options.js';
import { type PreprocessedRun, preprocessRun, type RunSource } from './prepare.js';

export interface BidsRunSourceOptions {
  dataset: BidsDataset;
  design: Design;
  /** Subject label (with or without `sub-`). */
  subject: string;
  /** The voxels to keep (e.g. a `Masker`); `shape` (the grid) joins the cache key when present. */
  mask: MaskLike & { shape?: readonly number[] };
  options: PreprocessOptions;
  /** Use raw BOLD even when a preprocessed image exists. Default false. */
  raw?: boolean;
  cache?: RunMatrixCache | null;
  /** Called after each run with whether it came from the cache. */
  onRun?: (run: RunSchedule, image: string, fromCache: boolean) => void;
}

/** The image a run will be read from, or a UserError naming the expected file. */
export function runImage(
  ds: BidsDataset,
  subject: string,
  sched: RunSchedule,
  raw = false,
): { run: BidsRun; image: string } {
  const id = subject.replace(/^sub-/, '');
  const run = ds.runs.find((r) => r.subject === id && scheduleKey(r.task, r.run) === sched.key);
  const expected = join(ds.root, `sub-${id}`, 'func', `sub-${id}_${sched.key}_bold.nii[.gz]`);
  if (!run) {
    throw new UserError(`sub-${id} has no run ${sched.key}`, {
      file: expected,
      hint: 'every subject needs every run of the design',
    });
  }
  const image = raw ? run.bold : (run.preproc ?? run.bold);
  if (!image) {
    const several = !raw && ds.spaces.length > 1 && !ds.space;
    throw new UserError(
      several ? `several preprocessed spaces exist (${ds.spaces.join(', ')})` : 'BOLD image missing',
      {
        file: several ? undefined : expected,
        hint: several
          ? 'choose one with --space'
          : 'this copy of the dataset has no imaging data for the run; download it or point at a full copy',
      },
    );
  }
  return { run, image };
}

export function bidsRunSource(o: BidsRunSourceOptions): RunSource {
  // Fail before any work when an image is missing, not after minutes of earlier runs.
  for (const sched of o.design.runs) runImage(o.dataset, o.subject, sched, o.raw);
  return async (sched: RunSchedule): Promise<PreprocessedRun> => {
    const { image } = runImage(o.dataset, o.subject, sched, o.raw);
    const compute = async () => {
      const X = await extractMasked(image, o.mask, { require4D: true });
      return preprocessRun(X, o.design.tr, o.options, image);
    };
    if (!o.cache) {
      const r = await compute();
      o.onRun?.(sched, image, false);
      return r;
    }
    const key = runCacheKey({
      content: await o.cache.contentHash(image),
      mask: { indices: o.mask.indices, shape: o.mask.shape ?? [] },
      tr: o.design.tr,
      options: o.options,
    });
    const r = await o.cache.getOrCompute(key, compute, { image, run: sched.key });
    o.onRun?.(sched, image, r.hit);
    return { X: r.X, report: r.report, file: image };
  };
}

/** The subject's mask: `maskPath` when given, else the intersection of its runs' fMRIPrep brain masks. */
export async function subjectMask(ds: BidsDataset, subject: string, maskPath?: string): Promise<Masker> {
  if (maskPath) return Masker.fromMaskFile(maskPath);
  const id = subject.replace(/^sub-/, '');
  const paths = [...new Set(ds.runs.filter((r) => r.subject === id && r.mask).map((r) => r.mask!))];
  if (paths.length === 0) {
    throw new UserError(
      `no mask for sub-${id}: none given and no fMRIPrep brain mask found${ds.spaces.length > 1 && !ds.space ? ' (several spaces: choose one with --space)' : ''}`,
      {
        file: ds.root,
        field: 'mask',
        hint: 'pass --mask FILE (a brain or cortex mask on the grid of the BOLD runs)',
      },
    );
  }
  const maskers = await Promise.all(paths.map((p) => Masker.fromMaskFile(p)));
  const first = maskers[0]!;
  if (maskers.length === 1) return first;
  let keep = new Set(first.indices);
  for (let k = 1; k < maskers.length; k++) {
    const m = maskers[k]!;
    first.checkImage({ ...m.reference, path: paths[k]! } as NiftiFileHeader);
    const s = new Set(m.indices);
    keep = new Set([...keep].filter((i) => s.has(i)));
  }
  // Keep the first mask's column order (nilearn's), not numeric offset order.
  const idx = first.indices.filter((i) => keep.has(i));
  return Masker.fromIndices(
    idx,
    first.reference,
    `intersection of ${paths.length} fMRIPrep brain masks of sub-${id}`,
  );
}
