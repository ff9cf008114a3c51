/**
 * Duration of an audio file from its headers, without decoding: a library of
 * 10⁵ tracks is checked before any embedding starts, and a full decode of every
 * track twice would double the cost. Formats and what is read:
 * - WAV (RIFF/WAVE): `fmt ` block align and rate, `data` size (clipped to the file);
 * - Sun `.au`: header data size (or the file size when the header says "unknown");
 * - FLAC: STREAMINFO total samples and rate;
 * - MP3: MPEG audio frames counted from the first sync (ID3v2 skipped; a
 *   Xing/Info header's frame count when present);
 * - Ogg Vorbis/Opus: the rate from the identification header, the last page's
 *   granule position (minus Opus pre-skip).
 * Anything else, or a header that cannot give a length, falls back to a full
 * decode (`decodeAudioFile`). Errors are `UserError`s naming the file.
 */
import { open, stat } from 'node:fs/promises';
import { decodeAudioFile } from '../audio/decode.js';
import { UserError } from '../util/errors.js';

export interface AudioProbe {
  seconds: number;
  sampleRate: number;
  channels: number;
  /** How the length was found. */
  method: 'wav' | 'au' | 'flac' | 'mp3' | 'ogg' | 'decode';
}

const HEAD_BYTES = 64 * 1024;

