import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Matrix } from '../linalg/matrix.js';
import { gatherBlock, targetBatches } from './blocks.js';

describe('gatherBlock into a reused buffer', () => {
  it('gives the bytes of a fresh gather for every batch, padding cleared', () => {
    const m = new Matrix(
      7,
      11,
      Float32Array.from({ length: 77 }, (_, i) => i * 0.5 - 3),
    );
    const rows = Int32Array.from([6, 0, 3, 4]);
    const shift = Float64Array.from({ length: 11 }, (_, j) => j / 3);
    // Columns 3–10 of a 20-target problem on a 4-wide grid: padded and unpadded batches.
    const batches = targetBatches(8, 4, { offset: 3, width: 4, total: 20 });
    const scratch = new Float32Array(rows.length * 4).fill(Number.NaN);
    for (const b of batches) {
      for (const s of [null, shift]) {
        const sh = s ? s.subarray(b.j0, b.j1) : null;
        const fresh = gatherBlock(m, rows, b, sh);
        const reused = gatherBlock(m, rows, b, sh, scratch);
        assert.deepEqual([reused.rows, reused.cols], [fresh.rows, fresh.cols]);
        assert.deepEqual(Array.from(reused.data), Array.from(fresh.data));
      }
    }
  });

  it('refuses a buffer that is too small', () => {
    const m = Matrix.zeros(3, 4, 'float32');
    assert.throws(
      () => gatherBlock(m, null, { j0: 0, j1: 4, lead: 0, width: 4 }, null, new Float32Array(11)),
      /scratch of 11 elements, 12 needed/,
    );
  });
});
