/**
 * NIfTI-1 and NIfTI-2 images, `.nii` and `.nii.gz`: headers, whole-image reads,
 * streaming reads and writes, and masked extraction. Data are x-fastest (Fortran
 * order, as on disk); affines are 4 × 4 row-major `number[][]` (voxel → mm).
 */
export {
  type Affine,
  affinesClose,
  affineToQform,
  baseAffine,
  formatAffine,
  type Qform,
  qformAffine,
  sformAffine,
} from './affine.js';
export {
  DATATYPES,
  type DatatypeInfo,
  datatypeOfArray,
  isDatatypeName,
  type NiftiDatatype,
  type NumberVoxelArray,
  type VoxelArray,
} from './datatypes.js';
export { type ExtractOptions, extractMasked, type MaskLike } from './extract.js';
export {
  completeHeader,
  dataBytes,
  encodeNiftiHeader,
  headerLike,
  type NiftiExtension,
  type NiftiHeader,
  type NiftiHeaderInit,
  parseNiftiHeader,
  type SpatialUnit,
  type TemporalUnit,
  volumeCount,
  voxelsPerVolume,
} from './header.js';
export {
  type IterateOptions,
  iterateVolumes,
  type NiftiFileHeader,
  type NiftiImage,
  type NiftiStats,
  niftiStats,
  type ReadAs,
  type ReadOptions,
  readNifti,
  readNiftiHeader,
  scaleInto,
  type VolumeChunk,
} from './read.js';
export {
  encodeVoxels,
  type NiftiWriter,
  openNiftiWriter,
  type VoxelValues,
  type WriteOptions,
  type WriterOptions,
  writeNifti,
} from './write.js';
