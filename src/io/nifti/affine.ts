/**
 * Voxel → world (mm) affines of a NIfTI header, computed the way nibabel does:
 * the sform when `sform_code > 0`, else the qform when `qform_code > 0`, else a
 * "base" affine from the voxel sizes centred on the volume (x flipped, Analyze style).
 * An affine is a 4 × 4 row-major `number[][]`: world = A · [i, j, k, 1]ᵀ.
 */

export type Affine = number[][];

/** Quaternion parameters of a qform (NIfTI fields quatern_b/c/d, qoffset_x/y/z, qfac = pixdim[0]). */
export interface Qform {
  b: number;
  c: number;
  d: number;
  x: number;
  y: number;
  z: number;
  /** ±1: handedness of the third axis. */
  qfac: number;
}

export function identity4(): Affine {
  return [
    [1, 0, 0, 0],
    [0, 1, 0, 0],
    [0, 0, 1, 0],
    [0, 0, 0, 1],
  ];
}

/** The 3 × 3 rotation of a (normalised) quaternion (w, x, y, z), as nibabel's quat2mat. */
function quatToMat(w: number, x: number, y: number, z: number): number[][] {
  const nq = w * w + x * x + y * y + z * z;
  if (nq < Number.EPSILON) {
    return [
      [1, 0, 0],
      [0, 1, 0],
      [0, 0, 1],
    ];
  }
  const s = 2 / nq;
  const X = x * s;
  const Y = y * s;
  const Z = z * s;
  const wX = w * X;
  const wY = w * Y;
  const wZ = w * Z;
  const xX = x * X;
  const xY = x * Y;
  const xZ = x * Z;
  const yY = y * Y;
  const yZ = y * Z;
  const zZ = z * Z;
  return [
    [1 - (yY + zZ), xY - wZ, xZ + wY],
    [xY + wZ, 1 - (xX + zZ), yZ - wX],
    [xZ - wY, yZ + wX, 1 - (xX + yY)],
  ];
}

/**
 * The qform affine from its quaternion, voxel sizes (pixdim[1..3]) and qfac.
 * A qfac of 0 (written by some old tools) counts as 1, as the NIfTI standard says.
 */
export function qformAffine(q: Qform, voxelSize: readonly number[]): Affine {
  const w2 = 1 - (q.b * q.b + q.c * q.c + q.d * q.d);
  // Rounding in float32 headers can push w² slightly below 0: treat it as 0.
  const a = w2 > 0 ? Math.sqrt(w2) : 0;
  const R = quatToMat(a, q.b, q.c, q.d);
  const qfac = q.qfac < 0 ? -1 : 1;
  const s = [Math.abs(voxelSize[0] ?? 1), Math.abs(voxelSize[1] ?? 1), Math.abs(voxelSize[2] ?? 1) * qfac];
  const A = identity4();
  for (let i = 0; i < 3; i++) {
    for (let j = 0; j < 3; j++) (A[i] as number[])[j] = (R[i] as number[])[j]! * s[j]!;
  }
  (A[0] as number[])[3] = q.x;
  (A[1] as number[])[3] = q.y;
  (A[2] as number[])[3] = q.z;
  return A;
}

/** The sform affine from its three rows (srow_x, srow_y, srow_z). */
export function sformAffine(srow: readonly (readonly number[])[]): Affine {
  return [[...srow[0]!], [...srow[1]!], [...srow[2]!], [0, 0, 0, 1]];
}

/** nibabel's fallback: diag(-dx, dy, dz) with the volume's centre at the origin. */
export function baseAffine(spatialDims: readonly number[], voxelSize: readonly number[]): Affine {
  const A = identity4();
  for (let i = 0; i < 3; i++) {
    const n = spatialDims[i] ?? 1;
    const z = (voxelSize[i] ?? 1) * (i === 0 ? -1 : 1);
    (A[i] as number[])[i] = z;
    (A[i] as number[])[3] = (-(n - 1) / 2) * z;
  }
  return A;
}

/**
 * The qform that represents `affine`, or null when it has shear (a qform holds only
 * rotation, voxel sizes, a flip of the third axis and an offset).
 * Follows nifti1_io's nifti_mat44_to_quatern for the orthogonal case.
 */
