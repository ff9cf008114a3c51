/**
 * BIDS `events.tsv` parsing, robust to what real files contain: CRLF or CR line
 * endings, a UTF-8 byte-order mark, values wrapped in single or double quotes,
 * quotes that lost their partner (ds003720's `Training_run-04` has `classical'`),
 * extra columns, `n/a`, trailing blank lines. A malformed file is reported with its
 * path, 1-based line and column (number and name) and a hint.
 */
import { readFileSync } from 'node:fs';
import { UserError } from '../../util/errors.js';

/** One data row of an events file. */
export interface EventsRow {
  /** 1-based line number in the file (the header is line 1). */
  line: number;
  /** Onset in seconds from the first scan of the run. */
  onset: number;
  /** Duration in seconds (NaN when the cell is `n/a`). */
  duration: number;
  /** Every cell by column name, quotes stripped (including onset and duration as text). */
  values: Record<string, string>;
}

/** A cell whose quoting was repaired: kept so that callers can report it. */
export interface QuoteRepair {
  line: number;
  /** 1-based column number. */
  column: number;
  columnName: string;
  raw: string;
  value: string;
}

export interface EventsTable {
  path: string;
  /** Column names in file order. */
  columns: string[];
  rows: EventsRow[];
  /** Cells with an unbalanced quote that were repaired (`classical'` → `classical`). */
  repairs: QuoteRepair[];
  /** Line-ending style found: `crlf`, `lf`, `cr` or `mixed`. */
  lineEndings: 'crlf' | 'lf' | 'cr' | 'mixed' | 'none';
}

export interface ParseEventsOptions {
  /** Columns that must be present besides `onset` and `duration` (e.g. `genre`, `track`). */
  required?: readonly string[];
}

/** Reads and parses an `events.tsv` file. Throws a `UserError` naming the file, line and column. */
export function parseEventsTsv(path: string, opts: ParseEventsOptions = {}): EventsTable {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new UserError(`cannot read events file: ${(e as Error).message}`, {
      file: path,
      hint: 'check that the file exists and is readable',
      cause: e,
    });
  }
  return parseEventsText(text, path, opts);
}

/** Parses the text of an events file; `path` is used in messages only. */
export function parseEventsText(text: string, path: string, opts: ParseEventsOptions = {}): EventsTable {
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const lineEndings = detectLineEndings(text);
  const lines = text.split(/\r\n|\r|\n/);
  // Trailing blank lines are common (a final newline, editors); blank lines inside are not data.
  while (lines.length > 0 && lines[lines.length - 1]!.trim() === '') lines.pop();
  if (lines.length === 0) {
    throw new UserError('events file is empty', {
      file: path,
      line: 1,
      hint: 'an events.tsv needs a header line (onset, duration, …) and one line per event',
    });
  }
  const repairs: QuoteRepair[] = [];
  const header = lines[0]!.split('\t').map((h, i) => unquote(h, 1, i + 1, h, repairs).trim());
  const seen = new Map<string, number>();
  header.forEach((name, i) => {
    if (name === '') {
      throw new UserError(`column ${i + 1} of the header has no name`, {
        file: path,
        line: 1,
        column: i + 1,
        hint: 'every header cell must name its column; check for a stray tab',
      });
    }
    const prev = seen.get(name);
    if (prev !== undefined) {
      throw new UserError(`column name "${name}" appears twice (columns ${prev + 1} and ${i + 1})`, {
        file: path,
        line: 1,
        column: i + 1,
        hint: 'rename or remove the duplicate column',
      });
    }
    seen.set(name, i);
  });
  for (const name of ['onset', 'duration', ...(opts.required ?? [])]) {
    if (!seen.has(name)) {
      throw new UserError(`missing column "${name}" (found: ${header.join(', ')})`, {
        file: path,
        line: 1,
        field: name,
        hint: `add a "${name}" column to the header and every row (BIDS events files are tab-separated)`,
      });
    }
  }
  const onsetCol = seen.get('onset')!;
  const durationCol = seen.get('duration')!;
  const rows: EventsRow[] = [];
  for (let li = 1; li < lines.length; li++) {
    const line = li + 1;
    const raw = lines[li]!;
    if (raw.trim() === '') {
      throw new UserError('blank line inside the table', {
        file: path,
        line,
        hint: 'remove the blank line (only trailing blank lines are ignored)',
      });
    }
    const cells = raw.split('\t');
    if (cells.length !== header.length) {
      throw new UserError(`row has ${cells.length} cells but the header has ${header.length} columns`, {
        file: path,
        line,
        column: Math.min(cells.length, header.length) + 1,
        hint: 'separate cells with exactly one tab and write n/a for a missing value',
      });
    }
    const values: Record<string, string> = {};
    cells.forEach((cell, ci) => {
      values[header[ci]!] = unquote(cell, line, ci + 1, header[ci]!, repairs).trim();
    });
    const onset = parseNumberCell(values.onset!, { path, line, column: onsetCol + 1, name: 'onset' });
    const duration =
      values.duration === 'n/a'
        ? Number.NaN
        : parseNumberCell(values.duration!, { path, line, column: durationCol + 1, name: 'duration' });
    rows.push({ line, onset, duration, values });
  }
  return { path, columns: header, rows, repairs, lineEndings };
}

interface CellAt {
  path: string;
  line: number;
  column: number;
  name: string;
}

/** A finite decimal number, or a UserError naming the cell. */
export function parseNumberCell(text: string, at: CellAt): number {
  const t = text.trim();
  // Number('') is 0 and Number('0x10') is 16: both would hide a broken file.
  const ok = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(t);
  const v = ok ? Number(t) : Number.NaN;
  if (!Number.isFinite(v)) {
    throw new UserError(`${at.name} "${text}" is not a number`, {
      file: at.path,
      line: at.line,
      column: at.column,
      field: at.name,
      hint: `write ${at.name} as a decimal number of ${at.name === 'track' ? 'the track' : 'seconds'}`,
    });
  }
  return v;
}

/**
 * Strips one pair of matching quotes, or a lone leading/trailing quote (recorded as
 * a repair). A quote inside a value is kept: `rock'n'roll` stays as it is.
 */
function unquote(
  cell: string,
  line: number,
  column: number,
  columnName: string,
  repairs: QuoteRepair[],
): string {
  const t = cell.trim();
  if (t.length === 0) return t;
  const first = t[0]!;
  const last = t[t.length - 1]!;
  const isQ = (c: string) => c === "'" || c === '"';
  if (t.length >= 2 && isQ(first) && first === last)
    return t.slice(1, -1).replaceAll(`${first}${first}`, first);
  let value: string | null = null;
  if (isQ(first) && !t.slice(1).includes(first)) value = t.slice(1);
  else if (isQ(last) && !t.slice(0, -1).includes(last)) value = t.slice(0, -1);
  if (value === null) return t;
  repairs.push({ line, column, columnName, raw: cell, value });
  return value;
}

function detectLineEndings(text: string): EventsTable['lineEndings'] {
  const crlf = (text.match(/\r\n/g) ?? []).length;
  const lf = (text.match(/\n/g) ?? []).length - crlf;
  const cr = (text.match(/\r/g) ?? []).length - crlf;
  const kinds = [crlf > 0, lf > 0, cr > 0].filter(Boolean).length;
  if (kinds === 0) return 'none';
  if (kinds > 1) return 'mixed';
  return crlf > 0 ? 'crlf' : lf > 0 ? 'lf' : 'cr';
}
