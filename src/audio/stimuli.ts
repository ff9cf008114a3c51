/**
 * Stimulus cutting, exactly as ds003720 describes its stimuli: each clip is the
 * `[start, end)` excerpt of a GTZAN track, mono at 22,050 Hz, with a 2-s sine
 * fade-in and fade-out, then RMS-normalised to the mean RMS of the whole set.
 *
 * Sample-level rules (documented so that results are reproducible):
 * - first sample round(start · sr), length round((end − start) · sr), rounding
 *   halves up after removing float noise (start 4.21 s · 22,050 = 92,830.5 →
 *   92,831, whether the product comes out as …0.4999999 or …0.5000001):
 *   15 s → 330,750 samples; the dataset's one 14.99-s excerpt stays 14.99 s;
 * - sources at another rate are resampled first (`resample.ts`); stereo is
 *   averaged to mono;
 * - an excerpt that runs past the end of its track by at most `padTolerance`
 *   seconds (default 0.5 s; GTZAN tracks are ~30.01 s, a few are shorter) is
 *   padded with zeros and the padding recorded; more than that is an error;
 * - fade-in gain sin(π/2 · i/F) for samples i < F = round(fade · sr), fade-out
 *   the mirror image (gain sin(π/2 · (n − 1 − i)/F) for the last F samples);
 * - gain_c = (mean over the set of RMS_c) / RMS_c, RMS measured after fading;
 *   a silent clip (RMS 0) is an error. If any normalised clip would exceed full
 *   scale (|x| > 1, which 16-bit PCM would clip), the whole set gets one extra
 *   gain so the loudest peak sits at `peakCeiling` (equal RMS is kept, and the
 *   gain is in the manifest).
 *
 * Two passes over the sources (statistics, then writing) keep memory to one clip
 * at a time: the 540 clips of ds003720 never sit in memory together.
 */
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../util/atomic.js';
import { UserError } from '../util/errors.js';
import { hashBytes } from '../util/hash.js';
import { type ProgressSink, silentProgress } from '../util/progress.js';
import { decodeAudioFile, toMono } from './decode.js';
import { resample } from './resample.js';
import { encodeWav, type WavBitDepth } from './wav.js';

/** One clip to cut: what `loadDesign(root).design.clips` gives (extra fields are ignored). */
export interface StimulusClip {
  /** Output name stem; default `<genre>.000XX`. */
  id?: string;
  genre: string;
  track: number;
  /** Excerpt start and end in seconds within the track. */
  start: number;
  end: number;
}

export interface CutOptions {
  /** Output rate in Hz (default 22,050). */
  sampleRate?: number;
  /** Fade-in and fade-out length in seconds (default 2). */
  fadeSeconds?: number;
  /** RMS-normalise to the set mean (default true). */
  normalize?: boolean;
  /** Zero padding allowed past a track's end, seconds (default 0.5). */
  padTolerance?: number;
  /** Largest peak allowed after normalisation (default 0.999). */
  peakCeiling?: number;
  /** Output sample format (default 16-bit PCM). */
  bitDepth?: WavBitDepth;
  progress?: ProgressSink;
}

export const CUT_DEFAULTS = {
  sampleRate: 22050,
  fadeSeconds: 2,
  normalize: true,
  padTolerance: 0.5,
  peakCeiling: 0.999,
  bitDepth: 16 as WavBitDepth,
};

export interface CutClipRecord {
  id: string;
  genre: string;
  track: number;
  start: number;
  end: number;
  /** Source file, relative to the GTZAN folder. */
  source: string;
  sourceSampleRate: number;
  sourceChannels: number;
  /** Output file name, relative to the output folder. */
  file: string;
  samples: number;
  /** Zeros appended because the track ended early. */
  paddedSamples: number;
  /** RMS after fading, before normalisation. */
  rmsBefore: number;
  /** Gain applied (normalisation × set gain). */
  gain: number;
  /** Peak |x| written (before integer quantisation). */
  peak: number;
  sha256: string;
}

export interface StimulusManifest {
  sampleRate: number;
  fadeSeconds: number;
  normalize: boolean;
  /** Mean RMS of the faded clips: every clip's RMS after normalisation (before `setGain`). */
  targetRms: number;
  /** Extra gain applied to the whole set to keep peaks ≤ peakCeiling (1 when not needed). */
  setGain: number;
  bitDepth: WavBitDepth;
  clips: CutClipRecord[];
}

/** `genre.000XX` (GTZAN's file stem). */
export function gtzanStem(genre: string, track: number): string {
  return `${genre}.${String(track).padStart(5, '0')}`;
}

const EXTENSIONS = ['.au', '.wav', '.flac', '.mp3', '.ogg'];
const SUBFOLDERS = ['', 'genres', 'genres_original', 'Data/genres_original'];

/**
 * Finds a track in a GTZAN copy: `<dir>/<genre>/<genre>.000XX.<ext>` or a flat
 * `<dir>/<genre>.000XX.<ext>` (also under `genres/` or `genres_original/`, the
 * folder names of the common archives); ext = au, wav, flac, mp3, ogg.
 * Returns the path relative to `dir`, or null.
 */
