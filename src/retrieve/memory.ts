/**
 * Memory rule for retrieval: check before allocating, and say what would fit.
 * The budget defaults to min(2 GiB, 40 % of RAM), so a query never pushes the
 * run (which holds decoders and data as well) out of memory.
 */
import { totalmem } from 'node:os';
import { UserError } from '../util/errors.js';

export function defaultRetrievalBudget(): number {
  return Math.min(2 * 2 ** 30, 0.4 * totalmem());
}

export function formatBytes(b: number): string {
  if (b >= 2 ** 30) return `${(b / 2 ** 30).toFixed(2)} GiB`;
  if (b >= 2 ** 20) return `${(b / 2 ** 20).toFixed(1)} MiB`;
  return `${Math.ceil(b / 1024)} KiB`;
}

/** Throws a `UserError` when `bytes` for `what` exceed `budget`. */
export function checkMemory(bytes: number, budget: number, what: string, hint: string): void {
  if (bytes > budget) {
    throw new UserError(
      `${what} needs ${formatBytes(bytes)}, over the memory budget of ${formatBytes(budget)}`,
      {
        field: 'retrieval',
        hint,
      },
    );
  }
}
