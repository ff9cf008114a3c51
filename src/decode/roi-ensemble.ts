/**
 * `roi-ensemble`, the paper's decoder (Brain2Music, METHOD.md §3.5): one ridge per
 * Destrieux region, each with one alpha per embedding dimension chosen by CV
 * grouped by training run; regions are ranked by their cross-validated
 * correlation and the test predictions of the best `topRois` (default 6) are
 * averaged. Restricting to a few regions is the paper's way to keep the decoder
 * where the music signal is (mostly auditory cortex) and to average away the
 * noise of each region's model.
 *
 * The CV correlation of a region is the Pearson r between held-out predictions
 * (at each dimension's chosen alpha) and the truth, averaged over folds as the
 * ridge engine scores them, then over dimensions. Alphas are chosen by R², which
 * keeps the scale of each region's predictions calibrated before they are
 * averaged (a correlation-chosen alpha can be arbitrarily large, and the region
 * with the least shrinkage would then dominate the average).
 */
import { z } from 'zod';
import { Matrix } from '../linalg/matrix.js';
import { fitRidgeCV } from '../ridge/fit.js';
import { UserError } from '../util/errors.js';
import {
  asFloat32,
  checkDecodeData,
  FIRST_CORTICAL_LABEL,
  mean,
  parseParams,
  ridgeOptions,
  runGroups,
  scoresAtChosen,
} from './common.js';
import type { Decoder } from './types.js';

const Params = z.strictObject({
  /** Regions whose test predictions are averaged. */
  topRois: z.number().int().min(1),
  /** Regions with fewer voxels than this are skipped (too small to decode from). */
  minVoxels: z.number().int().min(1),
  /** Only labels ≥ this are regions (aparc.a2009s+aseg: cortical labels start at 11100). */
  minLabel: z.number().int(),
});

interface RoiResult {
  label: number;
  voxels: number;
  cvR: number;
  predTest: Matrix;
}

export const roiEnsemble: Decoder = {
  name: 'roi-ensemble',
  description:
    "the paper's: a ridge per Destrieux ROI, the test predictions of the 6 ROIs with the best CV correlation averaged",
  needs: { labels: true },
  defaults: { topRois: 6, minVoxels: 10, minLabel: FIRST_CORTICAL_LABEL },
  async fit(data, options, rt) {
    checkDecodeData(data, this);
    const params = parseParams(this.name, Params, this.defaults, options.params);
    const labels = data.voxelLabels as Int32Array;
    const byLabel = new Map<number, number[]>();
    labels.forEach((l, v) => {
      if (l >= params.minLabel) {
        const list = byLabel.get(l);
        if (list) list.push(v);
        else byLabel.set(l, [v]);
      }
    });
    const rois = [...byLabel.entries()]
      .filter(([, v]) => v.length >= params.minVoxels)
      .sort((a, b) => a[0] - b[0]);
    if (rois.length === 0) {
      throw new UserError(
        `no region has at least ${params.minVoxels} voxels with a label ≥ ${params.minLabel} (${byLabel.size} cortical label(s) present)`,
        {
          field: `${data.subject}.voxelLabels`,
          hint: 'pass the cortical mask with its aparc.a2009s+aseg labels, or lower decode.params.roi-ensemble.minVoxels',
        },
      );
    }
    const groups = runGroups(data.trainRun, options.cvFolds);
    const ropts = ridgeOptions(options, groups, { log: rt?.log });
    const results: RoiResult[] = [];
    rt?.progress?.start('roi-ensemble: regions', rois.length);
    for (const [k, [label, voxels]] of rois.entries()) {
      const X = data.trainX.takeCols(voxels);
      const model = await fitRidgeCV(X, data.trainY, ropts);
      // Same folds, scored by Pearson r, read at the R²-chosen alphas (only those are
      // scored: usually a few of the grid, which makes this pass cheap).
      const used = [...new Set(model.alphas)].sort((a, b) => a - b);
      const rModel = await fitRidgeCV(X, data.trainY, { ...ropts, alphas: used, score: 'pearson' });
      const cvR = mean(scoresAtChosen(rModel.cvScores, rModel.info.alphaGrid, model.alphas));
      results.push({
        label,
        voxels: voxels.length,
        cvR,
        predTest: await model.predict(data.testX.takeCols(voxels)),
      });
      rt?.progress?.update(k + 1);
    }
    rt?.progress?.finish();
    // Best first; equal scores in label order so the choice is deterministic.
    results.sort((a, b) => b.cvR - a.cvR || a.label - b.label);
    const chosen = results.slice(0, Math.min(params.topRois, results.length));
    const dim = data.trainY.cols;
    const avg = Matrix.zeros(data.testX.rows, dim, 'float64');
    for (const r of chosen)
      for (let i = 0; i < avg.data.length; i++) avg.data[i] += (r.predTest.data[i] as number) / chosen.length;
    return {
      predTest: asFloat32(avg),
      info: {
        roisConsidered: results.length,
        roisSkippedSmall: byLabel.size - rois.length,
        voxels: chosen.reduce((a, r) => a + r.voxels, 0),
        chosen: chosen.map((r) => ({
          label: r.label,
          name: data.labelNames?.get(r.label) ?? `label ${r.label}`,
          voxels: r.voxels,
          cvR: r.cvR,
        })),
      },
    };
  },
};
