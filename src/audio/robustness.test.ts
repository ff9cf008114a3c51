/** The documented rules for awkward inputs (see the table in index.ts). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { UserError } from '../util/errors.js';
import { Rng } from '../util/rng.js';
import { chroma } from './chroma.js';
import { validateAudio } from './decode.js';
import { melSpectrogram, melSpectrogramAt } from './mel.js';
import { mfcc } from './mfcc.js';
import { spectralFeatures } from './spectral.js';
import { spectrogram } from './stft.js';

function argmaxColumn(data: Float32Array, rows: number, cols: number, t: number): number {
  let b = 0;
  for (let r = 1; r < rows; r++) if ((data[r * cols + t] as number) > (data[b * cols + t] as number)) b = r;
  return b;
}

describe('robustness rules', () => {
  it('silence: zero mel power, chroma 0, centroid/rolloff 0, flatness 1, finite MFCCs', () => {
    const x = new Float32Array(8000);
    assert.ok(chroma(x, 22050).data.every((v) => v === 0));
    const f = spectralFeatures(x, 22050);
    assert.ok(f.centroid.every((v) => v === 0) && f.rolloff.every((v) => v === 0));
    assert.ok(f.flatness.every((v) => Math.abs(v - 1) < 1e-6));
    assert.ok(mfcc(x, 22050).data.every(Number.isFinite));
  });
  it('DC offset only moves energy into the lowest mel bands', () => {
    const rng = new Rng(2);
    const x = Float32Array.from({ length: 22050 }, () => 0.1 * rng.normal());
    const y = x.map((v) => v + 0.5);
    const a = melSpectrogram(x, 22050);
    const b = melSpectrogram(y, 22050);
    const T = a.cols;
    for (let m = 10; m < a.rows; m++) {
      for (let t = 2; t < T - 2; t++) {
        const i = m * T + t;
        assert.ok(
          Math.abs((a.data[i] as number) - (b.data[i] as number)) <= 1e-3 * (a.data[i] as number) + 1e-9,
          `band ${m}`,
        );
      }
    }
  });
  it('clipped input is analysed as is (values at ±1 are ordinary samples)', () => {
    const x = Float32Array.from({ length: 4096 }, (_, i) => Math.max(-1, Math.min(1, 3 * Math.sin(i / 5))));
    assert.ok(melSpectrogram(x, 22050).data.every(Number.isFinite));
  });
  it('empty input is a UserError; shorter than nFft works with centring, not without', () => {
    assert.throws(() => melSpectrogram(new Float32Array(0), 22050), UserError);
    assert.equal(spectrogram(new Float32Array(100)).cols, 1);
    assert.throws(() => spectrogram(new Float32Array(100), { center: false }), /fewer than nFft/);
  });
  it('a long input (3 minutes) streams frame by frame: output size only', () => {
    const sr = 22050;
    const x = new Float32Array(180 * sr);
    for (let i = 0; i < x.length; i += 97) x[i] = 0.5;
    const M = melSpectrogram(x, sr, { nMels: 64 });
    assert.equal(M.cols, 1 + Math.floor(x.length / 512));
  });
  it('8–48 kHz: a 1-kHz tone peaks in the same mel band after resampling to 22,050 Hz', () => {
    const ref = (() => {
      const x = Float32Array.from({ length: 22050 }, (_, i) => Math.sin((2 * Math.PI * 1000 * i) / 22050));
      const M = melSpectrogram(x, 22050);
      return argmaxColumn(M.data, M.rows, M.cols, 10);
    })();
    for (const sr of [8000, 11025, 16000, 32000, 44100, 48000]) {
      const x = Float32Array.from({ length: sr }, (_, i) => Math.sin((2 * Math.PI * 1000 * i) / sr));
      const M = melSpectrogramAt(x, sr, 22050);
      assert.equal(argmaxColumn(M.data, M.rows, M.cols, 10), ref, `${sr} Hz`);
    }
  });
  it('8 kHz analysed at its own rate: fmax defaults to 4 kHz; rates outside 1–384 kHz are refused', () => {
    const x = Float32Array.from({ length: 8000 }, (_, i) => Math.sin(i / 3));
    assert.equal(melSpectrogram(x, 8000, { nMels: 40 }).rows, 40);
    assert.throws(
      () => validateAudio({ sampleRate: 500, channels: [new Float32Array(10)] }),
      /outside the supported/,
    );
    assert.throws(
      () => validateAudio({ sampleRate: 8000, channels: [new Float32Array([Number.NaN])] }),
      /not a finite/,
    );
  });
});
