/**
 * Sun/NeXT `.au` reader (GTZAN's original format).
 *
 * Layout (all big-endian): magic ".snd", header size, data size (0xffffffff =
 * unknown: read to the end), encoding, sample rate, channel count, then an
 * annotation up to the header size, then interleaved samples.
 * Supported encodings: 1 µ-law 8-bit, 2 linear 8-bit, 3 linear 16-bit (GTZAN),
 * 4 linear 24-bit, 5 linear 32-bit, 6 float 32-bit, 7 float 64-bit, 27 A-law 8-bit.
 */
import { UserError } from '../util/errors.js';
import { assertAllocation } from '../util/memory.js';
import { type AudioData, MAX_SAMPLE_RATE, MIN_SAMPLE_RATE } from './types.js';

const MAGIC = 0x2e736e64; // ".snd"

const ENCODINGS: Record<number, { name: string; bytes: number }> = {
  1: { name: 'mu-law 8-bit', bytes: 1 },
  2: { name: 'linear 8-bit', bytes: 1 },
  3: { name: 'linear 16-bit', bytes: 2 },
  4: { name: 'linear 24-bit', bytes: 3 },
  5: { name: 'linear 32-bit', bytes: 4 },
  6: { name: 'float 32-bit', bytes: 4 },
  7: { name: 'float 64-bit', bytes: 8 },
  27: { name: 'A-law 8-bit', bytes: 1 },
};

/** True when the bytes start with the `.snd` magic. */
export function isAu(bytes: Uint8Array): boolean {
  return (
    bytes.length >= 4 && bytes[0] === 0x2e && bytes[1] === 0x73 && bytes[2] === 0x6e && bytes[3] === 0x64
  );
}

/** G.711 µ-law byte → linear value in [-1, 1] (ITU-T G.711, 14-bit magnitude). */
export function mulawToLinear(u: number): number {
  u = ~u & 0xff;
  const sign = u & 0x80;
  const exponent = (u >> 4) & 0x07;
  const mantissa = u & 0x0f;
  const magnitude = (((mantissa << 3) + 0x84) << exponent) - 0x84;
  return (sign ? -magnitude : magnitude) / 32768;
}

/** G.711 A-law byte → linear value in [-1, 1]. */
export function alawToLinear(a: number): number {
  a ^= 0x55;
  const sign = a & 0x80;
  const exponent = (a >> 4) & 0x07;
  const mantissa = a & 0x0f;
  let magnitude = (mantissa << 4) + 8;
  if (exponent !== 0) magnitude = (magnitude + 0x100) << (exponent - 1);
  return (sign ? magnitude : -magnitude) / 32768;
}

/** Parses a whole `.au` file. `file` only labels errors. */
export function decodeAu(bytes: Uint8Array, file?: string): AudioData & { warning?: string } {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < 24 || view.getUint32(0) !== MAGIC) {
    throw new UserError('not a Sun/NeXT .au file (no ".snd" magic in the first 4 bytes)', {
      file,
      hint: 'pass a .au file, or a wav/mp3/ogg/flac file',
    });
  }
  const headerSize = view.getUint32(4);
  const declared = view.getUint32(8);
  const encoding = view.getUint32(12);
  const sampleRate = view.getUint32(16);
  const nch = view.getUint32(20);
  if (headerSize < 24 || headerSize > bytes.length) {
    throw new UserError(`.au header size ${headerSize} is outside the file (${bytes.length} bytes)`, {
      file,
      field: 'header size',
      hint: 'the file is truncated or corrupt; re-copy it from the original dataset',
    });
  }
  const enc = ENCODINGS[encoding];
  if (!enc) {
    throw new UserError(`unsupported .au encoding ${encoding}`, {
      file,
      field: 'encoding',
      hint: `supported encodings: ${Object.entries(ENCODINGS)
        .map(([k, v]) => `${k} (${v.name})`)
        .join(', ')}; convert the file to 16-bit PCM`,
    });
  }
  if (nch < 1 || nch > 64) {
    throw new UserError(`.au file declares ${nch} channels`, {
      file,
      field: 'channels',
      hint: 'the header is corrupt; re-copy the file',
    });
  }
  if (sampleRate < MIN_SAMPLE_RATE || sampleRate > MAX_SAMPLE_RATE) {
    throw new UserError(
      `.au header declares a sample rate of ${sampleRate} Hz (supported ${MIN_SAMPLE_RATE}–${MAX_SAMPLE_RATE} Hz)`,
      { file, field: 'sample rate', hint: 'the header is corrupt; re-copy the file' },
    );
  }
  const available = bytes.length - headerSize;
  // 0xffffffff means "unknown size"; a declared size past the end means a truncated
  // copy (seen in some GTZAN mirrors): read what is there, whole frames only.
  const dataBytes = declared === 0xffffffff ? available : Math.min(declared, available);
  const frame = enc.bytes * nch;
  const n = Math.floor(dataBytes / frame);
  if (n === 0) {
    throw new UserError('.au file holds no samples', {
      file,
      hint: 'the file is empty or truncated; re-copy it from the original dataset',
    });
  }
  assertAllocation(n * nch * 4, {
    what: 'decoding the .au file',
    driver: `${n} frames × ${nch} channels as float32`,
    file,
    field: 'channels',
  });
  const channels = Array.from({ length: nch }, () => new Float32Array(n));
  const base = headerSize;
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < nch; c++) {
      const off = base + (i * nch + c) * enc.bytes;
      let v: number;
      switch (encoding) {
        case 1:
          v = mulawToLinear(view.getUint8(off));
          break;
        case 2:
          v = view.getInt8(off) / 128;
          break;
        case 3:
          v = view.getInt16(off) / 32768;
          break;
        case 4:
          v = ((view.getInt8(off) << 16) | (view.getUint8(off + 1) << 8) | view.getUint8(off + 2)) / 8388608;
          break;
        case 5:
          v = view.getInt32(off) / 2147483648;
          break;
        case 6:
          v = view.getFloat32(off);
          break;
        case 7:
          v = view.getFloat64(off);
          break;
        default:
          v = alawToLinear(view.getUint8(off));
      }
      (channels[c] as Float32Array)[i] = v;
    }
  }
  const out: AudioData & { warning?: string } = { sampleRate, channels };
  if (declared !== 0xffffffff && declared > available) {
    out.warning = `the file is truncated: its header declares ${declared} data bytes but ${available} are there (${((declared - available) / frame / sampleRate).toFixed(2)} s missing); the rest is used`;
  }
  return out;
}

/** Encodes 16-bit big-endian PCM `.au` (for tests and for GTZAN-like fixtures). */
export function encodeAu16(channels: Float32Array[], sampleRate: number): Uint8Array {
  const nch = channels.length;
  const n = channels[0]?.length ?? 0;
  const header = 32; // 24 bytes + an empty 8-byte annotation, as sox writes it
  const out = new Uint8Array(header + n * nch * 2);
  const view = new DataView(out.buffer);
  view.setUint32(0, MAGIC);
  view.setUint32(4, header);
  view.setUint32(8, n * nch * 2);
  view.setUint32(12, 3);
  view.setUint32(16, sampleRate);
  view.setUint32(20, nch);
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < nch; c++)
      view.setInt16(header + (i * nch + c) * 2, toInt16((channels[c] as Float32Array)[i] as number));
  }
  return out;
}

/** Float sample → int16 with rounding and saturation (never wraps around). */
export function toInt16(v: number): number {
  const s = Math.round(v * 32768);
  return Math.min(32767, Math.max(-32768, s));
}
