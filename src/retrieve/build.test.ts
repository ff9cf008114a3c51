import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { encodeWav } from '../audio/wav.js';
import { embedFiles } from '../embed/pool.js';
import { readNpy, writeNpy } from '../io/npy.js';
import { StageStore, silentContext } from '../pipeline/stage.js';
import { isUserError } from '../util/errors.js';
import { buildLibraryIndex } from './build.js';
import { listLibraryAudio } from './library.js';
import { libraryIndexStage } from './stage.js';
import { loadLibraryIndex, saveLibraryIndex } from './store.js';

const SR = 22050;
const windows = { window: 10, stride: 1.5 };

function music(seconds: number, hz: number, tailHz = hz): Float32Array {
  return Float32Array.from({ length: Math.round(seconds * SR) }, (_, i) => {
    const f = i < 15 * SR ? hz : tailHz;
    return 0.3 * Math.sin((2 * Math.PI * f * i) / SR) + 0.1 * Math.sin((2 * Math.PI * 3 * f * i) / SR);
  });
}

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'b2m-libindex-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

test('index: one vector per track = mean of the windows inside the first 15 s; cached; save/load round trip', async () => {
  const root = join(dir, 'lib');
  await mkdir(join(root, 'blues'), { recursive: true });
  await mkdir(join(root, 'jazz'), { recursive: true });
  // b and c share their first 15 s and differ after it: their vectors must be identical.
  await writeFile(join(root, 'blues', 'a.wav'), encodeWav(music(16, 220), SR).bytes);
  await writeFile(join(root, 'blues', 'b.wav'), encodeWav(music(20, 330, 990), SR).bytes);
  await writeFile(join(root, 'jazz', 'c.wav'), encodeWav(music(18, 330, 150), SR).bytes);
  // The reference: the first 15 s written out as a clip and embedded whole.
  const cut = join(dir, 'a15.wav');
  await writeFile(cut, encodeWav(music(15, 220), SR).bytes);

  const tracks = await listLibraryAudio(root);
  const cacheDir = join(dir, 'cache');
  const index = await buildLibraryIndex(tracks, {
    embedder: 'dsp',
    windows,
    cacheDir,
    workers: 1,
    chunkSize: 2,
  });
  assert.deepEqual(index.ids, ['a', 'b', 'c']);
  assert.deepEqual(index.genres, ['blues', 'blues', 'jazz']);
  assert.equal(index.E.rows, 3);

  const ref = await embedFiles([cut], { embedder: 'dsp', windows, cacheDir: null, workers: 1 });
  const m = ref.clips[0]!;
  assert.equal(m.rows, 4); // 10-s windows at 1.5 s inside 15 s
  for (let j = 0; j < m.cols; j++) {
    let s = 0;
    for (let w = 0; w < 4; w++) s += m.data[w * m.cols + j]!;
    assert.ok(Math.abs(index.E.data[j]! - s / 4) <= 1e-5 * (1 + Math.abs(s / 4)), `dim ${j}`);
  }
  assert.deepEqual(index.E.row(1), index.E.row(2));
  assert.notDeepEqual(index.E.row(0), index.E.row(1));

  // Second build: everything from the cache, same bytes, same fingerprint.
  const again = await buildLibraryIndex(tracks, { embedder: 'dsp', windows, cacheDir, workers: 1 });
  assert.deepEqual(again.E.data, index.E.data);
  assert.equal(again.fingerprint, index.fingerprint);
  // Another excerpt length is another index.
  const ten = await buildLibraryIndex(tracks, {
    embedder: 'dsp',
    windows,
    cacheDir,
    workers: 1,
    excerptSeconds: 12,
  });
  assert.notEqual(ten.fingerprint, index.fingerprint);
  assert.notDeepEqual(ten.E.row(0), index.E.row(0));

  const saved = join(dir, 'saved');
  await mkdir(saved);
  await saveLibraryIndex(saved, index);
  const loaded = await loadLibraryIndex(saved);
  assert.deepEqual(loaded, index);

  // As a pipeline stage: computed once, then loaded from its stage folder with the same numbers.
  const store = new StageStore(join(dir, 'stages'));
  const stage = libraryIndexStage({ cacheDir, workers: 1 });
  const opts = { embedder: 'dsp', windows, excerptSeconds: 15 };
  const first = await store.run(stage, { tracks }, opts, silentContext);
  const second = await store.run(stage, { tracks }, opts, silentContext);
  assert.equal(first.cached, false);
  assert.equal(second.cached, true);
  assert.deepEqual(second.output.E.data, index.E.data);
  assert.equal(second.output.fingerprint, index.fingerprint);

  // Damage: a wrong-shape E.npy and a missing description are refused, naming the file.
  await writeNpy(join(saved, 'E.npy'), new Float32Array(6), [3, 2]);
  await assert.rejects(
    loadLibraryIndex(saved),
    (e) => isUserError(e) && /E\.npy is float32 3 × 2/.test(e.message),
  );
  await assert.rejects(loadLibraryIndex(join(dir, 'lib')), /no complete library index here/);
  assert.deepEqual((await readNpy(join(saved, 'E.npy'))).shape, [3, 2]);
});
