/**
 * A fitted voxelwise encoding model on disk, and its use: predicting the brain
 * response (scans × voxels) to new features, e.g. a generated candidate, so that
 * the generator can keep the candidate whose predicted response is closest to the
 * measured one.
 *
 * Folder (one per subject × feature space):
 *   model.json     format, space, parts (name, kind, dim, windows, standardiser), delays, tr, grid
 *   coef.npy       n_voxels × (n_delays · dim) float32, voxel-major; column block i = delay i
 *   intercept.npy  n_voxels float64
 *   alphas.npy     n_voxels float64 (the CV-chosen alpha of each voxel)
 *   voxels.npy     n_voxels int32: linear offsets on the grid (masker column order)
 */
import type { WriteStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Standardizer, type StandardizerState } from '../embed/standardize.js';
import type { WindowSpec } from '../embed/types.js';
import { delayRows } from '../fmri/preprocess/fir.js';
import { npyHeader, readNpy, writeNpy } from '../io/npy.js';
import { getBackend } from '../linalg/index.js';
import { Matrix } from '../linalg/matrix.js';
import { openAtomicStream, writeFileAtomic } from '../util/atomic.js';
import { UserError } from '../util/errors.js';

export const ENCODING_MODEL_FORMAT = 1;

export interface EncodingModelPart {
  name: string;
  kind: 'window' | 'clip';
  dim: number;
  windows?: WindowSpec;
  standardizer: StandardizerState;
  fingerprint: string;
}

export interface EncodingModelMeta {
  format: number;
  kind: 'brain2music-encoding-model';
  subject: string;
  space: string;
  parts: EncodingModelPart[];
  /** FIR delays in scans (column block i of coef = features delayed by delays[i]). */
  delays: number[];
  tr: number;
  nVoxels: number;
  /** Features before delays (Σ part dims). */
  dim: number;
  grid: { shape: number[]; affine: number[][] };
  /** A banded model: its member spaces, one band each; `gammas.npy` holds each voxel's kernel weights (n_voxels × n_bands). */
  banded?: { members: string[] };
}

export interface EncodingModel extends EncodingModelMeta {
  /** n_voxels × (n_delays · dim) float32. */
  coef: Matrix<Float32Array>;
  intercept: Float64Array;
  alphas: Float64Array;
  voxels: Int32Array;
}

/** Streams coef rows (voxel batches, in order) into `coef.npy` so the full grid never sits in memory twice. */
export class CoefWriter {
  private written = 0;
  private constructor(
    private readonly out: { stream: WriteStream; commit: () => Promise<void>; abort: () => Promise<void> },
    readonly nVoxels: number,
    readonly nFeatures: number,
  ) {}

  static async open(dir: string, nVoxels: number, nFeatures: number): Promise<CoefWriter> {
    const out = await openAtomicStream(join(dir, 'coef.npy'));
    const w = new CoefWriter(out, nVoxels, nFeatures);
    await w.write(npyHeader('float32', [nVoxels, nFeatures]));
    return w;
  }

  private write(bytes: Uint8Array): Promise<void> {
    return new Promise((resolve, reject) => this.out.stream.write(bytes, (e) => (e ? reject(e) : resolve())));
  }

  /** coef: n_features × n_batch (the ridge engine's layout); written transposed (voxel rows). */
  async append(coef: Matrix): Promise<void> {
    if (coef.rows !== this.nFeatures)
      throw new Error(`coef has ${coef.rows} rows, expected ${this.nFeatures}`);
    const b = coef.cols;
    const t = new Float32Array(b * this.nFeatures);
    for (let i = 0; i < this.nFeatures; i++) {
      const o = i * b;
      for (let j = 0; j < b; j++) t[j * this.nFeatures + i] = coef.data[o + j] as number;
    }
    await this.write(new Uint8Array(t.buffer));
    this.written += b;
  }

  /** rows: n × n_features, voxel-major (what `coef.npy` holds): a chunk's coefficients, copied as they are. */
  async appendVoxelRows(rows: Float32Array): Promise<void> {
    if (rows.length % this.nFeatures !== 0)
      throw new Error(`${rows.length} coefficients are not whole rows of ${this.nFeatures}`);
    await this.write(new Uint8Array(rows.buffer, rows.byteOffset, rows.byteLength));
    this.written += rows.length / this.nFeatures;
  }

  async commit(): Promise<void> {
    if (this.written !== this.nVoxels) {
      await this.out.abort();
      throw new Error(`coef.npy got ${this.written} voxels, expected ${this.nVoxels}`);
    }
    await this.out.commit();
  }

  abort(): Promise<void> {
    return this.out.abort();
  }
}

