import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Matrix } from '../linalg/matrix.js';
import { Rng } from '../util/rng.js';
import { groupByGenre, withinGenreIdentification } from './genre.js';
import { crossCorrelation, identificationAccuracy } from './identification.js';
import {
  identificationPermutationTest,
  shuffleInPlace,
  strictWinsTable,
  withinGroupPermutationTest,
} from './permutation.js';
import { noisyCopy, randomMatrix, testGenres } from './test-support.js';

/** Binomial band: successes in `trials` draws of probability q lie within `z` SDs (plus one for discreteness). */
function inBinomialBand(successes: number, trials: number, q: number, z = 3.5): boolean {
  const mu = trials * q;
  const sd = Math.sqrt(trials * q * (1 - q));
  return Math.abs(successes - mu) <= z * sd + 1;
}

describe('identification permutation test', () => {
  it('tabulates strict wins like a brute-force count, ties included', () => {
    const n = 6;
    const rng = new Rng(1);
    // Values on a coarse grid so that ties are common.
    const C = Float64Array.from({ length: n * n }, () => Math.round(rng.normal() * 2) / 2);
    const W = strictWinsTable(C, n);
    for (let i = 0; i < n; i++) {
      for (let k = 0; k < n; k++) {
        let wins = 0;
        for (let j = 0; j < n; j++) if (C[i * n + k]! > C[i * n + j]!) wins++;
        assert.equal(W[i * n + k], wins, `row ${i} col ${k}`);
      }
    }
  });

  it('equals a slow direct reference that re-pairs the targets for every permutation', () => {
    const rng = new Rng(2);
    const n = 15;
    const T = randomMatrix(rng, n, 6);
    const P = noisyCopy(rng, T, 2);
    const m = 300;
    const seed = 77;
    const fast = identificationPermutationTest(crossCorrelation(P, T), n, {
      permutations: m,
      seed,
      keepNull: true,
    });
    // Reference: the same permutation stream, each applied to the targets and scored from scratch.
    const r = new Rng(seed);
    const perm = Int32Array.from({ length: n }, (_, i) => i);
    const observed = identificationAccuracy(P, T).accuracy;
    let atLeast = 0;
    for (let t = 0; t < m; t++) {
      shuffleInPlace(r, perm);
      const acc = identificationAccuracy(P, T.takeRows(perm)).accuracy;
      assert.ok(Math.abs(acc - fast.null![t]!) < 1e-12, `permutation ${t}: ${acc} vs ${fast.null![t]}`);
      if (acc >= observed - 1e-12) atLeast++;
    }
    assert.ok(Math.abs(fast.observed - observed) < 1e-15);
    assert.equal(fast.p, (1 + atLeast) / (1 + m));
  });

  it('a strong effect gives the smallest possible p, 1/(n_perm + 1)', () => {
    const rng = new Rng(3);
    const T = randomMatrix(rng, 60, 32);
    const P = noisyCopy(rng, T, 0.5);
    const res = identificationPermutationTest(crossCorrelation(P, T), 60, { permutations: 10000, seed: 1 });
    assert.equal(res.p, 1 / 10001);
    assert.equal(res.permutations, 10000);
    assert.ok(Math.abs(res.nullMean - 0.5) < 0.01, `null mean ${res.nullMean}`);
  });

  it('gives roughly uniform p-values under the null (random predictions)', () => {
    const rng = new Rng(4);
    const draws = 200;
    let below05 = 0;
    let below25 = 0;
    let below50 = 0;
    for (let t = 0; t < draws; t++) {
      const T = randomMatrix(rng, 60, 16);
      const P = randomMatrix(rng, 60, 16);
      const { p } = identificationPermutationTest(crossCorrelation(P, T), 60, {
        permutations: 1000,
        seed: t,
      });
      if (p < 0.05) below05++;
      if (p < 0.25) below25++;
      if (p < 0.5) below50++;
    }
    assert.ok(inBinomialBand(below05, draws, 0.05), `p < 0.05 in ${below05}/${draws}`);
    assert.ok(inBinomialBand(below25, draws, 0.25), `p < 0.25 in ${below25}/${draws}`);
    assert.ok(inBinomialBand(below50, draws, 0.5), `p < 0.5 in ${below50}/${draws}`);
  });

  it('is deterministic by seed and refuses a non-positive permutation count', () => {
    const rng = new Rng(5);
    const T = randomMatrix(rng, 20, 8);
    const C = crossCorrelation(noisyCopy(rng, T, 3), T);
    const a = identificationPermutationTest(C, 20, { permutations: 500, seed: 9, keepNull: true });
    const b = identificationPermutationTest(C, 20, { permutations: 500, seed: 9, keepNull: true });
    const c = identificationPermutationTest(C, 20, { permutations: 500, seed: 10, keepNull: true });
    assert.deepEqual(a, b);
    assert.notDeepEqual(a.null, c.null);
    assert.throws(
      () => identificationPermutationTest(C, 20, { permutations: 0, seed: 1 }),
      /positive integer/,
    );
    assert.throws(() => strictWinsTable(new Float64Array(5), 2), /expected 2²/);
  });
});

