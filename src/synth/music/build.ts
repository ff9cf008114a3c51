/**
 * The twin's music library builder: composes every track the design needs (the
 * GTZAN-named stimulus sources) plus extra library tracks, renders them in worker
 * threads, and writes the ground truth (attributes, captions, attribute vectors,
 * the notes). Layout under `root`:
 *
 *   sourcedata/gtzan/<genre>/<genre>.000XX.wav     stimulus sources, 30 s, 22,050 Hz mono
 *   sourcedata/library/<genre>/<genre>.00100.wav …  retrieval library, numbered after GTZAN's 0–99
 *   stimuli/attributes.tsv, stimuli/captions.tsv    one row per track (stimulus sources and library)
 *   derivatives/simulation/music/                   tracks.json, attribute_vectors.tsv, scores.jsonl.gz,
 *                                                   midi/<genre>.000XX.mid (the exact notes, for any synthesizer)
 */
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { gzipSync } from 'node:zlib';
import { Matrix } from '../../linalg/matrix.js';
import { writeFileAtomic } from '../../util/atomic.js';
import { UserError } from '../../util/errors.js';
import { type ProgressSink, silentProgress } from '../../util/progress.js';
import { Rng } from '../../util/rng.js';
import {
  ATTRIBUTE_VECTOR_NAMES,
  attributeVector,
  caption,
  describe,
  type TrackAttributes,
} from './attributes.js';
import { type Composition, composeTrack } from './compose.js';
import { GENRES, type Genre, isGenre } from './genres.js';
import { type AudioFormat, type RenderJob, type RenderJobResult, renderAndWrite } from './job.js';
import { scoreToMidi } from './midi.js';
import { checkSoundfont, DEFAULT_SOUNDFONT, SOUNDFONTS } from './soundfonts.js';

export interface BuildMusicOptions {
  /** Dataset root the files are written under. */
  root: string;
  /** Stimulus source tracks, `genre.000XX` (the ids the events use). */
  trackIds: readonly string[];
  /** Extra tracks per genre for the retrieval library (default 50). */
  extraPerGenre?: number;
  /** Soundfont name (see SOUNDFONTS; default "fluidr3mono"). */
  soundfont?: string;
  /** Dataset seed: the same seed gives byte-identical audio (default 0). */
  seed?: number;
  progress?: ProgressSink;
  /** Render threads (default: available cores, at most 8; 1 renders in this thread). */
  workers?: number;
  /** Library track format (default "wav"; "mp3" is 4× smaller but ~20× slower to write). */
  libraryFormat?: AudioFormat;
  /** Track length in seconds (default 30, as GTZAN). */
  durationS?: number;
  /** Sample rate in Hz (default 22,050, as GTZAN). */
  sampleRate?: number;
}

export type TrackRole = 'stimulus' | 'library';

export interface MusicTrack {
  /** `genre.000XX`. */
  id: string;
  genre: Genre;
  role: TrackRole;
  /** Absolute path of the audio file. */
  path: string;
  /** Path relative to the dataset root (forward slashes). */
  relPath: string;
  attributes: TrackAttributes;
  caption: string;
}

export interface BuiltMusic {
  tracks: MusicTrack[];
  soundfont: string;
  seed: number;
  sampleRate: number;
  durationS: number;
  /** Names of the attribute vector entries (columns of `vectors`). */
  vectorNames: readonly string[];
  /** Semantic attribute vectors: n_tracks × n_attributes, rows in `tracks` order. */
  vectors: Matrix<Float64Array>;
  /** Absolute paths of the tables written. */
  attributesPath: string;
  captionsPath: string;
}

const DEFAULTS = {
  extraPerGenre: 10,
  soundfont: DEFAULT_SOUNDFONT,
  seed: 0,
  libraryFormat: 'wav' as AudioFormat,
  durationS: 30,
  sampleRate: 22050,
};

const ID_RE = /^([a-z]+)\.(\d{5})$/;

