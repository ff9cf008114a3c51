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
 * Alignment alphas: `per-voxel` (one per target voxel, the exact method) or
 * `shared` (one alpha for the map, chosen by CV on a seeded sample of target
 * voxels: with ~60,000 target voxels a per-voxel grid search costs 17× a single
 * alpha's fit); `auto` takes per-voxel up to 5,000 voxels.
 */
import { totalmem } from 'node:os';
import { z } from 'zod';
import { Matrix } from '../linalg/matrix.js';
import { fitRidgeCV } from '../ridge/fit.js';
import type { RidgeModel } from '../ridge/model.js';
import type { RidgeCVOptions } from '../ridge/options.js';
import { UserError } from '../util/errors.js';
import { Rng } from '../util/rng.js';
import {
  alphaSummary,
  asFloat32,
  checkDecodeData,
  parseParams,
  ridgeOptions,
  runGroups,
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

async function alignmentMap(
  source: Matrix<Float32Array>,
  target: Matrix<Float32Array>,
  mode: 'per-voxel' | 'shared',
  sampleSize: number,
  ropts: RidgeCVOptions,
  rng: Rng,
): Promise<RidgeModel> {
  if (mode === 'per-voxel') return fitRidgeCV(source, target, ropts);
  const p = target.cols;
  const all = Array.from({ length: p }, (_, v) => v);
  const sample =
    p <= sampleSize
      ? all
      : rng
          .shuffle(all)
          .slice(0, sampleSize)
          .sort((a, b) => a - b);
  const probe = await fitRidgeCV(source, target.takeCols(sample), ropts);
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
  return fitRidgeCV(source, target, { ...ropts, alphas: [bestAlpha] });
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
    const maps: Array<{
      subject: string;
      voxels: number;
      alpha: ReturnType<typeof alphaSummary>;
      cvR2: number;
    }> = [];
    rt?.progress?.start('aligned: alignment maps', others.length);
    for (const [k, o] of others.entries()) {
      const map = await alignmentMap(
        o.trainX,
        data.trainX,
        mode,
        params.sharedAlphaVoxels,
        { ...ropts, solver: solverFor(n, o.trainX.cols) },
        rng.fork(o.subject),
      );
      alignedTrain.push(asFloat32(await map.predict(o.trainX)));
      const at = await map.predict(o.testX);
      for (let i = 0; i < testSum.length; i++) testSum[i] = (testSum[i] as number) + (at.data[i] as number);
      let cv = 0;
      const t = map.cvScores.cols;
      for (let j = 0; j < t; j++)
        cv += map.cvScores.data[map.info.alphaGrid.indexOf(map.alphas[j] as number) * t + j] as number;
      maps.push({ subject: o.subject, voxels: o.trainX.cols, alpha: alphaSummary(map.alphas), cvR2: cv / t });
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
