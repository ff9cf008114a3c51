/**
 * A subject's brain on a voxel grid: a brain mask shaped like a cerebrum (two
 * hemispheres split by the interhemispheric fissure, temporal lobes) and a
 * cerebellum; a cortical ribbon (the outer few mm of the cerebrum); a Destrieux
 * parcellation of the ribbon (nearest region centre within the hemisphere, so
 * every region is one contiguous patch in its anatomical place); and a baseline
 * EPI intensity (grey matter brighter than white matter, a smooth coil bias field).
 * Subjects differ by size, position and where the region centres fall.
 */
import type { Rng } from '../../util/rng.js';
import { ASEG, type Hemisphere, MODELED_REGIONS, type RegionSpec, regionLabel } from './destrieux.js';
import { type Grid, gridSize, voxelCentres } from './grid.js';
import { smoothField } from './smooth.js';

export interface AnatomyOptions {
  /** Cortical ribbon thickness, mm (at least one voxel). */
  ribbonMm: number;
  /** Largest random displacement of a region's centre, mm. */
  seedJitterMm: number;
}

export const DEFAULT_ANATOMY: AnatomyOptions = { ribbonMm: 5, seedJitterMm: 4 };

export interface Anatomy {
  readonly grid: Grid;
  /** 1 inside the brain (cerebrum + cerebellum), over the whole grid (x fastest). */
  readonly mask: Uint8Array;
  /** dseg label per grid voxel: 0 outside, aseg WM/cerebellum, or 11100+/12100+ Destrieux cortex. */
  readonly labels: Int32Array;
  /** Grid indices of the brain voxels, ascending: the simulator's voxel order. */
  readonly brain: Int32Array;
  /** Mean EPI intensity per brain voxel (scanner units), length brain.length. */
  readonly baseline: Float32Array;
  /** Edge strength per brain voxel (0..1): how much a head movement changes its intensity. */
  readonly edge: Float32Array;
  /** Subject transform template → world: world = scale ⊙ (t − centre) + shift. */
  readonly transform: { scale: [number, number, number]; shift: [number, number, number] };
}

/** Template (MNI-like mm) centre of the brain's bounding box. */
const TEMPLATE_CENTRE = [0, -18, 11] as const;

type Vec3 = readonly [number, number, number];

function inEllipsoid(x: number, y: number, z: number, c: Vec3, r: Vec3): boolean {
  const dx = (x - c[0]) / r[0];
  const dy = (y - c[1]) / r[1];
  const dz = (z - c[2]) / r[2];
  return dx * dx + dy * dy + dz * dz <= 1;
}

/** 0 outside, 1 cerebrum, 2 cerebellum, in template coordinates. */
function tissueAt(x: number, y: number, z: number, gapHalf: number): 0 | 1 | 2 {
  const ax = Math.abs(x);
  if (ax >= gapHalf) {
    if (inEllipsoid(ax, y, z, [34, -18, 15], [34, 86, 62])) return 1;
    if (inEllipsoid(ax, y, z, [46, -14, -14], [22, 46, 21])) return 1;
  }
  if (inEllipsoid(x, y, z, [0, -62, -34], [48, 28, 20])) return 2;
  return 0;
}