async function readRange(path: string, position: number, length: number): Promise<Uint8Array> {
  const fh = await open(path, 'r');
  try {
    const buf = new Uint8Array(length);
    const { bytesRead } = await fh.read(buf, 0, length, position);
    return buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}

function ascii(b: Uint8Array, at: number, n: number): string {
  return String.fromCharCode(...b.subarray(at, at + n));
}

function probeWav(head: Uint8Array, size: number): Omit<AudioProbe, 'method'> | null {
  if (head.length < 12 || ascii(head, 0, 4) !== 'RIFF' || ascii(head, 8, 4) !== 'WAVE') return null;
  const v = new DataView(head.buffer, head.byteOffset, head.byteLength);
  let at = 12;
  let rate = 0;
  let channels = 0;
  let blockAlign = 0;
  while (at + 8 <= head.length) {
    const id = ascii(head, at, 4);
    const len = v.getUint32(at + 4, true);
    if (id === 'fmt ' && at + 24 <= head.length) {
      channels = v.getUint16(at + 10, true);
      rate = v.getUint32(at + 12, true);
      blockAlign = v.getUint16(at + 20, true);
    } else if (id === 'data') {
      if (!rate || !blockAlign || !channels) return null;
      // Streamed writers leave 0 or 0xFFFFFFFF: the data then runs to the end of the file.
      const avail = size - (at + 8);
      const bytes = len === 0 || len > avail ? avail : len;
      return { seconds: Math.floor(bytes / blockAlign) / rate, sampleRate: rate, channels };
    }
    at += 8 + len + (len & 1);
  }
  return null;
}

function probeAu(head: Uint8Array, size: number): Omit<AudioProbe, 'method'> | null {
  if (head.length < 24 || ascii(head, 0, 4) !== '.snd') return null;
  const v = new DataView(head.buffer, head.byteOffset, head.byteLength);
  const offset = v.getUint32(4);
  const dataSize = v.getUint32(8);
  const encoding = v.getUint32(12);
  const rate = v.getUint32(16);
  const channels = v.getUint32(20);
  const bytesPer: Record<number, number> = { 1: 1, 2: 1, 3: 2, 4: 3, 5: 4, 6: 4, 7: 8, 27: 1 };
  const b = bytesPer[encoding];
  if (!b || !rate || !channels) return null;
  const avail = size - offset;
  const bytes = dataSize === 0xffffffff || dataSize > avail ? avail : dataSize;
  return { seconds: Math.floor(bytes / (b * channels)) / rate, sampleRate: rate, channels };
}

function probeFlac(head: Uint8Array): Omit<AudioProbe, 'method'> | null {
  let at = 0;
  // An ID3v2 tag in front of FLAC is rare but legal.
  if (ascii(head, 0, 3) === 'ID3' && head.length >= 10) at = 10 + synchsafe(head, 6);
  if (head.length < at + 42 || ascii(head, at, 4) !== 'fLaC') return null;
  const s = at + 8; // STREAMINFO is always the first metadata block
  const rate = (head[s + 10]! << 12) | (head[s + 11]! << 4) | (head[s + 12]! >> 4);
  const channels = ((head[s + 12]! >> 1) & 7) + 1;
  const total =
    (head[s + 13]! & 0x0f) * 2 ** 32 +
    ((head[s + 14]! << 24) >>> 0) +
    (head[s + 15]! << 16) +
    (head[s + 16]! << 8) +
    head[s + 17]!;
  if (!rate || total === 0) return null;
  return { seconds: total / rate, sampleRate: rate, channels };
}

function synchsafe(b: Uint8Array, at: number): number {
  return (
    ((b[at]! & 0x7f) << 21) | ((b[at + 1]! & 0x7f) << 14) | ((b[at + 2]! & 0x7f) << 7) | (b[at + 3]! & 0x7f)
  );
}

const MP3_BITRATES = {
  // [version 1 | 2/2.5][layer 1..3] kbit/s by index
  v1: [
    [0, 32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384, 416, 448],
    [0, 32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384],
    [0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320],
  ],
  v2: [
    [0, 32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224, 256],
    [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160],
    [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160],
  ],
};
const MP3_RATES: Record<number, number[]> = {
  3: [44100, 48000, 32000],
  2: [22050, 24000, 16000],
  0: [11025, 12000, 8000],
};

interface Mp3Frame {
  length: number;
  samples: number;
  rate: number;
  channels: number;
}

function mp3Frame(b: Uint8Array, at: number): Mp3Frame | null {
  if (at + 4 > b.length || b[at] !== 0xff || (b[at + 1]! & 0xe0) !== 0xe0) return null;
  const version = (b[at + 1]! >> 3) & 3; // 3 = MPEG-1, 2 = MPEG-2, 0 = MPEG-2.5
  const layer = 4 - ((b[at + 1]! >> 1) & 3); // 1..3
  const bi = b[at + 2]! >> 4;
  const ri = (b[at + 2]! >> 2) & 3;
  if (version === 1 || layer === 4 || bi === 0 || bi === 15 || ri === 3) return null;
  const rate = (MP3_RATES[version] as number[])[ri] as number;
  const kbps = (version === 3 ? MP3_BITRATES.v1 : MP3_BITRATES.v2)[layer - 1]![bi]!;
  const pad = (b[at + 2]! >> 1) & 1;
  const channels = b[at + 3]! >> 6 === 3 ? 1 : 2;
  let length: number;
  let samples: number;
  if (layer === 1) {
    length = (Math.floor((12 * kbps * 1000) / rate) + pad) * 4;
    samples = 384;
  } else {
    samples = layer === 3 && version !== 3 ? 576 : 1152;
    length = Math.floor(((samples / 8) * kbps * 1000) / rate) + pad;
  }
  return length >= 4 ? { length, samples, rate, channels } : null;
}

async function probeMp3(
  path: string,
  head: Uint8Array,
  size: number,
): Promise<Omit<AudioProbe, 'method'> | null> {
  let start = 0;
  if (ascii(head, 0, 3) === 'ID3' && head.length >= 10)
    start = 10 + synchsafe(head, 6) + (head[5]! & 0x10 ? 10 : 0);
  const bytes =
    start + 4 <= head.length ? head : await readRange(path, 0, Math.min(size, start + HEAD_BYTES));
  // The first sync must be followed by another frame where the header says: a lone 0xFFE is noise.
  let at = start;
  let first: Mp3Frame | null = null;
  const limit = Math.min(bytes.length - 4, start + HEAD_BYTES);
  for (; at < limit; at++) {
    const f = mp3Frame(bytes, at);
    if (f && (at + f.length + 4 > bytes.length || mp3Frame(bytes, at + f.length))) {
      first = f;
      break;
    }
  }
  if (!first) return null;
  // Xing/Info (LAME) header inside the first frame: frame count of the whole stream.
  const side = first.samples === 1152 ? (first.channels === 1 ? 17 : 32) : first.channels === 1 ? 9 : 17;
  const x = at + 4 + side;
  if (x + 12 <= bytes.length) {
    const tag = ascii(bytes, x, 4);
    if ((tag === 'Xing' || tag === 'Info') && bytes[x + 7]! & 1) {
      const flags = bytes[x + 7]!;
      const frames = new DataView(bytes.buffer, bytes.byteOffset + x + 8, 4).getUint32(0);
      // LAME's tag after the Xing fields records the encoder delay and padding (12 bits each).
      const lame = x + 8 + 4 + (flags & 2 ? 4 : 0) + (flags & 4 ? 100 : 0) + (flags & 8 ? 4 : 0);
      let trim = 0;
      if (lame + 24 <= bytes.length && /^(LAME|Lavc|Lavf)/.test(ascii(bytes, lame, 4))) {
        const d = lame + 21;
        trim = ((bytes[d]! << 4) | (bytes[d + 1]! >> 4)) + (((bytes[d + 1]! & 15) << 8) | bytes[d + 2]!);
      }
      const n = frames * first.samples - trim;
      if (frames > 0 && n > 0)
        return { seconds: n / first.rate, sampleRate: first.rate, channels: first.channels };
    }
  }
  // No frame count: walk the frames (reads the file once; a hash pass reads it anyway).
  const all = size <= bytes.length ? bytes : await readRange(path, 0, size);
  let samples = 0;
  let p = at;
  let f = mp3Frame(all, p);
  while (f && p + f.length <= all.length) {
    samples += f.samples;
    p += f.length;
    f = mp3Frame(all, p);
  }
  if (samples === 0) return null;
  return { seconds: samples / first.rate, sampleRate: first.rate, channels: first.channels };
}

async function probeOgg(
  path: string,
  head: Uint8Array,
  size: number,
): Promise<Omit<AudioProbe, 'method'> | null> {
  if (head.length < 28 || ascii(head, 0, 4) !== 'OggS') return null;
  const segs = head[26]!;
  const body = 27 + segs;
  let rate = 0;
  let channels = 0;
  let preSkip = 0;
  let granuleRate = 0;
  if (ascii(head, body, 7) === '\x01vorbis' && head.length >= body + 16) {
    channels = head[body + 11]!;
    rate = new DataView(head.buffer, head.byteOffset + body + 12, 4).getUint32(0, true);
    granuleRate = rate;
  } else if (ascii(head, body, 8) === 'OpusHead' && head.length >= body + 16) {
    channels = head[body + 9]!;
    preSkip = new DataView(head.buffer, head.byteOffset + body + 10, 2).getUint16(0, true);
    rate = new DataView(head.buffer, head.byteOffset + body + 12, 4).getUint32(0, true) || 48000;
    granuleRate = 48000; // Opus granules always count 48 kHz samples
  } else return null;
  const tailLen = Math.min(size, HEAD_BYTES);
  const tail = await readRange(path, size - tailLen, tailLen);
  for (let i = tail.length - 27; i >= 0; i--) {
    if (tail[i] === 0x4f && ascii(tail, i, 4) === 'OggS') {
      const v = new DataView(tail.buffer, tail.byteOffset + i + 6, 8);
      const granule = v.getUint32(0, true) + v.getUint32(4, true) * 2 ** 32;
      if (granule === 2 ** 64 - 1 || granule <= preSkip) continue;
      return { seconds: (granule - preSkip) / granuleRate, sampleRate: rate, channels };
    }
  }
  return null;
}

/**
 * The file's duration, from its headers when the format allows, else by decoding it.
 * Throws a `UserError` (naming the file) when neither works.
 */
export async function probeAudio(path: string): Promise<AudioProbe> {
  let size: number;
  try {
    const st = await stat(path);
    if (!st.isFile()) throw new Error('not a regular file');
    size = st.size;
  } catch (e) {
    throw new UserError(`cannot read audio file: ${(e as Error).message}`, { file: path, cause: e });
  }
  if (size === 0) throw new UserError('audio file is empty (0 bytes)', { file: path });
  try {
    const fromHeader = await probeHeaders(path, size);
    if (fromHeader) return fromHeader;
  } catch (e) {
    throw new UserError(`cannot read audio file: ${(e as Error).message}`, { file: path, cause: e });
  }
  const audio = await decodeAudioFile(path);
  return {
    seconds: (audio.channels[0]?.length ?? 0) / audio.sampleRate,
    sampleRate: audio.sampleRate,
    channels: audio.channels.length,
    method: 'decode',
  };
}

/** The duration from the headers, or null when the format or file does not give one. */
async function probeHeaders(path: string, size: number): Promise<AudioProbe | null> {
  const head = await readRange(path, 0, Math.min(size, HEAD_BYTES));
  const wav = probeWav(head, size);
  if (wav) return { ...wav, method: 'wav' };
  const au = probeAu(head, size);
  if (au) return { ...au, method: 'au' };
  const flac = probeFlac(head);
  if (flac) return { ...flac, method: 'flac' };
  const ogg = await probeOgg(path, head, size);
  if (ogg) return { ...ogg, method: 'ogg' };
  // Containers that are not MPEG audio: PCM data inside could mimic frame syncs.
  const otherContainer = ['RIFF', 'RF64', 'FORM', 'fLaC', 'OggS', '.snd'].includes(ascii(head, 0, 4));
  if (!otherContainer) {
    const mp3 = await probeMp3(path, head, size);
    if (mp3) return { ...mp3, method: 'mp3' };
  }
  return null;
}
