import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Matrix } from '../linalg/matrix.js';
import { Rng } from '../util/rng.js';
import { chroma, chromaFilterbank } from './chroma.js';
import { delta, mfcc, savgolDerivativeWeights } from './mfcc.js';
import { estimateTempo, onsetStrength } from './onset.js';
import { extremeSums, spectralFeatures } from './spectral.js';
import { INDEX, loadF32, loadSignal, maxAbsErr, maxRelErr } from './test-fixtures.js';

// biome-ignore lint/suspicious/noExplicitAny: fixture manifest entries
const cases = INDEX.cases.filter((c: any) => c.kind === 'features');

/** Max |a − b| relative to the reference's largest magnitude. */
function scaledErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < b.length; i++) m = Math.max(m, Math.abs(b[i] as number));
  return maxAbsErr(a, b) / Math.max(m, 1e-30);
}

describe('features vs the numpy/scipy mirror of librosa (fixtures)', () => {
  for (const c of cases) {
    const { x, sampleRate: sr } = loadSignal(c.signal);
    it(`${c.signal}: mfcc (20) and deltas (width 9, order 1 and 2)`, () => {
      const M = mfcc(x, sr);
      assert.deepEqual([M.rows, M.cols], c.mfcc.shape);
      assert.ok(maxRelErr(M.data, loadF32(c.mfcc), 1) < 1e-4);
      const d1 = delta(M);
      const d2 = delta(M, { order: 2 });
      assert.ok(
        maxAbsErr(d1.data, loadF32(c.delta1)) < 1e-3,
        `delta1 ${maxAbsErr(d1.data, loadF32(c.delta1))}`,
      );
      assert.ok(maxAbsErr(d2.data, loadF32(c.delta2)) < 1e-3);
    });
    it(`${c.signal}: chroma (tuning 0, inf-norm)`, () => {
      const C = chroma(x, sr);
      assert.deepEqual([C.rows, C.cols], c.chroma.shape);
      assert.ok(maxAbsErr(C.data, loadF32(c.chroma)) < 1e-5, `${maxAbsErr(C.data, loadF32(c.chroma))}`);
    });
    it(`${c.signal}: centroid, bandwidth, rolloff, flatness, contrast`, () => {
      const f = spectralFeatures(x, sr);
      assert.ok(
        scaledErr(f.centroid, loadF32(c.centroid)) < 1e-5 ||
          maxAbsErr(f.centroid, loadF32(c.centroid)) < 1e-3,
      );
      assert.ok(maxAbsErr(f.bandwidth, loadF32(c.bandwidth)) < 1e-2);
      assert.deepEqual(Array.from(f.rolloff), Array.from(loadF32(c.rolloff)));
      assert.ok(maxRelErr(f.flatness, loadF32(c.flatness), 1e-6) < 1e-4);
      assert.deepEqual([f.contrast.rows, f.contrast.cols], c.contrast.shape);
      assert.ok(
        maxAbsErr(f.contrast.data, loadF32(c.contrast)) < 1e-3,
        `${maxAbsErr(f.contrast.data, loadF32(c.contrast))}`,
      );
    });
    it(`${c.signal}: onset strength`, () => {
      const e = onsetStrength(x, sr);
      assert.ok(maxAbsErr(e, loadF32(c.onset)) < 1e-4, `${maxAbsErr(e, loadF32(c.onset))}`);
    });
  }
  it('chroma filterbank = librosa.filters.chroma(sr=22050, n_fft=2048)', () => {
    const fb = chromaFilterbank(22050, 2048);
    assert.deepEqual([fb.rows, fb.cols], INDEX.chromaFilters.shape);
    assert.ok(maxAbsErr(fb.data, loadF32(INDEX.chromaFilters)) < 1e-7);
  });
  it('delta = scipy.signal.savgol_filter(mode="interp") on random data, width 5', () => {
    const s = INDEX.savgol;
    const X = new Matrix(3, 17, loadF32(s.input));
    assert.ok(maxAbsErr(delta(X, { width: 5 }).data, loadF32(s.delta1)) < 1e-6);
    assert.ok(maxAbsErr(delta(X, { width: 5, order: 2 }).data, loadF32(s.delta2)) < 1e-6);
  });
});

