import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Matrix } from '../linalg/matrix.js';
import { Rng } from '../util/rng.js';
import { crossCorrelation, identificationFromCorrelation } from './identification.js';
import { retrievalMetrics, retrievalRanks } from './retrieval-rank.js';
import { loadReference, noisyCopy, randomMatrix } from './test-support.js';

describe('n-way retrieval ranks', () => {
  it('match numpy ranks with ties counted pessimistically', () => {
    const ref = loadReference().identification;
    const P = Matrix.fromRows(ref.pred);
    const T = Matrix.fromRows(ref.target);
    const n = ref.ranks.length;
    assert.deepEqual(Array.from(retrievalRanks(crossCorrelation(P, T), n)), ref.ranks);
  });

  it('agree exactly with identification: rank_i = n − (n − 1)·acc_i', () => {
    const rng = new Rng(1);
    const T = randomMatrix(rng, 60, 12);
    const P = noisyCopy(rng, T, 2);
    const C = crossCorrelation(P, T);
    const ranks = retrievalRanks(C, 60);
    const { perItem } = identificationFromCorrelation(C, 60);
    for (let i = 0; i < 60; i++) assert.equal(ranks[i], Math.round(60 - 59 * perItem[i]!));
  });

  it('hand-computed top-k, mean rank and chance levels', () => {
    // A 3 × 3 correlation matrix: row 0 own best (rank 1); row 1 own tied with one
    // other (pessimistic: rank 2); row 2 own worst (rank 3).
    const C = Float64Array.from([0.9, 0.1, 0.2, 0.5, 0.5, 0.1, 0.8, 0.7, 0.1]);
    const ranks = retrievalRanks(C, 3);
    assert.deepEqual(Array.from(ranks), [1, 2, 3]);
    const m = retrievalMetrics(ranks, [1, 2]);
    assert.deepEqual(m['retrieval3.top1'], { value: 1 / 3, chance: 1 / 3, better: 'higher', n: 3 });
    assert.deepEqual(m['retrieval3.top2'], { value: 2 / 3, chance: 2 / 3, better: 'higher', n: 3 });
    assert.deepEqual(m['retrieval3.meanRank'], { value: 2, chance: 2, better: 'lower', n: 3 });
  });

  it('60-way: perfect predictions rank 1, chance levels k/60 and 30.5', () => {
    const T = randomMatrix(new Rng(2), 60, 8);
    const m = retrievalMetrics(retrievalRanks(crossCorrelation(T, T), 60));
    assert.deepEqual(Object.keys(m), [
      'retrieval60.top1',
      'retrieval60.top3',
      'retrieval60.top5',
      'retrieval60.meanRank',
    ]);
    assert.equal(m['retrieval60.top1']!.value, 1);
    assert.equal(m['retrieval60.top1']!.chance, 1 / 60);
    assert.equal(m['retrieval60.top5']!.chance, 5 / 60);
    assert.equal(m['retrieval60.meanRank']!.value, 1);
    assert.equal(m['retrieval60.meanRank']!.chance, 30.5);
    // Unrelated predictions sit near chance on average.
    const rng = new Rng(3);
    let meanRank = 0;
    for (let t = 0; t < 30; t++) {
      const r = retrievalMetrics(retrievalRanks(crossCorrelation(randomMatrix(rng, 60, 8), T), 60));
      meanRank += r['retrieval60.meanRank']!.value! / 30;
    }
    assert.ok(Math.abs(meanRank - 30.5) < 2, `mean rank ${meanRank}`);
  });
});
