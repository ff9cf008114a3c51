import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { discoverBids } from '../io/bids/discover.js';
import { DS003720, DS003720_SHARED, eventsTsv, makeTree, nifti1Header } from '../io/bids/test-helpers.js';
import { parseEventsText } from '../io/bids/tsv.js';
import { UserError } from '../util/errors.js';
import { buildDesign, clipId, designInputs, loadDesign, type RunEventsInput } from './design.js';

/**
 * Reference counts by a different route: read each file's lines naively, strip all
 * quotes, drop line 2 (the first event), and count with Sets.
 */
function referenceCounts(root: string, subject: string) {
  const func = join(root, `sub-${subject}`, 'func');
  const train = new Set<string>();
  const test = new Map<string, number>();
  let trainEvents = 0;
  for (const f of readdirSync(func).filter((n) => n.endsWith('_events.tsv'))) {
    const lines = readFileSync(join(func, f), 'utf8').trim().split(/\r?\n/).slice(2);
    for (const l of lines) {
      const [, , g, t] = l.split('\t');
      const id = `${g!.replaceAll("'", '')}.${t!.padStart(5, '0')}`;
      if (f.includes('Training')) {
        train.add(id);
        trainEvents++;
      } else test.set(id, (test.get(id) ?? 0) + 1);
    }
  }
  return { train, test, trainEvents };
}

describe('the ds003720 design', () => {
  for (const root of [DS003720, DS003720_SHARED].filter((r) => existsSync(r))) {
    test(`480 training clips (48 per genre), 60 test clips × 4, identical for 5 subjects (${root.includes('shared') ? 'shared' : 'repo'} copy)`, async () => {
      const { design } = await loadDesign(root);
      assert.equal(design.tr, 1.5);
      assert.deepEqual(design.subjects, ['001', '002', '003', '004', '005']);
      assert.equal(design.identicalAcrossSubjects, true);
      assert.equal(design.counts.trainClips, 480);
      assert.equal(design.counts.testClips, 60);
      assert.equal(design.counts.testRepetitions, 4);
      assert.equal(design.clips.length, 540);
      assert.equal(new Set(design.clips.map((c) => c.id)).size, 540);
      for (const g of design.counts.perGenre) {
        assert.equal(g.train, 48, g.genre);
        assert.equal(g.test, 6, g.genre);
      }
      assert.deepEqual(
        design.counts.perGenre.map((g) => g.genre),
        ['blues', 'classical', 'country', 'disco', 'hiphop', 'jazz', 'metal', 'pop', 'reggae', 'rock'],
      );
      // Same sets as the naive reference, for every subject.
      for (const s of design.subjects) {
        const ref = referenceCounts(root, s);
        assert.equal(ref.trainEvents, 480);
        assert.deepEqual(
          new Set(design.clips.filter((c) => c.split === 'train').map((c) => c.id)),
          ref.train,
        );
        assert.deepEqual(
          new Set(design.clips.filter((c) => c.split === 'test').map((c) => c.id)),
          new Set(ref.test.keys()),
        );
        assert.ok([...ref.test.values()].every((n) => n === 4));
      }
    });
  }

  test('runs: 12 training then 6 test, first event dropped, onsets in scans, 410 scans needed', async () => {
    const { design } = await loadDesign(DS003720, { readHeaders: false });
    assert.deepEqual(
      design.runs.map((r) => r.key),
      [
        ...Array.from({ length: 12 }, (_, i) => `task-Training_run-${String(i + 1).padStart(2, '0')}`),
        ...Array.from({ length: 6 }, (_, i) => `task-Test_run-${String(i + 1).padStart(2, '0')}`),
      ],
    );
    for (const r of design.runs) {
      assert.equal(r.events.length, 40);
      assert.equal(r.dropped.length, 1);
      assert.equal(r.dropped[0]!.onset, 0);
      assert.equal(r.nScansNeeded, 410);
      r.events.forEach((e, k) => {
        assert.equal(e.onset, 15 * (k + 1));
        assert.equal(e.onsetScan, 10 * (k + 1));
        assert.equal(e.line, k + 3);
      });
    }
    // Training: each run's dropped first clip is the previous run's last clip (cyclically).
    const train = design.runs.filter((r) => r.split === 'train');
    train.forEach((r, i) => {
      assert.equal(r.dropped[0]!.clipId, train[(i + 11) % 12]!.events.at(-1)!.clipId);
    });
    // Test: the dropped clip is the run's own last clip; the 10 clips repeat 4 times in order.
    for (const r of design.runs.filter((x) => x.split === 'test')) {
      assert.equal(r.dropped[0]!.clipId, r.events.at(-1)!.clipId);
      const ids = r.events.map((e) => e.clipId);
      for (let k = 10; k < 40; k++) assert.equal(ids[k], ids[k - 10]);
      assert.deepEqual(
        r.events.map((e) => e.repetition),
        Array.from({ length: 40 }, (_, k) => Math.floor(k / 10)),
      );
    }
    // Presentations group the 4 repetitions of each test clip, in time order.
    for (const c of design.clips.filter((x) => x.split === 'test')) {
      const p = design.presentations[c.id]!;
      assert.equal(p.length, 4);
      assert.ok(p.every((q) => q.run === p[0]!.run));
      for (const q of p) assert.equal(design.runs[q.run]!.events[q.event]!.clipId, c.id);
    }
    for (const c of design.clips.filter((x) => x.split === 'train'))
      assert.equal(design.presentations[c.id]!.length, 1);
    // Clip fields: the first kept event of training run 1 is blues.00098, excerpt 6.46–21.46.
    assert.deepEqual(design.clips[0], {
      id: 'blues.00098',
      genre: 'blues',
      track: 98,
      start: 6.46,
      end: 21.46,
      split: 'train',
    });
    // The broken quotes are noted, not fatal.
    assert.equal(design.notes.filter((n) => /unbalanced quote/.test(n)).length, 3);
  });

  test('clip ids are zero-padded to 5 digits like GTZAN file names', () => {
    assert.equal(clipId('jazz', 5), 'jazz.00005');
    assert.equal(clipId('rock', 99), 'rock.00099');
  });
});

