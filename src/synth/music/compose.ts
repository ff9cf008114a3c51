/**
 * The procedural composer: one genre and one seed in, one 30-s arrangement out,
 * plus the musical facts the attributes and captions report. Everything random is
 * drawn from an `Rng` seeded by the caller, so a track id and seed always give the
 * same notes (whatever soundfont later renders them).
 */
import { Rng } from '../../util/rng.js';
import { Arrangement } from './arrangement.js';
import { DRUM_PATTERNS, writeDrums } from './drums.js';
import { GENRE_STYLES, type Genre, type Weighted } from './genres.js';
import { DRUM_KITS, instrumentInfo } from './instruments.js';
import { PART_WRITERS } from './parts.js';
import { DRUM_CHANNEL, type Role, type Score } from './score.js';
import { isMajorMode, type ModeName, parseProgression, progressionBars } from './theory.js';

export interface ComposeOptions {
  /** Length of the rendered excerpt, seconds (GTZAN: 30). */
  durationS?: number;
  /** Steers the composer toward given attributes (generation); absent = the genre's own draws. */
  condition?: Conditioning;
}

/**
 * Attributes a caller imposes on a composition. Every random draw still happens
 * in the same order (an imposed value replaces the drawn one afterwards, a weight
 * rescales a pool), so a composition without conditioning is unchanged byte for byte
 * and one with conditioning differs only where it was asked to.
 */
export interface Conditioning {
  /** Beats per minute. */
  tempo?: number;
  beatsPerBar?: 3 | 4;
  /** Off-beat swing (0 straight … 1/6 triplet). */
  swing?: number;
  mode?: ModeName;
  /** Tonic pitch class 0–11. */
  tonic?: number;
  /** Overall intensity 0–1 (section loudness and busyness). */
  intensity?: number;
  /** Probability that a role plays at all, replacing the genre's. */
  presence?: Partial<Record<Role, number>>;
  /**
   * Multiplies the weight of every instrument (GM program) of a family in the role
   * pools; a family absent from the map keeps weight × `otherFamilies` (default 1).
   */
  familyWeights?: Partial<Record<string, number>>;
  otherFamilies?: number;
}

/** One part as the attributes describe it. */
export interface PartInfo {
  role: Role;
  /** GM program (drums: the kit). */
  program: number;
  /** Caption name ("electric piano", "jazz drum kit"). */
  name: string;
  family: string;
  /** The playing style (part-writer or drum-pattern name). */
  style: string;
}

/** What the composer decided, before anything is measured from the notes. */
export interface Composition {
  genre: Genre;
  score: Score;
  tempo: number;
  beatsPerBar: number;
  swing: number;
  tonic: number;
  mode: ModeName;
  parts: PartInfo[];
  /** Form of the whole song and where the excerpt starts in it. */
  form: string[];
  startS: number;
  /** Overall intensity drawn for this track (0–1); sections vary around it. */
  intensity: number;
}

const CHANNEL: Record<Role, number> = {
  bass: 0,
  harmony: 1,
  pad: 2,
  lead: 3,
  counter: 4,
  drums: DRUM_CHANNEL,
};
const VOLUME: Record<Role, number> = { drums: 100, bass: 98, harmony: 84, pad: 66, lead: 100, counter: 72 };

function pickWeighted<T>(rng: Rng, w: Weighted<T>): T {
  return rng.weighted(
    w.map(([v]) => v),
    w.map(([, p]) => p),
  );
}

/** A program pool reweighted by family; falls back to the pool as it is when every weight vanishes. */
function reweightPrograms(
  pool: Weighted<number>,
  family: (program: number) => string,
  cond: Conditioning | undefined,
): Weighted<number> {
  const fw = cond?.familyWeights;
  if (!fw) return pool;
  const other = cond?.otherFamilies ?? 1;
  const out = pool.map(([p, w]) => [p, w * Math.max(0, fw[family(p)] ?? other)] as const);
  return out.some(([, w]) => w > 0) ? out : pool;
}

