/**
 * MP3 encoding for reports (small files a browser plays), through
 * `wasm-media-encoders` (LAME 3.100 compiled to WebAssembly). It replaced a
 * pure-JS port of LAME that took 0.4–0.8 s per 15-s clip against ≈ 70 ms
 * here, which made MP3 the largest single cost of the generation stage.
 * Mono or stereo, constant bit rate; the sample rate must be one
 * MPEG-1/2/2.5 allows, so other rates are resampled to the nearest allowed
 * one first.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { createEncoder, type WasmMediaEncoder } from 'wasm-media-encoders';
import { writeFileAtomic } from '../util/atomic.js';
import { UserError } from '../util/errors.js';
import { resample } from './resample.js';

export interface Mp3Options {
  /** Constant bit rate in kbit/s (default 128). */
  kbps?: number;
}

/** Sample rates MP3 supports (MPEG-1, -2 and -2.5). */
export const MP3_RATES = [8000, 11025, 12000, 16000, 22050, 24000, 32000, 44100, 48000] as const;
const KBPS = [8, 16, 24, 32, 40, 48, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320] as const;
type Kbps = (typeof KBPS)[number];
type Mp3Rate = (typeof MP3_RATES)[number];

type WasmSource = Parameters<typeof createEncoder>[1];

/**
 * The LAME wasm, once per thread: the file's bytes at first, then the module
 * compiled from them. It is read from the file the package ships rather than
 * through the package's default loader, which `fetch`es an inline data: URL —
 * nothing leaves the machine either way, but this project never calls `fetch`
 * at run time, and its tests refuse it.
 */
let lame: WasmSource | undefined;
async function newEncoder(): Promise<WasmMediaEncoder<'audio/mpeg'>> {
  if (lame === undefined) {
    lame = await readFile(createRequire(import.meta.url).resolve('wasm-media-encoders/wasm/mp3'));
  }
  return createEncoder('audio/mpeg', lame, (module) => {
    lame = module;
  });
}

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
  const kbps = (opts.kbps ?? 128) as Kbps;
  if (!KBPS.includes(kbps)) {
    throw new UserError(`unsupported MP3 bit rate ${kbps} kbit/s`, {
      field: 'kbps',
      hint: `use one of ${KBPS.join(', ')}`,
    });
  }
  const rate = nearestMp3Rate(sampleRate) as Mp3Rate;
  if (rate !== sampleRate) chans = chans.map((c) => resample(c, sampleRate, rate));
  const enc = await newEncoder();
  enc.configure({ channels: chans.length as 1 | 2, sampleRate: rate, bitrate: kbps });
  // The encoder returns views into its own memory, valid until the next call: copy each.
  const parts: Uint8Array[] = [];
  const block = 1152 * 16;
  const n = (chans[0] as Float32Array).length;
  for (let i = 0; i < n; i += block) {
    const out = enc.encode(chans.map((c) => c.subarray(i, i + block)));
    if (out.length) parts.push(out.slice());
  }
  const tail = enc.finalize();
  if (tail.length) parts.push(tail.slice());
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
