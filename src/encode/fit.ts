/**
 * Voxelwise encoding for one subject: for each feature space, ridge from the
 * FIR-delayed scan features to every voxel, alpha per voxel by leave-one-run-out
 * CV over the training runs, refit on all of them, prediction of the test runs,
 * scored against the test response averaged over its repetitions (r, R², block
 * permutation p, FDR/FWER), with the noise ceiling from those repetitions.
 *
 * Voxels are processed in batches sized to a memory budget, so the full grid
 * (≈ 160,000 voxels) runs in 4 GB: per batch, each run is read once (from the
 * run cache) and only the batch's columns are kept.
 */

import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { WindowSpec } from '../embed/types.js';
import { defaultFmriCacheDir, RunMatrixCache } from '../fmri/cache.js';
import { buildDesign, type Design, designInputs, loadDesign } from '../fmri/design.js';
import type { Masker } from '../fmri/masker.js';
import { delayRows } from '../fmri/preprocess/fir.js';
import { type PreprocessOptions, resolvePreprocessOptions } from '../fmri/preprocess/options.js';
import { bidsRunSource, runImage, subjectMask } from '../fmri/preprocess/source.js';
import type { BidsDataset } from '../io/bids/discover.js';
import { readNiftiHeader } from '../io/nifti/index.js';
import { Matrix } from '../linalg/matrix.js';
import { fitBandedRidgeCV } from '../ridge/banded.js';
import { fitRidgeCV } from '../ridge/fit.js';
import { logspace } from '../ridge/options.js';
import { cacheDir } from '../util/cache-dir.js';
import { UserError } from '../util/errors.js';
import { type ProgressSink, silentProgress } from '../util/progress.js';
import { isCorticalLabel, type SubjectAtlas, subjectAtlas } from './atlas.js';
import { CoefWriter, type EncodingModelPart, saveEncodingModelMeta } from './model.js';
import {
  averageBlocks,
  type RepetitionLayout,
  repetitionLayout,
  scanFeatures,
  scanIndex,
  standardizeClipFeatures,
} from './scans.js';
import {
  type ClipFeatures,
  checkClipFeatures,
  FEATURE_SPACES,
  type FeatureContext,
  resolveFeatureSpaces,
  type SpaceSpec,
} from './spaces.js';
import {
  benjaminiHochberg,
  blockContributions,
  blockLayout,
  blockPermutationTest,
  circularOffsets,
  circularShiftTest,
  explainableVariance,
  maxStatPValues,
  noiseCeiling,
  normalisedR,
  pairedSignFlipTest,
  partitionR2,
  pearsonColumns,
  permutations,
  r2Columns,
  signFlips,
} from './stats.js';
import { type KeptTimecourses, TimecourseKeeper } from './timecourses.js';

export interface EncodeOptions {
  /** FIR delays in scans (default 1–4). */
  delays?: number[];
  /** Ridge alphas (default logspace(−1, 7, 17)). */
  alphas?: number[];
  /** Block permutations for p-values (default 1,000; 0 skips the test). */
  permutations?: number;
  seed?: number;
  /** FDR level (default 0.05). */
  fdrQ?: number;
  /** Significance by max-statistic FWER (p < fdrQ) instead of BH FDR. */
  fwer?: boolean;
  /**
   * The permutation null: `blocks` (default) shuffles clip-long blocks of the prediction;
   * `shift` rotates each test segment's prediction by a random offset of at least one
   * clip, keeping nearly all autocorrelation (see docs/encoding.md for their calibration).
   */
  nullModel?: 'shift' | 'blocks';
  /** Block length / minimum shift in scans (default: the test clip length, 10 scans for 15-s clips at 1.5 s). */
  blockScans?: number;
  /** Memory budget for the fit, bytes (default 3 GiB: the process stays under 4 GB). */
  maxMemoryBytes?: number;
  /** Upper bound on voxels per batch (the budget may make batches smaller). */
  maxVoxelBatch?: number;
  /** Embedding windows of audio spaces (default 10 s at 1.5 s, shared with decoding and its cache). */
  windows?: WindowSpec;
  /** Preprocessing (drift removal, z-scoring); windowing settings are ignored here. */
  preprocess?: PreprocessOptions;
  /** A mask file on the BOLD grid (default: the intersection of the subject's fMRIPrep brain masks). */
  maskPath?: string;
  /** Use raw BOLD even when preprocessed images exist. */
  raw?: boolean;
  fmriCacheDir?: string | null;
  embeddingCacheDir?: string | null;
  clapModelDir?: string;
  workers?: number;
  /**
   * Regress the run's global signal (mean over all masked voxels, per scan) out of
   * every voxel before fitting: shared slow noise otherwise gives every voxel the
   * same chance fit, so tests become strongly dependent. Default false.
   */
  regressGlobal?: boolean;
  /**
   * Also fit a banded ridge model over all the spaces together (one alpha per space,
   * random search over kernel weights on the simplex) and partition each voxel's test
   * R² into the unique part of each space and the shared part. Needs ≥ 2 spaces with
   * no part in common. Default false.
   */
  banded?: boolean;
  /** Kernel-weight candidates of the banded search (default 20). */
  bandedIter?: number;
  /** Dirichlet concentrations of the candidates, cycled (default [0.1, 1], as himalaya). */
  bandedConcentration?: number[];
  /**
   * Most voxels whose test time courses (measured and predicted, repetition-averaged) are
   * kept for the studio: the atlas's cortical voxels (every masked voxel without an atlas),
   * all of them under the cap, else those with the best r in any space. Default 2,000; 0 keeps none.
   */
  timecourseVoxels?: number;
}

