/**
 * Stages `encode-chunk` and `encode`: one subject's voxelwise encoding models
 * (src/encode) as many small jobs and one merge. A chunk fits ONE feature space on
 * ONE voxel range [start, end) of the subject's mask and writes its per-voxel arrays
 * (r, R², p, alpha, the null's per-permutation maximum, coefficients, test time
 * courses) into its stage folder. `encode` reads every chunk of the subject and does
 * what needs the whole brain — FDR over all voxels, FWER, comparisons between spaces,
 * variance partitioning, the preferred space, ROI tables — writing the maps, tables,
 * `encoding.json` and the saved models the generator can use, published as
 * `encoding/sub-XXX/` by the run.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  type EncodeOptions,
  type EncodingChunkMeta,
  type EncodingSummary,
  encodeSubjectFromChunks,
  fitEncodingChunk,
} from '../../encode/index.js';
import { cacheDir } from '../../util/cache-dir.js';
import type { Artifact, Stage } from '../stage.js';
import type { StimulusFiles } from './embed-stimuli.js';
import type { DatasetArtifact, SubjectImages } from './prepare.js';

export interface EncodeStageOptions {
  features: string[];
  /** Settings that change the numbers (delays, permutations, seed, FDR level, FWER, windows, preprocessing). */
  options: Omit<EncodeOptions, 'fmriCacheDir' | 'embeddingCacheDir' | 'workers'>;
}

export interface EncodeChunkStageOptions extends EncodeStageOptions {
  /** The one space this job fits (a name of `encodingSpaceNames`). */
  space: string;
  /** Masker columns [start, end). */
  voxels: [number, number];
}

export interface EncodeChunkOutput {
  meta: EncodingChunkMeta;
  /** The stage folder (where the chunk's arrays are); not part of the content. */
  dir: string;
}

export interface EncodeStageOutput {
  summary: EncodingSummary;
  /** The stage folder (where the saved models are); not part of the content. */
  dir: string;
}

type EncodeInputs = { dataset: DatasetArtifact; images: SubjectImages; stimuli: StimulusFiles };

// Caches are content-addressed and machine-local: not part of the key.
const caches = () => ({ fmriCacheDir: cacheDir('fmri'), embeddingCacheDir: cacheDir('embed') });

export const encodeChunkStage: Stage<EncodeInputs, EncodeChunkStageOptions, EncodeChunkOutput> = {
  name: 'encode-chunk',
  version: 1,
  typicalSeconds: 30,
  async run() {
    throw new Error('the encode-chunk stage computes into its folder (produce)');
  },
  async produce(dir, { dataset, images }, o, ctx) {
    const meta = await fitEncodingChunk({
      dataset: dataset.dataset,
      design: dataset.design,
      subject: images.subject,
      features: o.features,
      options: { ...o.options, ...caches() },
      space: o.space,
      voxels: o.voxels,
      dir,
      progress: ctx.progress,
      log: ctx.log,
    });
    return { meta, dir };
  },
  async save() {},
  async load(dir) {
    return { meta: JSON.parse(await readFile(join(dir, 'chunk.json'), 'utf8')) as EncodingChunkMeta, dir };
  },
};

export const encodeStage: Stage<
  EncodeInputs & { chunks: Array<EncodeChunkOutput & Artifact> },
  EncodeStageOptions,
  EncodeStageOutput
> = {
  name: 'encode',
  // 2: keeps test time courses and names the atlas in encoding.json.
  // 3: a merge of `encode-chunk` jobs (space × voxel range) instead of one in-process fit.
  // 4: ROI rows name their mean noise ceiling and the space most of their voxels prefer.
  version: 4,
  typicalSeconds: 2,
  async run() {
    throw new Error('the encode stage computes into its folder (produce)');
  },
  async produce(dir, { dataset, images, chunks }, o, ctx) {
    const summary = await encodeSubjectFromChunks({
      dataset: dataset.dataset,
      design: dataset.design,
      subject: images.subject,
      features: o.features,
      options: { ...o.options, ...caches() },
      chunks: chunks.map((c) => c.dir),
      outDir: dir,
      progress: ctx.progress,
      log: ctx.log,
    });
    return { summary, dir };
  },
  async save() {},
  async load(dir) {
    return {
      summary: JSON.parse(await readFile(join(dir, 'encoding.json'), 'utf8')) as EncodingSummary,
      dir,
    };
  },
};
