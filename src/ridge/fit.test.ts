/** Engine behaviour: batching, ties, constant columns and every bad input. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Backend } from '../linalg/backend.js';
import { getBackend } from '../linalg/index.js';
import { Matrix } from '../linalg/matrix.js';
import { UserError } from '../util/errors.js';
import type { ProgressSink } from '../util/progress.js';
import { Rng } from '../util/rng.js';
import { fitRidgeCV, pickAlphas } from './fit.js';

function problem(n: number, p: number, t: number, seed = 1) {
  const rng = new Rng(seed);
  const X = new Matrix(n, p, rng.fillNormal(new Float64Array(n * p)));
  const W = new Matrix(p, t, rng.fillNormal(new Float64Array(p * t)));
  const Y = Matrix.zeros(n, t);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < t; j++) {
      let s = 0;
      for (let k = 0; k < p; k++) s += X.get(i, k) * W.get(k, j);
      Y.set(i, j, s + (1 + j) * 2 * rng.normal() + j);
    }
  return { X, Y };
}

const ALPHAS = [0.1, 1, 10, 100, 1000];

describe('fitRidgeCV', () => {
  it('gives the same model whatever the target batch size (memory-bounded batching)', async () => {
    for (const solver of ['primal', 'dual', 'dual-folds'] as const) {
      const { X, Y } = problem(40, solver === 'primal' ? 12 : 60, 9);
      const one = await fitRidgeCV(X, Y, { alphas: ALPHAS, solver, dtype: 'float64' });
      const small = await fitRidgeCV(X, Y, { alphas: ALPHAS, solver, dtype: 'float64', maxTargetBatch: 2 });
      assert.equal(one.info.nBatches, 1);
      assert.equal(small.info.nBatches, 5);
      assert.deepEqual(Array.from(small.alphas), Array.from(one.alphas));
      for (let k = 0; k < one.coef.size; k++)
        assert.ok(Math.abs(one.coef.data[k]! - small.coef.data[k]!) < 1e-12);
      for (let k = 0; k < one.cvScores.size; k++) {
        assert.ok(Math.abs(one.cvScores.data[k]! - small.cvScores.data[k]!) < 1e-12);
      }
    }
  });

  it('on a target grid, a target gets the same bytes whichever range of the targets it is fitted in', async () => {
    // OpenBLAS rounds a product's element differently with the product's shape (the native
    // backend gave ≈ 1e-7 relative differences between a 24-column and a 5-column fit).
    // On a grid every product over targets is one padded block, so the bytes agree exactly.
    const t = 37;
    const grid = (offset: number) => ({ offset, width: 8, total: t });
    const cols = (M: Matrix, j0: number, j1: number) => {
      const out = Matrix.zeros(M.rows, j1 - j0, M.dtype);
      for (let i = 0; i < M.rows; i++)
        out.data.set(M.data.subarray(i * M.cols + j0, i * M.cols + j1), i * (j1 - j0));
      return out;
    };
    for (const solver of ['primal', 'dual', 'dual-folds'] as const) {
      const { X: X64, Y: Y64 } = problem(40, solver === 'primal' ? 12 : 60, t, 3);
      const X = X64.astype('float32');
      const Y = Y64.astype('float32');
      const Xnew = problem(7, X.cols, 1, 4).X.astype('float32');
      const whole = await fitRidgeCV(X, Y, { alphas: ALPHAS, solver, targetGrid: grid(0) });
      const Pwhole = await whole.predict(Xnew, undefined, grid(0));
      for (const [j0, j1, maxTargetBatch] of [
        [3, 11, undefined],
        [11, 30, 2],
        [30, 37, undefined],
        [0, 37, 5],
      ] as const) {
        const part = await fitRidgeCV(X, cols(Y, j0, j1), {
          alphas: ALPHAS,
          solver,
          maxTargetBatch,
          targetGrid: grid(j0),
        });
        const what = `${solver}, targets ${j0}–${j1}`;
        assert.deepEqual(Array.from(part.alphas), Array.from(whole.alphas.subarray(j0, j1)), what);
        assert.deepEqual(Array.from(part.intercept), Array.from(whole.intercept.subarray(j0, j1)), what);
        assert.deepEqual(Array.from(part.coef.data), Array.from(cols(whole.coef, j0, j1).data), what);
        assert.deepEqual(Array.from(part.cvScores.data), Array.from(cols(whole.cvScores, j0, j1).data), what);
        const P = await part.predict(Xnew, undefined, grid(j0));
        assert.deepEqual(Array.from(P.data), Array.from(cols(Pwhole, j0, j1).data), what);
      }
    }
  });

  it('dual: when a fold Cholesky fails it falls back to the per-fold eigendecomposition', async () => {
    const { X, Y } = problem(30, 45, 3);
    const be = await getBackend();
    const failing: Backend = {
      info: be.info,
      gemm: (A, B, o) => be.gemm(A, B, o),
      syrk: (A, o) => be.syrk(A, o),
      eigh: (A) => be.eigh(A),
      cholesky: async () => {
        throw new UserError('cholesky: A is not positive definite');
      },
      choleskySolve: (L, B) => be.choleskySolve(L, B),
      solveSPD: async () => {
        throw new UserError('solveSPD: A is not positive definite');
      },
      svd: (A) => be.svd(A),
    };
    const viaFallback = await fitRidgeCV(X, Y, {
      alphas: ALPHAS,
      solver: 'dual',
      dtype: 'float64',
      backend: failing,
    });
    const direct = await fitRidgeCV(X, Y, { alphas: ALPHAS, solver: 'dual', dtype: 'float64' });
    assert.deepEqual(Array.from(viaFallback.alphas), Array.from(direct.alphas));
    for (let k = 0; k < direct.cvScores.size; k++) {
      assert.ok(Math.abs(viaFallback.cvScores.data[k]! - direct.cvScores.data[k]!) < 1e-9);
    }
  });

  it('sizes batches from the memory budget', async () => {
    const { X, Y } = problem(50, 10, 40);
    const lines: string[] = [];
    const m = await fitRidgeCV(X, Y, {
      alphas: ALPHAS,
      dtype: 'float64',
      maxMemoryBytes: 60_000,
      log: (l) => lines.push(l),
    });
    assert.ok(m.info.nBatches > 1, `expected several batches, got ${m.info.nBatches}`);
    assert.ok(m.info.alphaBatch! < ALPHAS.length, `expected alpha batches, got ${m.info.alphaBatch}`);
    assert.match(lines.join('\n'), /primal solver .* batch/);
    const ref = await fitRidgeCV(X, Y, { alphas: ALPHAS, dtype: 'float64' });
    assert.equal(ref.info.alphaBatch, ALPHAS.length);
    assert.deepEqual(Array.from(m.alphas), Array.from(ref.alphas));
    for (let k = 0; k < m.cvScores.size; k++)
      assert.ok(Math.abs(m.cvScores.data[k]! - ref.cvScores.data[k]!) < 1e-12);
  });

  it('reports progress and the solver it chose', async () => {
    const { X, Y } = problem(30, 50, 2);
    const events: string[] = [];
    const sink: ProgressSink = {
      start: (label, total) => events.push(`start ${label} ${total}`),
      update: () => {},
      finish: () => events.push('finish'),
    };
    const m = await fitRidgeCV(X, Y, { alphas: ALPHAS, progress: sink });
    assert.equal(m.solver, 'dual');
    assert.deepEqual(events, [`start ridge dual CV ${5 * ALPHAS.length + 1}`, 'finish']);
    assert.ok(m.info.work!.gemm.flops > 0);
  });

  it('keeps constant columns (weight ≈ 0) with a warning; rejects an all-constant X', async () => {
    const { X, Y } = problem(40, 6, 2);
    for (let i = 0; i < 40; i++) X.set(i, 2, 7);
    const warnings: string[] = [];
    const m = await fitRidgeCV(X, Y, { alphas: ALPHAS, dtype: 'float64', log: (l) => warnings.push(l) });
    assert.ok(Math.abs(m.coef.get(2, 0)) < 1e-10);
    assert.ok(m.info.warnings.some((w) => /1 constant column\(s\) \(#2\)/.test(w)));
    assert.ok(warnings.some((w) => w.startsWith('warning: X has 1 constant')));
    const C = Matrix.build(10, 3, () => 1);
    await assert.rejects(
      fitRidgeCV(C, Y.rowSlice(0, 10), { alphas: ALPHAS }),
      /every column of X is constant/,
    );
  });

  it('rejects bad input with clear errors', async () => {
    const { X, Y } = problem(20, 4, 2);
    const bad = async (re: RegExp, f: () => Promise<unknown>) =>
      assert.rejects(f(), (e: unknown) => e instanceof UserError && re.test(e.message));
    await bad(/X has 20 rows .* Y has 19/, () => fitRidgeCV(X, Y.rowSlice(0, 19)));
    const Xn = X.clone();
    Xn.set(3, 1, Number.NaN);
    await bad(/X has a non-finite value \(NaN\) at row 3, column 1/, () => fitRidgeCV(Xn, Y));
    const Yi = Y.clone();
    Yi.set(5, 0, Number.POSITIVE_INFINITY);
    await bad(/Y has a non-finite value \(Infinity\) at row 5/, () => fitRidgeCV(X, Yi));
    await bad(/alpha grid is empty/, () => fitRidgeCV(X, Y, { alphas: [] }));
    await bad(/alpha #2 is 0/, () => fitRidgeCV(X, Y, { alphas: [1, 0] }));
    await bad(/alpha #1 is -1/, () => fitRidgeCV(X, Y, { alphas: [-1] }));
    await bad(/cannot make 25 CV folds/, () => fitRidgeCV(X, Y, { cv: { kind: 'kfold', folds: 25 } }));
    await bad(/over the memory budget/, () => fitRidgeCV(X, Y, { maxMemoryBytes: 1000 }));
  });

  it('float64 input stays float64 when small; float32 when asked', async () => {
    const { X, Y } = problem(20, 4, 1);
    assert.equal((await fitRidgeCV(X, Y)).info.dtype, 'float64');
    const m = await fitRidgeCV(X, Y, { dtype: 'float32' });
    assert.equal(m.coef.dtype, 'float32');
    assert.equal((await m.predict(X)).dtype, 'float32');
  });
});

describe('pickAlphas', () => {
  it('takes the best score per target; ties go to the larger alpha whatever the grid order', () => {
    const grid = [10, 0.1, 1];
    // rows follow the grid order; columns: clear best 0.1 / tie between 10 and 1 / all equal / NaN.
    const s = Matrix.fromRows([
      [0.1, 0.5, 0.3, Number.NaN],
      [0.9, 0.2, 0.3, Number.NaN],
      [0.2, 0.5, 0.3, Number.NaN],
    ]) as Matrix<Float64Array>;
    assert.deepEqual(Array.from(pickAlphas(s, grid)), [0.1, 10, 10, 10]);
  });
});
