/**
 * Outer cross-validation of a whole decoder procedure. Every fold re-runs the
 * decoder's FULL fit — alpha search, voxel/ROI selection, alignment maps — on the
 * training rows of the other folds only, and predicts the held-out rows by
 * passing them as the test matrix; the other subjects' matrices are sliced the
 * same way. So a cross-validated score is honest about every choice the decoder
 * makes, not only about its final weights.
 */
import { Matrix } from '../linalg/matrix.js';
import { UserError } from '../util/errors.js';
import { checkDecodeData, runGroups } from './common.js';
import type { DecodeData, Decoder, DecoderOptions, DecoderRuntime } from './types.js';

/** Training rows `trainRows` of `data` as the training part, and rows `testRows` of `testFrom` as the test part. */
function carve(
  data: DecodeData,
  trainRows: Int32Array,
  testFrom: 'train' | 'test',
  testRows: Int32Array,
): DecodeData {
  const pick = (tr: Matrix<Float32Array>, te: Matrix<Float32Array>) => ({
    trainX: tr.takeRows(trainRows),
    testX: (testFrom === 'train' ? tr : te).takeRows(testRows),
  });
  return {
    subject: data.subject,
    ...pick(data.trainX, data.testX),
    trainY: data.trainY.takeRows(trainRows),
    trainRun: Int32Array.from(trainRows, (i) => data.trainRun[i] as number),
    trainClip: Int32Array.from(trainRows, (i) => data.trainClip[i] as number),
    voxelLabels: data.voxelLabels,
    labelNames: data.labelNames,
    others: data.others?.map((o) => ({ subject: o.subject, ...pick(o.trainX, o.testX) })),
  };
}

function indicesWhere(n: number, keep: (i: number) => boolean): Int32Array {
  const out: number[] = [];
  for (let i = 0; i < n; i++) if (keep(i)) out.push(i);
  return Int32Array.from(out);
}

/**
 * Splits the TRAINING rows of `data`: rows where `trainRowMask` is truthy become
 * the training part, the others the test part (`testX`), for `data` and every
 * subject in `others` alike.
 */
export function sliceDecodeData(data: DecodeData, trainRowMask: ArrayLike<boolean | number>): DecodeData {
  const n = data.trainX.rows;
  if (trainRowMask.length !== n) {
    throw new UserError(`the row mask has ${trainRowMask.length} entries for ${n} training rows`, {
      field: `${data.subject}.trainRowMask`,
      hint: 'give one flag per training row',
    });
  }
  return carve(
    data,
    indicesWhere(n, (i) => Boolean(trainRowMask[i])),
    'train',
    indicesWhere(n, (i) => !trainRowMask[i]),
  );
}

function scatterRows(out: Matrix<Float32Array>, rows: Int32Array, part: Matrix): void {
  const d = out.cols;
  if (part.rows !== rows.length || part.cols !== d) {
    throw new Error(`decoder returned ${part.rows} × ${part.cols} predictions for ${rows.length} × ${d}`);
  }
  rows.forEach((r, k) => {
    for (let j = 0; j < d; j++) out.data[r * d + j] = part.data[k * d + j] as number;
  });
}

/**
 * Cross-validated predictions of every training row: n_train_rows × dim. Outer
 * folds group rows by run (fold = run mod `folds`); each fold fits the full
 * decoder on the other folds.
 */
export async function crossValidatedPredictions(
  decoder: Decoder,
  data: DecodeData,
  options: DecoderOptions,
  cv: { folds: number },
  rt?: DecoderRuntime,
): Promise<Matrix<Float32Array>> {
  checkDecodeData(data, decoder);
  const n = data.trainX.rows;
  const groups = runGroups(data.trainRun, cv.folds);
  const labels = [...new Set(groups)].sort((a, b) => a - b);
  if (labels.length < 2) {
    throw new UserError(
      `outer cross-validation needs training rows from at least 2 folds, got ${labels.length}`,
      {
        field: 'decode.cvFolds',
        hint: 'use at least two training runs',
      },
    );
  }
  const out = Matrix.zeros(n, data.trainY.cols, 'float32');
  rt?.progress?.start(`${decoder.name}: outer CV`, labels.length);
  for (const [k, g] of labels.entries()) {
    const part = sliceDecodeData(
      data,
      Uint8Array.from(groups, (x) => (x === g ? 0 : 1)),
    );
    const fit = await decoder.fit(part, options, { log: rt?.log });
    scatterRows(
      out,
      indicesWhere(n, (i) => groups[i] === g),
      fit.predTest,
    );
    rt?.progress?.update(k + 1);
  }
  rt?.progress?.finish();
  return out;
}

/**
 * Leave-one-group-out (e.g. leave-one-genre-out) predictions of the TEST rows:
 * n_test_rows × dim. For every group g present among the test rows, the decoder
 * is fitted without the training rows of g and predicts the test rows of g.
 * `trainGroup`: group of each training row; `testGroup`: group of each test row.
 */
export async function leaveGroupOutPredictions(
  decoder: Decoder,
  data: DecodeData,
  options: DecoderOptions,
  groups: { trainGroup: Int32Array; testGroup: Int32Array },
  rt?: DecoderRuntime,
): Promise<Matrix<Float32Array>> {
  checkDecodeData(data, decoder);
  const { trainGroup, testGroup } = groups;
  const n = data.trainX.rows;
  const m = data.testX.rows;
  if (trainGroup.length !== n || testGroup.length !== m) {
    throw new UserError(
      `group labels: ${trainGroup.length} for ${n} training rows and ${testGroup.length} for ${m} test rows`,
      { field: `${data.subject}.groups`, hint: 'give one group label per training row and per test row' },
    );
  }
  const labels = [...new Set(testGroup)].sort((a, b) => a - b);
  const out = Matrix.zeros(m, data.trainY.cols, 'float32');
  rt?.progress?.start(`${decoder.name}: leave one group out`, labels.length);
  for (const [k, g] of labels.entries()) {
    const trainRows = indicesWhere(n, (i) => trainGroup[i] !== g);
    const testRows = indicesWhere(m, (i) => testGroup[i] === g);
    const fit = await decoder.fit(carve(data, trainRows, 'test', testRows), options, { log: rt?.log });
    scatterRows(out, testRows, fit.predTest);
    rt?.progress?.update(k + 1);
  }
  rt?.progress?.finish();
  return out;
}
