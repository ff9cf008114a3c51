/**
 * From preprocessed runs to the matrices the decoder consumes, for one subject:
 *   train.X  n_train_windows × n_voxels (float32): runs in design order, events in
 *            onset order, windows in clip order; labels clip / window / run (the
 *            training run index, for leave-runs-out CV groups);
 *   test.X   n_test_clips·n_windows × n_voxels: clips in design order × windows,
 *            the repetitions averaged (or one row per presentation when asked).
 * Runs are loaded one at a time (`RunSource`), so peak memory is one run plus the
 * outputs, never the whole 4-D dataset.
 */
import { freemem, totalmem } from 'node:os';
import { Matrix } from '../../linalg/matrix.js';
import { UserError } from '../../util/errors.js';
import { type ProgressSink, silentProgress } from '../../util/progress.js';
import type { Design, RunSchedule } from '../design.js';
import { detrend } from './detrend.js';
import type { PreprocessOptions } from './options.js';
import { averageWindows, clipWindows, runWindowRows } from './windows.js';
import { type ZscoreReport, zeroNonFinite, zscoreColumns } from './zscore.js';

/** A run after drift removal and z-scoring: n_scans × n_voxels. */
export interface PreprocessedRun {
  X: Matrix<Float32Array>;
  /** Voxels set to 0 in this run (no variance, or NaN/Inf in the input). */
  report: ZscoreReport;
  /** The image it came from, for messages. */
  file?: string;
}

/** Drift removal then z-scoring, in place on X (n_scans × n_voxels). */
export async function preprocessRun(
  X: Matrix<Float32Array>,
  tr: number,
  o: PreprocessOptions,
  file?: string,
): Promise<PreprocessedRun> {
  const nonFinite = zeroNonFinite(X);
  await detrend(X, tr, o.detrend);
  const report = o.zscore ? zscoreColumns(X) : { constant: [], nonFinite: [] };
  report.nonFinite = [...new Set([...nonFinite, ...report.nonFinite])].sort((a, b) => a - b);
  return { X, report, file };
}

/** Gives the preprocessed matrix of a run of the design (e.g. from NIfTI through the cache). */
export type RunSource = (run: RunSchedule, index: number) => Promise<PreprocessedRun>;

export interface WindowedSet {
  /** n_rows × n_voxels. */
  X: Matrix<Float32Array>;
  /** Clip id of each row. */
  clipIds: string[];
  /** Index into `design.clips` of each row. */
  clipIndex: Int32Array;
  /** Window index (within the clip) of each row. */
  window: Int32Array;
  /** Index into `runKeys` of each row (for averaged test rows: the run of the first presentation). */
  run: Int32Array;
  /** Presentation number of each row (−1 for averaged rows). */
  repetition: Int32Array;
  /** The runs of this set, in order (design keys). */
  runKeys: string[];
}

export interface SubjectMatrices {
  nVoxels: number;
  windowsPerClip: number;
  train: WindowedSet;
  test: WindowedSet;
  /** Voxels that were constant (or non-finite) in at least one run: they are 0 in those runs. */
  constantVoxels: number[];
  nonFiniteVoxels: number[];
  /** Windows that ran past the end of their run and average fewer scans (the last clips with a delay). */
  truncatedWindows: number;
  options: PreprocessOptions;
}

/** Throws when `bytes` will not fit comfortably in this machine's memory. */
export function checkMemory(bytes: number, what: string): void {
  const limit = Math.min(totalmem() * 0.75, freemem() + totalmem() * 0.25);
  if (bytes > limit) {
    throw new UserError(
      `${what} needs ${(bytes / 2 ** 30).toFixed(1)} GiB, more than this machine can spare (${(limit / 2 ** 30).toFixed(1)} GiB)`,
      {
        hint: 'use a smaller mask (fewer voxels, e.g. an ROI), or a machine with more memory',
      },
    );
  }
}

/**
 * Builds the training and test matrices of one subject. `load` is called once per
 * run of the design, in order; every run must have as many voxels as the first.
 */
