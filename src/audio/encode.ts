/**
 * MP3 encoding for reports (small files a browser plays), through
 * `@breezystack/lamejs` (a maintained pure-JS port of LAME). Mono or stereo,
 * constant bit rate; the sample rate must be one MPEG-1/2/2.5 allows, so other
 * rates are resampled to the nearest allowed one first.
 */
import { writeFileAtomic } from '../util/atomic.js';
import { UserError } from '../util/errors.js';
import { toInt16 } from './au.js';
import { resample } from './resample.js';

export interface Mp3Options {
  /** Constant bit rate in kbit/s (default 128). */
  kbps?: number;
}

/** Sample rates MP3 supports (MPEG-1, -2 and -2.5). */
export const MP3_RATES = [8000, 11025, 12000, 16000, 22050, 24000, 32000, 44100, 48000] as const;
const KBPS = [32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320];

/** The MP3 rate closest to `rate` (ties to the higher). */
export function nearestMp3Rate(rate: number): number {
  let best: number = MP3_RATES[0];
  for (const r of MP3_RATES) if (Math.abs(r - rate) <= Math.abs(best - rate)) best = r;
  return best;
}

/** Encodes mono or stereo float samples as MP3 bytes; returns the rate actually used too. */
export async function encodeMp3(
  samples: Float32Array | Float32Array[],
  sampleRate: number,
  opts: Mp3Options = {},
): Promise<{ bytes: Uint8Array; sampleRate: number }> {
  let chans = Array.isArray(samples) ? samples : [samples];
  if (chans.length < 1 || chans.length > 2) {
    throw new UserError(`MP3 takes 1 or 2 channels, got ${chans.length}`, {
      hint: 'mix down to mono or stereo first',
    });
  }
  const kbps = opts.kbps ?? 128;
  if (!KBPS.includes(kbps)) {
    throw new UserError(`unsupported MP3 bit rate ${kbps} kbit/s`, {
      field: 'kbps',
      hint: `use one of ${KBPS.join(', ')}`,
    });
  }
  const rate = nearestMp3Rate(sampleRate);
  if (rate !== sampleRate) chans = chans.map((c) => resample(c, sampleRate, rate));
  const { Mp3Encoder } = await import('@breezystack/lamejs');
  const enc = new Mp3Encoder(chans.length, rate, kbps);
  const ints = chans.map((c) => Int16Array.from(c, toInt16));
  const parts: Uint8Array[] = [];
  const block = 1152 * 16;
  const n = (ints[0] as Int16Array).length;
  for (let i = 0; i < n; i += block) {
    const l = (ints[0] as Int16Array).subarray(i, i + block);
    const r = ints.length > 1 ? (ints[1] as Int16Array).subarray(i, i + block) : undefined;
    const buf = enc.encodeBuffer(l, r);
    if (buf.length) parts.push(Uint8Array.from(buf));
  }
  const tail = enc.flush();
  if (tail.length) parts.push(Uint8Array.from(tail));
  const total = parts.reduce((a, p) => a + p.length, 0);
  const bytes = new Uint8Array(total);
  let off = 0;
  for (const p of parts) {
    bytes.set(p, off);
    off += p.length;
  }
  return { bytes, sampleRate: rate };
}

/** Writes an MP3 file atomically. */
export async function writeMp3(
  path: string,
  samples: Float32Array | Float32Array[],
  sampleRate: number,
  opts: Mp3Options = {},
): Promise<{ sampleRate: number; bytes: number }> {
  const res = await encodeMp3(samples, sampleRate, opts);
  await writeFileAtomic(path, res.bytes);
  return { sampleRate: res.sampleRate, bytes: res.bytes.length };
}
