/**
 * Drum patterns as step grids, one lane per drum sound, and the drum part they make
 * (pattern per bar, fills before section changes, crashes on downbeats).
 * Grid characters: `X` accent, `x` normal, `o` ghost note, `.` rest.
 */
import type { Rng } from '../../util/rng.js';
import type { Arrangement } from './arrangement.js';
import { DRUM } from './instruments.js';
import { DRUM_CHANNEL } from './score.js';

export interface DrumPattern {
  /** Beats per bar the pattern is written for. */
  beats: number;
  /** Lanes: drum key → grid (all grids the same length, a multiple of `beats`). */
  lanes: Partial<Record<keyof typeof DRUM, string>>;
}

/** Every pattern the genres can pick, by name. */
export const DRUM_PATTERNS: Readonly<Record<string, DrumPattern>> = {
  rock: {
    beats: 4,
    lanes: { kick: 'X.......x.x.....', snare: '....X.......X...', hat: 'x.x.x.x.x.x.x.x.' },
  },
  rockDrive: {
    beats: 4,
    lanes: { kick: 'X.x.....X.x..x..', snare: '....X.......X...', hat: 'xxxxxxxxxxxxxxxx' },
  },
  rockRide: {
    beats: 4,
    lanes: { kick: 'X.......X.......', snare: '....X.......X...', ride: 'x.x.x.x.x.x.x.x.' },
  },
  halftime: {
    beats: 4,
    lanes: { kick: 'X.........x.....', snare: '........X.......', hat: 'x.x.x.x.x.x.x.x.' },
  },
  metalDouble: {
    beats: 4,
    lanes: { kick: 'xxxxxxxxxxxxxxxx', snare: '....X.......X...', ride: 'x...x...x...x...' },
  },
  metalGallop: {
    beats: 4,
    lanes: { kick: 'X.xxX.xxX.xxX.xx', snare: '....X.......X...', crash: 'x.......x.......' },
  },
  metalBlast: {
    beats: 4,
    lanes: { kick: 'x.x.x.x.x.x.x.x.', snare: '.x.x.x.x.x.x.x.x', ride: 'x.x.x.x.x.x.x.x.' },
  },
  fourFloor: {
    beats: 4,
    lanes: {
      kick: 'X...X...X...X...',
      clap: '....x.......x...',
      hat: 'x.x.x.x.x.x.x.x.',
      openHat: '..x...x...x...x.',
    },
  },
  discoSixteenth: {
    beats: 4,
    lanes: {
      kick: 'X...X...X...X...',
      snare: '....X.......X...',
      hat: 'xoxoxoxoxoxoxoxo',
      openHat: '..x...x...x...x.',
      tambourine: '....x.......x...',
    },
  },
  popBeat: {
    beats: 4,
    lanes: { kick: 'X.....x.x.......', snare: '....X.......X...', hat: 'x.x.x.x.x.x.x.x.' },
  },
  popClap: {
    beats: 4,
    lanes: { kick: 'X......xX.......', clap: '....X.......X...', shaker: 'xoxoxoxoxoxoxoxo' },
  },
  boomBap: {
    beats: 4,
    lanes: { kick: 'X......x..x.....', snare: '....X.......X...', hat: 'x.x.x.x.x.x.x.x.' },
  },
  boomBapGhost: {
    beats: 4,
    lanes: { kick: 'X..x......x..x..', snare: '....X..o....X...', hat: 'x.xox.x.x.xox.x.' },
  },
  trap: {
    beats: 4,
    lanes: { kick: 'X.....x...x.....', clap: '........X.......', hat: 'xxxxxxxxxoxoxxxx' },
  },
  oneDrop: {
    beats: 4,
    lanes: { kick: '........X.......', rim: '........X.......', hat: 'x.x.x.x.x.x.x.x.' },
  },
  rockers: {
    beats: 4,
    lanes: { kick: 'X...X...X...X...', rim: '....x.......x...', hat: 'x.xox.xox.xox.xo' },
  },
  steppers: {
    beats: 4,
    lanes: { kick: 'X...X...X...X...', snare: '........X.......', hat: '..x...x...x...x.' },
  },
  countryTrain: {
    beats: 4,
    lanes: { kick: 'X.......X.......', snare: 'oxoxoxoxoxoxoxox', hat: '....x.......x...' },
  },
  countryTwoStep: {
    beats: 4,
    lanes: { kick: 'X.......X.......', snare: '....X.......X...', hat: 'x.x.x.x.x.x.x.x.' },
  },
  waltz: {
    beats: 3,
    lanes: { kick: 'X...........', snare: '....x...x...', hat: 'x...x...x...' },
  },
  jazzWaltz: {
    beats: 3,
    lanes: { ride: 'x..x.xx..', pedalHat: '...x..x..', kick: 'o........' },
  },
  jazzSwing: {
    beats: 4,
    lanes: { ride: 'x..x.xx..x.x', pedalHat: '...x.....x..', kick: 'o.....o.....', snare: '.......o..o.' },
  },
  bluesShuffle: {
    beats: 4,
    lanes: { kick: 'X.....x.....', snare: '...X.....X..', hat: 'x.xx.xx.xx.x' },
  },
  slowBlues: {
    beats: 4,
    lanes: { kick: 'X.....X.....', snare: '...X.....X..', ride: 'xxxxxxxxxxxx' },
  },
  bossa: {
    beats: 4,
    lanes: { kick: 'X..xX..xX..xX..x', rim: 'x..x..x...x..x..', hat: 'xxxxxxxxxxxxxxxx' },
  },
  ballad: {
    beats: 4,
    lanes: { kick: 'X.......x.......', rim: '....x.......x...', hat: 'x...x...x...x...' },
  },
};

