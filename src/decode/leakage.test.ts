/**
 * Selection leakage: a decoder may use the test matrix for prediction only, so the
 * prediction of test row i must not change when any OTHER test row changes (of this
 * subject or of the other subjects). Every registry member is checked, and a
 * deliberately cheating decoder (voxels chosen by their variance over the test
 * rows) shows that the check catches a peek at test data.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Matrix } from '../linalg/matrix.js';
import { logspace } from '../ridge/options.js';
import { Rng } from '../util/rng.js';
import { DECODERS } from './registry.js';
import { makeDecodeFixture } from './test-data.js';
import type { DecodeData, Decoder, DecoderOptions } from './types.js';
import { wholeCortex } from './whole-cortex.js';

const OPTIONS: DecoderOptions = { alphas: logspace(-2, 4, 4), cvFolds: 5, seed: 3, params: {} };

/** Replaces the test rows in `rows` (own and others') with large seeded noise. */
function alterTestRows(data: DecodeData, rows: number[], seed: number): DecodeData {
  const rng = new Rng(seed);
  const alter = (X: Matrix<Float32Array>) => {
    const Y = X.clone();
    for (const r of rows) for (let j = 0; j < Y.cols; j++) Y.data[r * Y.cols + j] = 20 * rng.normal();
    return Y;
  };
  return {
    ...data,
    testX: alter(data.testX),
    others: data.others?.map((o) => ({ ...o, testX: alter(o.testX) })),
  };
}

/**
 * The largest change, over the test rows NOT altered, between predictions with the
 * original test matrix and with a few other rows replaced by large noise.
 */
async function leakage(decoder: Decoder, data: DecodeData): Promise<number> {
  const base = await decoder.fit(data, OPTIONS);
  const altered = [3, 17, 30];
  let worst = 0;
  for (const seed of [1]) {
    const fit = await decoder.fit(alterTestRows(data, altered, seed), OPTIONS);
    const d = base.predTest.cols;
    for (let i = 0; i < base.predTest.rows; i++) {
      if (altered.includes(i)) continue;
      for (let j = 0; j < d; j++) {
        const a = base.predTest.data[i * d + j] as number;
        const b = fit.predTest.data[i * d + j] as number;
        worst = Math.max(worst, Math.abs(a - b) / Math.max(1, Math.abs(a)));
      }
    }
  }
  return worst;
}

/** Cheats: keeps the 20 voxels that vary most over the TEST rows, then decodes honestly. */
const peeking: Decoder = {
  name: 'peeking',
  description: 'selects voxels using the test data (must be caught)',
  needs: {},
  defaults: {},
  async fit(data, options) {
    const { testX } = data;
    const variance = Array.from({ length: testX.cols }, (_, v) => {
      let s = 0;
      let ss = 0;
      for (let i = 0; i < testX.rows; i++) {
        const x = testX.data[i * testX.cols + v] as number;
        s += x;
        ss += x * x;
      }
      return ss / testX.rows - (s / testX.rows) ** 2;
    });
    const keep = variance
      .map((v, i) => [v, i] as const)
      .sort((a, b) => b[0] - a[0] || a[1] - b[1])
      .slice(0, 20)
      .map(([, i]) => i)
      .sort((a, b) => a - b);
    return wholeCortex.fit(
      { ...data, trainX: data.trainX.takeCols(keep), testX: testX.takeCols(keep), voxelLabels: undefined },
      options,
    );
  },
};

describe('selection leakage', () => {
  const { data } = makeDecodeFixture({ seed: 5 });

  for (const decoder of Object.values(DECODERS)) {
    it(`${decoder.name}: a test row's prediction does not depend on the other test rows`, async () => {
      const worst = await leakage(decoder, data);
      assert.ok(worst < 1e-5, `${decoder.name}: predictions of untouched test rows moved by ${worst}`);
    });
  }

  it('catches a decoder that chooses voxels from the test data', async () => {
    const worst = await leakage(peeking, data);
    assert.ok(worst > 1e-2, `the peeking decoder was not caught (change ${worst})`);
  });
});
