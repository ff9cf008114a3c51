import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { Matrix } from '../linalg/matrix.js';
import { dirichletCandidates, fitBandedRidgeCV } from './banded.js';

const fx = JSON.parse(
  readFileSync(join(import.meta.dirname, '../../test/fixtures/ridge/banded.json'), 'utf8'),
) as {
  X: number[][];
  Y: number[][];
  Xtest: number[][];
  bands: number[];
  groups: number[];
  gammas: number[][];
  alphas: number[];
  candidate: number[];
  alpha: number[];
  best: number[];
  cv_best: number[][];
  coef: number[][];
  intercept: number[];
  pred: number[][];
};

const mat = (rows: number[][]) => new Matrix(rows.length, rows[0]!.length, Float64Array.from(rows.flat()));

describe('banded ridge against the numpy kernel-form reference (scripts/fixtures/banded_ridge.py)', () => {
  it('chooses the same candidate and alpha per target and gives the same weights and predictions', async () => {
    const fit = await fitBandedRidgeCV(mat(fx.X), mat(fx.Y), {
      bands: fx.bands,
      gammas: fx.gammas,
      alphas: fx.alphas,
      cv: { kind: 'groups', groups: fx.groups },
      score: 'r2',
    });
    const t = fx.Y[0]!.length;
    assert.deepEqual(Array.from(fit.candidate), fx.candidate);
    assert.deepEqual(Array.from(fit.model.alphas), fx.alpha);
    for (let i = 0; i < fx.gammas.length; i++)
      for (let j = 0; j < t; j++)
        assert.ok(
          Math.abs(fit.cvScores.data[i * t + j]! - fx.cv_best[i]![j]!) < 1e-8,
          `cv score [${i}, ${j}]`,
        );
    const p = fx.bands.length;
    for (let c = 0; c < p; c++)
      for (let j = 0; j < t; j++)
        assert.ok(
          Math.abs((fit.model.coef.data[c * t + j] as number) - fx.coef[c]![j]!) < 1e-6,
          `coef[${c}, ${j}]`,
        );
    fx.intercept.forEach((b, j) => {
      assert.ok(Math.abs(fit.model.intercept[j]! - b) < 1e-6, `intercept ${j}`);
    });
    const P = await fit.model.predict(mat(fx.Xtest));
    fx.pred.forEach((row, i) => {
      row.forEach((v, j) => {
        assert.ok(Math.abs((P.data[i * t + j] as number) - v) < 1e-4, `prediction [${i}, ${j}]`);
      });
    });
    // The chosen weights per target are the chosen candidate's.
    for (let j = 0; j < t; j++)
      for (let b = 0; b < 3; b++) assert.equal(fit.gammas.data[b * t + j], fx.gammas[fx.candidate[j]!]![b]);
  });

  it('draws candidates on the simplex, the first uniform, reproducibly from the seed', () => {
    const a = dirichletCandidates(400, 3, [0.1, 1], 7);
    const b = dirichletCandidates(400, 3, [0.1, 1], 7);
    const c = dirichletCandidates(400, 3, [0.1, 1], 8);
    assert.deepEqual(a, b);
    assert.notDeepEqual(a, c);
    assert.deepEqual(a[0], [1 / 3, 1 / 3, 1 / 3]);
    for (const g of a) {
      assert.ok(Math.abs(g.reduce((x, y) => x + y, 0) - 1) < 1e-12);
      assert.ok(g.every((x) => x >= 0));
    }
    // Concentration 1 (odd rows) is uniform on the simplex: mean 1/3 and the max component
    // averages 11/18; concentration 0.1 (even rows) piles weight on one band.
    const odd = a.filter((_, i) => i % 2 === 1);
    const even = a.filter((_, i) => i > 0 && i % 2 === 0);
    const meanMax = (rows: number[][]) => rows.reduce((s, g) => s + Math.max(...g), 0) / rows.length;
    assert.ok(Math.abs(odd.reduce((s, g) => s + g[0]!, 0) / odd.length - 1 / 3) < 0.05);
    assert.ok(Math.abs(meanMax(odd) - 11 / 18) < 0.04, `mean max ${meanMax(odd)}`);
    assert.ok(meanMax(even) > 0.85, `mean max at 0.1: ${meanMax(even)}`);
  });

  it('refuses band labels that do not match the columns', async () => {
    const X = Matrix.zeros(10, 3, 'float64');
    const Y = Matrix.zeros(10, 1, 'float64');
    await assert.rejects(fitBandedRidgeCV(X, Y, { bands: [0, 1] }), /2 band labels for 3 feature columns/);
    await assert.rejects(fitBandedRidgeCV(X, Y, { bands: [0, 2, 2] }), /some band has no columns/);
    await assert.rejects(
      fitBandedRidgeCV(X, Y, { bands: [0, 1, 1], gammas: [[1, 2, 3]] }),
      /candidate 0 has 3 non-negative weights/,
    );
  });
});