export const ENCODE_DEFAULTS = {
  delays: [1, 2, 3, 4],
  alphas: logspace(-1, 7, 17),
  permutations: 1000,
  seed: 0,
  fdrQ: 0.05,
  fwer: false,
  nullModel: 'blocks' as 'shift' | 'blocks',
  maxMemoryBytes: 3 * 2 ** 30,
  maxVoxelBatch: 65_536,
  banded: false,
  bandedIter: 20,
  bandedConcentration: [0.1, 1] as number[],
  timecourseVoxels: 2000,
};

/**
 * Voxels of one block of the ridge engine's target grid (`TargetGrid`): every product
 * over voxels is made one block of the mask's columns [k·512, (k + 1)·512) at a time,
 * at the block's full width, so a voxel gets the same bytes whether it is fitted with
 * the whole brain, in another voxel batch, or in a chunk job of any range (OpenBLAS
 * rounds an element differently depending on the product's shape and the element's
 * place in it). Batches and chunks are cut at multiples of it where they can be,
 * so that blocks are padded only at the edges of small ranges.
 */
export const VOXEL_BLOCK = 512;

/** Everything computed for one space, per voxel (masker column order). */
export interface SpaceResult {
  spec: SpaceSpec;
  r: Float64Array;
  r2: Float64Array;
  /** r / noise ceiling (NaN where the ceiling is ≤ 0.05). */
  nr: Float64Array;
  /** Block-permutation p (uncorrected); all 1 when permutations = 0. */
  p: Float64Array;
  /** BH q-values. */
  q: Float64Array;
  /** Max-statistic FWER-adjusted p. */
  pFwer: Float64Array;
  significant: Uint8Array;
  alpha: Float64Array;
  /** Features before delays. */
  dim: number;
  cvSeconds: number;
  /** Per-block contributions to r (k × n_voxels, `blockContributions`), for paired comparisons. */
  blockC: Float64Array;
  /** A banded model: its member spaces (one band each) and the chosen kernel weight per band (n_bands × n_voxels). */
  banded?: { members: string[]; gammas: Float64Array };
}

/**
 * Variance partitioning of a banded model's test R²: unique part of each member
 * (R²_joint − R² of the model without it) and the shared rest (R²_joint − Σ unique).
 */
export interface VariancePartition {
  joint: string;
  members: string[];
  /** Per member: the model fitted without it (a single space, or a smaller banded model). */
  without: string[];
  unique: Float64Array[];
  shared: Float64Array;
}

/** A paired comparison of two spaces per voxel: Δr = r_a − r_b, two-sided sign-flip p over test blocks. */
export interface SpaceComparison {
  a: string;
  b: string;
  dr: Float64Array;
  p: Float64Array;
  q: Float64Array;
  /** +1: a better, −1: b better, 0: no difference at the FDR level. */
  winner: Int8Array;
}

export interface SubjectEncoding {
  subject: string;
  masker: Masker;
  dataset: BidsDataset;
  design: Design;
  spaces: SpaceResult[];
  comparisons: SpaceComparison[];
  /** Unique and shared variance, when a banded model was fitted. */
  partition?: VariancePartition;
  /** Sign flips shared by every paired test (n_perm × blocks), and the number of blocks. */
  flips: Int8Array;
  compareBlocks: number;
  /** Explainable variance of one presentation (bias-corrected). */
  ev: Float64Array;
  /** √(R·EV/(1 + (R−1)·EV)): the best r against the repetition average. */
  ceiling: Float64Array;
  repetitions: number;
  nTrainScans: number;
  nTestScans: number;
  voxelBatch: number;
  nBatches: number;
  permutationNull: { model: 'shift' | 'blocks'; blocks?: number; blockScans: number; segments: number[] };
  options: Required<Pick<EncodeOptions, 'delays' | 'alphas' | 'permutations' | 'seed' | 'fdrQ' | 'fwer'>> & {
    banded?: { iter: number; concentration: number[] };
  };
  seconds: { features: number; fit: number; total: number };
  notes: string[];
  /** The subject's atlas on the mask's grid (null when it has none there). */
  atlas: SubjectAtlas | null;
  /** Test time courses kept for the studio (`timecourseVoxels`). */
  timecourses: KeptTimecourses;
}

export interface FitSubjectInput {
  /** Dataset root or a discovered dataset. */
  dataset: string | BidsDataset;
  design?: Design;
  subject: string;
  features: string[];
  options?: EncodeOptions;
  /** Where the fitted models go (`<modelsDir>/feat-<label>/`); none saved when absent. */
  modelsDir?: string;
  /** Precomputed clip features by part name (bypasses the registry; tests and custom spaces). */
  clipFeatures?: Record<string, ClipFeatures>;
  progress?: ProgressSink;
  log?: (line: string) => void;
}

