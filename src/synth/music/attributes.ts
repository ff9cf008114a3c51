/**
 * Ground-truth attributes of a composed track (what the brain simulation may encode
 * and what analyses are scored against), the numeric attribute vector, and a caption
 * of about four sentences in the style of the human captions Brain2Music used.
 */
import { Rng } from '../../util/rng.js';
import type { Composition } from './compose.js';
import { GENRES, type Genre } from './genres.js';
import { INSTRUMENT_FAMILIES, type InstrumentFamily } from './instruments.js';
import { isMajorMode, keyName, type ModeName } from './theory.js';

export type Mood =
  | 'happy'
  | 'energetic'
  | 'aggressive'
  | 'tense'
  | 'calm'
  | 'relaxed'
  | 'sad'
  | 'melancholic';

/** Everything a track is known to be (one row of attributes.tsv). */
export interface TrackAttributes {
  /** `genre.000XX`. */
  id: string;
  genre: Genre;
  /** Beats per minute. */
  tempo: number;
  /** "4/4" or "3/4". */
  meter: string;
  /** Swing of the off-beats (0 straight … 1/6 triplet). */
  swing: number;
  /** Key name, e.g. "A minor". */
  key: string;
  tonic: number;
  mode: ModeName;
  /** True when the mode's third is major. */
  major: boolean;
  /** Families of the instruments that play, in INSTRUMENT_FAMILIES order. */
  instruments: InstrumentFamily[];
  /** role=instrument name, e.g. "lead=tenor saxophone". */
  parts: string[];
  /** Arousal 0–1, from tempo, note rate, loudness of playing and distortion. */
  energy: number;
  /** Valence 0–1, from the genre's character, mode and tempo. */
  valence: number;
  /** The mood word for the (energy, valence) quadrant. */
  mood: Mood;
  /** Note onsets per second, all parts. */
  noteRate: number;
}

const clip01 = (x: number) => Math.max(0, Math.min(1, x));

/** Measures and derives the attributes of a composition. */
export function describe(id: string, c: Composition): TrackAttributes {
  const onsets = new Set<number>();
  let velSum = 0;
  for (const n of c.score.notes) {
    onsets.add(Math.round(n.t * 50));
    velSum += n.vel;
  }
  const noteRate = onsets.size / c.score.durationS;
  const meanVel = c.score.notes.length ? velSum / c.score.notes.length / 127 : 0;
  const families = new Set(c.parts.map((p) => p.family as InstrumentFamily));
  const distorted = families.has('distorted_guitar') ? 1 : 0;
  const energy = clip01(
    0.3 * clip01((c.tempo - 60) / 140) +
      0.3 * clip01(noteRate / 10) +
      0.2 * clip01((meanVel - 0.3) / 0.5) +
      0.2 * distorted,
  );
  const major = isMajorMode(c.mode);
  const styleValence: Record<Genre, number> = {
    blues: 0.35,
    classical: 0.55,
    country: 0.65,
    disco: 0.75,
    hiphop: 0.4,
    jazz: 0.55,
    metal: 0.2,
    pop: 0.7,
    reggae: 0.65,
    rock: 0.5,
  };
  const valence = clip01(
    styleValence[c.genre] + (major ? 0.15 : -0.15) + 0.1 * ((c.tempo - 110) / 60) - 0.15 * distorted,
  );
  const mood: Mood =
    energy >= 0.5
      ? valence >= 0.5
        ? energy >= 0.65
          ? 'energetic'
          : 'happy'
        : energy >= 0.65
          ? 'aggressive'
          : 'tense'
      : valence >= 0.5
        ? valence >= 0.65
          ? 'relaxed'
          : 'calm'
        : valence < 0.3
          ? 'sad'
          : 'melancholic';
  return {
    id,
    genre: c.genre,
    tempo: c.tempo,
    meter: `${c.beatsPerBar}/4`,
    swing: Math.round(c.swing * 1000) / 1000,
    key: keyName(c.tonic, c.mode),
    tonic: c.tonic,
    mode: c.mode,
    major,
    instruments: INSTRUMENT_FAMILIES.filter((f) => families.has(f)),
    parts: c.parts.map((p) => `${p.role}=${p.name}`),
    energy: Math.round(energy * 1000) / 1000,
    valence: Math.round(valence * 1000) / 1000,
    mood,
    noteRate: Math.round(noteRate * 100) / 100,
  };
}

