/**
 * Music theory for the composer: pitch names, modes, chord qualities, roman-numeral
 * progressions and voicings. Pitches are MIDI note numbers (60 = middle C); pitch
 * classes are 0–11 with 0 = C.
 */

export const PITCH_NAMES = ['C', 'C#', 'D', 'Eb', 'E', 'F', 'F#', 'G', 'Ab', 'A', 'Bb', 'B'] as const;

/** Scale steps (semitones above the tonic) of each mode the genres use. */
export const MODES = {
  major: [0, 2, 4, 5, 7, 9, 11],
  minor: [0, 2, 3, 5, 7, 8, 10],
  dorian: [0, 2, 3, 5, 7, 9, 10],
  mixolydian: [0, 2, 4, 5, 7, 9, 10],
  harmonicMinor: [0, 2, 3, 5, 7, 8, 11],
  phrygian: [0, 1, 3, 5, 7, 8, 10],
} as const;
export type ModeName = keyof typeof MODES;

/** Whether a mode sounds major (its third is major): drives the `mode` attribute. */
export function isMajorMode(mode: ModeName): boolean {
  return MODES[mode][2] === 4;
}

/** Blues scales, used by melodies over blues-flavoured harmony. */
export const BLUES_MINOR = [0, 3, 5, 6, 7, 10] as const;
export const BLUES_MAJOR = [0, 2, 3, 4, 7, 9] as const;

/** Chord qualities as intervals above the root. */
export const CHORD_QUALITIES = {
  maj: [0, 4, 7],
  min: [0, 3, 7],
  dim: [0, 3, 6],
  aug: [0, 4, 8],
  '5': [0, 7],
  sus4: [0, 5, 7],
  sus2: [0, 2, 7],
  '6': [0, 4, 7, 9],
  m6: [0, 3, 7, 9],
  '7': [0, 4, 7, 10],
  maj7: [0, 4, 7, 11],
  m7: [0, 3, 7, 10],
  m7b5: [0, 3, 6, 10],
  '9': [0, 4, 7, 10, 14],
  m9: [0, 3, 7, 10, 14],
  maj9: [0, 4, 7, 11, 14],
  add9: [0, 4, 7, 14],
} as const;
export type ChordQuality = keyof typeof CHORD_QUALITIES;

/** One chord of a progression: root relative to the tonic, quality, length in bars. */
export interface ChordSymbol {
  /** Semitones above the key's tonic, 0–11. */
  root: number;
  quality: ChordQuality;
  /** Length in bars (0.5 = half a bar). */
  bars: number;
}

const NUMERALS: Record<string, number> = { i: 0, ii: 2, iii: 4, iv: 5, v: 7, vi: 9, vii: 11 };

/**
 * Parses a space-separated roman-numeral progression, e.g. `"I V vi IV"`,
 * `"i bVI bIII bVII"`, `"ii7 V7 Imaj7*2"`, `"I/2 V/2"`.
 * Case gives the triad (upper major, lower minor); `°` diminished; a suffix from
 * CHORD_QUALITIES overrides (on a lower-case numeral `7`/`9`/`6` mean m7/m9/m6);
 * `b`/`#` shift the root; `*n` lasts n bars, `/2` half a bar.
 */