/** A BIDS-safe label for a space name (`dsp+genre` → `dspgenre`). */
export function featureLabel(name: string): string {
  return name.replace(/[^A-Za-z0-9]/g, '');
}

export interface PreparedSpace {
  spec: SpaceSpec;
  /** Position in `[...features, ...banded models]`. */
  index: number;
  parts: EncodingModelPart[];
  dim: number;
  Xtrain: Matrix<Float32Array>;
  /** Delayed features of each test run (all scans). */
  Xtest: Matrix<Float32Array>[];
  /** Banded models: the member spaces and the band of each column of X. */
  banded?: { members: string[]; bands: Int32Array };
}

/** The name of the banded model over `members` (BIDS label `banded<a><b>…`). */
export function bandedName(members: readonly string[]): string {
  return `banded(${members.join(',')})`;
}

/**
 * The banded models variance partitioning needs: all spaces together, and for more
 * than two spaces each leave-one-out subset (with two, the single spaces serve).
 */
export function bandedSpecs(specs: SpaceSpec[]): { spec: SpaceSpec; members: SpaceSpec[] }[] {
  if (specs.length < 2) {
    throw new UserError(`banded ridge needs at least two feature spaces, got ${specs.length}`, {
      field: 'banded',
      hint: 'e.g. --features dsp,genre --banded',
    });
  }
  const owner = new Map<string, string>();
  for (const s of specs) {
    for (const p of s.parts) {
      const o = owner.get(p);
      if (o !== undefined) {
        throw new UserError(`banded ridge: "${p}" is part of both "${o}" and "${s.name}"`, {
          field: 'features',
          hint: 'give spaces with no part in common (each space is one band)',
        });
      }
      owner.set(p, s.name);
    }
  }
  const sets = [specs];
  if (specs.length > 2) for (let i = 0; i < specs.length; i++) sets.push(specs.filter((_, k) => k !== i));
  return sets.map((members) => ({
    spec: { name: bandedName(members.map((m) => m.name)), parts: members.flatMap((m) => m.parts) },
    members,
  }));
}

export async function fitSubjectEncoding(input: FitSubjectInput): Promise<SubjectEncoding> {
  const s = await setUpEncoding(input, () => true);
  const modelDirs = s.prepared.map((p) =>
    input.modelsDir ? join(input.modelsDir, `feat-${featureLabel(p.spec.name)}`) : null,
  );
  const writers: (CoefWriter | null)[] = [];
  for (const [k, d] of modelDirs.entries()) {
    if (d) await mkdir(d, { recursive: true });
    writers.push(d ? await CoefWriter.open(d, s.V, s.prepared[k]!.Xtrain.cols) : null);
  }
  const keeper = timecourseKeeper(s);
  let fit: RangeFit;
  try {
    fit = await fitVoxelRange(s, 0, s.V, {
      coef: writers,
      offer: (v0, Yavg, P, r) => keeper.offer(v0, Yavg, P, r),
    });
    for (const w of writers) await w?.commit();
  } catch (e) {
    for (const w of writers) await w?.abort();
    throw e;
  }
  if (!s.fmriCache && fit.nBatches > 1)
    s.notes.push('no run cache: every voxel batch preprocesses the runs again');
  return finishEncoding(s, {
    spaces: s.prepared.map((p, k) => ({ ...describeSpace(p), arrays: fit.spaces[k]! })),
    ev: fit.ev,
    compareBlocks: fit.compareBlocks,
    voxelBatch: fit.voxelBatch,
    nBatches: fit.nBatches,
    featureSeconds: s.featureSeconds,
    fitSeconds: fit.seconds,
    timecourses: keeper.finish(),
    modelDirs,
  });
}

/** What the fit, the chunks and the merge share about one subject: design, mask, layouts, the null's permutations, and the prepared spaces. */
export type EncodingSetup = Awaited<ReturnType<typeof setUpEncoding>>;

/**
 * Everything before the voxels are read: options, design, mask, atlas, test layouts,
 * the permutations of the null (one set for every voxel, drawn from the seed alone, so
 * p-values do not depend on how voxels are split into batches or chunks), and the
 * features of the spaces `want` names (in `[...features, ...banded models]` order).
 */
