/**
 * Drift removal and z-scoring against scipy/numpy (test/fixtures/fmri/preprocess.json,
 * made by scripts/fixtures/fmri_preprocess.py) and against slow obvious references.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { REPO_ROOT } from '../../io/bids/test-helpers.js';
import { Matrix } from '../../linalg/matrix.js';
import { Rng } from '../../util/rng.js';
import { detrend } from './detrend.js';
import { subtractRunningMedianParallel } from './median-parallel.js';
import { PREPROCESS_DEFAULTS, resolvePreprocessOptions } from './options.js';
import {
  type EdgeMode,
  edgeIndex,
  medianWindowScans,
  RunningMedian,
  subtractRunningMedian,
} from './running-median.js';
import { zscoreColumns } from './zscore.js';

interface Fixture {
  median: {
    name: string;
    rows: number;
    cols: number;
    x: number[];
    size: number;
    mode: EdgeMode;
    median: number[];
  }[];
  polynomial: { rows: number; cols: number; x: number[]; order: number; residual: number[] }[];
  cosine: {
    rows: number;
    cols: number;
    x: number[];
    tr: number;
    cutoff: number;
    K: number;
    residual: number[];
  }[];
  zscore: { rows: number; cols: number; x: number[]; z: number[] }[];
}

const FIX = JSON.parse(
  readFileSync(join(REPO_ROOT, 'test', 'fixtures', 'fmri', 'preprocess.json'), 'utf8'),
) as Fixture;

const mat = (rows: number, cols: number, x: number[]) => new Matrix(rows, cols, Float32Array.from(x));

function assertClose(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  tol: number,
  what: string,
): void {
  assert.equal(actual.length, expected.length, what);
  let worst = 0;
  for (let i = 0; i < actual.length; i++) worst = Math.max(worst, Math.abs(actual[i]! - expected[i]!));
  assert.ok(worst <= tol, `${what}: max abs error ${worst} > ${tol}`);
}

/** Slow reference: sort the extended window at every position. */
function slowMedian(x: ArrayLike<number>, size: number, mode: EdgeMode): number[] {
  const n = x.length;
  const h = (size - 1) >> 1;
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const w: number[] = [];
    for (let j = i - h; j <= i + h; j++) w.push(x[edgeIndex(j, n, mode)]!);
    w.sort((a, b) => a - b);
    out.push(w[h]!);
  }
  return out;
}

describe('running median', () => {
  test(`equals scipy.ndimage.median_filter exactly (${FIX.median.length} cases: 3 edge modes, windows longer than the series, ties)`, () => {
    for (const c of FIX.median) {
      const rm = new RunningMedian(c.rows);
      const out = new Float32Array(c.rows);
      const x = Float32Array.from(c.x);
      for (let j = 0; j < c.cols; j++) {
        rm.filter(x, out, c.size, c.mode, j, c.cols);
        const expected = Array.from({ length: c.rows }, (_, t) => c.median[t * c.cols + j]!);
        assert.deepEqual(Array.from(out), expected, `${c.name} size ${c.size} ${c.mode} column ${j}`);
      }
    }
  });

  test('equals a slow sorting reference on random series, windows and modes', () => {
    const rng = new Rng(7);
    for (let trial = 0; trial < 60; trial++) {
      const n = rng.int(1, 90);
      const size = 2 * rng.int(0, 60) + 1;
      const mode = rng.pick(['reflect', 'mirror', 'nearest'] as const);
      const x = Float32Array.from({ length: n }, () =>
        rng.chance(0.3) ? rng.int(-3, 3) : rng.normal() * 100,
      );
      const out = new Float32Array(n);
      new RunningMedian(n).filter(x, out, size, mode);
      assert.deepEqual(Array.from(out), slowMedian(x, size, mode), `n=${n} size=${size} ${mode}`);
    }
  });

  test('240 s at TR 1.5 s is a centred window of 161 scans', () => {
    assert.equal(medianWindowScans(240, 1.5), 161);
    assert.equal(medianWindowScans(240, 2), 121);
    assert.equal(medianWindowScans(1, 2), 1);
  });

  test('subtractRunningMedian on a matrix equals x − scipy median per column', async () => {
    const c = FIX.median.find((m) => m.name === 'drift' && m.size === 161 && m.mode === 'reflect')!;
    const X = mat(c.rows, c.cols, c.x);
    subtractRunningMedian(X, 161, 'reflect');
    const expected = c.x.map((v, i) => Math.fround(v - c.median[i]!));
    assert.deepEqual(Array.from(X.data), expected);
    // Through the detrend registry with the paper's defaults, the same.
    const Y = mat(c.rows, c.cols, c.x);
    await detrend(Y, 1.5, PREPROCESS_DEFAULTS.detrend);
    assert.deepEqual(Array.from(Y.data), expected);
  });

  test('blocks of columns: wide matrices give the same result as column by column', () => {
    const rng = new Rng(3);
    const n = 37;
    const v = 150; // spans three 64-column blocks
    const X = new Matrix(
      n,
      v,
      Float32Array.from({ length: n * v }, () => rng.normal()),
    );
    const ref = X.clone();
    subtractRunningMedian(X, 11, 'nearest');
    for (let j = 0; j < v; j++) {
      const col = Array.from(ref.col(j));
      const med = slowMedian(col, 11, 'nearest');
      for (let t = 0; t < n; t++) assert.equal(X.get(t, j), Math.fround(col[t]! - med[t]!));
    }
  });
});

