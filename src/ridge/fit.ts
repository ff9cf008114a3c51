/**
 * Ridge regression with one regularisation strength per target, chosen by
 * cross-validation (the himalaya scheme, exact scikit-learn objective).
 *
 * Objective per target: ‖y − Xw − b‖² + α‖w‖² (no 1/n), as scikit-learn's `Ridge`.
 * Per fold the training data is decomposed once (solvers.ts, or once for all
 * folds by the dual solver); each target batch is projected once; then each batch
 * of alphas costs one GEMM plus a scoring pass. Peak memory holds one fold's
 * decomposition and one target batch with one alpha batch's predictions — never
 * n_alphas × n_samples × n_targets (both batch sizes come from the memory budget).
 * Each target then gets its best alpha (ties → the larger alpha) and the model is
 * refitted on all training rows, every target with its own alpha, from one
 * decomposition of the whole training set.
 */
import { getBackend } from '../linalg/index.js';
import { allocate, type DType, type FloatArray, Matrix } from '../linalg/matrix.js';
import { UserError } from '../util/errors.js';
import { silentProgress } from '../util/progress.js';
import {
  columnMeans,
  gather,
  gatherBlock,
  scanColumns,
  scatterCols,
  type TargetBatch,
  targetBatches,
} from './blocks.js';
import { type CvSpec, describeCv, type Fold, makeFolds } from './cv.js';
import { emptyTally, instrument } from './instrument.js';
import { RidgeModel } from './model.js';
import {
  DEFAULT_ALPHAS,
  defaultMaxMemoryBytes,
  formatBytes,
  RIDGE_DEFAULTS,
  type RidgeCVOptions,
  validateAlphas,
} from './options.js';
import { SCORERS, type Scorer } from './scores.js';
import { chooseSolver, type SolverInstance } from './solvers.js';

/** Shapes and element types of X and Y: all a memory plan needs (readable from file headers). */
export interface RidgeShapes {
  n: number;
  p: number;
  t: number;
  xDtype: DType;
  yDtype: DType;
}

/** The working precision: as asked, else float64 for small all-float64 data, else float32. */
function workingDtype(xDtype: DType, yDtype: DType, n: number, p: number, opts: RidgeCVOptions): DType {
  if (opts.dtype && opts.dtype !== 'auto') return opts.dtype;
  return xDtype === 'float64' && yDtype === 'float64' && n * p <= RIDGE_DEFAULTS.autoFloat64MaxEntries
    ? 'float64'
    : 'float32';
}

export interface RidgeMemoryPlan {
  solver: ReturnType<typeof chooseSolver>;
  dtype: DType;
  alphaBatch: number;
  /** Targets per batch, and the number of batches. */
  batch: number;
  nBatches: number;
  /** Planned peak bytes, and the budget it fits in. */
  bytes: number;
  budget: number;
}

/**
 * Plans the memory of a fit (solver, alpha batch, target batch) from the shapes
 * alone, and refuses one that cannot fit, naming what drives the size. Callers
 * with data on disk can run it before reading the data (`checkRidgeFits`).
 */