const VELOCITY: Record<string, number> = { X: 1, x: 0.78, o: 0.42 };

/**
 * Writes the drum part: the chosen pattern every bar that has drums, a fill in the
 * last bar before a section change, a crash on each section's downbeat.
 */
export function writeDrums(arr: Arrangement, patternName: string, rng: Rng): void {
  const pattern = DRUM_PATTERNS[patternName];
  if (!pattern) throw new Error(`unknown drum pattern ${patternName}`);
  for (const section of arr.sections) {
    if (!section.layers.has('drums')) continue;
    for (let b = 0; b < section.bars; b++) {
      const bar = section.startBar + b;
      const lastBar = b === section.bars - 1 && section.bars >= 2;
      if (b === 0 && bar > 0) arr.hit(DRUM_CHANNEL, DRUM.crash, bar, 0.9 * section.energy + 0.1);
      for (const [lane, grid] of Object.entries(pattern.lanes)) {
        const steps = grid.length;
        for (let s = 0; s < steps; s++) {
          const ch = grid[s] as string;
          if (ch === '.') continue;
          if (lastBar && s >= steps / 2) continue; // the fill replaces the bar's second half
          const vel = (VELOCITY[ch] ?? 0.7) * (0.55 + 0.45 * section.energy);
          arr.hit(DRUM_CHANNEL, DRUM[lane as keyof typeof DRUM], bar + s / steps, vel);
        }
      }
      if (lastBar) writeFill(arr, bar, pattern.beats, rng, section.energy);
    }
  }
}

/** Half a bar of snare and toms, denser when the music is louder. */
function writeFill(arr: Arrangement, bar: number, beats: number, rng: Rng, energy: number): void {
  const perBeat = energy > 0.6 ? 4 : 2;
  const n = Math.round((beats / 2) * perBeat);
  const voices = [DRUM.snare, DRUM.hiTom, DRUM.midTom, DRUM.lowTom];
  let v = 0;
  for (let i = 0; i < n; i++) {
    if (rng.chance(0.2) && i < n - 1) continue;
    if (rng.chance(0.35)) v = Math.min(voices.length - 1, v + 1);
    const vel = (0.55 + 0.4 * (i / n)) * (0.6 + 0.4 * energy);
    arr.hit(DRUM_CHANNEL, voices[v] as number, bar + 0.5 + i / (n * 2), vel);
  }
  arr.hit(DRUM_CHANNEL, DRUM.kick, bar + 0.5, 0.8);
}