/**
 * Names of the semantic attribute vector's entries: genre one-hot (10), tempo
 * (bpm/200), major, swing (×6, so a triplet swing is 1), energy, valence, then one
 * entry per instrument family (multi-hot).
 */
export const ATTRIBUTE_VECTOR_NAMES: readonly string[] = [
  ...GENRES.map((g) => `genre_${g}`),
  'tempo',
  'major',
  'swing',
  'energy',
  'valence',
  ...INSTRUMENT_FAMILIES.map((f) => `instrument_${f}`),
];

/** The semantic attribute vector of a track (length ATTRIBUTE_VECTOR_NAMES.length). */
export function attributeVector(a: TrackAttributes): Float64Array {
  const v = new Float64Array(ATTRIBUTE_VECTOR_NAMES.length);
  v[GENRES.indexOf(a.genre)] = 1;
  let k = GENRES.length;
  v[k++] = a.tempo / 200;
  v[k++] = a.major ? 1 : 0;
  v[k++] = Math.min(1, a.swing * 6);
  v[k++] = a.energy;
  v[k++] = a.valence;
  for (const f of INSTRUMENT_FAMILIES) v[k++] = a.instruments.includes(f) ? 1 : 0;
  return v;
}

// ---------------------------------------------------------------- captions

const GENRE_WORDS: Record<Genre, string[]> = {
  blues: ['blues'],
  classical: ['classical', 'orchestral classical'],
  country: ['country'],
  disco: ['disco'],
  hiphop: ['hip-hop', 'hip hop'],
  jazz: ['jazz'],
  metal: ['heavy metal', 'metal'],
  pop: ['pop'],
  reggae: ['reggae'],
  rock: ['rock'],
};

const MOOD_WORDS: Record<Mood, string[]> = {
  happy: ['cheerful', 'happy', 'bright'],
  energetic: ['energetic', 'upbeat', 'lively'],
  aggressive: ['aggressive', 'intense', 'heavy'],
  tense: ['tense', 'dark', 'restless'],
  calm: ['calm', 'gentle', 'soft'],
  relaxed: ['relaxed', 'laid-back', 'peaceful'],
  sad: ['sad', 'somber', 'mournful'],
  melancholic: ['melancholic', 'wistful', 'moody'],
};

const BASS_WORDS: Record<string, string> = {
  roots: 'holds the root notes',
  rootEighths: 'pumps steady eighth notes',
  rootFifth: 'alternates between root and fifth',
  walking: 'plays a walking line',
  octaves: 'bounces in octaves',
  boogie: 'plays a boogie pattern',
  reggae: 'plays a deep, syncopated line',
  sparse: 'drops long, booming notes',
  funk16: 'plays a funky syncopated groove',
  arpeggio: 'outlines the chords',
};

const HARMONY_WORDS: Record<string, string> = {
  block: 'sustains the chords',
  strum: 'strums the chords',
  power: 'chugs power chords',
  skank: 'plays short off-beat chords',
  arpeggio: 'plays flowing arpeggios',
  comp: 'comps syncopated chords',
  stabs: 'adds short rhythmic chord stabs',
  pump: 'pulses steady chords',
};

const DRUM_WORDS: Record<string, string> = {
  rock: 'a straight rock beat',
  rockDrive: 'a driving rock beat',
  rockRide: 'a steady beat on the ride cymbal',
  halftime: 'a half-time groove',
  metalDouble: 'fast double-bass drumming',
  metalGallop: 'a galloping double-kick pattern',
  metalBlast: 'relentless blast beats',
  fourFloor: 'a four-on-the-floor kick',
  discoSixteenth: 'a four-on-the-floor disco beat with busy hi-hats',
  popBeat: 'a simple pop beat',
  popClap: 'a beat with hand claps',
  boomBap: 'a boom-bap beat',
  boomBapGhost: 'a boom-bap beat with ghost notes',
  trap: 'a trap beat with rolling hi-hats',
  oneDrop: 'a one-drop rhythm',
  rockers: 'a rockers rhythm',
  steppers: 'a steppers rhythm',
  countryTrain: 'a train beat',
  countryTwoStep: 'a two-step beat',
  waltz: 'a waltz rhythm',
  jazzWaltz: 'a jazz waltz on the ride',
  jazzSwing: 'a swinging ride cymbal',
  bluesShuffle: 'a shuffle rhythm',
  slowBlues: 'a slow 12/8 feel',
  bossa: 'a bossa nova groove',
  ballad: 'a soft ballad beat',
};

