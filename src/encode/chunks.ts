/**
 * Voxelwise encoding split into chunks: one chunk is ONE feature space fitted on ONE
 * voxel range [v0, v1) of a subject — the fit, test r and R², explainable variance,
 * block-permutation p and the per-permutation maximum of the null — written into a
 * folder. The merge reads every chunk of a subject and does what needs all voxels at
 * once: BH FDR and max-statistic FWER over the whole brain, the paired comparisons
 * between spaces, variance partitioning, the kept time courses and the saved models;
 * then the maps and tables are written as by `encodeSubject`.
 *
 * Chunking does not change the statistics: the permutations of the null are drawn
 * from the seed alone and shared by every voxel (`setUpEncoding`), the FWER max over
 * the brain is the max of the chunks' maxima, and FDR runs after the merge. The fit of
 * a voxel does not depend on its neighbours, and the ridge engine makes its products on
 * the mask's fixed grid of voxel blocks (VOXEL_BLOCK), so any chunking gives the bytes
 * of the in-process fit (for the same numeric backend and thread count).
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { readNpy, writeNpy } from '../io/npy.js';
import { Matrix } from '../linalg/matrix.js';
import { UserError } from '../util/errors.js';
import {
  bandedSpecs,
  describeSpace,
  type EncodingSetup,
  type FitSubjectInput,
  featureLabel,
  finishEncoding,
  fitVoxelRange,
  type SpaceArrays,
  type SpaceDescription,
  type SubjectEncoding,
  setUpEncoding,
  timecourseCandidates,
  timecourseKeeper,
  VOXEL_BLOCK,
} from './fit.js';
import { CoefWriter, type EncodingModelPart } from './model.js';
import { type EncodingSummary, writeSubjectEncoding } from './outputs.js';
import { resolveFeatureSpaces } from './spaces.js';

/** The spaces a subject's encoding fits, in fit order: the requested ones, then the banded models. */
export function encodingSpaceNames(features: string[], banded = false): string[] {
  const specs = resolveFeatureSpaces(features);
  return [...specs, ...(banded ? bandedSpecs(specs).map((b) => b.spec) : [])].map((s) => s.name);
}

/**
 * Voxel ranges [start, end) of at most `chunkVoxels` voxels covering 0..nVoxels; from
 * VOXEL_BLOCK voxels up, a whole number of blocks each (`chunkVoxels` rounded down), so
 * no range cuts a block of the ridge engine's grid (a cut block is computed padded).
 */
export function voxelChunks(nVoxels: number, chunkVoxels: number): Array<[number, number]> {
  if (!Number.isInteger(chunkVoxels) || chunkVoxels < 1)
    throw new UserError(`chunkVoxels must be a whole number ≥ 1, got ${chunkVoxels}`, {
      field: 'encode.chunkVoxels',
    });
  const step = chunkVoxels >= VOXEL_BLOCK ? chunkVoxels - (chunkVoxels % VOXEL_BLOCK) : chunkVoxels;
  const out: Array<[number, number]> = [];
  for (let v = 0; v < nVoxels; v += step) out.push([v, Math.min(nVoxels, v + step)]);
  return out;
}

/** What `chunk.json` records (the arrays are `.npy` files beside it). */
export interface EncodingChunkMeta {
  format: 1;
  subject: string;
  space: string;
  /** Position of the space in `encodingSpaceNames`. */
  index: number;
  parts: EncodingModelPart[];
  dim: number;
  nFeatures: number;
  members?: string[];
  v0: number;
  v1: number;
  /** Voxels of the whole mask. */
  nVoxels: number;
  nPerm: number;
  compareBlocks: number;
  voxelBatch: number;
  nBatches: number;
  cvSeconds: number;
  featureSeconds: number;
  fitSeconds: number;
  /** Masker columns of this range whose test time courses are saved (`tc-columns.npy`). */
  timecourseColumns: number;
  notes: string[];
}

export interface FitChunkInput extends Omit<FitSubjectInput, 'modelsDir'> {
  /** The one space this chunk fits (a name of `encodingSpaceNames`). */
  space: string;
  /** Masker columns [start, end). */
  voxels: [number, number];
  /** The (existing, empty) folder the chunk is written into. */
  dir: string;
}

