import assert from 'node:assert/strict';
import { test } from 'node:test';
import { chroma } from '../../audio/chroma.js';
import { powerToDb } from '../../audio/db.js';
import { melSpectrogram } from '../../audio/mel.js';
import { Rng } from '../../util/rng.js';
import { DSP_BLOCKS, DSP_DIM, DSP_SAMPLE_RATE, dspEmbed, windowFrames } from './dsp.js';
import { HOP, melAndChroma, N_FFT, N_MELS } from './frames.js';
import { RATE_BANDS } from './pool.js';

const SR = DSP_SAMPLE_RATE;
const block = (name: string) => DSP_BLOCKS.find((b) => b.name === name)!;

function noise(seconds: number, seed = 1): Float32Array {
  const rng = new Rng(seed);
  return Float32Array.from({ length: Math.round(seconds * SR) }, () => 0.1 * rng.normal());
}

test('blocks tile the embedding without gaps; dimension is documented', () => {
  let next = 0;
  for (const b of DSP_BLOCKS) {
    assert.equal(b.start, next, b.name);
    assert.ok(b.size > 0 && b.description.length > 10);
    next += b.size;
  }
  assert.equal(next, DSP_DIM);
  assert.equal(DSP_DIM, 383);
});

test('one-pass mel + chroma equal src/audio melSpectrogram and chroma exactly', () => {
  const x = noise(2);
  const { mel, chroma: ch } = melAndChroma(x);
  const refMel = melSpectrogram(x, SR, { nFft: N_FFT, hop: HOP, nMels: N_MELS });
  const refCh = chroma(x, SR, { nFft: N_FFT, hop: HOP });
  assert.deepEqual(mel.shape, refMel.shape);
  assert.deepEqual(mel.data, refMel.data);
  assert.deepEqual(ch.data, refCh.data);
});

test('logmel block = per-band mean and std of the dB mel over the window frames (naive reference)', () => {
  const x = noise(15, 3);
  const E = dspEmbed(x, { window: 10, stride: 1.5 });
  const db = powerToDb(melSpectrogram(x, SR, { nFft: N_FFT, hop: HOP, nMels: N_MELS }).data, { topDb: 80 });
  const T = db.length / N_MELS;
  const lm = block('logmel');
  for (const w of [0, 3]) {
    const [f0, f1] = windowFrames(Math.round(w * 1.5 * SR), 10 * SR, T);
    assert.equal(f1 - f0, Math.ceil((10 * SR) / HOP)); // 431 frames centred inside a 10-s window
    for (const m of [0, 17, 63]) {
      const vals = Array.from({ length: f1 - f0 }, (_, k) => db[m * T + f0 + k] as number);
      const mean = vals.reduce((a, b) => a + b, 0) / vals.length;
      const sd = Math.sqrt(vals.reduce((a, b) => a + (b - mean) ** 2, 0) / vals.length);
      assert.ok(Math.abs(E.get(w, lm.start + m) - mean) < 1e-3, `mean band ${m}`);
      assert.ok(Math.abs(E.get(w, lm.start + N_MELS + m) - sd) < 1e-3, `std band ${m}`);
    }
  }
});

function clicks(seconds: number, bpm: number): Float32Array {
  const x = noise(seconds, 9).map((v) => v * 0.01);
  const period = Math.round((60 / bpm) * SR);
  const rng = new Rng(5);
  for (let s = 0; s < x.length; s += period) {
    for (let i = 0; i < 400 && s + i < x.length; i++)
      x[s + i] = (x[s + i] as number) + 0.8 * Math.exp(-i / 80) * rng.normal();
  }
  return x;
}

test('rhythm block: tempo of click tracks at 90, 120 and 150 BPM within 4 %', () => {
  const r = block('rhythm');
  for (const bpm of [90, 120, 150]) {
    const E = dspEmbed(clicks(15, bpm), { window: 10, stride: 1.5 });
    for (let w = 0; w < E.rows; w++) {
      const est = E.get(w, r.start + 2) * 100;
      assert.ok(Math.abs(est - bpm) / bpm < 0.04, `${bpm} BPM → ${est.toFixed(1)}`);
      assert.ok(E.get(w, r.start + 3) > 0.3, 'a click track has a clear pulse');
    }
  }
});

test('modulation block: amplitude-modulated noise peaks in the rate band of its modulation frequency', () => {
  const mod = block('modulation');
  for (const [hz, band] of [
    [0.7, 1],
    [3, 3],
    [6, 4],
  ] as const) {
    const x = noise(12, 2).map((v, i) => v * (1 + 0.9 * Math.sin((2 * Math.PI * hz * i) / SR)));
    const E = dspEmbed(x, { window: 10, stride: 1.5 });
    for (const g of [2, 5]) {
      const rates = Array.from(
        E.row(0).subarray(mod.start + g * RATE_BANDS.length, mod.start + (g + 1) * RATE_BANDS.length),
      );
      assert.equal(
        rates.indexOf(Math.max(...rates)),
        band,
        `${hz} Hz in mel group ${g}: ${rates.map((v) => v.toFixed(2))}`,
      );
    }
  }
});

test('chroma block: an A tone has pitch class A strongest; silence, DC and short clips give finite rows', () => {
  const a = Float32Array.from({ length: 3 * SR }, (_, i) => 0.3 * Math.sin((2 * Math.PI * 440 * i) / SR));
  const E = dspEmbed(a, { window: 2, stride: 1 });
  const c = block('chroma');
  const pcs = Array.from(E.row(0).subarray(c.start, c.start + 12));
  assert.equal(pcs.indexOf(Math.max(...pcs)), 9);
  for (const [x, rows] of [
    [new Float32Array(15 * SR), 4],
    [new Float32Array(SR).fill(0.5), 1],
    [noise(0.3), 1],
  ] as const) {
    const Z = dspEmbed(x, { window: 10, stride: 1.5 });
    assert.ok(Z.data.every(Number.isFinite));
    assert.equal(Z.rows, rows);
  }
});
