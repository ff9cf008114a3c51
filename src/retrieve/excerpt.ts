/**
 * Audio excerpts for reports and listening: decode, cut `[start, start + seconds)`,
 * mix to mono, resample to 22,050 Hz and write a small constant-bit-rate MP3
 * atomically (15 s at 64 kbit/s ≈ 120 kB, so a run folder with a few hundred
 * excerpts stays in tens of MB).
 */
import { decodeAudioFile, toMono } from '../audio/decode.js';
import { writeMp3 } from '../audio/encode.js';
import { resample } from '../audio/resample.js';
import { UserError } from '../util/errors.js';

export interface ExcerptOptions {
  /** Default 0. */
  startSeconds?: number;
  /** Default 15; a shorter source gives what there is. */
  seconds?: number;
  format?: 'mp3';
  /** Output rate (an MP3 rate; default 22,050 Hz). */
  sampleRate?: number;
  /** Constant bit rate (default 64 kbit/s). */
  kbps?: number;
}

export interface ExcerptResult {
  path: string;
  seconds: number;
  sampleRate: number;
  bytes: number;
}

/** Writes the excerpt of `src` as MP3 at `dst` (atomic). */
export async function writeExcerpt(
  src: string,
  dst: string,
  opts: ExcerptOptions = {},
): Promise<ExcerptResult> {
  const start = opts.startSeconds ?? 0;
  const seconds = opts.seconds ?? 15;
  const rate = opts.sampleRate ?? 22050;
  if ((opts.format ?? 'mp3') !== 'mp3') {
    throw new UserError(`unsupported excerpt format ${String(opts.format)}`, {
      field: 'format',
      hint: 'use mp3',
    });
  }
  if (!(start >= 0) || !(seconds > 0)) {
    throw new UserError(`excerpt [${start}, ${start + seconds}) s is not a forward span from ≥ 0`, {
      field: 'retrieval.excerptSeconds',
      hint: 'use a start ≥ 0 and a positive length',
    });
  }
  const audio = await decodeAudioFile(src);
  const total = (audio.channels[0]?.length ?? 0) / audio.sampleRate;
  if (start >= total) {
    throw new UserError(`excerpt starts at ${start} s but the audio lasts ${total.toFixed(2)} s`, {
      file: src,
      hint: 'choose an earlier start',
    });
  }
  const a = Math.round(start * audio.sampleRate);
  const b = Math.min(audio.channels[0]?.length ?? 0, a + Math.round(seconds * audio.sampleRate));
  const mono = toMono(audio.channels.map((c) => c.subarray(a, b)));
  const x = audio.sampleRate === rate ? mono : resample(mono, audio.sampleRate, rate);
  const res = await writeMp3(dst, x, rate, { kbps: opts.kbps ?? 64 });
  return { path: dst, seconds: x.length / rate, sampleRate: res.sampleRate, bytes: res.bytes };
}
