/**
 * Window alignment, repetition averaging, FIR delays and the subject matrices,
 * against slow obvious references and the real ds003720 design.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { windowCount } from '../../embed/windows.js';
import { DS003720 } from '../../io/bids/test-helpers.js';
import { Matrix } from '../../linalg/matrix.js';
import { UserError } from '../../util/errors.js';
import { Rng } from '../../util/rng.js';
import { loadDesign } from '../design.js';
import { delayRows } from './fir.js';
import { resolvePreprocessOptions, type WindowWeighting } from './options.js';
import { prepareSubject, type RunSource } from './prepare.js';
import { averageRepetitions } from './repetitions.js';
import { averageWindows, clipWindows, runWindowRows, windowScans } from './windows.js';

describe('clip windows', () => {
  test('10 s / 1.5 s → 4 windows at 0, 1.5, 3, 4.5; 1.5/1.5 → 10; 5/1.5 → 7; 15/15 → 1', () => {
    assert.deepEqual(
      clipWindows({ window: 10, stride: 1.5 }, 15).map((w) => w.start),
      [0, 1.5, 3, 4.5],
    );
    assert.equal(clipWindows({ window: 1.5, stride: 1.5 }, 15).length, 10);
    assert.equal(clipWindows({ window: 1.5, stride: 1.5 }, 15)[9]!.start, 13.5);
    assert.equal(clipWindows({ window: 5, stride: 1.5 }, 15).length, 7);
    assert.deepEqual(clipWindows({ window: 15, stride: 15 }, 15), [{ start: 0, length: 15 }]);
    // A clip shorter than the window: one window, the whole clip (the embedders' rule).
    assert.deepEqual(clipWindows({ window: 10, stride: 1.5 }, 6), [{ start: 0, length: 6 }]);
    for (const [w, s, d] of [
      [10, 1.5, 15],
      [3, 0.7, 15],
      [2, 2, 30],
      [10, 1, 12.3],
    ] as const) {
      assert.equal(clipWindows({ window: w, stride: s }, d).length, windowCount(d, { window: w, stride: s }));
    }
  });
});

/** Slow reference: integrate the window's indicator on a fine grid (overlap), or test each scan start. */
function slowWindow(
  a: number,
  b: number,
  tr: number,
  n: number,
  weighting: WindowWeighting,
): Map<number, number> {
  const w = new Map<number, number>();
  if (weighting === 'start') {
    for (let k = 0; k < n; k++) if (k * tr >= a - 1e-9 && k * tr < b - 1e-9) w.set(k, 1);
  } else {
    const steps = 20000;
    const dt = (b - a) / steps;
    for (let i = 0; i < steps; i++) {
      const k = Math.floor((a + (i + 0.5) * dt) / tr);
      if (k < n) w.set(k, (w.get(k) ?? 0) + dt);
    }
  }
  const total = [...w.values()].reduce((x, y) => x + y, 0);
  for (const [k, v] of w) w.set(k, v / total);
  return w;
}

