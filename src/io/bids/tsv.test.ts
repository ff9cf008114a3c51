import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { DS003720, makeTree } from '../../testing/bids.js';
import { UserError } from '../../util/errors.js';
import { parseEventsText, parseEventsTsv } from './tsv.js';

function allEventFiles(root: string): string[] {
  const out: string[] = [];
  for (const s of readdirSync(root).filter((n) => n.startsWith('sub-'))) {
    const func = join(root, s, 'func');
    for (const f of readdirSync(func)) if (f.endsWith('_events.tsv')) out.push(join(func, f));
  }
  return out.sort();
}

/** Independent reading: split on CRLF and tabs, strip every quote character. */
function naive(path: string): string[][] {
  return readFileSync(path, 'latin1')
    .split('\r\n')
    .filter((l) => l.length > 0)
    .map((l) => l.split('\t').map((c) => c.replaceAll("'", '')));
}

describe('parseEventsTsv on the real ds003720 metadata', () => {
  const files = allEventFiles(DS003720);

  test('90 files, 41 events each, every cell equal to a naive reading', () => {
    assert.equal(files.length, 90);
    for (const f of files) {
      const t = parseEventsTsv(f, { required: ['genre', 'track', 'start', 'end'] });
      const ref = naive(f);
      assert.deepEqual(t.columns, ref[0]);
      assert.equal(t.rows.length, 41, f);
      assert.equal(t.lineEndings, 'crlf');
      t.rows.forEach((r, i) => {
        assert.equal(r.line, i + 2);
        assert.equal(r.onset, 15 * i);
        assert.equal(r.duration, 15);
        assert.deepEqual(Object.values(r.values), ref[i + 1]);
      });
    }
  });

  test('the broken quotes of Training_run-04 are repaired and reported, in every subject', () => {
    const run4 = files.filter((f) => f.endsWith('_task-Training_run-04_events.tsv'));
    assert.equal(run4.length, 5);
    for (const f of run4) {
      const t = parseEventsTsv(f);
      assert.deepEqual(
        t.repairs.map((r) => [r.line, r.column, r.columnName, r.raw, r.value]),
        [
          [40, 3, 'genre', "classical'", 'classical'],
          [41, 3, 'genre', "jazz'", 'jazz'],
          [42, 3, 'genre', "metal'", 'metal'],
        ],
      );
    }
    // No other file needs a repair.
    const others = files.filter((f) => !run4.includes(f)).flatMap((f) => parseEventsTsv(f).repairs);
    assert.deepEqual(others, []);
  });
});

describe('parseEventsText quirks', () => {
  test('LF, CR-only and CRLF give the same rows; BOM and trailing blank lines are ignored', () => {
    const body = ['onset\tduration\tgenre', '0\t15\tblues', '15\t15\t"jazz"'];
    const a = parseEventsText(body.join('\n'), 'a.tsv');
    const b = parseEventsText(`\ufeff${body.join('\r')}\r\r`, 'b.tsv');
    const c = parseEventsText(`${body.join('\r\n')}\r\n\r\n`, 'c.tsv');
    assert.deepEqual(a.rows, b.rows);
    assert.deepEqual(a.rows, c.rows);
    assert.equal(a.rows[1]!.values.genre, 'jazz');
    assert.deepEqual([a.lineEndings, b.lineEndings, c.lineEndings], ['lf', 'cr', 'crlf']);
  });

  test('extra columns are kept; n/a duration is NaN; inner quotes stay', () => {
    const t = parseEventsText("onset\tduration\ttrial_type\tnote\n1.5\tn/a\tmusic\trock'n'roll\n", 'x.tsv');
    assert.deepEqual(t.columns, ['onset', 'duration', 'trial_type', 'note']);
    assert.equal(t.rows[0]!.onset, 1.5);
    assert.ok(Number.isNaN(t.rows[0]!.duration));
    assert.equal(t.rows[0]!.values.note, "rock'n'roll");
    assert.deepEqual(t.repairs, []);
  });

  test('doubled quotes inside a quoted value are unescaped', () => {
    const t = parseEventsText('onset\tduration\tname\n0\t1\t"say ""hi"""\n', 'q.tsv');
    assert.equal(t.rows[0]!.values.name, 'say "hi"');
  });
});

describe('malformed events files', () => {
  const err = (text: string, required?: string[]) => {
    try {
      parseEventsText(text, 'bad_events.tsv', { required });
    } catch (e) {
      assert.ok(e instanceof UserError, String(e));
      return e;
    }
    assert.fail('expected a UserError');
  };

  test('a missing column names the file, line 1 and the column', () => {
    const e = err('onset\tgenre\n0\tblues\n');
    assert.equal(e.location.file, 'bad_events.tsv');
    assert.equal(e.location.line, 1);
    assert.equal(e.location.field, 'duration');
    assert.match(e.format(), /bad_events\.tsv:1.*missing column "duration"/);
    const e2 = err('onset\tduration\tgenre\n0\t15\tblues\n', ['genre', 'track']);
    assert.equal(e2.location.field, 'track');
  });

  test('a non-numeric onset names the line and column', () => {
    const e = err("onset\tduration\n0\t15\n'15s'\t15\n");
    assert.equal(e.location.line, 3);
    assert.equal(e.location.column, 1);
    assert.equal(e.location.field, 'onset');
    assert.match(e.format(), /^bad_events\.tsv:3:1 \[onset\]: onset "15s" is not a number/);
    // Empty cells and hex are not numbers either (Number() would accept them).
    assert.equal(err('onset\tduration\n\t15\n').location.line, 2);
    assert.equal(err('onset\tduration\n0x10\t15\n').location.line, 2);
    assert.equal(err('onset\tduration\n0\tabc\n').location.column, 2);
  });

  test('a row with too few or too many cells names the line', () => {
    const e = err('onset\tduration\tgenre\n0\t15\tblues\n15\t15\n');
    assert.equal(e.location.line, 3);
    assert.equal(e.location.column, 3);
    assert.equal(err('onset\tduration\n0\t15\textra\n').location.line, 2);
  });

  test('empty file, blank header cell, duplicate column, blank line inside', () => {
    assert.equal(err('').location.line, 1);
    assert.equal(err('onset\t\tduration\n').location.column, 2);
    assert.match(err('onset\tduration\tonset\n').message, /appears twice/);
    assert.equal(err('onset\tduration\n0\t1\n\n2\t1\n').location.line, 3);
  });

  test('an unreadable path is a UserError naming it', () => {
    const root = makeTree({});
    assert.throws(
      () => parseEventsTsv(join(root, 'nope_events.tsv')),
      (e: unknown) => e instanceof UserError && e.location.file === join(root, 'nope_events.tsv'),
    );
  });
});
