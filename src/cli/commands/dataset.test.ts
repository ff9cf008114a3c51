/** `b2m dataset …` as a user runs it (a child process, real exit codes). */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { DS003720, makeTree, REPO_ROOT } from '../../io/bids/test-helpers.js';

const b2m = (...args: string[]) =>
  spawnSync(process.execPath, [join(REPO_ROOT, 'bin', 'b2m.mjs'), ...args], {
    encoding: 'utf8',
    env: { ...process.env, B2M_CACHE_DIR: mkdtempSync(join(tmpdir(), 'b2m-cli-cache-')) },
  });

describe('b2m dataset', () => {
  test('inspect --json on the metadata-only copy exits 0 with the counts', () => {
    const r = b2m('dataset', 'inspect', DS003720, '--json');
    assert.equal(r.status, 0, r.stderr);
    const report = JSON.parse(r.stdout);
    assert.equal(report.design.trainClips, 480);
    assert.equal(report.design.testClips, 60);
    assert.equal(report.problems.length, 95);
  });

  test('inspect exits 1 when the design cannot be built, 1 with a clear error for a missing root', () => {
    const root = makeTree({ 'sub-01/func/sub-01_task-Test_run-01_events.tsv': 'onset\tduration\n0\t15\n' });
    const r = b2m('dataset', 'inspect', root);
    assert.equal(r.status, 1);
    assert.match(r.stdout, /CANNOT BE BUILT/);
    const missing = b2m('dataset', 'inspect', join(root, 'nope'));
    assert.equal(missing.status, 1);
    assert.match(missing.stderr, /dataset folder not found/);
  });

  test('design -o writes the design JSON; prepare writes the decoder inputs and uses the cache', () => {
    const out = mkdtempSync(join(tmpdir(), 'b2m-cli-'));
    const d = b2m('dataset', 'design', DS003720, '-o', join(out, 'design.json'));
    assert.equal(d.status, 0, d.stderr);
    const design = JSON.parse(readFileSync(join(out, 'design.json'), 'utf8'));
    assert.equal(design.clips.length, 540);
    assert.equal(design.runs[0].events[0].clipId, 'blues.00098');

    const fixture = join(REPO_ROOT, 'test', 'fixtures', 'fmri', 'prepare');
    const cache = join(out, 'cache');
    const args = [
      'dataset',
      'prepare',
      fixture,
      '--subject',
      '001',
      '--mask',
      join(fixture, 'mask.nii.gz'),
      '-o',
      join(out, 'prep'),
      '--cache',
      cache,
    ];
    const p1 = b2m(...args);
    assert.equal(p1.status, 0, p1.stderr);
    assert.match(p1.stdout, /sub-001: train 160 × 26, test 40 × 26 \(4 windows per clip\), 1 constant/);
    assert.match(p1.stdout, /cache: 0 hits, 2 misses/);
    const p2 = b2m(...args);
    assert.match(p2.stdout, /cache: 2 hits, 0 misses/);
    for (const f of ['train_X.npy', 'test_X.npy', 'train_run.npy', 'samples.json'])
      assert.ok(existsSync(join(out, 'prep', 'sub-001', f)), f);
    const bad = b2m(
      'dataset',
      'prepare',
      fixture,
      '--subject',
      '001',
      '-o',
      join(out, 'p3'),
      '--delay',
      'three',
    );
    assert.equal(bad.status, 1);
    assert.match(bad.stderr, /--delay "three" is not a number/);
  });
});
