import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BasicMIDI } from 'spessasynth_core';
import { composeTrack } from './compose.js';
import { scoreToMidi, TICKS_PER_SECOND } from './midi.js';

describe('scoreToMidi', () => {
  it('writes a file an independent parser (spessasynth_core) reads back note for note', () => {
    for (const id of ['jazz.00011', 'metal.00020', 'classical.00003']) {
      const score = composeTrack(id, 5).score;
      const bytes = scoreToMidi(score);
      const midi = BasicMIDI.fromArrayBuffer(
        bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer,
      );
      const parsed = midi
        .getNoteTimes()
        .flatMap((notes, ch) =>
          notes.map((n) => `${ch}:${n.midiNote}:${Math.round(n.start * TICKS_PER_SECOND)}:${n.velocity}`),
        );
      const expected = score.notes.map(
        (n) => `${n.channel}:${n.pitch}:${Math.max(0, Math.round(n.t * TICKS_PER_SECOND))}:${n.vel}`,
      );
      assert.deepEqual(parsed.sort(), expected.sort(), id);
      assert.ok(Math.abs(midi.duration - score.durationS) < 0.01, `${id}: ${midi.duration}`);
    }
  });
});
