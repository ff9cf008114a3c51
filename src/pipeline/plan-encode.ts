/**
 * The jobs of one subject's encoding: every feature space (and banded model) × every
 * voxel range of at most `chunkVoxels` voxels as an `encode-chunk` job, and one
 * `encode` job that merges them. Chunk jobs depend on nothing but the dataset, so an
 * executor can spread them over all its workers at once; the merge waits for all.
 */
import { encodingSpaceNames, voxelChunks } from '../encode/index.js';
import { subjectMask } from '../fmri/preprocess/source.js';
import type { BidsDataset } from '../io/bids/discover.js';
import { type DatasetRef, type JobSpec, makeJob, outputOf } from './jobs.js';
import type { StimulusFiles } from './stages/embed-stimuli.js';
import type { EncodeChunkStageOptions, EncodeStageOptions } from './stages/encode.js';
import type { SubjectImages } from './stages/prepare.js';

export interface EncodePlan {
  /** Space-major: every range of the first space, then of the next. */
  chunks: JobSpec[];
  merge: JobSpec;
  nVoxels: number;
}

export async function planEncodeJobs(o: {
  /** The discovered dataset (to count the subject's mask voxels). */
  dataset: BidsDataset;
  inputs: { dataset: DatasetRef; images: SubjectImages; stimuli: StimulusFiles };
  options: EncodeStageOptions;
  chunkVoxels: number;
}): Promise<EncodePlan> {
  const subject = o.inputs.images.subject;
  // The same mask the chunks will use (the fMRIPrep brain masks, or options.maskPath).
  const nVoxels = (await subjectMask(o.dataset, subject, o.options.options.maskPath)).nVoxels;
  const spaces = encodingSpaceNames(o.options.features, o.options.options.banded ?? false);
  const ranges = voxelChunks(nVoxels, o.chunkVoxels);
  const chunks = spaces.flatMap((space) =>
    ranges.map((voxels) =>
      makeJob('encode-chunk', `${subject} ${space} voxels ${voxels[0]}–${voxels[1]}`, o.inputs, {
        ...o.options,
        space,
        voxels,
      } satisfies EncodeChunkStageOptions),
    ),
  );
  const merge = makeJob('encode', subject, { ...o.inputs, chunks: chunks.map(outputOf) }, o.options);
  return { chunks, merge, nVoxels };
}
