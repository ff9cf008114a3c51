/**
 * Test helpers: small NIfTI headers and temporary BIDS trees, and the shipped
 * ds003720 metadata. Test code only.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

/** The repository root (this file is src/testing/bids.ts). */
export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
/** The shipped ds003720 metadata. */
export const DS003720 = join(REPO_ROOT, 'data', 'ds003720');
/** The shared copy beside the repository, when it exists. */
export const DS003720_SHARED = join(REPO_ROOT, '..', 'shared', 'datasets', 'ds003720');

/** A NIfTI-1 header (+4 bytes extension flag) for an int16 image of `dims`, TR in seconds. */
export function nifti1Header(dims: number[], tr = 1.5, littleEndian = true): Buffer {
  const h = Buffer.alloc(352);
  const i32 = (v: number, o: number): void => {
    littleEndian ? h.writeInt32LE(v, o) : h.writeInt32BE(v, o);
  };
  const i16 = (v: number, o: number): void => {
    littleEndian ? h.writeInt16LE(v, o) : h.writeInt16BE(v, o);
  };
  const f32 = (v: number, o: number): void => {
    littleEndian ? h.writeFloatLE(v, o) : h.writeFloatBE(v, o);
  };
  i32(348, 0);
  i16(dims.length, 40);
  for (const [k, d] of dims.entries()) i16(d, 42 + 2 * k);
  i16(4, 70); // int16
  i16(16, 72);
  for (const [k, v] of [1, 2, 2, 2, tr].entries()) f32(v, 76 + 4 * k);
  f32(352, 108);
  h[123] = 2 | 8; // mm, seconds
  h.write('n+1\0', 344, 'latin1');
  return h;
}

/** A NIfTI-2 header (+4 bytes) for `dims`. */
export function nifti2Header(dims: number[], tr = 1.5): Buffer {
  const h = Buffer.alloc(544);
  h.writeInt32LE(540, 0);
  h.write('n+2\0\r\n\x1a\n', 4, 'latin1');
  h.writeInt16LE(4, 12);
  h.writeInt16LE(16, 14);
  h.writeBigInt64LE(BigInt(dims.length), 16);
  for (const [k, d] of dims.entries()) h.writeBigInt64LE(BigInt(d), 24 + 8 * k);
  for (const [k, v] of [1, 2, 2, 2, tr].entries()) h.writeDoubleLE(v, 104 + 8 * k);
  h.writeBigInt64LE(544n, 168);
  h.writeInt32LE(2 | 8, 500);
  return h;
}

/** Creates a temporary folder with `files` (path → content; .gz paths are gzipped). */
export function makeTree(files: Record<string, string | Buffer>): string {
  const root = mkdtempSync(join(tmpdir(), 'b2m-bids-'));
  for (const [rel, content] of Object.entries(files)) {
    const p = join(root, rel);
    mkdirSync(dirname(p), { recursive: true });
    const bytes = typeof content === 'string' ? Buffer.from(content) : content;
    writeFileSync(p, rel.endsWith('.gz') ? gzipSync(bytes) : bytes);
  }
  return root;
}

/** An events.tsv in ds003720's style (CRLF, quoted genre) for `clips` at 15-s spacing. */
export function eventsTsv(clips: [genre: string, track: number, start: number][], step = 15): string {
  const lines = ['onset\tduration\tgenre\ttrack\tstart\tend'];
  for (const [i, [g, t, s]] of clips.entries())
    lines.push(`${i * step}\t${step}\t'${g}'\t${t}\t${s}\t${s + step}`);
  return `${lines.join('\r\n')}\r\n`;
}
