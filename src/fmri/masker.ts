/**
 * A nilearn-like masker: fit a set of voxels on a 3-D grid (from a mask image, a
 * parcellation and a list of labels, or a threshold on a mean image), then
 *   transform(run)          4-D NIfTI → n_scans × n_voxels float32 (streaming),
 *   inverseTransform(values) n_voxels vector (or n_maps × n_voxels) → NIfTI image on
 *                            the source grid, so maps open in any viewer.
 * Every image passed in is checked against the mask's grid (shape and affine).
 * Voxel (column) order is nilearn's, see `mask.ts`.
 */

import {
  type Affine,
  affinesClose,
  type ExtractOptions,
  extractMasked,
  formatAffine,
  headerLike,
  iterateVolumes,
  type MaskLike,
  type NiftiFileHeader,
  type NiftiHeader,
  type NiftiHeaderInit,
  readNifti,
  readNiftiHeader,
  volumeCount,
  voxelsPerVolume,
  writeNifti,
} from '../io/nifti/index.js';
import { Matrix } from '../linalg/matrix.js';
import { UserError } from '../util/errors.js';
import { hashJson } from '../util/hash.js';
import { above, inLabels, labelCounts, nonzero, selectVoxels } from './mask.js';

/** Largest difference, in mm, allowed between the affines of a mask and an image. */
const AFFINE_ATOL_MM = 1e-3;

export interface ThresholdOptions {
  /** Keep voxels whose mean is strictly above this value. */
  threshold?: number;
  /** Or: keep voxels above this fraction of the mean image's maximum (0–1). */
  fraction?: number;
}

/** A 3-D image in memory (values x fastest) with the header whose grid it is on. */
export interface GridImage {
  header: NiftiHeader;
  data: Float32Array | Float64Array;
}

export class Masker implements MaskLike {
  /** Linear voxel offsets (x + nx·(y + ny·z)) of the selected voxels, in column order. */
  readonly indices: Int32Array;
  /** Grid shape [nx, ny, nz]. */
  readonly shape: [number, number, number];
  /** Voxel → mm affine of the grid. */
  readonly affine: Affine;
  /** Header that defines the grid (copied into images made by `inverseTransform`). */
  readonly reference: NiftiHeader;
  /** Where the selection came from, for messages and run records. */
  readonly source: string;

  /** Use the static `from…` constructors; this one trusts its arguments. */
  constructor(indices: Int32Array, reference: NiftiHeader, source: string) {
    this.indices = indices;
    this.reference = reference;
    this.shape = [reference.dims[0] ?? 1, reference.dims[1] ?? 1, reference.dims[2] ?? 1];
    this.affine = reference.affine;
    this.source = source;
    if (indices.length === 0) {
      throw new UserError(`the mask selects no voxels (${source})`, {
        file: (reference as Partial<NiftiFileHeader>).path,
        hint: 'check the mask file, the labels or the threshold',
      });
    }
  }

  /** Number of selected voxels (columns of `transform`'s output). */
  get nVoxels(): number {
    return this.indices.length;
  }

  /** Voxels that are nonzero in a 3-D mask image (`.nii` / `.nii.gz`). */
  static async fromMaskFile(path: string): Promise<Masker> {
    const img = await readNifti(path, { as: 'float64' });
    requireVolume(img.header, 'mask');
    const idx = selectVoxels(img.data as Float64Array, grid(img.header), nonzero);
    return new Masker(idx, img.header, `mask ${path}`);
  }

  /** Voxels of a 3-D parcellation (atlas) whose label is in `labels`. */
  static async fromParcellation(path: string, labels: readonly number[]): Promise<Masker> {
    if (labels.length === 0) {
      throw new UserError('no labels given for the parcellation', {
        file: path,
        hint: 'name at least one label',
      });
    }
    const img = await readNifti(path, { as: 'float64' });
    requireVolume(img.header, 'parcellation');
    const counts = labelCounts(img.data as Float64Array);
    const missing = labels.filter((l) => !counts.has(l));
    if (missing.length > 0) {
      const present = [...counts.keys()].filter((v) => v !== 0);
      throw new UserError(
        `label${missing.length > 1 ? 's' : ''} ${missing.join(', ')} not found in the parcellation`,
        {
          file: path,
          hint: `it holds ${present.length} labels${present.length ? `: ${present.slice(0, 12).join(', ')}${present.length > 12 ? ', …' : ''}` : ''}`,
        },
      );
    }
    const idx = selectVoxels(img.data as Float64Array, grid(img.header), inLabels(labels));
    return new Masker(idx, img.header, `parcellation ${path} labels ${labels.join(',')}`);
  }

