import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Matrix } from '../linalg/matrix.js';
import { Rng } from '../util/rng.js';
import { logFrequencyFilterbank, logFrequencySpectrogram } from './logfreq.js';
import { modulationFeatureNames, modulationFromSpectrogram, modulationSpectrum } from './modulation.js';

function argmax(a: ArrayLike<number>): number {
  let b = 0;
  for (let i = 1; i < a.length; i++) if ((a[i] as number) > (a[b] as number)) b = i;
  return b;
}

/** A moving ripple: S(x, t) = cos(2π(ω t + Ω x)), x in octaves, t in seconds. */
function ripple(
  rate: number,
  scale: number,
  frameRate: number,
  bpo: number,
  bands: number,
  frames: number,
): Matrix {
  return Matrix.build(bands, frames, (f, t) =>
    Math.cos(2 * Math.PI * ((rate * t) / frameRate + (scale * f) / bpo)),
  );
}

describe('modulation energies (analytic inputs)', () => {
  const names = modulationFeatureNames();
  it('a moving ripple lands in its own rate, scale and direction cell', () => {
    const fr = 43;
    for (const [rate, scale, dirSign, want] of [
      [4, 1, 1, 'down_r4_s1'],
      [4, -1, -1, 'up_r4_s1'],
      [16, 0.25, 1, 'down_r16_s0.25'],
      [1, 2, -1, 'up_r1_s2'],
    ] as const) {
      const S = ripple(rate, Math.abs(scale) * dirSign, fr, 12, 72, 6 * fr);
      const res = modulationFromSpectrogram(S, fr, 12);
      assert.equal(res.features.rows, 2); // 258 frames: 129-frame patches every 65 frames
      const row = res.features.data.subarray(0, res.features.cols);
      assert.equal(names[argmax(row)], want);
      // Most of the energy is in that cell (leakage from the windows is small).
      const total = row.reduce((a, b) => a + b, 0);
      assert.ok(
        (row[argmax(row)] as number) / total > 0.6,
        `${want}: ${(row[argmax(row)] as number) / total}`,
      );
    }
  });
  it('cells add up to the windowed patch variance (Parseval)', () => {
    const rng = new Rng(3);
    const S = Matrix.build(24, 200, () => rng.normal());
    const res = modulationFromSpectrogram(S, 43, 12, { scales: [0.25, 0.5, 1, 2, 4, 8] });
    const total = res.features.data.subarray(0, res.features.cols).reduce((a, b) => a + b, 0);
    assert.ok(Math.abs(total - 1) < 0.25, `total ${total}`); // unit-variance noise
  });
});

describe('modulation energies (audio)', () => {
  const sr = 22050;
  it('noise amplitude-modulated at 8 Hz peaks in the 8-Hz rate cells', () => {
    const rng = new Rng(1);
    const x = Float32Array.from(
      { length: 4 * sr },
      (_, i) => rng.normal() * 0.1 * (1 + 0.9 * Math.sin((2 * Math.PI * 8 * i) / sr)),
    );
    const res = modulationSpectrum(x, sr);
    const nS = res.grid.scales.length;
    const byRate = res.grid.rates.map((_, r) => {
      let s = 0;
      for (let d = 0; d < 2; d++)
        for (let k = 0; k < nS; k++)
          s += res.features.data[(d * res.grid.rates.length + r) * nS + k] as number;
      return s;
    });
    assert.equal(res.grid.rates[argmax(byRate)], 8);
  });
  it('rising tone sweeps carry more "up" than "down" energy, falling ones the reverse', () => {
    const sweep = (dir: number) => {
      const x = new Float32Array(4 * sr);
      let phase = 0;
      for (let i = 0; i < x.length; i++) {
        const tt = (i / sr) % 0.5; // a 0.5-s sweep over one octave, repeated
        const f = 440 * 2 ** (dir > 0 ? tt / 0.5 : 1 - tt / 0.5);
        phase += (2 * Math.PI * f) / sr;
        x[i] = 0.3 * Math.sin(phase);
      }
      const res = modulationSpectrum(x, sr);
      const half = res.features.cols / 2;
      let down = 0;
      let up = 0;
      for (let i = 0; i < half; i++) {
        down += res.features.data[i] as number;
        up += res.features.data[half + i] as number;
      }
      return { up, down };
    };
    const r = sweep(1);
    const f = sweep(-1);
    assert.ok(r.up > 1.5 * r.down, JSON.stringify(r));
    assert.ok(f.down > 1.5 * f.up, JSON.stringify(f));
  });
  it('silence gives zero energy; a clip shorter than a patch gives one patch', () => {
    const res = modulationSpectrum(new Float32Array(sr), sr);
    assert.equal(res.features.rows, 1);
    assert.ok(res.features.data.every((v) => v === 0));
    assert.equal(res.mean.length, 60);
  });
  it('log-frequency bands: centres a semitone apart, capped below Nyquist at 8 kHz audio', () => {
    const fb = logFrequencyFilterbank(8000, 4096);
    assert.ok((fb.centres[fb.centres.length - 1] as number) * 2 ** (1 / 12) <= 4000);
    assert.ok(Math.abs((fb.centres[12] as number) - 220) < 1e-9);
    const lf = logFrequencySpectrogram(
      Float32Array.from({ length: 8000 }, (_, i) => Math.sin((2 * Math.PI * 440 * i) / 8000)),
      8000,
    );
    const col = Array.from(
      { length: lf.power.rows },
      (_, k) => lf.power.data[k * lf.power.cols + 5] as number,
    );
    assert.equal(argmax(col), 24); // 440 Hz = 110 Hz + 2 octaves
  });
});
