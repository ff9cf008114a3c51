/**
 * `whole-cortex`: one ridge from every voxel given (the pipeline passes the
 * cortical mask) to the embedding, one alpha per embedding dimension chosen by
 * CV grouped by training run. The ridge engine picks the dual (kernel) form when
 * there are more voxels than rows, which is the usual case (≈60,000 voxels, 1,920
 * windows), so the cost is set by the rows, not the voxels. It is the simplest
 * strong baseline: no selection step that could overfit.
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

const Params = z.strictObject({});

export const wholeCortex: Decoder = {
  name: 'whole-cortex',
  description:
    'one ridge on all cortical voxels (dual form when voxels > rows), alpha per dimension by run-grouped CV',
  needs: {},
  defaults: {},
  async fit(data, options, rt) {
    checkDecodeData(data, this);
    parseParams(this.name, Params, this.defaults, options.params);
    const groups = runGroups(data.trainRun, options.cvFolds);
    const model = await fitRidgeCV(data.trainX, data.trainY, ridgeOptions(options, groups, rt, data.trainX));
    const predTest = asFloat32(await model.predict(data.testX));
    const cvR2 = scoresAtChosen(model.cvScores, model.info.alphaGrid, model.alphas);
    return {
      predTest,
      info: {
        voxels: data.trainX.cols,
        solver: model.info.solver,
        alpha: alphaSummary(model.alphas),
        cvR2: mean(cvR2),
        cvFolds: model.info.nFolds,
      },
    };
  },
};
