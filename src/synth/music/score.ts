/**
 * The note-level event model between the composer and the renderer: what a MIDI file
 * holds, in seconds rather than ticks (the composer already knows the tempo), so that
 * swing and human timing need no tick grid.
 */

/** What a part does in the arrangement; also the unit the attributes talk about. */
export type Role = 'drums' | 'bass' | 'harmony' | 'pad' | 'lead' | 'counter';

/** One MIDI channel's setup. Channel 9 is the General MIDI percussion channel. */
export interface Part {
  channel: number;
  role: Role;
  /** General MIDI program 0–127 (on channel 9: the drum kit number). */
  program: number;
  /** Channel volume, CC 7 (0–127). */
  volume: number;
  /** Pan, CC 10 (0 left, 64 centre, 127 right); the mix is folded to mono later. */
  pan: number;
}

/** One note. */
export interface Note {
  /** Onset in seconds from the start of the rendered track (may be < 0: cut at 0). */
  t: number;
  /** Duration in seconds (> 0). */
  dur: number;
  channel: number;
  /** MIDI pitch 0–127 (on channel 9: the drum sound). */
  pitch: number;
  /** MIDI velocity 1–127. */
  vel: number;
}

/** A complete arrangement, ready to render. */
export interface Score {
  /** Length to render, in seconds. */
  durationS: number;
  parts: Part[];
  /** Notes in any order; the renderer sorts them. */
  notes: Note[];
  /** Share of a simple room reverb in the mono mix (0 dry … 1 wet). */
  reverb: number;
}

export const DRUM_CHANNEL = 9;

/** Clamps a value into a MIDI data byte range. */
export function midiByte(v: number, lo = 0, hi = 127): number {
  return Math.max(lo, Math.min(hi, Math.round(v)));
}

/** Keeps notes that sound inside [0, durationS), cutting those that cross the edges. */
export function trimNotes(notes: readonly Note[], durationS: number): Note[] {
  const out: Note[] = [];
  for (const n of notes) {
    const end = n.t + n.dur;
    if (end <= 0 || n.t >= durationS) continue;
    const t = Math.max(0, n.t);
    out.push({ ...n, t, dur: Math.min(end, durationS) - t });
  }
  return out;
}
