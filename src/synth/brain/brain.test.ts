import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Rng } from '../../util/rng.js';
import { buildAnatomy } from './anatomy.js';
import { labelTable, MODELED_REGIONS, regionLabel, regionLabelName, regionOfLabel } from './destrieux.js';
import { GRIDS, gridAffine, gridSize } from './grid.js';
import { convolveColumns, GLOVER, hrfAt, hrfKernel } from './hrf.js';
import { explainableVariance, ReliabilityAccumulator } from './reliability.js';
import { gaussianKernel, smoothField } from './smooth.js';

describe('Destrieux labels', () => {
  it('match FreeSurferColorLUT.txt (aparc.a2009s section) for the auditory and control regions', () => {
    // Reference rows copied from FreeSurfer's FreeSurferColorLUT.txt (rev 1.105, 2015-07-29).
    const lut: [number, string][] = [
      [11133, 'ctx_lh_G_temp_sup-G_T_transv'],
      [12133, 'ctx_rh_G_temp_sup-G_T_transv'],
      [11134, 'ctx_lh_G_temp_sup-Lateral'],
      [11135, 'ctx_lh_G_temp_sup-Plan_polar'],
      [12136, 'ctx_rh_G_temp_sup-Plan_tempo'],
      [11174, 'ctx_lh_S_temporal_sup'],
      [12175, 'ctx_rh_S_temporal_transverse'],
      [11138, 'ctx_lh_G_temporal_middle'],
      [11112, 'ctx_lh_G_front_inf-Opercular'],
      [11115, 'ctx_lh_G_front_middle'],
      [12127, 'ctx_rh_G_parietal_sup'],
      [11143, 'ctx_lh_Pole_occipital'],
      [12111, 'ctx_rh_G_cuneus'],
      [11107, 'ctx_lh_G_and_S_cingul-Mid-Ant'],
    ];
    const table = new Map(labelTable().map((r) => [r.index, r.name]));
    for (const [index, name] of lut) assert.equal(table.get(index), name, `label ${index}`);
    for (const r of MODELED_REGIONS) {
      for (const hemi of ['lh', 'rh'] as const) {
        assert.equal(regionOfLabel(regionLabel(r, hemi))?.region, r);
        assert.equal(regionLabelName(r, hemi), `ctx_${hemi}_${r.name}`);
      }
    }
    assert.equal(table.get(2), 'Left-Cerebral-White-Matter');
    assert.equal(table.get(47), 'Right-Cerebellum-Cortex');
  });
});

describe('anatomy', () => {
  it('is brain-sized, deterministic, and has both hemispheres of every auditory region in place', () => {
    const a = buildAnatomy(GRIDS.small!, new Rng(3));
    const b = buildAnatomy(GRIDS.small!, new Rng(3));
    assert.deepEqual(a.labels, b.labels);
    assert.deepEqual(a.baseline, b.baseline);
    assert.ok(a.brain.length > 5000 && a.brain.length < 15000, `brain voxels ${a.brain.length}`);
    const A = gridAffine(a.grid);
    const [nx, ny] = a.grid.dims;
    for (const name of [
      'G_temp_sup-G_T_transv',
      'G_temp_sup-Plan_tempo',
      'G_temp_sup-Lateral',
      'S_temporal_sup',
    ]) {
      const region = MODELED_REGIONS.find((r) => r.name === name)!;
      for (const hemi of ['lh', 'rh'] as const) {
        const label = regionLabel(region, hemi);
        const xs: number[] = [];
        a.labels.forEach((l, p) => {
          if (l === label) xs.push(A[0]![0]! * (p % nx) + A[0]![3]!);
        });
        assert.ok(xs.length >= 3, `${hemi} ${name}: ${xs.length} voxels`);
        // Left hemisphere at negative x (RAS+), right at positive; temporal regions lateral.
        const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
        if (hemi === 'lh') assert.ok(mean < -30, `${hemi} ${name} mean x ${mean}`);
        else assert.ok(mean > 30, `${hemi} ${name} mean x ${mean}`);
      }
    }
    // Every brain voxel has a label and no voxel outside the brain has one.
    for (let p = 0; p < gridSize(a.grid); p++) assert.equal(a.mask[p] === 1, a.labels[p] !== 0);
    assert.equal(ny, 32);
  });

  it('differs between subjects', () => {
    const a = buildAnatomy(GRIDS.tiny!, new Rng(1));
    const b = buildAnatomy(GRIDS.tiny!, new Rng(2));
    assert.notDeepEqual(a.labels, b.labels);
  });
});

describe('HRF', () => {
  it("peaks where Glover's parameters put it and the kernel has unit sum", () => {
    let best = 0;
    let tBest = 0;
    for (let t = 0; t < 20; t += 0.01) {
      const v = hrfAt(GLOVER, t);
      if (v > best) {
        best = v;
        tBest = t;
      }
    }
    // The undershoot pulls the peak of the difference a little earlier than d1 = 5.4 s.
    assert.ok(tBest > 5.1 && tBest < 5.4, `peak at ${tBest}`);
    let tPos = 0;
    for (let t = 0, b = 0; t < 20; t += 0.01) {
      const v = hrfAt({ ...GLOVER, ratio: 0 }, t);
      if (v > b) {
        b = v;
        tPos = t;
      }
    }
    assert.ok(Math.abs(tPos - 5.4) < 0.011, `positive lobe peak at ${tPos}`);
    assert.ok(hrfAt(GLOVER, 14) < 0, 'undershoot after the peak');
    const k = hrfKernel(GLOVER, 1.5);
    assert.equal(k[0], 0);
    assert.ok(Math.abs(k.reduce((a, b) => a + b, 0) - 1) < 1e-12);
  });

  it('convolves columns like a direct double loop', () => {
    const rng = new Rng(5);
    const rows = 40;
    const cols = 3;
    const x = rng.fillNormal(new Float64Array(rows * cols));
    const k = hrfKernel(GLOVER, 1.5);
    const y = convolveColumns(x, rows, cols, k);
    for (let t = 0; t < rows; t++) {
      for (let c = 0; c < cols; c++) {
        let ref = 0;
        for (let s = 0; s <= t; s++) if (t - s < k.length) ref += k[t - s]! * x[s * cols + c]!;
        assert.ok(Math.abs(ref - y[t * cols + c]!) < 1e-12);
      }
    }
  });
});

