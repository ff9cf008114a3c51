/**
 * Voxel tuning in a low-dimensional latent space. Stimulus features (per scan)
 * are projected onto a few latent channels — acoustic channels from the
 * spectro-temporal features, semantic channels from the track attributes — which
 * are convolved with the subject's HRF. Each cortical voxel reads the channels
 * through loadings that are spatially smooth random fields scaled by its region's
 * gains (see destrieux.ts): a voxel's true signal is Σ_k L[v,k]·z_k(t).
 */
import type { Rng } from '../../util/rng.js';
import type { Anatomy } from './anatomy.js';
import { regionOfLabel } from './destrieux.js';
import { gridSize } from './grid.js';
import { convolveColumns } from './hrf.js';
import { smoothField } from './smooth.js';

/** Feature → channel projections, shared by all subjects of a dataset (their brains read the same music). */
export interface ChannelWeights {
  /** Number of acoustic and semantic feature columns (acoustic first). */
  readonly nAcoustic: number;
  readonly nSemantic: number;
  /** Latent channels driven by each group. */
  readonly kAcoustic: number;
  readonly kSemantic: number;
  /** (nAcoustic + nSemantic) × (kAcoustic + kSemantic), row-major; block diagonal by group. */
  readonly W: Float64Array;
}

export function randomChannelWeights(
  nAcoustic: number,
  nSemantic: number,
  kAcoustic: number,
  kSemantic: number,
  rng: Rng,
): ChannelWeights {
  const d = nAcoustic + nSemantic;
  const K = kAcoustic + kSemantic;
  const W = new Float64Array(d * K);
  for (let i = 0; i < d; i++) {
    const acoustic = i < nAcoustic;
    for (let k = 0; k < K; k++) {
      const inGroup = acoustic ? k < kAcoustic : k >= kAcoustic;
      if (inGroup) W[i * K + k] = rng.normal() / Math.sqrt(acoustic ? nAcoustic : Math.max(1, nSemantic));
    }
  }
  return { nAcoustic, nSemantic, kAcoustic, kSemantic, W };
}

/**
 * Latent channel time courses for every run: Z_r = HRF ∗ (F_r · W), then each
 * channel scaled to unit variance over all runs together (so loadings are in
 * percent signal change per unit channel).
 * features[r]: n_scans_r × d (row-major). Returns per run n_scans_r × K.
 */
export function latentTimecourses(
  features: readonly { data: Float64Array; rows: number }[],
  weights: ChannelWeights,
  kernel: Float64Array,
): Float64Array[] {
  const d = weights.nAcoustic + weights.nSemantic;
  const K = weights.kAcoustic + weights.kSemantic;
  const out = features.map(({ data, rows }) => {
    const proj = new Float64Array(rows * K);
    for (let t = 0; t < rows; t++) {
      for (let i = 0; i < d; i++) {
        const f = data[t * d + i] as number;
        if (f === 0) continue;
        for (let k = 0; k < K; k++)
          proj[t * K + k] = (proj[t * K + k] as number) + f * (weights.W[i * K + k] as number);
      }
    }
    return convolveColumns(proj, rows, K, kernel);
  });
  const sum = new Float64Array(K);
  const sq = new Float64Array(K);
  let n = 0;
  for (const z of out) {
    const rows = z.length / K;
    n += rows;
    for (let t = 0; t < rows; t++) {
      for (let k = 0; k < K; k++) {
        const v = z[t * K + k] as number;
        sum[k] = (sum[k] as number) + v;
        sq[k] = (sq[k] as number) + v * v;
      }
    }
  }
  for (let k = 0; k < K; k++) {
    const mean = (sum[k] as number) / n;
    const sd = Math.sqrt(Math.max(1e-20, (sq[k] as number) / n - mean * mean));
    for (const z of out) for (let t = k; t < z.length; t += K) z[t] = ((z[t] as number) - mean) / sd;
  }
  return out;
}

/**
 * A smooth random field over the brain voxels: white noise on the grid smoothed
 * to `fwhmMm`, then standardised (mean 0, sd 1) over the brain.
 */
export function smoothBrainField(anat: Anatomy, fwhmMm: number, rng: Rng): Float32Array {
  const full = rng.fillNormal(new Float32Array(gridSize(anat.grid)));
  smoothField(full, anat.grid, fwhmMm);
  const out = new Float32Array(anat.brain.length);
  let s = 0;
  let s2 = 0;
  for (let q = 0; q < out.length; q++) {
    const v = full[anat.brain[q] as number] as number;
    out[q] = v;
    s += v;
    s2 += v * v;
  }
  const mean = s / out.length;
  const sd = Math.sqrt(Math.max(1e-20, s2 / out.length - mean * mean));
  for (let q = 0; q < out.length; q++) out[q] = ((out[q] as number) - mean) / sd;
  return out;
}

export interface Loadings {
  /** Brain-voxel indices (into anatomy.brain) of the tuned voxels. */
  readonly voxels: Int32Array;
  /** n_tuned × K loadings, % signal change per unit channel. */
  readonly L: Float32Array;
  readonly K: number;
}

/**
 * Loadings of the tuned cortical voxels: L[v,k] = amp · m_v · g(region_v, group_k)/√K_group · u_k(v),
 * with u_k smooth unit-variance fields (FWHM `fwhmMm`) and m_v = exp(0.35·smooth field)
 * a smooth within-region modulation of the response strength.
 */
export function buildLoadings(
  anat: Anatomy,
  weights: ChannelWeights,
  amplitudePct: number,
  fwhmMm: number,
  rng: Rng,
): Loadings {
  const K = weights.kAcoustic + weights.kSemantic;
  const nB = anat.brain.length;
  const gainA = new Float32Array(nB);
  const gainS = new Float32Array(nB);
  const tuned: number[] = [];
  for (let q = 0; q < nB; q++) {
    const r = regionOfLabel(anat.labels[anat.brain[q] as number] as number);
    if (!r || (r.region.acoustic === 0 && r.region.semantic === 0)) continue;
    gainA[q] = r.region.acoustic;
    gainS[q] = r.region.semantic;
    tuned.push(q);
  }
  const fields: Float32Array[] = [];
  for (let k = 0; k < K; k++) fields.push(smoothBrainField(anat, fwhmMm, rng));
  const mod = smoothBrainField(anat, fwhmMm * 2, rng);
  const voxels = Int32Array.from(tuned);
  const L = new Float32Array(voxels.length * K);
  for (let i = 0; i < voxels.length; i++) {
    const q = voxels[i] as number;
    const m = amplitudePct * Math.exp(0.35 * (mod[q] as number));
    for (let k = 0; k < K; k++) {
      const acoustic = k < weights.kAcoustic;
      const g = acoustic
        ? (gainA[q] as number) / Math.sqrt(weights.kAcoustic)
        : (gainS[q] as number) / Math.sqrt(Math.max(1, weights.kSemantic));
      L[i * K + k] = m * g * ((fields[k] as Float32Array)[q] as number);
    }
  }
  return { voxels, L, K };
}