export async function findGtzanTrack(dir: string, genre: string, track: number): Promise<string | null> {
  const stem = gtzanStem(genre, track);
  for (const sub of SUBFOLDERS) {
    for (const folder of [join(sub, genre), sub]) {
      for (const ext of EXTENSIONS) {
        const rel = join(folder, stem + ext);
        try {
          if ((await stat(join(dir, rel))).isFile()) return rel;
        } catch {
          // not there: try the next layout
        }
      }
    }
  }
  return null;
}

/** Rounds halves up, after snapping to 1e-6 so float noise cannot flip a half. */
export function roundHalfUp(v: number): number {
  return Math.floor(Math.round(v * 1e6) / 1e6 + 0.5);
}

/** Fade gains: fadeIn[i] = sin(π/2 · i/F), i = 0..F−1. */
export function sineFade(fadeSamples: number): Float64Array {
  return Float64Array.from({ length: fadeSamples }, (_, i) => Math.sin((Math.PI / 2) * (i / fadeSamples)));
}

/** `sineFade`, computed once per length: every clip of a set shares one fade (read only). */
function sharedFade(fadeSamples: number): Float64Array {
  if (lastFade?.length !== fadeSamples) lastFade = sineFade(fadeSamples);
  return lastFade;
}
let lastFade: Float64Array | undefined;

/**
 * Cuts `[start, end)` from mono samples at `sr` and applies the sine fades (in a
 * new array). Returns the excerpt and how many zeros were padded at its end.
 */
export function cutExcerpt(
  x: Float32Array,
  sr: number,
  start: number,
  end: number,
  opts: { fadeSeconds?: number; padTolerance?: number; label?: string } = {},
): { y: Float32Array; padded: number } {
  const fadeSeconds = opts.fadeSeconds ?? CUT_DEFAULTS.fadeSeconds;
  const padTolerance = opts.padTolerance ?? CUT_DEFAULTS.padTolerance;
  if (!(start >= 0) || !(end > start)) {
    throw new UserError(`excerpt [${start}, ${end}) s is not a valid interval`, {
      file: opts.label,
      field: 'start/end',
      hint: 'start must be ≥ 0 and end > start (seconds within the track)',
    });
  }
  const s0 = roundHalfUp(start * sr);
  const n = roundHalfUp((end - start) * sr);
  const available = Math.max(0, x.length - s0);
  const padded = Math.max(0, n - available);
  if (padded > padTolerance * sr) {
    throw new UserError(
      `excerpt [${start}, ${end}) s runs ${(padded / sr).toFixed(3)} s past the end of the track (${(x.length / sr).toFixed(3)} s)`,
      {
        file: opts.label,
        field: 'end',
        hint: 'check that the track is complete and the events table names the right track',
      },
    );
  }
  const y = new Float32Array(n);
  y.set(x.subarray(s0, s0 + Math.min(n, available)));
  const F = Math.min(Math.round(fadeSeconds * sr), Math.floor(n / 2));
  const g = sharedFade(F);
  for (let i = 0; i < F; i++) {
    y[i] = (y[i] as number) * (g[i] as number);
    y[n - 1 - i] = (y[n - 1 - i] as number) * (g[i] as number);
  }
  return { y, padded };
}

function rmsOf(x: Float32Array): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += (x[i] as number) * (x[i] as number);
  return Math.sqrt(s / x.length);
}

function peakOf(x: Float32Array): number {
  let p = 0;
  for (let i = 0; i < x.length; i++) p = Math.max(p, Math.abs(x[i] as number));
  return p;
}

function checkClips(clips: readonly StimulusClip[]): void {
  if (clips.length === 0)
    throw new UserError('no clips to cut', { hint: 'the design lists no stimulus clips' });
  const seen = new Set<string>();
  for (const c of clips) {
    const id = c.id ?? gtzanStem(c.genre, c.track);
    if (!/^[A-Za-z0-9_.-]+$/.test(id)) {
      throw new UserError(`clip id '${id}' is not a safe file name`, {
        field: 'id',
        hint: 'use letters, digits, . _ -',
      });
    }
    if (seen.has(id))
      throw new UserError(`clip ${id} is listed twice`, { field: 'id', hint: 'list every clip once' });
    seen.add(id);
  }
}

/**
 * Rebuilds a stimulus set from a GTZAN copy: writes `<id>.wav` for every clip and
 * `stimuli.json` + `stimuli.csv` (the manifest, written last) into `outDir`.
 * Every file is written atomically; a missing track is reported before any work.
 */
