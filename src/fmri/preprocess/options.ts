/**
 * Every preprocessing setting in one typed object, with the paper's defaults in one
 * place (METHOD.md §3): 240-s median-filter drift removal, per-run z-scoring, a
 * 3-scan hemodynamic delay, scans averaged over each embedding window (10 s at
 * 1.5-s stride → 4 windows per 15-s clip), test repetitions averaged.
 */

import { UserError } from '../../util/errors.js';
import { DEFAULT_WINDOWS, type WindowSpec } from '../../util/windows.js';
import { DETRENDERS, type DetrendOptions } from './detrend.js';
import { EDGE_MODES } from './running-median.js';

/** Embedding windows inside a clip (the embedders' type: `window` length and `stride`, seconds). */
export type { WindowSpec };

/**
 * How a window [a, b) of run time maps to scans (scan k spans [k·TR, (k+1)·TR)):
 * - `overlap`: every scan overlapping [a, b), weighted by the overlap length;
 * - `start`: every scan whose start time k·TR lies in [a, b), equally weighted.
 * Both give the same scans when a and b fall on scan boundaries.
 */
export type WindowWeighting = 'overlap' | 'start';

export interface PreprocessOptions {
  detrend: DetrendOptions;
  /** Z-score each voxel within each run (after drift removal). */
  zscore: boolean;
  /** Hemodynamic delay in scans added to every window (the paper: 0; open follow-ups: 3). */
  delayScans: number;
  window: WindowSpec;
  weighting: WindowWeighting;
  /** Average the presentations of each test clip (true) or keep one row per presentation. */
  averageTestRepetitions: boolean;
}

export const PREPROCESS_DEFAULTS: PreprocessOptions = {
  detrend: { method: 'median', medianSeconds: 240, medianEdge: 'reflect', order: 2, cutoffSeconds: 128 },
  zscore: true,
  delayScans: 3,
  window: { ...DEFAULT_WINDOWS },
  weighting: 'overlap',
  averageTestRepetitions: true,
};

/** A partial options object, nested parts merged over the defaults. */
export type PreprocessOverrides = Partial<Omit<PreprocessOptions, 'detrend' | 'window'>> & {
  detrend?: Partial<DetrendOptions>;
  window?: Partial<WindowSpec>;
};

/** Merges `o` over the defaults and validates every field (UserError naming the field). */
export function resolvePreprocessOptions(o: PreprocessOverrides = {}): PreprocessOptions {
  const r: PreprocessOptions = {
    ...PREPROCESS_DEFAULTS,
    ...o,
    detrend: { ...PREPROCESS_DEFAULTS.detrend, ...o.detrend },
    window: { ...PREPROCESS_DEFAULTS.window, ...o.window },
  };
  const bad = (field: string, why: string, hint: string) => new UserError(`${field} ${why}`, { field, hint });
  if (!(r.detrend.method in DETRENDERS)) {
    throw bad(
      'detrend.method',
      `"${r.detrend.method}" is unknown`,
      `choose one of: ${Object.keys(DETRENDERS).join(', ')}`,
    );
  }
  if (!(r.detrend.medianSeconds > 0))
    throw bad('detrend.medianSeconds', 'must be > 0', 'the paper uses 240 s');
  if (!EDGE_MODES.includes(r.detrend.medianEdge)) {
    throw bad(
      'detrend.medianEdge',
      `"${r.detrend.medianEdge}" is unknown`,
      `choose one of: ${EDGE_MODES.join(', ')}`,
    );
  }
  if (!Number.isInteger(r.detrend.order) || r.detrend.order < 0 || r.detrend.order > 10) {
    throw bad('detrend.order', 'must be an integer from 0 to 10', 'use 1 (linear) or 2 (quadratic)');
  }
  if (!(r.detrend.cutoffSeconds > 0))
    throw bad('detrend.cutoffSeconds', 'must be > 0', "SPM's default is 128 s");
  if (!Number.isFinite(r.delayScans) || r.delayScans < 0)
    throw bad('delayScans', 'must be ≥ 0', 'use 3 scans (4.5 s at TR 1.5 s)');
  if (!(r.window.window > 0))
    throw bad('window.window', 'must be > 0 seconds', 'e.g. 10 for CLAP/MuLan windows');
  if (!(r.window.stride > 0)) throw bad('window.stride', 'must be > 0 seconds', 'e.g. 1.5 (one TR)');
  if (r.weighting !== 'overlap' && r.weighting !== 'start') {
    throw bad('weighting', `"${r.weighting}" is unknown`, 'choose overlap or start');
  }
  return r;
}
