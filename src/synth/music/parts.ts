/**
 * Part writers for the pitched roles: bass lines, accompaniment (comping, strumming,
 * arpeggios), pads, melodies and counter-lines. Each writer is registered by name,
 * so a genre style lists the names it uses (a registry, not if-chains).
 */
import type { Rng } from '../../util/rng.js';
import type { Arrangement, ChordSpan, Section } from './arrangement.js';
import type { Role } from './score.js';
import {
  BLUES_MAJOR,
  BLUES_MINOR,
  MODES,
  type ModeName,
  nearestPitch,
  pitchAtOrAbove,
  pitchesInRange,
  scalePitchClasses,
  voiceChord,
} from './theory.js';

/** What a part writer needs besides the arrangement. */
export interface PartContext {
  arr: Arrangement;
  rng: Rng;
  channel: number;
  role: Role;
  /** Comfortable pitch range of the instrument. */
  range: [number, number];
  mode: ModeName;
  /** Melody note density, 0–1 (share of eighth slots that start a note). */
  density: number;
  /** Melodies draw from the blues scale with this probability per phrase. */
  blues: number;
}

export type PartWriter = (ctx: PartContext) => void;

/** Bars of each section where `role` plays, one callback per bar. */
function eachBar(ctx: PartContext, fn: (bar: number, section: Section) => void): void {
  for (const s of ctx.arr.sections) {
    if (!s.layers.has(ctx.role)) continue;
    for (let b = 0; b < s.bars; b++) fn(s.startBar + b, s);
  }
}

function eachChord(ctx: PartContext, fn: (span: ChordSpan, section: Section) => void): void {
  for (const span of ctx.arr.chords) {
    const s = ctx.arr.sectionAt(span.startBar);
    if (s.layers.has(ctx.role)) fn(span, s);
  }
}

const dyn = (s: Section, base: number) => base * (0.6 + 0.4 * s.energy);

function bassRoot(ctx: PartContext, pc: number): number {
  return pitchAtOrAbove(pc, Math.max(ctx.range[0], 28));
}

// ---------------------------------------------------------------- bass lines