export function affineToQform(affine: Affine): { qform: Qform; voxelSize: [number, number, number] } | null {
  const col = (j: number) => [affine[0]![j]!, affine[1]![j]!, affine[2]![j]!];
  const cols = [col(0), col(1), col(2)];
  const size = cols.map((c) => Math.hypot(c[0]!, c[1]!, c[2]!)) as [number, number, number];
  if (size.some((s) => s === 0 || !Number.isFinite(s))) return null;
  const n = cols.map((c, j) => c.map((v) => v / size[j]!));
  const dot = (u: number[], v: number[]) => u[0]! * v[0]! + u[1]! * v[1]! + u[2]! * v[2]!;
  if (
    Math.abs(dot(n[0]!, n[1]!)) > 1e-4 ||
    Math.abs(dot(n[0]!, n[2]!)) > 1e-4 ||
    Math.abs(dot(n[1]!, n[2]!)) > 1e-4
  ) {
    return null;
  }
  const [c0, c1, c2] = n as [number[], number[], number[]];
  const det =
    c0[0]! * (c1[1]! * c2[2]! - c1[2]! * c2[1]!) -
    c1[0]! * (c0[1]! * c2[2]! - c0[2]! * c2[1]!) +
    c2[0]! * (c0[1]! * c1[2]! - c0[2]! * c1[1]!);
  let qfac = 1;
  if (det < 0) {
    qfac = -1;
    for (let i = 0; i < 3; i++) c2[i] = -c2[i]!;
  }
  // r[i][j]: row i, column j of the rotation.
  const r = (i: number, j: number) => (n[j] as number[])[i]!;
  let a = r(0, 0) + r(1, 1) + r(2, 2) + 1;
  let b: number;
  let c: number;
  let d: number;
  if (a > 0.5) {
    a = 0.5 * Math.sqrt(a);
    b = (0.25 * (r(2, 1) - r(1, 2))) / a;
    c = (0.25 * (r(0, 2) - r(2, 0))) / a;
    d = (0.25 * (r(1, 0) - r(0, 1))) / a;
  } else {
    const xd = 1 + r(0, 0) - (r(1, 1) + r(2, 2));
    const yd = 1 + r(1, 1) - (r(0, 0) + r(2, 2));
    const zd = 1 + r(2, 2) - (r(0, 0) + r(1, 1));
    if (xd > 1) {
      b = 0.5 * Math.sqrt(xd);
      c = (0.25 * (r(0, 1) + r(1, 0))) / b;
      d = (0.25 * (r(0, 2) + r(2, 0))) / b;
      a = (0.25 * (r(2, 1) - r(1, 2))) / b;
    } else if (yd > 1) {
      c = 0.5 * Math.sqrt(yd);
      b = (0.25 * (r(0, 1) + r(1, 0))) / c;
      d = (0.25 * (r(1, 2) + r(2, 1))) / c;
      a = (0.25 * (r(0, 2) - r(2, 0))) / c;
    } else {
      d = 0.5 * Math.sqrt(zd);
      b = (0.25 * (r(0, 2) + r(2, 0))) / d;
      c = (0.25 * (r(1, 2) + r(2, 1))) / d;
      a = (0.25 * (r(1, 0) - r(0, 1))) / d;
    }
    if (a < 0) {
      b = -b;
      c = -c;
      d = -d;
    }
  }
  return {
    qform: { b, c, d, x: affine[0]![3]!, y: affine[1]![3]!, z: affine[2]![3]!, qfac },
    voxelSize: size,
  };
}

/** Whether two affines agree within `atol` (mm) entry by entry. */
export function affinesClose(a: Affine, b: Affine, atol = 1e-3): boolean {
  for (let i = 0; i < 4; i++) {
    for (let j = 0; j < 4; j++) {
      const x = a[i]![j]!;
      const y = b[i]![j]!;
      if (!(Math.abs(x - y) <= atol + 1e-5 * Math.abs(y))) return false;
    }
  }
  return true;
}

/** `[[a, b, c, d], …]` on four lines, for messages and `b2m nifti info`. */
export function formatAffine(a: Affine, digits = 4): string {
  const cells = a.map((row) => row.map((v) => (Object.is(v, -0) ? 0 : v).toFixed(digits)));
  const w = Math.max(...cells.flat().map((s) => s.length));
  return cells.map((row) => `[${row.map((s) => s.padStart(w)).join(' ')}]`).join('\n');
}
