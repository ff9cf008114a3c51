import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { encodeWav } from '../audio/wav.js';
import { Standardizer } from '../embed/standardize.js';
import { Matrix } from '../linalg/matrix.js';
import { Rng } from '../util/rng.js';
import { clipAverage, genreMatchChance, genreMatchRate, randomTracks } from './baselines.js';
import type { LibraryIndex } from './build.js';
import { prepareLibrary } from './query.js';
import { retrieveClips, writeRetrievedAudio } from './retrieve.js';

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'b2m-retrieve-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

const GENRES = ['blues', 'jazz', 'rock'];

/** 90 tracks, 30 per genre; each genre's tracks scatter around their own centre (raw space, offset and scaled). */
function library(paths: string[] = []): LibraryIndex {
  const rng = new Rng(11);
  const d = 16;
  const centres = GENRES.map(() => Array.from({ length: d }, () => 3 * rng.normal()));
  const n = 90;
  const E = Matrix.zeros(n, d, 'float32');
  const genres: string[] = [];
  for (let i = 0; i < n; i++) {
    const g = i % 3;
    genres.push(GENRES[g] as string);
    for (let j = 0; j < d; j++) E.data[i * d + j] = 10 + 5 * (centres[g]![j]! + rng.normal());
  }
  return {
    ids: Array.from({ length: n }, (_, i) => `t${String(i).padStart(2, '0')}`),
    genres,
    paths: Array.from({ length: n }, (_, i) => paths[i % Math.max(1, paths.length)] ?? `t${i}.wav`),
    E,
    fingerprint: 'test',
    embedder: 'dsp',
    windows: { window: 10, stride: 1.5 },
    excerptSeconds: 15,
    hashes: Array.from({ length: n }, () => '0'.repeat(64)),
  };
}

describe('baselines', () => {
  test('randomTracks: seeded, distinct per row, in range; uniform over many draws', () => {
    const a = randomTracks(200, 10, 3, 7);
    assert.deepEqual(a, randomTracks(200, 10, 3, 7));
    assert.notDeepEqual(a, randomTracks(200, 10, 3, 8));
    for (let q = 0; q < 200; q++) assert.equal(new Set(a.subarray(q * 3, q * 3 + 3)).size, 3);
    const counts = new Array(10).fill(0);
    for (const t of randomTracks(5000, 10, 1, 1)) counts[t]++;
    for (const c of counts) assert.ok(c > 400 && c < 600, `${c}`);
    assert.throws(() => randomTracks(1, 3, 4, 0), /cannot draw 4 distinct tracks of 3/);
  });

  test('genre match and its chance level, by hand', () => {
    const lib = ['a', 'a', 'b', 'c'];
    assert.equal(genreMatchChance(lib, ['a', 'b', 'x']), (0.5 + 0.25 + 0) / 3);
    assert.equal(genreMatchRate(Int32Array.from([1, 2, 2, 0, 3, 0]), 2, lib, ['a', 'a', 'c']), 2 / 3);
  });

  test('clipAverage: mean over windows', () => {
    const m = clipAverage(Float32Array.from([1, 2, 3, 4, 5, 6, 7, 8]), [2, 2, 2]);
    assert.deepEqual(Array.from(m.data), [2, 3, 6, 7]);
  });
});

describe('retrieveClips', () => {
  test('oracle finds the track itself, brain ≥ chance on genre, chance is seeded; audio written once per track', async () => {
    const wavs: string[] = [];
    for (const [i, hz] of [220, 330, 440].entries()) {
      const p = join(dir, `src${i}.wav`);
      await writeFile(
        p,
        encodeWav(
          Float32Array.from({ length: 2 * 8000 }, (_, k) => 0.3 * Math.sin((2 * Math.PI * hz * k) / 8000)),
          8000,
        ).bytes,
      );
      wavs.push(p);
    }
    const lib = library(wavs);
    // The decoders' space: standardised with statistics of "training stimuli" (here: the library itself).
    const st = Standardizer.fit(lib.E);
    const Z = st.transform(lib.E);
    const picks = [0, 4, 8, 31, 47, 62, 89, 17, 23, 55];
    const d = lib.E.cols;
    const truth = Matrix.zeros(picks.length, d, 'float32');
    const pred = Matrix.zeros(picks.length, d, 'float32');
    const rng = new Rng(5);
    picks.forEach((t, q) => {
      for (let j = 0; j < d; j++) {
        truth.data[q * d + j] = Z.data[t * d + j]!;
        pred.data[q * d + j] = Z.data[t * d + j]! + 1.0 * rng.normal();
      }
    });
    const clips = picks.map((t, q) => ({ id: `clip${q}`, genre: lib.genres[t]! }));
    const prepared = prepareLibrary(lib, { standardizer: st });
    const rec = await retrieveClips(
      lib,
      prepared,
      { clips, predicted: pred, truth },
      { topK: 3, seed: 1, libraryRoot: 'lib' },
    );
    assert.equal(rec.clips.length, 10);
    rec.clips.forEach((c, q) => {
      assert.equal(c.oracle[0]!.track, lib.ids[picks[q]!]);
      assert.ok(Math.abs(c.oracle[0]!.score - 1) < 1e-5);
      assert.ok(c.brain[0]!.score >= c.brain[1]!.score && c.brain[1]!.score >= c.brain[2]!.score);
    });
    assert.equal(rec.summary.genreMatch.oracle, 1);
    assert.ok(rec.summary.genreMatch.brain >= 0.8, `${rec.summary.genreMatch.brain}`);
    assert.ok(Math.abs(rec.summary.genreMatch.chanceLevel - 1 / 3) < 1e-12);
    assert.ok(rec.summary.meanTopScore.oracle >= rec.summary.meanTopScore.brain);
    assert.ok(rec.summary.meanTopScore.brain > rec.summary.meanTopScore.chance);
    assert.deepEqual(rec.library, { n: 90, root: 'lib', fingerprint: 'test' });
    const again = await retrieveClips(lib, prepared, { clips, predicted: pred, truth }, { topK: 3, seed: 1 });
    assert.deepEqual(again.clips, rec.clips);

    const audio = join(dir, 'audio', 'library');
    const written = await writeRetrievedAudio(rec, lib, audio, {
      audioTopK: 1,
      excerpt: { seconds: 0.5 },
      workers: 1,
    });
    const distinct = new Set(rec.clips.flatMap((c) => c.brain.slice(0, 1).map((t) => t.track)));
    assert.deepEqual(new Set(written.keys()), distinct);
    const files = (await readdir(audio)).sort();
    assert.deepEqual(files, [...distinct].map((t) => `${t}.mp3`).sort());
    // A second call finds every file and writes nothing new.
    const before = await Promise.all(files.map((f) => stat(join(audio, f)).then((s) => s.mtimeMs)));
    await writeRetrievedAudio(rec, lib, audio, { audioTopK: 1, excerpt: { seconds: 0.5 }, workers: 1 });
    const afterT = await Promise.all(files.map((f) => stat(join(audio, f)).then((s) => s.mtimeMs)));
    assert.deepEqual(afterT, before);
  });
});