const BASS: Record<string, PartWriter> = {
  roots(ctx) {
    const beats = ctx.arr.grid.beatsPerBar;
    eachChord(ctx, (span, s) => {
      for (let b = 0; b < span.bars; b++) {
        ctx.arr.note(ctx.channel, bassRoot(ctx, span.rootPc), span.startBar + b, beats * 0.95, dyn(s, 0.75));
      }
    });
  },
  rootEighths(ctx) {
    const beats = ctx.arr.grid.beatsPerBar;
    eachBar(ctx, (bar, s) => {
      const span = ctx.arr.chordAt(bar);
      const next = ctx.arr.chordAt(bar + 1);
      const root = bassRoot(ctx, span.rootPc);
      const steps = beats * 2;
      for (let i = 0; i < steps; i++) {
        let p = root;
        if (i === steps - 1 && next.rootPc !== span.rootPc && ctx.rng.chance(0.4))
          p = nearestPitch(next.rootPc, root) + (ctx.rng.chance(0.5) ? -1 : 1);
        ctx.arr.note(ctx.channel, p, bar + i / steps, 0.45, dyn(s, i % 2 ? 0.62 : 0.8));
      }
    });
  },
  rootFifth(ctx) {
    const beats = ctx.arr.grid.beatsPerBar;
    eachBar(ctx, (bar, s) => {
      const span = ctx.arr.chordAt(bar);
      const root = bassRoot(ctx, span.rootPc);
      const fifth = pitchAtOrAbove(
        span.pcs[2] ?? span.pcs[1] ?? span.rootPc,
        root - 7 < 28 ? root : root - 7,
      );
      const hits = beats === 3 ? [0] : [0, 2];
      hits.forEach((beat, k) => {
        ctx.arr.note(
          ctx.channel,
          k % 2 ? fifth : root,
          bar + beat / beats,
          beats === 3 ? 2.8 : 1.8,
          dyn(s, 0.8),
        );
      });
      if (beats === 4 && ctx.rng.chance(0.3)) {
        const next = ctx.arr.chordAt(bar + 1);
        const target = nearestPitch(next.rootPc, root);
        const dir = target >= root ? 1 : -1;
        ctx.arr.note(ctx.channel, target - 2 * dir, bar + 0.75, 0.45, dyn(s, 0.6));
        ctx.arr.note(ctx.channel, target - dir, bar + 0.875, 0.45, dyn(s, 0.6));
      }
    });
  },
  walking(ctx) {
    const beats = ctx.arr.grid.beatsPerBar;
    let prev = bassRoot(ctx, ctx.arr.chordAt(0).rootPc);
    eachBar(ctx, (bar, s) => {
      const span = ctx.arr.chordAt(bar);
      const next = ctx.arr.chordAt(bar + 1);
      const scale = pitchesInRange(scalePitchClasses(ctx.arr.tonic, MODES[ctx.mode]), 28, 55);
      const tones = pitchesInRange(span.pcs, 28, 55);
      for (let i = 0; i < beats; i++) {
        let p: number;
        if (i === 0) p = nearestPitch(span.rootPc, prev);
        else if (i === beats - 1) {
          const target = nearestPitch(next.rootPc, prev);
          p = target + (ctx.rng.chance(0.5) ? 1 : -1);
        } else {
          const pool = ctx.rng.chance(0.6) ? tones : scale;
          const near = pool.filter((q) => Math.abs(q - prev) <= 5 && q !== prev);
          p = near.length ? ctx.rng.pick(near) : prev;
        }
        while (p < 28) p += 12;
        while (p > 55) p -= 12;
        ctx.arr.note(ctx.channel, p, bar + i / beats, 0.9, dyn(s, i === 0 ? 0.8 : 0.68));
        prev = p;
      }
    });
  },
  octaves(ctx) {
    const beats = ctx.arr.grid.beatsPerBar;
    eachBar(ctx, (bar, s) => {
      const root = bassRoot(ctx, ctx.arr.chordAt(bar).rootPc);
      for (let i = 0; i < beats * 2; i++) {
        ctx.arr.note(ctx.channel, i % 2 ? root + 12 : root, bar + i / (beats * 2), 0.4, dyn(s, 0.8));
      }
    });
  },
  boogie(ctx) {
    const beats = ctx.arr.grid.beatsPerBar;
    const shape = [0, 4, 7, 9, 10, 9, 7, 4];
    eachBar(ctx, (bar, s) => {
      const root = bassRoot(ctx, ctx.arr.chordAt(bar).rootPc);
      const n = beats * 2;
      for (let i = 0; i < n; i++) {
        ctx.arr.note(
          ctx.channel,
          root + (shape[i % shape.length] as number),
          bar + i / n,
          0.45,
          dyn(s, 0.75),
        );
      }
    });
  },
  reggae(ctx) {
    const templates = [
      [
        [0.125, 0, 1],
        [0.25, 0, 0.5],
        [0.375, 2, 0.5],
        [0.5, 1, 1],
        [0.75, 0, 0.5],
        [0.875, 2, 0.5],
      ],
      [
        [0.0625, 0, 0.75],
        [0.25, 1, 1],
        [0.5, 0, 1],
        [0.625, 2, 0.5],
        [0.8125, 0, 0.75],
      ],
    ];
    const tpl = ctx.rng.pick(templates);
    eachBar(ctx, (bar, s) => {
      const span = ctx.arr.chordAt(bar);
      const root = bassRoot(ctx, span.rootPc);
      for (const [pos, tone, len] of tpl) {
        const pc = span.pcs[tone as number] ?? span.rootPc;
        ctx.arr.note(
          ctx.channel,
          nearestPitch(pc, root + 4),
          bar + (pos as number),
          len as number,
          dyn(s, 0.85),
        );
      }
    });
  },
  sparse(ctx) {
    eachBar(ctx, (bar, s) => {
      const span = ctx.arr.chordAt(bar);
      const root = bassRoot(ctx, span.rootPc);
      ctx.arr.note(ctx.channel, root, bar, 1.4, dyn(s, 0.9));
      ctx.arr.note(ctx.channel, root, bar + 0.375, 1.0, dyn(s, 0.75));
      if (ctx.rng.chance(0.6))
        ctx.arr.note(ctx.channel, root + (ctx.rng.chance(0.5) ? 12 : 7), bar + 0.625, 1.2, dyn(s, 0.7));
    });
  },
  funk16(ctx) {
    const grid = ctx.rng.pick(['x..x..x.x.x..x..', 'x.xx...xx..x.x..', 'x..xx.x...x.x.x.']);
    eachBar(ctx, (bar, s) => {
      const root = bassRoot(ctx, ctx.arr.chordAt(bar).rootPc);
      for (let i = 0; i < 16; i++) {
        if (grid[i] !== 'x') continue;
        const p = i % 4 === 3 ? root + 12 : i === 6 ? root + 7 : root;
        ctx.arr.note(ctx.channel, p, bar + i / 16, 0.35, dyn(s, i % 4 === 0 ? 0.85 : 0.65));
      }
    });
  },
  arpeggio(ctx) {
    const beats = ctx.arr.grid.beatsPerBar;
    eachBar(ctx, (bar, s) => {
      const span = ctx.arr.chordAt(bar);
      const root = bassRoot(ctx, span.rootPc);
      const tones = pitchesInRange(span.pcs, root, root + 12);
      for (let i = 0; i < beats; i++) {
        const p = i === 0 ? root : (tones[i % tones.length] as number);
        ctx.arr.note(ctx.channel, p, bar + i / beats, 0.95, dyn(s, i === 0 ? 0.7 : 0.55));
      }
    });
  },
};

