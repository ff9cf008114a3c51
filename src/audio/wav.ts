/**
 * WAV (RIFF) encoder. Integer PCM (16/24/32-bit, saturating: values outside
 * [-1, 1] are clipped, never wrapped, and counted) or IEEE float 32-bit
 * (stored as is). Decoding goes through `decode.ts`.
 */
import { writeFileAtomic } from '../util/atomic.js';
import { UserError } from '../util/errors.js';

export type WavBitDepth = 16 | 24 | 32 | 'float32';

export interface WavOptions {
  /** Sample format (default 16-bit integer PCM). */
  bitDepth?: WavBitDepth;
}

export interface WavResult {
  bytes: Uint8Array;
  /** Number of samples that were clipped to the integer range. */
  clipped: number;
}

function asChannels(samples: Float32Array | Float32Array[]): Float32Array[] {
  const chans = Array.isArray(samples) ? samples : [samples];
  if (chans.length === 0) throw new UserError('cannot write a WAV file with no channels');
  const n = (chans[0] as Float32Array).length;
  for (const c of chans) {
    if (c.length !== n) {
      throw new UserError(`channels differ in length (${n} vs ${c.length} samples)`, {
        hint: 'pass channels of equal length',
      });
    }
  }
  return chans;
}

/** Encodes samples (one array = mono, an array of arrays = channels) as WAV bytes. */
export function encodeWav(
  samples: Float32Array | Float32Array[],
  sampleRate: number,
  opts: WavOptions = {},
): WavResult {
  const chans = asChannels(samples);
  const bitDepth = opts.bitDepth ?? 16;
  if (![16, 24, 32, 'float32'].includes(bitDepth)) {
    throw new UserError(`unsupported WAV bit depth ${String(bitDepth)}`, {
      field: 'bitDepth',
      hint: 'use 16, 24, 32 or float32',
    });
  }
  if (!Number.isInteger(sampleRate) || sampleRate < 1 || sampleRate > 0xffffffff) {
    throw new UserError(`WAV sample rate must be a positive integer, got ${sampleRate}`, {
      field: 'sampleRate',
    });
  }
  const nch = chans.length;
  const n = (chans[0] as Float32Array).length;
  const isFloat = bitDepth === 'float32';
  const bytesPer = isFloat ? 4 : bitDepth / 8;
  const dataBytes = n * nch * bytesPer;
  if (dataBytes + 36 > 0xffffffff) {
    throw new UserError(`audio too long for a WAV file (${dataBytes} bytes of samples, the limit is 4 GiB)`, {
      hint: 'write shorter pieces or a lower bit depth',
    });
  }
  const out = new Uint8Array(44 + dataBytes);
  const v = new DataView(out.buffer);
  const ascii = (off: number, s: string) => {
    for (let i = 0; i < s.length; i++) out[off + i] = s.charCodeAt(i);
  };
  ascii(0, 'RIFF');
  v.setUint32(4, 36 + dataBytes, true);
  ascii(8, 'WAVE');
  ascii(12, 'fmt ');
  v.setUint32(16, 16, true);
  v.setUint16(20, isFloat ? 3 : 1, true);
  v.setUint16(22, nch, true);
  v.setUint32(24, sampleRate, true);
  v.setUint32(28, sampleRate * nch * bytesPer, true);
  v.setUint16(32, nch * bytesPer, true);
  v.setUint16(34, bytesPer * 8, true);
  ascii(36, 'data');
  v.setUint32(40, dataBytes, true);
  let clipped = 0;
  let off = 44;
  const full = isFloat ? 1 : 2 ** ((bytesPer as number) * 8 - 1);
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < nch; c++) {
      const x = (chans[c] as Float32Array)[i] as number;
      if (Number.isNaN(x)) {
        throw new UserError(`sample ${i} of channel ${c} is NaN`, {
          hint: 'the audio computation produced NaN; check its input for NaN or infinite values',
        });
      }
      if (isFloat) {
        v.setFloat32(off, x, true);
      } else {
        let s = Math.round(x * full);
        if (s > full - 1) {
          s = full - 1;
          if (x > 1) clipped++;
        } else if (s < -full) {
          s = -full;
          clipped++;
        }
        if (bytesPer === 2) v.setInt16(off, s, true);
        else if (bytesPer === 4) v.setInt32(off, s, true);
        else {
          out[off] = s & 0xff;
          out[off + 1] = (s >> 8) & 0xff;
          out[off + 2] = (s >> 16) & 0xff;
        }
      }
      off += bytesPer;
    }
  }
  return { bytes: out, clipped };
}

/** Writes a WAV file atomically (temporary sibling, then rename). */
export async function writeWav(
  path: string,
  samples: Float32Array | Float32Array[],
  sampleRate: number,
  opts: WavOptions = {},
): Promise<WavResult> {
  const res = encodeWav(samples, sampleRate, opts);
  await writeFileAtomic(path, res.bytes);
  return res;
}
