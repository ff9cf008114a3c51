import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Rng } from '../util/rng.js';
import { SCORERS } from './scores.js';

/** Obviously-correct per-column references. */
function col(a: Float64Array, rows: number, cols: number, j: number): number[] {
  return Array.from({ length: rows }, (_, i) => a[i * cols + j]!);
}
const mean = (v: number[]) => v.reduce((s, x) => s + x, 0) / v.length;
function r2Ref(y: number[], p: number[]): number {
  const m = mean(y);
  const tot = y.reduce((s, v) => s + (v - m) ** 2, 0);
  const res = y.reduce((s, v, i) => s + (v - p[i]!) ** 2, 0);
  return tot === 0 ? (res === 0 ? 1 : 0) : 1 - res / tot;
}
function pearsonRef(y: number[], p: number[]): number {
  const my = mean(y);
  const mp = mean(p);
  let c = 0;
  let vy = 0;
  let vp = 0;
  for (let i = 0; i < y.length; i++) {
    c += (y[i]! - my) * (p[i]! - mp);
    vy += (y[i]! - my) ** 2;
    vp += (p[i]! - mp) ** 2;
  }
  return vy > 0 && vp > 0 ? c / Math.sqrt(vy * vp) : 0;
}

describe('scores', () => {
  const rows = 23;
  const cols = 7;
  const rng = new Rng(7);
  const y = rng.fillNormal(new Float64Array(rows * cols));
  const p = new Float64Array(rows * cols);
  for (let k = 0; k < p.length; k++) p[k] = 0.6 * y[k]! + 0.5 * rng.normal() + 0.3;
  // Column 6: constant truth, predicted exactly in rows but not overall.
  for (let i = 0; i < rows; i++) {
    y[i * cols + 6] = 2;
    p[i * cols + 6] = 2 + (i === 0 ? 1 : 0);
  }

  for (const [name, ref] of [
    ['r2', r2Ref],
    ['pearson', pearsonRef],
  ] as const) {
    it(`${name} matches a per-column reference`, () => {
      const s = SCORERS[name];
      const out = new Float64Array(cols);
      s.score(y, p, rows, cols, s.prepare(y, rows, cols), out);
      for (let j = 0; j < cols; j++) {
        const want = ref(col(y, rows, cols, j), col(p, rows, cols, j));
        assert.ok(Math.abs(out[j]! - want) < 1e-12, `${name} column ${j}: ${out[j]} vs ${want}`);
      }
    });
  }

  it('r2 of a constant truth predicted exactly is 1 (as scikit-learn)', () => {
    const t = new Float64Array([3, 3, 3]);
    const out = new Float64Array(1);
    SCORERS.r2.score(t, t, 3, 1, SCORERS.r2.prepare(t, 3, 1), out);
    assert.equal(out[0], 1);
  });
});
