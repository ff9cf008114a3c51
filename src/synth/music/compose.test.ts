import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Rng } from '../../util/rng.js';
import { Arrangement } from './arrangement.js';
import { ATTRIBUTE_VECTOR_NAMES, attributeVector, caption, describe as describeTrack } from './attributes.js';
import { composeTrack } from './compose.js';
import { GENRES } from './genres.js';
import { GM } from './instruments.js';
import { DRUM_CHANNEL } from './score.js';

const N_PER_GENRE = 24;

describe('Arrangement time grid', () => {
  it('maps bars to seconds with swing exactly as defined', () => {
    const straight = new Arrangement(
      { tempo: 120, beatsPerBar: 4, swing: 0, swingUnit: 0.5, timingJitter: 0 },
      0,
      new Rng(1),
    );
    for (const bar of [0, 0.125, 0.3, 1, 2.5]) assert.ok(Math.abs(straight.seconds(bar) - bar * 2) < 1e-12);
    const swung = new Arrangement(
      { tempo: 60, beatsPerBar: 4, swing: 1 / 6, swingUnit: 0.5, timingJitter: 0 },
      0,
      new Rng(1),
    );
    // At 60 bpm a beat is 1 s; the off-beat eighth lands on the last triplet (2/3 s).
    assert.ok(Math.abs(swung.seconds(0.125) - 2 / 3) < 1e-12);
    assert.ok(Math.abs(swung.seconds(0.25) - 1) < 1e-12);
    assert.ok(Math.abs(swung.seconds(1 + 0.125 + 0.25) - (4 + 2 / 3 + 1)) < 1e-12);
  });
});

describe('composer', () => {
  it('is deterministic per (id, seed) and differs across seeds', () => {
    const a = JSON.stringify(composeTrack('jazz.00042', 3).score);
    const b = JSON.stringify(composeTrack('jazz.00042', 3).score);
    const c = JSON.stringify(composeTrack('jazz.00042', 4).score);
    assert.equal(a, b);
    assert.notEqual(a, c);
  });

  const byGenre = new Map(
    GENRES.map((g) => [
      g,
      Array.from({ length: N_PER_GENRE }, (_, k) => composeTrack(`${g}.${String(k).padStart(5, '0')}`, 0)),
    ]),
  );

  it('writes valid notes inside the 30-s excerpt, for every genre', () => {
    for (const [g, tracks] of byGenre) {
      for (const c of tracks) {
        assert.ok(c.score.notes.length > 20, `${g}: ${c.score.notes.length} notes`);
        const channels = new Set(c.score.parts.map((p) => p.channel));
        const bad = c.score.notes.filter(
          (n) =>
            !(n.t >= 0 && n.t < 30 && n.dur > 0 && n.t + n.dur <= 30 + 1e-9) ||
            !(Number.isInteger(n.pitch) && n.pitch >= 0 && n.pitch <= 127) ||
            !(Number.isInteger(n.vel) && n.vel >= 1 && n.vel <= 127) ||
            !channels.has(n.channel),
        );
        assert.deepEqual(bad, [], g);
        for (const p of c.score.parts)
          if (p.channel !== DRUM_CHANNEL) assert.ok(GM[p.program], `${p.program}`);
        const [lo, hi] = c.genre === 'classical' ? [54, 150] : [60, 220];
        assert.ok(c.tempo >= lo && c.tempo <= hi);
      }
    }
  });

  it('gives classical no drums and every other genre mostly drums', () => {
    const drumShare = (g: string) =>
      (byGenre.get(g as never) ?? []).filter((c) => c.parts.some((p) => p.role === 'drums')).length /
      N_PER_GENRE;
    assert.equal(drumShare('classical'), 0);
    for (const g of GENRES) if (g !== 'classical') assert.ok(drumShare(g) >= 0.75, `${g} ${drumShare(g)}`);
  });

  it('varies inside a genre: no instrument is in every track of its genre', () => {
    for (const [g, tracks] of byGenre) {
      const counts = new Map<string, number>();
      for (const c of tracks)
        for (const p of new Set(c.parts.filter((q) => q.role !== 'drums').map((q) => q.program)))
          counts.set(String(p), (counts.get(String(p)) ?? 0) + 1);
      const most = Math.max(...counts.values());
      assert.ok(most < N_PER_GENRE, `${g}: one program in all ${most} tracks`);
      assert.ok(counts.size >= 6, `${g}: only ${counts.size} programs`);
      const tempos = tracks.map((c) => c.tempo);
      assert.ok(Math.max(...tempos) - Math.min(...tempos) > 10, `${g}: tempo range`);
      assert.ok(new Set(tracks.map((c) => c.tonic)).size >= 4, `${g}: keys`);
    }
  });

  it('shares instruments between neighbouring genres', () => {
    const programs = (g: string) =>
      new Set(
        (byGenre.get(g as never) ?? []).flatMap((c) =>
          c.parts.filter((p) => p.role !== 'drums').map((p) => p.program),
        ),
      );
    for (const [a, b] of [
      ['rock', 'metal'],
      ['disco', 'pop'],
      ['blues', 'jazz'],
    ]) {
      const shared = [...programs(a)].filter((p) => programs(b).has(p));
      assert.ok(shared.length >= 2, `${a}/${b} share ${shared.length}`);
    }
  });
});

describe('attributes and captions', () => {
  it('describes tracks with values in range and a one-hot genre vector', () => {
    for (const g of GENRES) {
      const id = `${g}.00007`;
      const c = composeTrack(id, 1);
      const a = describeTrack(id, c);
      assert.equal(a.genre, g);
      assert.ok(a.energy >= 0 && a.energy <= 1 && a.valence >= 0 && a.valence <= 1);
      const v = attributeVector(a);
      assert.equal(v.length, ATTRIBUTE_VECTOR_NAMES.length);
      assert.equal(
        v.slice(0, GENRES.length).reduce((x, y) => x + y, 0),
        1,
      );
      assert.equal(v[GENRES.indexOf(g)], 1);
      const text = caption(a, c, 1);
      assert.equal(text, caption(a, c, 1));
      const sentences = text.split(/(?<=\.)\s+/);
      assert.ok(sentences.length >= 4 && sentences.length <= 5, text);
      assert.ok(text.includes(String(Math.round(a.tempo))), text);
      assert.ok(text.includes(a.key), text);
      assert.ok(!/\b(\w+) \1\b/i.test(text), `repeated word: ${text}`);
    }
  });

  it('makes metal more energetic than classical on average', () => {
    const mean = (g: string) => {
      let s = 0;
      for (let k = 0; k < 12; k++) {
        const id = `${g}.${String(k).padStart(5, '0')}`;
        s += describeTrack(id, composeTrack(id, 0)).energy;
      }
      return s / 12;
    };
    assert.ok(mean('metal') > mean('classical') + 0.15);
  });
});
