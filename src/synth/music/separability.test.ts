import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Rng } from '../../util/rng.js';
import { accuracy, audioFeatures, confusion, nearestCentroid } from './separability.js';

describe('nearestCentroid', () => {
  it('matches a direct implementation on Gaussian clusters', () => {
    const rng = new Rng(3);
    const d = 6;
    const centres = [0, 1, 2].map(() => Float64Array.from({ length: d }, () => rng.normal() * 2));
    const draw = (n: number) => {
      const xs: Float64Array[] = [];
      const ys: number[] = [];
      for (let i = 0; i < n; i++) {
        const c = i % 3;
        xs.push(Float64Array.from(centres[c] as Float64Array, (v) => v + rng.normal()));
        ys.push(c);
      }
      return { xs, ys };
    };
    const tr = draw(90);
    const te = draw(60);
    const pred = nearestCentroid(tr.xs, tr.ys, te.xs);
    // Reference, written out longhand: z-score with training statistics, class means, argmin distance.
    const mean = (rows: Float64Array[], j: number) =>
      rows.reduce((a, r) => a + (r[j] as number), 0) / rows.length;
    const mu = Array.from({ length: d }, (_, j) => mean(tr.xs, j));
    const sd = Array.from({ length: d }, (_, j) =>
      Math.sqrt(tr.xs.reduce((a, r) => a + ((r[j] as number) - (mu[j] as number)) ** 2, 0) / tr.xs.length),
    );
    const z = (r: Float64Array) => Array.from(r, (v, j) => (v - (mu[j] as number)) / (sd[j] as number));
    const cents = [0, 1, 2].map((c) => {
      const rows = tr.xs.filter((_, i) => tr.ys[i] === c).map(z);
      return Array.from(
        { length: d },
        (_, j) => rows.reduce((a, r) => a + (r[j] as number), 0) / rows.length,
      );
    });
    const ref = te.xs.map((x) => {
      const zx = z(x);
      const dist = cents.map((c) => c.reduce((a, v, j) => a + (v - (zx[j] as number)) ** 2, 0));
      return dist.indexOf(Math.min(...dist));
    });
    assert.deepEqual(pred, ref);
    assert.ok(accuracy(pred, te.ys) > 0.8);
    const m = confusion(pred, te.ys, 3);
    assert.equal(
      m.flat().reduce((a, b) => a + b, 0),
      60,
    );
  });
});

describe('audioFeatures', () => {
  it('puts a pure tone’s energy in the right mel band and sees no onsets in it', () => {
    const sr = 22050;
    const x = new Float32Array(sr * 2);
    for (let i = 0; i < x.length; i++) x[i] = 0.3 * Math.sin((2 * Math.PI * 440 * i) / sr);
    const f = audioFeatures(x, sr);
    assert.equal(f.length, 83);
    const means = Array.from(f.subarray(0, 40));
    const top = means.indexOf(Math.max(...means));
    // Slaney mel: linear 200/3 Hz per mel below 1 kHz, logarithmic above. Band k of
    // 40 up to 11,025 Hz is centred at (k + 1)/41 of the top mel; 440 Hz is nearest band 4.
    const melOf = (hz: number) =>
      hz < 1000 ? hz / (200 / 3) : 15 + (27 * Math.log(hz / 1000)) / Math.log(6.4);
    const centres = Array.from({ length: 40 }, (_, k) => ((k + 1) * melOf(11025)) / 41);
    const dist = centres.map((c) => Math.abs(c - melOf(440)));
    assert.equal(top, dist.indexOf(Math.min(...dist)));
    assert.ok((f[80] as number) < 1, `flux ${f[80]}`);
  });
});
