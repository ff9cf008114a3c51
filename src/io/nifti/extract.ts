/**
 * Masked extraction: the voxels of a mask, for every volume of a run, as a
 * scans × voxels float32 matrix, streaming over the file (memory: the output plus a
 * few volumes). The gather loops are written once per datatype so that each stays
 * monomorphic (one typed-array kind per loop) and V8 compiles it tight.
 */
import { Matrix } from '../../linalg/matrix.js';
import { UserError } from '../../util/errors.js';
import { assertAllocation } from '../../util/memory.js';
import { type ProgressSink, silentProgress } from '../../util/progress.js';
import type { VoxelArray } from './datatypes.js';
import { volumeCount, voxelsPerVolume } from './header.js';
import { iterateVolumes, type NiftiFileHeader, readNiftiHeader } from './read.js';

type Gather = (
  src: VoxelArray,
  base: number,
  idx: Int32Array,
  out: Float32Array,
  off: number,
  slope: number,
  inter: number,
) => void;

// One copy per array kind (see the file comment); the bodies are identical on purpose.
const gatherU8: Gather = (src, base, idx, out, off, slope, inter) => {
  const s = src as Uint8Array;
  for (let k = 0; k < idx.length; k++) out[off + k] = s[base + idx[k]!]! * slope + inter;
};
const gatherI8: Gather = (src, base, idx, out, off, slope, inter) => {
  const s = src as Int8Array;
  for (let k = 0; k < idx.length; k++) out[off + k] = s[base + idx[k]!]! * slope + inter;
};
const gatherI16: Gather = (src, base, idx, out, off, slope, inter) => {
  const s = src as Int16Array;
  for (let k = 0; k < idx.length; k++) out[off + k] = s[base + idx[k]!]! * slope + inter;
};
const gatherU16: Gather = (src, base, idx, out, off, slope, inter) => {
  const s = src as Uint16Array;
  for (let k = 0; k < idx.length; k++) out[off + k] = s[base + idx[k]!]! * slope + inter;
};
const gatherI32: Gather = (src, base, idx, out, off, slope, inter) => {
  const s = src as Int32Array;
  for (let k = 0; k < idx.length; k++) out[off + k] = s[base + idx[k]!]! * slope + inter;
};
const gatherU32: Gather = (src, base, idx, out, off, slope, inter) => {
  const s = src as Uint32Array;
  for (let k = 0; k < idx.length; k++) out[off + k] = s[base + idx[k]!]! * slope + inter;
};
const gatherF32: Gather = (src, base, idx, out, off, slope, inter) => {
  const s = src as Float32Array;
  if (slope === 1 && inter === 0) {
    for (let k = 0; k < idx.length; k++) out[off + k] = s[base + idx[k]!]!;
  } else {
    for (let k = 0; k < idx.length; k++) out[off + k] = s[base + idx[k]!]! * slope + inter;
  }
};
const gatherF64: Gather = (src, base, idx, out, off, slope, inter) => {
  const s = src as Float64Array;
  for (let k = 0; k < idx.length; k++) out[off + k] = s[base + idx[k]!]! * slope + inter;
};
const gatherBig: Gather = (src, base, idx, out, off, slope, inter) => {
  const s = src as BigInt64Array;
  for (let k = 0; k < idx.length; k++) out[off + k] = Number(s[base + idx[k]!]!) * slope + inter;
};

const GATHER: Record<NiftiFileHeader['datatype'], Gather> = {
  uint8: gatherU8,
  int8: gatherI8,
  int16: gatherI16,
  uint16: gatherU16,
  int32: gatherI32,
  uint32: gatherU32,
  int64: gatherBig,
  uint64: gatherBig,
  float32: gatherF32,
  float64: gatherF64,
};

/** Something that knows its voxel indices and can check a run against its geometry (a Masker). */
export interface MaskLike {
  /** Linear voxel offsets into one volume (x fastest), in output column order. */
  readonly indices: Int32Array;
  /** Throws a UserError naming `header.path` when the run's grid differs from the mask's. */
  checkImage(header: NiftiFileHeader): void;
}

export interface ExtractOptions {
  /** The run's header, if already read. */
  header?: NiftiFileHeader;
  /** Refuse 3-D images (a run must have a time axis). Default false. */
  require4D?: boolean;
  /** Bytes per read (see `iterateVolumes`). */
  chunkBytes?: number;
  progress?: ProgressSink;
}

/**
 * The masked voxels of every volume: n_scans × n_voxels float32 (scaled values),
 * columns in the order of `mask` (linear offsets x + nx·(y + ny·z), or a Masker).
 */
export async function extractMasked(
  path: string,
  mask: Int32Array | readonly number[] | MaskLike,
  opts: ExtractOptions = {},
): Promise<Matrix<Float32Array>> {
  const header = opts.header ?? (await readNiftiHeader(path));
  const vpv = voxelsPerVolume(header);
  let idx: Int32Array;
  if ('checkImage' in mask) {
    mask.checkImage(header);
    idx = mask.indices;
  } else {
    idx = mask instanceof Int32Array ? mask : Int32Array.from(mask);
    for (let k = 0; k < idx.length; k++) {
      const i = idx[k]!;
      if (!(i >= 0 && i < vpv)) {
        throw new UserError(
          `mask index ${i} (position ${k}) is outside the ${header.dims.slice(0, 3).join('×')} volume`,
          { file: path, hint: 'mask indices are linear voxel offsets x + nx·(y + ny·z) within one volume' },
        );
      }
    }
  }
  if (opts.require4D && header.dims.length < 4) {
    throw new UserError(`expected a 4-D run (x × y × z × time), got a ${header.dims.length}-D image`, {
      file: path,
      field: 'dim',
      hint: 'give the BOLD run itself, not a single volume, mask or mean image',
    });
  }
  const nVol = volumeCount(header);
  const nVox = idx.length;
  const outBytes = nVol * nVox * 4;
  assertAllocation(outBytes, {
    what: 'the masked matrix',
    driver: `${nVol} scans × ${nVox} voxels, float32`,
    file: path,
    hint: 'use a smaller mask (e.g. cortical voxels or a parcellation), or raise B2M_MAX_MEMORY',
  });
  const out = new Float32Array(nVol * nVox);
  const gather = GATHER[header.datatype];
  const slope = header.scaling?.slope ?? 1;
  const inter = header.scaling?.inter ?? 0;
  const progress = opts.progress ?? silentProgress;
  progress.start(`extract ${nVox} voxels`, nVol);
  for await (const chunk of iterateVolumes(path, { header, chunkBytes: opts.chunkBytes })) {
    for (let c = 0; c < chunk.count; c++) {
      gather(chunk.data, c * vpv, idx, out, (chunk.first + c) * nVox, slope, inter);
    }
    progress.update(chunk.first + chunk.count);
  }
  progress.finish();
  return new Matrix(nVol, nVox, out);
}
