/**
 * Standard MIDI File (SMF format 0) export of a Score, so any other synthesizer
 * (FluidSynth, a DAW) can play the exact notes the twin rendered. Times are in
 * seconds, so the file uses a fixed tempo of 120 bpm with 960 ticks per quarter
 * note: one tick is 1/1920 s (0.52 ms), finer than any timing the composer writes.
 */
import { DRUM_CHANNEL, type Score } from './score.js';

export const TICKS_PER_QUARTER = 960;
/** Ticks per second at the fixed 120 bpm. */
export const TICKS_PER_SECOND = TICKS_PER_QUARTER * 2;

function varLen(n: number): number[] {
  const bytes = [n & 0x7f];
  for (let v = n >>> 7; v > 0; v >>>= 7) bytes.unshift((v & 0x7f) | 0x80);
  return bytes;
}

interface TimedMessage {
  tick: number;
  /** Sort order at equal ticks: setup, note-offs, note-ons. */
  order: number;
  bytes: number[];
}

/** Encodes `score` as SMF format-0 bytes. */
export function scoreToMidi(score: Score): Uint8Array {
  const msgs: TimedMessage[] = [];
  msgs.push({ tick: 0, order: 0, bytes: [0xff, 0x51, 0x03, 0x07, 0xa1, 0x20] }); // 500,000 µs per quarter
  for (const p of score.parts) {
    const ch = p.channel & 0x0f;
    msgs.push({ tick: 0, order: 0, bytes: [0xc0 | ch, p.program & 0x7f] });
    msgs.push({ tick: 0, order: 0, bytes: [0xb0 | ch, 7, p.volume & 0x7f] });
    msgs.push({ tick: 0, order: 0, bytes: [0xb0 | ch, 10, p.pan & 0x7f] });
  }
  if (!score.parts.some((p) => p.channel === DRUM_CHANNEL))
    msgs.push({ tick: 0, order: 0, bytes: [0xb0 | DRUM_CHANNEL, 7, 0] });
  for (const n of score.notes) {
    const on = Math.max(0, Math.round(n.t * TICKS_PER_SECOND));
    const off = Math.max(on + 1, Math.round((n.t + n.dur) * TICKS_PER_SECOND));
    msgs.push({ tick: on, order: 2, bytes: [0x90 | n.channel, n.pitch, n.vel] });
    msgs.push({ tick: off, order: 1, bytes: [0x80 | n.channel, n.pitch, 0] });
  }
  const end = Math.round(score.durationS * TICKS_PER_SECOND);
  msgs.sort((a, b) => a.tick - b.tick || a.order - b.order);
  const track: number[] = [];
  let last = 0;
  for (const m of msgs) {
    track.push(...varLen(m.tick - last), ...m.bytes);
    last = m.tick;
  }
  track.push(...varLen(Math.max(0, end - last)), 0xff, 0x2f, 0x00);
  const out = new Uint8Array(14 + 8 + track.length);
  const v = new DataView(out.buffer);
  out.set([0x4d, 0x54, 0x68, 0x64], 0); // MThd
  v.setUint32(4, 6);
  v.setUint16(8, 0);
  v.setUint16(10, 1);
  v.setUint16(12, TICKS_PER_QUARTER);
  out.set([0x4d, 0x54, 0x72, 0x6b], 14); // MTrk
  v.setUint32(18, track.length);
  out.set(track, 22);
  return out;
}
