/**
 * Pieces every decoder shares: input checks (one message per mistake, naming the
 * field), the CV groups (training runs folded modulo the fold count), parameter
 * parsing against each decoder's own schema, and small column statistics.
 */
import type { z } from 'zod';
import { Matrix } from '../linalg/matrix.js';
import type { CvSpec } from '../ridge/cv.js';
import type { RidgeCVOptions } from '../ridge/options.js';
import { UserError } from '../util/errors.js';
import { unknownNameHint } from '../util/nearest.js';
import type { DecodeData, Decoder, DecoderOptions, DecoderRuntime } from './types.js';

/** First cortical label in FreeSurfer's aparc.a2009s+aseg numbering (11100 ctx_lh_Unknown … 12175). */
export const FIRST_CORTICAL_LABEL = 11100;

/**
 * Checks that the parts of `data` agree with each other and with what `decoder`
 * needs, before any work: every mismatch is a UserError naming the field.
 */
export function checkDecodeData(data: DecodeData, decoder: Pick<Decoder, 'name' | 'needs'>): void {
  const n = data.trainX.rows;
  const p = data.trainX.cols;
  const where = (field: string) => ({ field: `${data.subject}.${field}` });
  const rowsOf: Array<[string, number]> = [
    ['trainY', data.trainY.rows],
    ['trainRun', data.trainRun.length],
    ['trainClip', data.trainClip.length],
  ];
  for (const [name, rows] of rowsOf) {
    if (rows !== n) {
      throw new UserError(`${name} has ${rows} rows but trainX has ${n}`, {
        ...where(name),
        hint: 'trainX, trainY, trainRun and trainClip need one entry per training window, in the same order',
      });
    }
  }
  if (n < 2 || p < 1 || data.trainY.cols < 1) {
    throw new UserError(
      `nothing to fit: trainX is ${n} × ${p}, trainY ${data.trainY.rows} × ${data.trainY.cols}`,
      {
        ...where('trainX'),
        hint: 'give at least two training rows, one voxel and one embedding dimension',
      },
    );
  }
  if (data.testX.cols !== p) {
    throw new UserError(`testX has ${data.testX.cols} voxels but trainX has ${p}`, {
      ...where('testX'),
      hint: 'extract training and test runs with the same mask',
    });
  }
  if (data.voxelLabels && data.voxelLabels.length !== p) {
    throw new UserError(`voxelLabels has ${data.voxelLabels.length} entries for ${p} voxels`, {
      ...where('voxelLabels'),
      hint: 'give the parcellation label of every voxel of the mask, in column order',
    });
  }
  if (decoder.needs.labels && !data.voxelLabels) {
    throw new UserError(`decoder '${decoder.name}' needs the Destrieux label of every voxel`, {
      ...where('voxelLabels'),
      hint: 'provide the aparc.a2009s+aseg dseg (fMRIPrep derivatives) or choose another decoder',
    });
  }
  if (decoder.needs.others && (!data.others || data.others.length === 0)) {
    throw new UserError(`decoder '${decoder.name}' needs other subjects of the same design`, {
      ...where('others'),
      hint: 'decode at least two subjects in the run, or choose another decoder',
    });
  }
  for (const o of data.others ?? []) {
    if (o.trainX.rows !== n || o.testX.rows !== data.testX.rows) {
      throw new UserError(
        `${o.subject} has ${o.trainX.rows} training and ${o.testX.rows} test rows; ${data.subject} has ${n} and ${data.testX.rows}`,
        {
          field: `others.${o.subject}`,
          hint: 'cross-subject decoders need every subject to have the same windows of the same clips in the same order',
        },
      );
    }
    if (o.testX.cols !== o.trainX.cols) {
      throw new UserError(`${o.subject}: testX has ${o.testX.cols} voxels but trainX has ${o.trainX.cols}`, {
        field: `others.${o.subject}.testX`,
        hint: 'extract training and test runs with the same mask',
      });
    }
  }
  const distinct = new Set(data.trainRun).size;
  if (distinct < 2) {
    throw new UserError(`the training rows come from ${distinct} run(s); cross-validation needs at least 2`, {
      ...where('trainRun'),
      hint: 'label each training row with its run (0-based); the CV groups are runs',
    });
  }
}

/**
 * CV group of each training row: its run modulo `folds`. Runs, not rows, are
 * folded together because windows of one run share slow drifts and overlapping
 * haemodynamic responses; a row-wise split would let neighbours leak across folds.
 */
export function runGroups(trainRun: Int32Array, folds: number): Int32Array {
  if (!Number.isInteger(folds) || folds < 2) {
    throw new UserError(`cvFolds must be an integer ≥ 2, got ${folds}`, {
      field: 'decode.cvFolds',
      hint: 'use e.g. 5',
    });
  }
  const g = new Int32Array(trainRun.length);
  for (let i = 0; i < g.length; i++) g[i] = (trainRun[i] as number) % folds;
  return g;
}