export async function setUpEncoding(input: FitSubjectInput, want: (space: string) => boolean) {
  const t0 = performance.now();
  const progress = input.progress ?? silentProgress;
  const log = input.log ?? (() => {});
  const o = { ...ENCODE_DEFAULTS, ...stripUndefined(input.options ?? {}) };
  const notes: string[] = [];
  const specs = resolveFeatureSpaces(input.features);
  const banded = o.banded ? bandedSpecs(specs) : [];
  if (o.delays.length === 0 || o.delays.some((d) => !Number.isInteger(d) || d < 0)) {
    throw new UserError(`delays must be non-negative integers (scans), got [${o.delays.join(', ')}]`, {
      field: 'delays',
      hint: 'e.g. --delays 1,2,3,4',
    });
  }
  let ds: BidsDataset;
  let design: Design;
  if (typeof input.dataset === 'string') {
    const l = await loadDesign(input.dataset);
    ds = l.dataset;
    design = input.design ?? l.design;
  } else {
    ds = input.dataset;
    design = input.design ?? buildDesign(designInputs(ds));
  }
  const id = input.subject.replace(/^sub-/, '');
  if (!ds.subjects.some((s) => s.id === id)) {
    throw new UserError(`subject sub-${id} is not in the dataset`, {
      file: ds.root,
      field: 'subject',
      hint: `subjects: ${ds.subjects.map((s) => `sub-${s.id}`).join(', ')}`,
    });
  }
  const masker = await subjectMask(ds, id, o.maskPath);
  const V = masker.nVoxels;
  const atlas = await subjectAtlas(ds, id, masker, notes);
  const pre = o.preprocess ?? resolvePreprocessOptions();

  // Scans per run, from the headers (cheap), so features can be laid out before any data is read.
  const nScans: number[] = [];
  for (const sched of design.runs) {
    const { image } = runImage(ds, id, sched, o.raw);
    const h = await readNiftiHeader(image);
    masker.checkImage(h);
    nScans.push(h.dims[3] ?? 1);
  }
  const trainRuns = design.runs.flatMap((r, i) => (r.split === 'train' ? [i] : []));
  const testRuns = design.runs.flatMap((r, i) => (r.split === 'test' ? [i] : []));
  if (trainRuns.length < 2 || testRuns.length < 1) {
    throw new UserError(
      `encoding needs ≥ 2 training runs and ≥ 1 test run, the design has ${trainRuns.length} and ${testRuns.length}`,
      { file: ds.root, hint: 'check the task names (train/test) of the runs' },
    );
  }
  const layouts: RepetitionLayout[] = testRuns.map((i) =>
    repetitionLayout(design, design.runs[i]!, nScans[i] as number),
  );
  const R = layouts[0]!.starts.length;
  if (layouts.some((l) => l.starts.length !== R)) {
    throw new UserError('test runs have different numbers of repetitions', {
      file: design.runs[testRuns[0]!]!.eventsFile,
      hint: 'every test run must repeat its clips equally often',
    });
  }
  const segL = layouts.map((l) => l.length);
  const nTestAvg = segL.reduce((a, b) => a + b, 0);
  const nTrain = trainRuns.reduce((a, i) => a + (nScans[i] as number), 0);
  const nTestFull = testRuns.reduce((a, i) => a + (nScans[i] as number), 0);
  const clipDur = design.runs[testRuns[0]!]!.events[0]?.duration ?? 15;
  const blockScans = o.blockScans ?? Math.max(1, Math.round(clipDur / design.tr));
  const nPerm = o.permutations;
  const layout = o.nullModel === 'blocks' ? blockLayout(segL, blockScans) : null;
  const perms =
    nPerm === 0
      ? new Int32Array(0)
      : layout
        ? permutations(layout.starts.length, nPerm, `encode:${o.seed}`)
        : circularOffsets(segL, nPerm, blockScans, `encode:${o.seed}`);

  // Features: each part once, standardised on training clips, laid out on the scans.
  const tf = performance.now();
  const ctx: FeatureContext = {
    root: ds.root,
    clips: design.clips,
    windows: o.windows,
    cacheDir: o.embeddingCacheDir === undefined ? cacheDir('embed') : o.embeddingCacheDir,
    clapModelDir: o.clapModelDir,
    workers: o.workers,
    progress,
    memo: new Map(),
  };
  const allSpecs = [...specs, ...banded.map((b) => b.spec)];
  const wanted = allSpecs.flatMap((spec, index) => (want(spec.name) ? [{ spec, index }] : []));
  const partNames = [...new Set(wanted.flatMap((w) => w.spec.parts))];
  const parts = new Map<
    string,
    { features: ClipFeatures; perClip: Matrix<Float32Array>[]; meta: EncodingModelPart }
  >();
  for (const name of partNames) {
    const f = input.clipFeatures?.[name] ?? (await FEATURE_SPACES[name]!.compute(ctx));
    checkClipFeatures(name, f, design.clips);
    const { standardizer, perClip } = standardizeClipFeatures(f, design.clips);
    parts.set(name, {
      features: f,
      perClip,
      meta: {
        name,
        kind: f.kind,
        dim: f.dim,
        windows: f.windows,
        standardizer: standardizer.state,
        fingerprint: f.fingerprint,
      },
    });
    log(`features: ${name} ${f.dim}-d per ${f.kind}`);
  }
  const indices = design.runs.map((r, i) => scanIndex(design, r, nScans[i] as number));
  const prepared: PreparedSpace[] = wanted.map(({ spec, index: k }) => {
    const ps = spec.parts.map((n) => parts.get(n)!);
    const dim = ps.reduce((a, p) => a + p.features.dim, 0);
    const nf = dim * o.delays.length;
    const Xtrain = Matrix.zeros(nTrain, nf, 'float32');
    let row = 0;
    for (const i of trainRuns) {
      const D = delayRows(scanFeatures(indices[i]!, ps), o.delays);
      Xtrain.data.set(D.data, row * nf);
      row += D.rows;
    }
    const Xtest = testRuns.map((i) => delayRows(scanFeatures(indices[i]!, ps), o.delays));
    const b = k >= specs.length ? banded[k - specs.length]! : null;
    if (!b) return { spec, index: k, parts: ps.map((p) => p.meta), dim, Xtrain, Xtest };
    // delayRows lays columns out delay-major (delay i, feature f → i·dim + f).
    const featBand = b.members.flatMap((m, band) =>
      m.parts.flatMap((n) => Array.from({ length: parts.get(n)!.features.dim }, () => band)),
    );
    const bands = Int32Array.from({ length: nf }, (_, c) => featBand[c % dim] as number);
    return {
      spec,
      index: k,
      parts: ps.map((p) => p.meta),
      dim,
      Xtrain,
      Xtest,
      banded: { members: b.members.map((m) => m.name), bands },
    };
  });
  const groups = new Int32Array(nTrain);
  {
    let row = 0;
    trainRuns.forEach((i, g) => {
      groups.fill(g, row, row + (nScans[i] as number));
      row += nScans[i] as number;
    });
  }
  const featureSeconds = (performance.now() - tf) / 1000;
  const fmriCache =
    o.fmriCacheDir === null ? null : new RunMatrixCache(o.fmriCacheDir ?? defaultFmriCacheDir());
  return {
    t0,
    progress,
    log,
    o,
    notes,
    specs,
    banded,
    allSpecs,
    ds,
    design,
    id,
    masker,
    V,
    atlas,
    pre,
    nScans,
    trainRuns,
    testRuns,
    layouts,
    R,
    segL,
    nTestAvg,
    nTrain,
    nTestFull,
    blockScans,
    nPerm,
    layout,
    perms,
    prepared,
    groups,
    featureSeconds,
    fmriCache,
  };
}

