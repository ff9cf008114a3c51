/**
 * Window layout inside a clip, in samples. One rule, documented once:
 * - windows start at k · stride (rounded to the nearest sample) for k = 0, 1, …
 *   as long as the window ends inside the clip;
 * - a clip shorter than one window gives exactly one window: the whole clip
 *   (each embedder says how it fills the rest: CLAP repeats the clip as its own
 *   feature extractor does; dsp and basic-pitch summarise what is there);
 * - a clip shorter than `MIN_CLIP_SECONDS` is an error (nothing to analyse).
 */
import { UserError } from '../util/errors.js';
import { validateWindows, type WindowSpec, windowCount } from '../util/windows.js';

// The spec, its validation and the counting rule live in src/util/windows.ts (shared with preprocessing).
export { validateWindows, windowCount };

/** Shorter clips are refused: below this, no window holds a single STFT frame of music. */
export const MIN_CLIP_SECONDS = 0.25;

/** A window in samples: [start, start + length) inside the clip. */
export interface SampleWindow {
  start: number;
  length: number;
}

/**
 * The windows of a clip of `nSamples` at `sampleRate`, in samples. Throws a
 * `UserError` for clips shorter than `MIN_CLIP_SECONDS`.
 */
export function windowStarts(
  nSamples: number,
  sampleRate: number,
  spec: WindowSpec,
  file?: string,
): SampleWindow[] {
  const duration = nSamples / sampleRate;
  if (duration < MIN_CLIP_SECONDS) {
    throw new UserError(
      `audio is ${(duration * 1000).toFixed(0)} ms long; at least ${MIN_CLIP_SECONDS * 1000} ms is needed`,
      { file, hint: 'check that the file is not truncated, or drop it from the list' },
    );
  }
  const n = windowCount(duration, spec);
  const len = Math.min(nSamples, Math.round(spec.window * sampleRate));
  const out: SampleWindow[] = [];
  for (let k = 0; k < n; k++) {
    const start = Math.min(Math.round(k * spec.stride * sampleRate), nSamples - len);
    out.push({ start, length: len });
  }
  return out;
}
