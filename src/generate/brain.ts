/**
 * Best-of-N by the brain (Ciferri et al. 2025) from a saved encoding model: a
 * candidate's predicted response to hearing it, compared with the response measured
 * while the subject heard the test clip. Only a model whose feature space is the run's
 * embedding (or one of its `dsp` blocks) can score a candidate from its embedding
 * alone; any other model (e.g. one-hot genre) is passed over.
 */
import { Standardizer, type StandardizerState } from '../embed/standardize.js';
import type { EncodingModel } from '../encode/model.js';
import { predictBrainResponse } from '../encode/model.js';
import { Matrix } from '../linalg/matrix.js';
import type { BrainSelection } from './types.js';

export interface BrainSelectionInput {
  model: EncodingModel;
  /** Fingerprint of the run's embedding (the encode `dsp` space and its blocks carry it). */
  embeddingFingerprint: string;
  /** Column ranges of the embedding's named blocks (`dsp-modulation` → start, size). */
  blocks: ReadonlyArray<{ name: string; start: number; size: number }>;
  /** The run's embedding standardiser: candidates arrive standardised, the model reads raw features. */
  standardizer: StandardizerState;
  /**
   * Measured test response per clip id: the repetition-averaged scans of the clip,
   * averaged over the clip (n_voxels, on `measuredVoxels`).
   */
  measured: ReadonlyMap<string, Float32Array>;
  /** Grid offsets of the measured response's voxels. */
  measuredVoxels: Int32Array;
}

/**
 * Column indices into the embedding for each model part, or null when a part is not
 * the embedding or one of its blocks.
 */
export function embeddingColumns(
  model: EncodingModel,
  fingerprint: string,
  blocks: BrainSelectionInput['blocks'],
): number[] | null {
  const cols: number[] = [];
  for (const part of model.parts) {
    if (part.fingerprint === fingerprint) {
      for (let j = 0; j < part.dim; j++) cols.push(j);
      continue;
    }
    const block = blocks.find((b) => part.fingerprint === `${fingerprint}:${b.name}`);
    if (!block || block.size !== part.dim) return null;
    for (let j = 0; j < block.size; j++) cols.push(block.start + j);
  }
  return cols;
}

/**
 * A `BrainSelection` for `generateForSubject`, or null when the model cannot score
 * candidates from their embeddings. The predicted response is the model's steady
 * state to the candidate sustained for longer than its longest delay (every delay
 * block sees the candidate's clip-average features), on the voxels both the model
 * and the measured response cover; the comparison is Pearson r across those voxels.
 */
export function brainSelectionFromModel(i: BrainSelectionInput): BrainSelection | null {
  const cols = embeddingColumns(i.model, i.embeddingFingerprint, i.blocks);
  if (!cols) return null;
  const pos = new Map<number, number>(Array.from(i.measuredVoxels, (v, k) => [v, k]));
  // Shared voxels: model column → measured column.
  const modelCols: number[] = [];
  const measCols: number[] = [];
  i.model.voxels.forEach((v, k) => {
    const m = pos.get(v);
    if (m !== undefined) {
      modelCols.push(k);
      measCols.push(m);
    }
  });
  if (modelCols.length < 3) return null;
  const std = new Standardizer(i.standardizer);
  const { mean, scale } = i.standardizer;
  const steady = Math.max(...i.model.delays) + 1;
  const measured = new Map<string, Float32Array>();
  for (const [clip, m] of i.measured)
    measured.set(
      clip,
      Float32Array.from(measCols, (c) => m[c] as number),
    );
  if (std.dim !== mean.length) throw new Error('standardiser state is inconsistent');
  return {
    async predict(features) {
      const n = features.rows;
      // Raw features of each candidate (un-standardised), repeated for `steady` scans.
      const F = Matrix.zeros(n * steady, cols.length, 'float32');
      for (let r = 0; r < n; r++) {
        for (let s = 0; s < steady; s++) {
          const o = (r * steady + s) * cols.length;
          cols.forEach((c, j) => {
            F.data[o + j] =
              (features.data[r * features.cols + c] as number) * (scale[c] as number) + (mean[c] as number);
          });
        }
      }
      const P = await predictBrainResponse(i.model, F, { segments: Array(n).fill(steady) });
      const out = Matrix.zeros(n, modelCols.length, 'float32');
      for (let r = 0; r < n; r++) {
        const row = (r * steady + steady - 1) * P.cols;
        modelCols.forEach((c, j) => {
          out.data[r * modelCols.length + j] = P.data[row + c] as number;
        });
      }
      return out;
    },
    measured(clip) {
      const m = measured.get(clip);
      if (!m) throw new Error(`no measured response for test clip ${clip}`);
      return m;
    },
  };
}