/** Parses and checks a `genre.000XX` track id. */
export function parseTrackId(id: string): { genre: Genre; number: number } {
  const m = ID_RE.exec(id);
  if (!m || !isGenre(m[1] as string)) {
    throw new UserError(`bad track id "${id}"`, {
      field: 'trackIds',
      hint: `write ids as <genre>.000XX with a genre among ${GENRES.join(', ')}`,
    });
  }
  return { genre: m[1] as Genre, number: Number(m[2]) };
}

export function trackId(genre: Genre, n: number): string {
  return `${genre}.${String(n).padStart(5, '0')}`;
}

/** Library ids: `extraPerGenre` per genre, numbered from 100 (after GTZAN's 0–99). */
export function libraryTrackIds(extraPerGenre: number): string[] {
  const ids: string[] = [];
  for (const g of GENRES) for (let k = 0; k < extraPerGenre; k++) ids.push(trackId(g, 100 + k));
  return ids;
}

interface Planned {
  id: string;
  role: TrackRole;
  composition: Composition;
  attributes: TrackAttributes;
  caption: string;
  relPath: string;
  targetDbfs: number;
}

/** Composes, renders and writes the twin's music; see the module comment for the layout. */
export async function buildMusic(options: BuildMusicOptions): Promise<BuiltMusic> {
  const o = { ...DEFAULTS, ...options };
  const soundfont = checkSoundfont(o.soundfont);
  const progress = o.progress ?? silentProgress;
  if (!Number.isInteger(o.extraPerGenre) || o.extraPerGenre < 0) {
    throw new UserError(`extraPerGenre must be a whole number ≥ 0, got ${o.extraPerGenre}`, {
      field: 'extraPerGenre',
    });
  }
  const stimulusIds = [...new Set(o.trackIds)].sort();
  for (const id of stimulusIds) parseTrackId(id);
  const used = new Set(stimulusIds);
  const libraryIds = libraryTrackIds(o.extraPerGenre).filter((id) => !used.has(id));

  // Compose everything first (fast, single-threaded, deterministic per id).
  const plan: Planned[] = [];
  for (const [role, ids] of [
    ['stimulus', stimulusIds],
    ['library', libraryIds],
  ] as const) {
    for (const id of ids) {
      const composition = composeTrack(id, o.seed, { durationS: o.durationS });
      const attributes = describe(id, composition);
      const ext = role === 'library' ? o.libraryFormat : 'wav';
      const folder = role === 'stimulus' ? 'sourcedata/gtzan' : 'sourcedata/library';
      plan.push({
        id,
        role,
        composition,
        attributes,
        caption: caption(attributes, composition, o.seed),
        relPath: `${folder}/${composition.genre}/${id}.${ext}`,
        // Real collections differ in loudness; ±2 dB around −18 dBFS.
        targetDbfs: new Rng(`loudness:${o.seed}:${id}`).range(-20, -16),
      });
    }
  }

  const jobs: RenderJob[] = plan.map((p, index) => ({
    index,
    score: p.composition.score,
    path: join(o.root, p.relPath),
    format: p.role === 'library' ? o.libraryFormat : 'wav',
    sampleRate: o.sampleRate,
    targetDbfs: p.targetDbfs,
  }));
  progress.start(`music: rendering ${jobs.length} tracks (${soundfont})`, jobs.length);
  const workers = Math.max(1, Math.min(o.workers ?? Math.min(8, availableParallelism()), jobs.length || 1));
  const results = await runJobs(jobs, soundfont, workers, (done) => progress.update(done));
  progress.finish();
  const limited = results.filter((r) => r.error === undefined && r.peakLimited).length;

  const tracks: MusicTrack[] = plan.map((p) => ({
    id: p.id,
    genre: p.composition.genre,
    role: p.role,
    path: join(o.root, p.relPath),
    relPath: p.relPath,
    attributes: p.attributes,
    caption: p.caption,
  }));
  const vectors = Matrix.zeros(tracks.length, ATTRIBUTE_VECTOR_NAMES.length, 'float64');
  for (const [i, t] of tracks.entries()) vectors.data.set(attributeVector(t.attributes), i * vectors.cols);

  const attributesPath = join(o.root, 'stimuli', 'attributes.tsv');
  const captionsPath = join(o.root, 'stimuli', 'captions.tsv');
  await writeFileAtomic(attributesPath, attributesTsv(tracks));
  await writeFileAtomic(
    join(o.root, 'stimuli', 'attributes.json'),
    `${JSON.stringify(ATTRIBUTES_SIDECAR, null, 2)}\n`,
  );
  await writeFileAtomic(captionsPath, captionsTsv(tracks));
  const sim = join(o.root, 'derivatives', 'simulation', 'music');
  await writeFileAtomic(join(sim, 'attribute_vectors.tsv'), vectorsTsv(tracks, vectors));
  await writeFileAtomic(
    join(sim, 'tracks.json'),
    `${JSON.stringify(
      {
        soundfont,
        soundfontDescription: SOUNDFONTS[soundfont]?.description,
        seed: o.seed,
        sampleRate: o.sampleRate,
        durationS: o.durationS,
        loudnessRule:
          'gain = min(10^(target/20)/rms, 10^(-1/20)/peak); target uniform in [-20, -16] dBFS per track',
        peakLimitedTracks: limited,
        tracks: plan.map((p, i) => ({
          id: p.id,
          role: p.role,
          path: p.relPath,
          form: p.composition.form,
          excerptStartS: Math.round(p.composition.startS * 1000) / 1000,
          intensity: Math.round(p.composition.intensity * 1000) / 1000,
          parts: p.composition.parts,
          targetDbfs: Math.round(p.targetDbfs * 100) / 100,
          rmsDbfs: Math.round((results[i] as { rmsDbfs: number }).rmsDbfs * 100) / 100,
        })),
      },
      null,
      1,
    )}\n`,
  );
  await writeFileAtomic(join(sim, 'scores.jsonl.gz'), scoresJsonlGz(plan));
  for (const p of plan)
    await writeFileAtomic(join(sim, 'midi', `${p.id}.mid`), scoreToMidi(p.composition.score));

  return {
    tracks,
    soundfont,
    seed: o.seed,
    sampleRate: o.sampleRate,
    durationS: o.durationS,
    vectorNames: ATTRIBUTE_VECTOR_NAMES,
    vectors,
    attributesPath,
    captionsPath,
  };
}