/** Writes everything but coef (see `CoefWriter`). */
export async function saveEncodingModelMeta(
  dir: string,
  meta: EncodingModelMeta,
  parts: {
    intercept: Float64Array;
    alphas: Float64Array;
    voxels: Int32Array;
    /** Banded models: kernel weights, band-major (n_bands × n_voxels), saved voxel-major. */
    gammas?: { data: Float64Array; bands: number };
  },
): Promise<void> {
  if (parts.gammas) {
    const { data, bands } = parts.gammas;
    const v = data.length / bands;
    const out = new Float64Array(data.length);
    for (let b = 0; b < bands; b++)
      for (let j = 0; j < v; j++) out[j * bands + b] = data[b * v + j] as number;
    await writeNpy(join(dir, 'gammas.npy'), out, [v, bands]);
  }
  await writeNpy(join(dir, 'intercept.npy'), parts.intercept, [parts.intercept.length]);
  await writeNpy(join(dir, 'alphas.npy'), parts.alphas, [parts.alphas.length]);
  await writeNpy(join(dir, 'voxels.npy'), parts.voxels, [parts.voxels.length]);
  await writeFileAtomic(join(dir, 'model.json'), `${JSON.stringify(meta, null, 2)}\n`);
}

/** Reads a model folder written by the encoding stage. */
export async function loadEncodingModel(dir: string): Promise<EncodingModel> {
  const file = join(dir, 'model.json');
  let meta: EncodingModelMeta;
  try {
    meta = JSON.parse(await readFile(file, 'utf8')) as EncodingModelMeta;
  } catch (e) {
    throw new UserError(`cannot read the encoding model: ${(e as Error).message}`, {
      file,
      hint: 'point at a models/feat-<space> folder written by b2m encode',
      cause: e,
    });
  }
  if (meta.kind !== 'brain2music-encoding-model' || meta.format !== ENCODING_MODEL_FORMAT) {
    throw new UserError(`not an encoding model of format ${ENCODING_MODEL_FORMAT}`, {
      file,
      hint: 'fit the model again with this version of b2m encode',
    });
  }
  const coefArr = await readNpy(join(dir, 'coef.npy'));
  const nf = meta.dim * meta.delays.length;
  if (
    !(coefArr.data instanceof Float32Array) ||
    coefArr.shape[0] !== meta.nVoxels ||
    coefArr.shape[1] !== nf
  ) {
    throw new UserError(
      `coef.npy has shape ${coefArr.shape.join(' × ')}, expected ${meta.nVoxels} × ${nf} float32`,
      {
        file: join(dir, 'coef.npy'),
        hint: 'the model folder is damaged; fit it again',
      },
    );
  }
  const vec = async (name: string) => (await readNpy(join(dir, name))).data;
  return {
    ...meta,
    coef: new Matrix(meta.nVoxels, nf, coefArr.data),
    intercept: Float64Array.from((await vec('intercept.npy')) as Float64Array),
    alphas: Float64Array.from((await vec('alphas.npy')) as Float64Array),
    voxels: Int32Array.from((await vec('voxels.npy')) as Int32Array),
  };
}

export interface PredictOptions {
  /** Scans with sound (1) or silence (0); silent rows get zero features. Default: all sound. */
  active?: ArrayLike<number>;
  /** Run lengths (scans) so delays never leak across runs; default one run. */
  segments?: readonly number[];
}

/**
 * The brain response the model predicts for `featuresPerScan` (n_scans × dim: the
 * raw, unstandardised features of the model's parts side by side, one row per scan,
 * as `scanFeatures` lays them out before standardising). Returns n_scans × n_voxels
 * float32, in the model's voxel order (`model.voxels`).
 */
export async function predictBrainResponse(
  model: EncodingModel,
  featuresPerScan: Matrix,
  opts: PredictOptions = {},
): Promise<Matrix<Float32Array>> {
  if (featuresPerScan.cols !== model.dim) {
    throw new UserError(
      `features have ${featuresPerScan.cols} columns but the ${model.space} model needs ${model.dim} (${model.parts.map((p) => `${p.name} ${p.dim}`).join(' + ')})`,
      { field: 'features', hint: 'compute the same feature space(s), in the same order, one row per scan' },
    );
  }
  featuresPerScan.assertFinite('features');
  const n = featuresPerScan.rows;
  const X = Matrix.zeros(n, model.dim, 'float32');
  let col = 0;
  for (const part of model.parts) {
    const s = new Standardizer(part.standardizer);
    const block = featuresPerScan.takeCols(Array.from({ length: part.dim }, (_, i) => col + i));
    const z = s.transform(block);
    for (let i = 0; i < n; i++) {
      if (opts.active && !(opts.active[i] as number)) continue;
      for (let j = 0; j < part.dim; j++) X.data[i * model.dim + col + j] = z.data[i * part.dim + j] as number;
    }
    col += part.dim;
  }
  const D = delayRows(X, model.delays, opts.segments);
  const be = await getBackend();
  // coef is voxel-major: P = D · coefᵀ.
  const P = (await be.gemm(D, model.coef, { transB: true })) as Matrix<Float32Array>;
  const v = model.nVoxels;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < v; j++)
      P.data[i * v + j] = (P.data[i * v + j] as number) + (model.intercept[j] as number);
  }
  return P;
}
