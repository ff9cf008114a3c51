/**
 * The decoder contract: brain → embedding. A decoder is one file exporting a
 * `Decoder`, and one line in `registry.ts`. It sees only training data when it
 * chooses anything (alphas, voxels, ROIs, alignment maps); the test matrix is used
 * for prediction only. The contract tests (`contract.test.ts`) run every member.
 */
import type { Matrix } from '../linalg/matrix.js';
import type { ProgressSink } from '../util/progress.js';

/** One subject's decoder inputs (rows of X and Y are the same windows). */
export interface DecodeData {
  /** Subject label, e.g. `sub-001`. */
  subject: string;
  /** Training fMRI: n_train_rows × n_voxels (preprocessed, windowed). */
  trainX: Matrix<Float32Array>;
  /** Training targets: n_train_rows × dim (standardised on training clips). */
  trainY: Matrix<Float32Array>;
  /** Training run of each train row (0-based): the CV groups, since rows within a run are not independent. */
  trainRun: Int32Array;
  /** Clip (index into the design's clips) of each train row. */
  trainClip: Int32Array;
  /** Test fMRI: n_test_rows × n_voxels (repetitions averaged). */
  testX: Matrix<Float32Array>;
  /** Destrieux (aparc.a2009s+aseg) label of each voxel (length n_voxels), when known. */
  voxelLabels?: Int32Array;
  /** Label number → region name. */
  labelNames?: ReadonlyMap<number, string>;
  /**
   * Other subjects of the same design, for cross-subject decoders: their rows are the
   * same windows of the same clips in the same order as this subject's.
   */
  others?: ReadonlyArray<{ subject: string; trainX: Matrix<Float32Array>; testX: Matrix<Float32Array> }>;
}

/** Options every decoder understands; each decoder adds its own in `params`. */
export interface DecoderOptions {
  /** Ridge regularisation grid (> 0). */
  alphas: readonly number[];
  /** Folds of the inner CV that picks alphas (grouped by training run). */
  cvFolds: number;
  /** Seed for any random choice. */
  seed: number;
  /** Decoder-specific settings (validated by the decoder's own schema). */
  params: Record<string, unknown>;
}

export interface DecoderFit {
  /** Predicted test embedding: n_test_rows × dim. */
  predTest: Matrix<Float32Array>;
  /** What the decoder chose (ROIs, voxel count, alphas, …), JSON-serialisable. */
  info: Record<string, unknown>;
}

export interface DecoderRuntime {
  progress?: ProgressSink;
  log?: (line: string) => void;
}

export interface Decoder {
  /** Registry name, e.g. `whole-cortex`. */
  readonly name: string;
  /** One line for `--help` and the report. */
  readonly description: string;
  /** Needs `voxelLabels` (ROI decoders) or `others` (cross-subject decoders). */
  readonly needs: { labels?: boolean; others?: boolean };
  /** Default `params`, with every key the decoder understands. */
  readonly defaults: Record<string, unknown>;
  /**
   * Fits on the training part of `data` and predicts its test part. Must be
   * deterministic for a given `options.seed`.
   */
  fit(data: DecodeData, options: DecoderOptions, rt?: DecoderRuntime): Promise<DecoderFit>;
}