/**
 * Fits one space on one voxel range and writes into `dir`: `chunk.json`; per voxel of
 * the range (float64, length nb) `r`, `r2`, `p`, `alpha`, `intercept`, `ev`;
 * `blockC` (k × nb), `gammas` (bands × nb, banded models), `maxNull` (n_perm),
 * `coef` (nb × n_features, float32, voxel-major) and, for the time-course candidates
 * of the range, `tc-columns` (int32, nc), `tc-measured` and `tc-predicted` (float32, nc × n_test).
 */
export async function fitEncodingChunk(input: FitChunkInput): Promise<EncodingChunkMeta> {
  const names = encodingSpaceNames(input.features, input.options?.banded ?? false);
  if (!names.includes(input.space)) {
    throw new UserError(`encoding chunk: no space "${input.space}" among ${names.join(', ')}`, {
      field: 'space',
    });
  }
  const s = await setUpEncoding(input, (name) => name === input.space);
  const [v0, v1] = input.voxels;
  if (!(Number.isInteger(v0) && Number.isInteger(v1) && v0 >= 0 && v0 < v1 && v1 <= s.V)) {
    throw new UserError(`encoding chunk: voxels [${v0}, ${v1}) are not a range of the ${s.V}-voxel mask`, {
      field: 'voxels',
      hint: 'plan chunks with voxelChunks(nVoxels, chunkVoxels) on the same mask',
    });
  }
  const dir = resolve(input.dir);
  await mkdir(dir, { recursive: true });
  const p = s.prepared[0]!;
  const writer = await CoefWriter.open(dir, v1 - v0, p.Xtrain.cols);
  const tc = timecourseSaver(s);
  let fit: Awaited<ReturnType<typeof fitVoxelRange>>;
  try {
    fit = await fitVoxelRange(s, v0, v1, { coef: [writer], offer: tc.offer });
    await writer.commit();
  } catch (e) {
    await writer.abort();
    throw e;
  }
  if (!s.fmriCache && fit.nBatches > 1)
    s.notes.push('no run cache: every voxel batch preprocesses the runs again');
  const a = fit.spaces[0]!;
  const nb = v1 - v0;
  const save = (name: string, data: Float64Array | Float32Array | Int32Array, shape: number[]) =>
    writeNpy(join(dir, `${name}.npy`), data, shape);
  for (const k of ['r', 'r2', 'p', 'alpha', 'intercept'] as const) await save(k, a[k], [nb]);
  await save('ev', fit.ev, [nb]);
  await save('blockC', a.blockC, [fit.compareBlocks, nb]);
  if (a.gammas) await save('gammas', a.gammas, [a.gammas.length / nb, nb]);
  await save('maxNull', a.maxNull, [a.maxNull.length]);
  const kept = tc.finish();
  await save('tc-columns', kept.columns, [kept.columns.length]);
  await save('tc-measured', kept.measured, [kept.columns.length, s.nTestAvg]);
  await save('tc-predicted', kept.predicted, [kept.columns.length, s.nTestAvg]);
  const d = describeSpace(p);
  const meta: EncodingChunkMeta = {
    format: 1,
    subject: `sub-${s.id}`,
    space: d.spec.name,
    index: d.index,
    parts: d.parts,
    dim: d.dim,
    nFeatures: d.nFeatures,
    members: d.members,
    v0,
    v1,
    nVoxels: s.V,
    nPerm: s.nPerm,
    compareBlocks: fit.compareBlocks,
    voxelBatch: fit.voxelBatch,
    nBatches: fit.nBatches,
    cvSeconds: a.cvSeconds,
    featureSeconds: s.featureSeconds,
    fitSeconds: fit.seconds,
    timecourseColumns: kept.columns.length,
    notes: s.notes,
  };
  await writeFile(join(dir, 'chunk.json'), `${JSON.stringify(meta, null, 2)}\n`);
  return meta;
}

/**
 * Keeps the measured and predicted test time courses of every candidate voxel of a
 * chunk: which voxels the studio keeps is decided over the whole brain and all spaces
 * (best r in any space), which no single chunk can know.
 */