describe('within-group permutation test', () => {
  const genres = testGenres(4).slice(0, 24); // 6 genres × 4 clips
  const groups = [...groupByGenre(genres).values()];

  it('equals a slow reference that shuffles targets within genres and rescores from scratch', () => {
    const rng = new Rng(11);
    const T = randomMatrix(rng, 24, 8);
    const P = noisyCopy(rng, T, 1.5);
    const m = 200;
    const fast = withinGroupPermutationTest(crossCorrelation(P, T), 24, groups, {
      permutations: m,
      seed: 3,
      keepNull: true,
    });
    const observed = withinGenreIdentification(crossCorrelation(P, T), genres).value!;
    assert.ok(Math.abs(fast.observed - observed) < 1e-12);
    const r = new Rng(3);
    const local = groups.map((g) => Int32Array.from(g, (_, a) => a));
    let atLeast = 0;
    for (let t = 0; t < m; t++) {
      // Item g[a] is paired with the target of item g[perm[a]].
      const source = new Int32Array(24);
      groups.forEach((g, k) => {
        const perm = shuffleInPlace(r, local[k]!);
        g.forEach((item, a) => {
          source[item] = g[perm[a]!]!;
        });
      });
      const acc = withinGenreIdentification(crossCorrelation(P, T.takeRows(source)), genres).value!;
      assert.ok(Math.abs(acc - fast.null![t]!) < 1e-12, `permutation ${t}: ${acc} vs ${fast.null![t]}`);
      if (acc >= observed - 1e-9) atLeast++;
    }
    assert.equal(fast.p, (1 + atLeast) / (1 + m));
  });

  it('gives a genre-only decoder no credit, and a clip-level decoder a small p', () => {
    const rng = new Rng(12);
    const all = testGenres();
    const centres = new Map(all.map((g) => [g, Array.from({ length: 16 }, () => 3 * rng.normal())]));
    const T = Matrix.build(60, 16, (i, j) => centres.get(all[i]!)![j]! + rng.normal());
    const genreOnly = Matrix.build(60, 16, (i, j) => centres.get(all[i]!)![j]! + rng.normal());
    const G = [...groupByGenre(all).values()];
    const opts = { permutations: 2000, seed: 1 };
    const a = withinGroupPermutationTest(crossCorrelation(genreOnly, T), 60, G, opts);
    const b = identificationPermutationTest(crossCorrelation(genreOnly, T), 60, opts);
    assert.ok(a.p > 0.01, `within-genre p of a genre-only decoder ${a.p}`);
    assert.equal(b.p, 1 / 2001, 'the unrestricted test does credit genre knowledge');
    const clipLevel = noisyCopy(rng, T, 0.8);
    assert.equal(withinGroupPermutationTest(crossCorrelation(clipLevel, T), 60, G, opts).p, 1 / 2001);
    assert.throws(
      () => withinGroupPermutationTest(crossCorrelation(T, T), 60, [[0], [1]], opts),
      /at least 2 items/,
    );
  });
});
