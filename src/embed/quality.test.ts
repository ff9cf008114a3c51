import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Matrix } from '../linalg/matrix.js';
import { Rng } from '../util/rng.js';
import { identificationAccuracy, knnAccuracy, linearProbeAccuracy } from './quality.js';

test('identification: perfect = 1, reversed ranking = 0, ties do not count (strict >)', () => {
  const A = Matrix.fromRows([
    [1, 2, 3],
    [3, 1, 2],
    [2, 3, 1],
  ]);
  assert.equal(identificationAccuracy(A, A), 1);
  const B = Matrix.fromRows([
    [-1, -2, -3],
    [-3, -1, -2],
    [-2, -3, -1],
  ]);
  assert.equal(identificationAccuracy(A, B), 0);
  const same = Matrix.fromRows([
    [1, 2, 3],
    [1, 2, 3],
  ]);
  assert.equal(identificationAccuracy(same, same), 0, 'C_ii = C_ij is not a win');
  // Slow reference with explicit Pearson r.
  const rng = new Rng(4);
  const P = Matrix.build(12, 7, () => rng.normal());
  const T = Matrix.build(12, 7, (i, j) => P.get(i, j) + 2 * rng.normal());
  const r = (a: number[], b: number[]) => {
    const ma = a.reduce((x, y) => x + y) / a.length;
    const mb = b.reduce((x, y) => x + y) / b.length;
    let sab = 0;
    let saa = 0;
    let sbb = 0;
    a.forEach((_, k) => {
      sab += (a[k]! - ma) * (b[k]! - mb);
      saa += (a[k]! - ma) ** 2;
      sbb += (b[k]! - mb) ** 2;
    });
    return sab / Math.sqrt(saa * sbb);
  };
  let acc = 0;
  for (let i = 0; i < 12; i++) {
    let w = 0;
    for (let j = 0; j < 12; j++)
      if (j !== i && r(P.toRows()[i]!, T.toRows()[i]!) > r(P.toRows()[i]!, T.toRows()[j]!)) w++;
    acc += w / 11;
  }
  assert.ok(Math.abs(identificationAccuracy(P, T) - acc / 12) < 1e-12);
});

test('linear probe and kNN separate well-separated classes and sit near chance on noise', async () => {
  const rng = new Rng(8);
  const classes = ['a', 'b', 'c'];
  const make = (n: number, sep: number) => {
    const y = Array.from({ length: n }, (_, i) => classes[i % 3]!);
    const X = Matrix.build(n, 6, (i, j) => (j === i % 3 ? sep : 0) + rng.normal());
    return { X, y };
  };
  const tr = make(90, 4);
  const te = make(30, 4);
  assert.ok((await linearProbeAccuracy(tr.X, tr.y, te.X, te.y)).accuracy > 0.9);
  assert.ok(knnAccuracy(tr.X, tr.y, te.X, te.y) > 0.9);
  const ntr = make(90, 0);
  const nte = make(60, 0);
  assert.ok((await linearProbeAccuracy(ntr.X, ntr.y, nte.X, nte.y)).accuracy < 0.6);
});
