/**
 * Best-of-N by the brain from a saved encoding model: which models can score a
 * candidate from its embedding, and the predicted steady-state response checked
 * against a plain-loop evaluation of the model's equation.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { EncodingModel } from '../encode/model.js';
import { Matrix } from '../linalg/matrix.js';
import { brainSelectionFromModel, embeddingColumns } from './brain.js';

const FP = 'dsp:v1:w10s5';
const BLOCKS = [
  { name: 'timbre', start: 0, size: 2 },
  { name: 'modulation', start: 2, size: 3 },
];
const embStd = { kind: 'standardizer' as const, mean: [1, 2, 3, 4, 5], scale: [2, 1, 0.5, 1, 3] };

/** A model on the `modulation` block (3 features), delays [1, 2], 4 voxels at grid offsets 10..13. */
function model(fingerprint = `${FP}:modulation`): EncodingModel {
  const dim = 3;
  const delays = [1, 2];
  const V = 4;
  const coef = new Matrix(
    V,
    delays.length * dim,
    Float32Array.from({ length: V * delays.length * dim }, (_, i) => Math.sin(i + 1)),
  );
  return {
    format: 1,
    kind: 'brain2music-encoding-model',
    subject: 'sub-001',
    space: 'dsp-modulation',
    parts: [
      {
        name: 'dsp-modulation',
        kind: 'window',
        dim,
        fingerprint,
        standardizer: { kind: 'standardizer', mean: [0.5, -1, 2], scale: [1.5, 2, 0.25] },
      },
    ],
    delays,
    tr: 1.5,
    nVoxels: V,
    dim,
    grid: { shape: [4, 4, 4], affine: [] },
    coef,
    intercept: Float64Array.from([0.1, -0.2, 0.3, 0]),
    alphas: Float64Array.from([1, 1, 1, 1]),
    voxels: Int32Array.from([10, 11, 12, 13]),
  };
}

describe('best-of-N by the brain: selection from an encoding model', () => {
  it('maps the embedding and its blocks, and passes over other spaces', () => {
    assert.deepEqual(embeddingColumns(model(), FP, BLOCKS), [2, 3, 4]);
    const whole = model(FP);
    whole.parts[0]!.dim = 5;
    assert.deepEqual(embeddingColumns(whole, FP, BLOCKS), [0, 1, 2, 3, 4]);
    assert.equal(embeddingColumns(model('genre-onehot:a,b'), FP, BLOCKS), null);
    assert.equal(embeddingColumns(model('dsp:v2:w10s5:modulation'), FP, BLOCKS), null);
    const sel = brainSelectionFromModel({
      model: model('genre-onehot:a,b'),
      embeddingFingerprint: FP,
      blocks: BLOCKS,
      standardizer: embStd,
      measured: new Map(),
      measuredVoxels: Int32Array.from([10, 11, 12, 13]),
    });
    assert.equal(sel, null);
  });

  it('predicts the steady-state response on the shared voxels, as the model equation gives', async () => {
    const m = model();
    // Measured voxels: a different order, one voxel the model lacks (99), one it has that is missing (10).
    const measuredVoxels = Int32Array.from([13, 99, 11, 12]);
    const sel = brainSelectionFromModel({
      model: m,
      embeddingFingerprint: FP,
      blocks: BLOCKS,
      standardizer: embStd,
      measured: new Map([['clip-a', Float32Array.from([1, 2, 3, 4])]]),
      measuredVoxels,
    });
    assert.ok(sel);
    // Measured on the shared voxels, in model order (11, 12, 13).
    assert.deepEqual(Array.from(sel.measured('clip-a')), [3, 4, 1]);
    assert.throws(() => sel.measured('clip-b'), /no measured response/);

    const F = new Matrix(2, 5, Float32Array.from([0.3, -1, 0.5, 2, -0.7, 1, 1, -1.5, 0, 0.25]));
    const P = await sel.predict(F);
    assert.equal(P.rows, 2);
    assert.equal(P.cols, 3);
    for (let r = 0; r < 2; r++) {
      // Raw block features, then the model's own standardisation.
      const z = [2, 3, 4].map((c, j) => {
        const raw = (F.data[r * 5 + c] as number) * (embStd.scale[c] as number) + (embStd.mean[c] as number);
        const s = m.parts[0]!.standardizer;
        return (raw - (s.mean[j] as number)) / (s.scale[j] as number);
      });
      [1, 2, 3].forEach((v, out) => {
        let y = m.intercept[v] as number;
        // Sustained stimulus: every delay block sees the same features.
        for (let d = 0; d < m.delays.length; d++)
          for (let j = 0; j < 3; j++) y += (m.coef.data[v * 6 + d * 3 + j] as number) * (z[j] as number);
        assert.ok(
          Math.abs((P.data[r * 3 + out] as number) - y) < 1e-4,
          `row ${r} voxel ${v}: ${P.data[r * 3 + out]} vs ${y}`,
        );
      });
    }
  });
});
