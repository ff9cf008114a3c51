/**
 * The memory budget that file readers check a declared size against before they
 * allocate, so a hostile or damaged header gives a clear refusal instead of a
 * RangeError or a machine brought to its knees. One rule for every reader:
 * $B2M_MAX_MEMORY (e.g. `8G`) when set, else half of this machine's memory.
 */
import { totalmem } from 'node:os';
import { UserError } from './errors.js';

const UNITS: Record<string, number> = { '': 1, k: 2 ** 10, m: 2 ** 20, g: 2 ** 30, t: 2 ** 40 };

/** Parses a size (`8G`, `512M`, `1.5GiB`, `1000000`; binary units). NaN when it is not one. */
export function parseSize(text: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([kmgt]?)(?:i?b)?\s*$/i.exec(text);
  if (!m) return Number.NaN;
  return Math.floor(Number(m[1]) * (UNITS[m[2]!.toLowerCase()] as number));
}

/** Bytes one reader may allocate for a single array. */
export function memoryBudget(): number {
  const env = process.env.B2M_MAX_MEMORY;
  if (env !== undefined && env !== '') {
    const v = parseSize(env);
    if (!(v >= 1)) {
      throw new UserError(`cannot parse B2M_MAX_MEMORY='${env}'`, {
        field: 'B2M_MAX_MEMORY',
        hint: 'write e.g. B2M_MAX_MEMORY=8G, or unset it',
      });
    }
    return v;
  }
  return Math.floor(totalmem() / 2);
}

/** A size for messages: GiB with two decimals, MiB with one, else KiB rounded up. */
export function formatBytes(bytes: number): string {
  if (bytes >= 2 ** 30) return `${(bytes / 2 ** 30).toFixed(2)} GiB`;
  if (bytes >= 2 ** 20) return `${(bytes / 2 ** 20).toFixed(1)} MiB`;
  return `${Math.ceil(bytes / 1024)} KiB`;
}

/**
 * Refuses to allocate `bytes` when it is not a safe size or passes the budget.
 * `driver` says what the size is made of (e.g. `dims 64×64×40×300 float32`), so the
 * message names the culprit.
 */
export function assertAllocation(
  bytes: number,
  at: { what: string; driver: string; file?: string; field?: string; hint?: string },
): void {
  const budget = memoryBudget();
  if (Number.isSafeInteger(bytes) && bytes >= 0 && bytes <= budget) return;
  const size = Number.isFinite(bytes) ? formatBytes(bytes) : 'an impossible amount of memory';
  throw new UserError(
    `${at.what} would need ${size} (${at.driver}), more than the memory budget of ${formatBytes(budget)}`,
    {
      file: at.file,
      field: at.field,
      hint:
        at.hint ??
        'if the file is genuine, raise the budget with B2M_MAX_MEMORY=…; otherwise its header is damaged',
    },
  );
}