/** Per-voxel results of one space over a voxel range [v0, v1) (nb = v1 − v0 voxels). */
export interface SpaceArrays {
  r: Float64Array;
  r2: Float64Array;
  p: Float64Array;
  alpha: Float64Array;
  intercept: Float64Array;
  /** Per-block contributions to r, block-major (k × nb). */
  blockC: Float64Array;
  /** Banded models: the kernel weight per band, band-major (n_bands × nb). */
  gammas?: Float64Array;
  /** Per permutation, the largest null r over the range's voxels (max-statistic FWER: a max of maxes is the whole brain's). */
  maxNull: Float64Array;
  cvSeconds: number;
}

/** A fitted space as the merge sees it: what names it, and its arrays over every voxel. */
export interface SpaceDescription {
  spec: SpaceSpec;
  /** Position in `[...features, ...banded models]`. */
  index: number;
  parts: EncodingModelPart[];
  dim: number;
  /** Columns of the delayed design (dim × delays). */
  nFeatures: number;
  members?: string[];
}

export function describeSpace(p: PreparedSpace): SpaceDescription {
  return {
    spec: p.spec,
    index: p.index,
    parts: p.parts,
    dim: p.dim,
    nFeatures: p.Xtrain.cols,
    members: p.banded?.members,
  };
}

/** The fit of every prepared space over one voxel range. */
export interface RangeFit {
  v0: number;
  v1: number;
  /** Explainable variance, per voxel of the range. */
  ev: Float64Array;
  /** Per prepared space. */
  spaces: SpaceArrays[];
  compareBlocks: number;
  voxelBatch: number;
  nBatches: number;
  seconds: number;
}

/**
 * Fits the prepared spaces on voxels [v0, v1): per batch, each run is read once (from
 * the run cache) and only the batch's columns are kept. The batch size comes from the
 * memory budget; every voxel is independent of the others, and the ridge engine's
 * products run on the mask's grid of VOXEL_BLOCK voxels, so a voxel's numbers do not
 * depend on the batch (nor on the voxel range) at all.
 */