describe('which scans a window averages', () => {
  test('the default window of the first kept event: scans 13–19, the last weighted 1/10 (overlap)', () => {
    // Onset 15 s, delay 3 scans (4.5 s) → [19.5, 29.5) s; scan 19 spans [28.5, 30).
    const o = windowScans(19.5, 29.5, 1.5, 410, 'overlap')!;
    assert.deepEqual(o.scans, [13, 14, 15, 16, 17, 18, 19]);
    for (const w of o.weights.slice(0, 6)) assert.ok(Math.abs(w - 0.15) < 1e-12);
    assert.ok(Math.abs(o.weights[6]! - 0.1) < 1e-12);
    const s = windowScans(19.5, 29.5, 1.5, 410, 'start')!;
    assert.deepEqual(s.scans, [13, 14, 15, 16, 17, 18, 19]);
    assert.ok(s.weights.every((w) => Math.abs(w - 1 / 7) < 1e-12));
    // Aligned 1.5-s and 15-s windows take exactly one and ten scans, either way.
    assert.deepEqual(windowScans(19.5, 21, 1.5, 410, 'overlap')!.scans, [13]);
    assert.deepEqual(
      windowScans(19.5, 34.5, 1.5, 410, 'start')!.scans,
      [13, 14, 15, 16, 17, 18, 19, 20, 21, 22],
    );
  });

  test('random windows agree with the slow reference (both weightings, with truncation)', () => {
    const rng = new Rng(11);
    for (let trial = 0; trial < 300; trial++) {
      const tr = rng.pick([1.5, 2, 0.8, 1]);
      const n = rng.int(5, 40);
      const a = rng.range(0, n * tr * 1.1);
      const b = a + rng.range(0.3, 12);
      const weighting = rng.pick(['overlap', 'start'] as const);
      const got = windowScans(a, b, tr, n, weighting);
      const ref = slowWindow(a, b, tr, n, weighting);
      if (got === null) {
        assert.equal(ref.size, 0, `a=${a} b=${b}`);
        continue;
      }
      // Scans with a sliver of overlap below the reference's grid resolution may differ; compare weights.
      for (const [k, w] of ref) {
        const i = got.scans.indexOf(k);
        const g = i < 0 ? 0 : got.weights[i]!;
        assert.ok(Math.abs(g - w) < 2e-3, `${weighting} a=${a} b=${b} tr=${tr} scan ${k}: ${g} vs ${w}`);
      }
      assert.equal(got.truncated, weighting === 'start' ? Math.ceil(b / tr - 1e-6) > n : b > n * tr + 1e-6);
    }
  });

  test('the last clip of a run with a 3-scan delay is truncated; a window past the end is an error', () => {
    const rows = runWindowRows(
      [{ onset: 600, duration: 15 }],
      1.5,
      410,
      { window: 10, stride: 1.5 },
      3,
      'overlap',
    );
    assert.deepEqual(
      rows.map((r) => r.truncated),
      [false, true, true, true],
    );
    assert.deepEqual(rows[3]!.scans, [406, 407, 408, 409]);
    assert.throws(
      () =>
        runWindowRows(
          [{ onset: 600, duration: 15 }],
          1.5,
          410,
          { window: 10, stride: 1.5 },
          20,
          'overlap',
          'run.nii',
        ),
      (e: unknown) => e instanceof UserError && e.location.file === 'run.nii',
    );
  });

  test('averageWindows equals the weighted sum, row by row', () => {
    const rng = new Rng(5);
    const X = new Matrix(
      12,
      5,
      Float32Array.from({ length: 60 }, () => rng.normal()),
    );
    const rows = [windowScans(1, 7.3, 1.5, 12, 'overlap')!, windowScans(0, 1.5, 1.5, 12, 'start')!];
    const W = averageWindows(X, rows);
    rows.forEach((r, i) => {
      for (let c = 0; c < 5; c++) {
        const ref = r.scans.reduce((s, k, j) => s + r.weights[j]! * X.get(k, c), 0);
        assert.ok(Math.abs(W.get(i, c) - ref) < 1e-6);
      }
    });
  });
});

describe('repetitions and FIR delays', () => {
  test('averageRepetitions is the mean of each group', () => {
    const X = Matrix.fromRows(
      [
        [1, 2],
        [3, 4],
        [5, 6],
        [7, 9],
      ],
      'float32',
    );
    assert.deepEqual(averageRepetitions(X, [[0, 2], [1, 3], [3]]).toRows(), [
      [3, 4],
      [5, 6.5],
      [7, 9],
    ]);
    assert.throws(() => averageRepetitions(X, [[]]), UserError);
  });

  test('delayRows shifts within each run, zero-filled, never across runs', () => {
    const rng = new Rng(9);
    const X = new Matrix(
      9,
      2,
      Float64Array.from({ length: 18 }, () => rng.normal()),
    );
    const delays = [1, 2, -1, 0];
    const segs = [4, 5];
    const D = delayRows(X, delays, segs);
    assert.deepEqual(D.shape, [9, 8]);
    const segOf = (t: number) => (t < 4 ? [0, 4] : [4, 9]);
    for (let t = 0; t < 9; t++) {
      const [lo, hi] = segOf(t) as [number, number];
      delays.forEach((d, i) => {
        for (let j = 0; j < 2; j++) {
          const src = t - d;
          assert.equal(D.get(t, i * 2 + j), src >= lo && src < hi ? X.get(src, j) : 0);
        }
      });
    }
    assert.throws(() => delayRows(X, [1.5]), UserError);
    assert.throws(() => delayRows(X, [1], [4, 4]), UserError);
  });
});

