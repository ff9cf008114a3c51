/**
 * The one place the CLI turns option text into numbers, sizes, lists and choices,
 * so every command words the same mistake the same way (the flag named, the value
 * quoted, an example given). Library errors speak in library terms; these add the
 * flag names.
 */
import { UserError } from '../util/errors.js';
import { parseSize } from '../util/memory.js';
import { unknownNameHint } from '../util/nearest.js';

export interface NumberRule {
  /** Smallest allowed value (inclusive). */
  min?: number;
  /** Largest allowed value (inclusive). */
  max?: number;
  /** Must be > 0 (for sizes and exponents where 0 makes no sense). */
  positive?: boolean;
  integer?: boolean;
}

function describe(rule: NumberRule): string {
  const kind = rule.integer ? 'an integer' : 'a number';
  const parts: string[] = [];
  if (rule.positive) parts.push('> 0');
  if (rule.min !== undefined) parts.push(`≥ ${rule.min}`);
  if (rule.max !== undefined) parts.push(`≤ ${rule.max}`);
  return parts.length ? `${kind} ${parts.join(' and ')}` : kind;
}

/** Parses `value` as a finite number obeying `rule`; the error names `flag`. */
export function numberFlag(value: string, flag: string, rule: NumberRule = {}): number {
  const v = value.trim() === '' ? Number.NaN : Number(value);
  const bad =
    !Number.isFinite(v) ||
    (rule.integer && !Number.isInteger(v)) ||
    (rule.positive && !(v > 0)) ||
    (rule.min !== undefined && v < rule.min) ||
    (rule.max !== undefined && v > rule.max);
  if (bad) {
    const example = rule.min !== undefined && rule.min > 0 ? rule.min : rule.integer ? 5 : 1;
    throw new UserError(`${flag} must be ${describe(rule)}, got '${value}'`, {
      field: flag,
      hint: `e.g. ${flag} ${example}`,
    });
  }
  return v;
}

/** `numberFlag` for an optional option: undefined stays undefined. */
export function optionalNumberFlag(
  value: string | undefined,
  flag: string,
  rule: NumberRule = {},
): number | undefined {
  return value === undefined ? undefined : numberFlag(value, flag, rule);
}

/** An integer flag (shorthand for `numberFlag` with `integer: true`). */
export function intFlag(value: string, flag: string, rule: Omit<NumberRule, 'integer'> = {}): number {
  return numberFlag(value, flag, { ...rule, integer: true });
}

/** A list of numbers separated by commas or spaces (`1034,2034`). */
export function numberListFlag(value: string, flag: string, rule: NumberRule = {}): number[] {
  const parts = value.split(/[,\s]+/).filter(Boolean);
  if (parts.length === 0) {
    throw new UserError(`${flag} must be numbers separated by commas, got '${value}'`, {
      field: flag,
      hint: `e.g. ${flag} 1,2,3`,
    });
  }
  return parts.map((p) => {
    try {
      return numberFlag(p, flag, rule);
    } catch {
      throw new UserError(`${flag} must be ${describe(rule)}s separated by commas; '${p}' is not`, {
        field: flag,
        hint: `e.g. ${flag} 1,2,3`,
      });
    }
  });
}

/** A memory or disk size: `8G`, `512M`, `1.5GiB`, `1000000` (bytes). Binary units. */
export function bytesFlag(value: string, flag: string): number {
  const v = parseSize(value);
  if (!(v >= 1) || !Number.isSafeInteger(v)) {
    throw new UserError(`cannot parse the size '${value}'`, {
      field: flag,
      hint: `write e.g. ${flag} 8G, 512M or a number of bytes`,
    });
  }
  return v;
}

/** One of `choices`; the error suggests the nearest. */
export function choiceFlag<T extends string>(value: string, flag: string, choices: readonly T[]): T {
  if ((choices as readonly string[]).includes(value)) return value as T;
  throw new UserError(`${flag} must be one of ${choices.join(', ')}, got '${value}'`, {
    field: flag,
    hint: unknownNameHint(value, choices),
  });
}
