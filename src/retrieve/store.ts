/**
 * A library index on disk (a stage folder, or a cache shared by runs):
 * - `E.npy`: float32, n_tracks × dim (raw embedder space, window mean);
 * - `tracks.csv`: `row,id,genre,path,sha256`, row i ↔ row i of `E.npy`;
 * - `library.json`: {kind, fingerprint, embedder, windows, excerptSeconds, n, dim}.
 * Each file is written atomically and `library.json` last, so a folder without it
 * is incomplete and never loaded; on load every file is checked against it.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { splitDelimited } from '../embed/inputs.js';
import { readNpy, writeNpy } from '../io/npy.js';
import { Matrix } from '../linalg/matrix.js';
import { writeFileAtomic } from '../util/atomic.js';
import { UserError } from '../util/errors.js';
import type { LibraryIndex } from './build.js';

const KIND = 'b2m-library-index';

function csvField(s: string): string {
  return /[",\n\r]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

export async function saveLibraryIndex(dir: string, index: LibraryIndex): Promise<void> {
  const n = index.ids.length;
  if (
    index.E.rows !== n ||
    index.genres.length !== n ||
    index.paths.length !== n ||
    index.hashes.length !== n
  ) {
    throw new Error(`library index parts disagree: ${n} ids, E has ${index.E.rows} rows`);
  }
  await writeNpy(join(dir, 'E.npy'), index.E.data, [index.E.rows, index.E.cols]);
  const rows = index.ids.map(
    (id, i) =>
      `${i},${csvField(id)},${csvField(index.genres[i] as string)},${csvField(index.paths[i] as string)},${index.hashes[i]}`,
  );
  await writeFileAtomic(join(dir, 'tracks.csv'), `row,id,genre,path,sha256\n${rows.join('\n')}\n`);
  const meta = {
    kind: KIND,
    fingerprint: index.fingerprint,
    embedder: index.embedder,
    windows: index.windows,
    excerptSeconds: index.excerptSeconds,
    n,
    dim: index.E.cols,
  };
  await writeFileAtomic(join(dir, 'library.json'), `${JSON.stringify(meta, null, 2)}\n`);
}

function bad(file: string, message: string): UserError {
  return new UserError(message, {
    file,
    hint: 'the library index is damaged: delete its folder and run again',
  });
}

export async function loadLibraryIndex(dir: string): Promise<LibraryIndex> {
  const metaPath = join(dir, 'library.json');
  let meta: {
    kind?: string;
    fingerprint?: string;
    embedder?: string;
    windows?: { window: number; stride: number };
    excerptSeconds?: number;
    n?: number;
    dim?: number;
  };
  try {
    meta = JSON.parse(await readFile(metaPath, 'utf8'));
  } catch (e) {
    throw new UserError(`no complete library index here: ${(e as Error).message}`, {
      file: metaPath,
      hint: 'build the index first (buildLibraryIndex + saveLibraryIndex)',
      cause: e,
    });
  }
  if (meta.kind !== KIND || typeof meta.n !== 'number' || typeof meta.dim !== 'number' || !meta.windows) {
    throw bad(metaPath, `not a library index description (kind ${String(meta.kind)})`);
  }
  const ePath = join(dir, 'E.npy');
  const arr = await readNpy(ePath);
  if (
    !(arr.data instanceof Float32Array) ||
    arr.shape.length !== 2 ||
    arr.shape[0] !== meta.n ||
    arr.shape[1] !== meta.dim
  ) {
    throw bad(
      ePath,
      `E.npy is ${arr.dtype} ${arr.shape.join(' × ')}, library.json says float32 ${meta.n} × ${meta.dim}`,
    );
  }
  const csvPath = join(dir, 'tracks.csv');
  const lines = (await readFile(csvPath, 'utf8')).split('\n').filter((l) => l !== '');
  if (lines[0] !== 'row,id,genre,path,sha256') throw bad(csvPath, 'tracks.csv has the wrong header');
  const ids: string[] = [];
  const genres: string[] = [];
  const paths: string[] = [];
  const hashes: string[] = [];
  lines.slice(1).forEach((l, k) => {
    const c = splitDelimited(l, ',');
    if (c.length !== 5 || Number(c[0]) !== k) throw bad(csvPath, `line ${k + 2} is not row ${k}`);
    ids.push(c[1] as string);
    genres.push(c[2] as string);
    paths.push(c[3] as string);
    hashes.push(c[4] as string);
  });
  if (ids.length !== meta.n)
    throw bad(csvPath, `tracks.csv lists ${ids.length} tracks, library.json says ${meta.n}`);
  return {
    ids,
    genres,
    paths,
    hashes,
    E: new Matrix(meta.n, meta.dim, arr.data),
    fingerprint: meta.fingerprint ?? '',
    embedder: meta.embedder ?? '',
    windows: meta.windows,
    excerptSeconds: meta.excerptSeconds ?? 15,
  };
}
