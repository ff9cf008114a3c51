/**
 * The real-audio route of `anchored`, pure part: from a basic-pitch transcription
 * of a retrieved clip, estimate its tempo and key, then vary its notes into a new
 * Score the twin's renderer plays — moved to the requested key and mode,
 * stretched to the requested tempo, re-voiced (bass line split off, pitches
 * folded into each instrument's range) and re-orchestrated with instruments drawn
 * from the request's families. No audio here: anchor-audio.ts transcribes and
 * renders.
 */
import type { TranscribedNote, Transcription } from '../embed/basic-pitch/transcribe.js';
import { estimateKey } from '../evaluate/reconstruction/acoustic.js';
import type { InstrumentFamily, Note, Part, Score } from '../synth/music/index.js';
import { GM } from '../synth/music/instruments.js';
import { keyName } from '../synth/music/theory.js';
import type { Rng } from '../util/rng.js';
import type { CandidateRequest } from './condition.js';

/** What was estimated from a transcription (JSON, in the generation record). */
export interface AnchorEstimate {
  /** Beats per minute (0 when fewer than two distinct onsets). */
  tempo: number;
  /** Tonic pitch class 0–11 and major/minor (Krumhansl–Kessler on duration-weighted pitch classes). */
  tonic: number;
  mode: 'major' | 'minor';
  key: string;
  /** Pearson r of the best key profile (0 with no notes). */
  keyStrength: number;
  /** Number of transcribed notes. */
  notes: number;
}

/** Tempo search range, BPM: the composer's genres live inside it. */
const BPM_MIN = 55;
const BPM_MAX = 190;
/** Onsets closer than this are one event (a chord, or basic-pitch's split onsets). */
const MERGE_S = 0.035;
/** Width of an inter-onset match, seconds (the transcription's timing jitter is ~10 ms). */
const SIGMA_S = 0.02;

/** Distinct onset times (chords merged), ascending. */
export function onsetEvents(notes: readonly Pick<TranscribedNote, 'onset'>[]): number[] {
  const t = notes.map((n) => n.onset).sort((a, b) => a - b);
  const out: number[] = [];
  for (const x of t) if (out.length === 0 || x - (out[out.length - 1] as number) > MERGE_S) out.push(x);
  return out;
}

/**
 * Tempo from onset intervals: the autocorrelation of the onset train (every pair of
 * onsets ≤ 4 s apart votes for its interval, Gaussian-smoothed) evaluated at each
 * beat period in [55, 190] BPM, weighted by a log-normal prior centred on 120 BPM
 * (one octave SD, as librosa's beat tracker does) so a pulse's double or half
 * period loses to it. The winning period is then refined by least squares on the
 * pairs it explains (see below), more exact than the search grid.
 */
export function estimateTempo(notes: readonly Pick<TranscribedNote, 'onset'>[]): number {
  const on = onsetEvents(notes);
  if (on.length < 2) return 0;
  const d: number[] = [];
  for (let i = 0; i < on.length; i++)
    for (let j = i + 1; j < on.length; j++) {
      const x = (on[j] as number) - (on[i] as number);
      if (x > 4) break;
      d.push(x);
    }
  // Intervals binned at 2 ms: a dense clip has ~10⁵ pairs, the grid 541 periods.
  const BIN = 0.002;
  const hist = new Float64Array(Math.ceil(4 / BIN) + 1);
  for (const x of d) hist[Math.round(x / BIN)] = (hist[Math.round(x / BIN)] as number) + 1;
  const reach = Math.ceil((4 * SIGMA_S) / BIN);
  let best = { bpm: 0, score: 0 };
  for (let bpm = BPM_MIN; bpm <= BPM_MAX; bpm += 0.25) {
    const P = 60 / bpm;
    let ac = 0;
    const c = Math.round(P / BIN);
    for (let b = Math.max(0, c - reach); b <= Math.min(hist.length - 1, c + reach); b++)
      if ((hist[b] as number) > 0)
        ac += (hist[b] as number) * Math.exp(-((b * BIN - P) ** 2) / (2 * SIGMA_S ** 2));
    const score = ac * Math.exp(-0.5 * Math.log2(bpm / 120) ** 2);
    if (score > best.score) best = { bpm, score };
  }
  if (best.score === 0) return 0;
  // Least squares over every pair within a quarter period of a whole multiple
  // (P = Σ m·x / Σ m²), iterated: long pairs dominate, so a ±40 ms onset jitter
  // (a soft attack) costs well under 1 BPM where the grid's winner alone could be off by 3.
  let P = 60 / best.bpm;
  for (let it = 0; it < 4; it++) {
    let mx = 0;
    let mm = 0;
    for (const x of d) {
      const m = Math.round(x / P);
      if (m < 1 || Math.abs(x - m * P) > P / 4) continue;
      mx += m * x;
      mm += m * m;
    }
    if (mm === 0) break;
    P = mx / mm;
  }
  return 60 / P;
}

