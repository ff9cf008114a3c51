import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import {
  DS003720,
  DS003720_SHARED,
  eventsTsv,
  makeTree,
  nifti1Header,
  nifti2Header,
} from '../../testing/bids.js';
import { UserError } from '../../util/errors.js';
import { discoverBids } from './discover.js';
import { parseBidsName } from './entities.js';
import { readNiftiDims } from './nifti-dims.js';

describe('discoverBids on the ds003720 metadata', () => {
  for (const root of [DS003720, DS003720_SHARED].filter((r) => existsSync(r))) {
    test(`subjects, runs, sidecars, events, TR (${root.includes('shared') ? 'shared copy' : 'repo copy'})`, async () => {
      const ds = await discoverBids(root);
      assert.equal(ds.name, 'Music Genre fMRI Dataset');
      assert.deepEqual(
        ds.subjects.map((s) => s.id),
        ['001', '002', '003', '004', '005'],
      );
      assert.deepEqual(ds.tasks, ['Test', 'Training']);
      assert.equal(ds.runs.length, 90);
      for (const s of ds.subjects) {
        assert.deepEqual(
          s.runs.filter((r) => r.task === 'Training').map((r) => r.run),
          [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12],
        );
        assert.deepEqual(
          s.runs.filter((r) => r.task === 'Test').map((r) => r.run),
          [1, 2, 3, 4, 5, 6],
        );
      }
      for (const r of ds.runs) {
        assert.equal(r.tr, 1.5);
        assert.ok(r.events?.endsWith(`${r.key}_events.tsv`));
        assert.ok(r.sidecar?.endsWith(`${r.key}_bold.json`));
        assert.equal(r.metadata.TaskName, r.task);
        assert.equal(r.bold, undefined);
        assert.equal(r.nScans, undefined);
      }
      // Metadata only: 90 BOLD images and 5 T1w images missing, nothing else.
      assert.equal(ds.problems.length, 95);
      assert.ok(ds.problems.every((p) => p.severity === 'missing'));
      assert.equal(ds.problems.filter((p) => p.reason === 'BOLD image missing').length, 90);
      assert.deepEqual(ds.spaces, []);
    });
  }
});

describe('BIDS names', () => {
  test('entities, suffix and extension', () => {
    assert.deepEqual(parseBidsName('sub-01_task-x_run-02_space-T1w_desc-preproc_bold.nii.gz'), {
      entities: { sub: '01', task: 'x', run: '02', space: 'T1w', desc: 'preproc' },
      suffix: 'bold',
      extension: '.nii.gz',
    });
    assert.equal(parseBidsName('README'), null);
    assert.equal(parseBidsName('task-x_bold.json'), null);
    assert.equal(parseBidsName('sub-01_bad_bold.nii'), null);
  });
});

describe('readNiftiDims', () => {
  test('NIfTI-1 .nii, big-endian, .nii.gz and NIfTI-2', async () => {
    const root = makeTree({
      'a.nii': nifti1Header([4, 4, 3, 410], 1.5),
      'b.nii': nifti1Header([4, 4, 3, 7], 2, false),
      'c.nii.gz': Buffer.concat([nifti1Header([2, 2, 2, 12], 0.8), Buffer.alloc(2 * 8 * 12)]),
      'd.nii': nifti2Header([5, 6, 7, 9], 1.25),
      'e.nii': Buffer.from('not a nifti file at all'),
    });
    assert.deepEqual(await readNiftiDims(join(root, 'a.nii')), { dims: [4, 4, 3, 410], tr: 1.5, version: 1 });
    assert.deepEqual(await readNiftiDims(join(root, 'b.nii')), { dims: [4, 4, 3, 7], tr: 2, version: 1 });
    assert.equal((await readNiftiDims(join(root, 'c.nii.gz'))).dims[3], 12);
    assert.deepEqual(await readNiftiDims(join(root, 'd.nii')), { dims: [5, 6, 7, 9], tr: 1.25, version: 2 });
    await assert.rejects(
      readNiftiDims(join(root, 'e.nii')),
      (e: unknown) => e instanceof UserError && /not a NIfTI/.test(e.message),
    );
  });
});

