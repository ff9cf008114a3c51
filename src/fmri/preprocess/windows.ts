/**
 * Time alignment of scans with embedding windows.
 *
 * Window w of a clip covers clip time [s_w, s_w + L) with s_w = w·stride (w = 0 …
 * while s_w + L ≤ clip duration; 10 s / 1.5 s in a 15-s clip → starts 0, 1.5, 3,
 * 4.5; the embedders' rule, `clipWindows`). In run time, after the hemodynamic delay d (scans), the window is
 *   [a, b) = [onset + s_w + d·TR, onset + s_w + d·TR + L).
 * Scan k spans [k·TR, (k+1)·TR). The window's fMRI sample is a weighted mean of
 * scans (see `WindowWeighting`): with `overlap`, weight_k = |[a,b) ∩ [kTR,(k+1)TR)|;
 * with `start`, weight 1 for each scan with a ≤ k·TR < b. Weights are normalised
 * over the scans that exist: a window running past the end of the run (the last
 * clip with a delay) averages the scans it has and is counted as truncated.
 */

import { Matrix } from '../../linalg/matrix.js';
import { UserError } from '../../util/errors.js';
import type { WindowSpec } from '../../util/windows.js';
import { windowCount } from '../../util/windows.js';
import type { WindowWeighting } from './options.js';

const EPS = 1e-6;

/** A window inside a clip, in seconds: [start, start + length). */
export interface ClipWindow {
  start: number;
  length: number;
}

/**
 * The windows of a clip of `clipSeconds`, by the embedders' rule (src/embed/windows.ts):
 * starts k·stride while the window ends inside the clip; a clip shorter than one
 * window gives one window, the whole clip. 10 s / 1.5 s in 15 s → 0, 1.5, 3, 4.5.
 */
export function clipWindows(spec: WindowSpec, clipSeconds: number): ClipWindow[] {
  const n = windowCount(clipSeconds, spec);
  const length = Math.min(spec.window, clipSeconds);
  return Array.from({ length: n }, (_, k) => ({
    start: Math.min(Math.round(k * spec.stride * 1e9) / 1e9, clipSeconds - length),
    length,
  }));
}

/** Scans and normalised weights of one window. */
export interface WindowScans {
  scans: number[];
  weights: number[];
  /** Part of the window lies after the last scan of the run. */
  truncated: boolean;
}

/** The scans of run-time window [a, b) in a run of `nScans` scans; null when none exists. */
export function windowScans(
  a: number,
  b: number,
  tr: number,
  nScans: number,
  weighting: WindowWeighting,
): WindowScans | null {
  const scans: number[] = [];
  const weights: number[] = [];
  let truncated = false;
  const lo = a / tr;
  const hi = b / tr;
  if (weighting === 'start') {
    for (let k = Math.max(0, Math.ceil(lo - EPS)); k < hi - EPS; k++) {
      if (k >= nScans) {
        truncated = true;
        continue;
      }
      scans.push(k);
      weights.push(1);
    }
  } else {
    for (let k = Math.max(0, Math.floor(lo + EPS)); k < hi - EPS; k++) {
      const w = Math.min(hi, k + 1) - Math.max(lo, k);
      if (w <= EPS) continue;
      if (k >= nScans) {
        truncated = true;
        continue;
      }
      scans.push(k);
      weights.push(w);
    }
  }
  if (scans.length === 0) return null;
  const total = weights.reduce((x, y) => x + y, 0);
  return { scans, weights: weights.map((w) => w / total), truncated };
}

/** One row of a windowed matrix: which event and window it is, and the scans it averages. */
export interface WindowRow extends WindowScans {
  /** Index into the run's kept events. */
  event: number;
  /** Window index within the clip. */
  window: number;
}

/** A run's events as the windowing needs them (a subset of `DesignEvent`). */
export interface TimedEvent {
  onset: number;
  duration: number;
}

/**
 * The window rows of a run: for each event (in order), for each window (in order).
 * Throws a UserError naming `file` when a window has no scan at all.
 */
export function runWindowRows(
  events: readonly TimedEvent[],
  tr: number,
  nScans: number,
  spec: WindowSpec,
  delayScans: number,
  weighting: WindowWeighting,
  file?: string,
): WindowRow[] {
  const rows: WindowRow[] = [];
  events.forEach((e, ei) => {
    clipWindows(spec, e.duration).forEach((w, wi) => {
      const a = e.onset + w.start + delayScans * tr;
      const ws = windowScans(a, a + w.length, tr, nScans, weighting);
      if (!ws) {
        throw new UserError(
          `the window at ${a.toFixed(2)}–${(a + w.length).toFixed(2)} s (event at ${e.onset} s, delay ${delayScans} scans) lies after the run's last scan (${nScans} scans of ${tr} s)`,
          { file, hint: 'use a shorter delay, or check that the image has all its scans' },
        );
      }
      rows.push({ ...ws, event: ei, window: wi });
    });
  });
  return rows;
}

/**
 * Averages scans of X (n_scans × n_voxels) into one row per window:
 * returns n_rows × n_voxels float32, row r = Σ_k weights_k · X[scans_k, :].
 * Writes into `out` at row `outRow0` when given (and returns it).
 */
export function averageWindows(
  X: Matrix<Float32Array>,
  rows: readonly WindowScans[],
  out?: Matrix<Float32Array>,
  outRow0 = 0,
): Matrix<Float32Array> {
  const v = X.cols;
  const target = out ?? Matrix.zeros(rows.length, v, 'float32');
  if (target.cols !== v || outRow0 + rows.length > target.rows) {
    throw new Error(
      `averageWindows: output ${target.rows} × ${target.cols} cannot take ${rows.length} rows of ${v} at ${outRow0}`,
    );
  }
  const acc = new Float64Array(v);
  rows.forEach((r, i) => {
    acc.fill(0);
    r.scans.forEach((k, j) => {
      const w = r.weights[j]!;
      const base = k * v;
      for (let c = 0; c < v; c++) acc[c]! += w * X.data[base + c]!;
    });
    const o = (outRow0 + i) * v;
    for (let c = 0; c < v; c++) target.data[o + c] = acc[c]!;
  });
  return target;
}