describe('smoothing', () => {
  it('spreads a point into a Gaussian of the requested FWHM', () => {
    const grid = { name: 't', dims: [41, 41, 41] as [number, number, number], voxelMm: 2 };
    const f = new Float32Array(gridSize(grid));
    const c = 20 + 41 * (20 + 41 * 20);
    f[c] = 1;
    smoothField(f, grid, 12);
    // Variance along x of the blob = σ² with σ = FWHM / 2.3548 (in voxels, 6 voxel FWHM).
    let m2 = 0;
    let total = 0;
    for (let p = 0; p < f.length; p++) {
      const dx = (p % 41) - 20;
      m2 += f[p]! * dx * dx;
      total += f[p]!;
    }
    const sigma = 6 / (2 * Math.sqrt(2 * Math.log(2)));
    assert.ok(Math.abs(total - 1) < 1e-4);
    // Truncation at 2σ makes the measured variance a little smaller than σ².
    assert.ok(m2 / total > 0.75 * sigma * sigma && m2 / total < 1.01 * sigma * sigma, `var ${m2 / total}`);
    assert.equal(gaussianKernel(0.1).length, 1);
  });
});

describe('explainable variance', () => {
  it('recovers the known share of stimulus variance from 4 noisy repeats', () => {
    const rng = new Rng(11);
    const n = 4000;
    const s = rng.fillNormal(new Float64Array(n)); // var 1
    const noiseSd = Math.sqrt(3); // EV = 1 / (1 + 3) = 0.25
    const reps = [0, 1, 2, 3].map(() => s.map((v) => v + noiseSd * rng.normal()));
    const ev = explainableVariance(reps);
    assert.ok(Math.abs(ev - 0.25) < 0.03, `ev ${ev}`);
    const pureNoise = [0, 1, 2, 3].map(() => rng.fillNormal(new Float64Array(n)));
    assert.ok(Math.abs(explainableVariance(pureNoise)) < 0.02);
  });

  it('accumulated over runs equals the direct formula on the z-scored, detrended runs', () => {
    const rng = new Rng(12);
    const T = 50;
    const blocks = [0, 1, 2, 3].map((r) => Array.from({ length: 10 }, (_, i) => 5 + r * 10 + i));
    const acc = new ReliabilityAccumulator(2, 4);
    const perRun: number[][] = [[], [], [], []]; // [rep][...] for voxel 0
    for (let run = 0; run < 3; run++) {
      const sig = new Float32Array(2 * T);
      const noi = new Float32Array(2 * T);
      for (let i = 0; i < 2 * T; i++) {
        sig[i] = Math.sin(i * 0.7) + 0.01 * i;
        noi[i] = rng.normal();
      }
      const sum = Array.from({ length: T }, (_, t) => sig[t]! + noi[t]!);
      acc.addRun(sig, noi, T, blocks);
      // Reference: detrend (order 2) by least squares, z-score, gather the repeats.
      const det = detrendLs(sum, 2);
      const m = det.reduce((a, b) => a + b, 0) / T;
      const sd = Math.sqrt(det.reduce((a, b) => a + (b - m) ** 2, 0) / T);
      blocks.forEach((b, r) => {
        perRun[r]!.push(...b.map((t) => (det[t]! - m) / sd));
      });
    }
    const ref = explainableVariance(perRun);
    const got = acc.result().estimatedEV[0]!;
    assert.ok(Math.abs(got - ref) < 1e-5, `${got} vs ${ref}`);
  });
});

/** Least-squares removal of a polynomial of degree `order` (normal equations, small and obvious). */
function detrendLs(y: number[], order: number): number[] {
  const n = y.length;
  const X = y.map((_, t) => Array.from({ length: order + 1 }, (_, p) => ((2 * t) / (n - 1) - 1) ** p));
  const p = order + 1;
  const A = Array.from({ length: p }, (_, i) =>
    Array.from({ length: p }, (_, j) => X.reduce((s, r) => s + r[i]! * r[j]!, 0)),
  );
  const b = Array.from({ length: p }, (_, i) => X.reduce((s, r, t) => s + r[i]! * y[t]!, 0));
  // Gaussian elimination.
  for (let i = 0; i < p; i++) {
    for (let k = i + 1; k < p; k++) {
      const f = A[k]![i]! / A[i]![i]!;
      for (let j = i; j < p; j++) A[k]![j]! -= f * A[i]![j]!;
      b[k]! -= f * b[i]!;
    }
  }
  const beta = new Array(p).fill(0);
  for (let i = p - 1; i >= 0; i--) {
    let s = b[i]!;
    for (let j = i + 1; j < p; j++) s -= A[i]![j]! * beta[j];
    beta[i] = s / A[i]![i]!;
  }
  return y.map((v, t) => v - X[t]!.reduce((s, x, i) => s + x * beta[i], 0));
}