/** Builds one subject's anatomy on `grid`; all randomness comes from `rng`. */
export function buildAnatomy(grid: Grid, rng: Rng, opts: Partial<AnatomyOptions> = {}): Anatomy {
  const o = { ...DEFAULT_ANATOMY, ...opts };
  const n = gridSize(grid);
  const [nx, ny, nz] = grid.dims;
  const scale: [number, number, number] = [rng.range(0.9, 0.98), rng.range(0.9, 0.98), rng.range(0.88, 0.96)];
  const shift: [number, number, number] = [rng.range(-2, 2), rng.range(-3, 3), rng.range(-3, 3)];
  const { x, y, z } = voxelCentres(grid);
  const toTemplate = (axis: 0 | 1 | 2, w: number) =>
    (w - shift[axis]) / scale[axis] + (TEMPLATE_CENTRE[axis] as number);
  // The fissure is at least one voxel wide at any resolution, so the medial surfaces exist.
  const gapHalf = (Math.max(grid.voxelMm, 2) * 0.67) / scale[0];

  const tissue = new Uint8Array(n);
  const hemiRight = new Uint8Array(n);
  for (let p = 0; p < n; p++) {
    const tx = toTemplate(0, x[p] as number);
    tissue[p] = tissueAt(tx, toTemplate(1, y[p] as number), toTemplate(2, z[p] as number), gapHalf);
    hemiRight[p] = tx >= 0 ? 1 : 0;
  }
  const mask = new Uint8Array(n);
  for (let p = 0; p < n; p++) mask[p] = tissue[p] ? 1 : 0;

  // Depth below the cerebral surface by repeated 6-neighbour erosion of the cerebrum.
  const layers = Math.max(1, Math.round(o.ribbonMm / grid.voxelMm));
  const depth = new Uint8Array(n); // 0 = not cerebrum; d = eroded away at step d
  let alive = new Uint8Array(n);
  for (let p = 0; p < n; p++) alive[p] = tissue[p] === 1 ? 1 : 0;
  for (let step = 1; step <= layers; step++) {
    const next = alive.slice();
    for (let k = 0; k < nz; k++) {
      for (let j = 0; j < ny; j++) {
        for (let i = 0; i < nx; i++) {
          const p = i + nx * (j + ny * k);
          if (!alive[p]) continue;
          const edge =
            i === 0 ||
            i === nx - 1 ||
            j === 0 ||
            j === ny - 1 ||
            k === 0 ||
            k === nz - 1 ||
            !alive[p - 1] ||
            !alive[p + 1] ||
            !alive[p - nx] ||
            !alive[p + nx] ||
            !alive[p - nx * ny] ||
            !alive[p + nx * ny];
          if (edge) {
            next[p] = 0;
            depth[p] = step;
          }
        }
      }
    }
    alive = next;
  }

  // Region centres for this subject: template seeds, jittered, mapped to world.
  const seeds: { label: number; hemi: Hemisphere; w: [number, number, number] }[] = [];
  for (const hemi of ['lh', 'rh'] as const) {
    for (const r of MODELED_REGIONS) seeds.push({ label: regionLabel(r, hemi), hemi, w: seedWorld(r, hemi) });
  }
  function seedWorld(r: RegionSpec, hemi: Hemisphere): [number, number, number] {
    const tx = Math.abs(r.seed[0] + rng.range(-1, 1) * o.seedJitterMm);
    // Template seeds are given for the left hemisphere (x < 0): mirror for the right.
    const t = [
      hemi === 'lh' ? -tx : tx,
      r.seed[1] + rng.range(-1, 1) * o.seedJitterMm,
      r.seed[2] + rng.range(-1, 1) * o.seedJitterMm,
    ];
    return [0, 1, 2].map(
      (a) => ((t[a] as number) - (TEMPLATE_CENTRE[a] as number)) * scale[a]! + shift[a]!,
    ) as [number, number, number];
  }

  const labels = new Int32Array(n);
  for (let p = 0; p < n; p++) {
    if (!tissue[p]) continue;
    const right = hemiRight[p] === 1;
    if (tissue[p] === 2) {
      labels[p] = right ? ASEG.rightCerebellum.label : ASEG.leftCerebellum.label;
    } else if (depth[p] === 0) {
      labels[p] = right ? ASEG.rightWhiteMatter.label : ASEG.leftWhiteMatter.label;
    } else {
      let best = 0;
      let bestD = Number.POSITIVE_INFINITY;
      for (const s of seeds) {
        if ((s.hemi === 'rh') !== right) continue;
        const dx = (x[p] as number) - s.w[0];
        const dy = (y[p] as number) - s.w[1];
        const dz = (z[p] as number) - s.w[2];
        const d = dx * dx + dy * dy + dz * dz;
        if (d < bestD) {
          bestD = d;
          best = s.label;
        }
      }
      labels[p] = best;
    }
  }

  // Baseline intensity: tissue contrast × smooth coil sensitivity × a subject gain.
  let nBrain = 0;
  for (let p = 0; p < n; p++) nBrain += mask[p] as number;
  const brain = new Int32Array(nBrain);
  for (let p = 0, q = 0; p < n; p++) if (mask[p]) brain[q++] = p;
  const bias = new Float32Array(n);
  rng.fillNormal(bias);
  smoothField(bias, grid, 60);
  let bsd = 0;
  for (let p = 0; p < n; p++) bsd += (bias[p] as number) ** 2;
  bsd = Math.sqrt(bsd / n) || 1;
  const gain = rng.range(0.85, 1.15);
  const baseline = new Float32Array(nBrain);
  for (let q = 0; q < nBrain; q++) {
    const p = brain[q] as number;
    const t = tissue[p] === 2 ? 820 : depth[p] === 0 ? 680 : 900;
    baseline[q] = t * gain * (1 + 0.12 * ((bias[p] as number) / bsd));
  }

  // Edge strength: fraction of the 6 neighbours outside the brain (motion moves these most).
  const edge = new Float32Array(nBrain);
  for (let q = 0; q < nBrain; q++) {
    const p = brain[q] as number;
    const i = p % nx;
    const j = Math.floor(p / nx) % ny;
    const k = Math.floor(p / (nx * ny));
    let out = 0;
    if (i === 0 || !mask[p - 1]) out++;
    if (i === nx - 1 || !mask[p + 1]) out++;
    if (j === 0 || !mask[p - nx]) out++;
    if (j === ny - 1 || !mask[p + nx]) out++;
    if (k === 0 || !mask[p - nx * ny]) out++;
    if (k === nz - 1 || !mask[p + nx * ny]) out++;
    edge[q] = out / 6;
  }

  return { grid, mask, labels, brain, baseline, edge, transform: { scale, shift } };
}
