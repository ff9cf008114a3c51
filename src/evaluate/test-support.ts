/** Shared pieces of the evaluate tests: reference fixtures and small simulated decoders. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { GTZAN_GENRES } from '../io/bids/genres.js';
import { Matrix } from '../linalg/matrix.js';
import type { Rng } from '../util/rng.js';

export interface EvaluateReference {
  identification: {
    pred: number[][];
    target: number[][];
    C: number[][];
    perItem: number[];
    accuracy: number;
    ranks: number[];
    embeddingR: number;
  };
  bootstrap: {
    values: number[];
    indices: number[];
    resamples: number;
    ci95: [number, number];
    ci90: [number, number];
  };
  anyMatch: Array<{ N: number; count: number; k: number; chance: number }>;
}

/** test/fixtures/evaluate/reference.json (scripts/fixtures/make_evaluate_fixtures.py). */
export function loadReference(): EvaluateReference {
  const file = join(import.meta.dirname, '..', '..', 'test', 'fixtures', 'evaluate', 'reference.json');
  return JSON.parse(readFileSync(file, 'utf8')) as EvaluateReference;
}

export function randomMatrix(rng: Rng, n: number, d: number): Matrix<Float64Array> {
  return Matrix.build(n, d, () => rng.normal());
}

/** target + noise·N(0, 1): a decoder whose quality falls as `noise` grows. */
export function noisyCopy(rng: Rng, target: Matrix, noise: number): Matrix<Float64Array> {
  return Matrix.build(target.rows, target.cols, (i, j) => target.get(i, j) + noise * rng.normal());
}

/** Slow, obvious Pearson r of two number arrays. */
export function pearsonRef(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const n = a.length;
  let ma = 0;
  let mb = 0;
  for (let k = 0; k < n; k++) {
    ma += (a[k] as number) / n;
    mb += (b[k] as number) / n;
  }
  let num = 0;
  let da = 0;
  let db = 0;
  for (let k = 0; k < n; k++) {
    num += ((a[k] as number) - ma) * ((b[k] as number) - mb);
    da += ((a[k] as number) - ma) ** 2;
    db += ((b[k] as number) - mb) ** 2;
  }
  return num / Math.sqrt(da * db);
}

/** The ten GTZAN genres, six test clips each, in design order (60 clips). */
export const GENRES: string[] = [...GTZAN_GENRES];
export function testGenres(perGenre = 6): string[] {
  return GENRES.flatMap((g) => Array.from({ length: perGenre }, () => g));
}
