/**
 * Maps a request path under `/run/` to a file inside the run folder, refusing
 * anything that could leave it: `..` and `.` segments in any encoding
 * (`%2e%2e`, double encoding), encoded or literal slashes and backslashes
 * inside a segment, NUL bytes, empty segments (`//etc/passwd`), hidden files,
 * and symlinks whose target lies outside the folder. Directories are never
 * listed. The raw URL is checked before anything is decoded, then every
 * decoded segment again, then the real path on disk.
 */
import { realpathSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { join, sep } from 'node:path';

export type Resolved = { ok: true; path: string; size: number } | { ok: false; status: 400 | 403 | 404 };

/** `rest`: the raw (still percent-encoded) path after the route prefix, without a query. */
export async function resolveRunFile(root: string, rest: string): Promise<Resolved> {
  if (rest.length === 0 || rest.length > 1024) return { ok: false, status: 404 };
  if (/%(2f|5c|00)/i.test(rest) || rest.includes('\\') || rest.includes('\0'))
    return { ok: false, status: 403 };
  const segments: string[] = [];
  for (const raw of rest.split('/')) {
    let s: string;
    try {
      s = decodeURIComponent(raw);
    } catch {
      return { ok: false, status: 400 };
    }
    if (s === '' || s === '.' || s === '..' || s.startsWith('.')) return { ok: false, status: 403 };
    if (/[\\/\0%]/.test(s)) return { ok: false, status: 403 };
    segments.push(s);
  }
  let realRoot: string;
  try {
    realRoot = realpathSync(root);
  } catch {
    return { ok: false, status: 404 };
  }
  const candidate = join(realRoot, ...segments);
  if (!candidate.startsWith(realRoot + sep)) return { ok: false, status: 403 };
  let real: string;
  try {
    real = realpathSync(candidate);
  } catch {
    return { ok: false, status: 404 };
  }
  if (!real.startsWith(realRoot + sep)) return { ok: false, status: 403 };
  try {
    const st = await stat(real);
    if (!st.isFile()) return { ok: false, status: 404 };
    return { ok: true, path: real, size: st.size };
  } catch {
    return { ok: false, status: 404 };
  }
}

const TYPES: Record<string, string> = {
  '.mp3': 'audio/mpeg',
  '.png': 'image/png',
  '.json': 'application/json; charset=utf-8',
  '.jsonl': 'application/x-ndjson; charset=utf-8',
  '.html': 'text/html; charset=utf-8',
  '.csv': 'text/csv; charset=utf-8',
  '.tsv': 'text/tab-separated-values; charset=utf-8',
  '.gz': 'application/gzip',
  '.nii': 'application/octet-stream',
  '.npy': 'application/octet-stream',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
};

export function contentType(path: string): string {
  const m = /\.[A-Za-z0-9]+$/.exec(path);
  return (m && TYPES[m[0].toLowerCase()]) ?? 'application/octet-stream';
}
