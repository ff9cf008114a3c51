/**
 * Where the twin's music comes from, by name. `composed` is the real thing (the
 * procedural composer and soundfont renderer in `music/`); `tones` is a fast
 * stand-in for tests: a genre-dependent chord with a tempo-dependent pulse, so
 * that every code path after the music (cutting, features, brains, BIDS) can be
 * tested in seconds.
 */
import { join } from 'node:path';
import { writeWav } from '../audio/wav.js';
import { writeFileAtomic } from '../util/atomic.js';
import type { ProgressSink } from '../util/progress.js';
import { Rng } from '../util/rng.js';
import { GENRES } from './music/genres.js';

/** The ten GTZAN genres, in GTZAN's (alphabetical) order. */
export const GTZAN_GENRES = GENRES;

export const SAMPLE_RATE = 22050;
export const TRACK_SECONDS = 30;

export interface TrackRef {
  /** `genre.000XX`. */
  id: string;
  genre: string;
  track: number;
}

export interface MusicContext {
  /** Dataset root being built. */
  root: string;
  /** The stimulus source tracks (every track the events use). */
  tracks: readonly TrackRef[];
  /** Extra tracks per genre for the retrieval library (numbered after the used ones). */
  libraryPerGenre: number;
  seed: number;
  /** Soundfont name, for sources that render with one. */
  soundfont?: string;
  progress: ProgressSink;
}

export interface MusicResult {
  /** Names of the semantic attribute columns (genre, instrument families, mood, …). */
  semanticNames: string[];
  /** Track id → semantic attribute vector (length semanticNames.length), for every stimulus track. */
  semantic: Map<string, Float64Array>;
}

export type MusicSource = (ctx: MusicContext) => Promise<MusicResult>;

/** Path of a source track, GTZAN layout. */
export function sourceTrackPath(root: string, t: TrackRef): string {
  return join(root, 'sourcedata', 'gtzan', t.genre, `${t.id}.wav`);
}

/** Test stand-in: 30-s tones, genre one-hot semantics. Not music; never the product default. */
export const tonesSource: MusicSource = async (ctx) => {
  const semantic = new Map<string, Float64Array>();
  ctx.progress.start('tones', ctx.tracks.length);
  let done = 0;
  for (const t of ctx.tracks) {
    const g = Math.max(0, GTZAN_GENRES.indexOf(t.genre as (typeof GTZAN_GENRES)[number]));
    const rng = new Rng(`${ctx.seed}:${t.id}`);
    const root = 110 * 2 ** ((g + rng.int(0, 11)) / 12);
    const pulse = rng.range(1.2, 3);
    const x = new Float32Array(SAMPLE_RATE * TRACK_SECONDS);
    for (let i = 0; i < x.length; i++) {
      const s = i / SAMPLE_RATE;
      const env = 0.6 + 0.4 * Math.max(0, Math.sin(2 * Math.PI * pulse * s));
      x[i] =
        0.15 *
        env *
        (Math.sin(2 * Math.PI * root * s) +
          0.5 * Math.sin(2 * Math.PI * root * 1.26 * s) +
          0.4 * Math.sin(2 * Math.PI * root * 1.5 * s * (1 + g / 40)));
    }
    await writeWav(sourceTrackPath(ctx.root, t), x, SAMPLE_RATE);
    const v = new Float64Array(GTZAN_GENRES.length);
    v[g] = 1;
    semantic.set(t.id, v);
    ctx.progress.update(++done);
  }
  ctx.progress.finish();
  await writeFileAtomic(
    join(ctx.root, 'stimuli', 'attributes.tsv'),
    `id\tgenre\n${ctx.tracks.map((t) => `${t.id}\t${t.genre}`).join('\n')}\n`,
  );
  return { semanticNames: GTZAN_GENRES.map((g) => `genre_${g}`), semantic };
};

/** The procedural composer + soundfont renderer (`music/`): the product default. */
export const composedSource: MusicSource = async (ctx) => {
  const { buildMusic } = await import('./music/index.js');
  const built = await buildMusic({
    root: ctx.root,
    trackIds: ctx.tracks.map((t) => t.id),
    extraPerGenre: ctx.libraryPerGenre,
    seed: ctx.seed,
    progress: ctx.progress,
    ...(ctx.soundfont ? { soundfont: ctx.soundfont } : {}),
  });
  const semantic = new Map<string, Float64Array>();
  built.tracks.forEach((t, i) => {
    semantic.set(t.id, Float64Array.from(built.vectors.row(i)));
  });
  return { semanticNames: [...built.vectorNames], semantic };
};

/** name → music source. */
export const MUSIC_SOURCES: Readonly<Record<string, () => Promise<MusicSource>>> = {
  composed: async () => composedSource,
  tones: async () => tonesSource,
};
