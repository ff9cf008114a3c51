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
  if (LITTLE_ENDIAN && (bitDepth === 16 || isFloat)) {
    clipped = writeSamplesFast(out, chans, isFloat);
    return { bytes: out, clipped };
  }
  let off = 44;
  const full = isFloat ? 1 : 2 ** ((bytesPer as number) * 8 - 1);
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < nch; c++) {
      const x = (chans[c] as Float32Array)[i] as number;
      if (Number.isNaN(x)) throw nanError(i, c);
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

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function nanError(i: number, c: number): UserError {
  return new UserError(`sample ${i} of channel ${c} is NaN`, {
    hint: 'the audio computation produced NaN; check its input for NaN or infinite values',
  });
}

/**
 * The common formats (16-bit and float32) written through a typed-array view of
 * the data chunk: WAV is little-endian like the host, and a DataView call per
 * sample made encoding a 15-s clip cost ≈ 40 ms, the largest part of cutting the
 * stimuli. Same values and clip count as the general loop. Returns the clip count.
 */
function writeSamplesFast(out: Uint8Array, chans: readonly Float32Array[], isFloat: boolean): number {
  const nch = chans.length;
  const n = (chans[0] as Float32Array).length;
  let clipped = 0;
  if (isFloat) {
    const d = new Float32Array(out.buffer, 44, n * nch);
    for (let i = 0, k = 0; i < n; i++) {
      for (let c = 0; c < nch; c++, k++) {
        const v = (chans[c] as Float32Array)[i] as number;
        if (Number.isNaN(v)) throw nanError(i, c);
        d[k] = v;
      }
    }
    return 0;
  }
  const d = new Int16Array(out.buffer, 44, n * nch);
  for (let i = 0, k = 0; i < n; i++) {
    for (let c = 0; c < nch; c++, k++) {
      const v = (chans[c] as Float32Array)[i] as number;
      if (Number.isNaN(v)) throw nanError(i, c);
      let s = Math.round(v * 32768);
      if (s > 32767) {
        s = 32767;
        if (v > 1) clipped++;
      } else if (s < -32768) {
        s = -32768;
        clipped++;
      }
      d[k] = s;
    }
  }
  return clipped;
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

/** What a WAV file's header declares, checked field by field (`inspectWav`). */
export interface WavHeaderInfo {
  /** fmt audio format: 1 PCM, 3 IEEE float, 6 A-law, 7 µ-law, 0xFFFE extensible. */
  format: number;
  channels: number;
  sampleRate: number;
  bitsPerSample: number;
  /** Byte offset of the sample data. */
  dataOffset: number;
  /** Bytes the data chunk declares. */
  declaredDataBytes: number;
  /** Bytes of sample data the file really holds (whole frames). */
  dataBytes: number;
  /** Frames (samples per channel) the file really holds. */
  frames: number;
  /** A problem that does not stop decoding (a truncated copy), in words. */
  warning?: string;
}

const WAV_FORMATS: Record<number, string> = {
  1: 'PCM',
  3: 'IEEE float',
  6: 'A-law',
  7: 'µ-law',
  65534: 'extensible',
};

/** True for a RIFF/WAVE file. */
export function isWav(bytes: Uint8Array): boolean {
  return (
    bytes.length >= 12 &&
    String.fromCharCode(bytes[0]!, bytes[1]!, bytes[2]!, bytes[3]!) === 'RIFF' &&
    String.fromCharCode(bytes[8]!, bytes[9]!, bytes[10]!, bytes[11]!) === 'WAVE'
  );
}

/**
 * Walks a WAV file's chunks and checks every field the decoder relies on, so a
 * damaged header is named by its field (channels, sample rate, bits per sample,
 * block align, a chunk size) instead of surfacing later as "sample rate 0 Hz". A
 * data chunk cut short is not an error (interrupted copies play fine) but gives a
 * `warning` that says how much is missing.
 */
export function inspectWav(
  bytes: Uint8Array,
  file?: string,
  rates = { min: 1, max: 0xffffffff },
): WavHeaderInfo {
  const bad = (
    message: string,
    field: string,
    hint = 'the header is damaged; re-export or re-copy the file',
  ) => new UserError(message, { file, field, hint });
  if (!isWav(bytes)) throw bad('not a RIFF/WAVE file', 'RIFF', 'pass a .wav file');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let fmt: Omit<WavHeaderInfo, 'dataOffset' | 'declaredDataBytes' | 'dataBytes' | 'frames'> | null = null;
  let p = 12;
  while (p + 8 <= bytes.length) {
    const id = String.fromCharCode(bytes[p]!, bytes[p + 1]!, bytes[p + 2]!, bytes[p + 3]!);
    const size = view.getUint32(p + 4, true);
    const body = p + 8;
    if (id === 'fmt ') {
      if (size < 16 || body + 16 > bytes.length) {
        throw bad(`the fmt chunk is ${size} bytes, shorter than the 16 a WAV header needs`, 'fmt chunk size');
      }
      let format = view.getUint16(body, true);
      const channels = view.getUint16(body + 2, true);
      const sampleRate = view.getUint32(body + 4, true);
      const blockAlign = view.getUint16(body + 12, true);
      const bitsPerSample = view.getUint16(body + 14, true);
      if (format === 0xfffe && size >= 40 && body + 26 <= bytes.length)
        format = view.getUint16(body + 24, true);
      if (!WAV_FORMATS[format]) {
        throw bad(
          `audio format ${format} is not supported (PCM, IEEE float, A-law, µ-law)`,
          'audio format',
          'convert the file to 16-bit PCM',
        );
      }
      if (channels < 1 || channels > 64) throw bad(`the header declares ${channels} channels`, 'channels');
      if (sampleRate < rates.min || sampleRate > rates.max) {
        throw bad(
          `the header declares a sample rate of ${sampleRate} Hz (supported ${rates.min}–${rates.max} Hz)`,
          'sample rate',
        );
      }
      const okBits = format === 3 ? [32, 64] : format === 6 || format === 7 ? [8] : [8, 16, 24, 32];
      if (!okBits.includes(bitsPerSample)) {
        throw bad(
          `the header declares ${bitsPerSample} bits per sample (for ${WAV_FORMATS[format]}: ${okBits.join(', ')})`,
          'bits per sample',
        );
      }
      if (blockAlign !== (channels * bitsPerSample) / 8) {
        throw bad(
          `block align is ${blockAlign}, but ${channels} channel(s) × ${bitsPerSample} bits need ${(channels * bitsPerSample) / 8}`,
          'block align',
        );
      }
      fmt = { format, channels, sampleRate, bitsPerSample };
    } else if (id === 'data') {
      if (!fmt) throw bad('the data chunk comes before the fmt chunk', 'fmt chunk');
      const frame = (fmt.channels * fmt.bitsPerSample) / 8;
      const available = bytes.length - body;
      const dataBytes = Math.min(size, available);
      const frames = Math.floor(dataBytes / frame);
      if (frames === 0)
        throw bad('the data chunk holds no samples', 'data chunk size', 'the file is empty or truncated');
      const info: WavHeaderInfo = { ...fmt, dataOffset: body, declaredDataBytes: size, dataBytes, frames };
      if (size > available) {
        const missing = (size - available) / frame / fmt.sampleRate;
        info.warning = `the file is truncated: its data chunk declares ${size} bytes but ${available} are there (${missing.toFixed(2)} s missing); the rest is used`;
      }
      return info;
    } else if (body + size > bytes.length) {
      throw bad(
        `chunk '${id.replace(/[^\x20-\x7e]/g, '?')}' at byte ${p} declares ${size} bytes, past the end of the file`,
        `${id.trim() || '?'} chunk size`,
      );
    }
    p = body + size + (size % 2);
  }
  throw bad(
    fmt ? 'the file has no data chunk' : 'the file has no fmt chunk',
    fmt ? 'data chunk' : 'fmt chunk',
    'the file is truncated or damaged; re-copy it',
  );
}
