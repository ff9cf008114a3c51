/** Small save/load helpers that stage implementations share: matrices and int vectors as `.npy`, JSON. */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { readNpy, writeNpy } from '../io/npy.js';
import { Matrix } from '../linalg/matrix.js';
import { writeFileAtomic } from '../util/atomic.js';

export async function saveMatrix(dir: string, name: string, M: Matrix<Float32Array>): Promise<void> {
  await writeNpy(join(dir, `${name}.npy`), M.data, [M.rows, M.cols]);
}

export async function loadMatrix(dir: string, name: string): Promise<Matrix<Float32Array>> {
  const a = await readNpy(join(dir, `${name}.npy`));
  if (a.dtype !== 'float32' || a.shape.length !== 2)
    throw new Error(`${dir}/${name}.npy: not a float32 matrix`);
  return new Matrix(a.shape[0] as number, a.shape[1] as number, a.data as Float32Array);
}

export async function saveInts(dir: string, name: string, v: Int32Array): Promise<void> {
  await writeNpy(join(dir, `${name}.npy`), v, [v.length]);
}

export async function loadInts(dir: string, name: string): Promise<Int32Array> {
  const a = await readNpy(join(dir, `${name}.npy`));
  if (a.dtype !== 'int32') throw new Error(`${dir}/${name}.npy: not int32`);
  return a.data as Int32Array;
}

export async function saveJson(dir: string, name: string, value: unknown): Promise<void> {
  await writeFileAtomic(join(dir, `${name}.json`), `${JSON.stringify(value, null, 2)}\n`);
}

export async function loadJson<T>(dir: string, name: string): Promise<T> {
  return JSON.parse(await readFile(join(dir, `${name}.json`), 'utf8')) as T;
}