const input = (
  subject: string,
  task: string,
  run: number,
  text: string,
  extra: Partial<RunEventsInput> = {},
): RunEventsInput => ({
  subject,
  task,
  run,
  table: parseEventsText(text, `sub-${subject}_task-${task}_run-${run}_events.tsv`),
  tr: 1.5,
  ...extra,
});

describe('design errors name the file', () => {
  const ev = eventsTsv([
    ['rock', 1, 0],
    ['jazz', 2, 3],
    ['rock', 1, 0],
  ]);

  test('a run with fewer scans than its events need', () => {
    assert.throws(
      () =>
        buildDesign([
          input('01', 'Training', 1, ev, { nScans: 29, image: 'sub-01_task-Training_run-1_bold.nii' }),
        ]),
      (e: unknown) =>
        e instanceof UserError &&
        e.location.file === 'sub-01_task-Training_run-1_bold.nii' &&
        /29 scans but its events need 30/.test(e.message),
    );
    assert.equal(buildDesign([input('01', 'Training', 1, ev, { nScans: 30 })]).runs[0]!.nScansNeeded, 30);
  });

  test('a short run found by discovery (image header) stops loadDesign', async () => {
    const root = makeTree({
      'task-Training_bold.json': '{"RepetitionTime": 1.5}',
      'sub-01/func/sub-01_task-Training_run-01_bold.nii': nifti1Header([2, 2, 2, 20]),
      'sub-01/func/sub-01_task-Training_run-01_events.tsv': ev,
    });
    await assert.rejects(
      loadDesign(root),
      (e: unknown) =>
        e instanceof UserError && /_bold\.nii$/.test(e.location.file ?? '') && /20 scans/.test(e.message),
    );
  });

  test('missing music column and non-numeric track or onset', () => {
    assert.throws(
      () =>
        buildDesign([input('01', 'Training', 1, 'onset\tduration\tgenre\tstart\tend\n0\t15\tx\t0\t15\n')]),
      (e: unknown) => e instanceof UserError && e.location.field === 'track' && e.location.line === 1,
    );
    assert.throws(
      () =>
        buildDesign([
          input('01', 'Training', 1, 'onset\tduration\tgenre\ttrack\tstart\tend\n0\t15\tx\tseven\t0\t15\n'),
        ]),
      (e: unknown) => e instanceof UserError && e.location.line === 2 && e.location.column === 4,
    );
    const root = makeTree({
      'sub-01/func/sub-01_task-Training_run-01_events.tsv':
        "onset\tduration\tgenre\ttrack\tstart\tend\r\nzero\t15\t'a'\t1\t0\t15\r\n",
      'task-Training_bold.json': '{"RepetitionTime": 1.5}',
    });
    return assert.rejects(
      loadDesign(root),
      (e: unknown) =>
        e instanceof UserError &&
        e.location.line === 2 &&
        e.location.field === 'onset' &&
        (e.location.file ?? '').endsWith('run-01_events.tsv'),
    );
  });

  test('subjects with different designs: the first difference, with file and line', () => {
    const other = eventsTsv([
      ['rock', 1, 0],
      ['pop', 3, 3],
      ['rock', 1, 0],
    ]);
    assert.throws(
      () => buildDesign([input('01', 'Training', 1, ev), input('02', 'Training', 1, other)]),
      (e: unknown) =>
        e instanceof UserError &&
        e.location.file === 'sub-02_task-Training_run-1_events.tsv' &&
        e.location.line === 3 &&
        /pop\.00003/.test(e.message),
    );
  });

  test('a clip in both splits, and one clip id with two excerpts', () => {
    assert.throws(
      () => buildDesign([input('01', 'Training', 1, ev), input('01', 'Test', 1, ev)]),
      /both the training and the test set/,
    );
    const twoExcerpts = eventsTsv([
      ['rock', 1, 0],
      ['rock', 1, 5],
      ['rock', 1, 0],
    ]);
    assert.throws(
      () => buildDesign([input('01', 'Test', 1, twoExcerpts)]),
      /played as \[0, 15\) here but as \[5, 20\)/,
    );
  });

  test('dropFirst options and a dropped event that is no repeat is noted', () => {
    const noRepeat = eventsTsv([
      ['rock', 1, 0],
      ['jazz', 2, 3],
      ['pop', 3, 3],
    ]);
    const always = buildDesign([input('01', 'Test', 1, noRepeat)]);
    assert.equal(always.runs[0]!.events.length, 2);
    assert.ok(always.notes.some((n) => /does not repeat/.test(n)));
    assert.equal(
      buildDesign([input('01', 'Test', 1, noRepeat)], { dropFirst: 'repeat' }).runs[0]!.events.length,
      3,
    );
    assert.equal(
      buildDesign([input('01', 'Test', 1, ev)], { dropFirst: 'repeat' }).runs[0]!.events.length,
      2,
    );
    assert.equal(buildDesign([input('01', 'Test', 1, ev)], { dropFirst: 'never' }).runs[0]!.events.length, 3);
  });

  test('designInputs rejects an unknown subject', async () => {
    const ds = await discoverBids(DS003720, { readHeaders: false });
    assert.throws(
      () => designInputs(ds, ['sub-009']),
      (e: unknown) => e instanceof UserError && /sub-009/.test(e.message),
    );
    assert.equal(designInputs(ds, ['002']).length, 18);
  });
});
