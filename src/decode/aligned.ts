/**
 * `aligned` (METHOD.md §5; Ciferri et al. 2025): cross-subject functional
 * alignment. For every other subject o, a ridge map from o's voxels to this
 * subject's voxels is fitted on the TRAINING rows only (the subjects heard the
 * same clips in the same order, so row i is the same stimulus window in both),
 * with alphas chosen by run-grouped CV. Each other subject's training and test X
 * are mapped into this subject's voxel space.
 *
 * Test rows are predicted from this subject's test X averaged with the aligned
 * others' test X of the same rows: the cross-subject analogue of averaging test
 * repetitions (the stimulus-driven part is shared, the noise is not). Training
 * pools the aligned data in one of two ways (`pool`):
 * - `average` (default): the decoder is fitted on the same kind of input it is
 *   applied to, own + aligned training X averaged row by row (n rows);
 * - `stack`: own + aligned rows stacked, targets repeated ((1 + n_others)·n rows),
 *   as Ciferri et al. pooled subjects; the CV groups of the stacked rows are their
 *   runs, so copies of one stimulus from different subjects share a fold.
 * On the twin (sub-001, 4 others, dsp embedding) both gave the same test
 * identification (0.858 average vs 0.859 stack, per-voxel alphas), and stacking
 * costs a (1 + n_others)-times taller decoding ridge, so `average` is the default.
 *
 * Alignment alphas: `per-voxel` (one per target voxel, through the ridge engine,
 * whose model holds a p_source × p_target coefficient matrix: fine for the twin's
 * ~1,800 voxels) or `shared` (one alpha per map, chosen by CV on a seeded sample of
 * `sharedAlphaVoxels` target voxels, then the map applied in dual form with one
 * n × n Cholesky and no coefficient matrix, which real data's 60,000² would not
 * fit in memory). `auto` takes per-voxel up to 5,000 voxels.
 */
import { totalmem } from 'node:os';
import { z } from 'zod';
import { getBackend } from '../linalg/index.js';
import { Matrix } from '../linalg/matrix.js';
import { fitRidgeCV } from '../ridge/fit.js';
import type { RidgeCVOptions } from '../ridge/options.js';
import { UserError } from '../util/errors.js';
import { Rng } from '../util/rng.js';
import {
  alphaSummary,
  asFloat32,
  checkDecodeData,
  mean,
  parseParams,
  ridgeOptions,
  runGroups,
  scoresAtChosen,
  solverFor,
  stackRows,
} from './common.js';
import type { Decoder } from './types.js';

const Params = z.strictObject({
  /** How the alignment maps choose alphas (see the module comment). */
  alignAlpha: z.enum(['auto', 'per-voxel', 'shared']),
  /** Target voxels sampled to choose a shared alignment alpha. */
  sharedAlphaVoxels: z.number().int().min(1),
  /** `stack`: decode from own + aligned rows stacked; `average`: from their average (n rows, cheaper). */
  pool: z.enum(['stack', 'average']),
});

/** Per-voxel alignment alphas up to this many target voxels under `auto`. */
const AUTO_PER_VOXEL_MAX = 5000;

interface AlignedSubject {
  /** The other subject's training rows in this subject's voxel space: n × p. */
  train: Matrix<Float32Array>;
  /** Its test rows mapped the same way: m × p. */
  test: Matrix;
  alpha: ReturnType<typeof alphaSummary>;
  /** Mean CV R² of the map over target voxels (the sampled ones for `shared`). */
  cvR2: number;
}

/** Column means (float64) of a float32 matrix. */
function colMeans(X: Matrix): Float64Array {
  const m = new Float64Array(X.cols);
  for (let i = 0; i < X.rows; i++)
    for (let j = 0; j < X.cols; j++) m[j] = (m[j] as number) + (X.data[i * X.cols + j] as number);
  for (let j = 0; j < X.cols; j++) m[j] = (m[j] as number) / X.rows;
  return m;
}

function centred(X: Matrix<Float32Array>, mean: Float64Array): Matrix<Float32Array> {
  const C = X.clone();
  for (let i = 0; i < C.rows; i++)
    for (let j = 0; j < C.cols; j++)
      C.data[i * C.cols + j] = (C.data[i * C.cols + j] as number) - (mean[j] as number);
  return C;
}