export async function cutStimuli(
  clips: readonly StimulusClip[],
  gtzanDir: string,
  outDir: string,
  options: CutOptions = {},
): Promise<StimulusManifest> {
  const o = { ...CUT_DEFAULTS, ...options };
  const progress = options.progress ?? silentProgress;
  checkClips(clips);
  try {
    if (!(await stat(gtzanDir)).isDirectory()) throw new Error('not a folder');
  } catch (e) {
    throw new UserError(`cannot read the GTZAN folder: ${(e as Error).message}`, {
      file: gtzanDir,
      hint: 'pass the folder that holds <genre>/<genre>.000XX.au (or .wav) files',
    });
  }
  const sources: string[] = [];
  const missing: string[] = [];
  for (const c of clips) {
    const rel = await findGtzanTrack(gtzanDir, c.genre, c.track);
    if (rel === null) missing.push(gtzanStem(c.genre, c.track));
    sources.push(rel ?? '');
  }
  if (missing.length) {
    const entries = await readdir(gtzanDir).catch(() => [] as string[]);
    throw new UserError(
      `${missing.length} of ${clips.length} tracks not found in the GTZAN folder: ${missing.slice(0, 5).join(', ')}${missing.length > 5 ? ', …' : ''}`,
      {
        file: gtzanDir,
        hint: `expected <genre>/<genre>.000XX.au or .wav (or a flat folder of them); the folder holds: ${entries.slice(0, 8).join(', ') || 'nothing'}`,
      },
    );
  }

  const load = async (i: number) => {
    const c = clips[i] as StimulusClip;
    const path = join(gtzanDir, sources[i] as string);
    const audio = await decodeAudioFile(path);
    const mono = toMono(audio);
    const x = audio.sampleRate === o.sampleRate ? mono : resample(mono, audio.sampleRate, o.sampleRate);
    const { y, padded } = cutExcerpt(x, o.sampleRate, c.start, c.end, { ...o, label: path });
    return { y, padded, sourceSampleRate: audio.sampleRate, sourceChannels: audio.channels.length };
  };

  // Pass 1: RMS and peak of every faded clip.
  const rms = new Float64Array(clips.length);
  const peak = new Float64Array(clips.length);
  progress.start('measuring clips', clips.length);
  for (let i = 0; i < clips.length; i++) {
    const { y } = await load(i);
    rms[i] = rmsOf(y);
    peak[i] = peakOf(y);
    if (o.normalize && !(rms[i]! > 0)) {
      throw new UserError(
        `clip ${clips[i]!.id ?? gtzanStem(clips[i]!.genre, clips[i]!.track)} is silent (RMS 0)`,
        {
          file: join(gtzanDir, sources[i]!),
          hint: 'a silent excerpt cannot be RMS-normalised; check the track and the start/end times',
        },
      );
    }
    progress.update(i + 1);
  }
  progress.finish();
  const targetRms = rms.reduce((a, b) => a + b, 0) / clips.length;
  const gains = Float64Array.from(rms, (r) => (o.normalize ? targetRms / r : 1));
  let loudest = 0;
  for (let i = 0; i < clips.length; i++) loudest = Math.max(loudest, peak[i]! * gains[i]!);
  const setGain = loudest > o.peakCeiling && o.bitDepth !== 'float32' ? o.peakCeiling / loudest : 1;

  // Pass 2: write.
  const records: CutClipRecord[] = [];
  progress.start('writing clips', clips.length);
  for (let i = 0; i < clips.length; i++) {
    const c = clips[i] as StimulusClip;
    const id = c.id ?? gtzanStem(c.genre, c.track);
    const { y, padded, sourceSampleRate, sourceChannels } = await load(i);
    const g = gains[i]! * setGain;
    for (let k = 0; k < y.length; k++) y[k] = (y[k] as number) * g;
    const { bytes } = encodeWav(y, o.sampleRate, { bitDepth: o.bitDepth });
    const file = `${id}.wav`;
    await writeFileAtomic(join(outDir, file), bytes);
    records.push({
      id,
      genre: c.genre,
      track: c.track,
      start: c.start,
      end: c.end,
      source: sources[i] as string,
      sourceSampleRate,
      sourceChannels,
      file,
      samples: y.length,
      paddedSamples: padded,
      rmsBefore: rms[i]!,
      gain: g,
      peak: peak[i]! * g,
      sha256: hashBytes(bytes),
    });
    progress.update(i + 1);
  }
  progress.finish();
  const manifest: StimulusManifest = {
    sampleRate: o.sampleRate,
    fadeSeconds: o.fadeSeconds,
    normalize: o.normalize,
    targetRms,
    setGain,
    bitDepth: o.bitDepth,
    clips: records,
  };
  await writeFileAtomic(join(outDir, 'stimuli.csv'), manifestCsv(manifest));
  await writeFileAtomic(join(outDir, 'stimuli.json'), `${JSON.stringify(manifest, null, 1)}\n`);
  return manifest;
}

/** The manifest as CSV, one row per clip. */
export function manifestCsv(m: StimulusManifest): string {
  const cols: (keyof CutClipRecord)[] = [
    'id',
    'genre',
    'track',
    'start',
    'end',
    'file',
    'source',
    'sourceSampleRate',
    'samples',
    'paddedSamples',
    'rmsBefore',
    'gain',
    'peak',
    'sha256',
  ];
  const rows = m.clips.map((r) => cols.map((c) => String(r[c])).join(','));
  return `${cols.join(',')}\n${rows.join('\n')}\n`;
}
