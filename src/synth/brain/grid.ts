/**
 * The voxel grids a twin can be written on. Every grid covers the real field of
 * view of ds003720 (96 × 96 × 68 voxels of 2 mm = 192 × 192 × 136 mm), so the
 * brains are the same size in millimetres whatever the resolution.
 */
import { UserError } from '../../util/errors.js';

export interface Grid {
  readonly name: string;
  /** Voxels along x (left→right), y (posterior→anterior), z (inferior→superior). */
  readonly dims: readonly [number, number, number];
  /** Isotropic voxel size, mm. */
  readonly voxelMm: number;
}

/** name → grid. `full` is the real acquisition grid; `small` keeps the demo twin small and fast. */
export const GRIDS: Readonly<Record<string, Grid>> = {
  full: { name: 'full', dims: [96, 96, 68], voxelMm: 2 },
  medium: { name: 'medium', dims: [48, 48, 34], voxelMm: 4 },
  small: { name: 'small', dims: [32, 32, 23], voxelMm: 6 },
  tiny: { name: 'tiny', dims: [16, 16, 12], voxelMm: 12 },
};

export function gridByName(name: string): Grid {
  const g = GRIDS[name];
  if (!g) {
    throw new UserError(`unknown grid "${name}"`, {
      field: 'grid',
      hint: `use one of: ${Object.keys(GRIDS).join(', ')}`,
    });
  }
  return g;
}

export function gridSize(g: Grid): number {
  return g.dims[0] * g.dims[1] * g.dims[2];
}

/**
 * Voxel → world affine (RAS+, mm), row-major 4 × 4, centred on the field of view
 * so that world (0, 0, 0) is the middle of the volume.
 */
export function gridAffine(g: Grid): number[][] {
  const v = g.voxelMm;
  const [nx, ny, nz] = g.dims;
  return [
    [v, 0, 0, (-(nx - 1) / 2) * v],
    [0, v, 0, (-(ny - 1) / 2) * v],
    [0, 0, v, (-(nz - 1) / 2) * v],
    [0, 0, 0, 1],
  ];
}

/** World coordinates (mm) of voxel centres, as three arrays over the grid in NIfTI (x-fastest) order. */
export function voxelCentres(g: Grid): { x: Float32Array; y: Float32Array; z: Float32Array } {
  const n = gridSize(g);
  const [nx, ny, nz] = g.dims;
  const x = new Float32Array(n);
  const y = new Float32Array(n);
  const z = new Float32Array(n);
  const v = g.voxelMm;
  let p = 0;
  for (let k = 0; k < nz; k++) {
    for (let j = 0; j < ny; j++) {
      for (let i = 0; i < nx; i++, p++) {
        x[p] = (i - (nx - 1) / 2) * v;
        y[p] = (j - (ny - 1) / 2) * v;
        z[p] = (k - (nz - 1) / 2) * v;
      }
    }
  }
  return { x, y, z };
}
