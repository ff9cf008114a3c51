/**
 * The musical attributes generation talks about, read from a dataset's
 * `stimuli/attributes.tsv` (the twin writes it; see src/synth/music/build.ts) and
 * turned into the label sets the probes and the tagger learn.
 */
import { readFile } from 'node:fs/promises';
import {
  GENRES,
  type Genre,
  INSTRUMENT_FAMILIES,
  type InstrumentFamily,
  isGenre,
  type Mood,
} from '../synth/music/index.js';
import { MODES, type ModeName } from '../synth/music/theory.js';
import { UserError } from '../util/errors.js';

export const MOODS: readonly Mood[] = [
  'happy',
  'energetic',
  'aggressive',
  'tense',
  'calm',
  'relaxed',
  'sad',
  'melancholic',
];
export const MODE_NAMES = Object.keys(MODES) as ModeName[];
export const METERS = ['3/4', '4/4'] as const;
export type Meter = (typeof METERS)[number];

/** The attributes of one track that probes learn (a subset of the twin's TrackAttributes). */
export interface MusicAttributes {
  id: string;
  genre: Genre;
  tempo: number;
  meter: Meter;
  swing: number;
  tonic: number;
  mode: ModeName;
  instruments: InstrumentFamily[];
  energy: number;
  valence: number;
  mood: Mood;
  noteRate: number;
  /** `stimulus` or `library` in the twin. */
  role?: string;
}

const REQUIRED = [
  'id',
  'genre',
  'tempo',
  'meter',
  'swing',
  'key',
  'mode',
  'energy',
  'valence',
  'mood',
  'instruments',
  'note_rate',
];
const PC: Record<string, number> = {
  C: 0,
  'C#': 1,
  Db: 1,
  D: 2,
  'D#': 3,
  Eb: 3,
  E: 4,
  F: 5,
  'F#': 6,
  Gb: 6,
  G: 7,
  'G#': 8,
  Ab: 8,
  A: 9,
  'A#': 10,
  Bb: 10,
  B: 11,
};

/** Parses an attributes.tsv text; every bad cell is reported with its line and column. */
export function parseAttributesTsv(text: string, file = 'attributes.tsv'): MusicAttributes[] {
  const lines = text
    .replace(/^\uFEFF/, '')
    .split(/\r?\n/)
    .filter((l) => l.length > 0);
  const head = (lines[0] ?? '').split('\t');
  for (const c of REQUIRED)
    if (!head.includes(c))
      throw new UserError(`attributes table has no column "${c}"`, {
        file,
        line: 1,
        hint: `columns needed: ${REQUIRED.join(', ')}`,
      });
  const col = (name: string) => head.indexOf(name);
  const out: MusicAttributes[] = [];
  for (let li = 1; li < lines.length; li++) {
    const cells = (lines[li] as string).split('\t');
    const get = (name: string) => cells[col(name)] ?? '';
    const bad = (name: string, why: string): never => {
      throw new UserError(`${why}: "${get(name)}"`, { file, line: li + 1, column: name });
    };
    const num = (name: string) => {
      const v = Number(get(name));
      return Number.isFinite(v) && get(name) !== '' ? v : bad(name, 'not a number');
    };
    const genre = get('genre');
    if (!isGenre(genre)) bad('genre', 'unknown genre');
    const meter = get('meter');
    if (!(METERS as readonly string[]).includes(meter)) bad('meter', `meter must be ${METERS.join(' or ')}`);
    const mode = get('mode') as ModeName;
    if (!MODE_NAMES.includes(mode)) bad('mode', 'unknown mode');
    const tonicName = get('key').split(' ')[0] ?? '';
    const tonic = PC[tonicName];
    if (tonic === undefined) bad('key', 'unknown tonic');
    const mood = get('mood') as Mood;
    if (!MOODS.includes(mood)) bad('mood', 'unknown mood');
    const instruments = get('instruments')
      .split(',')
      .filter((s) => s.length > 0) as InstrumentFamily[];
    for (const f of instruments)
      if (!INSTRUMENT_FAMILIES.includes(f)) bad('instruments', `unknown instrument family ${f}`);
    out.push({
      id: get('id'),
      genre: genre as Genre,
      tempo: num('tempo'),
      meter: meter as Meter,
      swing: num('swing'),
      tonic: tonic as number,
      mode,
      instruments,
      energy: num('energy'),
      valence: num('valence'),
      mood,
      noteRate: num('note_rate'),
      role: col('role') >= 0 ? get('role') : undefined,
    });
  }
  return out;
}

export async function readAttributesTsv(file: string): Promise<MusicAttributes[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw new UserError(`cannot read the attributes table: ${(e as Error).message}`, {
      file,
      hint: 'the twin writes stimuli/attributes.tsv; for real audio, tag the library first',
      cause: e,
    });
  }
  return parseAttributesTsv(text, file);
}

export { GENRES, INSTRUMENT_FAMILIES };
