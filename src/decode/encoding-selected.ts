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
    // Encoding: embedding → every voxel; the CV r at each voxel's own alpha is its score.
    const enc = await fitRidgeCV(data.trainY, data.trainX, { ...ropts, score: 'pearson' });
    const score = scoresAtChosen(enc.cvScores, enc.info.alphaGrid, enc.alphas);
    const k = Math.min(params.topK, p);
    const order = Array.from({ length: p }, (_, v) => v).sort(
      (a, b) => (score[b] as number) - (score[a] as number) || a - b,
    );
    const keep = order.slice(0, k).sort((a, b) => a - b);
    const model = await fitRidgeCV(data.trainX.takeCols(keep), data.trainY, ropts);
    const predTest = asFloat32(await model.predict(data.testX.takeCols(keep)));
    const kept = keep.map((v) => score[v] as number);
    return {
      predTest,
      info: {
        voxels: k,
        voxelsAvailable: p,
        encodingR: { keptMean: mean(kept), keptMin: Math.min(...kept), allMean: mean(score) },
        solver: model.info.solver,
        alpha: alphaSummary(model.alphas),
      },
    };
  },
};
