import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  CHORD_QUALITIES,
  chordPitchClasses,
  nearestPitch,
  parseProgression,
  pitchAtOrAbove,
  progressionBars,
  voiceChord,
} from './theory.js';

describe('parseProgression', () => {
  it('reads numerals, case, accidentals, suffixes and lengths', () => {
    const p = parseProgression('I vi7 bVII5 ii°7 V7*2 IVmaj7/2 i9');
    assert.deepEqual(
      p.map((c) => [c.root, c.quality, c.bars]),
      [
        [0, 'maj', 1],
        [9, 'm7', 1],
        [10, '5', 1],
        [2, 'm7b5', 1],
        [7, '7', 2],
        [5, 'maj7', 0.5],
        [0, 'm9', 1],
      ],
    );
    assert.equal(progressionBars(p), 7.5);
  });
  it('rejects malformed symbols', () => {
    assert.throws(() => parseProgression('I X V'));
    assert.throws(() => parseProgression('Iqq'));
  });
  it('spells chords in a key (A major: E7 = E G# B D)', () => {
    assert.deepEqual(chordPitchClasses(9, { root: 7, quality: '7', bars: 1 }), [4, 8, 11, 2]);
  });
});

describe('pitch helpers', () => {
  it('nearestPitch matches a brute-force search', () => {
    for (let pc = 0; pc < 12; pc++) {
      for (let c = 30; c < 90; c++) {
        let best = -1;
        for (let p = 0; p < 128; p++)
          if (p % 12 === pc && (best < 0 || Math.abs(p - c) < Math.abs(best - c))) best = p;
        const got = nearestPitch(pc, c);
        assert.equal(got % 12, pc);
        assert.equal(Math.abs(got - c), Math.abs(best - c), `pc ${pc} centre ${c}`);
      }
    }
  });
  it('pitchAtOrAbove is the lowest such pitch', () => {
    for (let pc = 0; pc < 12; pc++)
      for (let lo = 20; lo < 80; lo++) {
        const p = pitchAtOrAbove(pc, lo);
        assert.ok(p >= lo && p < lo + 12 && p % 12 === pc);
      }
  });
  it('voiceChord keeps every chord tone, inside the register, and moves little', () => {
    for (const [q, ivs] of Object.entries(CHORD_QUALITIES)) {
      const pcs = ivs.map((i) => (2 + i) % 12);
      const v = voiceChord(pcs, 52);
      assert.deepEqual(new Set(v.map((p) => p % 12)), new Set(pcs), q);
      assert.ok(v[0] >= 52 && (v[v.length - 1] as number) <= 52 + 24, q);
      for (let k = 1; k < v.length; k++) assert.ok((v[k] as number) > (v[k - 1] as number));
    }
    // C major to F major from C-E-G: the smoothest choice is C-F-A (C stays).
    assert.deepEqual(voiceChord([5, 9, 0], 52, [60, 64, 67]), [60, 65, 69]);
  });
});
