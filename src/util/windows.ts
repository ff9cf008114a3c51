/**
 * The window layout shared by the embedders (windows of audio) and preprocessing
 * (windows of scans): one spec, one default, one counting rule, here below both so
 * neither imports the other.
 * - windows start at k · stride for k = 0, 1, … as long as the window ends inside
 *   the clip;
 * - a clip shorter than one window gives exactly one window: the whole clip.
 */
import { UserError } from './errors.js';

/**
 * Where the windows of one clip sit. Windows start at 0, step by `stride` and
 * the last one must end inside the clip, so a clip of `d` seconds gives
 * `floor((d − window) / stride) + 1` windows (see `windowCount`).
 * Paper values: 10 s at 1.5 s → 4 per 15-s clip, 1.5 s → 10, 15 s → 1.
 */
export interface WindowSpec {
  /** Window length in seconds. */
  window: number;
  /** Step between window starts in seconds. */
  stride: number;
}

/** MuLan's (and our default) layout: 10-s windows stepped by one TR (1.5 s). */
export const DEFAULT_WINDOWS: WindowSpec = Object.freeze({ window: 10, stride: 1.5 });

/** A tolerance for float window arithmetic (1.5 s strides are not exact in binary). */
export const WINDOW_EPS = 1e-9;

export function validateWindows(spec: WindowSpec, field = 'window'): WindowSpec {
  const { window, stride } = spec;
  if (!Number.isFinite(window) || window <= 0) {
    throw new UserError(`window length must be a positive number of seconds, got ${window}`, {
      field,
      hint: 'e.g. --window 10 (MuLan/CLAP), 5 (w2v-BERT) or 1.5 (SoundStream)',
    });
  }
  if (!Number.isFinite(stride) || stride <= 0) {
    throw new UserError(`window stride must be a positive number of seconds, got ${stride}`, {
      field: 'stride',
      hint: 'the paper steps windows by one TR: --stride 1.5',
    });
  }
  return spec;
}

/** Number of windows in a clip of `durationSeconds` (≥ 1; see the module rule). */
export function windowCount(durationSeconds: number, spec: WindowSpec): number {
  validateWindows(spec);
  if (durationSeconds <= spec.window + WINDOW_EPS) return 1;
  return Math.floor((durationSeconds - spec.window) / spec.stride + WINDOW_EPS) + 1;
}
