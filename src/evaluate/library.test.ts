import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Rng } from '../util/rng.js';
import { anyMatchChance, libraryRetrievalMetrics, randomRetrieval } from './library.js';
import { GENRES, loadReference, noisyCopy, randomMatrix, testGenres } from './test-helpers.js';

describe('library retrieval metrics', () => {
  it('the any-of-top-k chance is hypergeometric (scipy.stats.hypergeom)', () => {
    for (const c of loadReference().anyMatch) {
      assert.ok(Math.abs(anyMatchChance(c.count, c.N, c.k) - c.chance) < 1e-12, JSON.stringify(c));
    }
  });

  it('hand-computed genre agreement and chance levels', () => {
    // Library a, a, b, c (N = 4); stimuli a, b.
    const lists = [
      ['a', 'b', 'c'],
      ['c', 'a', 'b'],
    ];
    const { metrics } = libraryRetrievalMetrics({
      stimulusGenres: ['a', 'b'],
      libraryGenres: ['a', 'a', 'b', 'c'],
      retrieved: { brain: lists, oracle: [['a'], ['b']], random: [['c'], ['c']] },
    });
    // top-1 chance: (2/4 + 1/4)/2; top-3 chance: a → 1 − C(2,3)/C(4,3) = 1, b → 1 − C(3,3)/C(4,3) = 3/4.
    assert.deepEqual(metrics['genreTop1.brain'], { value: 0.5, chance: 0.375, better: 'higher', n: 2 });
    assert.deepEqual(metrics['genreTop3.brain'], { value: 1, chance: 0.875, better: 'higher', n: 2 });
    assert.equal(metrics['genreTop1.oracle']!.value, 1);
    // The oracle retrieved one track per clip: its top-3 chance uses k = 1.
    assert.equal(metrics['genreTop3.oracle']!.chance, 0.375);
    assert.equal(metrics['genreTop1.random']!.value, 0);
  });

  it('random retrieval draws distinct tracks, is seeded, and matches its chance level', () => {
    const lib = GENRES.flatMap((g, gi) => Array.from({ length: 20 + 5 * gi }, () => g));
    const draws = randomRetrieval(lib.length, 3000, 3, 7);
    assert.deepEqual(draws.slice(0, 5), randomRetrieval(lib.length, 5, 3, 7));
    for (const d of draws) assert.equal(new Set(d).size, 3);
    const stim = Array.from({ length: 3000 }, (_, i) => GENRES[i % 10]!);
    const lists = draws.map((d) => Array.from(d, (j) => lib[j]!));
    const { metrics } = libraryRetrievalMetrics({
      stimulusGenres: stim,
      libraryGenres: lib,
      retrieved: { brain: lists, oracle: lists, random: lists },
    });
    for (const key of ['genreTop1.random', 'genreTop3.random']) {
      const m = metrics[key]!;
      const sd = Math.sqrt((m.chance * (1 - m.chance)) / 3000);
      assert.ok(Math.abs(m.value! - m.chance) < 4 * sd, `${key}: ${m.value} vs chance ${m.chance}`);
    }
    assert.throws(() => randomRetrieval(2, 1, 3, 1), /3 distinct tracks from a library of 2/);
  });

  it('identification of retrieved embeddings: oracle ≥ brain ≥ random', () => {
    const rng = new Rng(3);
    const genres = testGenres();
    const stimulus = randomMatrix(rng, 60, 16);
    const oracle = noisyCopy(rng, stimulus, 0.5);
    const brain = noisyCopy(rng, stimulus, 2);
    const random = randomMatrix(rng, 60, 16);
    const pick = (flip: number) => genres.map((g, i) => [i % flip === 0 ? 'rock' : g]);
    const { metrics } = libraryRetrievalMetrics({
      stimulusGenres: genres,
      libraryGenres: GENRES.flatMap((g) => [g, g, g]),
      retrieved: { brain: pick(3), oracle: pick(10), random: pick(1) },
      embeddings: { stimulus, brain, oracle, random },
      permutations: 1000,
      bootstrap: 500,
      seed: 1,
    });
    const v = (k: string) => metrics[k]!.value!;
    assert.ok(v('identification.oracle') >= v('identification.brain'));
    assert.ok(v('identification.brain') >= v('identification.random'));
    assert.equal(metrics['identification.brain']!.chance, 0.5);
    assert.ok(metrics['identification.brain']!.p! < 0.01);
    assert.ok(v('genreTop1.oracle') >= v('genreTop1.brain') && v('genreTop1.brain') >= v('genreTop1.random'));
    assert.ok(Math.abs(metrics['genreTop1.brain']!.chance - 0.1) < 1e-12);
  });

  it('refuses mismatched or empty lists', () => {
    const base = { stimulusGenres: ['a', 'b'], libraryGenres: ['a', 'b'] };
    assert.throws(
      () =>
        libraryRetrievalMetrics({
          ...base,
          retrieved: { brain: [['a']], oracle: [['a'], ['b']], random: [['a'], ['b']] },
        }),
      /retrieval 'brain' has 1 clip lists for 2 test clips/,
    );
    assert.throws(
      () =>
        libraryRetrievalMetrics({
          ...base,
          retrieved: { brain: [['a'], []], oracle: [['a'], ['b']], random: [['a'], ['b']] },
        }),
      /no track for clip 1/,
    );
    assert.throws(
      () =>
        libraryRetrievalMetrics({
          ...base,
          libraryGenres: [],
          retrieved: { brain: [], oracle: [], random: [] },
        }),
      /non-empty library/,
    );
  });
});
