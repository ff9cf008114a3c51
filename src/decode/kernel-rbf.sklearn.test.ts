/**
 * Kernel ridge (RBF) against scikit-learn's `KernelRidge`, on the fixture made by
 * scripts/fixtures/decode_kernel_ridge.py: a fixed (γ, alpha), and the full search
 * (γ grid, per-target alpha by leave-one-group-out CV, ties to the larger alpha).
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { npyToMatrix, npyToNumbers } from '../io/npy.js';
import { readNpz } from '../io/npz.js';
import type { Matrix } from '../linalg/matrix.js';
import { fitKernelRidgeCV } from './kernel-rbf.js';

const FILE = join(import.meta.dirname, '..', '..', 'test', 'fixtures', 'decode', 'kernel_ridge.npz');

function maxRelErr(a: Matrix, ref: Matrix): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < ref.data.length; i++) {
    num = Math.max(num, Math.abs((a.data[i] as number) - (ref.data[i] as number)));
    den = Math.max(den, Math.abs(ref.data[i] as number));
  }
  return num / den;
}

describe('kernel ridge (RBF) vs scikit-learn KernelRidge', async () => {
  const z = await readNpz(FILE);
  const m = (k: string) => npyToMatrix(z[k]!, FILE, { what: k });
  const nums = (k: string) => npyToNumbers(z[k]!, FILE);
  const Xtr = m('Xtr');
  const Ytr = m('Ytr');
  const Xte = m('Xte');
  const groups = nums('groups');

  it('fixed γ and alpha, no intercept: same predictions', async () => {
    const r = await fitKernelRidgeCV(Xtr, Ytr, Xte, {
      gammas: nums('gamma_fixed'),
      alphas: nums('alpha_fixed'),
      cv: { kind: 'groups', groups },
      fitIntercept: false,
      dtype: 'float64',
    });
    const err = maxRelErr(r.predTest, m('pred_fixed'));
    assert.ok(err < 1e-6, `relative error ${err}`);
  });

  it('γ grid and per-target alpha by grouped CV: same choices, scores and predictions', async () => {
    const r = await fitKernelRidgeCV(Xtr, Ytr, Xte, {
      gammas: nums('gammas'),
      alphas: nums('alphas'),
      cv: { kind: 'groups', groups },
      fitIntercept: false,
      dtype: 'float64',
    });
    assert.equal(r.gamma, nums('best_gamma')[0]);
    assert.deepEqual(Array.from(r.alphas), nums('best_alphas'));
    nums('gamma_scores').forEach((s, i) => {
      assert.ok(Math.abs((r.gammaScores[i] as number) - s) < 1e-6, `γ #${i}: ${r.gammaScores[i]} vs ${s}`);
    });
    const err = maxRelErr(r.predTest, m('pred_search'));
    assert.ok(err < 1e-6, `relative error ${err}`);
  });

  it('float32 working precision stays close', async () => {
    const r = await fitKernelRidgeCV(Xtr.astype('float32'), Ytr.astype('float32'), Xte.astype('float32'), {
      gammas: nums('gamma_fixed'),
      alphas: nums('alpha_fixed'),
      cv: { kind: 'groups', groups },
      fitIntercept: false,
    });
    const err = maxRelErr(r.predTest, m('pred_fixed'));
    assert.ok(err < 1e-3, `relative error ${err}`);
  });

  it('refuses a non-positive γ', async () => {
    await assert.rejects(
      () => fitKernelRidgeCV(Xtr, Ytr, Xte, { gammas: [0], alphas: [1], cv: { kind: 'groups', groups } }),
      /every γ must be a finite number > 0/,
    );
  });
});