export async function fitVoxelRange(
  s: EncodingSetup,
  v0Range: number,
  v1Range: number,
  sinks: {
    coef: (CoefWriter | null)[];
    /** Sees each batch's measured and predicted test responses (n_test × nb) and r per space. */
    offer?: (v0: number, Yavg: Matrix, P: Matrix[], r: Float64Array[]) => void;
  },
): Promise<RangeFit> {
  const { o, R, nTrain, nTestFull, nTestAvg, nScans, prepared, V, design, layouts, segL, blockScans } = s;
  const { progress, log, layout, perms, groups } = s;
  const nPerm = s.nPerm;
  const nRange = v1Range - v0Range;
  // Voxel batch size: the batch's training, test (R repetitions, their average and the
  // predictions) and scoring arrays, with the ridge engine's working set inside the rest.
  const maxRun = Math.max(...nScans);
  const xBytes = prepared.reduce((a, p) => a + (p.Xtrain.data.byteLength + nTestFull * p.Xtrain.cols * 4), 0);
  const runBytes = maxRun * V * 4;
  // A banded fit keeps its best coefficients and the current candidate's (float32) per voxel.
  const bandedPerVoxel = prepared.reduce((a, p) => a + (p.banded ? 8 * p.Xtrain.cols : 0), 0);
  // (R repetitions, their average, one prediction per space kept until the time-course pool has seen them.)
  const perVoxel =
    4 * (nTrain + nTestFull + (R + 1 + prepared.length) * nTestAvg) + 8 * 4 * nTestAvg + bandedPerVoxel;
  const budget = o.maxMemoryBytes;
  const forBatch = budget * 0.4 - runBytes - xBytes;
  if (forBatch < perVoxel * 64) {
    throw new UserError(
      `a memory budget of ${(budget / 2 ** 30).toFixed(2)} GiB is too small for ${V} voxels × ${maxRun} scans per run`,
      { field: 'maxMemoryBytes', hint: 'raise the budget, or use a smaller mask' },
    );
  }
  const B0 = Math.max(1, Math.min(nRange, o.maxVoxelBatch, Math.floor(forBatch / perVoxel)));
  // Whole grid blocks per batch when a batch holds at least one (see VOXEL_BLOCK).
  const B = B0 < nRange && B0 >= VOXEL_BLOCK ? B0 - (B0 % VOXEL_BLOCK) : B0;
  const nBatches = Math.ceil(nRange / B);
  log(
    `fit: ${nRange === V ? V : `${nRange} of ${V}`} voxels in ${nBatches} batch(es) of ≤ ${B}; ${nTrain} training scans (${s.trainRuns.length} runs), ${nTestAvg} test scans (${R} repetitions averaged)`,
  );
  const source = bidsRunSource({
    dataset: s.ds,
    design,
    subject: s.id,
    mask: s.masker,
    options: s.pre,
    cache: s.fmriCache,
    raw: o.raw,
  });

  const results = prepared.map(
    (p): SpaceArrays => ({
      r: new Float64Array(nRange),
      r2: new Float64Array(nRange),
      p: new Float64Array(nRange).fill(1),
      alpha: new Float64Array(nRange),
      intercept: new Float64Array(nRange),
      blockC: new Float64Array(0),
      gammas: p.banded ? new Float64Array(p.banded.members.length * nRange) : undefined,
      maxNull: new Float64Array(nPerm).fill(Number.NEGATIVE_INFINITY),
      cvSeconds: 0,
    }),
  );
  const ev = new Float64Array(nRange);
  let compareBlocks = 0;
  const tfit = performance.now();
  for (let b = 0; b < nBatches; b++) {
    // v0/v1: masker columns; l0: the same voxel's place in this range's arrays.
    const l0 = b * B;
    const v0 = v0Range + l0;
    const v1 = Math.min(v1Range, v0 + B);
    const nb = v1 - v0;
    const Ytrain = Matrix.zeros(nTrain, nb, 'float32');
    const reps = Array.from({ length: R }, () => Matrix.zeros(nTestAvg, nb, 'float32'));
    progress.start(`encode sub-${s.id}: read runs (batch ${b + 1}/${nBatches})`, design.runs.length);
    let trainRow = 0;
    let testRun = 0;
    let testRow = 0;
    for (let i = 0; i < design.runs.length; i++) {
      const sched = design.runs[i]!;
      const run = await source(sched, i);
      const X = run.X;
      if (X.rows !== nScans[i] || X.cols !== V) {
        throw new UserError(
          `run ${sched.key} gives ${X.rows} scans × ${X.cols} voxels, expected ${nScans[i]} × ${V}`,
          { file: run.file, hint: 'the image and the mask must share the grid; the run must be complete' },
        );
      }
      if (o.regressGlobal) regressGlobalSignal(X, v0, nb);
      if (sched.split === 'train') {
        copyCols(X, v0, nb, Ytrain, trainRow, 0, X.rows);
        trainRow += X.rows;
      } else {
        const l = layouts[testRun]!;
        l.starts.forEach((st, r) => {
          copyCols(X, v0, nb, reps[r]!, testRow, st, l.length);
        });
        testRow += l.length;
        testRun++;
      }
      progress.update(i + 1);
    }
    progress.finish();
    const evb = explainableVariance(reps);
    ev.set(evb, l0);
    const Yavg = Matrix.zeros(nTestAvg, nb, 'float32');
    for (const m of reps)
      for (let k = 0; k < Yavg.data.length; k++)
        Yavg.data[k] = (Yavg.data[k] as number) + (m.data[k] as number);
    for (let k = 0; k < Yavg.data.length; k++) Yavg.data[k] = (Yavg.data[k] as number) / R;
    reps.length = 0;

    const batchP: Matrix[] = [];
    for (const [k, p] of prepared.entries()) {
      const res = results[k]!;
      const tcv = performance.now();
      // The batch's voxels on the mask's grid: the same bytes per voxel whatever the batch or chunk.
      const targetGrid = { offset: v0, width: VOXEL_BLOCK, total: V };
      const ridgeOpts = {
        alphas: o.alphas,
        cv: { kind: 'groups', groups } as const,
        score: 'r2' as const,
        maxMemoryBytes: budget * 0.6,
        targetGrid,
      };
      let model: Awaited<ReturnType<typeof fitRidgeCV>>;
      if (p.banded) {
        const fit = await fitBandedRidgeCV(p.Xtrain, Ytrain, {
          ...ridgeOpts,
          bands: p.banded.bands,
          nIter: o.bandedIter,
          concentration: o.bandedConcentration,
          seed: o.seed,
          progress,
        });
        model = fit.model;
        const g = res.gammas!;
        for (let bb = 0; bb < fit.nBands; bb++)
          g.set(fit.gammas.data.subarray(bb * nb, (bb + 1) * nb), bb * nRange + l0);
      } else {
        model = await fitRidgeCV(p.Xtrain, Ytrain, ridgeOpts);
      }
      res.cvSeconds += (performance.now() - tcv) / 1000;
      const Pavg = Matrix.zeros(nTestAvg, nb, 'float32');
      let row = 0;
      for (const [t, Xt] of p.Xtest.entries()) {
        const P = await model.predict(Xt, undefined, targetGrid);
        const l = layouts[t]!;
        const A = averageBlocks(P, l.starts, l.length);
        Pavg.data.set(A.data, row * nb);
        row += l.length;
      }
      res.r2.set(r2Columns(Yavg, Pavg), l0);
      batchP.push(Pavg);
      const bc = blockContributions(Yavg, Pavg, segL, blockScans);
      if (res.blockC.length === 0) res.blockC = new Float64Array(bc.k * nRange);
      for (let b2 = 0; b2 < bc.k; b2++)
        res.blockC.set(bc.C.subarray(b2 * nb, (b2 + 1) * nb), b2 * nRange + l0);
      compareBlocks = bc.k;
      res.alpha.set(model.alphas, l0);
      res.intercept.set(model.intercept, l0);
      if (nPerm > 0) {
        const pt = layout
          ? blockPermutationTest(Yavg, Pavg, layout, perms)
          : circularShiftTest(Yavg, Pavg, segL, perms);
        res.r.set(pt.r, l0);
        res.p.set(pt.p, l0);
        for (let q = 0; q < nPerm; q++)
          if ((pt.maxNull[q] as number) > (res.maxNull[q] as number))
            res.maxNull[q] = pt.maxNull[q] as number;
      } else {
        res.r.set(pearsonColumns(Yavg, Pavg), l0);
      }
      await sinks.coef[k]?.append(model.coef);
      log(
        `  batch ${b + 1}/${nBatches} ${p.spec.name}: ${nb} voxels, ridge ${model.info.solver} ${((performance.now() - tcv) / 1000).toFixed(1)} s`,
      );
    }
    sinks.offer?.(
      v0,
      Yavg,
      batchP,
      results.map((res) => res.r.subarray(l0, l0 + nb)),
    );
  }
  return {
    v0: v0Range,
    v1: v1Range,
    ev,
    spaces: results,
    compareBlocks,
    voxelBatch: B,
    nBatches,
    seconds: (performance.now() - tfit) / 1000,
  };
}

