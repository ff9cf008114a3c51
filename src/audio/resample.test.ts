import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { UserError } from '../util/errors.js';
import { besselI0, firwinKaiser, Resampler, resample } from './resample.js';
import { INDEX, loadF32, loadSignal, maxAbsErr } from './test-fixtures.js';

function tone(n: number, f: number, sr: number): Float32Array {
  return Float32Array.from({ length: n }, (_, i) => Math.sin((2 * Math.PI * f * i) / sr));
}

function rms(x: Float32Array, from = 0, to = x.length): number {
  let s = 0;
  for (let i = from; i < to; i++) s += (x[i] as number) ** 2;
  return Math.sqrt(s / (to - from));
}

describe('resample vs scipy.signal.resample_poly (fixtures)', () => {
  // biome-ignore lint/suspicious/noExplicitAny: fixture manifest entries
  for (const c of INDEX.cases.filter((k: any) => k.kind === 'resample')) {
    it(`${c.signal}: ${c.from} → ${c.to} Hz`, () => {
      const { x } = loadSignal(c.signal);
      const y = resample(x, c.from, c.to);
      const ref = loadF32(c.out);
      assert.equal(y.length, ref.length);
      assert.ok(maxAbsErr(y, ref) < 1e-6, `max abs error ${maxAbsErr(y, ref)}`);
    });
  }
});

describe('resampler quality (44.1 kHz → 22.05 kHz)', () => {
  const sr = 44100;
  const n = 44100;
  const inner = (y: Float32Array) => rms(y, 2000, y.length - 2000);
  it('passband: tones up to 0.8 × new Nyquist keep their level within 0.03 dB', () => {
    for (const f of [100, 1000, 5000, 8820]) {
      const y = resample(tone(n, f, sr), sr, 22050);
      const db = 20 * Math.log10(inner(y) / Math.SQRT1_2);
      assert.ok(Math.abs(db) < 0.03, `${f} Hz: ${db.toFixed(4)} dB`);
    }
  });
  it('stopband: tones above 1.18 × new Nyquist are attenuated by more than 55 dB', () => {
    for (const f of [13000, 14000, 15000, 20000]) {
      const y = resample(tone(n, f, sr), sr, 22050);
      const db = 20 * Math.log10(inner(y) / Math.SQRT1_2);
      assert.ok(db < -55, `${f} Hz: ${db.toFixed(1)} dB`);
    }
  });
  it('round trip 22.05 k → 44.1 k → 22.05 k of a band-limited tone is near exact', () => {
    const x = tone(22050, 3000, 22050);
    const back = resample(resample(x, 22050, 44100), 44100, 22050);
    assert.equal(back.length, x.length);
    let e = 0;
    for (let i = 1000; i < x.length - 1000; i++)
      e = Math.max(e, Math.abs((back[i] as number) - (x[i] as number)));
    assert.ok(e < 3e-3, `max error ${e}`); // the Kaiser(5) ripple, about −54 dB
  });
});

describe('resampler pieces and rules', () => {
  it('besselI0 matches tabulated values (Abramowitz & Stegun 9.8)', () => {
    assert.ok(Math.abs(besselI0(1) - 1.2660658777520082) < 1e-14);
    assert.ok(Math.abs(besselI0(5) - 27.239871823604442) < 1e-11);
  });
  it('firwin: unit DC gain and symmetry', () => {
    const h = firwinKaiser(41, 0.5);
    assert.ok(Math.abs(h.reduce((a, b) => a + b, 0) - 1) < 1e-12);
    for (let i = 0; i < 20; i++) assert.ok(Math.abs((h[i] as number) - (h[40 - i] as number)) < 1e-15);
  });
  it('reduces the ratio by the gcd and predicts the output length', () => {
    const r = new Resampler(48000, 22050);
    assert.deepEqual([r.up, r.down], [147, 320]);
    assert.equal(r.outputLength(48000), 22050);
    assert.equal(resample(new Float32Array(7), 44100, 22050).length, 4);
  });
  it('equal rates copy; bad rates are a UserError', () => {
    const x = new Float32Array([1, 2, 3]);
    const y = resample(x, 8000, 8000);
    assert.deepEqual(Array.from(y), [1, 2, 3]);
    assert.notEqual(y, x);
    assert.throws(() => resample(x, 22050.5, 8000), UserError);
    assert.throws(() => resample(x, 0, 8000), UserError);
  });
});
