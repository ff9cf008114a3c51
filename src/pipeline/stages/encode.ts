/**
 * Stage `encode`: one subject's voxelwise encoding models (src/encode) for the
 * configured feature spaces — maps, ROI tables, `encoding.json` and the saved models
 * the generator can use — computed straight into the stage folder (`produce`), then
 * published as `encoding/sub-XXX/` by the run.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type EncodeOptions, type EncodingSummary, encodeSubject } from '../../encode/index.js';
import { cacheDir } from '../../util/cache-dir.js';
import type { Stage } from '../stage.js';
import type { StimulusFiles } from './embed-stimuli.js';
import type { DatasetArtifact, SubjectImages } from './prepare.js';

export interface EncodeStageOptions {
  features: string[];
  /** Settings that change the numbers (delays, permutations, seed, FDR level, FWER, windows, preprocessing). */
  options: Omit<EncodeOptions, 'fmriCacheDir' | 'embeddingCacheDir' | 'workers'>;
}

export interface EncodeStageOutput {
  summary: EncodingSummary;
  /** The stage folder (where the saved models are); not part of the content. */
  dir: string;
}

export const encodeStage: Stage<
  { dataset: DatasetArtifact; images: SubjectImages; stimuli: StimulusFiles },
  EncodeStageOptions,
  EncodeStageOutput
> = {
  name: 'encode',
  // 2: keeps test time courses and names the atlas in encoding.json.
  version: 2,
  async run() {
    throw new Error('the encode stage computes into its folder (produce)');
  },
  async produce(dir, { dataset, images }, o, ctx) {
    const summary = await encodeSubject({
      dataset: dataset.dataset,
      design: dataset.design,
      subject: images.subject,
      features: o.features,
      // Caches are content-addressed and machine-local: not part of the key.
      options: { ...o.options, fmriCacheDir: cacheDir('fmri'), embeddingCacheDir: cacheDir('embed') },
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
