/**
 * The arrangement under construction: the song's time grid (tempo, meter, swing),
 * its form (sections with energy and active layers), the chord timeline, and the
 * notes the part writers add. Positions are in bars from the song's start
 * (1.25 = the second beat of bar 1 in 4/4); seconds come out only in `toScore`.
 */
import type { Rng } from '../../util/rng.js';
import { midiByte, type Note, type Part, type Role, type Score, trimNotes } from './score.js';
import { type ChordSymbol, chordPitchClasses } from './theory.js';

export interface Section {
  /** Form label ("intro", "verse", "chorus", "bridge", "solo", "outro"). */
  name: string;
  startBar: number;
  bars: number;
  /** Loudness and busyness, 0–1. */
  energy: number;
  /** Which roles play in this section. */
  layers: Set<Role>;
}

export interface ChordSpan {
  startBar: number;
  bars: number;
  chord: ChordSymbol;
  /** Pitch classes of the chord (root first). */
  pcs: number[];
  /** Pitch class of the root. */
  rootPc: number;
}

export interface TimeGrid {
  tempo: number;
  beatsPerBar: number;
  /**
   * Swing: the off-beat of each pair of eighths (or sixteenths) moves from half-way
   * to 0.5 + swing of the pair (1/6 = triplet feel); `swingUnit` 0.5 swings
   * eighths, 0.25 sixteenths (in beats).
   */
  swing: number;
  swingUnit: number;
  /** Standard deviation of human timing error, seconds. */
  timingJitter: number;
}

export class Arrangement {
  readonly grid: TimeGrid;
  readonly sections: Section[] = [];
  readonly chords: ChordSpan[] = [];
  readonly notes: Note[] = [];
  readonly parts: Part[] = [];
  readonly tonic: number;
  private readonly rng: Rng;

  constructor(grid: TimeGrid, tonic: number, rng: Rng) {
    this.grid = grid;
    this.tonic = tonic;
    this.rng = rng;
  }

  get barSeconds(): number {
    return (this.grid.beatsPerBar * 60) / this.grid.tempo;
  }

  get totalBars(): number {
    const last = this.sections[this.sections.length - 1];
    return last ? last.startBar + last.bars : 0;
  }

  addSection(name: string, bars: number, energy: number, layers: Iterable<Role>): Section {
    const s: Section = { name, startBar: this.totalBars, bars, energy, layers: new Set(layers) };
    this.sections.push(s);
    return s;
  }

  /** Lays `prog` over `bars` bars from `startBar`, repeating it as needed. */
  addChords(startBar: number, bars: number, prog: readonly ChordSymbol[]): void {
    let pos = startBar;
    let i = 0;
    while (pos < startBar + bars - 1e-9) {
      const chord = prog[i % prog.length] as ChordSymbol;
      const len = Math.min(chord.bars, startBar + bars - pos);
      const pcs = chordPitchClasses(this.tonic, chord);
      this.chords.push({ startBar: pos, bars: len, chord, pcs, rootPc: pcs[0] as number });
      pos += len;
      i++;
    }
  }

  /** The chord sounding at `bar` (the last one if past the end). */
  chordAt(bar: number): ChordSpan {
    let lo = 0;
    let hi = this.chords.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((this.chords[mid] as ChordSpan).startBar <= bar + 1e-9) lo = mid;
      else hi = mid - 1;
    }
    return this.chords[lo] as ChordSpan;
  }

  sectionAt(bar: number): Section {
    for (const s of this.sections) if (bar < s.startBar + s.bars) return s;
    return this.sections[this.sections.length - 1] as Section;
  }

  /** Seconds at a bar position, with swing applied inside each beat. */
  seconds(bar: number): number {
    const { beatsPerBar, swing, swingUnit } = this.grid;
    const beats = bar * beatsPerBar;
    const unit = swingUnit * 2; // swing period in beats: a pair of eighths (or sixteenths)
    const period = Math.floor(beats / unit + 1e-9);
    const f = beats / unit - period; // 0–1 inside the pair
    const split = 0.5 + swing; // where the swung off-beat lands, as a fraction of the pair
    const g = f < 0.5 ? (f / 0.5) * split : split + ((f - 0.5) / 0.5) * (1 - split);
    return ((period + g) * unit * 60) / this.grid.tempo;
  }

  /** Adds a note: `bar` position, `lengthBeats` long, velocity as a 0–1 fraction. */
  note(channel: number, pitch: number, bar: number, lengthBeats: number, vel: number): void {
    if (pitch < 0 || pitch > 127) return;
    const t0 = this.seconds(bar) + this.rng.normal() * this.grid.timingJitter;
    const t1 = this.seconds(bar + lengthBeats / this.grid.beatsPerBar);
    const dur = Math.max(0.03, t1 - t0 - 0.005);
    const v = midiByte(vel * 127 * (1 + 0.06 * this.rng.normal()), 1, 127);
    this.notes.push({ t: t0, dur, channel, pitch, vel: v });
  }

  /** A percussive hit (fixed short length). */
  hit(channel: number, pitch: number, bar: number, vel: number): void {
    this.note(channel, pitch, bar, 0.5, vel);
  }

  /** The finished score: times shifted by `startS` and cut to `durationS`. */
  toScore(startS: number, durationS: number, reverb: number): Score {
    const shifted = this.notes.map((n) => ({ ...n, t: n.t - startS }));
    const notes = trimNotes(shifted, durationS).sort((a, b) => a.t - b.t || a.channel - b.channel);
    return { durationS, parts: this.parts.map((p) => ({ ...p })), notes, reverb };
  }
}
