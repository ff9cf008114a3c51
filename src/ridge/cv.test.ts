import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { UserError } from '../util/errors.js';
import { kFold, leaveOneGroupOut, makeFolds } from './cv.js';

describe('kFold', () => {
  it('matches scikit-learn KFold(5) on 63 samples: contiguous folds of 13,13,13,12,12', () => {
    const folds = kFold(63, 5);
    assert.deepEqual(
      folds.map((f) => f.test.length),
      [13, 13, 13, 12, 12],
    );
    assert.deepEqual(
      Array.from(folds[0]!.test),
      Array.from({ length: 13 }, (_, i) => i),
    );
    assert.equal(folds[3]!.test[0], 39);
    for (const f of folds) {
      assert.equal(f.train.length + f.test.length, 63);
      const all = new Set([...f.train, ...f.test]);
      assert.equal(all.size, 63);
      for (let i = 1; i < f.train.length; i++) assert.ok(f.train[i]! > f.train[i - 1]!);
    }
  });

  it('rejects fewer than 2 folds or more folds than samples', () => {
    assert.throws(() => kFold(10, 1), UserError);
    assert.throws(() => kFold(4, 5), /cannot make 5 CV folds from 4 samples/);
  });
});

describe('leaveOneGroupOut', () => {
  it('one fold per label in ascending label order, like scikit-learn', () => {
    const folds = leaveOneGroupOut([4, 4, 2, 2, 9, 1, 1]);
    assert.deepEqual(
      folds.map((f) => Array.from(f.test)),
      [[5, 6], [2, 3], [0, 1], [4]],
    );
    assert.deepEqual(Array.from(folds[0]!.train), [0, 1, 2, 3, 4]);
  });

  it('rejects a single group, non-finite labels and a wrong count', () => {
    assert.throws(() => leaveOneGroupOut([1, 1, 1]), /at least 2 distinct groups/);
    assert.throws(() => leaveOneGroupOut([1, Number.NaN]), /not a finite number/);
    assert.throws(() => makeFolds(5, { kind: 'groups', groups: [1, 2] }), /2 group labels for 5 samples/);
  });
});
