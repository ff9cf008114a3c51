/**
 * Test fixture (independent truth for transcription tests): a known 16-note
 * C-major melody, one note per beat at 100 BPM, as a score for the project's
 * soundfont renderer.
 */
import type { Score } from '../../synth/music/index.js';
import type { Transcription } from './transcribe.js';

export const MELODY_BPM = 100;
/** MIDI pitches; the melody starts and ends on C and outlines the tonic triad. */
export const MELODY_PITCHES = [60, 64, 67, 72, 71, 67, 65, 62, 60, 64, 67, 65, 64, 62, 59, 60];
/** Onsets in seconds: beat i at 0.3 + 0.6·i. */
export const MELODY_ONSETS = MELODY_PITCHES.map((_, i) => 0.3 + (i * 60) / MELODY_BPM);

/** The melody on one GM program (default piano), 0.5-s notes, dry. */
export function melodyScore(durationS = 10.5, program = 0): Score {
  return {
    durationS,
    reverb: 0,
    parts: [{ channel: 0, role: 'lead', program, volume: 100, pan: 64 }],
    notes: MELODY_PITCHES.map((pitch, i) => ({
      t: MELODY_ONSETS[i] as number,
      dur: 0.5,
      channel: 0,
      pitch,
      vel: 100,
    })),
  };
}

/** Melody notes matched one-to-one by a transcribed note of the same pitch with an onset within `tolS`. */
export function matchedNotes(tr: Transcription, tolS = 0.07): number {
  const used = new Set<number>();
  let hits = 0;
  MELODY_PITCHES.forEach((p, i) => {
    const t = MELODY_ONSETS[i] as number;
    const j = tr.notes.findIndex((n, k) => !used.has(k) && n.pitch === p && Math.abs(n.onset - t) <= tolS);
    if (j >= 0) {
      used.add(j);
      hits++;
    }
  });
  return hits;
}
