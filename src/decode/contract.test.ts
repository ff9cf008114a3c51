/**
 * The decoder contract, run on EVERY registry member: shapes, determinism for a
 * seed, JSON-serialisable info, clear errors, and a planted linear signal
 * recovered far above chance on held-out rows.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Matrix } from '../linalg/matrix.js';
import { logspace } from '../ridge/options.js';
import { UserError } from '../util/errors.js';
import { DECODERS, getDecoder } from './registry.js';
import { makeDecodeFixture, meanColumnR } from './test-data.js';
import type { DecodeData, DecoderOptions } from './types.js';

const OPTIONS: DecoderOptions = { alphas: logspace(-2, 4, 7), cvFolds: 5, seed: 7, params: {} };
const { data, testY } = makeDecodeFixture();

function assertUserError(fn: () => Promise<unknown>, pattern: RegExp, field?: RegExp) {
  return assert.rejects(fn, (e: unknown) => {
    assert.ok(e instanceof UserError, `expected a UserError, got ${String(e)}`);
    assert.match(`${e.message} ${e.hint ?? ''}`, pattern);
    if (field) assert.match(e.location.field ?? '', field);
    return true;
  });
}

describe('decoder registry', () => {
  it('has the five decoders, each named by its key, with a description and defaults', () => {
    assert.deepEqual(Object.keys(DECODERS).sort(), [
      'aligned',
      'encoding-selected',
      'kernel-rbf',
      'roi-ensemble',
      'whole-cortex',
    ]);
    for (const [k, d] of Object.entries(DECODERS)) {
      assert.equal(d.name, k);
      assert.ok(d.description.length > 10);
      assert.deepEqual(JSON.parse(JSON.stringify(d.defaults)), d.defaults);
    }
  });

  it('refuses an unknown name with the nearest valid one', () => {
    assert.throws(
      () => getDecoder('whole-cortx'),
      (e: unknown) =>
        e instanceof UserError &&
        /'whole-cortex'/.test(e.hint ?? '') &&
        e.location.field === 'decode.decoders',
    );
    assert.throws(() => getDecoder('toString'), UserError);
  });
});

for (const decoder of Object.values(DECODERS)) {
  describe(`decoder contract: ${decoder.name}`, () => {
    it('predicts n_test × dim float32, deterministic, small JSON info, far above chance', async () => {
      const a = await decoder.fit(data, OPTIONS);
      const b = await decoder.fit(data, OPTIONS);
      assert.equal(a.predTest.rows, data.testX.rows);
      assert.equal(a.predTest.cols, data.trainY.cols);
      assert.ok(a.predTest.data instanceof Float32Array);
      assert.ok(a.predTest.data.every(Number.isFinite));
      assert.deepEqual(Buffer.from(a.predTest.data.buffer), Buffer.from(b.predTest.data.buffer));
      const text = JSON.stringify(a.info);
      assert.deepEqual(JSON.parse(text), a.info);
      assert.ok(text.length < 4000, `info is ${text.length} characters`);
      assert.deepEqual(a.info, b.info);
      // A planted linear signal is recovered far above chance on the held-out rows.
      const r = meanColumnR(a.predTest, testY);
      // Chance is r ≈ 0 (SD ≈ 1/√40 ≈ 0.16 per dimension, ≈ 0.06 for the mean of 8).
      assert.ok(r > 0.6, `${decoder.name}: mean test r ${r.toFixed(3)}`);
    });

    it('refuses mismatched rows, naming the field', async () => {
      const bad: DecodeData = {
        ...data,
        trainY: data.trainY.rowSlice(0, data.trainY.rows - 1) as Matrix<Float32Array>,
      };
      await assertUserError(
        () => decoder.fit(bad, OPTIONS),
        /trainY has 159 rows but trainX has 160/,
        /trainY/,
      );
      const badTest: DecodeData = { ...data, testX: data.testX.takeCols([0, 1, 2]) };
      await assertUserError(() => decoder.fit(badTest, OPTIONS), /testX has 3 voxels/, /testX/);
    });

    it('refuses an unknown setting with the nearest valid key', async () => {
      const key = Object.keys(decoder.defaults)[0];
      const typo = key ? `${key}x` : 'topk';
      const bad = { ...OPTIONS, params: { [typo]: 1 } };
      await assertUserError(
        () => decoder.fit(data, bad),
        new RegExp(`unknown setting '${typo}'`),
        new RegExp(decoder.name),
      );
      if (key) {
        const err = await decoder.fit(data, bad).catch((e: UserError) => e);
        assert.match((err as UserError).hint ?? '', new RegExp(`'${key}'`));
      }
    });

    it('refuses a single training run (no cross-validation possible)', async () => {
      const one: DecodeData = { ...data, trainRun: new Int32Array(data.trainX.rows) };
      await assertUserError(() => decoder.fit(one, OPTIONS), /from 1 run/, /trainRun/);
    });
  });
}

describe('decoder needs', () => {
  it('roi-ensemble refuses data without voxel labels', async () => {
    const { voxelLabels: _, ...rest } = data;
    await assertUserError(
      () => getDecoder('roi-ensemble').fit(rest, OPTIONS),
      /needs the Destrieux label/,
      /voxelLabels/,
    );
  });

  it('roi-ensemble refuses labels of the wrong length, or no region big enough', async () => {
    await assertUserError(
      () => getDecoder('roi-ensemble').fit({ ...data, voxelLabels: new Int32Array(3) }, OPTIONS),
      /voxelLabels has 3 entries/,
    );
    await assertUserError(
      () => getDecoder('roi-ensemble').fit(data, { ...OPTIONS, params: { minVoxels: 500 } }),
      /no region has at least 500 voxels/,
    );
  });

  it('roi-ensemble reports the chosen regions by name, best first, ignoring small and non-cortical ones', async () => {
    const fit = await getDecoder('roi-ensemble').fit(data, { ...OPTIONS, params: { topRois: 2 } });
    const chosen = fit.info.chosen as Array<{ label: number; name: string; cvR: number }>;
    assert.deepEqual(
      chosen.map((c) => c.name),
      ['ctx_lh_G_and_S_frontomargin', 'ctx_lh_G_and_S_occipital_inf'],
    );
    assert.ok((chosen[0]?.cvR as number) >= (chosen[1]?.cvR as number));
    assert.equal(fit.info.roisConsidered, 5);
    assert.equal(fit.info.roisSkippedSmall, 1);
  });

  it('aligned refuses data without other subjects, and others of another design', async () => {
    await assertUserError(
      () => getDecoder('aligned').fit({ ...data, others: [] }, OPTIONS),
      /needs other subjects/,
      /others/,
    );
    const o = data.others?.[0];
    assert.ok(o);
    const short = { ...o, trainX: o.trainX.rowSlice(0, 10) as Matrix<Float32Array> };
    await assertUserError(
      () => getDecoder('aligned').fit({ ...data, others: [short] }, OPTIONS),
      /same windows/,
    );
  });

  it('aligned: shared alignment alpha and stacked pooling also decode the signal', async () => {
    for (const params of [{ alignAlpha: 'shared', sharedAlphaVoxels: 20 }, { pool: 'stack' }]) {
      const fit = await getDecoder('aligned').fit(data, { ...OPTIONS, params });
      assert.ok(meanColumnR(fit.predTest, testY) > 0.6, JSON.stringify(params));
    }
    // The voxel sample that picks a shared alpha is drawn from the seed.
    const sampled = { ...OPTIONS, params: { alignAlpha: 'shared', sharedAlphaVoxels: 20 } };
    const a = await getDecoder('aligned').fit(data, sampled);
    const b = await getDecoder('aligned').fit(data, sampled);
    assert.deepEqual(a.predTest.data, b.predTest.data);
  });

  it('encoding-selected keeps the voxels the embedding drives', async () => {
    const fit = await getDecoder('encoding-selected').fit(data, { ...OPTIONS, params: { topK: 40 } });
    assert.equal(fit.info.voxels, 40);
    const enc = fit.info.encodingR as { keptMean: number; allMean: number };
    assert.ok(enc.keptMean > enc.allMean);
  });
});