/** Intervals (semitones) of the overtones basic-pitch most often reports as notes: octaves, 12th, 17th. */
const OVERTONES = [12, 19, 24, 28];

/**
 * Drops overtone ghosts: a note starting within 50 ms of a note 12, 19, 24 or 28
 * semitones below it that is at least 1.5× louder. basic-pitch reports the strong
 * upper partials of bright instruments (harpsichord, electric piano) as quiet
 * short notes; left in, they would be played as wrong notes and pull the key
 * estimate toward the dominant (a 12th above A is E).
 */
export function dropOvertoneGhosts(tr: Transcription): Transcription {
  const notes = tr.notes.filter(
    (n) =>
      !tr.notes.some(
        (m) =>
          m !== n &&
          OVERTONES.includes(n.pitch - m.pitch) &&
          Math.abs(m.onset - n.onset) <= 0.05 &&
          m.amplitude >= 1.5 * n.amplitude,
      ),
  );
  return { ...tr, notes };
}

/**
 * Key and mode from the pitch-class histogram of notes weighted by duration ×
 * amplitude (Krumhansl–Kessler, 24 keys): amplitude too, so quiet spurious notes
 * count less than the sung or played line.
 */
export function estimateNoteKey(notes: readonly TranscribedNote[]): {
  tonic: number;
  mode: 'major' | 'minor';
  strength: number;
} {
  const h = new Array<number>(12).fill(0);
  for (const n of notes) h[n.pitch % 12] = (h[n.pitch % 12] as number) + (n.offset - n.onset) * n.amplitude;
  if (notes.length === 0) return { tonic: 0, mode: 'major', strength: 0 };
  const k = estimateKey(h);
  return { tonic: k.tonic, mode: k.major ? 'major' : 'minor', strength: k.strength };
}

/** Tempo, key and note count of a transcription. */
export function estimateAnchor(tr: Transcription): AnchorEstimate {
  const key = estimateNoteKey(tr.notes);
  return {
    tempo: Math.round(estimateTempo(tr.notes) * 10) / 10,
    tonic: key.tonic,
    mode: key.mode,
    key: keyName(key.tonic, key.mode),
    keyStrength: key.strength,
    notes: tr.notes.length,
  };
}

/**
 * Moves `pitch` from one key to another: the scale degrees that differ between
 * major and natural minor (3rd, 6th, 7th) are bent first, in the source key, then
 * everything is transposed by the nearest interval between the tonics (−6…+5
 * semitones, so the register moves as little as possible).
 */
export function moveToKey(
  pitch: number,
  from: { tonic: number; mode: 'major' | 'minor' },
  to: { tonic: number; mode: 'major' | 'minor' },
): number {
  const deg = (((pitch - from.tonic) % 12) + 12) % 12;
  let p = pitch;
  if (from.mode === 'major' && to.mode === 'minor' && (deg === 4 || deg === 9 || deg === 11)) p -= 1;
  if (from.mode === 'minor' && to.mode === 'major' && (deg === 3 || deg === 8 || deg === 10)) p += 1;
  const shift = ((((to.tonic - from.tonic) % 12) + 18) % 12) - 6;
  return p + shift;
}

/** `pitch` moved by octaves into [lo, hi] (ranges are ≥ an octave wide; a narrower one may end below lo). */
function foldInto(pitch: number, lo: number, hi: number): number {
  let p = pitch;
  while (p < lo) p += 12;
  while (p > hi) p -= 12;
  return p;
}

/** Melodic GM programs of a family, ascending. */
function programsOf(family: InstrumentFamily): number[] {
  return Object.entries(GM)
    .filter(([, info]) => info.family === family)
    .map(([p]) => Number(p))
    .sort((a, b) => a - b);
}

