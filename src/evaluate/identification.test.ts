import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { Matrix } from '../linalg/matrix.js';
import { UserError } from '../util/errors.js';
import { Rng } from '../util/rng.js';
import { crossCorrelation, identificationAccuracy, meanDimensionCorrelation } from './identification.js';
import { loadReference, pearsonRef, randomMatrix } from './test-support.js';

const close = (a: number, b: number, tol = 1e-12) => assert.ok(Math.abs(a - b) <= tol, `${a} vs ${b}`);

describe('identification accuracy', () => {
  it('cross-correlation matches a slow Pearson reference', () => {
    const rng = new Rng(1);
    const P = randomMatrix(rng, 7, 5);
    const T = randomMatrix(rng, 7, 5);
    const C = crossCorrelation(P, T);
    for (let i = 0; i < 7; i++)
      for (let j = 0; j < 7; j++) close(C[i * 7 + j]!, pearsonRef(P.row(i), T.row(j)));
  });

  it('matches numpy (np.corrcoef, strict >) on a case with duplicated rows', () => {
    const ref = loadReference().identification;
    const P = Matrix.fromRows(ref.pred);
    const T = Matrix.fromRows(ref.target);
    const n = ref.perItem.length;
    const C = crossCorrelation(P, T);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) close(C[i * n + j]!, ref.C[i]![j]!, 1e-12);
    const r = identificationAccuracy(P, T);
    assert.deepEqual(Array.from(r.perItem), ref.perItem);
    close(r.accuracy, ref.accuracy, 1e-15);
    close(meanDimensionCorrelation(P, T), ref.embeddingR, 1e-12);
  });

  it('counts ties as failures (hand-computed)', () => {
    // Item 0 predicted perfectly; item 1's prediction equals target 2, so C_11 = C_10 = −1/3
    // (a tie: not a win) and C_12 = 1; item 2 is predicted perfectly.
    const T = Matrix.fromRows([
      [1, 0, 0, 0],
      [0, 1, 0, 0],
      [0, 0, 1, 0],
    ]);
    const P = Matrix.fromRows([
      [1, 0, 0, 0],
      [0, 0, 1, 0],
      [0, 0, 1, 0],
    ]);
    const r = identificationAccuracy(P, T);
    assert.deepEqual(Array.from(r.perItem), [1, 0, 1]);
    close(r.accuracy, 2 / 3, 1e-15);
    close(r.top1, 2 / 3, 1e-15);
    // Two identical items: C_ii = C_ij for both, so both fail.
    const same = Matrix.fromRows([
      [1, 2, 3],
      [1, 2, 3],
    ]);
    assert.deepEqual(Array.from(identificationAccuracy(same, same).perItem), [0, 0]);
  });

  it('n = 2: perfect, swapped, and one item right', () => {
    const T = Matrix.fromRows([
      [1, 0, 0],
      [0, 1, 0],
    ]);
    assert.equal(identificationAccuracy(T, T).accuracy, 1);
    const swapped = Matrix.fromRows([T.toRows()[1]!, T.toRows()[0]!]);
    assert.equal(identificationAccuracy(swapped, T).accuracy, 0);
    // Both predictions equal target 0: item 0 wins (1 > −1/2), item 1 loses (−1/2 < 1).
    const both0 = Matrix.fromRows([T.toRows()[0]!, T.toRows()[0]!]);
    const r = identificationAccuracy(both0, T);
    assert.deepEqual(Array.from(r.perItem), [1, 0]);
    assert.equal(r.accuracy, 0.5);
    // A reversed ranking scores 0 for every item (n = 3).
    const A = Matrix.fromRows([
      [1, 2, 3],
      [3, 1, 2],
      [2, 3, 1],
    ]);
    const B = Matrix.fromRows(A.toRows().map((row) => row.map((v) => -v)));
    assert.equal(identificationAccuracy(A, B).accuracy, 0);
  });

  it('constant rows: r = 0 with everything, so a constant prediction ties and fails', () => {
    const T = Matrix.fromRows([
      [1, 0, 0],
      [0, 1, 0],
      [0, 0, 1],
    ]);
    const P = Matrix.fromRows([
      [1, 0, 0],
      [0, 1, 0],
      [7, 7, 7],
    ]);
    const C = crossCorrelation(P, T);
    assert.deepEqual(Array.from(C.slice(6)), [0, 0, 0]);
    assert.deepEqual(Array.from(identificationAccuracy(P, T).perItem), [1, 1, 0]);
    // A constant target: C_i2 = 0 for every i; item 2 (prediction [0,0,1]) has
    // r = −1/2 with targets 0 and 1, so 0 > −1/2 twice: acc_2 = 1, as documented.
    const Tc = Matrix.fromRows([
      [1, 0, 0],
      [0, 1, 0],
      [5, 5, 5],
    ]);
    assert.deepEqual(Array.from(identificationAccuracy(T, Tc).perItem), [1, 1, 1]);
    // A constant value whose floating-point mean is inexact is still constant.
    const P01 = Matrix.fromRows([
      [0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1],
      [1, 2, 3, 4, 5, 6, 8],
    ]);
    assert.deepEqual(Array.from(crossCorrelation(P01, P01).slice(0, 2)), [0, 0]);
  });

  it('meanDimensionCorrelation averages per-dimension Pearson r and skips constant dimensions', () => {
    const rng = new Rng(3);
    const P = randomMatrix(rng, 9, 4);
    const T = randomMatrix(rng, 9, 4);
    const ref = [0, 1, 2, 3].reduce((s, j) => s + pearsonRef(P.col(j), T.col(j)), 0) / 4;
    close(meanDimensionCorrelation(P, T), ref);
    // Make dimension 3 constant (0.1, whose mean over 9 rows is inexact) in the prediction.
    for (let i = 0; i < 9; i++) P.set(i, 3, 0.1);
    const ref3 = [0, 1, 2].reduce((s, j) => s + pearsonRef(P.col(j), T.col(j)), 0) / 3;
    close(meanDimensionCorrelation(P, T), ref3);
  });

  it('refuses NaN and Inf rows, naming the row', () => {
    const rng = new Rng(5);
    const P = randomMatrix(rng, 5, 3);
    const T = randomMatrix(rng, 5, 3);
    P.set(3, 1, Number.NaN);
    assert.throws(
      () => identificationAccuracy(P, T),
      (e: unknown) => e instanceof UserError && /prediction row 3 holds NaN/.test(e.message),
    );
    P.set(3, 1, 0);
    T.set(4, 0, Number.POSITIVE_INFINITY);
    assert.throws(() => identificationAccuracy(P, T), /target row 4 holds Infinity/);
    assert.throws(() => meanDimensionCorrelation(P, T), /target row 4/);
  });

  it('is equivariant under a permutation of the items', () => {
    const rng = new Rng(6);
    const T = randomMatrix(rng, 20, 8);
    const P = Matrix.build(20, 8, (i, j) => T.get(i, j) + 1.5 * rng.normal());
    const perm = rng.shuffle(Array.from({ length: 20 }, (_, i) => i));
    const a = identificationAccuracy(P, T);
    const b = identificationAccuracy(P.takeRows(perm), T.takeRows(perm));
    assert.deepEqual(
      Array.from(b.perItem),
      perm.map((i) => a.perItem[i]!),
    );
    close(a.accuracy, b.accuracy, 1e-15);
  });

  it('is 1 for perfect predictions and near 0.5 for unrelated ones', () => {
    const rng = new Rng(2);
    const T = randomMatrix(rng, 60, 32);
    assert.equal(identificationAccuracy(T, T).accuracy, 1);
    let mean = 0;
    for (let rep = 0; rep < 20; rep++)
      mean += identificationAccuracy(randomMatrix(rng, 60, 32), T).accuracy / 20;
    assert.ok(Math.abs(mean - 0.5) < 0.03, `chance level ${mean}`);
  });

  it('rejects mismatched shapes and fewer than 2 items', () => {
    assert.throws(
      () => identificationAccuracy(Matrix.zeros(3, 2), Matrix.zeros(3, 3)),
      /predictions are 3 × 2/,
    );
    assert.throws(() => identificationAccuracy(Matrix.zeros(1, 3), Matrix.zeros(1, 3)), /at least 2 items/);
  });
});

