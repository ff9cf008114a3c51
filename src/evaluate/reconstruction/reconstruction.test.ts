/**
 * Reconstruction metrics on constructed cases (identical audio → perfect
 * agreement; unrelated → chance, exactly, by the mismatched-pair definition) and
 * the tagger: its circularity guard and its held-out report.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { MusicAttributes } from '../../generate/attributes.js';
import { Matrix } from '../../linalg/matrix.js';
import { GENRES, INSTRUMENT_FAMILIES } from '../../synth/music/index.js';
import { Rng } from '../../util/rng.js';
import { analyseAudio, estimateKey } from './acoustic.js';
import { type ClipAnalysis, PAIRWISE, reconstructionMetrics, tempoError } from './metrics.js';
import { type TaggerRepresentation, trainTagger } from './tagger.js';

const SR = 22050;

/** A clip with a pulse at `bpm` and a chord on `tonic`: 4 s, different per clip. */
function clip(bpm: number, tonic: number, brightness: number, gain: number): Float32Array {
  const n = 4 * SR;
  const x = new Float32Array(n);
  const beat = Math.round((60 / bpm) * SR);
  const f0 = 220 * 2 ** (tonic / 12);
  for (let i = 0; i < n; i++) {
    const t = i / SR;
    const env = Math.exp(-((i % beat) / SR) * 8);
    let v = 0;
    for (const [r, a] of [
      [1, 1],
      [1.26, 0.6],
      [1.5, 0.8],
      [2, 0.4 * brightness],
      [3, 0.3 * brightness],
    ] as const)
      v += a * Math.sin(2 * Math.PI * f0 * r * t);
    x[i] = gain * 0.1 * v * (0.3 + env);
  }
  return x;
}

function probs(rng: Rng, k: number): number[] {
  const p = Array.from({ length: k }, () => rng.uniform() ** 3);
  const s = p.reduce((a, b) => a + b, 0);
  return p.map((v) => v / s);
}

let quiet: ClipAnalysis['acoustic'] | null = null;
function analyses(n: number, seed: number, audio = true): ClipAnalysis[] {
  const rng = new Rng(seed);
  quiet ??= analyseAudio(clip(90, 0, 0, 0.5), SR);
  return Array.from({ length: n }, (_, i) => {
    const emb = new Float64Array(16);
    rng.fillNormal(emb);
    const instruments = probs(rng, INSTRUMENT_FAMILIES.length);
    return {
      embedding: emb,
      tags: { genre: probs(rng, 10), mood: probs(rng, 8), instruments, instrumentSalience: instruments },
      acoustic: audio
        ? analyseAudio(clip(80 + 13 * i, (5 * i) % 12, (i % 3) / 2, 0.5 + 0.3 * i), SR)
        : (quiet as ClipAnalysis['acoustic']),
    };
  });
}

