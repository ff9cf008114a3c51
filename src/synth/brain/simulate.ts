/**
 * One subject's fMRI, generated scan by scan (so a full-resolution run never sits
 * in memory whole). In percent signal change around a voxel's baseline b_v:
 *
 *   y_v(t) = b_v · (1 + 0.01 · [ s_v(t) + n_v(t) + m_v(t) ])
 *   s_v(t) = Σ_k L[v,k] · z_k(t)                                  tuned signal (tuning.ts)
 *   n_v(t) = σ_w · e_v(t)                                          AR(1) per voxel, φ per subject
 *          + σ_s · Σ_m B_m(v) · η_m(t) / √M                        spatially smooth (M smooth modes, AR(1))
 *          + σ_g · c_v · g(t)                                      global fluctuation (slow AR(1))
 *          + Σ_j D_rj(v) · cos(π j (t+½)/T)                        slow drift (smooth + voxel-specific)
 *   m_v(t) = A · edge_v · (1 + d·x̂_v)   at spike scans             head-motion spikes
 *
 * The raw image keeps the whole motion spike; the "preprocessed" one keeps
 * `preprocSpikeFactor` of it (motion correction removes most, not all).
 * Both are rounded to int16 scanner units.
 */
import type { Rng } from '../../util/rng.js';
import type { Anatomy } from './anatomy.js';
import { type HrfParams, hrfKernel, randomHrf } from './hrf.js';
import { cosineDrift, initAr1, motionSpikes, stepAr1 } from './noise.js';
import {
  buildLoadings,
  type ChannelWeights,
  type Loadings,
  latentTimecourses,
  smoothBrainField,
} from './tuning.js';

export interface BrainModelOptions {
  /** Repetition time, s. */
  tr: number;
  /** Range of the subject's tuned-signal amplitude, % signal change (per unit gain). */
  signalPct: [number, number];
  /** Range of the subject's voxel-wise AR(1) noise sd, %. */
  whitePct: [number, number];
  /** Range of the AR(1) coefficient of voxel noise. */
  arPhi: [number, number];
  /** Spatially smooth noise: sd %, number of modes, FWHM mm, AR(1) coefficient. */
  spatialPct: number;
  spatialModes: number;
  spatialFwhmMm: number;
  spatialPhi: number;
  /** Global signal: sd %, AR(1) coefficient. */
  globalPct: number;
  globalPhi: number;
  /** Drift: sd % of the first cosine (order j has sd/j), number of cosines, smooth fields, FWHM mm. */
  driftPct: number;
  driftOrder: number;
  driftFields: number;
  driftFwhmMm: number;
  /** Motion spikes: probability per scan, amplitude range %, share left after preprocessing. */
  spikeRate: number;
  spikePct: [number, number];
  preprocSpikeFactor: number;
  /** Smoothness of the tuning fields, mm. */
  tuningFwhmMm: number;
}

export const DEFAULT_BRAIN_MODEL: BrainModelOptions = {
  tr: 1.5,
  signalPct: [0.55, 0.85],
  whitePct: [0.9, 1.2],
  arPhi: [0.25, 0.45],
  spatialPct: 0.5,
  spatialModes: 8,
  spatialFwhmMm: 24,
  spatialPhi: 0.7,
  globalPct: 0.3,
  globalPhi: 0.95,
  driftPct: 1.0,
  driftOrder: 3,
  driftFields: 6,
  driftFwhmMm: 40,
  spikeRate: 0.004,
  spikePct: [1, 4],
  preprocSpikeFactor: 0.3,
  tuningFwhmMm: 10,
};

/** The random draws that make one subject: written to the ground truth. */
export interface SubjectParams {
  hrf: HrfParams;
  signalPct: number;
  whitePct: number;
  arPhi: number;
}

export interface SubjectModel {
  readonly anatomy: Anatomy;
  readonly params: SubjectParams;
  readonly options: BrainModelOptions;
  readonly kernel: Float64Array;
  readonly loadings: Loadings;
  /** M × n_brain smooth noise modes. */
  readonly modes: Float32Array;
  /** F × n_brain smooth drift fields. */
  readonly driftFields: Float32Array;
  /** Global-signal coupling per brain voxel. */
  readonly globalCoef: Float32Array;
  /** Normalised left-right position per brain voxel, −1..1 (direction of motion artefacts). */
  readonly xhat: Float32Array;
}