  /**
   * Voxels whose mean intensity is above a threshold. `path` is a 3-D mean image, or
   * a 4-D run whose mean over time is computed here (streaming).
   */
  static async fromThreshold(path: string, opts: ThresholdOptions): Promise<Masker> {
    if ((opts.threshold === undefined) === (opts.fraction === undefined)) {
      throw new UserError('give exactly one of threshold or fraction', { file: path, field: 'threshold' });
    }
    if (opts.fraction !== undefined && !(opts.fraction >= 0 && opts.fraction <= 1)) {
      throw new UserError(`fraction must lie in [0, 1], got ${opts.fraction}`, { field: 'fraction' });
    }
    const mean = await meanImage(path);
    let t = opts.threshold;
    if (t === undefined) {
      let max = Number.NEGATIVE_INFINITY;
      for (const v of mean.data) if (v > max) max = v;
      t = opts.fraction! * max;
    }
    const idx = selectVoxels(mean.data, grid(mean.header), above(t));
    return new Masker(idx, mean.header, `mean of ${path} > ${t}`);
  }

  /** From known offsets on the grid of `reference` (e.g. a masker saved earlier). */
  static fromIndices(indices: ArrayLike<number>, reference: NiftiHeader, source = 'indices'): Masker {
    const n = voxelsPerVolume(reference);
    const idx = Int32Array.from(indices as ArrayLike<number>);
    for (let k = 0; k < idx.length; k++) {
      if (!(idx[k]! >= 0 && idx[k]! < n)) {
        throw new UserError(
          `voxel offset ${idx[k]} (position ${k}) lies outside the ${grid(reference).join('×')} grid`,
        );
      }
    }
    return new Masker(idx, reference, source);
  }

  /** Throws a UserError naming the image when its grid (shape or affine) differs from the mask's. */
  checkImage(header: NiftiFileHeader): void {
    const shape = grid(header);
    const ours = `${this.shape.join('×')}`;
    if (shape.some((d, i) => d !== this.shape[i])) {
      throw new UserError(
        `image grid ${shape.join('×')} does not match the mask's grid ${ours} (${this.source})`,
        {
          file: header.path,
          field: 'dim',
          hint: "resample the mask onto the image's grid (nearest neighbour), or use the mask made for this image",
        },
      );
    }
    if (!affinesClose(header.affine, this.affine, AFFINE_ATOL_MM)) {
      throw new UserError(
        `image affine differs from the mask's (${this.source}): the same voxel lands at different positions\n` +
          `image (${header.affineSource}):\n${formatAffine(header.affine)}\nmask:\n${formatAffine(this.affine)}`,
        {
          file: header.path,
          field: 'affine',
          hint: "resample the mask onto the image's grid, or use the mask made for this image",
        },
      );
    }
  }

  /**
   * The masked voxels of every volume of `path`: n_scans × n_voxels float32 (scaled).
   * A 3-D image is refused unless `require4D: false`.
   */
  async transform(path: string, opts: ExtractOptions = {}): Promise<Matrix<Float32Array>> {
    return extractMasked(path, this, { require4D: true, ...opts });
  }

