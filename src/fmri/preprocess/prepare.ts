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
 *
 * Steps: count the rows (`planRows`), allocate both sets at the first run
 * (`allocateSets`), check each run (`checkRun`), window it and place its rows
 * (`addTrainRun`, `addTestRun`), then average the test repetitions (`averageTestRows`).
 */
export async function prepareSubject(
  design: Design,
  load: RunSource,
  o: PreprocessOptions,
  progress: ProgressSink = silentProgress,
): Promise<SubjectMatrices> {
  const plan = planRows(design, o);
  let sets: SubjectSets | null = null;
  const constant = new Set<number>();
  const nonFinite = new Set<number>();
  let truncated = 0;

  progress.start('preprocess runs', design.runs.length);
  const order = [...plan.trainRuns, ...plan.testRuns];
  for (let k = 0; k < order.length; k++) {
    const [sched, runIndex] = order[k]!;
    const run = await load(sched, runIndex);
    sets ??= allocateSets(plan, run.X.cols, o);
    checkRun(run, sched, sets.nVoxels, design.tr);
    for (const c of run.report.constant) constant.add(c);
    for (const c of run.report.nonFinite) nonFinite.add(c);
    const rows = runWindowRows(
      sched.events,
      design.tr,
      run.X.rows,
      o.window,
      o.delayScans,
      o.weighting,
      run.file ?? sched.eventsFile,
    );
    truncated += rows.filter((r) => r.truncated).length;
    if (sched.split === 'train') addTrainRun(sets, plan, sched, runIndex, run.X, rows);
    else addTestRun(sets, plan, sched, runIndex, run.X, rows, o.averageTestRepetitions);
    progress.update(k + 1, sched.key);
  }
  progress.finish();
  if (!sets) {
    throw new UserError('the design has no runs to prepare', {
      hint: 'check the design (b2m dataset inspect)',
    });
  }
  if (sets.testSum) averageTestRows(sets);
  return {
    nVoxels: sets.nVoxels,
    windowsPerClip: plan.windowsPerClip,
    train: sets.train,
    test: sets.test,
    constantVoxels: [...constant].sort((a, b) => a - b),
    nonFiniteVoxels: [...nonFinite].sort((a, b) => a - b),
    truncatedWindows: truncated,
    options: o,
  };
}

type IndexedRun = readonly [RunSchedule, number];

/** The runs of each split (with their design index) and the row counts of both sets. */
interface RowPlan {
  trainRuns: IndexedRun[];
  testRuns: IndexedRun[];
  /** Clip id → index into `design.clips`. */
  clipIndex: Map<string, number>;
  /** Test clip id → its position among the test clips (its row block when averaged). */
  testClipRow: Map<string, number>;
  windowsPerClip: number;
  nTrainRows: number;
  nTestRows: number;
}

function planRows(design: Design, o: PreprocessOptions): RowPlan {
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
  return {
    trainRuns,
    testRuns,
    clipIndex: new Map(design.clips.map((c, i) => [c.id, i])),
    testClipRow: new Map(testClips.map((c, i) => [c.id, i])),
    windowsPerClip,
    nTrainRows,
    nTestRows,
  };
}

/** Both sets while they fill: the next free row of each, and the float64 test sums when averaging. */
interface SubjectSets {
  nVoxels: number;
  train: WindowedSet;
  test: WindowedSet;
  trainFill: number;
  testFill: number;
  /** nTestRows × nVoxels sums of the presentations, when test repetitions are averaged. */
  testSum: Float64Array | null;
  /** Presentations summed into each test row. */
  testCount: Int32Array;
}

function allocateSets(plan: RowPlan, nVoxels: number, o: PreprocessOptions): SubjectSets {
  const train = emptySet(
    plan.nTrainRows,
    nVoxels,
    plan.trainRuns.map(([r]) => r.key),
  );
  const test = emptySet(
    plan.nTestRows,
    nVoxels,
    plan.testRuns.map(([r]) => r.key),
  );
  let testSum: Float64Array | null = null;
  if (o.averageTestRepetitions) {
    checkMemory(plan.nTestRows * nVoxels * 8, 'the test-repetition sums');
    testSum = new Float64Array(plan.nTestRows * nVoxels);
  }
  const testCount = new Int32Array(plan.testClipRow.size * plan.windowsPerClip);
  return { nVoxels, train, test, trainFill: 0, testFill: 0, testSum, testCount };
}