/** The pool of voxels whose test time courses are kept (see TimecourseKeeper), for every space of `s.allSpecs`. */
export function timecourseKeeper(s: EncodingSetup, nSpaces = s.prepared.length): TimecourseKeeper {
  return new TimecourseKeeper(
    timecourseCandidates(s),
    s.V,
    Math.max(0, Math.floor(s.o.timecourseVoxels)),
    s.nTestAvg,
    nSpaces,
  );
}

/** Per masker column, 1 when the voxel may keep its time course (cortex by the atlas); null = every voxel. */
export function timecourseCandidates(s: EncodingSetup): Uint8Array | null {
  return s.atlas ? Uint8Array.from(s.atlas.labels, (l) => (isCorticalLabel(l) ? 1 : 0)) : null;
}

/**
 * The whole-brain steps once every voxel is fitted: normalised r, FDR (over all voxels,
 * never per batch or chunk) or FWER, the models' metadata, the paired comparisons and
 * the variance partition.
 */
export async function finishEncoding(
  s: EncodingSetup,
  f: {
    /** Every space of the subject, in `allSpecs` order, with arrays over all V voxels. */
    spaces: (SpaceDescription & { arrays: SpaceArrays })[];
    ev: Float64Array;
    compareBlocks: number;
    voxelBatch: number;
    nBatches: number;
    featureSeconds: number;
    fitSeconds: number;
    timecourses: KeptTimecourses;
    modelDirs: (string | null)[];
  },
): Promise<SubjectEncoding> {
  const { o, V, R, masker, design, nPerm, layout, blockScans, segL, banded, specs } = s;
  const notes = s.notes;
  const { compareBlocks } = f;
  const results = f.spaces.map((d): SpaceResult & { maxNull: Float64Array; intercept: Float64Array } => ({
    spec: d.spec,
    r: d.arrays.r,
    r2: d.arrays.r2,
    nr: new Float64Array(V),
    p: d.arrays.p,
    q: new Float64Array(V).fill(1),
    pFwer: new Float64Array(V).fill(1),
    significant: new Uint8Array(V),
    alpha: d.arrays.alpha,
    dim: d.dim,
    cvSeconds: d.arrays.cvSeconds,
    blockC: d.arrays.blockC,
    maxNull: d.arrays.maxNull,
    intercept: d.arrays.intercept,
    banded: d.members ? { members: d.members, gammas: d.arrays.gammas! } : undefined,
  }));
  const ceiling = noiseCeiling(f.ev, R);
  for (const [k, res] of results.entries()) {
    res.nr = normalisedR(res.r, ceiling);
    if (nPerm > 0) {
      res.q = benjaminiHochberg(res.p);
      res.pFwer = maxStatPValues(res.r, res.maxNull);
      const sig = o.fwer ? res.pFwer : res.q;
      for (let j = 0; j < V; j++) res.significant[j] = (sig[j] as number) < o.fdrQ ? 1 : 0;
    }
    const dir = f.modelDirs[k];
    if (dir) {
      await saveEncodingModelMeta(
        dir,
        {
          format: 1,
          kind: 'brain2music-encoding-model',
          subject: `sub-${s.id}`,
          space: res.spec.name,
          parts: f.spaces[k]!.parts,
          delays: o.delays,
          tr: design.tr,
          nVoxels: V,
          dim: f.spaces[k]!.dim,
          grid: { shape: [...masker.shape], affine: masker.affine.map((r) => [...r]) },
          banded: res.banded ? { members: res.banded.members } : undefined,
        },
        {
          intercept: res.intercept,
          alphas: res.alpha,
          voxels: masker.indices,
          gammas: res.banded ? { data: res.banded.gammas, bands: res.banded.members.length } : undefined,
        },
      );
    }
  }
  if (nPerm === 0) notes.push('permutations = 0: no p-values, nothing marked significant');
  const flips = signFlips(compareBlocks, nPerm, `encode-compare:${o.seed}`);
  const comparisons: SpaceComparison[] = [];
  if (nPerm > 0) {
    for (let a = 0; a < results.length; a++) {
      for (let b = a + 1; b < results.length; b++) {
        const A = results[a]!;
        const Bq = results[b]!;
        const t = pairedSignFlipTest(A.blockC, Bq.blockC, compareBlocks, V, flips);
        const q = benjaminiHochberg(t.p);
        const winner = Int8Array.from(q, (x, j) => (x < o.fdrQ ? ((t.dr[j] as number) > 0 ? 1 : -1) : 0));
        comparisons.push({ a: A.spec.name, b: Bq.spec.name, dr: t.dr, p: t.p, q, winner });
      }
    }
  }
  const partition = banded.length ? variancePartition(results, banded[0]!.spec.name, specs) : undefined;
  return {
    subject: `sub-${s.id}`,
    masker,
    dataset: s.ds,
    design,
    spaces: results.map(({ maxNull: _m, intercept: _i, ...r }) => r),
    comparisons,
    partition,
    flips,
    compareBlocks,
    ev: f.ev,
    ceiling,
    repetitions: R,
    nTrainScans: s.nTrain,
    nTestScans: s.nTestAvg,
    voxelBatch: f.voxelBatch,
    nBatches: f.nBatches,
    permutationNull: { model: o.nullModel, blocks: layout?.starts.length, blockScans, segments: segL },
    options: {
      delays: o.delays,
      alphas: o.alphas,
      permutations: nPerm,
      seed: o.seed,
      fdrQ: o.fdrQ,
      fwer: o.fwer,
      banded: banded.length ? { iter: o.bandedIter, concentration: o.bandedConcentration } : undefined,
    },
    seconds: { features: f.featureSeconds, fit: f.fitSeconds, total: (performance.now() - s.t0) / 1000 },
    notes,
    atlas: s.atlas,
    timecourses: f.timecourses,
  };
}

