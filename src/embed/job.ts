/**
 * One clip's work, the same in the main thread and in a worker: decode the file,
 * cut the part to embed (when asked), prepare it for the embedder (prepare.ts
 * rules) and embed its windows.
 */
import { decodeAudioFile } from '../audio/decode.js';
import type { AudioData } from '../audio/types.js';
import type { Matrix } from '../linalg/matrix.js';
import { UserError } from '../util/errors.js';
import { prepareAudio } from './prepare.js';
import type { Embedder, WindowSpec } from './types.js';

/** The part of a file to embed: `[startSeconds, startSeconds + seconds)`, clipped to the file's end. */
export interface ClipCrop {
  startSeconds: number;
  seconds: number;
}

export interface ClipJobSettings {
  windows: WindowSpec;
  /** Longest accepted clip in seconds (prepare.ts); applies to the cropped part. */
  maxSeconds?: number;
  /**
   * Embed only this part of each file (e.g. the first 15 s of a library track,
   * METHOD.md §3.7). Changes the numbers, so it is part of the cache key.
   */
  crop?: ClipCrop;
}

/** Checks a crop once, before any file is read. */
export function validateCrop(crop: ClipCrop | undefined): ClipCrop | undefined {
  if (crop === undefined) return undefined;
  if (!Number.isFinite(crop.startSeconds) || crop.startSeconds < 0) {
    throw new UserError(`crop start must be ≥ 0 seconds, got ${crop.startSeconds}`, {
      field: 'crop.startSeconds',
    });
  }
  if (!Number.isFinite(crop.seconds) || crop.seconds <= 0) {
    throw new UserError(`crop length must be a positive number of seconds, got ${crop.seconds}`, {
      field: 'crop.seconds',
    });
  }
  return crop;
}

/** The samples of `[start, start + seconds)` (rounded to samples, clipped to the end); no copy. */
export function cropAudio(audio: AudioData, crop: ClipCrop): AudioData {
  const n = audio.channels[0]?.length ?? 0;
  const a = Math.min(n, Math.round(crop.startSeconds * audio.sampleRate));
  const b = Math.min(n, a + Math.round(crop.seconds * audio.sampleRate));
  return { sampleRate: audio.sampleRate, channels: audio.channels.map((c) => c.subarray(a, b)) };
}

export async function embedFile(
  embedder: Embedder,
  path: string,
  settings: ClipJobSettings,
): Promise<Matrix<Float32Array>> {
  const decoded = await decodeAudioFile(path);
  const audio = settings.crop ? cropAudio(decoded, settings.crop) : decoded;
  const x = prepareAudio(audio, embedder.sampleRate, { maxSeconds: settings.maxSeconds, file: path });
  return embedder.embed(x, settings.windows);
}