describe('running median on worker threads', () => {
  test('gives the serial result bit for bit (2 and 3 threads)', async () => {
    const rng = new Rng(21);
    const X = new Matrix(
      60,
      9000,
      Float32Array.from({ length: 60 * 9000 }, () => rng.normal()),
    );
    const serial = X.clone();
    subtractRunningMedian(serial, 21, 'reflect');
    for (const threads of [2, 3]) {
      const par = X.clone();
      await subtractRunningMedianParallel(par, 21, 'reflect', threads);
      assert.deepEqual(par.data, serial.data, `${threads} threads`);
    }
    // Concurrent calls (e.g. two subjects at once) do not share their scratch memory.
    const a = X.clone();
    const b = X.clone();
    await Promise.all([
      subtractRunningMedianParallel(a, 21, 'reflect', 2),
      subtractRunningMedianParallel(b, 21, 'reflect', 2),
    ]);
    assert.deepEqual(a.data, serial.data);
    assert.deepEqual(b.data, serial.data);
  });
});

describe('polynomial and cosine detrending', () => {
  test('polynomial residuals equal numpy.polyfit residuals (orders 0–3)', async () => {
    for (const c of FIX.polynomial) {
      const X = mat(c.rows, c.cols, c.x);
      await detrend(X, 1.5, { ...PREPROCESS_DEFAULTS.detrend, method: 'polynomial', order: c.order });
      assertClose(X.data, c.residual, 2e-4, `order ${c.order}`);
    }
  });

  test('cosine high-pass equals least squares on the DCT basis (SPM cutoff rule)', async () => {
    for (const c of FIX.cosine) {
      const X = mat(c.rows, c.cols, c.x);
      await detrend(X, c.tr, { ...PREPROCESS_DEFAULTS.detrend, method: 'cosine', cutoffSeconds: c.cutoff });
      assertClose(X.data, c.residual, 1e-5, `n ${c.rows} cutoff ${c.cutoff} (K ${c.K})`);
    }
  });

  test('none leaves the data alone', async () => {
    const X = mat(2, 2, [1, 2, 3, 4]);
    await detrend(X, 1.5, { ...PREPROCESS_DEFAULTS.detrend, method: 'none' });
    assert.deepEqual(Array.from(X.data), [1, 2, 3, 4]);
  });
});

describe('z-scoring', () => {
  test('equals scipy.stats.zscore (ddof 0)', () => {
    const c = FIX.zscore[0]!;
    const X = mat(c.rows, c.cols, c.x);
    const r = zscoreColumns(X);
    assertClose(X.data, c.z, 1e-5, 'zscore');
    assert.deepEqual(r, { constant: [], nonFinite: [] });
  });

  test('constant and non-finite voxels become 0 and are reported, never NaN', () => {
    const X = mat(4, 4, [5, 1, Number.NaN, 1, 5, 2, 1, 1, 5, 3, 1, 1, 5, 4, 1, 1.0000001]);
    const r = zscoreColumns(X);
    assert.deepEqual(r.constant, [0, 3]);
    assert.deepEqual(r.nonFinite, [2]);
    assert.ok(Array.from(X.data).every(Number.isFinite));
    for (let t = 0; t < 4; t++) {
      assert.equal(X.get(t, 0), 0);
      assert.equal(X.get(t, 2), 0);
    }
    // Column 3 varies by 1e-7 around 1: below float32 resolution relative to its mean, treated as constant.
    assert.equal(X.get(0, 3), 0);
  });
});

describe('preprocessing options', () => {
  test('defaults are the paper’s, and bad values name the field', () => {
    const o = resolvePreprocessOptions();
    assert.equal(o.detrend.method, 'median');
    assert.equal(o.detrend.medianSeconds, 240);
    assert.equal(o.delayScans, 3);
    assert.deepEqual(o.window, { window: 10, stride: 1.5 });
    assert.equal(resolvePreprocessOptions({ window: { window: 1.5 } }).window.stride, 1.5);
    assert.equal(resolvePreprocessOptions({ detrend: { method: 'cosine' } }).detrend.medianSeconds, 240);
    assert.throws(
      () => resolvePreprocessOptions({ delayScans: -1 }),
      (e: Error & { location?: { field?: string } }) => e.location?.field === 'delayScans',
    );
    assert.throws(
      () => resolvePreprocessOptions({ detrend: { method: 'spline' as 'none' } }),
      (e: Error & { location?: { field?: string } }) => e.location?.field === 'detrend.method',
    );
  });
});