// ---------------------------------------------------------------- accompaniment

/** A guitar-like voicing: root in the low register, then a close chord above it. */
function guitarVoicing(span: ChordSpan, low: number): number[] {
  const root = pitchAtOrAbove(span.rootPc, low);
  return [root, ...voiceChord(span.pcs, root + 5)];
}

function strum(
  ctx: PartContext,
  notes: number[],
  bar: number,
  beats: number,
  vel: number,
  down: boolean,
): void {
  const order = down ? notes : [...notes].reverse();
  const spread = 0.012 / ((ctx.arr.barSeconds / ctx.arr.grid.beatsPerBar) * ctx.arr.grid.beatsPerBar);
  order.forEach((p, k) => {
    ctx.arr.note(ctx.channel, p, bar + k * spread, beats, vel * (down ? 1 : 0.8));
  });
}

const HARMONY: Record<string, PartWriter> = {
  block(ctx) {
    const beats = ctx.arr.grid.beatsPerBar;
    let prev: number[] | undefined;
    eachBar(ctx, (bar, s) => {
      const span = ctx.arr.chordAt(bar);
      const v = voiceChord(span.pcs, Math.max(ctx.range[0], 52), prev);
      prev = v;
      const len = Math.min(beats, (span.startBar + span.bars - bar) * beats);
      for (const p of v) ctx.arr.note(ctx.channel, p, bar, len * 0.97, dyn(s, 0.55));
      if (len < beats) {
        const nxt = ctx.arr.chordAt(bar + len / beats + 1e-6);
        const v2 = voiceChord(nxt.pcs, Math.max(ctx.range[0], 52), v);
        for (const p of v2)
          ctx.arr.note(ctx.channel, p, bar + len / beats, (beats - len) * 0.97, dyn(s, 0.55));
      }
    });
  },
  strum(ctx) {
    const beats = ctx.arr.grid.beatsPerBar;
    const patterns = beats === 3 ? ['D.D.D.', 'D.DUDU'] : ['D.D.DUDU', 'D.DU.UDU', 'D..UD.DU', 'D.D.D.D.'];
    const pat = ctx.rng.pick(patterns);
    eachBar(ctx, (bar, s) => {
      const v = guitarVoicing(ctx.arr.chordAt(bar), 40);
      for (let i = 0; i < pat.length; i++) {
        const c = pat[i];
        if (c === '.') continue;
        strum(ctx, v, bar + i / pat.length, 0.9, dyn(s, c === 'D' ? 0.68 : 0.5), c === 'D');
      }
    });
  },
  power(ctx) {
    const beats = ctx.arr.grid.beatsPerBar;
    const grid = ctx.rng.pick(['xxxxxxxx', 'x.xxx.xx', 'X..X..X.', 'xxxxxxxxxxxxxxxx', 'x.xxx.xxx.xxx.xx']);
    eachBar(ctx, (bar, s) => {
      const span = ctx.arr.chordAt(bar);
      const root = pitchAtOrAbove(span.rootPc, 40);
      const chord = [root, root + 7, root + 12];
      const n = grid.length * (beats / 4);
      for (let i = 0; i < n; i++) {
        const c = grid[i % grid.length];
        if (c === '.') continue;
        const muted = c === 'x' && s.energy < 0.95;
        const len = muted ? 0.3 : (4 / grid.length) * 0.95;
        for (const p of chord) ctx.arr.note(ctx.channel, p, bar + i / n, len, dyn(s, c === 'X' ? 0.9 : 0.72));
      }
    });
  },
  skank(ctx) {
    const beats = ctx.arr.grid.beatsPerBar;
    eachBar(ctx, (bar, s) => {
      const v = voiceChord(ctx.arr.chordAt(bar).pcs, 60);
      for (let beat = 1; beat < beats; beat += 2) {
        for (const p of v) ctx.arr.note(ctx.channel, p, bar + beat / beats, 0.3, dyn(s, 0.6));
        if (ctx.rng.chance(0.3))
          for (const p of v) ctx.arr.note(ctx.channel, p, bar + (beat + 0.5) / beats, 0.2, dyn(s, 0.45));
      }
    });
  },
  arpeggio(ctx) {
    const beats = ctx.arr.grid.beatsPerBar;
    const perBeat = ctx.rng.pick([2, 2, 4]);
    const shape = ctx.rng.pick(['up', 'updown', 'alberti']);
    eachBar(ctx, (bar, s) => {
      const span = ctx.arr.chordAt(bar);
      const v = voiceChord(span.pcs, Math.max(ctx.range[0], 48));
      const seq =
        shape === 'up'
          ? [...v, (v[0] as number) + 12]
          : shape === 'updown'
            ? [...v, ...v.slice(1, -1).reverse()]
            : [v[0], v[v.length - 1], v[1], v[v.length - 1]];
      const n = beats * perBeat;
      for (let i = 0; i < n; i++) {
        ctx.arr.note(
          ctx.channel,
          seq[i % seq.length] as number,
          bar + i / n,
          1.5 / perBeat,
          dyn(s, i % perBeat ? 0.45 : 0.58),
        );
      }
    });
  },
  comp(ctx) {
    const beats = ctx.arr.grid.beatsPerBar;
    let prev: number[] | undefined;
    eachBar(ctx, (bar, s) => {
      const span = ctx.arr.chordAt(bar);
      // Shell voicings (third and seventh, plus one colour tone) as jazz pianists comp.
      const shell = span.pcs.length >= 4 ? [span.pcs[1], span.pcs[3], span.pcs[4] ?? span.pcs[2]] : span.pcs;
      const v = voiceChord(shell as number[], 52, prev);
      prev = v;
      const hits =
        beats === 3
          ? [
              [0, 1],
              [1.5, 1],
            ]
          : ctx.rng.pick([
              [
                [0, 1.4],
                [1.5, 1],
              ],
              [
                [0.5, 0.5],
                [2.5, 1],
              ],
              [
                [1.5, 0.5],
                [3, 0.8],
              ],
              [
                [0, 0.8],
                [2.5, 0.5],
              ],
            ]);
      for (const [beat, len] of hits) {
        for (const p of v)
          ctx.arr.note(ctx.channel, p, bar + (beat as number) / beats, len as number, dyn(s, 0.5));
      }
    });
  },
  stabs(ctx) {
    const beats = ctx.arr.grid.beatsPerBar;
    const grid = ctx.rng.pick([
      '..x...x...x...x.',
      '.x.x.x.x.x.x.x.x',
      'x..x..x...x..x..',
      '..x..x....x..x..',
    ]);
    eachBar(ctx, (bar, s) => {
      const v = voiceChord(ctx.arr.chordAt(bar).pcs, 58);
      const n = grid.length * (beats / 4);
      for (let i = 0; i < n; i++) {
        if (grid[i % grid.length] !== 'x') continue;
        for (const p of v) ctx.arr.note(ctx.channel, p, bar + i / n, 0.25, dyn(s, 0.6));
      }
    });
  },
  pump(ctx) {
    const beats = ctx.arr.grid.beatsPerBar;
    let prev: number[] | undefined;
    eachBar(ctx, (bar, s) => {
      const v = voiceChord(ctx.arr.chordAt(bar).pcs, 55, prev);
      prev = v;
      for (let i = 0; i < beats * 2; i++) {
        for (const p of v)
          ctx.arr.note(ctx.channel, p, bar + i / (beats * 2), 0.45, dyn(s, i % 2 ? 0.45 : 0.55));
      }
    });
  },
};