describe('identification properties (fast-check)', () => {
  const matrices = fc
    .record({ n: fc.integer({ min: 2, max: 12 }), d: fc.integer({ min: 2, max: 9 }), seed: fc.integer() })
    .map(({ n, d, seed }) => {
      const rng = new Rng(seed);
      const T = randomMatrix(rng, n, d);
      return { T, P: Matrix.build(n, d, (i, j) => T.get(i, j) + 2 * rng.normal()), rng };
    });

  it('scaling a row by a power of two changes nothing (Pearson r is scale-free, and these scalings are exact)', () => {
    fc.assert(
      fc.property(matrices, fc.integer({ min: -20, max: 20 }), ({ P, T }, k) => {
        const scaled = Matrix.build(P.rows, P.cols, (i, j) => P.get(i, j) * 2 ** (i % 2 === 0 ? k : -k));
        assert.deepEqual(identificationAccuracy(scaled, T).perItem, identificationAccuracy(P, T).perItem);
      }),
      { numRuns: 100 },
    );
  });

  it('per-item scores lie on the grid k/(n − 1) and permute with the items', () => {
    fc.assert(
      fc.property(matrices, ({ P, T, rng }) => {
        const n = P.rows;
        const r = identificationAccuracy(P, T);
        for (const v of r.perItem) {
          assert.ok(v >= 0 && v <= 1);
          assert.ok(Math.abs(v * (n - 1) - Math.round(v * (n - 1))) < 1e-9);
        }
        const perm = rng.shuffle(Array.from({ length: n }, (_, i) => i));
        const q = identificationAccuracy(P.takeRows(perm), T.takeRows(perm));
        assert.deepEqual(
          Array.from(q.perItem),
          perm.map((i) => r.perItem[i]!),
        );
      }),
      { numRuns: 100 },
    );
  });
});
