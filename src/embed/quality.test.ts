import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Matrix } from '../linalg/matrix.js';
import { Rng } from '../util/rng.js';
import { knnAccuracy, linearProbeAccuracy } from './quality.js';

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