/** Section kinds: energy (relative to the track's intensity) and which roles play. */
const SECTION_KINDS: Record<string, { energy: number; layers: Role[] }> = {
  intro: { energy: 0.55, layers: ['harmony', 'pad', 'drums', 'bass'] },
  verse: { energy: 0.7, layers: ['drums', 'bass', 'harmony', 'lead'] },
  chorus: { energy: 0.95, layers: ['drums', 'bass', 'harmony', 'lead', 'pad', 'counter'] },
  bridge: { energy: 0.75, layers: ['drums', 'bass', 'harmony', 'pad', 'counter'] },
  solo: { energy: 1, layers: ['drums', 'bass', 'harmony', 'lead'] },
  outro: { energy: 0.6, layers: ['drums', 'bass', 'harmony', 'pad', 'lead'] },
};

const FORMS = [
  ['intro', 'verse', 'chorus', 'verse', 'chorus', 'bridge', 'chorus', 'outro'],
  ['intro', 'verse', 'verse', 'chorus', 'solo', 'chorus', 'outro'],
  ['verse', 'chorus', 'verse', 'chorus', 'solo', 'chorus'],
  ['intro', 'chorus', 'verse', 'chorus', 'bridge', 'solo', 'chorus'],
];

/** Composes one track of `genre` from `rng`. */
export function compose(genre: Genre, rng: Rng, opts: ComposeOptions = {}): Composition {
  const durationS = opts.durationS ?? 30;
  const style = GENRE_STYLES[genre];
  const cond = opts.condition;
  const drawnTempo = Math.round(rng.range(style.tempo[0], style.tempo[1]) * 10) / 10;
  const tempo = cond?.tempo !== undefined ? Math.round(cond.tempo * 10) / 10 : drawnTempo;
  const drawnMeter = pickWeighted(rng, style.meters);
  const beatsPerBar = cond?.beatsPerBar ?? drawnMeter;
  const drawnSwing = rng.chance(style.swing.chance)
    ? rng.range(style.swing.amount[0], style.swing.amount[1])
    : 0;
  const swing = cond?.swing ?? drawnSwing;
  const drawnMode = pickWeighted(rng, style.modes);
  const mode = cond?.mode ?? drawnMode;
  const drawnTonic = style.tonics.length && rng.chance(0.7) ? rng.pick(style.tonics) : rng.int(0, 11);
  const tonic = cond?.tonic ?? drawnTonic;
  const drawnIntensity = rng.range(0.35, 1);
  const intensity = cond?.intensity ?? drawnIntensity;
  const family = (p: number) => instrumentInfo(p).family as string;

  const arr = new Arrangement(
    { tempo, beatsPerBar, swing, swingUnit: style.swing.unit, timingJitter: style.jitter },
    tonic,
    rng.fork('timing'),
  );

  // Instrumentation first: which roles play, on which instrument, in which style.
  const roles: Role[] = ['drums', 'bass', 'harmony', 'pad', 'lead', 'counter'];
  const present = new Set<Role>();
  const parts: PartInfo[] = [];
  for (const role of roles) {
    const rs = style.roles[role];
    if (!rng.chance(cond?.presence?.[role] ?? rs.presence)) continue;
    if (role === 'drums') {
      const kit = pickWeighted(rng, rs.programs);
      let pattern = pickWeighted(rng, rs.styles);
      if (DRUM_PATTERNS[pattern]?.beats !== beatsPerBar)
        pattern = beatsPerBar === 3 ? (genre === 'jazz' ? 'jazzWaltz' : 'waltz') : 'rock';
      parts.push({ role, program: kit, name: DRUM_KITS[kit] ?? 'drum kit', family: 'drums', style: pattern });
    } else {
      const program = pickWeighted(rng, reweightPrograms(rs.programs, family, cond));
      const info = instrumentInfo(program);
      parts.push({
        role,
        program,
        name: info.name,
        family: info.family,
        style: pickWeighted(rng, rs.styles),
      });
    }
    present.add(role);
  }
  if (!present.has('harmony') && !present.has('lead')) {
    const rs = style.roles.harmony;
    const program = pickWeighted(rng, reweightPrograms(rs.programs, family, cond));
    const info = instrumentInfo(program);
    parts.push({
      role: 'harmony',
      program,
      name: info.name,
      family: info.family,
      style: pickWeighted(rng, rs.styles),
    });
    present.add('harmony');
  }

  // Form: enough sections to cover the excerpt wherever it starts.
  const progs = isMajorMode(mode) ? style.progressions.major : style.progressions.minor;
  const barS = (beatsPerBar * 60) / tempo;
  const fromTop = rng.chance(0.3);
  const form = rng.pick(FORMS);
  const progBySection = new Map<string, string>();
  const formUsed: string[] = [];
  let startBar = 0;
  for (let k = 0; ; k++) {
    const name = form[k % form.length] as string;
    if (!progBySection.has(name)) progBySection.set(name, rng.pick(progs));
    const prog = parseProgression(progBySection.get(name) as string);
    const plen = progressionBars(prog);
    const reps =
      plen >= 8 ? 1 : Math.max(1, Math.round((name === 'intro' || name === 'outro' ? 4 : 8) / plen));
    const bars = Math.ceil(plen * reps);
    const kind = SECTION_KINDS[name] as { energy: number; layers: Role[] };
    const energy = Math.min(1, kind.energy * (0.6 + 0.5 * intensity));
    const section = arr.addSection(
      name,
      bars,
      energy,
      kind.layers.filter((r) => present.has(r)),
    );
    arr.addChords(section.startBar, bars, prog);
    formUsed.push(name);
    const needBars = (fromTop ? 0 : 8) + Math.ceil(durationS / barS) + 2;
    if (arr.totalBars >= needBars) break;
  }
  if (!fromTop) startBar = rng.int(2, Math.max(2, arr.totalBars - Math.ceil(durationS / barS) - 1));
  // A section with no melodic role left would be empty; let the harmony carry it.
  for (const s of arr.sections) if (![...s.layers].some((r) => r !== 'drums')) s.layers.add('harmony');

  // Parts.
  for (const p of parts) {
    const channel = CHANNEL[p.role];
    arr.parts.push({
      channel,
      role: p.role,
      program: p.program,
      volume: Math.round(VOLUME[p.role] * rng.range(0.9, 1.05)),
      pan: 64,
    });
    if (p.role === 'drums') {
      writeDrums(arr, p.style, rng.fork('drums'));
      continue;
    }
    const info = instrumentInfo(p.program);
    const range: [number, number] =
      p.role === 'lead' || p.role === 'counter'
        ? [Math.max(info.range[0], 52), Math.min(info.range[1], 88)]
        : info.range;
    const writer = PART_WRITERS[p.role][p.style];
    if (!writer) throw new Error(`no ${p.role} writer named ${p.style}`);
    writer({
      arr,
      rng: rng.fork(p.role),
      channel,
      role: p.role,
      range,
      mode,
      density: rng.range(style.melody.density[0], style.melody.density[1]),
      blues: style.melody.blues,
    });
  }

  const startS = arr.seconds(startBar);
  const reverb = rng.range(style.reverb[0], style.reverb[1]);
  return {
    genre,
    score: arr.toScore(startS, durationS, reverb),
    tempo,
    beatsPerBar,
    swing,
    tonic,
    mode,
    parts,
    form: formUsed,
    startS,
    intensity,
  };
}

/** Composes the track with id `genre.000XX` for a dataset seed: independent of every other track. */
export function composeTrack(id: string, seed: number, opts: ComposeOptions = {}): Composition {
  const genre = id.split('.')[0] as Genre;
  if (!(genre in GENRE_STYLES)) throw new Error(`track id ${id} does not start with a GTZAN genre`);
  return compose(genre, new Rng(`music:${seed}:${id}`), opts);
}
