import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { Matrix } from '../linalg/matrix.js';
import { Rng } from '../util/rng.js';
import {
  benjaminiHochberg,
  blockContributions,
  blockLayout,
  blockPermutationTest,
  circularOffsets,
  circularShiftTest,
  explainableVariance,
  maxStatPValues,
  noiseCeiling,
  pairedSignFlipTest,
  pearsonColumns,
  permutations,
  r2Columns,
  signFlips,
} from './stats.js';

const FIX = JSON.parse(
  readFileSync(join(import.meta.dirname, '../../test/fixtures/encode/stats.json'), 'utf8'),
);

function gauss(rng: Rng): number {
  const u = Math.max(rng.uniform(), 1e-300);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng.uniform());
}

/** n × v matrix of independent AR(1) series (unit innovation), coefficient phi. */
function ar1(n: number, v: number, phi: number, rng: Rng): Matrix<Float64Array> {
  const M = Matrix.zeros(n, v, 'float64');
  for (let j = 0; j < v; j++) {
    let x = gauss(rng) / Math.sqrt(1 - phi * phi);
    for (let i = 0; i < n; i++) {
      x = phi * x + gauss(rng);
      M.data[i * v + j] = x;
    }
  }
  return M;
}

describe('encoding statistics against numpy/scipy (test/fixtures/encode, scripts/fixtures/make_encode_fixtures.py)', () => {
  it('Benjamini–Hochberg equals scipy.stats.false_discovery_control', () => {
    const q = benjaminiHochberg(FIX.bh.p);
    FIX.bh.q.forEach((x: number, i: number) => {
      assert.ok(Math.abs((q[i] as number) - x) < 1e-12, `q[${i}]`);
    });
  });

  it('explainable variance equals voxelwise_tutorials’ definition (bias-corrected and raw)', () => {
    const [R, T, V] = FIX.ev.shape as [number, number, number];
    const reps = Array.from(
      { length: R },
      (_, r) => new Matrix(T, V, Float64Array.from(FIX.ev.reps.slice(r * T * V, (r + 1) * T * V))),
    );
    const ev = explainableVariance(reps);
    const raw = explainableVariance(reps, false);
    for (let j = 0; j < V; j++) {
      assert.ok(Math.abs((ev[j] as number) - FIX.ev.ev[j]) < 1e-10, `ev[${j}]`);
      assert.ok(Math.abs((raw[j] as number) - FIX.ev.evRaw[j]) < 1e-10, `raw[${j}]`);
    }
  });

  it('Pearson r and R² per column equal numpy', () => {
    const [n, v] = FIX.corr.shape as [number, number];
    const Y = new Matrix(n, v, Float64Array.from(FIX.corr.Y));
    const P = new Matrix(n, v, Float64Array.from(FIX.corr.P));
    const r = pearsonColumns(Y, P);
    const r2 = r2Columns(Y, P);
    for (let j = 0; j < v; j++) {
      assert.ok(Math.abs((r[j] as number) - FIX.corr.r[j]) < 1e-12);
      assert.ok(Math.abs((r2[j] as number) - FIX.corr.r2[j]) < 1e-12);
    }
  });
});

describe('noise ceiling', () => {
  it('maps EV to the ceiling of r against the repetition average', () => {
    // EV = s/(s+n); ceiling² = s/(s + n/R). s = 1, n = 3 → EV 0.25, ceiling √(1/(1+0.75)).
    const c = noiseCeiling([0.25, 0, -0.1, 1], 4);
    assert.ok(Math.abs((c[0] as number) - Math.sqrt(1 / 1.75)) < 1e-12);
    assert.equal(c[1], 0);
    assert.equal(c[2], 0);
    assert.equal(c[3], 1);
  });

  it('recovers the planted EV of simulated repetitions', () => {
    const rng = new Rng(3);
    const T = 2000;
    const reps = Array.from({ length: 4 }, () => Matrix.zeros(T, 1, 'float64'));
    const s = Array.from({ length: T }, () => gauss(rng));
    // signal variance 1, noise variance 3 → EV 0.25
    for (const m of reps)
      for (let t = 0; t < T; t++) m.data[t] = (s[t] as number) + Math.sqrt(3) * gauss(rng);
    const ev = explainableVariance(reps)[0] as number;
    assert.ok(Math.abs(ev - 0.25) < 0.04, `ev ${ev}`);
  });
});

