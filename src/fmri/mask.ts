/**
 * Voxel selections on a 3-D grid, as lists of linear offsets x + nx·(y + ny·z) (the
 * on-disk, x-fastest layout) listed in nilearn's order: C order over (x, y, z), z
 * fastest, as numpy's `data[mask]` gives. Columns of masked matrices follow this order,
 * so they line up with what nilearn's NiftiMasker produces for the same mask.
 */

/** Offsets of the voxels where `keep(value)` holds, in nilearn order. */
export function selectVoxels(
  volume: ArrayLike<number>,
  dims: readonly [number, number, number],
  keep: (value: number) => boolean,
): Int32Array {
  const [nx, ny, nz] = dims;
  const out: number[] = [];
  for (let x = 0; x < nx; x++) {
    for (let y = 0; y < ny; y++) {
      for (let z = 0; z < nz; z++) {
        const o = x + nx * (y + ny * z);
        if (keep(volume[o]!)) out.push(o);
      }
    }
  }
  return Int32Array.from(out);
}

/** Nonzero, finite voxels (a binary mask image). */
export const nonzero = (v: number): boolean => v !== 0 && Number.isFinite(v);

/** Voxels whose value is one of `labels` (a parcellation). */
export function inLabels(labels: readonly number[]): (v: number) => boolean {
  const set = new Set(labels);
  return (v) => set.has(v);
}

/** Voxels strictly above `threshold`. */
export function above(threshold: number): (v: number) => boolean {
  return (v) => v > threshold;
}

/** The distinct values of a volume with their voxel counts, ascending. */
export function labelCounts(volume: ArrayLike<number>): Map<number, number> {
  const m = new Map<number, number>();
  for (let i = 0; i < volume.length; i++) {
    const v = volume[i]!;
    m.set(v, (m.get(v) ?? 0) + 1);
  }
  return new Map([...m.entries()].sort((a, b) => a[0] - b[0]));
}
