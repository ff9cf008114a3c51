import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { powerToDb } from './db.js';
import {
  hzToMel,
  melFilterbank,
  melFilterbankDense,
  melSpectrogram,
  melSpectrogramAt,
  melToHz,
} from './mel.js';
import { INDEX, loadF32, loadSignal, maxAbsErr, maxRelErr } from './test-fixtures.js';

// biome-ignore lint/suspicious/noExplicitAny: fixture manifest entries
const melCases = INDEX.cases.filter((c: any) => c.kind === 'mel');

describe('melSpectrogram vs the numpy/scipy mirror of librosa (fixtures)', () => {
  for (const c of melCases) {
    const label = `${c.signal} ${JSON.stringify(c.params)}`;
    it(`matches to 1e-4 relative in dB: ${label}`, () => {
      const { x, sampleRate } = loadSignal(c.signal);
      const M = melSpectrogramAt(x, sampleRate, 22050, c.params);
      assert.deepEqual([M.rows, M.cols], c.power.shape);
      const refDb = loadF32(c.db);
      const db = powerToDb(M.data, { topDb: null });
      // Relative in dB with a 1-dB floor (near 0 dB a relative error is meaningless).
      const err = maxRelErr(db, refDb, 1);
      assert.ok(err < 1e-4, `max relative dB error ${err}`);
      const refP = loadF32(c.power);
      let peak = 0;
      for (const v of refP) peak = Math.max(peak, v);
      // Power values: relative to the spectrogram's peak (float32 storage).
      if (peak > 0) assert.ok(maxAbsErr(M.data, refP) / peak < 1e-5);
    });
  }
});

describe('mel filterbank', () => {
  it('matches librosa.filters.mel(sr=16000, n_fft=512, n_mels=40, fmin=30, fmax=7000)', () => {
    const fb = melFilterbankDense(melFilterbank(16000, 512, { nMels: 40, fmin: 30, fmax: 7000 }));
    const ref = loadF32(INDEX.melFilters);
    assert.deepEqual([fb.rows, fb.cols], INDEX.melFilters.shape);
    assert.ok(maxAbsErr(fb.data, ref) < 1e-7);
  });
  it('Slaney scale: published anchor points and round trip', () => {
    assert.ok(Math.abs(hzToMel(1000) - 15) < 1e-12);
    assert.ok(Math.abs(hzToMel(200) - 3) < 1e-12);
    assert.ok(Math.abs(melToHz(hzToMel(4321.5)) - 4321.5) < 1e-9);
    assert.ok(Math.abs(hzToMel(1000, true) - 2595 * Math.log10(1 + 1000 / 700)) < 1e-9); // HTK: 1000 Hz ≈ 1000 mel
  });
  it('rejects fmax above Nyquist with a clear error', () => {
    assert.throws(() => melFilterbank(8000, 256, { fmax: 5000 }), /above the Nyquist/);
  });
});

describe('melSpectrogram rules', () => {
  it('silence gives all-zero power, −100 dB with the default floor', () => {
    const M = melSpectrogram(new Float32Array(22050), 22050);
    assert.ok(M.data.every((v) => v === 0));
    assert.ok(powerToDb(M.data).every((v) => v === -100));
  });
  it('a 1-sample input gives one frame (repeated reflection), not an error', () => {
    const M = melSpectrogram(new Float32Array([0.5]), 22050, { nMels: 16 });
    assert.equal(M.cols, 1);
  });
  it('power 1 is the square root of the power-2 spectrum projected (magnitude mel)', () => {
    const { x } = loadSignal('tones_odd');
    const a = melSpectrogram(x.subarray(0, 8000), 22050, { nMels: 8, power: 1 });
    assert.equal(a.rows, 8);
    assert.ok(a.data.every((v) => v >= 0));
  });
});