describe('block permutation test', () => {
  it('observed r equals Pearson r, and p counts the permutations at least as large', () => {
    const rng = new Rng(1);
    const Y = ar1(60, 3, 0.3, rng);
    const P = ar1(60, 3, 0.3, rng);
    const layout = blockLayout([30, 30], 5);
    const perms = permutations(layout.starts.length, 200, 7);
    const res = blockPermutationTest(Y, P, layout, perms);
    const r = pearsonColumns(Y, P);
    for (let j = 0; j < 3; j++) assert.ok(Math.abs((res.r[j] as number) - (r[j] as number)) < 1e-12);
    // Slow reference for voxel 0: move the blocks explicitly and recompute r.
    const k = layout.starts.length;
    let count = 0;
    for (let q = 0; q < 200; q++) {
      const Pp = P.clone();
      for (let a = 0; a < k; a++) {
        const src = (layout.starts[perms[q * k + a] as number] as number) * 3;
        const dst = (layout.starts[a] as number) * 3;
        for (let i = 0; i < 5 * 3; i++) Pp.data[dst + i] = P.data[src + i] as number;
      }
      if ((pearsonColumns(Y, Pp)[0] as number) >= (r[0] as number) - 1e-12) count++;
    }
    assert.ok(Math.abs((res.p[0] as number) - (1 + count) / 201) < 1e-12);
  });

  it('keeps segment remainders in place and refuses layouts with fewer than two blocks', () => {
    const l = blockLayout([23, 10], 10);
    assert.deepEqual([...l.starts], [0, 10, 23]);
    assert.deepEqual([...l.fixed], [20, 21, 22]);
    assert.throws(() => blockLayout([15], 10), /only 1 permutation block/);
  });

  it('a known null: p-values are uniform and BH finds (almost) nothing', () => {
    const rng = new Rng(11);
    const n = 200;
    const v = 400;
    const Y = ar1(n, v, 0, rng);
    const P = ar1(n, v, 0, rng);
    const res = blockPermutationTest(Y, P, blockLayout([n], 10), permutations(20, 1000, 5));
    const frac = (t: number) => res.p.filter((p) => p <= t).length / v;
    assert.ok(Math.abs(frac(0.05) - 0.05) < 0.035, `P(p ≤ 0.05) = ${frac(0.05)}`);
    assert.ok(Math.abs(frac(0.5) - 0.5) < 0.08, `P(p ≤ 0.5) = ${frac(0.5)}`);
    const q = benjaminiHochberg(res.p);
    assert.ok(q.filter((x) => x < 0.05).length <= 2);
  });

  it('a known effect: planted voxels are found, nulls rarely, and FWER is stricter than FDR', () => {
    const rng = new Rng(12);
    const n = 200;
    const v = 300;
    const S = ar1(n, v, 0.5, rng);
    const N = ar1(n, v, 0.5, rng);
    const Y = Matrix.zeros(n, v, 'float64');
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < v; j++) {
        const k = i * v + j;
        Y.data[k] = (j < 50 ? 0.6 * (S.data[k] as number) : 0) + (N.data[k] as number);
      }
    }
    const res = blockPermutationTest(Y, S, blockLayout([n], 10), permutations(20, 1000, 6));
    const q = benjaminiHochberg(res.p);
    const fw = maxStatPValues(res.r, res.maxNull);
    const found = Array.from(q.slice(0, 50)).filter((x) => x < 0.05).length;
    const falsePos = Array.from(q.slice(50)).filter((x) => x < 0.05).length;
    assert.ok(found >= 45, `found ${found}/50`);
    assert.ok(falsePos <= 5, `false positives ${falsePos}`);
    for (let j = 0; j < v; j++) assert.ok((fw[j] as number) >= (res.p[j] as number) - 1e-12);
  });

  it('autocorrelated noise: scan-level permutation is anti-conservative, block permutation is not', () => {
    const rng = new Rng(13);
    const n = 300;
    const v = 400;
    const Y = ar1(n, v, 0.8, rng);
    const P = ar1(n, v, 0.8, rng);
    const scan = blockPermutationTest(Y, P, blockLayout([n], 1), permutations(n, 500, 8));
    const block = blockPermutationTest(Y, P, blockLayout([n], 20), permutations(15, 500, 9));
    const fpr = (p: Float64Array) => p.filter((x) => x <= 0.05).length / v;
    assert.ok(fpr(scan.p) > 0.15, `scan-level false positive rate ${fpr(scan.p)}`);
    assert.ok(fpr(block.p) < 0.085, `block false positive rate ${fpr(block.p)}`);
  });

  it('circular shifts: r and p match a slow reference that rotates each segment', () => {
    const rng = new Rng(21);
    const lengths = [40, 30];
    const Y = ar1(70, 2, 0.5, rng);
    const P = ar1(70, 2, 0.5, rng);
    const offsets = circularOffsets(lengths, 100, 5, 3);
    for (let q = 0; q < 100; q++) {
      assert.ok(
        offsets[q * 2]! >= 5 &&
          offsets[q * 2]! <= 35 &&
          offsets[q * 2 + 1]! >= 5 &&
          offsets[q * 2 + 1]! <= 25,
      );
    }
    const res = circularShiftTest(Y, P, lengths, offsets);
    const r = pearsonColumns(Y, P);
    let count = 0;
    for (let q = 0; q < 100; q++) {
      const Pp = P.clone();
      let b = 0;
      lengths.forEach((L, s) => {
        const o = offsets[q * 2 + s] as number;
        for (let i = 0; i < L; i++)
          for (let j = 0; j < 2; j++)
            Pp.data[(b + i) * 2 + j] = P.data[(b + ((i + o) % L)) * 2 + j] as number;
        b += L;
      });
      if ((pearsonColumns(Y, Pp)[1] as number) >= (r[1] as number) - 1e-12) count++;
    }
    assert.ok(Math.abs((res.r[1] as number) - (r[1] as number)) < 1e-12);
    assert.ok(Math.abs((res.p[1] as number) - (1 + count) / 101) < 1e-12);
  });

  it('circular shifts stay calibrated under slow AR(1) noise (φ = 0.95) where short blocks are not', () => {
    const rng = new Rng(22);
    const n = 300;
    const v = 300;
    const Y = ar1(n, v, 0.95, rng);
    const P = ar1(n, v, 0.95, rng);
    const shift = circularShiftTest(Y, P, [100, 100, 100], circularOffsets([100, 100, 100], 500, 10, 4));
    const block = blockPermutationTest(Y, P, blockLayout([n], 10), permutations(30, 500, 5));
    const fpr = (p: Float64Array) => p.filter((x) => x <= 0.05).length / v;
    assert.ok(fpr(block.p) > 0.12, `10-scan blocks: ${fpr(block.p)}`);
    assert.ok(fpr(shift.p) < fpr(block.p) - 0.04, `shift ${fpr(shift.p)} vs blocks ${fpr(block.p)}`);
  });

  it('paired sign-flip test: finds the better prediction, stays quiet between equal ones', () => {
    const rng = new Rng(31);
    const n = 300;
    const v = 200;
    const S = ar1(n, v, 0.3, rng);
    const N1 = ar1(n, v, 0.3, rng);
    const N2 = ar1(n, v, 0.3, rng);
    const N3 = ar1(n, v, 0.3, rng);
    const Y = Matrix.zeros(n, v, 'float64');
    const PA = Matrix.zeros(n, v, 'float64');
    const PB = Matrix.zeros(n, v, 'float64');
    for (let k = 0; k < n * v; k++) {
      Y.data[k] = (S.data[k] as number) + (N1.data[k] as number);
      // First half: A is the signal, B half signal half noise; second half: both equally noisy copies.
      const j = k % v;
      PA.data[k] = j < 100 ? (S.data[k] as number) : (S.data[k] as number) + (N2.data[k] as number);
      PB.data[k] =
        j < 100
          ? 0.3 * (S.data[k] as number) + (N2.data[k] as number)
          : (S.data[k] as number) + (N3.data[k] as number);
    }
    const a = blockContributions(Y, PA, [n], 10);
    const b = blockContributions(Y, PB, [n], 10);
    const rA = pearsonColumns(Y, PA);
    const sumA = Array.from({ length: a.k }, (_, q) => a.C[q * v] as number).reduce((x, y) => x + y, 0);
    assert.ok(Math.abs(sumA - (rA[0] as number)) < 1e-12, 'block contributions add up to r');
    const flips = signFlips(a.k, 1000, 1);
    const t = pairedSignFlipTest(a.C, b.C, a.k, v, flips);
    const q = benjaminiHochberg(t.p);
    assert.ok(Array.from(q.slice(0, 100)).filter((x) => x < 0.05).length >= 95);
    assert.ok(Array.from(q.slice(100)).filter((x) => x < 0.05).length <= 3);
    const pooled = pairedSignFlipTest(
      a.C,
      b.C,
      a.k,
      v,
      flips,
      Int32Array.from({ length: 100 }, (_, j) => j),
      true,
    );
    assert.ok((pooled.dr[0] as number) > 0.2 && (pooled.p[0] as number) < 0.01);
  });

  it('is deterministic by seed', () => {
    assert.deepEqual(permutations(10, 5, 1), permutations(10, 5, 1));
    assert.notDeepEqual(permutations(10, 5, 1), permutations(10, 5, 2));
  });
});
