/**
 * Audio decoding: Sun/NeXT `.au` with our own reader (GTZAN's original files),
 * everything else (wav, mp3, ogg/vorbis, flac, and what else `audio-decode`
 * detects) through the `audio-decode` package (pure JS / WASM, no ffmpeg).
 */
import { readFile, stat } from 'node:fs/promises';
import { UserError } from '../util/errors.js';
import { assertAllocation } from '../util/memory.js';
import { decodeAu, isAu } from './au.js';
import { resample } from './resample.js';
import { type AudioData, MAX_SAMPLE_RATE, MIN_SAMPLE_RATE } from './types.js';
import { inspectWav, isWav } from './wav.js';

/** Decoded audio plus what was odd about the file but did not stop decoding (a truncated copy). */
export interface DecodedAudio extends AudioData {
  warnings: string[];
}

/** Files larger than this are refused before reading (a 2-hour 48 kHz stereo wav is ~1.4 GB). */
export const MAX_AUDIO_FILE_BYTES = 2 ** 31 - 1;

/** Decodes a whole file. Throws `UserError` naming the file for every bad input. */
export async function decodeAudioFile(path: string): Promise<DecodedAudio> {
  let size: number;
  try {
    const st = await stat(path);
    if (!st.isFile()) throw new Error('not a regular file');
    size = st.size;
  } catch (e) {
    throw new UserError(`cannot read audio file: ${(e as Error).message}`, {
      file: path,
      hint: 'check the path; audio inputs must be files (wav, mp3, ogg, flac or au)',
      cause: e,
    });
  }
  if (size > MAX_AUDIO_FILE_BYTES) {
    throw new UserError(
      `audio file is ${(size / 2 ** 30).toFixed(1)} GiB, more than the 2 GiB this reader takes`,
      {
        file: path,
        hint: 'cut it into shorter pieces first',
      },
    );
  }
  const bytes = new Uint8Array(await readFile(path));
  return decodeAudioBytes(bytes, path);
}

/** Decodes in-memory file bytes; `file` only labels errors. */
export async function decodeAudioBytes(bytes: Uint8Array, file?: string): Promise<DecodedAudio> {
  if (bytes.length === 0) {
    throw new UserError('audio file is empty (0 bytes)', { file, hint: 're-copy or re-export the file' });
  }
  const warnings: string[] = [];
  let audio: AudioData;
  if (isAu(bytes)) {
    const au = decodeAu(bytes, file);
    if (au.warning) warnings.push(au.warning);
    audio = { sampleRate: au.sampleRate, channels: au.channels };
  } else {
    if (isWav(bytes)) {
      // Our own header walk first: faults are named by field, sizes checked before decoding.
      const info = inspectWav(bytes, file, { min: MIN_SAMPLE_RATE, max: MAX_SAMPLE_RATE });
      assertAllocation(info.frames * info.channels * 4 * 2, {
        what: 'decoding the WAV file',
        driver: `${info.frames} frames × ${info.channels} channels as float32, decoded then copied`,
        file,
      });
      if (info.warning) warnings.push(info.warning);
    }
    const { default: decode } = await import('audio-decode');
    let res: { channelData: Float32Array[]; sampleRate: number };
    try {
      res = (await decode(bytes)) as { channelData: Float32Array[]; sampleRate: number };
    } catch (e) {
      throw new UserError(`cannot decode audio: ${(e as Error).message}`, {
        file,
        hint: 'supported formats: wav, mp3, ogg (vorbis/opus), flac, au; check that the file is not truncated',
        cause: e,
      });
    }
    if (!res || !Array.isArray(res.channelData)) {
      throw new UserError('audio decoder returned no samples', { file, hint: 'the file may be corrupt' });
    }
    audio = { sampleRate: res.sampleRate, channels: res.channelData.map((c) => Float32Array.from(c)) };
  }
  return { ...validateAudio(audio, file), warnings };
}

/** Checks rate, channel count, equal lengths and finite samples (documented rules, clear errors). */
export function validateAudio(audio: AudioData, file?: string): AudioData {
  const { sampleRate, channels } = audio;
  if (!Number.isFinite(sampleRate) || sampleRate < MIN_SAMPLE_RATE || sampleRate > MAX_SAMPLE_RATE) {
    throw new UserError(
      `sample rate ${sampleRate} Hz is outside the supported ${MIN_SAMPLE_RATE}–${MAX_SAMPLE_RATE} Hz`,
      { file, field: 'sample rate', hint: 'the header is probably corrupt; re-export the file' },
    );
  }
  if (channels.length === 0) throw new UserError('audio has no channels', { file });
  const n = (channels[0] as Float32Array).length;
  if (n === 0) throw new UserError('audio has no samples', { file, hint: 'the file is empty or truncated' });
  for (const c of channels) {
    if (c.length !== n) throw new UserError('audio channels differ in length', { file });
    for (let i = 0; i < c.length; i++) {
      if (!Number.isFinite(c[i] as number)) {
        throw new UserError(`audio sample ${i} is not a finite number`, {
          file,
          hint: 'float files may hold NaN/Inf after a faulty export; re-export the file',
        });
      }
    }
  }
  return audio;
}

/**
 * Mono mixdown: the mean of the channels (librosa's `to_mono`), so a stereo file
 * with identical channels gives exactly that channel. Mono input is returned as is.
 */
export function toMono(audio: AudioData | Float32Array[]): Float32Array {
  const chans = Array.isArray(audio) ? audio : audio.channels;
  if (chans.length === 0) throw new UserError('audio has no channels');
  if (chans.length === 1) return chans[0] as Float32Array;
  const n = (chans[0] as Float32Array).length;
  const out = new Float32Array(n);
  const acc = new Float64Array(n);
  for (const c of chans) for (let i = 0; i < n; i++) acc[i] = (acc[i] as number) + (c[i] as number);
  for (let i = 0; i < n; i++) out[i] = (acc[i] as number) / chans.length;
  return out;
}

export interface LoadedAudio {
  /** Mono samples at `sampleRate`. */
  samples: Float32Array;
  sampleRate: number;
  /** The file's own rate and channel count. */
  sourceRate: number;
  sourceChannels: number;
  /** What was odd about the file but did not stop decoding (e.g. a truncated copy). */
  warnings: string[];
}

/**
 * Decodes a file, mixes to mono and resamples to `sampleRate` when given (the
 * band-limited resampler of `resample.ts`): the one call features and embedders need.
 */
export async function loadAudio(path: string, opts: { sampleRate?: number } = {}): Promise<LoadedAudio> {
  const audio = await decodeAudioFile(path);
  const mono = toMono(audio);
  const rate = opts.sampleRate ?? audio.sampleRate;
  const samples = rate === audio.sampleRate ? mono : resample(mono, audio.sampleRate, rate);
  return {
    samples,
    sampleRate: rate,
    sourceRate: audio.sampleRate,
    sourceChannels: audio.channels.length,
    warnings: audio.warnings,
  };
}