describe('feature rules', () => {
  it('savgol weights: first derivative is k/Σk² (published closed form)', () => {
    const w = savgolDerivativeWeights(5, 1);
    assert.ok(maxAbsErr(w, [-0.2, -0.1, 0, 0.1, 0.2]) < 1e-12);
  });
  it('delta refuses inputs shorter than its window, naming a fix', () => {
    assert.throws(() => delta(Matrix.zeros(2, 5)), /at least width = 9 frames/);
  });
  it('a pure A4 tone puts chroma peak on A (row 9 from C)', () => {
    const x = Float32Array.from({ length: 22050 }, (_, i) => Math.sin((2 * Math.PI * 440 * i) / 22050));
    const C = chroma(x, 22050);
    const t = 20;
    let best = 0;
    for (let c = 0; c < 12; c++)
      if ((C.data[c * C.cols + t] as number) > (C.data[best * C.cols + t] as number)) best = c;
    assert.equal(best, 9);
  });
  it('tempo of click tracks at 90, 120 and 150 BPM is found within 2 %', () => {
    const sr = 22050;
    const rng = new Rng(5);
    for (const bpm of [90, 120, 150]) {
      const x = new Float32Array(20 * sr);
      for (let i = 0; i < x.length; i++) x[i] = 0.01 * rng.normal();
      const period = (60 / bpm) * sr;
      for (let b = 0; b * period < x.length; b++) {
        const s = Math.round(b * period);
        for (let i = 0; i < 400 && s + i < x.length; i++)
          x[s + i] = (x[s + i] as number) + Math.exp(-i / 60) * Math.sin(i * 0.9);
      }
      const est = estimateTempo(onsetStrength(x, sr), sr / 512);
      assert.ok(Math.abs(est.bpm / bpm - 1) < 0.02, `${bpm} BPM → ${est.bpm.toFixed(2)}`);
    }
  });
  it('silence has no tempo (bpm 0) and too-short input is a clear error', () => {
    assert.equal(estimateTempo(new Float32Array(500), 43).bpm, 0);
    assert.throws(() => estimateTempo(new Float32Array(10), 43), /too short/);
  });
});

describe('spectral contrast selection', () => {
  it('sums the k smallest and k largest exactly as a full sort does, ties and overlaps included', () => {
    const rng = new Rng('extreme-sums');
    const scratch = new Float64Array(600);
    const small = new Float64Array(300);
    const large = new Float64Array(300);
    for (let trial = 0; trial < 400; trial++) {
      const len = 1 + rng.int(0, 500);
      // Coarse values make ties common (silent bins are exact zeros in real spectra).
      const coarse = trial % 3 === 0;
      const x = Float64Array.from({ length: len + 20 }, () =>
        coarse ? rng.int(0, 6) / 4 : Math.abs(rng.normal()) * 10 ** rng.int(-3, 3),
      );
      const lo = rng.int(0, 20);
      const k = Math.max(1, trial % 5 === 0 ? rng.int(1, len) : Math.round(0.02 * len));
      const view = x.slice(lo, lo + len).sort();
      let a = 0;
      let b = 0;
      for (let i = 0; i < k; i++) {
        a += view[i] as number;
        b += view[len - 1 - i] as number;
      }
      const [sa, sb] = extremeSums(x, lo, lo + len, k, scratch, small, large);
      assert.ok(
        Object.is(sa, a) && Object.is(sb, b),
        `trial ${trial}: len ${len} k ${k}: ${sa} ${a} / ${sb} ${b}`,
      );
    }
  });
});
