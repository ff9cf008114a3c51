/**
 * Stage `decode`: one subject × one decoder. Fits the decoder on the training
 * runs and predicts the test clips; also the cross-validated training predictions
 * (outer folds grouped by run, the whole decoder refitted inside each) and, when
 * asked, leave-one-genre-out predictions of the test clips.
 */
import { crossValidatedPredictions, getDecoder, leaveGroupOutPredictions } from '../../decode/index.js';
import type { DecodeData, DecoderOptions } from '../../decode/types.js';
import { Standardizer } from '../../embed/standardize.js';
import type { Design } from '../../fmri/design.js';
import { Matrix } from '../../linalg/matrix.js';
import { loadJson, loadMatrix, saveJson, saveMatrix } from '../artifact-io.js';
import type { Artifact, Stage } from '../stage.js';
import type { StimulusEmbeddings } from './embed-stimuli.js';
import type { PreparedSubject } from './prepare.js';

export interface DecodeStageOptions {
  decoder: string;
  decoderOptions: DecoderOptions;
  /** Outer folds for cross-validated training predictions (0: skip). */
  trainCvFolds: number;
  /** Also predict each test clip from a model trained without its genre. */
  leaveOneGenreOut: boolean;
}

export interface DecodeStageInputs {
  subject: PreparedSubject & Artifact;
  embeddings: StimulusEmbeddings & Artifact;
  /** The design's clip genres, index-aligned with design clips (hashed with the dataset). */
  clipGenres: { hash: string; genres: string[] };
  /** Other subjects, for cross-subject decoders (empty otherwise). */
  others: Array<PreparedSubject & Artifact>;
}

export interface DecodeStageOutput {
  /** n_test_rows × dim, rows as `PreparedSubject.testClip/testWindow`. */
  predTest: Matrix<Float32Array>;
  trueTest: Matrix<Float32Array>;
  /** n_train_rows × dim, cross-validated (each row predicted by a model that never saw its run); 0 rows when skipped. */
  predTrainCv: Matrix<Float32Array>;
  trueTrain: Matrix<Float32Array>;
  /** n_test_rows × dim from models trained without the clip's genre; 0 rows when skipped. */
  predLogo: Matrix<Float32Array>;
  info: Record<string, unknown>;
  seconds: { fit: number; trainCv: number; logo: number };
}

/** Standardised targets for rows given by (clip, window): n_rows × dim. */
export function targetsFor(
  e: StimulusEmbeddings,
  clip: Int32Array,
  window: Int32Array,
): Matrix<Float32Array> {
  const s = new Standardizer(e.standardizer);
  const Y = Matrix.zeros(clip.length, e.dim, 'float32');
  for (let r = 0; r < clip.length; r++) {
    const src = ((clip[r] as number) * e.nWindows + (window[r] as number)) * e.dim;
    Y.data.set(e.raw.data.subarray(src, src + e.dim), r * e.dim);
  }
  return s.transform(Y) as Matrix<Float32Array>;
}

/** The decoder inputs of a prepared subject (and the others, for cross-subject decoders). */
export function decodeData(
  p: PreparedSubject,
  e: StimulusEmbeddings,
  others: readonly PreparedSubject[],
): DecodeData {
  return {
    subject: p.subject,
    trainX: p.trainX,
    trainY: targetsFor(e, p.trainClip, p.trainWindow),
    trainRun: p.trainRun,
    trainClip: p.trainClip,
    testX: p.testX,
    voxelLabels: p.voxelLabels,
    labelNames: new Map(Object.entries(p.labelNames).map(([k, v]) => [Number(k), v])),
    others: others.map((o) => ({ subject: o.subject, trainX: o.trainX, testX: o.testX })),
  };
}

export const decodeStage: Stage<DecodeStageInputs, DecodeStageOptions, DecodeStageOutput> = {
  name: 'decode',
  version: 1,
  typicalSeconds: 25,
  async run({ subject, embeddings, clipGenres, others }, o, ctx) {
    const decoder = getDecoder(o.decoder);
    const data = decodeData(subject, embeddings, decoder.needs.others ? others : []);
    // The ridge engine's per-fit lines are for `b2m ridge -v`, not for a run's log.
    const rt = { progress: ctx.progress };
    let t = performance.now();
    const fit = await decoder.fit(data, o.decoderOptions, rt);
    const fitS = (performance.now() - t) / 1000;
    t = performance.now();
    const predTrainCv =
      o.trainCvFolds > 0
        ? await crossValidatedPredictions(decoder, data, o.decoderOptions, { folds: o.trainCvFolds })
        : Matrix.zeros(0, embeddings.dim, 'float32');
    const cvS = (performance.now() - t) / 1000;
    t = performance.now();
    let predLogo = Matrix.zeros(0, embeddings.dim, 'float32');
    if (o.leaveOneGenreOut) {
      const names = [...new Set(clipGenres.genres)].sort();
      const code = (c: number) => names.indexOf(clipGenres.genres[c] as string);
      predLogo = await leaveGroupOutPredictions(decoder, data, o.decoderOptions, {
        trainGroup: Int32Array.from(subject.trainClip, code),
        testGroup: Int32Array.from(subject.testClip, code),
      });
    }
    const logoS = (performance.now() - t) / 1000;
    return {
      predTest: fit.predTest,
      trueTest: targetsFor(embeddings, subject.testClip, subject.testWindow),
      predTrainCv,
      trueTrain: data.trainY,
      predLogo,
      info: fit.info,
      seconds: { fit: fitS, trainCv: cvS, logo: logoS },
    };
  },
  async save(dir, out) {
    await saveMatrix(dir, 'pred_test', out.predTest);
    await saveMatrix(dir, 'true_test', out.trueTest);
    await saveMatrix(dir, 'pred_train_cv', out.predTrainCv);
    await saveMatrix(dir, 'true_train', out.trueTrain);
    await saveMatrix(dir, 'pred_logo', out.predLogo);
    await saveJson(dir, 'decode', { info: out.info, seconds: out.seconds });
  },
  async load(dir) {
    const meta = await loadJson<Pick<DecodeStageOutput, 'info' | 'seconds'>>(dir, 'decode');
    return {
      ...meta,
      predTest: await loadMatrix(dir, 'pred_test'),
      trueTest: await loadMatrix(dir, 'true_test'),
      predTrainCv: await loadMatrix(dir, 'pred_train_cv'),
      trueTrain: await loadMatrix(dir, 'true_train'),
      predLogo: await loadMatrix(dir, 'pred_logo'),
    };
  },
};

/** Genres of the design's clips, as a hashed stage input. */
export function clipGenresOf(
  design: Design,
  hashJson: (v: unknown) => string,
): { hash: string; genres: string[] } {
  const genres = design.clips.map((c) => c.genre);
  return { hash: hashJson(genres), genres };
}
