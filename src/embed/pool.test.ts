import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { writeWav } from '../audio/wav.js';
import { Matrix } from '../linalg/matrix.js';
import { isUserError } from '../util/errors.js';
import { cacheKey, EmbeddingCache } from './cache.js';
import { DSP_BLOCKS } from './dsp/dsp.js';
import { embedFiles, stackClips } from './pool.js';

let dir: string;
const files: string[] = [];

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'b2m-embed-'));
  // The documented input range: 8–48 kHz, mono and stereo.
  const rates = [22050, 8000, 48000, 44100];
  for (const [k, hz] of [220, 330, 440, 550].entries()) {
    const sr = rates[k] as number;
    const x = Float32Array.from(
      { length: Math.round(11.5 * sr) },
      (_, i) => 0.3 * Math.sin((2 * Math.PI * hz * i) / sr),
    );
    const p = join(dir, `clip${k}.wav`);
    await writeWav(p, k >= 2 ? [x, x] : x, sr);
    files.push(p);
  }
});

after(async () => {
  await rm(dir, { recursive: true, force: true });
});

test('embedFiles: worker threads give the same rows as the main thread; the cache serves the second run', async () => {
  const windows = { window: 10, stride: 1.5 };
  const serial = await embedFiles(files, { embedder: 'dsp', windows, workers: 1, cacheDir: null });
  assert.equal(serial.computed, 4);
  const cacheDir = join(dir, 'cache');
  const parallel = await embedFiles(files, { embedder: 'dsp', windows, workers: 2, cacheDir });
  assert.equal(parallel.computed, 4);
  assert.equal(parallel.cacheHits, 0);
  for (let i = 0; i < 4; i++) {
    assert.deepEqual(parallel.clips[i]!.shape, [2, serial.clips[i]!.cols]);
    assert.deepEqual(parallel.clips[i]!.data, serial.clips[i]!.data);
  }
  // Every rate and channel layout embeds to finite rows whose strongest pitch class is the tone's.
  const chromaStart = DSP_BLOCKS.find((b) => b.name === 'chroma')!.start;
  [9, 4, 9, 1].forEach((pc, i) => {
    const m = serial.clips[i]!;
    assert.ok(m.data.every(Number.isFinite));
    const pcs = Array.from(m.row(0).subarray(chromaStart, chromaStart + 12));
    assert.equal(pcs.indexOf(Math.max(...pcs)), pc, `clip ${i}`);
  });
  const again = await embedFiles(files, { embedder: 'dsp', windows, workers: 2, cacheDir });
  assert.equal(again.cacheHits, 4);
  assert.equal(again.computed, 0);
  for (let i = 0; i < 4; i++) assert.deepEqual(again.clips[i]!.data, serial.clips[i]!.data);
  // Another window layout is another key: nothing stale is served.
  const other = await embedFiles(files.slice(0, 1), {
    embedder: 'dsp',
    windows: { window: 5, stride: 1.5 },
    cacheDir,
  });
  assert.equal(other.cacheHits, 0);
  assert.equal(other.clips[0]!.rows, 5);
  const { data, shape } = stackClips(again.clips, files);
  assert.deepEqual(shape, [4, 2, serial.clips[0]!.cols]);
  assert.deepEqual(data.subarray(shape[1] * shape[2], 2 * shape[1] * shape[2]), serial.clips[1]!.data);
  assert.throws(() => stackClips([...again.clips, other.clips[0]!], [...files, files[0]!]), /equally long/);
});

test('embedFiles: a bad file fails with a UserError naming it, from a worker too', async () => {
  const bad = join(dir, 'bad.wav');
  await writeFile(bad, 'this is not audio');
  for (const workers of [1, 2]) {
    await assert.rejects(
      embedFiles([files[0]!, bad], { windows: { window: 10, stride: 1.5 }, workers, cacheDir: null }),
      (e: unknown) => {
        assert.ok(isUserError(e), String(e));
        assert.equal(e.location.file, bad);
        return true;
      },
    );
  }
  await assert.rejects(
    embedFiles([join(dir, 'missing.wav')], { windows: { window: 10, stride: 1.5 } }),
    /cannot read/,
  );
  await assert.rejects(
    embedFiles(files, { embedder: 'nope', windows: { window: 10, stride: 1.5 } }),
    /unknown embedder/,
  );
});

test('cache: entries round-trip; a corrupt entry is ignored and recomputed', async () => {
  const cache = new EmbeddingCache(join(dir, 'c2'));
  const key = cacheKey({ embedder: 'x', windows: { window: 1, stride: 1 }, content: 'abc' });
  assert.notEqual(key, cacheKey({ embedder: 'y', windows: { window: 1, stride: 1 }, content: 'abc' }));
  const m = new Matrix(2, 3, Float32Array.from([1, 2, 3, 4, 5, 6]));
  assert.equal(await cache.get(key, 3), null);
  await cache.put(key, m);
  assert.deepEqual((await cache.get(key, 3))!.data, m.data);
  assert.equal(await cache.get(key, 4), null, 'wrong width is a miss');
  const sub = join(dir, 'c2', key.slice(0, 2));
  const [name] = await readdir(sub);
  await writeFile(join(sub, name!), 'garbage');
  assert.equal(await cache.getAny(key), null);
});
