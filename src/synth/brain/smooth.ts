/**
 * Gaussian smoothing of fields on a voxel grid (separable, zero outside), used
 * to make tuning and noise spatially smooth at a physical scale (FWHM in mm)
 * independent of the grid's resolution.
 */
import type { Grid } from './grid.js';

/** Normalised 1-D Gaussian kernel for a FWHM in voxels (radius 2σ, at least the centre tap). */
export function gaussianKernel(fwhmVoxels: number): Float64Array {
  const sigma = fwhmVoxels / (2 * Math.sqrt(2 * Math.log(2)));
  if (sigma < 0.3) return Float64Array.of(1);
  const r = Math.max(1, Math.ceil(2 * sigma));
  const k = new Float64Array(2 * r + 1);
  let s = 0;
  for (let i = -r; i <= r; i++) s += k[i + r] = Math.exp(-(i * i) / (2 * sigma * sigma));
  for (let i = 0; i < k.length; i++) k[i] = (k[i] as number) / s;
  return k;
}

/**
 * Smooths `field` (a whole grid, x fastest) in place with an isotropic Gaussian of
 * `fwhmMm`. field: nx·ny·nz values.
 */
export function smoothField(field: Float32Array, grid: Grid, fwhmMm: number): void {
  const kernel = gaussianKernel(fwhmMm / grid.voxelMm);
  if (kernel.length === 1) return;
  const [nx, ny, nz] = grid.dims;
  const strides = [1, nx, nx * ny];
  const lens = [nx, ny, nz];
  const r = (kernel.length - 1) / 2;
  for (let axis = 0; axis < 3; axis++) {
    const len = lens[axis] as number;
    const stride = strides[axis] as number;
    const line = new Float64Array(len);
    const n = nx * ny * nz;
    // Visit every line along `axis`: start points are the voxels whose coordinate on `axis` is 0.
    for (let start = 0; start < n; start++) {
      if (Math.floor(start / stride) % len !== 0) continue;
      for (let i = 0; i < len; i++) line[i] = field[start + i * stride] as number;
      for (let i = 0; i < len; i++) {
        let acc = 0;
        const lo = Math.max(0, i - r);
        const hi = Math.min(len - 1, i + r);
        for (let j = lo; j <= hi; j++) acc += (kernel[j - i + r] as number) * (line[j] as number);
        field[start + i * stride] = acc;
      }
    }
  }
}
