/**
 * A retrieval library: a folder of audio tracks (any format the audio layer reads),
 * walked recursively in a fixed order, every track checked before any work starts.
 *
 * - genre: the first sub-folder under the library root (`<genre>/…`), else the
 *   GTZAN-style file-name prefix (`rock.00012.mp3` → `rock`), else `unknown`;
 * - id: the file name without its extension when that is unique in the library
 *   (GTZAN and FMA names are), else the relative path without extension;
 * - hidden files and folders (`.DS_Store`, `._x.wav`, `.cache/`) are skipped.
 * A bad folder is reported once, with every bad file and its reason.
 */
import { readdir, realpath, stat } from 'node:fs/promises';
import { basename, extname, join, relative, sep } from 'node:path';
import { AUDIO_EXTENSIONS } from '../embed/inputs.js';
import { isUserError, UserError } from '../util/errors.js';
import { probeAudio } from './probe.js';

export interface LibraryTrack {
  id: string;
  /** File path (as found under the root given). */
  path: string;
  genre: string;
  /** Duration from the file's headers (seconds). */
  seconds: number;
  /** File size and modification time: a cheap identity for stage keys (contents are hashed when embedded). */
  bytes: number;
  mtimeMs: number;
}

export interface ListLibraryOptions {
  /** Shorter tracks are refused (default 15: the retrieval excerpt, METHOD.md §3.7). */
  minSeconds?: number;
  /** Files checked at once (I/O bound; default 8). */
  concurrency?: number;
}

/** Bad files listed in full up to this many; the rest are counted. */
const MAX_LISTED = 50;

const GTZAN_NAME = /^([A-Za-z][A-Za-z0-9_-]*)\.\d+$/;

async function walk(dir: string, out: string[], seen: Set<string>): Promise<void> {
  // Symlinked folders are followed (libraries are often links to a music drive), each real folder once.
  const real = await realpath(dir);
  if (seen.has(real)) return;
  seen.add(real);
  const entries = await readdir(dir, { withFileTypes: true });
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const e of entries) {
    if (e.name.startsWith('.')) continue;
    const p = join(dir, e.name);
    let isDir = e.isDirectory();
    if (e.isSymbolicLink())
      isDir = await stat(p).then(
        (st) => st.isDirectory(),
        () => false,
      );
    if (isDir) await walk(p, out, seen);
    else if (AUDIO_EXTENSIONS.includes(extname(e.name).toLowerCase())) out.push(p);
  }
}

/** Genre of a library file from its place under the root (see the module rules). */
export function libraryGenre(root: string, path: string): string {
  const parts = relative(root, path).split(sep);
  if (parts.length > 1 && parts[0]) return parts[0];
  const stem = basename(path, extname(path));
  const m = GTZAN_NAME.exec(stem);
  return m ? (m[1] as string) : 'unknown';
}

function stemOf(root: string, path: string): string {
  const rel = relative(root, path).split(sep).join('/');
  return rel.slice(0, rel.length - extname(rel).length);
}

/**
 * Every audio track under `dir`, sorted by path, each checked (readable header,
 * duration ≥ `minSeconds`). Throws one `UserError` listing every bad file.
 */
export async function listLibraryAudio(dir: string, opts: ListLibraryOptions = {}): Promise<LibraryTrack[]> {
  const minSeconds = opts.minSeconds ?? 15;
  try {
    if (!(await stat(dir)).isDirectory()) throw new Error('not a folder');
  } catch (e) {
    throw new UserError(`library folder not found: ${(e as Error).message}`, {
      file: dir,
      field: 'retrieval.library',
      hint: 'point retrieval.library (--library) at a folder of audio files',
    });
  }
  const paths: string[] = [];
  await walk(dir, paths, new Set());
  if (paths.length === 0) {
    throw new UserError('library folder holds no audio files', {
      file: dir,
      field: 'retrieval.library',
      hint: `library tracks are files ending in ${AUDIO_EXTENSIONS.join(', ')} (in sub-folders named by genre, or named genre.000XX)`,
    });
  }
  const seconds = new Array<number>(paths.length);
  const sizes = new Array<number>(paths.length);
  const mtimes = new Array<number>(paths.length);
  const bad: { path: string; reason: string }[] = [];
  let next = 0;
  const worker = async () => {
    while (next < paths.length) {
      const i = next++;
      const p = paths[i] as string;
      try {
        const pr = await probeAudio(p);
        const st = await stat(p);
        sizes[i] = st.size;
        mtimes[i] = Math.round(st.mtimeMs);
        seconds[i] = pr.seconds;
        if (!(pr.seconds >= minSeconds)) {
          bad.push({ path: p, reason: `too short: ${pr.seconds.toFixed(1)} s < ${minSeconds} s` });
        }
      } catch (e) {
        if (!isUserError(e)) throw e;
        bad.push({ path: p, reason: `unreadable: ${e.message}` });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, opts.concurrency ?? 8) }, worker));
  if (bad.length > 0) {
    bad.sort((a, b) => (a.path < b.path ? -1 : 1));
    const lines = bad.slice(0, MAX_LISTED).map((b) => `  ${relative(dir, b.path)}: ${b.reason}`);
    if (bad.length > MAX_LISTED) lines.push(`  … and ${bad.length - MAX_LISTED} more`);
    throw new UserError(
      `${bad.length} of ${paths.length} library file${paths.length > 1 ? 's' : ''} cannot be used:\n${lines.join('\n')}`,
      {
        file: dir,
        field: 'retrieval.library',
        hint: `remove or replace these files (tracks must decode and last at least ${minSeconds} s)`,
      },
    );
  }
  const stems = paths.map((p) => basename(p, extname(p)));
  const counts = new Map<string, number>();
  for (const s of stems) counts.set(s, (counts.get(s) ?? 0) + 1);
  return paths.map((p, i) => ({
    id: counts.get(stems[i] as string) === 1 ? (stems[i] as string) : stemOf(dir, p),
    path: p,
    genre: libraryGenre(dir, p),
    seconds: seconds[i] as number,
    bytes: sizes[i] as number,
    mtimeMs: mtimes[i] as number,
  }));
}