// ---------------------------------------------------------------- pads

const PAD: Record<string, PartWriter> = {
  hold(ctx) {
    let prev: number[] | undefined;
    eachChord(ctx, (span, s) => {
      const v = voiceChord(span.pcs, Math.max(ctx.range[0], 55), prev);
      prev = v;
      const beats = span.bars * ctx.arr.grid.beatsPerBar;
      for (const p of v) ctx.arr.note(ctx.channel, p, span.startBar, beats * 0.98, dyn(s, 0.42));
    });
  },
};

// ---------------------------------------------------------------- melody

interface Phrase {
  /** Onsets in bars from the phrase start, durations in beats, scale-walk steps. */
  onsets: number[];
  lengths: number[];
  steps: number[];
}

function makePhrase(ctx: PartContext, bars: number, density: number): Phrase {
  const beats = ctx.arr.grid.beatsPerBar;
  const slotsPerBeat = density > 0.75 ? 4 : 2;
  const n = bars * beats * slotsPerBeat;
  const onsets: number[] = [];
  for (let i = 0; i < n - slotsPerBeat; i++) {
    const strong = i % slotsPerBeat === 0;
    const p = strong ? Math.min(0.95, density + 0.2) : density * 0.8;
    if (i === 0 ? ctx.rng.chance(0.85) : ctx.rng.chance(p)) onsets.push((i / n) * bars);
  }
  if (onsets.length === 0) onsets.push(0);
  const lengths = onsets.map((o, k) => {
    const next = k + 1 < onsets.length ? (onsets[k + 1] as number) : bars - 1 / beats;
    return Math.max(0.25, (next - o) * beats * (ctx.rng.chance(0.2) ? 0.5 : 0.92));
  });
  const steps = onsets.map(() =>
    ctx.rng.weighted([0, 1, -1, 2, -2, 3, -3, 4, -4], [1, 4, 4, 2.2, 2.2, 0.8, 0.8, 0.5, 0.5]),
  );
  return { onsets, lengths, steps };
}