/** Runs render jobs on `workers` threads (1: in this thread); throws on the first failure. */
async function runJobs(
  jobs: RenderJob[],
  soundfont: string,
  workers: number,
  onDone: (done: number) => void,
): Promise<RenderJobResult[]> {
  const results: RenderJobResult[] = new Array(jobs.length);
  let done = 0;
  const check = (r: RenderJobResult) => {
    if (r.error) throw new Error(`rendering ${jobs[r.index]?.path} failed: ${r.error}`);
    results[r.index] = r;
    onDone(++done);
  };
  if (workers <= 1) {
    for (const job of jobs) check(await renderAndWrite(job, soundfont));
    return results;
  }
  const entry = new URL('./worker-entry.mjs', import.meta.url);
  const pool = Array.from({ length: workers }, () => new Worker(entry, { workerData: { soundfont } }));
  let next = 0;
  try {
    await Promise.all(
      pool.map(
        (w) =>
          new Promise<void>((resolve, reject) => {
            const feed = () => {
              if (next >= jobs.length) return resolve();
              w.postMessage(jobs[next++]);
            };
            w.on('message', (r: RenderJobResult) => {
              try {
                check(r);
                feed();
              } catch (e) {
                reject(e);
              }
            });
            w.on('error', reject);
            w.on('exit', (code) => {
              if (code !== 0) reject(new Error(`render worker exited with code ${code}`));
            });
            feed();
          }),
      ),
    );
  } finally {
    await Promise.all(pool.map((w) => w.terminate()));
  }
  return results;
}

