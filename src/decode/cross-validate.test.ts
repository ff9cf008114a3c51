/**
 * Outer cross-validation and leave-one-group-out: every fold fits on the right
 * rows only (own and others sliced alike), predictions land on the right rows,
 * and a whole-cortex CV matches ridge refitted fold by fold by the normal equations.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { UserError } from '../util/errors.js';
import { crossValidatedPredictions, leaveGroupOutPredictions, sliceDecodeData } from './cross-validate.js';
import { getDecoder } from './registry.js';
import { makeDecodeFixture } from './test-data.js';
import { pick, ridge, rowsOf } from './test-reference.js';
import type { DecodeData, Decoder, DecoderOptions } from './types.js';

const OPTIONS: DecoderOptions = { alphas: [10], cvFolds: 5, seed: 0, params: {} };
const { data } = makeDecodeFixture({ seed: 21 });
const dim = data.trainY.cols;

/** Predicts each test row as its own first `dim` voxels, and records what it was given. */
function spy(calls: DecodeData[]): Decoder {
  return {
    name: 'spy',
    description: 'records its inputs',
    needs: { others: true },
    defaults: {},
    async fit(d) {
      calls.push(d);
      return { predTest: d.testX.takeCols(Array.from({ length: dim }, (_, j) => j)), info: {} };
    },
  };
}

describe('sliceDecodeData', () => {
  it('splits the training rows of the subject and of the others alike', () => {
    const mask = Uint8Array.from({ length: data.trainX.rows }, (_, i) => (i % 3 === 0 ? 0 : 1));
    const s = sliceDecodeData(data, mask);
    const held = [...mask.keys()].filter((i) => !mask[i]);
    assert.equal(s.trainX.rows + s.testX.rows, data.trainX.rows);
    assert.equal(s.testX.rows, held.length);
    assert.deepEqual(s.testX.row(1), data.trainX.row(held[1] as number));
    const o = s.others?.[1];
    assert.ok(o);
    assert.equal(o.trainX.rows, s.trainX.rows);
    assert.deepEqual(o.testX.row(2), data.others?.[1]?.trainX.row(held[2] as number));
    assert.deepEqual(
      Array.from(s.trainRun),
      Array.from(data.trainRun).filter((_, i) => mask[i]),
    );
  });

  it('refuses a mask of the wrong length', () => {
    assert.throws(() => sliceDecodeData(data, [1, 0]), UserError);
  });
});

describe('crossValidatedPredictions', () => {
  it('fits each fold on the other runs only and puts predictions on the held-out rows', async () => {
    const calls: DecodeData[] = [];
    const P = await crossValidatedPredictions(spy(calls), data, OPTIONS, { folds: 2 });
    // 4 runs, fold = run mod 2 → 2 folds.
    assert.equal(calls.length, 2);
    for (const c of calls) {
      const runs = new Set(c.trainRun);
      assert.equal(runs.size, 2);
      assert.equal(c.trainX.rows + c.testX.rows, data.trainX.rows);
      assert.equal(c.others?.[0]?.trainX.rows, c.trainX.rows);
      assert.equal(c.others?.[0]?.testX.rows, c.testX.rows);
    }
    assert.deepEqual(
      calls[0]?.trainRun.every((r) => r % 2 === 1),
      true,
    );
    const expected = data.trainX.takeCols(Array.from({ length: dim }, (_, j) => j));
    assert.deepEqual(P.data, expected.data);
  });

  it('whole-cortex: each held-out run predicted by ridge refitted without it (normal equations)', async () => {
    const P = await crossValidatedPredictions(getDecoder('whole-cortex'), data, OPTIONS, { folds: 4 });
    const X = rowsOf(data.trainX);
    const Y = rowsOf(data.trainY);
    let worst = 0;
    for (let g = 0; g < 4; g++) {
      const tr = [...data.trainRun.keys()].filter((i) => data.trainRun[i] !== g);
      const te = [...data.trainRun.keys()].filter((i) => data.trainRun[i] === g);
      const ref = ridge(pick(X, tr), pick(Y, tr), pick(X, te), 10);
      te.forEach((row, k) => {
        for (let j = 0; j < dim; j++)
          worst = Math.max(worst, Math.abs(P.get(row, j) - (ref[k]?.[j] as number)));
      });
    }
    assert.ok(worst < 1e-3, `max abs error ${worst}`);
  });

  it('refuses fewer than two folds of runs', async () => {
    const one: DecodeData = { ...data, trainRun: data.trainRun.map((r) => r * 2) };
    await assert.rejects(
      () => crossValidatedPredictions(getDecoder('whole-cortex'), one, OPTIONS, { folds: 2 }),
      UserError,
    );
  });
});

describe('leaveGroupOutPredictions', () => {
  // Groups (e.g. genres) of each training and test row.
  const trainGroup = Int32Array.from({ length: data.trainX.rows }, (_, i) => Math.floor(i / 4) % 3);
  const testGroup = Int32Array.from({ length: data.testX.rows }, (_, i) => Math.floor(i / 4) % 3);

  it('fits without the training rows of each group and predicts that group’s test rows', async () => {
    const calls: DecodeData[] = [];
    const P = await leaveGroupOutPredictions(spy(calls), data, OPTIONS, { trainGroup, testGroup });
    assert.equal(calls.length, 3);
    calls.forEach((c, g) => {
      assert.equal(c.trainX.rows, trainGroup.filter((x) => x !== g).length);
      assert.equal(c.testX.rows, testGroup.filter((x) => x === g).length);
      assert.equal(c.others?.[1]?.testX.rows, c.testX.rows);
      // The first training row kept is the first row of another group.
      const first = trainGroup.findIndex((x) => x !== g);
      assert.deepEqual(c.trainX.row(0), data.trainX.row(first));
    });
    const expected = data.testX.takeCols(Array.from({ length: dim }, (_, j) => j));
    assert.deepEqual(P.data, expected.data);
  });

  it('whole-cortex leave-one-group-out matches the normal equations', async () => {
    const P = await leaveGroupOutPredictions(getDecoder('whole-cortex'), data, OPTIONS, {
      trainGroup,
      testGroup,
    });
    const X = rowsOf(data.trainX);
    const Y = rowsOf(data.trainY);
    const Xte = rowsOf(data.testX);
    let worst = 0;
    for (let g = 0; g < 3; g++) {
      const tr = [...trainGroup.keys()].filter((i) => trainGroup[i] !== g);
      const te = [...testGroup.keys()].filter((i) => testGroup[i] === g);
      const ref = ridge(pick(X, tr), pick(Y, tr), pick(Xte, te), 10);
      te.forEach((row, k) => {
        for (let j = 0; j < dim; j++)
          worst = Math.max(worst, Math.abs(P.get(row, j) - (ref[k]?.[j] as number)));
      });
    }
    assert.ok(worst < 1e-3, `max abs error ${worst}`);
  });

  it('refuses group labels of the wrong length', async () => {
    await assert.rejects(
      () =>
        leaveGroupOutPredictions(getDecoder('whole-cortex'), data, OPTIONS, {
          trainGroup: new Int32Array(3),
          testGroup,
        }),
      /group labels: 3 for 160 training rows/,
    );
  });
});
