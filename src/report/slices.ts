/**
 * Static brain pictures for the report: axial slices of a statistical map over
 * the subject's anatomy, sampled on a world (mm) grid so any pair of affines
 * lines up (nearest neighbour through each image's inverse affine). Displayed
 * in neurological convention: left hemisphere on the left, anterior up.
 */
import type { NiftiImage } from '../io/nifti/index.js';
import { CATEGORICAL, colormap, Raster, type Rgb } from './png.js';

type Affine = readonly (readonly number[])[];

/** Inverse of a 4 × 4 affine with last row [0 0 0 1] (3 × 3 inverse + translation). */
export function invertAffine(A: Affine): number[][] {
  const a = A as number[][];
  const [m00, m01, m02] = a[0] as number[];
  const [m10, m11, m12] = a[1] as number[];
  const [m20, m21, m22] = a[2] as number[];
  const det =
    (m00 as number) * ((m11 as number) * (m22 as number) - (m12 as number) * (m21 as number)) -
    (m01 as number) * ((m10 as number) * (m22 as number) - (m12 as number) * (m20 as number)) +
    (m02 as number) * ((m10 as number) * (m21 as number) - (m11 as number) * (m20 as number));
  const c = (x: number) => x / det;
  const inv = [
    [c(m11! * m22! - m12! * m21!), c(m02! * m21! - m01! * m22!), c(m01! * m12! - m02! * m11!)],
    [c(m12! * m20! - m10! * m22!), c(m00! * m22! - m02! * m20!), c(m02! * m10! - m00! * m12!)],
    [c(m10! * m21! - m11! * m20!), c(m01! * m20! - m00! * m21!), c(m00! * m11! - m01! * m10!)],
  ];
  const t = [a[0]![3]!, a[1]![3]!, a[2]![3]!];
  return inv
    .map((row) => [...row, -(row[0]! * t[0]! + row[1]! * t[1]! + row[2]! * t[2]!)])
    .concat([[0, 0, 0, 1]]);
}

/** A volume with a world → voxel lookup (nearest neighbour; NaN outside). */
export class Sampler {
  private readonly inv: number[][];
  readonly dims: number[];
  constructor(readonly image: NiftiImage) {
    this.inv = invertAffine(image.header.affine);
    this.dims = image.header.dims.slice(0, 3) as number[];
  }
  /** Linear index of the voxel containing world point (x, y, z) mm, or -1 outside. */
  index(x: number, y: number, z: number): number {
    const m = this.inv;
    const i = Math.round(m[0]![0]! * x + m[0]![1]! * y + m[0]![2]! * z + m[0]![3]!);
    const j = Math.round(m[1]![0]! * x + m[1]![1]! * y + m[1]![2]! * z + m[1]![3]!);
    const k = Math.round(m[2]![0]! * x + m[2]![1]! * y + m[2]![2]! * z + m[2]![3]!);
    const [nx, ny, nz] = this.dims as [number, number, number];
    if (i < 0 || j < 0 || k < 0 || i >= nx || j >= ny || k >= nz) return -1;
    return i + nx * (j + ny * k);
  }
  at(x: number, y: number, z: number): number {
    const v = this.index(x, y, z);
    return v < 0 ? Number.NaN : (this.image.data[v] as number);
  }
  /** World bounding box of the voxel centres: [[xmin, xmax], [ymin, ymax], [zmin, zmax]]. */
  bounds(): [number, number][] {
    const A = this.image.header.affine;
    const out: [number, number][] = [
      [Infinity, -Infinity],
      [Infinity, -Infinity],
      [Infinity, -Infinity],
    ];
    const [nx, ny, nz] = this.dims as [number, number, number];
    for (const i of [0, nx - 1])
      for (const j of [0, ny - 1])
        for (const k of [0, nz - 1])
          for (let r = 0; r < 3; r++) {
            const w = A[r]![0]! * i + A[r]![1]! * j + A[r]![2]! * k + A[r]![3]!;
            out[r]![0] = Math.min(out[r]![0], w);
            out[r]![1] = Math.max(out[r]![1], w);
          }
    return out;
  }
  /** Smallest voxel edge (mm). */
  voxelSize(): number {
    const A = this.image.header.affine;
    return Math.min(...[0, 1, 2].map((c) => Math.hypot(A[0]![c]!, A[1]![c]!, A[2]![c]!)));
  }
}

export interface OverlayStyle {
  /** Continuous map: colour map name and the value range shown; values ≤ threshold are transparent. */
  kind: 'continuous' | 'categorical';
  colormap?: string;
  min?: number;
  max?: number;
  threshold?: number;
  /** Categorical: label → colour (0 is transparent). */
  colors?: readonly Rgb[];
}

export interface MontageOptions {
  slices?: number;
  /** Output pixels per mm. */
  scale?: number;
}

