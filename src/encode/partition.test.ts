/**
 * Variance partitioning on constructed data: voxels driven by space A only, by B only,
 * by both, and by neither. Banded ridge over A and B, single-space ridge on each, test
 * R² of all three, then unique/shared parts: each unique part must land where it was
 * planted. The truth is built here, independently of the encoding code.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Matrix } from '../linalg/matrix.js';
import { fitBandedRidgeCV } from '../ridge/banded.js';
import { fitRidgeCV } from '../ridge/fit.js';
import { Rng } from '../util/rng.js';
import { partitionR2, r2Columns } from './stats.js';

const PA = 12;
const PB = 8;
const PER_GROUP = 10; // voxels per kind
const KINDS = ['A', 'B', 'AB', 'none'] as const;

function simulate(rng: Rng, n: number, W: { a: number[][]; b: number[][] }) {
  const XA = Matrix.zeros(n, PA, 'float64');
  const XB = Matrix.zeros(n, PB, 'float64');
  for (let i = 0; i < XA.data.length; i++) XA.data[i] = rng.normal();
  for (let i = 0; i < XB.data.length; i++) XB.data[i] = rng.normal();
  const V = KINDS.length * PER_GROUP;
  const Y = Matrix.zeros(n, V, 'float64');
  for (let v = 0; v < V; v++) {
    const kind = KINDS[Math.floor(v / PER_GROUP)]!;
    for (let i = 0; i < n; i++) {
      let s = 0;
      if (kind === 'A' || kind === 'AB') for (let c = 0; c < PA; c++) s += XA.data[i * PA + c]! * W.a[v]![c]!;
      if (kind === 'B' || kind === 'AB') for (let c = 0; c < PB; c++) s += XB.data[i * PB + c]! * W.b[v]![c]!;
      Y.data[i * V + v] = s + 1.0 * rng.normal();
    }
  }
  const X = Matrix.zeros(n, PA + PB, 'float64');
  for (let i = 0; i < n; i++) {
    X.data.set(XA.data.subarray(i * PA, (i + 1) * PA), i * (PA + PB));
    X.data.set(XB.data.subarray(i * PB, (i + 1) * PB), i * (PA + PB) + PA);
  }
  return { XA, XB, X, Y };
}

describe('variance partitioning on voxels driven by A only, B only, both and neither', () => {
  it('puts each unique part where it was planted and the shared part near zero for independent spaces', async () => {
    const rng = new Rng(11);
    const V = KINDS.length * PER_GROUP;
    // Scaled so each space alone explains about half of a driven voxel's variance.
    const W = {
      a: Array.from({ length: V }, () => Array.from({ length: PA }, () => rng.normal() / Math.sqrt(PA))),
      b: Array.from({ length: V }, () => Array.from({ length: PB }, () => rng.normal() / Math.sqrt(PB))),
    };
    const train = simulate(rng, 240, W);
    const test = simulate(rng, 200, W);
    const groups = Int32Array.from({ length: 240 }, (_, i) => Math.floor(i / 40));
    const opts = { alphas: [0.1, 1, 10, 100, 1000, 1e4], cv: { kind: 'groups' as const, groups } };
    const testR2 = async (m: { predict(X: Matrix): Promise<Matrix> }, X: Matrix) =>
      r2Columns(test.Y, await m.predict(X));
    const r2A = await testR2(await fitRidgeCV(train.XA, train.Y, opts), test.XA);
    const r2B = await testR2(await fitRidgeCV(train.XB, train.Y, opts), test.XB);
    const bands = [...Array(PA).fill(0), ...Array(PB).fill(1)];
    const joint = await fitBandedRidgeCV(train.X, train.Y, { ...opts, bands, nIter: 12, seed: 3 });
    const r2AB = await testR2(joint.model, test.X);
    const { unique, shared } = partitionR2(r2AB, [r2B, r2A]);
    const mean = (x: Float64Array, kind: (typeof KINDS)[number]) => {
      const k = KINDS.indexOf(kind);
      let s = 0;
      for (let v = k * PER_GROUP; v < (k + 1) * PER_GROUP; v++) s += x[v] as number;
      return s / PER_GROUP;
    };
    const [uA, uB] = unique as [Float64Array, Float64Array];
    const report = KINDS.map(
      (k) =>
        `${k}: uA ${mean(uA, k).toFixed(3)} uB ${mean(uB, k).toFixed(3)} sh ${mean(shared, k).toFixed(3)}`,
    ).join('; ');
    // A-driven voxels: A's unique part is most of the joint R², B's is nothing.
    assert.ok(mean(uA, 'A') > 0.35, report);
    assert.ok(Math.abs(mean(uB, 'A')) < 0.03, report);
    assert.ok(mean(uB, 'B') > 0.35, report);
    assert.ok(Math.abs(mean(uA, 'B')) < 0.03, report);
    // Driven by both (independent features): each has a clear unique part.
    assert.ok(mean(uA, 'AB') > 0.15 && mean(uB, 'AB') > 0.15, report);
    // Neither: nothing anywhere.
    assert.ok(Math.abs(mean(uA, 'none')) < 0.03 && Math.abs(mean(uB, 'none')) < 0.03, report);
    // Independent spaces share no variance. With both planted, the single models fit
    // worse (the other space acts as noise) and the shared part comes out slightly
    // negative, as is known for variance partitioning with regularised models.
    for (const k of KINDS) assert.ok(Math.abs(mean(shared, k)) < (k === 'AB' ? 0.08 : 0.03), report);
    // The banded search gives a pure-A voxel most weight on A, a pure-B voxel on B.
    const t = V;
    const gA = (v: number) => joint.gammas.data[0 * t + v] as number;
    let aHigh = 0;
    let bHigh = 0;
    for (let v = 0; v < PER_GROUP; v++) if (gA(v) > 0.5) aHigh++;
    for (let v = PER_GROUP; v < 2 * PER_GROUP; v++) if (gA(v) < 0.5) bHigh++;
    assert.ok(aHigh >= 8 && bHigh >= 8, `γ_A > 0.5 in ${aHigh}/10 A voxels; < 0.5 in ${bHigh}/10 B voxels`);
  });

  it('partitions exactly: unique parts and the shared part add up to the joint R²', () => {
    const joint = Float64Array.of(0.5, 0.2, 0.0);
    const withoutA = Float64Array.of(0.1, 0.2, 0.0); // = R²_B
    const withoutB = Float64Array.of(0.45, 0.0, -0.01); // = R²_A
    const { unique, shared } = partitionR2(joint, [withoutA, withoutB]);
    assert.deepEqual(
      Array.from(unique[0]!).map((x) => +x.toFixed(12)),
      [0.4, 0, 0],
    );
    assert.deepEqual(
      Array.from(unique[1]!).map((x) => +x.toFixed(12)),
      [0.05, 0.2, 0.01],
    );
    // Two spaces: shared = R²_A + R²_B − R²_AB.
    assert.deepEqual(
      Array.from(shared).map((x) => +x.toFixed(12)),
      [0.05, 0, -0.01],
    );
  });
});