export function planRidgeMemory(
  shapes: RidgeShapes,
  folds: readonly { test: ArrayLike<number> }[],
  opts: RidgeCVOptions = {},
): RidgeMemoryPlan {
  const { n, p, t } = shapes;
  const dtype = workingDtype(shapes.xDtype, shapes.yDtype, n, p, opts);
  const fitIntercept = opts.fitIntercept ?? RIDGE_DEFAULTS.fitIntercept;
  const nAlphas = (opts.alphas ?? DEFAULT_ALPHAS).length;
  const solver = chooseSolver(n, p, opts.solver ?? RIDGE_DEFAULTS.solver);
  const elt = dtype === 'float32' ? 4 : 8;
  const maxVal = Math.max(...folds.map((f) => f.test.length));
  const budget = opts.maxMemoryBytes ?? defaultMaxMemoryBytes();
  const parts: Record<string, number> = {
    [`X ${n} × ${p} ${dtype}${fitIntercept && shapes.xDtype === dtype ? ' (+ centred copy)' : ''}`]:
      elt * n * p * (fitIntercept && shapes.xDtype === dtype ? 2 : 1),
    [`Y ${n} × ${t}`]: elt * n * t * (shapes.yDtype !== dtype ? 2 : 1),
    [`coef ${p} × ${t}`]: elt * p * t,
    [`CV scores ${nAlphas} alphas × ${t} targets`]: 8 * t * (nAlphas + 3),
    [`the ${solver.name} solver's decomposition`]: solver.fixedBytes(n, p, maxVal, elt),
  };
  // The block-deletion solver keeps, per alpha, the Cholesky factor of a fold's held-out block.
  if (solver.name === 'dual')
    parts[`Cholesky factors of ${nAlphas} alphas × ${maxVal}² held-out blocks`] =
      elt * nAlphas * maxVal * maxVal;
  // Each target of a batch holds the solver's buffers plus one prediction block of
  // n_val rows per alpha of an alpha batch; shrink the alpha batch before the target batch.
  const fixed0 = Object.values(parts).reduce((a, b) => a + b, 0);
  const perTargetFor = (ab: number) => solver.perTargetBytes(n, p, elt) + elt * maxVal * ab;
  let alphaBatch = nAlphas;
  while (alphaBatch > 1 && Math.floor((budget - fixed0) / perTargetFor(alphaBatch)) < Math.min(t, 256)) {
    alphaBatch = Math.ceil(alphaBatch / 2);
  }
  const perTarget = perTargetFor(alphaBatch);
  // The scaled copies of A for one alpha batch (alphaBatch · n_val × k; an upper bound: the
  // solvers scale one alpha at a time, see spectralFold).
  parts[`predictions of ${alphaBatch} alphas × ${maxVal} held-out rows`] =
    elt * alphaBatch * maxVal * solver.rank(n, p);
  const fixed = Object.values(parts).reduce((a, b) => a + b, 0);
  if (fixed + perTarget > budget) {
    const drivers = Object.entries(parts)
      .sort((a, b) => b[1] - a[1])
      .slice(0, 2)
      .map(([what, bytes]) => `${what}: ${formatBytes(bytes)}`)
      .join('; ');
    throw new UserError(
      `ridge needs at least ${formatBytes(fixed + perTarget)} for X ${n} × ${p}, Y ${n} × ${t} with the ${solver.name} solver, over the memory budget of ${formatBytes(budget)} (largest: ${drivers})`,
      {
        field: 'max-memory',
        hint: `raise the budget (maxMemoryBytes / --max-memory)${dtype === 'float64' ? ', work in float32' : ''}, or select fewer features${solver.name === 'dual' ? ' or samples' : ''}`,
      },
    );
  }
  const maxBatch = opts.maxTargetBatch ?? RIDGE_DEFAULTS.maxTargetBatch;
  const grid = opts.targetGrid;
  if (grid) {
    // The grid's blocks are the batches, whatever the budget: a block that does not fit is refused.
    const batches = targetBatches(t, t, grid);
    const batch = Math.max(...batches.map((b) => b.width));
    if (fixed + perTarget * batch > budget) {
      throw new UserError(
        `ridge needs ${formatBytes(fixed + perTarget * batch)} for target blocks of ${batch} (X ${n} × ${p}, Y ${n} × ${t}, ${solver.name} solver), over the memory budget of ${formatBytes(budget)}`,
        {
          field: 'max-memory',
          hint: 'raise the budget (maxMemoryBytes / --max-memory), or select fewer features',
        },
      );
    }
    return {
      solver,
      dtype,
      alphaBatch,
      batch,
      nBatches: batches.length,
      bytes: fixed + perTarget * batch,
      budget,
    };
  }
  const batch = Math.max(1, Math.min(t, maxBatch, Math.floor((budget - fixed) / perTarget)));
  return {
    solver,
    dtype,
    alphaBatch,
    batch,
    nBatches: Math.ceil(t / batch),
    bytes: fixed + perTarget * batch,
    budget,
  };
}

/** Refuses, before any data is read, a fit whose memory plan cannot fit (see `planRidgeMemory`). */
export function checkRidgeFits(shapes: RidgeShapes, opts: RidgeCVOptions = {}): RidgeMemoryPlan {
  return planRidgeMemory(shapes, makeFolds(shapes.n, opts.cv ?? RIDGE_DEFAULTS.cv), opts);
}

/**
 * Fits ridge with a per-target alpha chosen by CV, then refits on all rows.
 * X: n_samples × n_features, Y: n_samples × n_targets (same rows).
 * Returns a model with alphas (n_targets), coef (n_features × n_targets),
 * intercept (n_targets), cvScores (n_alphas × n_targets).
 *
 * Steps: check the inputs, plan memory, decompose, score every alpha per fold
 * (`crossValidate`), pick each target's alpha, refit (`refitCoefficients`), and
 * recover the intercept (`interceptOf`).
 */