/** A two-subject dataset with images, inherited sidecars and fMRIPrep outputs in two spaces. */
function syntheticTree(): string {
  const ev = eventsTsv([
    ['rock', 1, 0],
    ['jazz', 2, 3],
    ['rock', 1, 0],
  ]);
  const files: Record<string, string | Buffer> = {
    'dataset_description.json': '{"Name": "tiny", "BIDSVersion": "1.8.0"}',
    'task-music_bold.json': '{"RepetitionTime": 1.5, "TaskName": "music"}',
  };
  for (const s of ['01', '02']) {
    files[`sub-${s}/anat/sub-${s}_T1w.nii.gz`] = nifti1Header([8, 8, 8]);
    files[`sub-${s}/func/sub-${s}_task-music_run-1_bold.nii`] = nifti1Header([4, 4, 3, 30]);
    files[`sub-${s}/func/sub-${s}_task-music_run-1_events.tsv`] = ev;
    for (const space of ['T1w', 'MNI152NLin2009cAsym']) {
      const res = space === 'T1w' ? '' : '_res-2';
      const stem = `derivatives/fmriprep/sub-${s}/func/sub-${s}_task-music_run-1_space-${space}${res}`;
      files[`${stem}_desc-preproc_bold.nii.gz`] = nifti1Header([4, 4, 3, 30]);
      files[`${stem}_desc-brain_mask.nii.gz`] = nifti1Header([4, 4, 3]);
      files[`${stem}_desc-aparc.a2009s_dseg.nii.gz`] = nifti1Header([4, 4, 3]);
    }
    files[`derivatives/fmriprep/sub-${s}/anat/sub-${s}_space-T1w_desc-brain_mask.nii.gz`] = nifti1Header([
      8, 8, 8,
    ]);
    files[`derivatives/freesurfer/sub-${s}/mri/aparc.a2009s+aseg.mgz`] = 'mgz';
  }
  // Subject 02 overrides the inherited TR for its run (deeper sidecar wins) and lacks its second run's image.
  files['sub-02/func/sub-02_task-music_run-1_bold.json'] = '{"RepetitionTime": 1.5, "Note": "own"}';
  files['sub-02/func/sub-02_task-music_run-2_events.tsv'] = ev;
  return makeTree(files);
}

describe('discoverBids on a synthetic tree with fMRIPrep derivatives', () => {
  test('images, inherited sidecars, spaces, masks, Destrieux, FreeSurfer', async () => {
    const root = syntheticTree();
    const ds = await discoverBids(root);
    assert.equal(ds.name, 'tiny');
    assert.deepEqual(ds.spaces, ['MNI152NLin2009cAsym_res-2', 'T1w']);
    assert.equal(ds.space, undefined);
    assert.ok(ds.problems.some((p) => p.severity === 'warning' && /several spaces/.test(p.reason)));
    const r1 = ds.runs.find((r) => r.key === 'sub-01_task-music_run-1')!;
    assert.equal(r1.tr, 1.5);
    assert.equal(r1.nScans, 30);
    assert.deepEqual(r1.sidecarChain, [join(root, 'task-music_bold.json')]);
    assert.equal(r1.derivatives.length, 2);
    assert.equal(r1.preproc, undefined);
    const s1 = ds.subjects[0]!;
    assert.ok(s1.t1w?.endsWith('sub-01_T1w.nii.gz'));
    assert.ok(s1.freesurferDestrieux?.endsWith('aparc.a2009s+aseg.mgz'));
    assert.ok(s1.anatMasks.T1w?.endsWith('sub-01_space-T1w_desc-brain_mask.nii.gz'));
    const r2 = ds.runs.find((r) => r.key === 'sub-02_task-music_run-1')!;
    assert.equal(r2.sidecarChain.length, 2);
    assert.equal(r2.metadata.Note, 'own');
    assert.equal(r2.metadata.TaskName, 'music');
    const missing = ds.runs.find((r) => r.key === 'sub-02_task-music_run-2')!;
    assert.equal(missing.bold, undefined);
    assert.equal(missing.tr, 1.5);
    assert.ok(
      ds.problems.some(
        (p) => p.file.endsWith('sub-02_task-music_run-2_bold.nii[.gz]') && p.severity === 'missing',
      ),
    );
  });

  test('--space picks one space, by full name or by name without resolution', async () => {
    const root = syntheticTree();
    const t1 = await discoverBids(root, { space: 'T1w' });
    const r = t1.runs.find((x) => x.key === 'sub-01_task-music_run-1')!;
    assert.equal(t1.space, 'T1w');
    assert.ok(r.preproc?.endsWith('space-T1w_desc-preproc_bold.nii.gz'));
    assert.ok(r.mask?.endsWith('space-T1w_desc-brain_mask.nii.gz'));
    assert.ok(r.dseg?.endsWith('space-T1w_desc-aparc.a2009s_dseg.nii.gz'));
    const mni = await discoverBids(root, { space: 'MNI152NLin2009cAsym' });
    assert.equal(mni.space, 'MNI152NLin2009cAsym_res-2');
    assert.ok(!mni.problems.some((p) => /several spaces/.test(p.reason)));
    await assert.rejects(
      discoverBids(root, { space: 'fsaverage' }),
      (e: unknown) => e instanceof UserError && e.location.field === 'space',
    );
  });

  test('a missing root is a UserError; a folder without subjects is a problem', async () => {
    await assert.rejects(discoverBids('/nonexistent/b2m'), UserError);
    const empty = makeTree({ README: 'x' });
    const ds = await discoverBids(empty);
    assert.ok(ds.problems.some((p) => p.severity === 'error' && /no sub-\*/.test(p.reason)));
  });
});