export function parseProgression(text: string): ChordSymbol[] {
  return text
    .trim()
    .split(/\s+/)
    .map((tok) => {
      const m = /^([b#]?)([ivIV]+)(°?)([A-Za-z0-9]*)(?:\*(\d+))?(\/2)?$/.exec(tok);
      if (!m) throw new Error(`bad chord symbol "${tok}" in progression "${text}"`);
      const [, acc, num, dim, suffix, times, half] = m;
      const lower = num.toLowerCase();
      const deg = NUMERALS[lower];
      if (deg === undefined) throw new Error(`bad numeral "${num}" in "${text}"`);
      const minor = num === lower;
      let quality: ChordQuality;
      if (dim) quality = suffix === '7' ? 'm7b5' : 'dim';
      else if (!suffix) quality = minor ? 'min' : 'maj';
      else if (minor && (suffix === '7' || suffix === '9' || suffix === '6'))
        quality = `m${suffix}` as ChordQuality;
      else if (suffix in CHORD_QUALITIES) quality = suffix as ChordQuality;
      else throw new Error(`bad chord quality "${suffix}" in "${text}"`);
      const root = (deg + (acc === 'b' ? -1 : acc === '#' ? 1 : 0) + 12) % 12;
      const bars = (times ? Number(times) : 1) * (half ? 0.5 : 1);
      return { root, quality, bars };
    });
}

/** Total length of a progression in bars. */
export function progressionBars(prog: readonly ChordSymbol[]): number {
  return prog.reduce((a, c) => a + c.bars, 0);
}

/** Pitch classes of a chord in a key with tonic `tonic` (0–11). */
export function chordPitchClasses(tonic: number, chord: ChordSymbol): number[] {
  return CHORD_QUALITIES[chord.quality].map((iv) => (tonic + chord.root + iv) % 12);
}

/** The MIDI pitch of pitch class `pc` closest to `center`. */
export function nearestPitch(pc: number, center: number): number {
  const base = center - ((((center - pc) % 12) + 12) % 12);
  return center - base > 6 ? base + 12 : base;
}

/** The lowest MIDI pitch of pitch class `pc` at or above `low`. */
export function pitchAtOrAbove(pc: number, low: number): number {
  return low + ((((pc - low) % 12) + 12) % 12);
}

/**
 * A close-position voicing of `pcs` whose notes lie in [low, low + 15], chosen among
 * inversions to move least from `previous` (smooth voice leading, as pianists and
 * string sections play); without `previous`, the inversion nearest the range centre.
 */
export function voiceChord(pcs: readonly number[], low: number, previous?: readonly number[]): number[] {
  const options: number[][] = [];
  for (let inv = 0; inv < pcs.length; inv++) {
    const order = [...pcs.slice(inv), ...pcs.slice(0, inv)];
    const notes: number[] = [];
    let p = pitchAtOrAbove(order[0] as number, low);
    notes.push(p);
    for (let k = 1; k < order.length; k++) {
      p = pitchAtOrAbove(order[k] as number, p + 1);
      notes.push(p);
    }
    options.push(notes);
  }
  const target = previous?.length ? previous : null;
  const centre = low + 9;
  let best = options[0] as number[];
  let bestCost = Number.POSITIVE_INFINITY;
  for (const o of options) {
    const mean = o.reduce((a, b) => a + b, 0) / o.length;
    const cost = target
      ? o.reduce((a, n) => a + Math.min(...target.map((t) => Math.abs(t - n))), 0)
      : Math.abs(mean - centre);
    if (cost < bestCost) {
      bestCost = cost;
      best = o;
    }
  }
  return best;
}

/** Semitone offsets of a scale as pitch classes in a key. */
export function scalePitchClasses(tonic: number, steps: readonly number[]): number[] {
  return steps.map((s) => (tonic + s) % 12);
}

/** All MIDI pitches in [lo, hi] whose pitch class is in `pcs`, ascending. */
export function pitchesInRange(pcs: readonly number[], lo: number, hi: number): number[] {
  const set = new Set(pcs.map((p) => ((p % 12) + 12) % 12));
  const out: number[] = [];
  for (let p = lo; p <= hi; p++) if (set.has(p % 12)) out.push(p);
  return out;
}

/** Key name as musicians write it, e.g. `"F# minor"`. */
export function keyName(tonic: number, mode: ModeName): string {
  const label: Record<ModeName, string> = {
    major: 'major',
    minor: 'minor',
    dorian: 'dorian',
    mixolydian: 'mixolydian',
    harmonicMinor: 'minor',
    phrygian: 'phrygian',
  };
  return `${PITCH_NAMES[tonic]} ${label[mode]}`;
}