function emptySet(rows: number, v: number, runKeys: string[]): WindowedSet {
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
}

/** Refuses a run with another voxel count than the first, or fewer scans than its events need. */
function checkRun(run: PreprocessedRun, sched: RunSchedule, nVoxels: number, tr: number): void {
  const X = run.X;
  if (X.cols !== nVoxels) {
    throw new UserError(`run ${sched.key} has ${X.cols} voxels but earlier runs have ${nVoxels}`, {
      file: run.file,
      hint: 'extract every run with the same mask',
    });
  }
  if (X.rows < sched.nScansNeeded) {
    throw new UserError(`run has ${X.rows} scans but its events need ${sched.nScansNeeded} (TR ${tr} s)`, {
      file: run.file ?? sched.eventsFile,
      hint: 'check that the image is complete and belongs to these events',
    });
  }
}

type WindowRows = ReturnType<typeof runWindowRows>;

/** Appends a training run's windows (X: n_scans × n_voxels) with their labels; the run is a CV group. */
function addTrainRun(
  sets: SubjectSets,
  plan: RowPlan,
  sched: RunSchedule,
  runIndex: number,
  X: Matrix<Float32Array>,
  rows: WindowRows,
): void {
  const set = sets.train;
  const fill = sets.trainFill;
  const runPos = plan.trainRuns.findIndex(([, i]) => i === runIndex);
  averageWindows(X, rows, set.X, fill);
  rows.forEach((r, j) => {
    const e = sched.events[r.event]!;
    set.clipIds[fill + j] = e.clipId;
    set.clipIndex[fill + j] = plan.clipIndex.get(e.clipId)!;
    set.window[fill + j] = r.window;
    set.run[fill + j] = runPos;
    set.repetition[fill + j] = e.repetition;
  });
  sets.trainFill += rows.length;
}

/**
 * A test run's windows: summed into their clip's rows when repetitions are averaged
 * (labels from the first presentation), else appended one row per presentation.
 */
function addTestRun(
  sets: SubjectSets,
  plan: RowPlan,
  sched: RunSchedule,
  runIndex: number,
  X: Matrix<Float32Array>,
  rows: WindowRows,
  average: boolean,
): void {
  const { test: set, nVoxels, testCount } = sets;
  const runPos = plan.testRuns.findIndex(([, i]) => i === runIndex);
  const W = averageWindows(X, rows);
  rows.forEach((r, j) => {
    const e = sched.events[r.event]!;
    const ci = plan.testClipRow.get(e.clipId)!;
    if (average) {
      const row = ci * plan.windowsPerClip + r.window;
      const s = sets.testSum!;
      const base = row * nVoxels;
      const src = j * nVoxels;
      for (let c = 0; c < nVoxels; c++) s[base + c]! += W.data[src + c]!;
      if (testCount[row] === 0) {
        set.clipIds[row] = e.clipId;
        set.clipIndex[row] = plan.clipIndex.get(e.clipId)!;
        set.window[row] = r.window;
        set.run[row] = runPos;
      }
      testCount[row]! += 1;
    } else {
      const row = sets.testFill + j;
      set.X.data.set(W.data.subarray(j * nVoxels, (j + 1) * nVoxels), row * nVoxels);
      set.clipIds[row] = e.clipId;
      set.clipIndex[row] = plan.clipIndex.get(e.clipId)!;
      set.window[row] = r.window;
      set.run[row] = runPos;
      set.repetition[row] = e.repetition;
    }
  });
  sets.testFill += rows.length;
}

/** Divides each test row's sum by its number of presentations, into the float32 test X. */
function averageTestRows(sets: SubjectSets): void {
  const { testSum, testCount, nVoxels, test } = sets;
  if (!testSum) return;
  for (let row = 0; row < testCount.length; row++) {
    const n = testCount[row]!;
    if (n === 0) throw new Error(`prepareSubject: test row ${row} has no presentation`);
    const base = row * nVoxels;
    for (let c = 0; c < nVoxels; c++) test.X.data[base + c] = testSum[base + c]! / n;
  }
}