export function buildSubjectModel(
  anatomy: Anatomy,
  weights: ChannelWeights,
  rng: Rng,
  opts: Partial<BrainModelOptions> = {},
): SubjectModel {
  const o = { ...DEFAULT_BRAIN_MODEL, ...opts };
  const params: SubjectParams = {
    hrf: randomHrf(rng),
    signalPct: rng.range(...o.signalPct),
    whitePct: rng.range(...o.whitePct),
    arPhi: rng.range(...o.arPhi),
  };
  const kernel = hrfKernel(params.hrf, o.tr);
  const loadings = buildLoadings(anatomy, weights, params.signalPct, o.tuningFwhmMm, rng.fork('tuning'));
  const nB = anatomy.brain.length;
  const noiseRng = rng.fork('noise-fields');
  const modes = new Float32Array(o.spatialModes * nB);
  for (let m = 0; m < o.spatialModes; m++)
    modes.set(smoothBrainField(anatomy, o.spatialFwhmMm, noiseRng), m * nB);
  const driftFields = new Float32Array(o.driftFields * nB);
  for (let f = 0; f < o.driftFields; f++)
    driftFields.set(smoothBrainField(anatomy, o.driftFwhmMm, noiseRng), f * nB);
  const globalCoef = new Float32Array(nB);
  for (let q = 0; q < nB; q++) globalCoef[q] = 1 + 0.15 * noiseRng.normal();
  const xhat = new Float32Array(nB);
  const nx = anatomy.grid.dims[0];
  for (let q = 0; q < nB; q++) xhat[q] = (((anatomy.brain[q] as number) % nx) / (nx - 1)) * 2 - 1;
  return { anatomy, params, options: o, kernel, loadings, modes, driftFields, globalCoef, xhat };
}

/** One run to simulate. features: n_scans × d (row-major), the stimulus features at each scan. */
export interface RunInput {
  readonly name: string;
  readonly features: Float64Array;
  readonly nScans: number;
}

/** Receives the volumes of one run, in order; both arrays are whole grids (x fastest), reused between calls. */
export interface RunSink {
  write(raw: Int16Array, preproc: Int16Array): Promise<void>;
  end(): Promise<void>;
}

/** Observes each run's cortical time courses (for ground truth), if asked. */
export interface RunObserver {
  /** Brain-voxel indices to observe. */
  readonly voxels: Int32Array;
  /** Whether to record this run. */
  wants(runIndex: number): boolean;
  /** signal, noise: n_voxels × n_scans (voxel-major), % units, noise as in the preprocessed image. */
  run(runIndex: number, signal: Float32Array, noise: Float32Array, nScans: number): void;
}

const I16_MIN = -32768;
const I16_MAX = 32767;

/** How `simulateSubject` draws its noise and where its volumes go. */
export interface SimulateOptions {
  /** The feature → channel weights the model's loadings were built from. */
  weights: ChannelWeights;
  /** The subject's run stream; each run forks its own from it by name. */
  rng: Rng;
  /** Makes the sink of run `runIndex` (of `runs`). */
  openRun: (runIndex: number) => Promise<RunSink>;
  /** Records cortical time courses for the ground truth. */
  observer?: RunObserver;
  /** Called after each scan is written. */
  onScan?: (runIndex: number, scan: number) => void;
}

/**
 * Simulates every run of a subject and hands each volume to the sink made by
 * `openRun`. The random stream of each run is forked from `rng` by its name,
 * so results do not depend on the order runs are written.
 */
