/**
 * Conditioning is honoured: a composition asked for fixed attributes has them in
 * its record (measured from the notes) and in its audio (re-estimated by the
 * reconstruction analysis), and an unconditioned composition is unchanged.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { analyseAudio } from '../evaluate/reconstruction/acoustic.js';
import {
  compose,
  composeTrack,
  describe as describeTrack,
  GENRES,
  loadSoundfont,
  renderScore,
} from '../synth/music/index.js';
import { Rng } from '../util/rng.js';
import { MOODS } from './attributes.js';
import { sampleRequest } from './condition.js';
import type { PredictedAttributes } from './probes.js';

describe('composer conditioning', () => {
  it('leaves an unconditioned composition byte for byte as it was', () => {
    for (const g of GENRES) {
      const a = compose(g, new Rng(`same:${g}`), { durationS: 15 });
      const b = compose(g, new Rng(`same:${g}`), { durationS: 15, condition: {} });
      assert.deepEqual(b, a);
    }
  });

  it('imposes tempo, key, meter and swing; the audio re-estimates tempo and tonic', async () => {
    const bank = await loadSoundfont('fluidr3mono');
    const cases = [
      { genre: 'rock', tempo: 96, tonic: 2, mode: 'minor', key: 'D minor' },
      { genre: 'pop', tempo: 120, tonic: 7, mode: 'major', key: 'G major' },
    ] as const;
    for (const c of cases) {
      const comp = compose(c.genre, new Rng(`honour:${c.genre}`), {
        durationS: 15,
        condition: {
          tempo: c.tempo,
          tonic: c.tonic,
          mode: c.mode,
          beatsPerBar: 4,
          swing: 0,
          presence: { drums: 1 },
        },
      });
      const rec = describeTrack('x', comp);
      assert.equal(rec.tempo, c.tempo);
      assert.equal(rec.key, c.key);
      assert.equal(rec.meter, '4/4');
      assert.equal(rec.swing, 0);
      assert.ok(rec.instruments.includes('drums'));
      const audio = await renderScore(comp.score, bank, { sampleRate: 22050 });
      const est = analyseAudio(audio.samples, 22050);
      assert.ok(Math.abs(est.tempo - c.tempo) < 3, `${c.genre}: tempo ${est.tempo} vs ${c.tempo}`);
      assert.equal(est.key.tonic, c.tonic, `${c.genre}: tonic`);
    }
  });

  it("anchored: the retrieved track's own stream, moved to the predicted tempo and key", () => {
    const id = 'jazz.00105';
    const original = composeTrack(id, 3);
    // The anchored generator recomposes on the track's seed stream: unconditioned, that is the track.
    assert.deepEqual(compose('jazz', new Rng(`music:3:${id}`), {}), original);
    const varied = compose('jazz', new Rng(`music:3:${id}`), {
      condition: { tempo: 150, tonic: 9, mode: 'minor', familyWeights: { piano: 1 }, otherFamilies: 0.05 },
    });
    // Same form (a faster tempo may need more sections to fill the excerpt) and the same roles.
    const common = Math.min(varied.form.length, original.form.length);
    assert.deepEqual(varied.form.slice(0, common), original.form.slice(0, common));
    assert.deepEqual(
      varied.parts.map((p: { role: string }) => p.role),
      original.parts.map((p: { role: string }) => p.role),
    );
    assert.equal(varied.tempo, 150);
    assert.equal(describeTrack(id, varied).key, 'A minor');
    assert.notEqual(original.tempo, 150);
  });

  it('samples genre and instruments from the probabilities, and imposes the rest', () => {
    const uniform = (names: readonly string[]) => Object.fromEntries(names.map((n) => [n, 1 / names.length]));
    const p: PredictedAttributes = {
      genre: { ...(uniform(GENRES) as PredictedAttributes['genre']), jazz: 0, metal: 0 },
      mood: uniform(MOODS) as PredictedAttributes['mood'],
      mode: { major: 0.1, minor: 0.7, dorian: 0.1, mixolydian: 0.05, harmonicMinor: 0.05, phrygian: 0 },
      tonic: Array.from({ length: 12 }, (_, i) => (i === 4 ? 0.5 : 0.5 / 11)),
      meter: { '3/4': 0.2, '4/4': 0.8 },
      tempo: 133.3,
      swing: 0.01,
      energy: 0.6,
      valence: 0.4,
      noteRate: 5,
      instruments: {
        drums: 1,
        bass: 0.5,
        piano: 0,
        keys: 0,
        organ: 0,
        acoustic_guitar: 0,
        electric_guitar: 0,
        distorted_guitar: 0,
        strings: 0.5,
        brass: 0,
        woodwinds: 0,
        saxophone: 0,
        synth: 0,
        voice: 0,
        mallets: 0,
        folk: 0,
      },
    };
    const genres = new Set<string>();
    let withBass = 0;
    for (let k = 0; k < 200; k++) {
      const r = sampleRequest(p, new Rng(`s:${k}`));
      genres.add(r.genre);
      if (r.families.includes('bass')) withBass++;
      assert.ok(r.families.includes('drums') && !r.families.includes('piano'));
      assert.equal(r.tempo, 133.3);
      assert.equal(r.key, 'E minor');
      assert.equal(r.meter, '4/4');
      assert.equal(r.swing, 0);
    }
    assert.ok(!genres.has('jazz') && !genres.has('metal'));
    assert.ok(genres.size >= 6, `only ${genres.size} genres drawn`);
    assert.ok(withBass > 70 && withBass < 130, `bass drawn ${withBass}/200 times at p = 0.5`);
  });
});