  /**
   * Values per voxel back onto the grid: a vector of n_voxels gives a 3-D image, an
   * n_maps × n_voxels matrix a 4-D one (one volume per row). Other voxels get `fill`
   * (default 0). The header copies the mask's geometry, so viewers overlay it exactly.
   */
  inverseTransform(
    values: ArrayLike<number> | Matrix,
    opts: { fill?: number; descrip?: string } = {},
  ): { header: NiftiHeaderInit; data: Float32Array } {
    const isMatrix = values instanceof Matrix;
    const rows = isMatrix ? values.rows : 1;
    const cols = isMatrix ? values.cols : values.length;
    if (cols !== this.nVoxels) {
      throw new UserError(
        `${isMatrix ? `a ${rows} × ${cols} matrix` : `a vector of ${cols} values`} cannot be mapped onto a mask of ${this.nVoxels} voxels`,
        { hint: `give one value per masked voxel (${this.nVoxels}), in the masker's column order` },
      );
    }
    const vpv = voxelsPerVolume(this.reference);
    const data = new Float32Array(vpv * rows);
    if (opts.fill !== undefined && opts.fill !== 0) data.fill(opts.fill);
    const src = isMatrix ? values.data : values;
    const idx = this.indices;
    for (let r = 0; r < rows; r++) {
      const base = r * vpv;
      const off = r * cols;
      for (let k = 0; k < cols; k++) data[base + idx[k]!] = src[off + k]!;
    }
    const dims = isMatrix ? [...this.shape, rows] : [...this.shape];
    const header = headerLike(this.reference, {
      dims,
      datatype: 'float32',
      sclSlope: 0,
      sclInter: 0,
      calMin: 0,
      calMax: 0,
      intentCode: 0,
      intentName: '',
      descrip: opts.descrip ?? '',
      extensions: [],
    });
    return { header, data };
  }

  /** The selection as a uint8 mask image on the grid (1 inside, 0 outside). */
  toMaskImage(): { header: NiftiHeaderInit; data: Uint8Array } {
    const data = new Uint8Array(voxelsPerVolume(this.reference));
    for (const o of this.indices) data[o] = 1;
    return {
      header: headerLike(this.reference, {
        dims: this.shape,
        datatype: 'uint8',
        sclSlope: 0,
        sclInter: 0,
        calMin: 0,
        calMax: 1,
        descrip: 'mask',
        extensions: [],
      }),
      data,
    };
  }

  /** Writes the selection as a mask NIfTI (`.nii` or `.nii.gz`), atomically. */
  async save(path: string): Promise<void> {
    await writeNifti(path, this.toMaskImage());
  }

  /** A content key for caches: the same grid and voxels give the same key. */
  key(): string {
    return hashJson({
      shape: this.shape,
      affine: this.affine.map((r) => r.map((v) => Number(v.toFixed(4)))),
      indices: Buffer.from(this.indices.buffer, this.indices.byteOffset, this.indices.byteLength).toString(
        'base64',
      ),
    });
  }
}

function grid(h: Pick<NiftiHeader, 'dims'>): [number, number, number] {
  return [h.dims[0] ?? 1, h.dims[1] ?? 1, h.dims[2] ?? 1];
}

function requireVolume(h: NiftiFileHeader, what: string): void {
  if (volumeCount(h) !== 1) {
    throw new UserError(`a ${what} must be a single 3-D volume, got dims ${h.dims.join('×')}`, {
      file: h.path,
      field: 'dim',
      hint: `give a 3-D ${what} image`,
    });
  }
}

/** The mean over volumes of a 3-D or 4-D image (3-D result, float64), streaming. */
export async function meanImage(path: string): Promise<GridImage & { header: NiftiFileHeader }> {
  const header = await readNiftiHeader(path);
  const vpv = voxelsPerVolume(header);
  const n = volumeCount(header);
  const sum = new Float64Array(vpv);
  const slope = header.scaling?.slope ?? 1;
  const inter = header.scaling?.inter ?? 0;
  for await (const chunk of iterateVolumes(path, { header })) {
    const d = chunk.data;
    for (let c = 0; c < chunk.count; c++) {
      const base = c * vpv;
      for (let i = 0; i < vpv; i++) sum[i]! += Number(d[base + i]!);
    }
  }
  const data = new Float64Array(vpv);
  for (let i = 0; i < vpv; i++) data[i] = (sum[i]! / n) * slope + inter;
  return { header: { ...header, dims: grid(header) }, data };
}
