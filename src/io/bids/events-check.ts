/**
 * Rules every `events.tsv` is judged by on its own, whatever else is in the dataset
 * or which subjects a command selects: so a fault is blamed on the file that has it
 * (never on a subject compared with it), and never becomes a note or a new category.
 */
import { nearestNames } from '../../util/nearest.js';
import { GTZAN_GENRES } from './genres.js';
import type { BidsProblem } from './problems.js';

export { GTZAN_GENRES };

import type { EventsTable } from './tsv.js';

export interface EventsRules {
  /** Allowed labels of the `genre` column (default the GTZAN genres); null: any. */
  genres?: readonly string[] | null;
}

/**
 * Problems of one events table: a row repeated verbatim, two different events at
 * one onset, an event starting before the previous one ends, an unknown genre.
 * Each problem names the file and line.
 */
export function judgeEvents(table: EventsTable, rules: EventsRules = {}): BidsProblem[] {
  const problems: BidsProblem[] = [];
  const at = (line: number, reason: string, severity: BidsProblem['severity'] = 'error') =>
    problems.push({ file: table.path, line, reason, severity });
  const seenRow = new Map<string, number>();
  const seenOnset = new Map<number, number>();
  const genres = rules.genres === undefined ? GTZAN_GENRES : rules.genres;
  let prevEnd = Number.NEGATIVE_INFINITY;
  let prevLine = 0;
  for (const row of table.rows) {
    const key = table.columns.map((c) => row.values[c] ?? '').join('\t');
    const same = seenRow.get(key);
    if (same !== undefined) {
      at(row.line, `line ${row.line} repeats line ${same} exactly (a duplicated event)`);
      continue;
    }
    seenRow.set(key, row.line);
    const clash = seenOnset.get(row.onset);
    if (clash !== undefined) {
      at(row.line, `two events start at ${row.onset} s (lines ${clash} and ${row.line})`);
    } else {
      seenOnset.set(row.onset, row.line);
      if (row.onset < prevEnd - 1e-6) {
        at(
          row.line,
          `the event at ${row.onset} s starts before the one on line ${prevLine} ends (${prevEnd} s)`,
          'warning',
        );
      }
    }
    if (Number.isFinite(row.duration)) {
      prevEnd = Math.max(prevEnd, row.onset + row.duration);
      prevLine = row.line;
    }
    const g = row.values.genre;
    if (genres && g !== undefined && g !== 'n/a' && !genres.includes(g)) {
      const near = nearestNames(g, genres);
      at(
        row.line,
        `unknown genre '${g}'${near.length ? ` (did you mean ${near.map((n) => `'${n}'`).join(' or ')}?)` : ''}; the genres are ${genres.join(', ')}`,
      );
    }
  }
  return problems;
}
