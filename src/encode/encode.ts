/**
 * The encoding stage as one library call: fit every requested feature space for a
 * subject (`fitSubjectEncoding`), then write maps, ROI tables, models and
 * `encoding.json` into `outDir` (`writeSubjectEncoding`).
 */
import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Design } from '../fmri/design.js';
import type { BidsDataset } from '../io/bids/discover.js';
import type { ProgressSink } from '../util/progress.js';
import { type EncodeOptions, fitSubjectEncoding } from './fit.js';
import { type EncodingSummary, writeSubjectEncoding } from './outputs.js';
import type { ClipFeatures } from './spaces.js';

export interface EncodeSubjectInput {
  /** Dataset root (raw BIDS or with fMRIPrep derivatives) or a discovered dataset. */
  dataset: string | BidsDataset;
  /** The design (default: built from the dataset's events). */
  design?: Design;
  subject: string;
  /** Feature space names (`dsp`, `genre`, `dsp+genre`, …; see FEATURE_SPACES). */
  features: string[];
  options?: EncodeOptions;
  /** The subject's output folder (e.g. `<run>/encoding/sub-001`); models go to `models/feat-<label>/`. */
  outDir: string;
  /** Save the fitted models (default true). */
  saveModels?: boolean;
  clipFeatures?: Record<string, ClipFeatures>;
  progress?: ProgressSink;
  log?: (line: string) => void;
}

export async function encodeSubject(input: EncodeSubjectInput): Promise<EncodingSummary> {
  const out = resolve(input.outDir);
  await mkdir(out, { recursive: true });
  const modelsDir = input.saveModels === false ? undefined : join(out, 'models');
  const enc = await fitSubjectEncoding({ ...input, modelsDir });
  return writeSubjectEncoding(enc, out, { modelsDir });
}
