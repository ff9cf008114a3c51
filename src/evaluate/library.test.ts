import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Rng } from '../util/rng.js';
import { anyMatchChance, libraryRetrievalMetrics, retrievedGenres } from './library.js';
import { GENRES, loadReference, noisyCopy, randomMatrix, testGenres } from './test-support.js';

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
      retrieved: { brain: lists, oracle: [['a'], ['b']], chance: [['c'], ['c']] },
    });
    // top-1 chance: (2/4 + 1/4)/2; top-3 chance: a → 1 − C(2,3)/C(4,3) = 1, b → 1 − C(3,3)/C(4,3) = 3/4.
    assert.deepEqual(metrics['genreTop1.brain'], { value: 0.5, chance: 0.375, better: 'higher', n: 2 });
    assert.deepEqual(metrics['genreTop3.brain'], { value: 1, chance: 0.875, better: 'higher', n: 2 });
    assert.equal(metrics['genreTop1.oracle']!.value, 1);
    // The oracle retrieved one track per clip: its top-3 chance uses k = 1.
    assert.equal(metrics['genreTop3.oracle']!.chance, 0.375);
    assert.equal(metrics['genreTop1.chance']!.value, 0);
  });

  it('a uniformly random retrieval matches its chance level', () => {
    // Unequal genre sizes, so the chance level is not simply 1/10.
    const lib = GENRES.flatMap((g, gi) => Array.from({ length: 20 + 5 * gi }, () => g));
    const rng = new Rng(7);
    const lists = Array.from({ length: 3000 }, () => {
      const picked = new Set<number>();
      while (picked.size < 3) picked.add(rng.int(0, lib.length - 1));
      return [...picked].map((j) => lib[j]!);
    });
    const stim = Array.from({ length: 3000 }, (_, i) => GENRES[i % 10]!);
    const { metrics } = libraryRetrievalMetrics({
      stimulusGenres: stim,
      libraryGenres: lib,
      retrieved: { brain: lists, oracle: lists, chance: lists },
    });
    for (const key of ['genreTop1.chance', 'genreTop3.chance']) {
      const m = metrics[key]!;
      const sd = Math.sqrt((m.chance * (1 - m.chance)) / 3000);
      assert.ok(Math.abs(m.value! - m.chance) < 4 * sd, `${key}: ${m.value} vs chance ${m.chance}`);
    }
  });

  it('reads genre lists from retrieval records', () => {
    const t = (genre: string) => ({ track: 'x', genre, score: 0.5 });
    const clips = [
      { clip: 'a.00001', genre: 'a', brain: [t('a'), t('b')], oracle: [t('a')], chance: [t('c')] },
      { clip: 'b.00002', genre: 'b', brain: [t('c')], oracle: [t('b')], chance: [t('b')] },
    ];
    assert.deepEqual(retrievedGenres(clips), {
      brain: [['a', 'b'], ['c']],
      oracle: [['a'], ['b']],
      chance: [['c'], ['b']],
    });
  });

  it('identification of retrieved embeddings: oracle ≥ brain ≥ chance', () => {
    const rng = new Rng(3);
    const genres = testGenres();
    const stimulus = randomMatrix(rng, 60, 16);
    const oracle = noisyCopy(rng, stimulus, 0.5);
    const brain = noisyCopy(rng, stimulus, 2);
    const chance = randomMatrix(rng, 60, 16);
    const pick = (flip: number) => genres.map((g, i) => [i % flip === 0 ? 'rock' : g]);
    const { metrics } = libraryRetrievalMetrics({
      stimulusGenres: genres,
      libraryGenres: GENRES.flatMap((g) => [g, g, g]),
      retrieved: { brain: pick(3), oracle: pick(10), chance: pick(1) },
      embeddings: { stimulus, brain, oracle, chance },
      permutations: 1000,
      bootstrap: 500,
      seed: 1,
    });
    const v = (k: string) => metrics[k]!.value!;
    assert.ok(v('identification.oracle') >= v('identification.brain'));
    assert.ok(v('identification.brain') >= v('identification.chance'));
    assert.equal(metrics['identification.brain']!.chance, 0.5);
    assert.ok(metrics['identification.brain']!.p! < 0.01);
    assert.ok(v('genreTop1.oracle') >= v('genreTop1.brain') && v('genreTop1.brain') >= v('genreTop1.chance'));
    assert.ok(Math.abs(metrics['genreTop1.brain']!.chance - 0.1) < 1e-12);
  });

  it('refuses mismatched or empty lists', () => {
    const base = { stimulusGenres: ['a', 'b'], libraryGenres: ['a', 'b'] };
    assert.throws(
      () =>
        libraryRetrievalMetrics({
          ...base,
          retrieved: { brain: [['a']], oracle: [['a'], ['b']], chance: [['a'], ['b']] },
        }),
      /retrieval 'brain' has 1 clip lists for 2 test clips/,
    );
    assert.throws(
      () =>
        libraryRetrievalMetrics({
          ...base,
          retrieved: { brain: [['a'], []], oracle: [['a'], ['b']], chance: [['a'], ['b']] },
        }),
      /no track for clip 1/,
    );
    assert.throws(
      () =>
        libraryRetrievalMetrics({
          ...base,
          libraryGenres: [],
          retrieved: { brain: [], oracle: [], chance: [] },
        }),
      /non-empty library/,
    );
  });
});