describe('subject matrices on the real ds003720 design', async () => {
  const { design } = await loadDesign(DS003720, { readHeaders: false });
  const V = 3;
  /** Scan value that identifies run, scan and voxel. */
  const value = (run: number, t: number, v: number) => run * 1000 + t + v / 8;
  const source: RunSource = async (sched, index) => {
    const X = Matrix.build(410, V, (t, v) => value(index, t, v), 'float32');
    return { X, report: { constant: index === 2 ? [1] : [], nonFinite: [] }, file: `${sched.key}.nii` };
  };

  /** Slow reference: the mean of the scans whose start lies in the shifted window. */
  const expected = (runIndex: number, onset: number, w: number, v: number) => {
    const a = onset + 1.5 * w + 4.5;
    const ks: number[] = [];
    for (let k = 0; k < 410; k++) if (k * 1.5 >= a - 1e-9 && k * 1.5 < a + 10 - 1e-9) ks.push(k);
    return ks.reduce((s, k) => s + value(runIndex, k, v), 0) / ks.length;
  };

  test('train: 480 clips × 4 windows with clip/window/run labels; test: 60 × 4, repetitions averaged', async () => {
    const o = resolvePreprocessOptions({ weighting: 'start' });
    const m = await prepareSubject(design, source, o);
    assert.equal(m.nVoxels, V);
    assert.equal(m.windowsPerClip, 4);
    assert.deepEqual(m.train.X.shape, [1920, V]);
    assert.deepEqual(m.test.X.shape, [240, V]);
    assert.deepEqual(m.constantVoxels, [1]);
    // The last clip of each of the 18 runs has 3 truncated windows (delay 3 scans).
    assert.equal(m.truncatedWindows, 18 * 3);
    const trainClips = design.clips.filter((c) => c.split === 'train');
    trainClips.forEach((c, ci) => {
      const [p] = design.presentations[c.id]!;
      const onset = design.runs[p!.run]!.events[p!.event]!.onset;
      for (let w = 0; w < 4; w++) {
        const row = ci * 4 + w;
        assert.equal(m.train.clipIds[row], c.id);
        assert.equal(m.train.clipIndex[row], ci);
        assert.equal(m.train.window[row], w);
        assert.equal(m.train.run[row], p!.run);
        for (let v = 0; v < V; v++)
          assert.ok(Math.abs(m.train.X.get(row, v) - expected(p!.run, onset, w, v)) < 1e-3);
      }
    });
    assert.deepEqual(
      m.train.runKeys,
      design.runs.filter((r) => r.split === 'train').map((r) => r.key),
    );
    const testClips = design.clips.filter((c) => c.split === 'test');
    testClips.forEach((c, ci) => {
      const ps = design.presentations[c.id]!;
      assert.equal(ps.length, 4);
      for (let w = 0; w < 4; w++) {
        const row = ci * 4 + w;
        assert.equal(m.test.clipIds[row], c.id);
        assert.equal(m.test.clipIndex[row], 480 + ci);
        assert.equal(m.test.repetition[row], -1);
        for (let v = 0; v < V; v++) {
          const ref =
            ps.reduce((s, p) => s + expected(p.run, design.runs[p.run]!.events[p.event]!.onset, w, v), 0) / 4;
          assert.ok(Math.abs(m.test.X.get(row, v) - ref) < 1e-3, `${c.id} w${w}`);
        }
      }
    });
  });

  test('test repetitions kept apart when asked; 1.5-s windows give 10 per clip', async () => {
    const m = await prepareSubject(
      design,
      source,
      resolvePreprocessOptions({
        averageTestRepetitions: false,
        window: { window: 1.5, stride: 1.5 },
        delayScans: 0,
      }),
    );
    assert.equal(m.windowsPerClip, 10);
    assert.deepEqual(m.train.X.shape, [4800, V]);
    assert.deepEqual(m.test.X.shape, [2400, V]);
    assert.equal(m.truncatedWindows, 0);
    // Without delay, a 1.5-s window is exactly one scan: the first kept event (onset 15 s) → scan 10.
    assert.equal(m.train.X.get(0, 0), value(0, 10, 0));
    assert.deepEqual([...new Set(m.test.repetition)].sort(), [0, 1, 2, 3]);
  });

  test('a run with fewer scans than its events need, and runs with different voxel counts', async () => {
    const short: RunSource = async (s, i) => ({
      X: Matrix.zeros(i === 4 ? 400 : 410, V, 'float32'),
      report: { constant: [], nonFinite: [] },
      file: `${s.key}.nii`,
    });
    await assert.rejects(
      prepareSubject(design, short, resolvePreprocessOptions()),
      (e: unknown) =>
        e instanceof UserError &&
        e.location.file === 'task-Training_run-05.nii' &&
        /400 scans but its events need 410/.test(e.message),
    );
    const ragged: RunSource = async (s, i) => ({
      X: Matrix.zeros(410, i === 1 ? V + 1 : V, 'float32'),
      report: { constant: [], nonFinite: [] },
      file: `${s.key}.nii`,
    });
    await assert.rejects(
      prepareSubject(design, ragged, resolvePreprocessOptions()),
      /4 voxels but earlier runs have 3/,
    );
  });
});
