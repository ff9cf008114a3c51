/**
 * Each events file is judged on its own rules, on a copy of the real ds003720
 * metadata: a fault in sub-001 is blamed on sub-001's file and line, whatever the
 * other subjects hold; a mis-named subject folder is listed, not skipped silently.
 */
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { DS003720 } from '../../testing/bids.js';
import { discoverBids } from './discover.js';
import { judgeEvents } from './events-check.js';
import { parseEventsText } from './tsv.js';

const root = mkdtempSync(join(tmpdir(), 'b2m-events-'));
after(() => rmSync(root, { recursive: true, force: true }));

const RUN = 'func/sub-001_task-Training_run-01_events.tsv';

describe('events files judged on their own (real ds003720 metadata)', () => {
  it('the shipped metadata has no events problem', async () => {
    const ds = await discoverBids(DS003720);
    assert.deepEqual(
      ds.problems.filter((p) => p.file.endsWith('_events.tsv')),
      [],
    );
  });

  it('a duplicated row and an unknown genre in sub-001 are errors on sub-001, with lines', async () => {
    const copy = join(root, 'ds');
    cpSync(DS003720, copy, { recursive: true });
    const file = join(copy, 'sub-001', RUN);
    const lines = readFileSync(file, 'utf8').split('\r\n');
    lines.splice(3, 0, lines[2]!); // line 4 repeats line 3
    lines[5] = lines[5]!.replace(/'[a-z]+'/, "'raggae'");
    writeFileSync(file, lines.join('\r\n'));
    mkdirSync(join(copy, 'sub_006'));
    const ds = await discoverBids(copy);
    const events = ds.problems.filter((p) => p.file.endsWith('_events.tsv'));
    assert.deepEqual(
      events.map((p) => [p.file, p.line, p.severity]),
      [
        [file, 4, 'error'],
        [file, 6, 'error'],
      ],
    );
    assert.match(events[0]!.reason, /line 4 repeats line 3 exactly/);
    assert.match(events[1]!.reason, /unknown genre 'raggae' \(did you mean 'reggae'\?\)/);
    const named = ds.problems.find((p) => p.file === join(copy, 'sub_006'));
    assert.ok(named, 'the mis-named subject folder is listed');
    assert.equal(named.severity, 'error');
    assert.match(named.reason, /does not follow BIDS naming/);
  });
});

describe('judgeEvents', () => {
  const table = (rows: string[]) =>
    parseEventsText(['onset\tduration\tgenre\ttrack\tstart\tend', ...rows].join('\n'), 'e.tsv');

  it('two different clips at one onset; overlap is a warning', () => {
    const p = judgeEvents(table(['0\t15\tjazz\t1\t0\t15', '0\t15\trock\t2\t0\t15', '10\t15\tpop\t3\t0\t15']));
    assert.deepEqual(
      p.map((x) => [x.line, x.severity]),
      [
        [3, 'error'],
        [4, 'warning'],
      ],
    );
    assert.match(p[0]!.reason, /two events start at 0 s \(lines 2 and 3\)/);
  });

  it('a clean schedule has no problem; genres can be any when asked', () => {
    assert.deepEqual(judgeEvents(table(['0\t15\tjazz\t1\t0\t15', '15\t15\trock\t2\t0\t15'])), []);
    assert.deepEqual(judgeEvents(table(['0\t15\tspeech\t1\t0\t15']), { genres: null }), []);
  });
});
