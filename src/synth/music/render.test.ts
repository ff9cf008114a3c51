import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { decodeAudioFile, melSpectrogram } from '../../audio/index.js';
import { pearson } from '../../evaluate/correlation.js';
import { applyLoudnessRule, PEAK_CEILING, renderScore, roomReverb } from './render.js';
import type { Score } from './score.js';
import { loadSoundfont, SOUNDFONTS } from './soundfonts.js';

/** Magnitude of the DFT of x at frequency f (Hz), by direct summation. */
function dftMag(x: Float32Array, sr: number, f: number): number {
  let re = 0;
  let im = 0;
  for (let i = 0; i < x.length; i++) {
    const w = (2 * Math.PI * f * i) / sr;
    re += (x[i] as number) * Math.cos(w);
    im -= (x[i] as number) * Math.sin(w);
  }
  return Math.hypot(re, im);
}

function oneNote(program: number, pitch: number, durationS = 1.5): Score {
  return {
    durationS,
    reverb: 0,
    parts: [{ channel: 0, role: 'lead', program, volume: 100, pan: 64 }],
    notes: [{ t: 0.1, dur: 1, channel: 0, pitch, vel: 100 }],
  };
}

describe('loudness rule', () => {
  it('matches the rule computed directly, and never exceeds the ceiling', () => {
    const sr = 1000;
    for (const [amp, crest] of [
      [0.01, 1],
      [0.5, 8],
      [3, 20],
    ] as const) {
      const x = new Float32Array(4000);
      for (let i = 0; i < x.length; i++) x[i] = amp * Math.sin(i / 7) * (i % 400 === 0 ? crest : 1);
      const ref = Array.from(x);
      const rms = Math.sqrt(ref.reduce((a, v) => a + v * v, 0) / ref.length);
      const peak = Math.max(...ref.map(Math.abs));
      const g = Math.min(10 ** (-18 / 20) / rms, (PEAK_CEILING * (1 - 1e-6)) / peak);
      const r = applyLoudnessRule(x, sr, -18);
      for (let i = 0; i < x.length; i += 97)
        assert.ok(Math.abs((x[i] as number) - (ref[i] as number) * g) < 1e-6);
      assert.ok(r.peak <= PEAK_CEILING);
      assert.equal(r.peakLimited, (PEAK_CEILING * (1 - 1e-6)) / peak < 10 ** (-18 / 20) / rms);
    }
  });
  it('rejects silence', () => {
    assert.throws(() => applyLoudnessRule(new Float32Array(10), 1000, -18), /silent/);
  });
});

describe('room reverb', () => {
  it('equals the textbook difference equations', () => {
    const sr = 8000;
    const x = new Float32Array(3000);
    x[0] = 1;
    x[700] = -0.5;
    const got = roomReverb(x, sr);
    // Reference: y[n] = x[n-d] + g·y[n-d] per comb (output ¼ each), then
    // all-pass v[n] = u[n] + g·v[n-d], y[n] = v[n-d] − g·v[n].
    const n = x.length;
    let acc = new Float64Array(n);
    for (const ms of [29.7, 37.1, 41.1, 43.7]) {
      const d = Math.round((ms / 1000) * sr);
      const g = 10 ** ((-3 * ms) / 1000 / 1.2);
      const y = new Float64Array(n);
      for (let i = 0; i < n; i++) y[i] = i >= d ? (x[i - d] as number) + g * (y[i - d] as number) : 0;
      for (let i = 0; i < n; i++) acc[i] = (acc[i] as number) + 0.25 * (y[i] as number);
    }
    for (const ms of [5, 1.7]) {
      const d = Math.round((ms / 1000) * sr);
      const v = new Float64Array(n);
      const out = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        v[i] = (acc[i] as number) + (i >= d ? 0.7 * (v[i - d] as number) : 0);
        out[i] = (i >= d ? (v[i - d] as number) : 0) - 0.7 * (v[i] as number);
      }
      acc = out;
    }
    for (let i = 0; i < n; i++)
      assert.ok(Math.abs((got[i] as number) - (acc[i] as number)) < 1e-5, `sample ${i}`);
  });
});

describe('renderScore', () => {
  for (const name of Object.keys(SOUNDFONTS)) {
    it(`renders the right pitch, length and level with ${name}, deterministically`, async () => {
      const bank = await loadSoundfont(name);
      const score = oneNote(0, 69); // piano A4
      const a = await renderScore(score, bank, { sampleRate: 22050 });
      const b = await renderScore(score, bank, { sampleRate: 22050 });
      assert.equal(a.samples.length, Math.round(1.5 * 22050));
      assert.deepEqual(a.samples, b.samples);
      let peak = 0;
      for (const v of a.samples) peak = Math.max(peak, Math.abs(v));
      assert.ok(peak <= PEAK_CEILING && peak > 0.1);
      // The fundamental of A4 (440 Hz) stands far above a quarter tone away.
      const seg = a.samples.subarray(2205, 2205 + 11025);
      const at = dftMag(seg, 22050, 440);
      assert.ok(at > 5 * dftMag(seg, 22050, 453), `${name}: 440 Hz ${at}`);
      assert.ok(at > 5 * dftMag(seg, 22050, 427));
      // Nothing sounds before the note starts at 0.1 s.
      let early = 0;
      for (let i = 0; i < 2000; i++) early = Math.max(early, Math.abs(a.samples[i] as number));
      assert.ok(early < 1e-3);
    });
  }
});

describe('renderScore against FluidSynth (reference renders in test/fixtures/synth-music)', () => {
  const FIX = join(import.meta.dirname, '..', '..', '..', 'test', 'fixtures', 'synth-music');
  const IDS = ['jazz.00011', 'metal.00020'];
  /** Log-mel spectrogram (40 bands, 80 dB floor), flattened. */
  const logMel = (x: Float32Array) => {
    const m = melSpectrogram(x, 22050, { nFft: 1024, hop: 256, nMels: 40, fmax: 11025 });
    const l = Array.from(m.data, (v) => Math.log10(v + 1e-12));
    const top = Math.max(...l);
    return l.map((v) => Math.max(top - 8, v));
  };
  for (const name of Object.keys(SOUNDFONTS)) {
    it(`matches FluidSynth's render of the same notes with ${name}`, async () => {
      const bank = await loadSoundfont(name);
      const specs: Record<string, { ours: number[]; ref: number[] }> = {};
      for (const id of IDS) {
        const score = JSON.parse(await readFile(join(FIX, `${id}.score.json`), 'utf8')) as Score;
        score.reverb = 0; // FluidSynth rendered with reverb and chorus off
        const ours = (await renderScore(score, bank)).samples;
        const ref = (await decodeAudioFile(join(FIX, `${id}.${name}.fluidsynth.wav`)))
          .channels[0] as Float32Array;
        assert.equal(ours.length, ref.length);
        specs[id] = { ours: logMel(ours), ref: logMel(ref) };
      }
      for (const id of IDS) {
        const r = pearson(specs[id]!.ours, specs[id]!.ref);
        assert.ok(r > 0.93, `${id}: r = ${r}`);
      }
      // Negative control: another score's reference agrees far less.
      const wrong = pearson(specs[IDS[0]!]!.ours, specs[IDS[1]!]!.ref);
      assert.ok(wrong < 0.85, `control r = ${wrong}`);
    });
  }
});