function timecourseSaver(s: EncodingSetup) {
  const cand = timecourseCandidates(s);
  const on = Math.floor(s.o.timecourseVoxels) > 0;
  const T = s.nTestAvg;
  const cols: number[] = [];
  const measured: Float32Array[] = [];
  const predicted: Float32Array[] = [];
  return {
    offer: (v0: number, Yavg: Matrix, P: Matrix[]) => {
      if (!on) return;
      const nb = Yavg.cols;
      for (let j = 0; j < nb; j++) {
        if (cand && !cand[v0 + j]) continue;
        cols.push(v0 + j);
        const m = new Float32Array(T);
        const q = new Float32Array(T);
        for (let t = 0; t < T; t++) {
          m[t] = Yavg.data[t * nb + j] as number;
          q[t] = P[0]!.data[t * nb + j] as number;
        }
        measured.push(m);
        predicted.push(q);
      }
    },
    finish: () => {
      const n = cols.length;
      const M = new Float32Array(n * T);
      const Q = new Float32Array(n * T);
      for (let i = 0; i < n; i++) {
        M.set(measured[i]!, i * T);
        Q.set(predicted[i]!, i * T);
      }
      return { columns: Int32Array.from(cols), measured: M, predicted: Q };
    },
  };
}

async function readChunkMeta(dir: string): Promise<EncodingChunkMeta> {
  return JSON.parse(await readFile(join(dir, 'chunk.json'), 'utf8')) as EncodingChunkMeta;
}

async function npy<T extends Float64Array | Float32Array | Int32Array>(
  dir: string,
  name: string,
): Promise<T> {
  return (await readNpy(join(dir, `${name}.npy`))).data as T;
}

export interface MergeChunksInput extends Omit<FitSubjectInput, 'clipFeatures'> {
  /** Folders written by `fitEncodingChunk`: every space × every range of the subject, in any order. */
  chunks: string[];
}