export async function fitRidgeCV(X: Matrix, Y: Matrix, opts: RidgeCVOptions = {}): Promise<RidgeModel> {
  const t0 = performance.now();
  const { alphaGrid, cvSpec, scorer, fitIntercept } = resolveFitOptions(opts);
  const { n, p, t } = checkShapes(X, Y);
  const progress = opts.progress ?? silentProgress;
  const log = opts.log ?? (() => {});
  // One pass each: NaN/Inf (error), column means, constant columns.
  const xScan = scanColumns(X, 'X');
  const yScan = scanColumns(Y, 'Y');
  const folds = makeFolds(n, cvSpec);

  const dtype = workingDtype(X.dtype, Y.dtype, n, p, opts);
  const Xd = X.dtype === dtype ? X : X.astype(dtype);
  const Yd = Y.dtype === dtype ? Y : Y.astype(dtype);

  const warnings = checkConstants(xScan.constant, yScan.constant, fitIntercept);
  for (const w of warnings) log(`warning: ${w}`);

  const plan = planRidgeMemory({ n, p, t, xDtype: X.dtype, yDtype: Y.dtype }, folds, opts);
  const { solver, alphaBatch, batch, nBatches } = plan;
  log(
    `ridge: ${solver.name} solver (${p} features ${p < n ? '<' : '≥'} ${n} samples${opts.solver && opts.solver !== 'auto' ? ', forced' : ''}), ${dtype}, ${describeCv(cvSpec, folds)}, ${alphaGrid.length} alphas, ${t} targets in ${nBatches} batch(es) of ≤ ${batch}, alphas in batches of ≤ ${alphaBatch}, planned memory ${formatBytes(plan.bytes)} of ${formatBytes(plan.budget)}`,
  );

  const tally = emptyTally();
  const rawBackend = opts.backend ?? (await getBackend());
  const backend = instrument(rawBackend, tally);
  const xMean = fitIntercept ? xScan.means : null;
  // Centre a copy; when Xd is already our own converted copy, centre it in place.
  const Xc = xMean ? (Xd === X ? gather(Xd, null, 0, p, xMean) : centreInPlace(Xd, xMean)) : Xd;
  const yMean = fitIntercept ? yScan.means : new Float64Array(t);

  const tSetup = performance.now();
  const instance = await solver.create({ backend, X: Xc, Y: Yd, fitIntercept });
  const setupSeconds = (performance.now() - tSetup) / 1000;
  let step = 0;
  progress.start(`ridge ${solver.name} CV`, folds.length * nBatches * alphaGrid.length + nBatches);
  const tick = (message: string) => progress.update(++step, message);

  const tCv = performance.now();
  const batches = targetBatches(t, batch, opts.targetGrid);
  const cvScores = await crossValidate(instance, Yd, folds, {
    alphaGrid,
    alphaBatch,
    batches,
    scorer,
    fitIntercept,
    tick,
  });
  const cvSeconds = (performance.now() - tCv) / 1000;
  const alphas = pickAlphas(cvScores, alphaGrid);

  const tRefit = performance.now();
  const coef = await refitCoefficients(instance, Yd, alphas, fitIntercept ? yMean : null, batches, tick);
  const intercept = xMean ? interceptOf(xMean, yMean, coef) : new Float64Array(t);
  const refitSeconds = (performance.now() - tRefit) / 1000;
  progress.finish(`${solver.name}, ${t} targets`);

  return new RidgeModel({
    coef,
    intercept,
    alphas,
    cvScores,
    info: {
      solver: solver.name,
      score: scorer.name,
      fitIntercept,
      dtype,
      alphaGrid,
      alphaBatch,
      cv: describeCv(cvSpec, folds),
      nFolds: folds.length,
      nSamples: n,
      nFeatures: p,
      nTargets: t,
      targetBatch: batch,
      nBatches,
      timings: {
        total: (performance.now() - t0) / 1000,
        setup: setupSeconds,
        cv: cvSeconds,
        refit: refitSeconds,
      },
      work: tally,
      backend: rawBackend.info.name,
      warnings,
    },
  });
}

/** The options a fit runs with, defaults filled in; refuses an unknown score or a bad alpha grid. */
function resolveFitOptions(opts: RidgeCVOptions): {
  alphaGrid: number[];
  cvSpec: CvSpec;
  scorer: Scorer;
  fitIntercept: boolean;
} {
  const alphaGrid = [...(opts.alphas ?? DEFAULT_ALPHAS)];
  const scorer = SCORERS[opts.score ?? RIDGE_DEFAULTS.score];
  if (!scorer) {
    throw new UserError(`unknown score '${opts.score}'`, { field: 'score', hint: 'use r2 or pearson' });
  }
  validateAlphas(alphaGrid);
  return {
    alphaGrid,
    cvSpec: opts.cv ?? RIDGE_DEFAULTS.cv,
    scorer,
    fitIntercept: opts.fitIntercept ?? RIDGE_DEFAULTS.fitIntercept,
  };
}

