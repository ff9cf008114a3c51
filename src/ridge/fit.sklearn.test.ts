/**
 * The engine against scikit-learn: per-target GridSearchCV(Ridge, KFold(5) or
 * LeaveOneGroupOut) fixtures from scripts/fixtures/make_ridge_fixtures.py, across
 * well- and ill-conditioned X, n > p and n < p, one and many targets, with and
 * without intercept, R² and Pearson, each with both solvers and both precisions.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { npyToMatrix, npyToNumbers } from '../io/npy.js';
import { readNpz } from '../io/npz.js';
import type { Matrix } from '../linalg/matrix.js';
import type { CvSpec } from './cv.js';
import { fitRidgeCV } from './fit.js';
import type { ScoreName } from './scores.js';

const FIX = join(import.meta.dirname, '..', '..', 'test', 'fixtures', 'ridge');
const manifest = JSON.parse(readFileSync(join(FIX, 'manifest.json'), 'utf8')) as {
  cases: { name: string; intercept: boolean; cv: 'kfold' | 'groups'; score: ScoreName }[];
};

async function loadCase(name: string) {
  const file = join(FIX, `${name}.npz`);
  const z = await readNpz(file);
  const m = (k: string) => npyToMatrix(z[k]!, file, { what: k });
  return {
    X: m('X'),
    Y: m('Y'),
    Xtest: m('Xtest'),
    alphas: Array.from(z.alphas!.data as Float64Array),
    cvScores: m('cv_scores'),
    best: Array.from(z.best_alphas!.data as Float64Array),
    pred: m('pred'),
    coef: m('coef'),
    intercept: Array.from(z.intercept!.data as Float64Array),
    groups: z.groups ? npyToNumbers(z.groups, file) : undefined,
  };
}

/** max |a − b| over a column, relative to max |ref| over that column. */
function columnRelErr(a: Matrix, ref: Matrix, j: number): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < ref.rows; i++) {
    num = Math.max(num, Math.abs(a.get(i, j) - ref.get(i, j)));
    den = Math.max(den, Math.abs(ref.get(i, j)));
  }
  return num / (den || 1);
}

for (const c of manifest.cases) {
  describe(`ridge vs scikit-learn: ${c.name}`, () => {
    for (const solver of ['primal', 'dual', 'dual-folds'] as const) {
      it(`${solver}, float64: same alphas, CV scores, coef and predictions (1e-6)`, async () => {
        const f = await loadCase(c.name);
        const cv: CvSpec =
          c.cv === 'groups' ? { kind: 'groups', groups: f.groups! } : { kind: 'kfold', folds: 5 };
        const model = await fitRidgeCV(f.X, f.Y, {
          alphas: f.alphas,
          cv,
          score: c.score,
          fitIntercept: c.intercept,
          dtype: 'float64',
          solver,
        });
        assert.equal(model.solver, solver);
        assert.deepEqual(Array.from(model.alphas), f.best);
        for (let k = 0; k < f.cvScores.size; k++) {
          const ref = f.cvScores.data[k]!;
          assert.ok(
            Math.abs(model.cvScores.data[k]! - ref) <= 1e-7 * Math.max(1, Math.abs(ref)),
            `cv score ${k}`,
          );
        }
        const pred = await model.predict(f.Xtest);
        for (let j = 0; j < f.Y.cols; j++) {
          const e = columnRelErr(pred, f.pred, j);
          assert.ok(e <= 1e-6, `target ${j}: prediction rel. error ${e}`);
          assert.ok(columnRelErr(model.coef, f.coef, j) <= 1e-6, `target ${j}: coef`);
          assert.ok(
            Math.abs(model.intercept[j]! - f.intercept[j]!) <= 1e-6 * Math.max(1, Math.abs(f.intercept[j]!)),
          );
        }
      });
    }

    it('auto solver, float32: alphas (up to near-ties) and predictions (1e-3)', async () => {
      const f = await loadCase(c.name);
      const cv: CvSpec =
        c.cv === 'groups' ? { kind: 'groups', groups: f.groups! } : { kind: 'kfold', folds: 5 };
      const model = await fitRidgeCV(f.X, f.Y, {
        alphas: f.alphas,
        cv,
        score: c.score,
        fitIntercept: c.intercept,
        dtype: 'float32',
      });
      assert.equal(model.info.dtype, 'float32');
      assert.equal(model.solver, f.X.cols < f.X.rows ? 'primal' : 'dual');
      const pred = await model.predict(f.Xtest);
      let compared = 0;
      for (let j = 0; j < f.Y.cols; j++) {
        const ours = model.alphas[j]!;
        if (ours !== f.best[j]) {
          // A float32 flip is only acceptable between alphas whose reference scores tie to float32 precision.
          const a = f.alphas.indexOf(ours);
          const b = f.alphas.indexOf(f.best[j]!);
          const sa = f.cvScores.get(a, j);
          const sb = f.cvScores.get(b, j);
          assert.ok(
            Math.abs(sa - sb) <= 1e-4 * Math.max(1, Math.abs(sb)),
            `target ${j}: alpha ${ours} vs ${f.best[j]}`,
          );
          continue;
        }
        compared++;
        const e = columnRelErr(pred, f.pred, j);
        assert.ok(e <= 1e-3, `target ${j}: prediction rel. error ${e}`);
      }
      assert.ok(
        compared >= Math.floor(f.Y.cols / 2),
        `only ${compared} of ${f.Y.cols} targets chose the same alpha`,
      );
    });
  });
}
