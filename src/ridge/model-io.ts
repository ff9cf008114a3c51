/**
 * A fitted model as a folder of `.npy` files plus `model.json`, the contract that
 * numpy users' scripts read:
 *   alphas.npy (n_targets, float64), coef.npy (n_features × n_targets, fit dtype),
 *   intercept.npy (n_targets, float64), cv_scores.npy (n_alphas × n_targets, float64),
 *   model.json (settings, shapes, solver, timings).
 * The folder is written atomically: a failed save leaves no half-written model.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { readNpy, readNpyMatrix, writeNpy } from '../io/npy.js';
import type { Matrix } from '../linalg/matrix.js';
import { writeDirAtomic, writeFileAtomic } from '../util/atomic.js';
import { UserError } from '../util/errors.js';
import { VERSION } from '../version.js';
import { RidgeModel, type RidgeModelInfo } from './model.js';

export const MODEL_FORMAT = 'b2m-ridge/1';

export const MODEL_FILES = {
  alphas: 'alphas.npy',
  coef: 'coef.npy',
  intercept: 'intercept.npy',
  cvScores: 'cv_scores.npy',
  json: 'model.json',
} as const;

/** Writes `model` into `dir` (replaced atomically); `extra` is merged into model.json. */
export async function saveRidgeModel(
  dir: string,
  model: RidgeModel,
  extra: Record<string, unknown> = {},
): Promise<void> {
  await writeDirAtomic(dir, async (tmp) => {
    await writeNpy(join(tmp, MODEL_FILES.alphas), model.alphas, [model.nTargets]);
    await writeNpy(join(tmp, MODEL_FILES.coef), model.coef.data, [model.coef.rows, model.coef.cols]);
    await writeNpy(join(tmp, MODEL_FILES.intercept), model.intercept, [model.nTargets]);
    await writeNpy(join(tmp, MODEL_FILES.cvScores), model.cvScores.data, [
      model.cvScores.rows,
      model.cvScores.cols,
    ]);
    const json = {
      format: MODEL_FORMAT,
      b2mVersion: VERSION,
      ...model.info,
      shapes: {
        alphas: [model.nTargets],
        coef: [model.nFeatures, model.nTargets],
        intercept: [model.nTargets],
        cv_scores: [model.cvScores.rows, model.nTargets],
      },
      ...extra,
    };
    await writeFileAtomic(join(tmp, MODEL_FILES.json), `${JSON.stringify(json, null, 2)}\n`);
  });
}

/** Reads a model folder written by `saveRidgeModel` (or by hand with the same files). */
export async function loadRidgeModel(dir: string): Promise<RidgeModel> {
  const jsonPath = join(dir, MODEL_FILES.json);
  let info: RidgeModelInfo & { format?: string };
  try {
    info = JSON.parse(await readFile(jsonPath, 'utf8'));
  } catch (e) {
    throw new UserError(`cannot read the ridge model in ${dir}: ${(e as Error).message}`, {
      file: jsonPath,
      hint: 'pass the folder written by `b2m ridge fit --out DIR`',
      cause: e,
    });
  }
  if (info.format !== MODEL_FORMAT) {
    throw new UserError(`unknown model format ${JSON.stringify(info.format)} (expected ${MODEL_FORMAT})`, {
      file: jsonPath,
      field: 'format',
      hint: 'fit the model again with this version of b2m',
    });
  }
  // A hand-made model of one target may store coef as a vector.
  const coef = await readNpyMatrix(join(dir, MODEL_FILES.coef), { what: 'coef', vectorAsColumn: true });
  const vector = async (name: string): Promise<Float64Array> => {
    const path = join(dir, name);
    const a = await readNpy(path);
    if (a.shape.length !== 1 || (a.dtype !== 'float64' && a.dtype !== 'float32')) {
      throw new UserError(`${name} must be a 1-D float array, got ${a.dtype} (${a.shape.join(', ')})`, {
        file: path,
      });
    }
    return Float64Array.from(a.data as Float64Array);
  };
  const cv = await readNpyMatrix(join(dir, MODEL_FILES.cvScores), { what: 'cv_scores', dtype: 'float64' });
  return new RidgeModel({
    coef,
    intercept: await vector(MODEL_FILES.intercept),
    alphas: await vector(MODEL_FILES.alphas),
    cvScores: cv as Matrix<Float64Array>,
    info: { ...info, dtype: coef.dtype },
  });
}