/**
 * Display range of the anatomy: from 0 (or the 2nd percentile when values go
 * negative) to the 99.5th percentile of non-zero voxels, so bright fat or
 * vessels do not wash out the brain and a large bright tissue class does not
 * push the rest to black.
 */
function anatomyRange(a: NiftiImage): [number, number] {
  const xs: number[] = [];
  const step = Math.max(1, Math.floor(a.data.length / 200000));
  for (let i = 0; i < a.data.length; i += step) {
    const v = a.data[i] as number;
    if (v !== 0 && Number.isFinite(v)) xs.push(v);
  }
  if (xs.length === 0) return [0, 1];
  xs.sort((p, q) => p - q);
  // From 0 (or the 2nd percentile when values go negative) to the 99.5th percentile: a large
  // bright tissue class must not push the rest to black, bright vessels must not wash it out.
  const lo = Math.min(0, xs[Math.floor(0.02 * (xs.length - 1))] as number);
  return [lo, xs[Math.floor(0.995 * (xs.length - 1))] as number];
}

/**
 * Axial slices (evenly spaced through the overlay's supra-threshold extent, or
 * the anatomy's middle when nothing passes) side by side, as PNG bytes; also
 * returns the z (mm) of each slice for captions.
 */
export function axialMontage(
  anatomy: NiftiImage,
  overlay: NiftiImage,
  style: OverlayStyle,
  opts: MontageOptions = {},
): { png: Buffer; z: number[]; width: number; height: number } {
  const an = new Sampler(anatomy);
  const ov = new Sampler(overlay);
  const [bx, by, bz] = an.bounds() as [[number, number], [number, number], [number, number]];
  const step = Math.max(an.voxelSize(), Math.max(bx[1] - bx[0], by[1] - by[0]) / 160);
  const scale = opts.scale ?? Math.max(1, Math.round(3 / (step / an.voxelSize())));
  const nSlices = opts.slices ?? 6;
  const thr = style.threshold ?? 0;
  const shown = (v: number) => (style.kind === 'categorical' ? v > 0 : v > thr);
  // z extent of supra-threshold overlay voxels, in world mm.
  const ovA = overlay.header.affine;
  const [onx, ony] = ov.dims as [number, number, number];
  let zmin = Infinity;
  let zmax = -Infinity;
  for (let v = 0; v < overlay.data.length && v < onx * ony * (ov.dims[2] as number); v++) {
    if (!shown(overlay.data[v] as number)) continue;
    const i = v % onx;
    const j = Math.floor(v / onx) % ony;
    const k = Math.floor(v / (onx * ony));
    const z = ovA[2]![0]! * i + ovA[2]![1]! * j + ovA[2]![2]! * k + ovA[2]![3]!;
    zmin = Math.min(zmin, z);
    zmax = Math.max(zmax, z);
  }
  if (!(zmax >= zmin)) {
    zmin = bz[0] + 0.3 * (bz[1] - bz[0]);
    zmax = bz[0] + 0.7 * (bz[1] - bz[0]);
  }
  const zs = Array.from({ length: nSlices }, (_, s) =>
    nSlices === 1 ? (zmin + zmax) / 2 : zmin + ((s + 0.5) * (zmax - zmin)) / nSlices,
  );
  const nxOut = Math.floor((bx[1] - bx[0]) / step) + 1;
  const nyOut = Math.floor((by[1] - by[0]) / step) + 1;
  const w1 = nxOut * scale;
  const h1 = nyOut * scale;
  const gap = 4;
  const img = new Raster(nSlices * w1 + (nSlices - 1) * gap, h1);
  const [lo, hi] = anatomyRange(anatomy);
  const vmin = style.min ?? thr;
  const vmax = style.max ?? 1;
  for (const [s, z] of zs.entries()) {
    for (let py = 0; py < nyOut; py++) {
      const y = by[1] - py * step; // anterior at the top
      for (let px = 0; px < nxOut; px++) {
        const x = bx[0] + px * step; // left on the left
        const a = an.at(x, y, z);
        const g = Number.isFinite(a)
          ? Math.round(255 * Math.min(1, Math.max(0, (a - lo) / (hi - lo || 1))))
          : 0;
        let c: Rgb = [g, g, g];
        const o = ov.at(x, y, z);
        if (Number.isFinite(o) && shown(o)) {
          if (style.kind === 'categorical') {
            const pal = style.colors ?? CATEGORICAL;
            c = pal[(Math.round(o) - 1) % pal.length] as Rgb;
          } else c = colormap(style.colormap ?? 'inferno', (o - vmin) / (vmax - vmin || 1));
        }
        for (let dy = 0; dy < scale; dy++)
          for (let dx = 0; dx < scale; dx++) img.set(s * (w1 + gap) + px * scale + dx, py * scale + dy, c);
      }
    }
  }
  return { png: img.toPng(), z: zs, width: img.width, height: img.height };
}