export async function simulateSubject(
  model: SubjectModel,
  runs: readonly RunInput[],
  { weights, rng, openRun, observer, onScan }: SimulateOptions,
): Promise<void> {
  const { anatomy, options: o, params, loadings } = model;
  const d = weights.nAcoustic + weights.nSemantic;
  const Z = latentTimecourses(
    runs.map((r) => ({ data: r.features, rows: r.nScans })),
    weights,
    model.kernel,
  );
  if (runs.some((r) => r.features.length !== r.nScans * d)) {
    throw new Error('simulateSubject: a run has features of the wrong size');
  }
  const nB = anatomy.brain.length;
  const M = o.spatialModes;
  const F = o.driftFields;
  const K = loadings.K;
  const nGrid = anatomy.mask.length;
  const raw = new Int16Array(nGrid);
  const pre = new Int16Array(nGrid);
  const noise = new Float32Array(nB);
  const signal = new Float32Array(nB);
  const e = new Float32Array(nB);
  const eta = new Float64Array(M);
  const g = new Float64Array(1);
  const scratch = new Float64Array(nB);
  // Position of each brain voxel in the observer's list (−1: not observed).
  const obsIndex = new Int32Array(nB).fill(-1);
  if (observer) {
    observer.voxels.forEach((q, i) => {
      obsIndex[q] = i;
    });
  }

  for (let r = 0; r < runs.length; r++) {
    const run = runs[r] as RunInput;
    const T = run.nScans;
    const rr = rng.fork(`run:${run.name}`);
    initAr1(e, rr);
    initAr1(eta, rr);
    initAr1(g, rr);
    // Drift coefficients of this run: smooth fields mixed at random, plus a voxel-specific part.
    const J = o.driftOrder;
    const coef = new Float32Array(J * nB);
    for (let j = 0; j < J; j++) {
      const mix = Array.from({ length: F }, () => rr.normal() / Math.sqrt(F));
      const sd = o.driftPct / (j + 1);
      for (let q = 0; q < nB; q++) {
        let v = 0;
        for (let f = 0; f < F; f++) v += (mix[f] as number) * (model.driftFields[f * nB + q] as number);
        coef[j * nB + q] = sd * (0.8 * v + 0.6 * rr.normal());
      }
    }
    const cosines = cosineDrift(T, J);
    const spikes = new Map<number, { amp: number; dir: number }>();
    for (const t of motionSpikes(T, o.spikeRate, rr)) {
      spikes.set(t, { amp: rr.range(...o.spikePct) * (rr.chance(0.5) ? 1 : -1), dir: rr.range(-1, 1) });
    }
    const observe = observer?.wants(r) ?? false;
    const nObs = observer?.voxels.length ?? 0;
    const obsSignal = observe ? new Float32Array(nObs * T) : null;
    const obsNoise = observe ? new Float32Array(nObs * T) : null;

    const sink = await openRun(r);
    const z = Z[r] as Float64Array;
    for (let t = 0; t < T; t++) {
      if (t > 0) {
        stepAr1(e, params.arPhi, rr, scratch);
        stepAr1(eta, o.spatialPhi, rr, scratch);
        stepAr1(g, o.globalPhi, rr, scratch);
      }
      // Noise: voxel AR + smooth modes + global + drift.
      const sw = params.whitePct;
      const ss = o.spatialPct / Math.sqrt(M);
      const gg = o.globalPct * (g[0] as number);
      for (let q = 0; q < nB; q++) noise[q] = sw * (e[q] as number) + gg * (model.globalCoef[q] as number);
      for (let m = 0; m < M; m++) {
        const a = ss * (eta[m] as number);
        const base = m * nB;
        for (let q = 0; q < nB; q++) noise[q] = (noise[q] as number) + a * (model.modes[base + q] as number);
      }
      for (let j = 0; j < J; j++) {
        const c = cosines[j * T + t] as number;
        const base = j * nB;
        for (let q = 0; q < nB; q++) noise[q] = (noise[q] as number) + c * (coef[base + q] as number);
      }
      // Tuned signal.
      signal.fill(0);
      const zt = t * K;
      for (let i = 0; i < loadings.voxels.length; i++) {
        let s = 0;
        const li = i * K;
        for (let k = 0; k < K; k++) s += (loadings.L[li + k] as number) * (z[zt + k] as number);
        signal[loadings.voxels[i] as number] = s;
      }
      const spike = spikes.get(t);
      for (let q = 0; q < nB; q++) {
        const p = anatomy.brain[q] as number;
        const b = anatomy.baseline[q] as number;
        const clean = (signal[q] as number) + (noise[q] as number);
        let m = 0;
        if (spike) m = spike.amp * (anatomy.edge[q] as number) * (1 + spike.dir * (model.xhat[q] as number));
        raw[p] = clampI16(b * (1 + 0.01 * (clean + m)));
        pre[p] = clampI16(b * (1 + 0.01 * (clean + o.preprocSpikeFactor * m)));
        if (obsSignal && obsNoise) {
          const oi = obsIndex[q] as number;
          if (oi >= 0) {
            obsSignal[oi * T + t] = signal[q] as number;
            obsNoise[oi * T + t] = (noise[q] as number) + o.preprocSpikeFactor * m;
          }
        }
      }
      await sink.write(raw, pre);
      onScan?.(r, t);
    }
    await sink.end();
    if (observe && observer && obsSignal && obsNoise) observer.run(r, obsSignal, obsNoise, T);
  }
}

function clampI16(v: number): number {
  const r = Math.round(v);
  return Math.min(I16_MAX, Math.max(I16_MIN, r));
}
