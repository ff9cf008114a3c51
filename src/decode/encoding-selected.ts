/**
 * `encoding-selected` (METHOD.md §5, voxel selection by an encoding model): rank
 * voxels by how well the embedding predicts them — a ridge from the embedding to
 * every voxel, scored by the Pearson r of held-out predictions under run-grouped
 * CV — keep the best `topK` (default 3,000) and decode from those with one ridge.
 * The encoding score is computed from the training data passed in only, so inside
 * an outer cross-validation it is recomputed in every fold and never sees the
 * rows it will be judged on. Selecting by encoding rather than by anatomy lets
 * the data find music-responsive voxels wherever they are.
 */
import { z } from 'zod';
import { fitRidgeCV } from '../ridge/fit.js';
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
} from './common.js';
import type { Decoder } from './types.js';

const Params = z.strictObject({
  /** Voxels kept (all of them when fewer). */
  topK: z.number().int().min(1),
});

export const encodingSelected: Decoder = {
  name: 'encoding-selected',
  description:
    'voxels ranked by cross-validated encoding r on the training data only, top K decoded with one ridge',
  needs: {},
  defaults: { topK: 3000 },
  async fit(data, options, rt) {
    checkDecodeData(data, this);
    const params = parseParams(this.name, Params, this.defaults, options.params);
    const groups = runGroups(data.trainRun, options.cvFolds);
    const p = data.trainX.cols;
    const ropts = ridgeOptions(options, groups, rt);
    const k = Math.min(params.topK, p);
    let keep: number[];
    let encodingR: { keptMean: number; keptMin: number; allMean: number } | 'not computed: topK ≥ voxels';
    if (k < p) {
      // Encoding: embedding → every voxel; the CV r at each voxel's own alpha is its score.
      const enc = await fitRidgeCV(data.trainY, data.trainX, { ...ropts, score: 'pearson' });
      const score = scoresAtChosen(enc.cvScores, enc.info.alphaGrid, enc.alphas);
      const order = Array.from({ length: p }, (_, v) => v).sort(
        (a, b) => (score[b] as number) - (score[a] as number) || a - b,
      );
      keep = order.slice(0, k).sort((a, b) => a - b);
      const kept = keep.map((v) => score[v] as number);
      encodingR = { keptMean: mean(kept), keptMin: Math.min(...kept), allMean: mean(score) };
    } else {
      // Keeping every voxel needs no ranking: skip the encoding fit.
      keep = Array.from({ length: p }, (_, v) => v);
      encodingR = 'not computed: topK ≥ voxels';
    }
    const X = k < p ? data.trainX.takeCols(keep) : data.trainX;
    const model = await fitRidgeCV(X, data.trainY, { ...ropts, solver: solverFor(X.rows, X.cols) });
    const predTest = asFloat32(await model.predict(k < p ? data.testX.takeCols(keep) : data.testX));
    return {
      predTest,
      info: {
        voxels: k,
        voxelsAvailable: p,
        encodingR,
        solver: model.info.solver,
        alpha: alphaSummary(model.alphas),
      },
    };
  },
};