/** Unique variance of each member of the joint banded model, and the shared rest (test R²). */
function variancePartition(results: SpaceResult[], joint: string, members: SpaceSpec[]): VariancePartition {
  const byName = new Map(results.map((r) => [r.spec.name, r]));
  const J = byName.get(joint)!;
  const names = members.map((m) => m.name);
  const without = names.map((_, i) =>
    names.length === 2 ? names[1 - i]! : bandedName(names.filter((_, k) => k !== i)),
  );
  const { unique, shared } = partitionR2(
    J.r2,
    without.map((w) => byName.get(w)!.r2),
  );
  return { joint, members: names, without, unique, shared };
}

/** dst[dstRow + i, :] = src[srcRow + i, c0 : c0 + n] for i < rows. */
function copyCols(
  src: Matrix,
  c0: number,
  n: number,
  dst: Matrix,
  dstRow: number,
  srcRow: number,
  rows: number,
): void {
  const sc = src.cols;
  for (let i = 0; i < rows; i++) {
    const s = (srcRow + i) * sc + c0;
    dst.data.set(src.data.subarray(s, s + n), (dstRow + i) * n);
  }
}

/**
 * Removes, in place for columns [c0, c0 + n) of X (n_scans × n_voxels), the least-squares
 * fit of the global signal g(t) = mean over all columns of X (centred).
 */
function regressGlobalSignal(X: Matrix, c0: number, n: number): void {
  const t = X.rows;
  const v = X.cols;
  const g = new Float64Array(t);
  for (let i = 0; i < t; i++) {
    let acc = 0;
    for (let j = 0; j < v; j++) acc += X.data[i * v + j] as number;
    g[i] = acc / v;
  }
  const gm = g.reduce((a, b) => a + b, 0) / t;
  let gg = 0;
  for (let i = 0; i < t; i++) {
    g[i] = (g[i] as number) - gm;
    gg += (g[i] as number) ** 2;
  }
  if (!(gg > 0)) return;
  for (let j = c0; j < c0 + n; j++) {
    let gx = 0;
    for (let i = 0; i < t; i++) gx += (g[i] as number) * (X.data[i * v + j] as number);
    const beta = gx / gg;
    for (let i = 0; i < t; i++) X.data[i * v + j] = (X.data[i * v + j] as number) - beta * (g[i] as number);
  }
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