/** Plays `phrase` from `startBar`: a walk on the scale, strong beats pulled to chord tones. */
function playPhrase(
  ctx: PartContext,
  phrase: Phrase,
  startBar: number,
  vel: number,
  state: { idx: number },
  scale: number[],
): void {
  const beats = ctx.arr.grid.beatsPerBar;
  phrase.onsets.forEach((o, k) => {
    const bar = startBar + o;
    state.idx = Math.max(0, Math.min(scale.length - 1, state.idx + (phrase.steps[k] as number)));
    let pitch = scale[state.idx] as number;
    const strong = Math.abs(o * beats - Math.round(o * beats)) < 1e-6;
    if (strong) {
      const span = ctx.arr.chordAt(bar);
      const tones = scale.map((p, i) => [p, i] as const).filter(([p]) => span.pcs.includes(p % 12));
      if (tones.length) {
        const [tp, ti] = tones.reduce((a, b) => (Math.abs(b[0] - pitch) < Math.abs(a[0] - pitch) ? b : a));
        pitch = tp;
        state.idx = ti;
      }
    }
    ctx.arr.note(ctx.channel, pitch, bar, phrase.lengths[k] as number, vel * (strong ? 1 : 0.88));
  });
}

function melody(ctx: PartContext, densityScale: number): void {
  const [lo, hi] = ctx.range;
  const modeScale = pitchesInRange(scalePitchClasses(ctx.arr.tonic, MODES[ctx.mode]), lo, hi);
  const bluesSteps = MODES[ctx.mode][2] === 4 && ctx.rng.chance(0.5) ? BLUES_MAJOR : BLUES_MINOR;
  const bluesScale = pitchesInRange(scalePitchClasses(ctx.arr.tonic, bluesSteps), lo, hi);
  const state = { idx: Math.floor(modeScale.length / 2) };
  for (const s of ctx.arr.sections) {
    if (!s.layers.has(ctx.role)) continue;
    const solo = s.name === 'solo';
    const density = Math.min(0.95, ctx.density * densityScale * (solo ? 1.4 : 1) * (0.8 + 0.4 * s.energy));
    const phraseBars = s.bars % 2 === 0 ? 2 : 1;
    const a = makePhrase(ctx, phraseBars, density);
    const b = makePhrase(ctx, phraseBars, density);
    const form = ctx.rng.pick(['AABA', 'ABAB', 'AABB', 'ABAC']);
    let c = makePhrase(ctx, phraseBars, density);
    for (let k = 0; k * phraseBars < s.bars; k++) {
      const letter = form[k % form.length];
      const phrase = letter === 'A' ? a : letter === 'B' ? b : c;
      if (letter === 'C') c = makePhrase(ctx, phraseBars, density);
      const scale = ctx.rng.chance(ctx.blues) ? bluesScale : modeScale;
      if (state.idx >= scale.length) state.idx = Math.floor(scale.length / 2);
      // Pull back towards the middle of the range so long songs do not drift off.
      if (state.idx < scale.length * 0.2 || state.idx > scale.length * 0.8)
        state.idx = Math.floor(scale.length / 2);
      playPhrase(ctx, phrase, s.startBar + k * phraseBars, dyn(s, 0.8), state, scale);
    }
  }
}

const LEAD: Record<string, PartWriter> = {
  melody(ctx) {
    melody(ctx, 1);
  },
  sparse(ctx) {
    melody(ctx, 0.5);
  },
};

const COUNTER: Record<string, PartWriter> = {
  longTones(ctx) {
    eachChord(ctx, (span, s) => {
      const tone = span.pcs[1] ?? span.rootPc;
      const p = nearestPitch(tone, Math.round((ctx.range[0] + ctx.range[1]) / 2));
      ctx.arr.note(ctx.channel, p, span.startBar, span.bars * ctx.arr.grid.beatsPerBar * 0.95, dyn(s, 0.5));
    });
  },
  stabs: HARMONY.stabs as PartWriter,
  melody(ctx) {
    melody(ctx, 0.45);
  },
};

/** Part writers by role and name. */
export const PART_WRITERS: Readonly<Record<Exclude<Role, 'drums'>, Record<string, PartWriter>>> = {
  bass: BASS,
  harmony: HARMONY,
  pad: PAD,
  lead: LEAD,
  counter: COUNTER,
};
