/**
 * The `generate` stage inside `b2m run`, on a tiny composed twin (1 subject, 2
 * training runs + 1 test run): generated audio and records are published into the run
 * folder, the reconstruction metrics reach metrics.json, and a re-run takes the stage
 * from the run folder instead of generating again, with identical metrics. With an
 * encoding model in a block of the embedding, candidates are also chosen by the brain.
 */
import assert from 'node:assert/strict';
import { type SpawnSyncReturns, spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { validateMetricsFile } from '../evaluate/index.js';
import { synthesizeDataset } from '../synth/index.js';

const bin = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'bin', 'b2m.mjs');

describe('b2m run with generation (tiny composed twin)', () => {
  const base = mkdtempSync(join(tmpdir(), 'b2m-run-gen-'));
  const dataset = join(base, 'twin');
  const config = join(base, 'run.yaml');
  const env = { ...process.env, B2M_CACHE_DIR: join(base, 'cache') };
  const b2m = (...args: string[]): SpawnSyncReturns<string> =>
    spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', env, timeout: 300_000 });

  before(async () => {
    await synthesizeDataset({
      out: dataset,
      seed: 0,
      subjects: 1,
      grid: 'tiny',
      music: 'composed',
      runs: ['task-Training_run-01', 'task-Training_run-02', 'task-Test_run-01'],
      libraryPerGenre: 2,
      layout: 'fmriprep',
    });
    writeFileSync(
      config,
      [
        'mask: { kind: cortex }',
        'decode: { decoders: [whole-cortex], cvFolds: 2 }',
        'evaluate: { permutations: 100, bootstrap: 100, trainCv: [], leaveOneGenreOut: [] }',
        'retrieval: { audioTopK: 0 }',
        'encode: { features: [dsp-modulation], permutations: 0 }',
        'generate: { candidates: 2 }',
        'report: { enabled: false }',
        '',
      ].join('\n'),
    );
  });
  after(() => rmSync(base, { recursive: true, force: true }));

  it('publishes generated audio and metrics, and a re-run reuses the stage', () => {
    const out = join(base, 'run');
    const r1 = b2m('run', '--dataset', dataset, '--config', config, '--out', out);
    assert.equal(r1.status, 0, r1.stderr + r1.stdout);
    const m1 = validateMetricsFile(JSON.parse(readFileSync(join(out, 'metrics.json'), 'utf8')));
    const block = m1.reconstruction?.composer;
    assert.ok(block, `reconstruction metrics (skipped: ${JSON.stringify(m1.skipped)})`);
    assert.equal(typeof block.summary.identification?.mean, 'number');
    const audio = join(out, 'audio', 'generated', 'sub-001', 'composer');
    assert.equal(readdirSync(audio).filter((f) => f.endsWith('.mp3')).length, 10);
    for (const who of ['oracle', 'random'])
      assert.ok(existsSync(join(out, 'audio', 'generated', who, 'composer')), who);
    assert.ok(existsSync(join(out, 'generation', 'sub-001', 'composer.json')));
    // The encoding model scores every candidate by its predicted brain response, and the
    // brain-selected set is measured beside the embedding-selected one.
    const record = JSON.parse(readFileSync(join(out, 'generation', 'sub-001', 'composer.json'), 'utf8'));
    for (const c of record.clips) {
      assert.equal(c.candidates.length, 2);
      for (const k of c.candidates) assert.ok(Number.isFinite(k.brainScore), JSON.stringify(k));
      assert.equal(typeof c.bestByBrain, 'number');
    }
    const byBrain = m1.reconstruction?.['composer:brain-selected'];
    assert.ok(byBrain, Object.keys(m1.reconstruction ?? {}).join(', '));
    assert.equal(typeof byBrain.summary.identification?.mean, 'number');

    const r2 = b2m('run', '--dataset', dataset, '--config', config, '--out', out);
    assert.equal(r2.status, 0, r2.stderr + r2.stdout);
    const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8'));
    const gen = manifest.stages.filter((s: { stage: string }) => s.stage === 'generate');
    assert.equal(gen.length, 1);
    assert.equal(gen[0].cached, true, 'the second run takes generation from the run folder');
    const m2 = JSON.parse(readFileSync(join(out, 'metrics.json'), 'utf8'));
    assert.deepEqual(m2.reconstruction, m1.reconstruction);
    assert.equal(readdirSync(audio).filter((f) => f.endsWith('.mp3')).length, 10);
  });

  it('runs `anchored` from the tracks retrieval finds for each clip', () => {
    const out = join(base, 'run-anchored');
    const anchoredArgs = ['--set', 'generate.generators=[anchored]', '--set', 'encode.enabled=false'];
    const r = b2m('run', '--dataset', dataset, '--config', config, '--out', out, ...anchoredArgs);
    assert.equal(r.status, 0, r.stderr + r.stdout);
    const m = validateMetricsFile(JSON.parse(readFileSync(join(out, 'metrics.json'), 'utf8')));
    assert.equal(typeof m.reconstruction?.anchored?.summary.identification?.mean, 'number');
    // Candidate k grows from the k-th track the decoded embedding retrieves (the twin's
    // composed route), the same search whose results retrieval/ records.
    const retrieved = JSON.parse(
      readFileSync(join(out, 'retrieval', 'sub-001', 'whole-cortex.json'), 'utf8'),
    );
    const top = new Map<string, string[]>(
      retrieved.clips.map((c: { clip: string; brain: { track: string }[] }) => [
        c.clip,
        c.brain.map((t) => t.track),
      ]),
    );
    const record = JSON.parse(readFileSync(join(out, 'generation', 'sub-001', 'anchored.json'), 'utf8'));
    assert.ok(record.clips.length > 0);
    for (const c of record.clips) {
      assert.deepEqual(
        c.candidates.map((k: { anchor: { id: string; route: string } }) => [k.anchor.id, k.anchor.route]),
        top
          .get(c.clip)!
          .slice(0, 2)
          .map((id) => [id, 'composed-score']),
        c.clip,
      );
    }
    // Without the twin's music seed the same anchors are taken from their audio
    // (basic-pitch transcription); only the generate stage runs again.
    const seedFile = join(dataset, 'derivatives', 'simulation', 'music', 'tracks.json');
    renameSync(seedFile, `${seedFile}.off`);
    try {
      const r2 = b2m('run', '--dataset', dataset, '--config', config, '--out', out, ...anchoredArgs);
      assert.equal(r2.status, 0, r2.stderr + r2.stdout);
    } finally {
      renameSync(`${seedFile}.off`, seedFile);
    }
    const audioRecord = JSON.parse(readFileSync(join(out, 'generation', 'sub-001', 'anchored.json'), 'utf8'));
    for (const c of audioRecord.clips) {
      for (const k of c.candidates) {
        assert.equal(k.anchor.route, 'transcribed-audio');
        assert.ok(top.get(c.clip)!.slice(0, 2).includes(k.anchor.id), `${c.clip}: ${k.anchor.id}`);
        assert.ok(k.anchor.estimate.notes > 0 && k.anchor.estimate.tempo > 0, JSON.stringify(k.anchor));
      }
    }
  });
});
