import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Rng } from '../util/rng.js';
import {
  bootstrapIndices,
  bootstrapMeanCI,
  percentileInterval,
  quantileSorted,
  resampledMeans,
} from './bootstrap.js';
import { loadReference } from './test-support.js';

describe('percentile bootstrap', () => {
  it("matches numpy's percentile of the resampled means on the same indices", () => {
    const ref = loadReference().bootstrap;
    const means = resampledMeans(ref.values, Int32Array.from(ref.indices));
    assert.equal(means.length, ref.resamples);
    const ci95 = percentileInterval(means, 0.95);
    const ci90 = percentileInterval(means, 0.9);
    for (let k = 0; k < 2; k++) {
      assert.ok(Math.abs(ci95[k]! - ref.ci95[k]!) < 1e-12, `95 %: ${ci95} vs ${ref.ci95}`);
      assert.ok(Math.abs(ci90[k]! - ref.ci90[k]!) < 1e-12, `90 %: ${ci90} vs ${ref.ci90}`);
    }
  });

  it('quantiles follow the linear rule at the edges', () => {
    assert.equal(quantileSorted([3], 0.975), 3);
    assert.equal(quantileSorted([1, 2, 3, 4], 0), 1);
    assert.equal(quantileSorted([1, 2, 3, 4], 1), 4);
    assert.equal(quantileSorted([1, 2, 3, 4], 0.5), 2.5);
    assert.ok(Number.isNaN(quantileSorted([], 0.5)));
  });

  it('bootstrapMeanCI is the percentile interval of means over the seeded indices, deterministic by seed', () => {
    const rng = new Rng(1);
    const values = Float64Array.from({ length: 60 }, () => rng.uniform());
    const ci = bootstrapMeanCI(values, { resamples: 1000, seed: 5 });
    const manual = percentileInterval(resampledMeans(values, bootstrapIndices(60, 1000, 5)));
    assert.deepEqual(ci, manual);
    assert.deepEqual(bootstrapMeanCI(values, { resamples: 1000, seed: 5 }), ci);
    assert.notDeepEqual(bootstrapMeanCI(values, { resamples: 1000, seed: 6 }), ci);
    const idx = bootstrapIndices(60, 1000, 5);
    assert.ok(idx.every((i) => i >= 0 && i < 60));
    const mean = values.reduce((a, b) => a + b, 0) / 60;
    assert.ok(ci[0] < mean && mean < ci[1], `${ci} around ${mean}`);
  });

  it('covers the true mean about 95 % of the time on simulated data', () => {
    // Normal data, n = 60: the percentile interval's coverage is close to nominal
    // (slightly under, ≈ 0.94). 200 replications: binomial SD ≈ 0.016.
    const rng = new Rng(2);
    const reps = 200;
    let covered = 0;
    for (let r = 0; r < reps; r++) {
      const values = Float64Array.from({ length: 60 }, () => 0.7 + 0.2 * rng.normal());
      const [lo, hi] = bootstrapMeanCI(values, { resamples: 1000, seed: r });
      if (lo <= 0.7 && 0.7 <= hi) covered++;
    }
    const coverage = covered / reps;
    assert.ok(coverage >= 0.88 && coverage <= 0.99, `coverage ${coverage}`);
  });

  it('refuses empty, non-finite and bad settings', () => {
    assert.throws(() => bootstrapMeanCI([], { resamples: 10, seed: 1 }), /at least one item/);
    assert.throws(() => bootstrapMeanCI([1, Number.NaN], { resamples: 10, seed: 1 }), /item 1/);
    assert.throws(() => bootstrapMeanCI([1, 2], { resamples: 0, seed: 1 }), /positive integer/);
    assert.throws(() => percentileInterval([1, 2], 1.5), /level/);
  });
});
