import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Matrix } from '../linalg/matrix.js';
import { Rng } from '../util/rng.js';
import { evaluateDecoding } from './decoding.js';
import {
  genreIdentification,
  groupByGenre,
  leaveGenreOutIdentification,
  withinGenreIdentification,
} from './genre.js';
import { identificationAccuracy } from './identification.js';
import { GENRES, noisyCopy, randomMatrix, testGenres } from './test-support.js';

describe('per-genre identification', () => {
  it('averages acc_i over the clips of each genre (hand-computed)', () => {
    const perItem = [1, 0.5, 0.25, 0.75, 1, 0];
    const genres = ['jazz', 'rock', 'jazz', 'rock', 'pop', 'jazz'];
    assert.deepEqual(
      [...groupByGenre(genres)],
      [
        ['jazz', [0, 2, 5]],
        ['rock', [1, 3]],
        ['pop', [4]],
      ],
    );
    const m = genreIdentification(perItem, genres);
    assert.deepEqual(Object.keys(m), [
      'identification.genre.jazz',
      'identification.genre.rock',
      'identification.genre.pop',
    ]);
    assert.deepEqual(m['identification.genre.jazz'], {
      value: 1.25 / 3,
      chance: 0.5,
      better: 'higher',
      n: 3,
    });
    assert.equal(m['identification.genre.rock']!.value, 0.625);
    assert.equal(m['identification.genre.pop']!.n, 1);
    const withCi = genreIdentification(perItem, genres, { bootstrap: 200, seed: 1 });
    const [lo, hi] = withCi['identification.genre.jazz']!.ci95!;
    assert.ok(lo >= 0 && hi <= 1 && lo <= 1.25 / 3 && 1.25 / 3 <= hi);
    assert.throws(() => genreIdentification(perItem, genres.slice(1)), /5 genre labels for 6 clips/);
  });

  it('the genre means weight back to the overall accuracy', () => {
    const rng = new Rng(1);
    const T = randomMatrix(rng, 60, 16);
    const r = identificationAccuracy(noisyCopy(rng, T, 2), T);
    const m = genreIdentification(r.perItem, testGenres());
    const back = GENRES.reduce((s, g) => s + m[`identification.genre.${g}`]!.value! * 6, 0) / 60;
    assert.ok(Math.abs(back - r.accuracy) < 1e-12);
  });
});

describe('leave-one-genre-out', () => {
  it('scores all clips and each held-out genre; a genre that does not transfer sits at chance', () => {
    const rng = new Rng(2);
    const genres = testGenres();
    const T = randomMatrix(rng, 60, 24);
    // Every genre transfers well except metal, whose held-out predictions are noise.
    const P = Matrix.build(60, 24, (i, j) =>
      genres[i] === 'metal' ? 3 * rng.normal() : T.get(i, j) + rng.normal(),
    );
    const m = leaveGenreOutIdentification({
      pred: P,
      target: T,
      genres,
      permutations: 1000,
      bootstrap: 500,
      seed: 3,
    });
    const overall = m['logo.identification']!;
    assert.ok(Math.abs(overall.value! - identificationAccuracy(P, T).accuracy) < 1e-15);
    assert.equal(overall.chance, 0.5);
    assert.equal(overall.nPermutations, 1000);
    assert.ok(overall.p! < 0.01);
    assert.ok(overall.ci95![0] < overall.value! && overall.value! < overall.ci95![1]);
    assert.equal(Object.keys(m).length, 11);
    assert.ok(m['logo.identification.genre.jazz']!.value! > 0.9);
    const metal = m['logo.identification.genre.metal']!.value!;
    assert.ok(Math.abs(metal - 0.5) < 0.25, `metal ${metal}`);
    assert.deepEqual(
      leaveGenreOutIdentification({ pred: P, target: T, genres, permutations: 200, seed: 3 }),
      leaveGenreOutIdentification({ pred: P, target: T, genres, permutations: 200, seed: 3 }),
    );
  });
});

describe('within-genre identification', () => {
  it('compares each clip only with clips of its own genre (hand-computed)', () => {
    // 4 clips, genres a a b b. Row 0: own 0.9 beats clip 1 (0.2) → 1; row 1: own 0.1
    // loses to clip 0 (0.5) → 0; row 2: own 0.4 ties clip 3 (0.4) → 0; row 3: own 0.8 > 0.7 → 1.
    // Cross-genre entries (large) are ignored.
    const C = Float64Array.from([0.9, 0.2, 5, 5, 0.5, 0.1, 5, 5, 5, 5, 0.4, 0.4, 5, 5, 0.7, 0.8]);
    const r = withinGenreIdentification(C, ['a', 'a', 'b', 'b']);
    assert.deepEqual(Array.from(r.perItem), [1, 0, 0, 1]);
    assert.equal(r.value, 0.5);
    assert.equal(r.n, 4);
    const lonely = withinGenreIdentification(Float64Array.from([1, 0, 0, 1]), ['a', 'b']);
    assert.equal(lonely.value, null);
    assert.equal(lonely.n, 0);
  });

  it('a decoder that only knows the genre is high overall but at chance within genre', () => {
    const rng = new Rng(5);
    const genres = testGenres();
    const centres = new Map(GENRES.map((g) => [g, Array.from({ length: 24 }, () => 3 * rng.normal())]));
    const T = Matrix.build(60, 24, (i, j) => centres.get(genres[i]!)![j]! + rng.normal());
    // Prediction: the genre centre plus noise unrelated to the clip.
    const P = Matrix.build(60, 24, (i, j) => centres.get(genres[i]!)![j]! + rng.normal());
    const m = evaluateDecoding({
      pred: P,
      target: T,
      genres,
      permutations: 0,
      bootstrap: 200,
      seed: 1,
    }).metrics;
    assert.ok(m.identification!.value! > 0.8, `overall ${m.identification!.value}`);
    const within = m['identification.withinGenre']!;
    assert.ok(Math.abs(within.value! - 0.5) < 0.12, `within genre ${within.value}`);
    assert.equal(within.n, 60);
    assert.ok(within.ci95![0] < within.value! && within.value! < within.ci95![1]);
  });
});
