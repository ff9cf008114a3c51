/**
 * The run-matrix cache end to end: a tiny BIDS dataset with real NIfTI runs, masked
 * and preprocessed through `bidsRunSource`, then served from the cache.
 */
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { discoverBids } from '../io/bids/discover.js';
import { readNiftiHeader, writeNifti } from '../io/nifti/index.js';
import { Matrix } from '../linalg/matrix.js';
import { eventsTsv, makeTree } from '../testing/bids.js';
import { Rng } from '../util/rng.js';
import { RunMatrixCache, runCacheKey } from './cache.js';
import { buildDesign, designInputs } from './design.js';
import { Masker } from './masker.js';
import { resolvePreprocessOptions } from './preprocess/options.js';
import { prepareSubject, preprocessRun } from './preprocess/prepare.js';
import { bidsRunSource } from './preprocess/source.js';

const DIMS = [3, 3, 2, 30] as const;
const NVOX = 3 * 3 * 2;
const MASK = [0, 4, 8, 13, 17];

async function tinyDataset() {
  const ev = eventsTsv([
    ['rock', 1, 0],
    ['jazz', 2, 3],
    ['rock', 1, 0],
  ]);
  const ev2 = eventsTsv([
    ['pop', 3, 1],
    ['pop', 4, 2],
    ['pop', 3, 1],
  ]);
  const root = makeTree({
    'dataset_description.json': '{"Name": "tiny"}',
    'task-Training_bold.json': '{"RepetitionTime": 1.5}',
    'task-Test_bold.json': '{"RepetitionTime": 1.5}',
    'sub-01/func/sub-01_task-Training_run-01_events.tsv': ev,
    'sub-01/func/sub-01_task-Test_run-01_events.tsv': ev2,
  });
  const rng = new Rng(42);
  const volumes: Record<string, Int16Array> = {};
  for (const task of ['Training', 'Test']) {
    const data = Int16Array.from(
      { length: NVOX * DIMS[3] },
      (_, i) => 1000 + Math.round(rng.normal() * 50) + (i % NVOX) * 3 + Math.floor(i / NVOX),
    );
    const path = join(root, 'sub-01', 'func', `sub-01_task-${task}_run-01_bold.nii`);
    await writeNifti(path, { header: { dims: [...DIMS], pixdim: [1, 2, 2, 2, 1.5, 0, 0, 0] }, data });
    volumes[task] = data;
  }
  const dataset = await discoverBids(root);
  const design = buildDesign(designInputs(dataset));
  const header = await readNiftiHeader(join(root, 'sub-01', 'func', 'sub-01_task-Training_run-01_bold.nii'));
  const mask = Masker.fromIndices(MASK, header);
  return { root, dataset, design, mask, volumes };
}

describe('RunMatrixCache with bidsRunSource', () => {
  test('first run computes, second run is served from the cache, identical; settings split the key', async () => {
    const { dataset, design, mask, volumes } = await tinyDataset();
    assert.equal(
      dataset.runs.every((r) => r.nScans === 30),
      true,
    );
    const dir = mkdtempSync(join(tmpdir(), 'b2m-fmri-cache-'));
    const o = resolvePreprocessOptions({
      detrend: { medianSeconds: 15 },
      delayScans: 1,
      window: { window: 15, stride: 15 },
    });
    const run = async (cache: RunMatrixCache, opts = o) =>
      prepareSubject(
        design,
        bidsRunSource({ dataset, design, subject: 'sub-01', mask, options: opts, cache }),
        opts,
      );

    const c1 = new RunMatrixCache(dir);
    const first = await run(c1);
    assert.deepEqual([c1.hits, c1.misses], [0, 2]);
    const c2 = new RunMatrixCache(dir);
    const second = await run(c2);
    assert.deepEqual([c2.hits, c2.misses], [2, 0]);
    assert.deepEqual(Array.from(second.train.X.data), Array.from(first.train.X.data));
    assert.deepEqual(Array.from(second.test.X.data), Array.from(first.test.X.data));

    // The matrices equal masking the voxel arrays by hand and preprocessing them.
    const c3 = new RunMatrixCache(dir);
    const key = runCacheKey({
      content: await c3.contentHash(dataset.runs.find((r) => r.task === 'Training')!.bold!),
      mask: { indices: mask.indices, shape: mask.shape },
      tr: 1.5,
      options: o,
    });
    const cached = (await c3.get(key))!;
    const vol = volumes.Training!;
    const byHand = Matrix.build(30, MASK.length, (t, j) => vol[t * NVOX + MASK[j]!]!, 'float32');
    await preprocessRun(byHand, 1.5, o);
    assert.deepEqual(Array.from(cached.X.data), Array.from(byHand.data));

    // Windowing settings do not split the key; detrend settings do.
    const c4 = new RunMatrixCache(dir);
    await run(c4, { ...o, delayScans: 0 });
    assert.deepEqual([c4.hits, c4.misses], [2, 0]);
    const c5 = new RunMatrixCache(dir);
    await run(c5, resolvePreprocessOptions({ ...o, detrend: { method: 'polynomial', order: 1 } }));
    assert.deepEqual([c5.hits, c5.misses], [0, 2]);
  });

  test('content-keyed: a copied image hits; a partial entry (no .json) is not trusted', async () => {
    const { dataset } = await tinyDataset();
    const dir = mkdtempSync(join(tmpdir(), 'b2m-fmri-cache-'));
    const cache = new RunMatrixCache(dir);
    const src = dataset.runs[0]!.bold!;
    const copy = join(mkdtempSync(join(tmpdir(), 'b2m-copy-')), 'copy.nii');
    copyFileSync(src, copy);
    assert.equal(await cache.contentHash(copy), await cache.contentHash(src));
    assert.ok(readdirSync(dir).includes('hashes.json'));

    const X = Matrix.build(4, 2, (i, j) => i + j, 'float32');
    await cache.put('ab12', { X, report: { constant: [1], nonFinite: [] } });
    assert.deepEqual((await cache.get('ab12'))!.report.constant, [1]);
    assert.equal(await cache.get('ab12', 3), null);
    rmSync(join(dir, 'ab', 'ab12.json'));
    assert.equal(await cache.get('ab12'), null);
    // No temporary files are left behind by atomic writes.
    assert.deepEqual(
      readdirSync(join(dir, 'ab')).filter((f) => f.includes('.tmp')),
      [],
    );
  });
});
