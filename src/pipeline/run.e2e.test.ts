/**
 * `b2m run` end to end on a tiny twin (2 subjects, tiny grid, tone music, 3 training
 * runs + 1 test run, fMRIPrep derivatives only): the run folder and its metrics, resume
 * after SIGKILL mid-stage with identical metrics, and bad inputs refused before
 * anything is written.
 */
import assert from 'node:assert/strict';
import { type SpawnSyncReturns, spawn, spawnSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { validateMetricsFile } from '../evaluate/index.js';
import { readNpy } from '../io/npy.js';
import { synthesizeDataset } from '../synth/index.js';
import { interruptWhen, tempsUnder } from '../testing/cli.js';

const bin = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'bin', 'b2m.mjs');
const RUNS = ['task-Training_run-01', 'task-Training_run-02', 'task-Training_run-03', 'task-Test_run-01'];

describe('b2m run (tiny twin, end to end)', () => {
  const base = mkdtempSync(join(tmpdir(), 'b2m-run-e2e-'));
  const dataset = join(base, 'twin');
  const config = join(base, 'run.yaml');
  const env = { ...process.env, B2M_CACHE_DIR: join(base, 'cache') };
  const b2m = (...args: string[]): SpawnSyncReturns<string> =>
    spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', env, timeout: 240_000 });

  before(async () => {
    await synthesizeDataset({
      out: dataset,
      seed: 0,
      subjects: 2,
      grid: 'tiny',
      music: 'tones',
      runs: RUNS,
      libraryPerGenre: 1,
      layout: 'fmriprep',
    });
    writeFileSync(
      config,
      [
        'mask: { kind: cortex }',
        'decode: { cvFolds: 3, params: { roi-ensemble: { minVoxels: 3, topRois: 3 }, encoding-selected: { topK: 100 } } }',
        'evaluate: { permutations: 200, bootstrap: 200, trainCvFolds: 3, leaveOneGenreOut: [whole-cortex] }',
        // The tone stand-in music writes no separate library: the source tracks serve as one.
        `retrieval: { library: '${join(dataset, 'sourcedata', 'gtzan')}', audioTopK: 1 }`,
        'generate: { enabled: false }',
        'encode: { features: [genre], permutations: 100, subjects: [sub-001] }',
        'report: { spectrograms: false }',
        '',
      ].join('\n'),
    );
  });
  after(() => rmSync(base, { recursive: true, force: true }));

  it('writes the run folder: config, manifest, validated metrics with chance levels, predictions', () => {
    const out = join(base, 'run-a');
    const r = b2m('run', '--dataset', dataset, '--config', config, '--out', out);
    assert.equal(r.status, 0, r.stderr + r.stdout);
    assert.match(r.stdout, /whole-cortex/);
    assert.match(r.stdout, /chance/);
    const metrics = validateMetricsFile(JSON.parse(readFileSync(join(out, 'metrics.json'), 'utf8')));
    assert.deepEqual(metrics.subjects, ['sub-001', 'sub-002']);
    for (const d of ['roi-ensemble', 'whole-cortex', 'encoding-selected', 'aligned', 'kernel-rbf']) {
      const block = metrics.decoding[d];
      assert.ok(block, d);
      assert.equal(block.summary.identification?.chance, 0.5);
      assert.equal(block.summary.identification?.n, 2);
    }
    const resolved = JSON.parse(readFileSync(join(out, 'config.json'), 'utf8'));
    assert.equal(resolved.decode.cvFolds, 3);
    const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8'));
    assert.ok(manifest.stages.some((s: { stage: string }) => s.stage === 'decode'));
    assert.ok(manifest.inputs.config.hash);
    assert.ok(
      Object.keys(metrics.encoding ?? {}).some((k) => k.includes('genre')),
      'encoding metrics',
    );
    assert.ok(existsSync(join(out, 'encoding', 'sub-001', 'encoding.json')));
    // The published encoding keeps its test time courses and names its atlas (for the studio).
    const enc = JSON.parse(readFileSync(join(out, 'encoding', 'sub-001', 'encoding.json'), 'utf8'));
    for (const f of [enc.timecourses.voxels, enc.timecourses.measured, enc.timecourses.predicted])
      assert.ok(existsSync(join(out, 'encoding', 'sub-001', f)), f);
    assert.ok(existsSync(join(enc.dataset, enc.roiAtlas.dseg)), 'atlas');
    // ROI rows name their mean noise ceiling and, where voxels prefer a space, the majority one.
    type Row = { meanCeiling?: number; preferred?: { space: string; share: number; voxels: number } };
    const rows = enc.hierarchy as Row[];
    assert.ok(
      rows.some((h) => Number.isFinite(h.meanCeiling)),
      'ROI noise ceilings',
    );
    const names = (enc.spaces as { name: string }[]).map((x) => x.name);
    let counted = 0;
    for (const h of rows) {
      if (!h.preferred) continue;
      assert.ok(names.includes(h.preferred.space), h.preferred.space);
      assert.ok(h.preferred.share > 0 && h.preferred.share <= 1 && h.preferred.voxels >= 1);
      counted += h.preferred.voxels;
    }
    const preferring = Object.entries(enc.preferred.counts as Record<string, number>)
      .filter(([k]) => k !== 'none')
      .reduce((a, [, v]) => a + v, 0);
    assert.ok(counted <= preferring, `${counted} ROI voxels prefer a space, of ${preferring} in all`);
    assert.ok(existsSync(join(out, 'report.html')));
    assert.ok(metrics.retrieval?.['whole-cortex'], 'retrieval metrics');
    const pred = readNpy(join(out, 'predictions', 'sub-001', 'whole-cortex', 'pred_test.npy'));
    return pred.then((p) => {
      assert.deepEqual(p.shape.slice(0, 2), [10, 4]);
      const csv = readFileSync(join(out, 'predictions', 'sub-001', 'whole-cortex', 'clips.csv'), 'utf8')
        .trim()
        .split('\n');
      assert.equal(csv.length, 11);
      assert.equal(csv[0], 'row,clip,genre');
    });
  });

  it('resumes a run killed (SIGKILL) mid-stage: only the missing stages run, metrics identical', async () => {
    const out = join(base, 'run-b');
    const child = spawn(
      process.execPath,
      [bin, 'run', '--dataset', dataset, '--config', config, '--out', out],
      {
        env,
        stdio: 'ignore',
      },
    );
    // Kill as soon as the first decode stage is complete (others are still to come).
    const decodeDir = join(out, 'stages', 'decode');
    for (let i = 0; i < 2400; i++) {
      if (existsSync(decodeDir) && readdirSync(decodeDir).some((d) => !d.startsWith('.'))) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    assert.equal(existsSync(join(out, 'metrics.json')), false, 'killed before the end');
    const r = b2m('run', '--dataset', dataset, '--config', config, '--out', out);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /from the run folder/);
    assert.equal(
      readFileSync(join(out, 'metrics.json'), 'utf8'),
      readFileSync(join(base, 'run-a', 'metrics.json'), 'utf8'),
    );
    const leftovers = readdirSync(join(out, 'stages')).flatMap((s) =>
      readdirSync(join(out, 'stages', s)).filter((d) => d.startsWith('.tmp-')),
    );
    assert.deepEqual(leftovers, []);
  });

  it('SIGINT while a stage is computing: exit 130, no stage temporary left', async () => {
    const out = join(base, 'run-c');
    const stages = join(out, 'stages');
    const r = await interruptWhen(
      ['run', '--dataset', dataset, '--config', config, '--out', out],
      () => tempsUnder(stages).length > 0,
      'SIGINT',
      { env, timeoutMs: 240_000 },
    );
    assert.ok(r.sawTemp, `the run ended before a stage started: ${r.err}`);
    assert.equal(r.code, 130, r.err);
    assert.match(r.err, /interrupted \(SIGINT\); removed/);
    assert.deepEqual(tempsUnder(out), []);
    assert.equal(existsSync(join(out, 'metrics.json')), false);
    assert.deepEqual(tempsUnder(dataset), [], 'nothing written into the input');
  });

  it('refuses bad input with a clear error, before writing anything', () => {
    const cases: Array<[string[], RegExp]> = [];
    const badKey = join(base, 'bad.yaml');
    writeFileSync(badKey, 'decode:\n  cvFold: 3\n');
    cases.push([['--config', badKey], /unknown key 'decode\.cvFold'[\s\S]*did you mean 'decode\.cvFolds'/]);
    const badType = join(base, 'badtype.yaml');
    writeFileSync(badType, 'evaluate:\n  permutations: many\n');
    cases.push([['--config', badType], /evaluate\.permutations/]);
    cases.push([['--config', config, '--subjects', 'sub-009'], /subject sub-009 is not in the dataset/]);
    cases.push([
      ['--config', config, '--set', 'decode.decoders=[wholecortex]'],
      /did you mean 'whole-cortex'/,
    ]);
    for (const [args, re] of cases) {
      const out = join(base, `never-${cases.indexOf([args, re])}-${args.length}`);
      const r = b2m('run', '--dataset', dataset, '--out', out, ...args);
      assert.equal(r.status, 1, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, re);
      assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
      assert.equal(existsSync(out), false, `${args.join(' ')} wrote ${out}`);
    }
  });

  it('refuses a dataset with a missing run, naming the file', () => {
    const broken = join(base, 'broken');
    cpSync(dataset, broken, { recursive: true });
    const victim = join(
      broken,
      'derivatives',
      'fmriprep',
      'sub-002',
      'func',
      'sub-002_task-Training_run-02_space-T1w_desc-preproc_bold.nii.gz',
    );
    rmSync(victim);
    const out = join(base, 'never-broken');
    const r = b2m('run', '--dataset', broken, '--config', config, '--out', out);
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, /sub-002/);
    assert.match(r.stderr, /task-Training_run-02/);
    assert.equal(existsSync(out), false);
  });

  it('refuses an output folder holding unrelated files, and leaves them untouched', () => {
    const out = join(base, 'theirs');
    mkdirSync(out);
    writeFileSync(join(out, 'notes.txt'), 'mine');
    const r = b2m('run', '--dataset', dataset, '--config', config, '--out', out);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /not from a b2m run/);
    assert.deepEqual(readdirSync(out), ['notes.txt']);
    assert.equal(readFileSync(join(out, 'notes.txt'), 'utf8'), 'mine');
    const inside = b2m(
      'run',
      '--dataset',
      dataset,
      '--config',
      config,
      '--out',
      join(dataset, 'derivatives', 'b2m'),
    );
    assert.equal(inside.status, 1);
    assert.match(inside.stderr, /lies inside an input/);
  });
});