// ---------------------------------------------------------------- tables

const tsvCell = (v: string | number | boolean) => String(v).replace(/[\t\r\n]+/g, ' ');

function attributesTsv(tracks: MusicTrack[]): string {
  const head = [
    'id',
    'genre',
    'role',
    'tempo',
    'meter',
    'swing',
    'key',
    'mode',
    'major',
    'energy',
    'valence',
    'mood',
    'instruments',
    'parts',
    'note_rate',
    'path',
  ];
  const rows = tracks.map((t) => {
    const a = t.attributes;
    return [
      a.id,
      a.genre,
      t.role,
      a.tempo,
      a.meter,
      a.swing,
      a.key,
      a.mode,
      a.major ? 1 : 0,
      a.energy,
      a.valence,
      a.mood,
      a.instruments.join(','),
      a.parts.join(';'),
      a.noteRate,
      t.relPath,
    ]
      .map(tsvCell)
      .join('\t');
  });
  return `${[head.join('\t'), ...rows].join('\n')}\n`;
}

function captionsTsv(tracks: MusicTrack[]): string {
  return `id\tcaption\n${tracks.map((t) => `${t.id}\t${tsvCell(t.caption)}`).join('\n')}\n`;
}

function vectorsTsv(tracks: MusicTrack[], m: Matrix<Float64Array>): string {
  const rows = tracks.map((t, i) => {
    const cells = Array.from(m.data.subarray(i * m.cols, (i + 1) * m.cols), (v) =>
      String(Math.round(v * 1e6) / 1e6),
    );
    return [t.id, ...cells].join('\t');
  });
  return `${['id', ...ATTRIBUTE_VECTOR_NAMES].join('\t')}\n${rows.join('\n')}\n`;
}

/** One line per track: id, parts, and notes as [t, dur, channel, pitch, velocity] (ms precision). */
function scoresJsonlGz(plan: Planned[]): Uint8Array {
  const lines = plan.map((p) =>
    JSON.stringify({
      id: p.id,
      durationS: p.composition.score.durationS,
      parts: p.composition.score.parts,
      notes: p.composition.score.notes.map((n) => [
        Math.round(n.t * 1000) / 1000,
        Math.round(n.dur * 1000) / 1000,
        n.channel,
        n.pitch,
        n.vel,
      ]),
    }),
  );
  return gzipSync(`${lines.join('\n')}\n`, { level: 6 });
}

const ATTRIBUTES_SIDECAR = {
  id: { Description: 'Track id, genre.000XX (GTZAN naming); library tracks are numbered from 100' },
  genre: { Description: 'GTZAN genre the track was composed in' },
  role: { Description: 'stimulus: source of the fMRI stimuli; library: extra track for retrieval only' },
  tempo: { Description: 'Tempo', Units: 'beats per minute' },
  meter: { Description: 'Time signature' },
  swing: {
    Description: 'Off-beat delay as a fraction of a pair of eighths (0 straight, 0.167 triplet swing)',
  },
  key: { Description: 'Tonic and mode' },
  mode: { Description: 'Scale mode (major, minor, dorian, mixolydian, harmonicMinor, phrygian)' },
  major: { Description: '1 when the mode has a major third' },
  energy: { Description: 'Arousal 0-1 from tempo, note rate, playing loudness and distortion' },
  valence: { Description: 'Valence 0-1 from the genre character, mode, tempo and distortion' },
  mood: { Description: 'Mood word for the (energy, valence) quadrant' },
  instruments: { Description: 'Instrument families that play (comma-separated)' },
  parts: { Description: 'role=instrument for every part (semicolon-separated)' },
  note_rate: { Description: 'Note onsets per second, all parts', Units: '1/s' },
  path: { Description: 'Audio file, relative to the dataset root' },
};
