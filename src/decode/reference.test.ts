/**
 * The ridge-based decoders against a slow, obviously correct reference on tiny
 * cases: closed-form ridge by the normal equations (float64, centred X and Y =
 * an unpenalised intercept) for one fixed alpha, the CV correlation computed fold
 * by fold, and each decoder's selection rule written out plainly.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Matrix } from '../linalg/matrix.js';
import { getDecoder } from './registry.js';
import { makeDecodeFixture } from './test-data.js';
import { cols, cvPearson, type Rows, ridge, rowsOf } from './test-reference.js';
import type { DecodeData, DecoderOptions } from './types.js';

const ALPHA = 10;
const OPTIONS: DecoderOptions = { alphas: [ALPHA], cvFolds: 5, seed: 0, params: {} };

const meanOf = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

function assertClose(pred: Matrix, ref: Rows, tol: number, what: string) {
  let num = 0;
  let den = 0;
  for (const [i, r] of ref.entries()) {
    for (const [j, v] of r.entries()) {
      num = Math.max(num, Math.abs(pred.get(i, j) - v));
      den = Math.max(den, Math.abs(v));
    }
  }
  assert.ok(num / den < tol, `${what}: relative error ${num / den}`);
}

describe('ridge-based decoders vs the normal equations (fixed alpha)', () => {
  const { data } = makeDecodeFixture({ seed: 11 });
  // 97 voxels: rows ≥ 2 × voxels → primal, rows < 2 × voxels → dual.
  const { data: tall } = makeDecodeFixture({ seed: 11, rowsPerRun: 60 });
  const X = rowsOf(data.trainX);
  const Y = rowsOf(data.trainY);
  const Xte = rowsOf(data.testX);

  it('whole-cortex, primal case (voxels < rows)', async () => {
    const fit = await getDecoder('whole-cortex').fit(tall, OPTIONS);
    assert.equal(fit.info.solver, 'primal');
    assertClose(
      fit.predTest,
      ridge(rowsOf(tall.trainX), rowsOf(tall.trainY), rowsOf(tall.testX), ALPHA),
      1e-4,
      'whole-cortex primal',
    );
  });

  it('whole-cortex, dual case (voxels > rows)', async () => {
    const { data: small } = makeDecodeFixture({ seed: 12, rowsPerRun: 15 });
    const fit = await getDecoder('whole-cortex').fit(small, OPTIONS);
    assert.equal(fit.info.solver, 'dual');
    assertClose(
      fit.predTest,
      ridge(rowsOf(small.trainX), rowsOf(small.trainY), rowsOf(small.testX), ALPHA),
      1e-4,
      'whole-cortex dual',
    );
  });

  it('roi-ensemble: regions ranked by fold-mean CV r, the best two averaged', async () => {
    const labels = data.voxelLabels as Int32Array;
    const regions = [...new Set(labels)]
      .filter((l) => l >= 11100 && labels.filter((x) => x === l).length >= 10)
      .map((l) => {
        const idx = Array.from(labels).flatMap((x, v) => (x === l ? [v] : []));
        return { l, idx, r: meanOf(cvPearson(cols(X, idx), Y, data.trainRun, ALPHA)) };
      })
      .sort((a, b) => b.r - a.r);
    const best = regions.slice(0, 2);
    const preds = best.map((g) => ridge(cols(X, g.idx), Y, cols(Xte, g.idx), ALPHA));
    const ref = (preds[0] as Rows).map((r, i) =>
      r.map((v, j) => (v + ((preds[1] as Rows)[i] as number[])[j]!) / 2),
    );
    const fit = await getDecoder('roi-ensemble').fit(data, { ...OPTIONS, params: { topRois: 2 } });
    const chosen = fit.info.chosen as Array<{ label: number; cvR: number }>;
    assert.deepEqual(
      chosen.map((c) => c.label),
      best.map((g) => g.l),
    );
    for (const [k, c] of chosen.entries()) assert.ok(Math.abs(c.cvR - (best[k]?.r as number)) < 1e-4);
    assertClose(fit.predTest, ref, 1e-4, 'roi-ensemble');
  });

  it('encoding-selected: voxels ranked by CV encoding r, the top 30 decoded', async () => {
    const p = data.trainX.cols;
    const score = cvPearson(Y, X, data.trainRun, ALPHA);
    const keep = Array.from({ length: p }, (_, v) => v)
      .sort((a, b) => (score[b] as number) - (score[a] as number) || a - b)
      .slice(0, 30)
      .sort((a, b) => a - b);
    const fit = await getDecoder('encoding-selected').fit(data, { ...OPTIONS, params: { topK: 30 } });
    assert.equal(fit.info.voxels, 30);
    assertClose(fit.predTest, ridge(cols(X, keep), Y, cols(Xte, keep), ALPHA), 1e-4, 'encoding-selected');
  });

  it('aligned: maps fitted on training rows; decoding from own + aligned stacked or averaged; test = their average', async () => {
    const others = data.others ?? [];
    const k = 1 + others.length;
    const alignedTrain = others.map((o) => ridge(rowsOf(o.trainX), X, rowsOf(o.trainX), ALPHA));
    const alignedTest = others.map((o) => ridge(rowsOf(o.trainX), X, rowsOf(o.testX), ALPHA));
    const average = (own: Rows, aligned: Rows[]) =>
      own.map((r, i) =>
        r.map((v, j) => (v + aligned.reduce((s, a) => s + ((a[i] as number[])[j] as number), 0)) / k),
      );
    const avgTest = average(Xte, alignedTest);
    const stacked = await getDecoder('aligned').fit(data, { ...OPTIONS, params: { pool: 'stack' } });
    const stackedRef = ridge(
      [X, ...alignedTrain].flat(),
      Array.from({ length: k }, () => Y).flat(),
      avgTest,
      ALPHA,
    );
    assertClose(stacked.predTest, stackedRef, 1e-4, 'aligned, stacked');
    const averaged = await getDecoder('aligned').fit(data, { ...OPTIONS, params: { pool: 'average' } });
    const averagedRef = ridge(average(X, alignedTrain), Y, avgTest, ALPHA);
    assertClose(averaged.predTest, averagedRef, 1e-4, 'aligned, averaged');
    // One shared alignment alpha: the dual-form map (no coefficient matrix) gives the same.
    const shared = await getDecoder('aligned').fit(data, { ...OPTIONS, params: { alignAlpha: 'shared' } });
    assertClose(shared.predTest, averagedRef, 1e-4, 'aligned, shared alpha (dual map)');
  });
});

describe('decode data stays untouched', () => {
  it('no decoder modifies its inputs', async () => {
    const { data } = makeDecodeFixture({ seed: 13 });
    const copy = (d: DecodeData) =>
      [d.trainX, d.trainY, d.testX, ...(d.others ?? []).flatMap((o) => [o.trainX, o.testX])].map((M) =>
        M.clone(),
      );
    const before = copy(data);
    for (const name of ['roi-ensemble', 'whole-cortex', 'encoding-selected', 'aligned', 'kernel-rbf']) {
      await getDecoder(name).fit(data, OPTIONS);
    }
    for (const [k, M] of copy(data).entries()) assert.deepEqual(M.data, (before[k] as Matrix).data);
  });
});
