/**
 * The `generate` stage inside `b2m run`, on a tiny composed twin (1 subject, 2
 * training runs + 1 test run): generated audio and records are published into the run
 * folder, the reconstruction metrics reach metrics.json, and a re-run takes the stage
 * from the run folder instead of generating again, with identical metrics. With an
 * encoding model in a block of the embedding, candidates are also chosen by the brain.
 */
import assert from 'node:assert/strict';
import { type SpawnSyncReturns, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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
});
