import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DS003720, eventsTsv, makeTree, nifti1Header } from '../testing/bids.js';
import { formatReport, inspectDataset } from './inspect.js';

describe('inspectDataset', () => {
  test('metadata-only ds003720: design reported, 95 missing imaging files listed', async () => {
    const { report, design } = await inspectDataset(DS003720);
    assert.ok(design);
    assert.equal(report.design.ok, true);
    if (report.design.ok) {
      assert.deepEqual(
        [report.design.trainClips, report.design.testClips, report.design.testRepetitions],
        [480, 60, 4],
      );
      assert.equal(report.design.runs.length, 18);
      assert.ok(report.design.runs.every((r) => r.kept === 40 && r.dropped === 1 && r.nScansNeeded === 410));
    }
    assert.deepEqual(report.trs, [1.5]);
    assert.deepEqual(report.scansPerRun, []);
    assert.deepEqual(report.imaging.boldMissing, 90);
    assert.equal(report.problems.length, 95);
    assert.ok(
      report.problems.every((p) => !p.file.startsWith('/')),
      'problem paths are relative to the root',
    );
    const text = formatReport(report);
    assert.match(text, /train {3}480 clips in 12 runs/);
    assert.match(text, /test {4}60 clips × 4 repetitions in 6 runs/);
    assert.match(text, /problems {2}95/);
  });

  test('a design that cannot be built is reported with the file, not thrown', async () => {
    const root = makeTree({
      'task-Training_bold.json': '{"RepetitionTime": 1.5}',
      'sub-01/func/sub-01_task-Training_run-01_events.tsv': 'onset\tduration\tgenre\n0\t15\tx\n',
    });
    const { report, design } = await inspectDataset(root);
    assert.equal(design, null);
    assert.equal(report.design.ok, false);
    if (!report.design.ok)
      assert.match(report.design.error, /sub-01_task-Training_run-01_events\.tsv:1.*missing column "track"/);
    assert.match(formatReport(report), /CANNOT BE BUILT/);
  });

  test('a short run is listed with its image', async () => {
    const root = makeTree({
      'task-Training_bold.json': '{"RepetitionTime": 1.5}',
      'sub-01/func/sub-01_task-Training_run-01_bold.nii': nifti1Header([2, 2, 2, 25]),
      'sub-01/func/sub-01_task-Training_run-01_events.tsv': eventsTsv([
        ['rock', 1, 0],
        ['jazz', 2, 3],
        ['rock', 1, 0],
      ]),
    });
    const { report } = await inspectDataset(root);
    assert.equal(report.design.ok, false);
    if (!report.design.ok)
      assert.match(report.design.error, /_bold\.nii: run has 25 scans but its events need 30/);
    assert.deepEqual(report.scansPerRun, [25]);
  });
});