/** Families that can carry the transcribed lines (not drums, not bass). */
const MELODIC: readonly InstrumentFamily[] = [
  'piano',
  'keys',
  'organ',
  'acoustic_guitar',
  'electric_guitar',
  'strings',
  'brass',
  'woodwinds',
  'saxophone',
  'synth',
  'mallets',
  'folk',
];

/** Notes below this (MIDI) become the bass line when the request has a bass. */
const BASS_SPLIT = 52;

/** One varied score and what it was made of. */
export interface AnchorVariation {
  score: Score;
  /** GM programs of the parts, by role. */
  programs: { lead: number; bass?: number };
  /** Source seconds per output second (requested tempo / estimated tempo). */
  stretch: number;
}

/**
 * The transcription varied toward `request`: key and mode moved (moveToKey), time
 * scaled by estimated / requested tempo and looped (in whole beats) to fill
 * `durationS`, notes below MIDI 52 given to a bass when the request draws one,
 * the rest to a lead instrument drawn with `rng` from the request's melodic
 * families (piano when none was drawn), velocities from basic-pitch's amplitudes.
 * With the request's drums, a plain backbeat at the new tempo. Deterministic for
 * a given transcription, request and rng state. Throws when there are no notes.
 */
export function varyTranscription(
  tr: Transcription,
  est: AnchorEstimate,
  request: CandidateRequest,
  rng: Rng,
  durationS: number,
): AnchorVariation {
  if (tr.notes.length === 0) throw new Error('varyTranscription: the transcription has no notes');
  const families = request.families.filter((f) => MELODIC.includes(f));
  const leadFamily = families.length > 0 ? rng.pick(families) : 'piano';
  const lead = rng.pick(programsOf(leadFamily));
  const hasBass = request.families.includes('bass');
  const bass = hasBass ? rng.pick(programsOf('bass')) : undefined;
  const drums = request.families.includes('drums');
  const leadRange = GM[lead]?.range ?? [36, 96];
  const bassRange = bass === undefined ? leadRange : (GM[bass]?.range ?? [28, 55]);
  const toMode: 'major' | 'minor' =
    request.mode === 'major' || request.mode === 'mixolydian' ? 'major' : 'minor';
  const srcTempo = est.tempo > 0 ? est.tempo : request.tempo;
  const stretch = request.tempo / srcTempo;
  const beat = 60 / request.tempo;
  const t0 = tr.notes[0]?.onset ?? 0;
  const lastOn = Math.max(...tr.notes.map((n) => n.onset));
  // Loop length: the source beats from the first to the last onset, plus the last
  // one, so repeats stay on the beat grid (a note ringing past it is cut by the next pass).
  const period = Math.max(1, Math.round(((lastOn - t0) * srcTempo) / 60) + 1) * beat;
  const parts: Part[] = [{ channel: 0, role: 'lead', program: lead, volume: 100, pan: 64 }];
  if (bass !== undefined) parts.push({ channel: 1, role: 'bass', program: bass, volume: 100, pan: 64 });
  const notes: Note[] = [];
  for (let rep = 0; rep * period < durationS; rep++) {
    for (const n of tr.notes) {
      const t = rep * period + (n.onset - t0) / stretch;
      if (t >= durationS) continue;
      const dur = Math.min((n.offset - n.onset) / stretch, durationS - t);
      const moved = moveToKey(
        n.pitch,
        { tonic: est.tonic, mode: est.mode },
        { tonic: request.tonic, mode: toMode },
      );
      const toBass = bass !== undefined && moved < BASS_SPLIT;
      const [lo, hi] = toBass ? bassRange : leadRange;
      notes.push({
        t,
        dur: Math.max(0.05, dur),
        channel: toBass ? 1 : 0,
        pitch: foldInto(moved, lo, hi),
        vel: Math.max(30, Math.min(120, Math.round(40 + 90 * n.amplitude * request.intensity))),
      });
    }
  }
  if (drums) {
    parts.push({ channel: 9, role: 'drums', program: 0, volume: 90, pan: 64 });
    for (let b = 0; b * beat < durationS; b++) {
      const t = b * beat;
      notes.push({ t, dur: 0.1, channel: 9, pitch: b % 2 === 0 ? 36 : 38, vel: 90 });
      notes.push({ t, dur: 0.05, channel: 9, pitch: 42, vel: 60 });
    }
  }
  return {
    score: { durationS, parts, notes, reverb: 0.15 },
    programs: bass === undefined ? { lead } : { lead, bass },
    stretch,
  };
}
