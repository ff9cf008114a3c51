/**
 * The multinomial logistic regression against scikit-learn's
 * LogisticRegression(multi_class='multinomial', solver='lbfgs', C=1/λ): fixtures
 * from scripts/fixtures/make_generate_fixtures.py.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { Matrix } from '../linalg/matrix.js';
import { fitLogistic, predictLogistic } from './logistic.js';

interface Case {
  n: number;
  d: number;
  k: number;
  lambda: number;
  X: number[];
  y: number[];
  coef: number[];
  intercept: number[];
  proba: number[];
}
const FIX = join(import.meta.dirname, '..', '..', 'test', 'fixtures', 'generate', 'logistic.json');
const cases = (JSON.parse(readFileSync(FIX, 'utf8')) as { cases: Record<string, Case> }).cases;

describe('fitLogistic (against scikit-learn)', () => {
  for (const [name, c] of Object.entries(cases)) {
    it(`${name}: coefficients, intercepts and probabilities`, async () => {
      const X = new Matrix(c.n, c.d, Float64Array.from(c.X));
      const m = await fitLogistic(X, c.y, c.k, { lambda: c.lambda, maxIter: 5000 });
      assert.ok(m.converged, `${name} did not converge in ${m.iterations} iterations`);
      const scaleC = Math.max(...c.coef.map(Math.abs));
      for (let j = 0; j < c.coef.length; j++)
        assert.ok(Math.abs((m.coef.data[j] as number) - (c.coef[j] as number)) < 1e-4 * scaleC, `coef ${j}`);
      // sklearn's intercepts are defined up to a shared constant only when unpenalised: compare centred.
      const mean = (a: ArrayLike<number>) => Array.from(a).reduce((s, v) => s + v, 0) / a.length;
      const mi = mean(m.intercept);
      const ri = mean(c.intercept);
      for (let k = 0; k < c.k; k++)
        assert.ok(
          Math.abs((m.intercept[k] as number) - mi - ((c.intercept[k] as number) - ri)) < 1e-3,
          `intercept ${k}`,
        );
      const P = await predictLogistic(m, X);
      for (let j = 0; j < c.proba.length; j++)
        assert.ok(Math.abs((P.data[j] as number) - (c.proba[j] as number)) < 1e-5, `proba ${j}`);
    });
  }

  it('refuses labels outside the classes and a non-positive lambda', async () => {
    const X = Matrix.zeros(3, 2, 'float64');
    await assert.rejects(fitLogistic(X, [0, 1, 2], 2, { lambda: 1 }), /label 2/);
    await assert.rejects(fitLogistic(X, [0, 1, 1], 2, { lambda: 0 }), /lambda/);
  });
});
