/**
 * Shape and TR of a NIfTI file for BIDS discovery, from the one NIfTI header reader
 * (src/io/nifti): discovery needs the number of scans of every run without decoding
 * any voxel, and must work on metadata-only copies (headers without data).
 */
import { readNiftiHeader } from '../nifti/read.js';

export interface NiftiDims {
  /** dim[1..dim[0]], e.g. [96, 96, 68, 410]. */
  dims: number[];
  /** pixdim[4] converted to seconds (0 when not set). */
  tr: number;
  version: 1 | 2;
}

/** Shape and TR from the header of `path`. Throws a UserError for an unreadable or non-NIfTI file. */
export async function readNiftiDims(path: string): Promise<NiftiDims> {
  const h = await readNiftiHeader(path, { checkSize: false });
  return { dims: [...h.dims], tr: h.tr ?? 0, version: h.version };
}