export async function prepareSubject(
  design: Design,
  load: RunSource,
  o: PreprocessOptions,
  progress: ProgressSink = silentProgress,
): Promise<SubjectMatrices> {
  const clipIdx = new Map(design.clips.map((c, i) => [c.id, i]));
  const trainRuns = design.runs.map((r, i) => [r, i] as const).filter(([r]) => r.split === 'train');
  const testRuns = design.runs.map((r, i) => [r, i] as const).filter(([r]) => r.split === 'test');
  const testClips = design.clips.filter((c) => c.split === 'test');
  const duration = design.runs[0]?.events[0]?.duration ?? 15;
  const windowsPerClip = clipWindows(o.window, duration).length;
  const nTrainRows = trainRuns.reduce(
    (a, [r]) => a + r.events.reduce((b, e) => b + clipWindows(o.window, e.duration).length, 0),
    0,
  );
  const nTestPresentations = testRuns.reduce((a, [r]) => a + r.events.length, 0);
  const nTestRows = o.averageTestRepetitions
    ? testClips.length * windowsPerClip
    : nTestPresentations * windowsPerClip;

  let nVoxels = -1;
  let train: WindowedSet | null = null;
  let test: WindowedSet | null = null;
  let testSum: Float64Array | null = null;
  const testCount = new Int32Array(testClips.length * windowsPerClip);
  const testRow = new Map(testClips.map((c, i) => [c.id, i]));
  const constant = new Set<number>();
  const nonFinite = new Set<number>();
  let truncated = 0;
  let testFill = 0;
  let trainFill = 0;

  const emptySet = (rows: number, v: number, runKeys: string[]): WindowedSet => {
    checkMemory(rows * v * 4, `a ${rows} × ${v} float32 matrix`);
    return {
      X: Matrix.zeros(rows, v, 'float32'),
      clipIds: new Array<string>(rows),
      clipIndex: new Int32Array(rows),
      window: new Int32Array(rows),
      run: new Int32Array(rows),
      repetition: new Int32Array(rows).fill(-1),
      runKeys,
    };
  };

  progress.start('preprocess runs', design.runs.length);
  const order = [...trainRuns, ...testRuns];
  for (let k = 0; k < order.length; k++) {
    const [sched, runIndex] = order[k]!;
    const run = await load(sched, runIndex);
    const X = run.X;
    if (nVoxels < 0) {
      nVoxels = X.cols;
      train = emptySet(
        nTrainRows,
        nVoxels,
        trainRuns.map(([r]) => r.key),
      );
      test = emptySet(
        nTestRows,
        nVoxels,
        testRuns.map(([r]) => r.key),
      );
      if (o.averageTestRepetitions) {
        checkMemory(nTestRows * nVoxels * 8, 'the test-repetition sums');
        testSum = new Float64Array(nTestRows * nVoxels);
      }
    } else if (X.cols !== nVoxels) {
      throw new UserError(`run ${sched.key} has ${X.cols} voxels but earlier runs have ${nVoxels}`, {
        file: run.file,
        hint: 'extract every run with the same mask',
      });
    }
    if (X.rows < sched.nScansNeeded) {
      throw new UserError(
        `run has ${X.rows} scans but its events need ${sched.nScansNeeded} (TR ${design.tr} s)`,
        {
          file: run.file ?? sched.eventsFile,
          hint: 'check that the image is complete and belongs to these events',
        },
      );
    }
    for (const c of run.report.constant) constant.add(c);
    for (const c of run.report.nonFinite) nonFinite.add(c);
    const rows = runWindowRows(
      sched.events,
      design.tr,
      X.rows,
      o.window,
      o.delayScans,
      o.weighting,
      run.file ?? sched.eventsFile,
    );
    truncated += rows.filter((r) => r.truncated).length;
    if (sched.split === 'train') {
      const set = train!;
      const runPos = trainRuns.findIndex(([, i]) => i === runIndex);
      averageWindows(X, rows, set.X, trainFill);
      rows.forEach((r, j) => {
        const e = sched.events[r.event]!;
        set.clipIds[trainFill + j] = e.clipId;
        set.clipIndex[trainFill + j] = clipIdx.get(e.clipId)!;
        set.window[trainFill + j] = r.window;
        set.run[trainFill + j] = runPos;
        set.repetition[trainFill + j] = e.repetition;
      });
      trainFill += rows.length;
    } else {
      const set = test!;
      const runPos = testRuns.findIndex(([, i]) => i === runIndex);
      const W = averageWindows(X, rows);
      rows.forEach((r, j) => {
        const e = sched.events[r.event]!;
        const ci = testRow.get(e.clipId)!;
        if (o.averageTestRepetitions) {
          const row = ci * windowsPerClip + r.window;
          const s = testSum!;
          const base = row * nVoxels;
          const src = j * nVoxels;
          for (let c = 0; c < nVoxels; c++) s[base + c]! += W.data[src + c]!;
          if (testCount[row] === 0) {
            set.clipIds[row] = e.clipId;
            set.clipIndex[row] = clipIdx.get(e.clipId)!;
            set.window[row] = r.window;
            set.run[row] = runPos;
          }
          testCount[row]! += 1;
        } else {
          const row = testFill + j;
          set.X.data.set(W.data.subarray(j * nVoxels, (j + 1) * nVoxels), row * nVoxels);
          set.clipIds[row] = e.clipId;
          set.clipIndex[row] = clipIdx.get(e.clipId)!;
          set.window[row] = r.window;
          set.run[row] = runPos;
          set.repetition[row] = e.repetition;
        }
      });
      testFill += rows.length;
    }
    progress.update(k + 1, sched.key);
  }
  progress.finish();
  if (!train || !test) {
    throw new UserError('the design has no runs to prepare', {
      hint: 'check the design (b2m dataset inspect)',
    });
  }
  if (o.averageTestRepetitions && testSum) {
    for (let row = 0; row < testCount.length; row++) {
      const n = testCount[row]!;
      if (n === 0) throw new Error(`prepareSubject: test row ${row} has no presentation`);
      const base = row * nVoxels;
      for (let c = 0; c < nVoxels; c++) test.X.data[base + c] = testSum[base + c]! / n;
    }
  }
  return {
    nVoxels,
    windowsPerClip,
    train,
    test,
    constantVoxels: [...constant].sort((a, b) => a - b),
    nonFiniteVoxels: [...nonFinite].sort((a, b) => a - b),
    truncatedWindows: truncated,
    options: o,
  };
}