/**
 * The ridge map source → target with ONE alpha (and an intercept), in dual form,
 * never forming the p_source × p_target coefficient matrix (60,000² floats on real
 * data): with K = X̃ X̃ᵀ (X̃ the centred source), the fitted training rows are
 * Ỹ − α (K + αI)⁻¹ Ỹ + ȳ and the test rows (x − x̄) X̃ᵀ (K + αI)⁻¹ Ỹ + ȳ. One
 * Cholesky of the n × n matrix serves every target voxel, solved in column blocks.
 */
async function dualMap(
  source: Matrix<Float32Array>,
  sourceTest: Matrix<Float32Array>,
  target: Matrix<Float32Array>,
  alpha: number,
): Promise<{ train: Matrix<Float32Array>; test: Matrix<Float32Array> }> {
  const be = await getBackend();
  const n = source.rows;
  const m = sourceTest.rows;
  const p = target.cols;
  const sMean = colMeans(source);
  const S = centred(source, sMean);
  const K = (await be.syrk(S)).astype('float64');
  for (let i = 0; i < n; i++) K.data[i * n + i] = (K.data[i * n + i] as number) + alpha;
  const L = await be.cholesky(K);
  const Kte = (await be.gemm(centred(sourceTest, sMean), S, { transB: true })).astype('float64');
  const tMean = colMeans(target);
  const train = Matrix.zeros(n, p, 'float32');
  const test = Matrix.zeros(m, p, 'float32');
  const block = 2048;
  for (let j0 = 0; j0 < p; j0 += block) {
    const j1 = Math.min(p, j0 + block);
    const b = j1 - j0;
    const T = Matrix.zeros(n, b, 'float64');
    for (let i = 0; i < n; i++)
      for (let j = 0; j < b; j++)
        T.data[i * b + j] = (target.data[i * p + j0 + j] as number) - (tMean[j0 + j] as number);
    const W = await be.choleskySolve(L, T);
    const P = await be.gemm(Kte, W);
    for (let i = 0; i < n; i++)
      for (let j = 0; j < b; j++)
        train.data[i * p + j0 + j] =
          (T.data[i * b + j] as number) - alpha * (W.data[i * b + j] as number) + (tMean[j0 + j] as number);
    for (let i = 0; i < m; i++)
      for (let j = 0; j < b; j++)
        test.data[i * p + j0 + j] = (P.data[i * b + j] as number) + (tMean[j0 + j] as number);
  }
  return { train, test };
}

async function alignSubject(
  source: { trainX: Matrix<Float32Array>; testX: Matrix<Float32Array> },
  target: Matrix<Float32Array>,
  mode: 'per-voxel' | 'shared',
  sampleSize: number,
  ropts: RidgeCVOptions,
  rng: Rng,
): Promise<AlignedSubject> {
  if (mode === 'per-voxel') {
    const map = await fitRidgeCV(source.trainX, target, ropts);
    return {
      train: asFloat32(await map.predict(source.trainX)),
      test: await map.predict(source.testX),
      alpha: alphaSummary(map.alphas),
      cvR2: mean(scoresAtChosen(map.cvScores, map.info.alphaGrid, map.alphas)),
    };
  }
  const p = target.cols;
  const all = Array.from({ length: p }, (_, v) => v);
  const sample =
    p <= sampleSize
      ? all
      : rng
          .shuffle(all)
          .slice(0, sampleSize)
          .sort((a, b) => a - b);
  const probe = await fitRidgeCV(source.trainX, target.takeCols(sample), ropts);
  const grid = probe.info.alphaGrid;
  const t = probe.cvScores.cols;
  let best = -Infinity;
  let bestAlpha = grid[grid.length - 1] as number;
  // Mean CV score over the sampled voxels; ties go to the larger alpha, as the engine does.
  const order = grid.map((a, i) => [a, i] as const).sort((x, y) => x[0] - y[0]);
  for (const [a, i] of order) {
    let s = 0;
    for (let j = 0; j < t; j++) s += probe.cvScores.data[i * t + j] as number;
    if (s / t >= best) {
      best = s / t;
      bestAlpha = a;
    }
  }
  const { train, test } = await dualMap(source.trainX, source.testX, target, bestAlpha);
  return { train, test, alpha: { median: bestAlpha, min: bestAlpha, max: bestAlpha }, cvR2: best };
}