describe('reconstruction metrics', () => {
  const stim = analyses(6, 1);

  it('identical audio agrees perfectly', () => {
    const m = reconstructionMetrics(stim, stim);
    assert.equal(m.identification?.value, 1);
    for (const k of ['genre_top2', 'instrument_top2', 'mood_top1', 'key_match'])
      assert.equal(m[k]?.value, 1, k);
    for (const k of ['logmel_r', 'chroma_r']) assert.ok(Math.abs((m[k]?.value as number) - 1) < 1e-12, k);
    for (const k of ['tempo_error_bpm', 'dynamics_diff_db']) assert.equal(m[k]?.value, 0, k);
    for (const k of Object.keys(PAIRWISE)) assert.ok(m[k]?.chance !== undefined && m[k]?.n === 6);
  });

  it('unrelated reconstructions score chance: the mean over all mismatched pairings', () => {
    const own = reconstructionMetrics(stim, stim);
    const sums: Record<string, number> = {};
    for (let s = 1; s < stim.length; s++) {
      const shifted = stim.map((_, i) => stim[(i + s) % stim.length] as ClipAnalysis);
      const m = reconstructionMetrics(stim, shifted);
      for (const k of Object.keys(PAIRWISE)) sums[k] = (sums[k] ?? 0) + (m[k]?.value as number);
    }
    for (const k of Object.keys(PAIRWISE))
      assert.ok(Math.abs((sums[k] as number) / (stim.length - 1) - (own[k]?.chance as number)) < 1e-9, k);
  });

  it('identification of unrelated embeddings is near 0.5', () => {
    const a = analyses(100, 2, false);
    const b = analyses(100, 3, false);
    const v = reconstructionMetrics(a, b).identification?.value as number;
    assert.ok(Math.abs(v - 0.5) < 0.1, `identification ${v}`);
  });

  it('acoustic estimates: tempo forgives octave errors, key from a chroma profile', () => {
    assert.equal(tempoError(60, 120), 0);
    assert.equal(tempoError(240, 120), 0);
    assert.equal(tempoError(100, 120), 20);
    const dMajor = Array.from({ length: 12 }, (_, pc) =>
      [2, 6, 9].includes(pc) ? 1 : [4, 7, 11, 1].includes(pc) ? 0.4 : 0.05,
    );
    assert.deepEqual({ t: estimateKey(dMajor).tonic, m: estimateKey(dMajor).major }, { t: 2, m: true });
    const s = analyseAudio(clip(100, 0, 0, 1), SR);
    assert.ok(tempoError(s.tempo, 100) < 3, `tempo ${s.tempo}`);
  });
});

describe('tagger', () => {
  const rep: TaggerRepresentation = {
    name: 'synthetic',
    fingerprint: 'synthetic:v1',
    dim: 6,
    features: () => new Float64Array(6),
  };
  // Features carry the genre (first 3 columns) and drums (column 3) plus noise.
  const rng = new Rng(9);
  const n = 200;
  const attrs: MusicAttributes[] = [];
  const F = Matrix.zeros(n, 6, 'float64');
  for (let i = 0; i < n; i++) {
    const genre = GENRES[i % 10] as MusicAttributes['genre'];
    const drums = rng.chance(0.5);
    attrs.push({
      id: `${genre}.${String(100 + i).padStart(5, '0')}`,
      genre,
      tempo: 100,
      meter: '4/4',
      swing: 0,
      tonic: 0,
      mode: 'major',
      instruments: drums ? ['drums', 'bass'] : ['bass'],
      energy: 0.5,
      valence: 0.5,
      mood: i % 2 ? 'happy' : 'sad',
      noteRate: 4,
    });
    const g = i % 10;
    F.data.set(
      [
        Math.cos(g) * 3 + rng.normal() * 0.3,
        Math.sin(g) * 3 + rng.normal() * 0.3,
        (g % 3) + rng.normal() * 0.3,
        drums ? 2 : -2,
        (i % 2) * 2 + rng.normal(),
        rng.normal(),
      ],
      i * 6,
    );
  }

  it('refuses to be built on the decoding representation (circularity guard)', async () => {
    await assert.rejects(
      trainTagger(F, attrs, { decoderFingerprint: 'synthetic:v1', representation: rep }),
      /circular/,
    );
  });

  it('reports held-out accuracy above its chance levels', async () => {
    const t = await trainTagger(F, attrs, { decoderFingerprint: 'dsp:v1:383', representation: rep, seed: 1 });
    assert.equal(t.report.nTrain + t.report.nHeldOut, n);
    const head = (h: string) =>
      t.report.heldOut.find((x) => x.head === h) as { value: number; chance: number };
    assert.ok(
      head('genre_top1').value > 0.6 && head('genre_top1').chance < 0.25,
      JSON.stringify(head('genre_top1')),
    );
    assert.ok(head('mood_top1').value > head('mood_top1').chance);
    const tags = await t.tagFeatures(new Matrix(1, 6, F.data.slice(0, 6)));
    assert.equal(tags[0]?.genre.indexOf(Math.max(...(tags[0]?.genre ?? []))), 0);
  });
});
