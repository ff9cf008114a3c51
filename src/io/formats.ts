/**
 * Recognising the formats we write from their first bytes, so an output guard can
 * tell "an earlier output of the same kind" (may be replaced with --force) from a
 * file that is something else (never replaced).
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { sniffHeader } from './nifti/header.js';

function head(path: string, n: number): Buffer {
  let fd: number | null = null;
  try {
    fd = openSync(path, 'r');
    const b = Buffer.alloc(n);
    const got = readSync(fd, b, 0, n, 0);
    return b.subarray(0, got);
  } catch {
    return Buffer.alloc(0);
  } finally {
    if (fd !== null) closeSync(fd);
  }
}

/** A `.npy` array (magic `\x93NUMPY`). */
export function looksLikeNpy(path: string): boolean {
  const b = head(path, 6);
  return b.length === 6 && b.toString('latin1') === '\x93NUMPY';
}

/** A NIfTI-1/2 image, plain (sizeof_hdr 348 or 540) or gzipped (gzip magic). */
export function looksLikeNifti(path: string): boolean {
  const b = head(path, 4);
  if (b.length >= 2 && b[0] === 0x1f && b[1] === 0x8b) return true;
  return sniffHeader(b) !== null;
}

/** A RIFF/WAVE file. */
export function looksLikeWav(path: string): boolean {
  const b = head(path, 12);
  return b.length === 12 && b.toString('latin1', 0, 4) === 'RIFF' && b.toString('latin1', 8, 12) === 'WAVE';
}
