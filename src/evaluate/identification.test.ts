import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Matrix } from '../linalg/matrix.js';
import { Rng } from '../util/rng.js';
import { crossCorrelation, identificationAccuracy, meanDimensionCorrelation } from './identification.js';

/** Slow, obvious Pearson r of two number arrays. */
function pearson(a: number[], b: number[]): number {
  const n = a.length;
  const ma = a.reduce((s, v) => s + v, 0) / n;
  const mb = b.reduce((s, v) => s + v, 0) / n;
  let num = 0;
  let da = 0;
  let db = 0;
  for (let k = 0; k < n; k++) {
    num += (a[k]! - ma) * (b[k]! - mb);
    da += (a[k]! - ma) ** 2;
    db += (b[k]! - mb) ** 2;
  }
  return num / Math.sqrt(da * db);
}

function randomMatrix(rng: Rng, n: number, d: number): Matrix<Float64Array> {
  return Matrix.build(n, d, () => rng.normal());
}

describe('identification accuracy', () => {
  it('cross-correlation matches a slow Pearson reference', () => {
    const rng = new Rng(1);
    const P = randomMatrix(rng, 7, 5);
    const T = randomMatrix(rng, 7, 5);
    const C = crossCorrelation(P, T);
    for (let i = 0; i < 7; i++)
      for (let j = 0; j < 7; j++)
        assert.ok(Math.abs(C[i * 7 + j]! - pearson(P.toRows()[i]!, T.toRows()[j]!)) < 1e-12);
  });

  it('matches the definition on a hand-built example, with ties counted as failures', () => {
    // Targets: three distinct directions. Item 0 predicted perfectly; item 1's
    // prediction equals target 2 exactly (so it loses to item 2 and ties nobody);
    // item 2's prediction is identical to its own and to item 1's prediction.
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
    // C_00 = 1 > C_01 = C_02 = -1/3 → 1; C_11 = -1/3 vs C_10 = -1/3 (tie → fail), C_12 = 1 → 0;
    // C_22 = 1 > C_20 = C_21 = -1/3 → 1.
    assert.deepEqual(Array.from(r.perItem), [1, 0, 1]);
    assert.ok(Math.abs(r.accuracy - 2 / 3) < 1e-15);
    assert.ok(Math.abs(r.top1 - 2 / 3) < 1e-15);
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

  it('meanDimensionCorrelation averages per-dimension Pearson r', () => {
    const rng = new Rng(3);
    const P = randomMatrix(rng, 9, 4);
    const T = randomMatrix(rng, 9, 4);
    const cols = (M: Matrix, j: number) => M.toRows().map((r) => r[j]!);
    const ref = [0, 1, 2, 3].reduce((s, j) => s + pearson(cols(P, j), cols(T, j)), 0) / 4;
    assert.ok(Math.abs(meanDimensionCorrelation(P, T) - ref) < 1e-12);
  });

  it('rejects mismatched shapes', () => {
    assert.throws(
      () => identificationAccuracy(Matrix.zeros(3, 2), Matrix.zeros(3, 3)),
      /predictions are 3 × 2/,
    );
  });
});