/** n, p, t of X (n × p) and Y (n × t); refuses mismatched rows and empty problems. */
function checkShapes(X: Matrix, Y: Matrix): { n: number; p: number; t: number } {
  const n = X.rows;
  const p = X.cols;
  const t = Y.cols;
  if (Y.rows !== n) {
    throw new UserError(`X has ${n} rows (samples) but Y has ${Y.rows}`, {
      hint: 'X and Y must have one row per sample, in the same order',
    });
  }
  if (n < 2 || p < 1 || t < 1) {
    throw new UserError(
      `need at least 2 samples, 1 feature and 1 target; got X ${n} × ${p}, Y ${Y.rows} × ${t}`,
    );
  }
  return { n, p, t };
}

interface CvSettings {
  alphaGrid: readonly number[];
  alphaBatch: number;
  /** The target batches (`targetBatches`). */
  batches: readonly TargetBatch[];
  scorer: Scorer;
  fitIntercept: boolean;
  /** Called once per alpha scored on a fold and target batch. */
  tick: (message: string) => void;
}

/**
 * Mean held-out score of every alpha for every target over the folds:
 * n_alphas × n_targets (float64). Y: n_samples × n_targets in the working dtype.
 */
async function crossValidate<T extends FloatArray>(
  instance: SolverInstance<T>,
  Y: Matrix<T>,
  folds: readonly Fold[],
  s: CvSettings,
): Promise<Matrix<Float64Array>> {
  const t = Y.cols;
  const nAlphas = s.alphaGrid.length;
  const cvSum = new Float64Array(nAlphas * t);
  const maxWidth = Math.max(...s.batches.map((b) => b.width));
  const stepScores = new Float64Array(maxWidth);
  // One buffer each for the fold's training and held-out targets, reused by every fold
  // and batch: allocating them anew (≈ 9 MB a time on a voxel block) left the encoding's
  // CV spending a quarter of its time in the garbage collector.
  const maxTrain = Math.max(...folds.map((f) => f.train.length));
  const maxVal = Math.max(...folds.map((f) => f.test.length));
  const trBuf = allocate(Y.dtype, maxTrain * maxWidth) as T;
  const valBuf = allocate(Y.dtype, maxVal * maxWidth) as T;
  for (let fi = 0; fi < folds.length; fi++) {
    const f = folds[fi]!;
    const op = await instance.fold(f);
    const nVal = op.nVal;
    for (const b of s.batches) {
      // w columns: this batch's targets at [lead, lead + j1 − j0), zero padding around them on a grid.
      const { j0, j1, lead, width: w } = b;
      const ytrMean = s.fitIntercept ? columnMeans(Y, f.train, j0, j1) : null;
      const Ytr = gatherBlock(Y, f.train, b, ytrMean, trBuf);
      const Yval = gatherBlock(Y, f.test, b, ytrMean, valBuf);
      const truthStats = s.scorer.prepare(Yval.data, nVal, w);
      const predict = await op.batch(Ytr, Yval, () => gatherBlock(Y, null, b));
      for (let a0 = 0; a0 < nAlphas; a0 += s.alphaBatch) {
        const a1 = Math.min(nAlphas, a0 + s.alphaBatch);
        const P = await predict(s.alphaGrid.slice(a0, a1));
        for (let a = a0; a < a1; a++) {
          const block = P.data.subarray((a - a0) * nVal * w, (a - a0 + 1) * nVal * w);
          s.scorer.score(Yval.data, block, nVal, w, truthStats, stepScores);
          const row = a * t;
          for (let j = j0; j < j1; j++) cvSum[row + j] += stepScores[lead + j - j0]!;
          s.tick(`fold ${fi + 1}/${folds.length}`);
        }
      }
    }
  }
  for (let k = 0; k < cvSum.length; k++) cvSum[k] = cvSum[k]! / folds.length;
  return new Matrix(nAlphas, t, cvSum);
}

/**
 * Coefficients on all rows, each target with its own alpha: n_features × n_targets.
 * Y: n_samples × n_targets; yMean: its column means when there is an intercept.
 */