export const aligned: Decoder = {
  name: 'aligned',
  description:
    "cross-subject functional alignment: ridge maps from each other subject's voxels fitted on training clips, aligned data pooled for decoding",
  needs: { others: true },
  defaults: { alignAlpha: 'auto', sharedAlphaVoxels: 1000, pool: 'average' },
  async fit(data, options, rt) {
    checkDecodeData(data, this);
    const params = parseParams(this.name, Params, this.defaults, options.params);
    const others = data.others ?? [];
    const n = data.trainX.rows;
    const p = data.trainX.cols;
    const nParts = others.length + 1;
    if (params.pool === 'stack') {
      // The stacked X and the engine's centred copy of it.
      const bytes = 2 * nParts * n * p * 4;
      if (bytes > 0.6 * totalmem()) {
        throw new UserError(
          `stacking ${nParts} subjects' training data needs ${(bytes / 2 ** 30).toFixed(1)} GiB, more than this machine can spare`,
          {
            field: 'decode.params.aligned.pool',
            hint: "set decode.params.aligned.pool to 'average', or decode fewer voxels",
          },
        );
      }
    }
    const groups = runGroups(data.trainRun, options.cvFolds);
    const ropts = ridgeOptions(options, groups, { log: rt?.log });
    const mode =
      params.alignAlpha === 'auto' ? (p <= AUTO_PER_VOXEL_MAX ? 'per-voxel' : 'shared') : params.alignAlpha;
    const rng = new Rng(options.seed);
    const alignedTrain: Matrix<Float32Array>[] = [];
    const testSum = new Float64Array(data.testX.data);
    const maps: Array<{ subject: string; voxels: number; alpha: AlignedSubject['alpha']; cvR2: number }> = [];
    rt?.progress?.start('aligned: alignment maps', others.length);
    for (const [k, o] of others.entries()) {
      const a = await alignSubject(
        o,
        data.trainX,
        mode,
        params.sharedAlphaVoxels,
        { ...ropts, solver: solverFor(n, o.trainX.cols) },
        rng.fork(o.subject),
      );
      alignedTrain.push(a.train);
      for (let i = 0; i < testSum.length; i++)
        testSum[i] = (testSum[i] as number) + (a.test.data[i] as number);
      maps.push({ subject: o.subject, voxels: o.trainX.cols, alpha: a.alpha, cvR2: a.cvR2 });
      rt?.progress?.update(k + 1);
    }
    rt?.progress?.finish();
    const testAvg = Matrix.zeros(data.testX.rows, p, 'float32');
    for (let i = 0; i < testSum.length; i++) testAvg.data[i] = (testSum[i] as number) / nParts;

    let X: Matrix<Float32Array>;
    let Y: Matrix<Float32Array>;
    let g: Int32Array;
    if (params.pool === 'stack') {
      X = stackRows([data.trainX, ...alignedTrain]);
      Y = stackRows(Array.from({ length: nParts }, () => data.trainY));
      g = new Int32Array(n * nParts);
      for (let s = 0; s < nParts; s++) g.set(groups, s * n);
    } else {
      X = Matrix.zeros(n, p, 'float32');
      for (const part of [data.trainX, ...alignedTrain])
        for (let i = 0; i < X.data.length; i++)
          X.data[i] = (X.data[i] as number) + (part.data[i] as number) / nParts;
      Y = data.trainY;
      g = groups;
    }
    alignedTrain.length = 0;
    const model = await fitRidgeCV(X, Y, ridgeOptions(options, g, rt, X));
    const predTest = asFloat32(await model.predict(testAvg));
    return {
      predTest,
      info: {
        subjectsPooled: others.map((o) => o.subject),
        alignAlpha: mode,
        pool: params.pool,
        maps,
        trainingRows: X.rows,
        solver: model.info.solver,
        alpha: alphaSummary(model.alphas),
        test: 'own test X averaged with the aligned test X of every other subject',
      },
    };
  },
};
