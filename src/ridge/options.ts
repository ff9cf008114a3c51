/**
 * Options of the ridge engine, with every default in one place, and the alpha
 * grid: parsing ("0.1,1,10" or "logspace:-2:6:17") and validation.
 */
import { freemem, totalmem } from 'node:os';
import type { Backend } from '../linalg/backend.js';
import type { DType } from '../linalg/matrix.js';
import { UserError } from '../util/errors.js';
import { formatBytes } from '../util/memory.js';
import type { ProgressSink } from '../util/progress.js';
import type { TargetGrid } from './blocks.js';
import type { CvSpec } from './cv.js';
import type { ScoreName } from './scores.js';
import type { SolverName } from './solvers.js';

export interface RidgeCVOptions {
  /** Regularisation strengths to try (> 0). Default `logspace(-2, 6, 17)`. */
  alphas?: readonly number[];
  /** Cross-validation: K contiguous folds (default 5) or leave-one-group-out. */
  cv?: CvSpec;
  /** Score that picks each target's alpha, averaged over folds. Default `r2`. */
  score?: ScoreName;
  /** Fit an intercept (centre X and Y on the training rows). Default true. */
  fitIntercept?: boolean;
  /**
   * Working precision. `auto` (default): float64 when both X and Y are float64 and
   * X has at most 10⁷ entries, float32 otherwise (large data).
   */
  dtype?: DType | 'auto';
  /** `auto` (default): primal when n_features < n_samples, dual (kernel) otherwise. */
  solver?: SolverName | 'auto';
  /**
   * Memory budget in bytes for inputs, outputs and working arrays; target batches
   * are sized to fit. Default: min(6 GiB, 70% of total memory).
   */
  maxMemoryBytes?: number;
  /** Upper bound on targets per batch (default 16384; the budget may make batches smaller). */
  maxTargetBatch?: number;
  /**
   * Batches of targets on a fixed grid of a larger problem (see `TargetGrid`): each target
   * then gets the same bytes whichever fit (or batch) of the problem it is part of, e.g.
   * a voxel fitted in any voxel range. Replaces the memory plan's target batches.
   */
  targetGrid?: TargetGrid;
  /** Numeric engine (default: `getBackend()`). */
  backend?: Backend;
  /** Progress of the CV and refit loops. */
  progress?: ProgressSink;
  /** Verbose lines (solver chosen, batches, warnings). */
  log?: (line: string) => void;
}

export const DEFAULT_ALPHAS: readonly number[] = logspace(-2, 6, 17);

export const RIDGE_DEFAULTS = {
  cv: { kind: 'kfold', folds: 5 } as CvSpec,
  score: 'r2' as ScoreName,
  fitIntercept: true,
  dtype: 'auto' as const,
  solver: 'auto' as const,
  maxTargetBatch: 16_384,
  /** Above this many X entries, `dtype: 'auto'` works in float32. */
  autoFloat64MaxEntries: 10_000_000,
};

export function defaultMaxMemoryBytes(): number {
  return Math.min(6 * 2 ** 30, 0.7 * totalmem());
}

/** Free memory now, for messages. */
export function freeMemoryBytes(): number {
  return freemem();
}

/** num points from 10^start to 10^stop inclusive, like numpy.logspace. */
export function logspace(start: number, stop: number, num: number): number[] {
  if (num === 1) return [10 ** start];
  return Array.from({ length: num }, (_, i) => 10 ** (start + ((stop - start) * i) / (num - 1)));
}

/** Parses `0.1,1,10` or `logspace:START:STOP:NUM` (powers of ten). */
export function parseAlphas(text: string): number[] {
  const t = text.trim();
  const field = 'alphas';
  if (t.startsWith('logspace:')) {
    const parts = t.slice('logspace:'.length).split(':');
    const [a, b, c] = parts.map(Number);
    if (
      parts.length !== 3 ||
      !Number.isFinite(a) ||
      !Number.isFinite(b) ||
      !Number.isInteger(c) ||
      (c as number) < 1
    ) {
      throw new UserError(`cannot parse alpha grid '${text}'`, {
        field,
        hint: 'write logspace:START:STOP:NUM with powers of ten, e.g. logspace:-2:6:17',
      });
    }
    return logspace(a as number, b as number, c as number);
  }
  const items = t.split(',').map((s) => s.trim());
  if (t === '' || items.some((s) => s === '')) {
    throw new UserError(`the alpha list '${text}' is empty or has an empty item`, {
      field,
      hint: 'give comma-separated positive numbers, e.g. 0.1,1,10, or logspace:-2:6:17',
    });
  }
  return items.map((s) => {
    const v = Number(s);
    if (!Number.isFinite(v)) {
      throw new UserError(`alpha '${s}' is not a number`, {
        field,
        hint: 'give comma-separated positive numbers, e.g. 0.1,1,10',
      });
    }
    return v;
  });
}

/** Rejects an empty grid and non-positive or non-finite alphas. */
export function validateAlphas(alphas: readonly number[]): void {
  if (alphas.length === 0) {
    throw new UserError('the alpha grid is empty', {
      field: 'alphas',
      hint: 'give at least one positive alpha, e.g. --alphas logspace:-2:6:17',
    });
  }
  alphas.forEach((a, i) => {
    if (!(Number.isFinite(a) && a > 0)) {
      throw new UserError(`alpha #${i + 1} is ${a}; every alpha must be a finite number > 0`, {
        field: 'alphas',
        hint: 'ridge needs alpha > 0; for ordinary least squares use a tiny alpha such as 1e-8',
      });
    }
  });
}

// One size format for every message (src/util/memory.ts).
export { formatBytes };
