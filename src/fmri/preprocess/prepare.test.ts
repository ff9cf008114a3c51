/**
 * End to end against nibabel + scipy + numpy: a tiny BIDS dataset with real ds003720
 * events and int16 NIfTI runs (test/fixtures/fmri/prepare, made by
 * scripts/fixtures/fmri_prepare.py), discovered, masked, median-filtered, z-scored,
 * windowed with a 3-scan delay and repetition-averaged by the library.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { discoverBids } from '../../io/bids/discover.js';
import { DS003720, REPO_ROOT } from '../../io/bids/test-helpers.js';
import { UserError } from '../../util/errors.js';
import { buildDesign, designInputs } from '../design.js';
import { resolvePreprocessOptions } from './options.js';
import { prepareSubject } from './prepare.js';
import { bidsRunSource, subjectMask } from './source.js';

const ROOT = join(REPO_ROOT, 'test', 'fixtures', 'fmri', 'prepare');

interface Expected {
  rows: number;
  cols: number;
  X: number[];
  clipIds: string[];
}

describe('prepareSubject end to end (nibabel + scipy reference)', () => {
  test('train and test matrices, labels and the constant voxel', async () => {
    const expected = JSON.parse(readFileSync(join(ROOT, 'expected.json'), 'utf8')) as Record<
      'Training' | 'Test',
      Expected
    >;
    const dataset = await discoverBids(ROOT);
    assert.deepEqual(
      dataset.runs.map((r) => [r.key, r.nScans, r.tr]),
      [
        ['sub-001_task-Test_run-01', 410, 1.5],
        ['sub-001_task-Training_run-01', 410, 1.5],
      ],
    );
    const design = buildDesign(designInputs(dataset));
    const mask = await subjectMask(dataset, '001', join(ROOT, 'mask.nii.gz'));
    const options = resolvePreprocessOptions();
    const m = await prepareSubject(
      design,
      bidsRunSource({ dataset, design, subject: '001', mask, options }),
      options,
    );

    for (const [name, set] of [
      ['Training', m.train],
      ['Test', m.test],
    ] as const) {
      const e = expected[name];
      assert.deepEqual(set.X.shape, [e.rows, e.cols], name);
      assert.deepEqual(set.clipIds, e.clipIds, name);
      let worst = 0;
      for (let i = 0; i < e.X.length; i++) worst = Math.max(worst, Math.abs(set.X.data[i]! - e.X[i]!));
      assert.ok(worst < 1e-4, `${name}: max abs error ${worst}`);
    }
    assert.deepEqual([m.train.X.rows, m.test.X.rows], [160, 40]);
    // Voxel (3, 0, 0) is constant: nilearn-order column of offset 3 is reported and zero everywhere.
    const col = Array.from(mask.indices).indexOf(3);
    assert.ok(col >= 0);
    assert.deepEqual(m.constantVoxels, [col]);
    for (let r = 0; r < m.train.X.rows; r++) assert.equal(m.train.X.get(r, col), 0);
    // Windows: 0..3 per clip; training runs are CV group 0.
    assert.deepEqual(Array.from(m.train.window.slice(0, 8)), [0, 1, 2, 3, 0, 1, 2, 3]);
    assert.ok(m.train.run.every((r) => r === 0));
  });

  test('a missing image stops before any work, naming the expected file', async () => {
    const dataset = await discoverBids(DS003720, { readHeaders: false });
    const design = buildDesign(designInputs(dataset));
    const mask = await subjectMask(dataset, '001', join(ROOT, 'mask.nii.gz'));
    assert.throws(
      () => bidsRunSource({ dataset, design, subject: '001', mask, options: resolvePreprocessOptions() }),
      (e: unknown) =>
        e instanceof UserError &&
        /sub-001_task-Training_run-01_bold\.nii\[\.gz\]$/.test(e.location.file ?? '') &&
        /BOLD image missing/.test(e.message),
    );
  });
});