async function refitCoefficients<T extends FloatArray>(
  instance: SolverInstance<T>,
  Y: Matrix<T>,
  alphas: Float64Array,
  yMean: Float64Array | null,
  batches: readonly TargetBatch[],
  tick: (message: string) => void,
): Promise<Matrix<FloatArray>> {
  const t = Y.cols;
  const refit = await instance.refit();
  let coef: Matrix<FloatArray> | null = null;
  for (const b of batches) {
    const { j0, j1, lead, width } = b;
    const Yc = gatherBlock(Y, null, b, yMean ? yMean.subarray(j0, j1) : null);
    let al = alphas.subarray(j0, j1);
    if (width !== j1 - j0) {
      // Padding columns are zero; any positive alpha keeps their coefficients 0.
      const padded = new Float64Array(width).fill(1);
      padded.set(al, lead);
      al = padded;
    }
    const cb = await refit.coef(Yc, al);
    // One batch is the whole coefficient matrix: keep it rather than copy p × t.
    if (j0 === 0 && j1 === t && width === t) coef = cb as Matrix<FloatArray>;
    else
      scatterCols((coef ??= Matrix.zeros(cb.rows, t, Y.dtype) as Matrix<FloatArray>), cb, j0, lead, j1 - j0);
    tick('refit');
  }
  if (!coef) throw new Error('ridge refit produced no coefficients');
  return coef;
}

/** b = ȳ − x̄ᵀ w per target, accumulated in float64. xMean: p, yMean: t, coef: p × t. */
function interceptOf(xMean: Float64Array, yMean: Float64Array, coef: Matrix<FloatArray>): Float64Array {
  const t = coef.cols;
  const acc = new Float64Array(yMean);
  for (let i = 0; i < xMean.length; i++) {
    const m = xMean[i]!;
    if (m === 0) continue;
    const o = i * t;
    for (let j = 0; j < t; j++) acc[j] -= m * coef.data[o + j]!;
  }
  return acc;
}

/** Best alpha per target; ties (and all-NaN columns) go to the larger alpha. */
export function pickAlphas(cvScores: Matrix<Float64Array>, alphaGrid: readonly number[]): Float64Array {
  const t = cvScores.cols;
  const order = alphaGrid.map((a, i) => [a, i] as const).sort((x, y) => x[0] - y[0]);
  const out = new Float64Array(t);
  for (let j = 0; j < t; j++) {
    let best = Number.NEGATIVE_INFINITY;
    let bestAlpha = order[order.length - 1]![0];
    for (const [a, i] of order) {
      const s = cvScores.data[i * t + j]!;
      if (s >= best) {
        best = s;
        bestAlpha = a;
      }
    }
    out[j] = bestAlpha;
  }
  return out;
}

function centreInPlace<T extends Matrix>(M: T, mean: Float64Array): T {
  const { rows, cols, data } = M;
  for (let i = 0; i < rows; i++) {
    const o = i * cols;
    for (let j = 0; j < cols; j++) data[o + j] = data[o + j]! - mean[j]!;
  }
  return M;
}

/**
 * Constant columns of X are kept (ridge gives them weight 0 once centred) but
 * reported; if every column is constant there is nothing to learn. Constant
 * targets are reported too (their R² is undefined; scored as scikit-learn does).
 */
function checkConstants(xConstant: Uint8Array, yConstant: Uint8Array, fitIntercept: boolean): string[] {
  const warnings: string[] = [];
  const cx = indicesOf(xConstant);
  if (cx.length === xConstant.length && fitIntercept) {
    throw new UserError(
      `every column of X is constant (${xConstant.length} columns); there is nothing to fit`,
      {
        hint: 'check that X holds the features (e.g. voxels were not all masked out or zero-filled)',
      },
    );
  }
  if (cx.length > 0) {
    warnings.push(
      `X has ${cx.length} constant column(s) (${listSome(cx)}); they are kept and get ${fitIntercept ? 'zero weight' : 'weight like any feature (no intercept)'}`,
    );
  }
  const cy = indicesOf(yConstant);
  if (cy.length > 0) {
    warnings.push(`Y has ${cy.length} constant target(s) (${listSome(cy)}); their R² is not informative`);
  }
  return warnings;
}

function indicesOf(flags: Uint8Array): number[] {
  const out: number[] = [];
  for (let j = 0; j < flags.length; j++) if (flags[j]) out.push(j);
  return out;
}

function listSome(idx: number[]): string {
  const head = idx.slice(0, 5).map((i) => `#${i}`);
  return idx.length > 5 ? `${head.join(', ')}, …` : head.join(', ');
}
