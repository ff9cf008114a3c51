/**
 * The on-disk layout of an embedding array, in one place so the CLI, the pipeline
 * and scripts write and read the same thing:
 * - `<base>.npy`: float32, n_clips × n_windows × dim, C order (rows follow the clip list);
 * - `<base>.clips.csv` (or a chosen path): `index,path,sha256`, one row per clip;
 * - `<base>.json`: embedder, fingerprint, shape, windows, whether standardised, dimension blocks;
 * - `<base>.standardizer.json`: the fitted standardiser, when the array is standardised.
 * Every file is written atomically; the `.npy` is written first and the `.json`
 * last, so a reader that finds the `.json` finds a complete set.
 */
import { join, relative, resolve } from 'node:path';
import { writeNpy } from '../io/npy.js';
import { Matrix } from '../linalg/matrix.js';
import { writeFileAtomic } from '../util/atomic.js';
import { UserError } from '../util/errors.js';
import { readAudioList } from './inputs.js';
import { EMBEDDERS } from './registry.js';
import { Standardizer } from './standardize.js';
import type { WindowSpec } from './types.js';

/** `x/y.npy` → `x/y`; anything else is refused (the other files are named after it). */
export function embeddingOutputBase(out: string, field = '--out'): string {
  if (!out.endsWith('.npy')) {
    throw new UserError(`output must be a .npy file, got '${out}'`, { field, hint: 'e.g. --out E.npy' });
  }
  return out.slice(0, -'.npy'.length);
}

/**
 * The clips of `paths` that a training list names (by the same path, or the same
 * path made absolute against `cwd`), as clip indices in `paths` order.
 * Throws when none matches: a standardiser fitted on nothing is a user mistake.
 */
export async function trainClipIndices(
  paths: readonly string[],
  trainList: string,
  cwd = process.cwd(),
): Promise<number[]> {
  const train = new Set(await readAudioList(trainList));
  const out: number[] = [];
  paths.forEach((p, i) => {
    if (train.has(p) || train.has(join(cwd, p)) || train.has(resolve(cwd, p))) out.push(i);
  });
  if (out.length === 0) {
    throw new UserError('none of the training clips is among the embedded clips', {
      file: trainList,
      hint: 'list the training clips by the same paths as --audio/--audio-list',
    });
  }
  return out;
}

/**
 * Fits a standardiser on every window of the training clips and applies it to all.
 * data: n_clips × n_windows × dim (C order). Returns a new array of the same shape.
 */
export function standardizeClips(
  data: Float32Array,
  shape: readonly [number, number, number],
  trainClips: readonly number[],
): { data: Float32Array; standardizer: Standardizer } {
  const [n, w, d] = shape;
  const rows: number[] = [];
  for (const i of trainClips) {
    if (!Number.isInteger(i) || i < 0 || i >= n)
      throw new Error(`training clip index ${i} outside 0..${n - 1}`);
    for (let k = 0; k < w; k++) rows.push(i * w + k);
  }
  const X = new Matrix(n * w, d, data);
  const standardizer = Standardizer.fit(X, rows);
  return { data: standardizer.transform(X).data, standardizer };
}

function csvField(s: string): string {
  return /[",\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

export interface EmbeddingOutputInput {
  /** Clip files in row order. */
  paths: readonly string[];
  /** SHA-256 of each file's bytes (same order). */
  hashes: readonly string[];
  /** n_clips × n_windows × dim, C order. */
  data: Float32Array;
  shape: readonly [number, number, number];
  /** Registry name and fingerprint of the embedder. */
  embedder: string;
  fingerprint: string;
  windows: WindowSpec;
  /** Present when `data` is standardised: saved next to the array. */
  standardizer?: Standardizer | null;
  /** Where the clip list goes (default `<base>.clips.csv`). */
  indexPath?: string;
  /** Paths inside the `.json` are written relative to this folder (default: the working folder). */
  relativeTo?: string;
}

export interface EmbeddingOutputPaths {
  npy: string;
  index: string;
  json: string;
  standardizer: string | null;
}

/** Writes the layout described at the top of this file; returns the paths written. */
export async function writeEmbeddingOutputs(
  base: string,
  input: EmbeddingOutputInput,
): Promise<EmbeddingOutputPaths> {
  const { paths, hashes, data, shape } = input;
  if (paths.length !== shape[0] || hashes.length !== shape[0]) {
    throw new Error(`${paths.length} paths and ${hashes.length} hashes for ${shape[0]} clips`);
  }
  if (data.length !== shape[0] * shape[1] * shape[2]) {
    throw new Error(`array of ${data.length} values does not have shape ${shape.join(' × ')}`);
  }
  const index = input.indexPath ?? `${base}.clips.csv`;
  const standardizer = input.standardizer ?? null;
  const out: EmbeddingOutputPaths = {
    npy: `${base}.npy`,
    index,
    json: `${base}.json`,
    standardizer: standardizer ? `${base}.standardizer.json` : null,
  };
  await writeNpy(out.npy, data, [...shape]);
  await writeFileAtomic(
    index,
    `index,path,sha256\n${paths.map((p, i) => `${i},${csvField(p)},${hashes[i]}`).join('\n')}\n`,
  );
  if (standardizer && out.standardizer) {
    await writeFileAtomic(out.standardizer, `${JSON.stringify(standardizer.toJSON())}\n`);
  }
  await writeFileAtomic(
    out.json,
    `${JSON.stringify(
      {
        embedder: input.embedder,
        fingerprint: input.fingerprint,
        shape,
        windows: input.windows,
        standardized: standardizer !== null,
        clipOrder: relative(input.relativeTo ?? process.cwd(), index),
        blocks: EMBEDDERS[input.embedder]?.blocks ?? null,
      },
      null,
      2,
    )}\n`,
  );
  return out;
}

export interface TextEmbeddingOutputInput {
  /** n_captions × dim, rows in the captions file's order. */
  T: Matrix<Float32Array>;
  embedder: string;
  fingerprint: string;
  /** The captions file the rows come from (recorded in the `.json`). */
  captions: string;
  /** A fitted text model's state (tfidf), saved as `<base>.model.json`. */
  model?: unknown;
}

/** Writes `<base>.npy` (n_captions × dim), `<base>.model.json` when there is a model, then `<base>.json`. */
export async function writeTextEmbeddingOutputs(
  base: string,
  input: TextEmbeddingOutputInput,
): Promise<{ npy: string; json: string; model: string | null }> {
  const { T } = input;
  const out = { npy: `${base}.npy`, json: `${base}.json`, model: input.model ? `${base}.model.json` : null };
  await writeNpy(out.npy, T.data, [T.rows, T.cols]);
  if (out.model) await writeFileAtomic(out.model, `${JSON.stringify(input.model)}\n`);
  await writeFileAtomic(
    out.json,
    `${JSON.stringify({ embedder: input.embedder, fingerprint: input.fingerprint, shape: [T.rows, T.cols], captions: input.captions }, null, 2)}\n`,
  );
  return out;
}