/** Assembles a subject's encoding from its chunks (whole-brain FDR, FWER, comparisons, models). */
export async function mergeEncodingChunks(input: MergeChunksInput): Promise<SubjectEncoding> {
  const s = await setUpEncoding(input, () => false);
  const V = s.V;
  const metas = await Promise.all(input.chunks.map(async (dir) => ({ dir, meta: await readChunkMeta(dir) })));
  // Per space (fit order), its chunks by range; each space must cover the mask exactly once.
  const bySpace = s.allSpecs.map((spec, index) => {
    const mine = metas.filter((c) => c.meta.index === index && c.meta.space === spec.name);
    mine.sort((a, b) => a.meta.v0 - b.meta.v0);
    let at = 0;
    for (const c of mine) {
      if (c.meta.nVoxels !== V || c.meta.v0 !== at) {
        throw new Error(
          `encoding chunks of ${spec.name} for sub-${s.id} do not tile the ${V}-voxel mask: [${c.meta.v0}, ${c.meta.v1}) after ${at} (${c.dir})`,
        );
      }
      at = c.meta.v1;
    }
    if (at !== V)
      throw new Error(`encoding chunks of ${spec.name} for sub-${s.id} end at voxel ${at} of ${V}`);
    return mine;
  });
  const ranges = bySpace[0]!.map((c) => [c.meta.v0, c.meta.v1] as const);
  for (const mine of bySpace) {
    if (mine.length !== ranges.length || mine.some((c, i) => c.meta.v0 !== ranges[i]![0]))
      throw new Error(`encoding chunks of sub-${s.id}: every space must be split at the same voxels`);
  }
  const extra = metas.length - bySpace.reduce((a, m) => a + m.length, 0);
  if (extra) throw new Error(`${extra} encoding chunk(s) of sub-${s.id} belong to no space of this encoding`);

  const k = bySpace[0]![0]!.meta.compareBlocks;
  const nPerm = s.nPerm;
  const ev = new Float64Array(V);
  const spaces: (SpaceDescription & { arrays: SpaceArrays })[] = [];
  for (const [index, mine] of bySpace.entries()) {
    const m0 = mine[0]!.meta;
    const bands = m0.members?.length ?? 0;
    const arrays: SpaceArrays = {
      r: new Float64Array(V),
      r2: new Float64Array(V),
      p: new Float64Array(V),
      alpha: new Float64Array(V),
      intercept: new Float64Array(V),
      blockC: new Float64Array(k * V),
      gammas: bands ? new Float64Array(bands * V) : undefined,
      maxNull: new Float64Array(nPerm).fill(Number.NEGATIVE_INFINITY),
      cvSeconds: 0,
    };
    for (const { dir, meta } of mine) {
      const nb = meta.v1 - meta.v0;
      for (const key of ['r', 'r2', 'p', 'alpha', 'intercept'] as const)
        arrays[key].set(await npy<Float64Array>(dir, key), meta.v0);
      if (index === 0) ev.set(await npy<Float64Array>(dir, 'ev'), meta.v0);
      const bc = await npy<Float64Array>(dir, 'blockC');
      for (let b = 0; b < k; b++) arrays.blockC.set(bc.subarray(b * nb, (b + 1) * nb), b * V + meta.v0);
      if (arrays.gammas) {
        const g = await npy<Float64Array>(dir, 'gammas');
        for (let b = 0; b < bands; b++) arrays.gammas.set(g.subarray(b * nb, (b + 1) * nb), b * V + meta.v0);
      }
      const mx = await npy<Float64Array>(dir, 'maxNull');
      for (let q = 0; q < nPerm; q++)
        if ((mx[q] as number) > (arrays.maxNull[q] as number)) arrays.maxNull[q] = mx[q] as number;
      arrays.cvSeconds += meta.cvSeconds;
    }
    spaces.push({
      spec: s.allSpecs[index]!,
      index,
      parts: m0.parts,
      dim: m0.dim,
      nFeatures: m0.nFeatures,
      members: m0.members,
      arrays,
    });
  }

  // Saved models: the chunks' coefficients, concatenated in voxel order.
  const modelDirs = spaces.map((d) =>
    input.modelsDir ? join(input.modelsDir, `feat-${featureLabel(d.spec.name)}`) : null,
  );
  for (const [i, d] of modelDirs.entries()) {
    if (!d) continue;
    await mkdir(d, { recursive: true });
    const w = await CoefWriter.open(d, V, spaces[i]!.nFeatures);
    try {
      for (const c of bySpace[i]!) await w.appendVoxelRows(await npy<Float32Array>(c.dir, 'coef'));
      await w.commit();
    } catch (e) {
      await w.abort();
      throw e;
    }
  }

  // Kept time courses: the same pool as the in-process fit, offered range by range.
  const keeper = timecourseKeeper(s, spaces.length);
  const T = s.nTestAvg;
  for (const [ri, [v0, v1]] of ranges.entries()) {
    const nb = v1 - v0;
    const first = bySpace[0]![ri]!.dir;
    const cols = await npy<Int32Array>(first, 'tc-columns');
    if (cols.length === 0) continue;
    const place = (voxelMajor: Float32Array): Matrix => {
      const M = Matrix.zeros(T, nb, 'float32');
      cols.forEach((col, i) => {
        for (let t = 0; t < T; t++) M.data[t * nb + (col - v0)] = voxelMajor[i * T + t] as number;
      });
      return M;
    };
    const Yavg = place(await npy<Float32Array>(first, 'tc-measured'));
    const P: Matrix[] = [];
    for (const mine of bySpace) P.push(place(await npy<Float32Array>(mine[ri]!.dir, 'tc-predicted')));
    keeper.offer(
      v0,
      Yavg,
      P,
      spaces.map((d) => d.arrays.r.subarray(v0, v1)),
    );
  }

  for (const c of metas) for (const n of c.meta.notes) if (!s.notes.includes(n)) s.notes.push(n);
  const chunks0 = bySpace[0]!.map((c) => c.meta);
  return finishEncoding(s, {
    spaces,
    ev,
    compareBlocks: k,
    voxelBatch: Math.max(...chunks0.map((m) => m.voxelBatch)),
    nBatches: chunks0.reduce((a, m) => a + m.nBatches, 0),
    featureSeconds: metas.reduce((a, c) => a + c.meta.featureSeconds, 0),
    fitSeconds: metas.reduce((a, c) => a + c.meta.fitSeconds, 0),
    timecourses: keeper.finish(),
    modelDirs,
  });
}

/** `mergeEncodingChunks`, then maps, ROI tables and `encoding.json` into `outDir` (as `encodeSubject`). */
export async function encodeSubjectFromChunks(
  input: Omit<MergeChunksInput, 'modelsDir'> & { outDir: string; saveModels?: boolean },
): Promise<EncodingSummary> {
  const out = resolve(input.outDir);
  await mkdir(out, { recursive: true });
  const modelsDir = input.saveModels === false ? undefined : join(out, 'models');
  const enc = await mergeEncodingChunks({ ...input, modelsDir });
  return writeSubjectEncoding(enc, out, { modelsDir });
}