function article(word: string): string {
  if (/(strings|oohs|drums)$/.test(word)) return word; // plural instrument names take no article
  return /^[aeiou]/i.test(word) ? `an ${word}` : `a ${word}`;
}

function tempoWord(bpm: number): string {
  return bpm < 76 ? 'slow' : bpm < 108 ? 'moderate' : bpm < 140 ? 'fast' : 'very fast';
}

/** A caption of about four sentences; deterministic in (attributes, composition, seed). */
export function caption(a: TrackAttributes, c: Composition, seed: number): string {
  const rng = new Rng(`caption:${seed}:${a.id}`);
  const part = (role: string) => c.parts.find((p) => p.role === role);
  const genre = rng.pick(GENRE_WORDS[a.genre]);
  // Mood words that repeat the genre's name ("heavy heavy metal") are left out.
  const mood = MOOD_WORDS[a.mood].filter((w) => !genre.includes(w));
  const m1 = rng.pick(mood);
  const m2 = rng.pick(mood.filter((w) => w !== m1));
  const lead = part('lead');
  const harmony = part('harmony');
  const bass = part('bass');
  const drums = part('drums');
  const s: string[] = [];

  const noun =
    a.genre === 'classical' ? rng.pick(['piece', 'composition']) : rng.pick(['song', 'track', 'tune']);
  const featured = lead ?? harmony;
  let with_ = '';
  if (featured && harmony && harmony !== featured && harmony.name === featured.name)
    with_ = ` featuring ${article(featured.name)} playing both the melody and the chords`;
  else if (featured)
    with_ = ` featuring ${article(featured.name)}${harmony && harmony !== featured ? ` over ${article(harmony.name)}` : ''}`;
  s.push(`${cap(article(m1))} ${genre} ${noun}${with_}.`);

  const feel = a.swing > 0.05 ? ', with a swinging feel' : a.meter === '3/4' ? ', in triple meter' : '';
  s.push(`The tempo is ${tempoWord(a.tempo)}, around ${Math.round(a.tempo)} BPM${feel}.`);

  const bits: string[] = [];
  if (bass) bits.push(`the ${bass.name} ${BASS_WORDS[bass.style] ?? 'plays the bass line'}`);
  if (harmony) {
    // Strumming and chugging are guitar words; keyboards "roll" or "pound" the same patterns.
    const guitar = /guitar/.test(harmony.family);
    const words =
      !guitar && harmony.style === 'strum'
        ? 'plays rolled chords'
        : !guitar && harmony.style === 'power'
          ? 'pounds out open fifths'
          : (HARMONY_WORDS[harmony.style] ?? 'plays the chords');
    bits.push(`the ${harmony.name} ${words}`);
  }
  if (bits.length) {
    const rhythm = drums
      ? ` over ${DRUM_WORDS[drums.style] ?? 'a steady beat'} on ${article(drums.name)}`
      : '';
    s.push(`${cap(bits.join(' while '))}${rhythm}.`);
  } else if (!drums) s.push('There are no drums.');
  if (!drums && bits.length) s.push('There is no percussion.');

  const named = new Set([lead?.name, harmony?.name]);
  const extras = [
    ...new Set(
      c.parts
        .filter((p) => (p.role === 'pad' || p.role === 'counter') && !named.has(p.name))
        .map((p) => p.name),
    ),
  ];
  const colour = extras.length ? ` with ${extras.map(article).join(' and ')} in the background` : '';
  s.push(`It is in ${a.key}${colour}, and the mood is ${m1} and ${m2}.`);
  return s.join(' ');
}

function cap(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
