/**
 * One subject's encoding as chunk jobs (feature space × voxel range) and a merge, on
 * a tiny twin: the plan's shape, the same bytes whatever the chunking, and the same
 * bytes from the local executor and from two BullMQ workers.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { type Design, loadDesign } from '../fmri/design.js';
import type { BidsDataset } from '../io/bids/discover.js';
import { synthesizeDataset } from '../synth/index.js';
import { startRedis, type TestRedis } from '../testing/redis.js';
import { assertSameOutputs } from '../testing/same-outputs.js';
import { hashFile } from '../util/hash.js';
import { BullmqExecutor } from './executors/bullmq.js';
import { LocalExecutor } from './executors/local.js';
import { datasetRef } from './jobs.js';
import { type EncodePlan, planEncodeJobs } from './plan-encode.js';
import { RunFolder } from './run-folder.js';
import { silentContext } from './stage.js';
import { subjectImages } from './stages/prepare.js';

const here = dirname(fileURLToPath(import.meta.url));
const workerScript = join(here, '..', 'testing', 'queue-worker.ts');
const RUNS = ['task-Training_run-01', 'task-Training_run-02', 'task-Training_run-03', 'task-Test_run-01'];

describe('encoding as chunk jobs (tiny twin)', () => {
  const base = mkdtempSync(join(tmpdir(), 'b2m-encchunk-'));
  const root = join(base, 'twin');
  const cache = join(base, 'cache');
  const workerLog = join(base, 'workers.log');
  let dataset: BidsDataset;
  let design: Design;
  let redis: TestRedis | null = null;
  const workers: ChildProcess[] = [];
  const prevCache = process.env.B2M_CACHE_DIR;

  const plan = async (chunkVoxels: number): Promise<EncodePlan> =>
    planEncodeJobs({
      dataset,
      inputs: {
        dataset: datasetRef(root, design),
        images: await subjectImages(dataset, design, 'sub-001', { kind: 'brain' }, hashFile),
        // The encode stages do not read the stimuli (features come from the dataset and its caches).
        stimuli: { hash: 'no-stimuli', clipIds: [], paths: [], splits: [] },
      },
      options: {
        features: ['genre', 'dsp-chroma'],
        options: { permutations: 50, seed: 3, timecourseVoxels: 40 },
      },
      chunkVoxels,
    });
  const encodingDir = (folder: RunFolder, p: EncodePlan) => folder.stages.dirOf('encode', p.merge.key);

  before(async () => {
    // The stages' run and embedding caches (and the workers') go to this test's folder.
    process.env.B2M_CACHE_DIR = cache;
    await synthesizeDataset({
      out: root,
      seed: 0,
      subjects: 1,
      grid: 'tiny',
      music: 'tones',
      runs: RUNS,
      libraryPerGenre: 1,
      layout: 'fmriprep',
    });
    ({ dataset, design } = await loadDesign(root));
    redis = await startRedis();
  });
  after(async () => {
    for (const w of workers) if (w.exitCode === null) w.kill('SIGKILL');
    await redis?.stop();
    if (prevCache === undefined) delete process.env.B2M_CACHE_DIR;
    else process.env.B2M_CACHE_DIR = prevCache;
    rmSync(base, { recursive: true, force: true });
  });

  it('plans every space × every voxel range, and a merge that waits for all of them', async () => {
    const one = await plan(1e9);
    assert.deepEqual(
      one.chunks.map((j) => j.options && (j.options as { voxels: number[] }).voxels),
      [
        [0, one.nVoxels],
        [0, one.nVoxels],
      ],
    );
    const third = Math.ceil(one.nVoxels / 3);
    const three = await plan(third);
    assert.equal(three.chunks.length, 6);
    assert.deepEqual(
      three.merge.deps,
      three.chunks.map((j) => j.key),
    );
    assert.equal(three.chunks[0]!.label, `sub-001 genre voxels 0–${third}`);
    for (const j of three.chunks) assert.deepEqual(j.deps, [], 'chunk jobs wait for nothing');
    // The chunking is part of the merge's key: another chunking is another stage run.
    assert.notEqual(three.merge.key, one.merge.key);
  });

  it('local executor: encoding in 3 voxel chunks per space gives the bytes of one chunk per space', async () => {
    const one = await plan(1e9);
    const three = await plan(Math.ceil(one.nVoxels / 3));
    const ex = new LocalExecutor();
    const fa = await RunFolder.claim(join(base, 'local-one'));
    const fb = await RunFolder.claim(join(base, 'local-three'));
    await ex.run(fa, [...one.chunks, one.merge], silentContext);
    const r = await ex.run(fb, [...three.chunks, three.merge], silentContext);
    assert.deepEqual([r.computed, r.cached], [7, 0]);
    const summary = JSON.parse(readFileSync(join(encodingDir(fb, three), 'encoding.json'), 'utf8'));
    assert.equal(summary.voxels, one.nVoxels);
    assert.equal(summary.batches.count, 3);
    assertSameOutputs(encodingDir(fa, one), encodingDir(fb, three), {
      ignore: ['batches'],
      skip: ['stage.json'],
    });
    // A second run finds every chunk and the merge done.
    const again = await ex.run(fb, [...three.chunks, three.merge], silentContext);
    assert.deepEqual([again.computed, again.cached], [0, 7]);
  });

  it('bullmq: two workers give the same encoding (chunks and merge) as the local executor', async (t) => {
    if (!redis) return t.skip('redis-server is not installed (CI installs it)');
    writeFileSync(workerLog, '');
    for (let i = 0; i < 2; i++) {
      workers.push(
        spawn(process.execPath, ['--import', 'tsx', workerScript, redis.url, '60000'], {
          stdio: 'ignore',
          env: { ...process.env, B2M_CACHE_DIR: cache, B2M_TEST_LOG: workerLog },
        }),
      );
    }
    const ready = () =>
      readFileSync(workerLog, 'utf8')
        .split('\n')
        .filter((l) => l.startsWith('ready')).length;
    for (const t0 = Date.now(); ready() < 2; ) {
      if (Date.now() - t0 > 60_000) throw new Error('workers did not start');
      await new Promise((r) => setTimeout(r, 100));
    }
    const one = await plan(1e9);
    const three = await plan(Math.ceil(one.nVoxels / 3));
    const local = await RunFolder.claim(join(base, 'local-three'));
    const queued = await RunFolder.claim(join(base, 'queue-three'));
    const ex = new BullmqExecutor({ redis: redis.url, pollMs: 100 });
    try {
      const r = await ex.run(queued, [...three.chunks, three.merge], silentContext);
      assert.deepEqual([r.computed, r.cached], [7, 0]);
    } finally {
      await ex.close();
    }
    assertSameOutputs(encodingDir(local, three), encodingDir(queued, three), { skip: ['stage.json'] });
    for (const j of three.chunks)
      assertSameOutputs(
        local.stages.dirOf('encode-chunk', j.key),
        queued.stages.dirOf('encode-chunk', j.key),
        {
          skip: ['stage.json', 'chunk.json'],
        },
      );
  });
});