/**
 * Primal or dual for X of n rows × p columns. The engine's rule is dual only when
 * p ≥ n; decoders switch at p ≥ n/2 because the primal solver decomposes the
 * p × p matrix once per fold (6× for 5 folds + refit) while the dual decomposes the
 * n × n kernel once in all: at p ≈ 0.9 n (the twin's cortex: 1,752 voxels, 1,920
 * rows) the dual took half the CPU time of the primal on this kind of machine.
 */
export function solverFor(n: number, p: number): 'primal' | 'dual' {
  return 2 * p >= n ? 'dual' : 'primal';
}

/** The ridge engine's options for a decoder fit on X: the alpha grid, run-grouped CV, the solver. */
export function ridgeOptions(
  options: DecoderOptions,
  groups: Int32Array,
  rt?: DecoderRuntime,
  X?: { rows: number; cols: number },
): RidgeCVOptions & { cv: CvSpec } {
  return {
    alphas: options.alphas,
    cv: { kind: 'groups', groups },
    solver: X ? solverFor(X.rows, X.cols) : 'auto',
    progress: rt?.progress,
    log: rt?.log,
  };
}

/**
 * `params` merged over the decoder's defaults and validated by its schema; an
 * unknown key names the nearest valid one.
 */
export function parseParams<S extends z.ZodType>(
  decoder: string,
  schema: S,
  defaults: Record<string, unknown>,
  params: Record<string, unknown>,
): z.infer<S> {
  const valid = Object.keys(defaults);
  for (const k of Object.keys(params)) {
    if (!valid.includes(k)) {
      throw new UserError(`unknown setting '${k}' for decoder '${decoder}'`, {
        field: `decode.params.${decoder}.${k}`,
        hint: unknownNameHint(k, valid),
      });
    }
  }
  const r = schema.safeParse({ ...defaults, ...params });
  if (!r.success) {
    const issue = r.error.issues[0];
    const path = issue?.path.join('.') ?? '';
    throw new UserError(`bad setting for decoder '${decoder}': ${issue?.message ?? 'invalid'}`, {
      field: `decode.params.${decoder}${path ? `.${path}` : ''}`,
      hint: `defaults: ${JSON.stringify(defaults)}`,
    });
  }
  return r.data as z.infer<S>;
}

/** Pearson r of each column of `a` with the same column of `b` (0 when either is constant). */
export function columnCorrelations(a: Matrix, b: Matrix): Float64Array {
  const { rows, cols } = a;
  const ma = new Float64Array(cols);
  const mb = new Float64Array(cols);
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) {
      ma[j] = (ma[j] as number) + (a.data[i * cols + j] as number);
      mb[j] = (mb[j] as number) + (b.data[i * cols + j] as number);
    }
  }
  for (let j = 0; j < cols; j++) {
    ma[j] = (ma[j] as number) / rows;
    mb[j] = (mb[j] as number) / rows;
  }
  const sab = new Float64Array(cols);
  const saa = new Float64Array(cols);
  const sbb = new Float64Array(cols);
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) {
      const x = (a.data[i * cols + j] as number) - (ma[j] as number);
      const y = (b.data[i * cols + j] as number) - (mb[j] as number);
      sab[j] = (sab[j] as number) + x * y;
      saa[j] = (saa[j] as number) + x * x;
      sbb[j] = (sbb[j] as number) + y * y;
    }
  }
  const r = new Float64Array(cols);
  for (let j = 0; j < cols; j++) {
    const d = Math.sqrt((saa[j] as number) * (sbb[j] as number));
    r[j] = d > 0 ? (sab[j] as number) / d : 0;
  }
  return r;
}

/** The score at each target's chosen alpha: cvScores is n_alphas × n_targets. */
export function scoresAtChosen(
  cvScores: Matrix<Float64Array>,
  alphaGrid: readonly number[],
  chosen: Float64Array,
): Float64Array {
  const t = cvScores.cols;
  const out = new Float64Array(t);
  for (let j = 0; j < t; j++) {
    const i = alphaGrid.indexOf(chosen[j] as number);
    out[j] = i >= 0 ? (cvScores.data[i * t + j] as number) : Number.NaN;
  }
  return out;
}

export function mean(xs: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += xs[i] as number;
  return xs.length ? s / xs.length : Number.NaN;
}

/** Median of the chosen alphas and their range, for `info`. */
export function alphaSummary(alphas: Float64Array): { median: number; min: number; max: number } {
  const s = Array.from(alphas).sort((a, b) => a - b);
  return {
    median: s[Math.floor(s.length / 2)] as number,
    min: s[0] as number,
    max: s[s.length - 1] as number,
  };
}

/** The ridge engine predicts in its working dtype; decoders hand back float32. */
export function asFloat32(M: Matrix): Matrix<Float32Array> {
  return M.dtype === 'float32' ? (M as Matrix<Float32Array>) : M.astype('float32');
}

/** Rows of several matrices with the same columns, one below the other. */
export function stackRows(parts: readonly Matrix<Float32Array>[]): Matrix<Float32Array> {
  const cols = parts[0]?.cols ?? 0;
  const rows = parts.reduce((a, m) => a + m.rows, 0);
  const out = Matrix.zeros(rows, cols, 'float32');
  let o = 0;
  for (const m of parts) {
    out.data.set(m.data, o);
    o += m.data.length;
  }
  return out;
}
