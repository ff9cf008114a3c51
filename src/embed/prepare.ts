/**
 * From decoded audio to what an embedder sees: mono, at the embedder's rate,
 * DC removed, within [-1, 1]. The robustness rules live here, once:
 * - channels: the mean of all channels (librosa's `to_mono`); mono passes through;
 * - sample rate: any rate the decoder accepts (1–384 kHz) is resampled to the
 *   embedder's rate (8–48 kHz inputs are the tested range; upsampling adds no
 *   content, so an 8 kHz clip embeds like a low-passed one);
 * - DC offset: the clip's mean is subtracted (inaudible, but it would leak into
 *   the lowest spectral bins and into clipping);
 * - clipping: samples beyond ±1 (float files) are clamped to ±1; clipped music is
 *   embedded as it is (it is still music);
 * - silence: embedded like any other clip; every embedder returns finite values;
 * - length: shorter than `MIN_CLIP_SECONDS` or longer than `maxSeconds` is a
 *   `UserError` naming the file (the long limit bounds memory, not quality).
 */
import { toMono } from '../audio/decode.js';
import { resample } from '../audio/resample.js';
import type { AudioData } from '../audio/types.js';
import { UserError } from '../util/errors.js';
import { MIN_CLIP_SECONDS } from './windows.js';

export interface PrepareOptions {
  /** Longest accepted clip in seconds (default 1800: half an hour). */
  maxSeconds?: number;
  /** Labels errors. */
  file?: string;
}

export const DEFAULT_MAX_SECONDS = 1800;

/** Mono float32 at `sampleRate`, DC-free and clamped to [-1, 1] (see the module rules). */
export function prepareAudio(audio: AudioData, sampleRate: number, opts: PrepareOptions = {}): Float32Array {
  const maxSeconds = opts.maxSeconds ?? DEFAULT_MAX_SECONDS;
  const n = audio.channels[0]?.length ?? 0;
  const seconds = n / audio.sampleRate;
  if (seconds < MIN_CLIP_SECONDS) {
    throw new UserError(
      `audio is ${(seconds * 1000).toFixed(0)} ms long; at least ${MIN_CLIP_SECONDS * 1000} ms is needed`,
      { file: opts.file, hint: 'check that the file is not truncated, or leave it out' },
    );
  }
  if (seconds > maxSeconds) {
    throw new UserError(`audio is ${seconds.toFixed(0)} s long, more than the ${maxSeconds} s limit`, {
      file: opts.file,
      hint: 'cut the stimulus to the excerpt that was played, or raise the limit (--max-seconds)',
    });
  }
  const mono = toMono(audio);
  const x =
    audio.sampleRate === sampleRate ? Float32Array.from(mono) : resample(mono, audio.sampleRate, sampleRate);
  let mean = 0;
  for (let i = 0; i < x.length; i++) mean += x[i] as number;
  mean /= x.length;
  for (let i = 0; i < x.length; i++) {
    const v = (x[i] as number) - mean;
    x[i] = Math.max(-1, Math.min(1, v));
  }
  return x;
}
