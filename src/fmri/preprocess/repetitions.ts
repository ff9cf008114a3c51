/**
 * Averaging repeated presentations (the 4 repetitions of each ds003720 test clip).
 * X: n_rows × n_voxels; `groups[g]` lists the rows of group g; returns
 * n_groups × n_voxels with row g = mean of X[groups[g], :] (float64 accumulation).
 */

import type { FloatArray } from '../../linalg/matrix.js';
import { Matrix } from '../../linalg/matrix.js';
import { UserError } from '../../util/errors.js';

export function averageRepetitions<T extends FloatArray>(
  X: Matrix<T>,
  groups: readonly (readonly number[])[],
): Matrix<T> {
  const v = X.cols;
  const out = new Matrix(
    groups.length,
    v,
    (X.dtype === 'float32' ? new Float32Array(groups.length * v) : new Float64Array(groups.length * v)) as T,
  );
  const acc = new Float64Array(v);
  groups.forEach((rows, g) => {
    if (rows.length === 0)
      throw new UserError(`repetition group ${g} is empty`, {
        hint: 'every test clip needs at least one presentation',
      });
    acc.fill(0);
    for (const r of rows) {
      if (!(r >= 0 && r < X.rows))
        throw new UserError(`row ${r} of repetition group ${g} is outside the ${X.rows} rows`);
      const base = r * v;
      for (let c = 0; c < v; c++) acc[c]! += X.data[base + c]!;
    }
    const o = g * v;
    for (let c = 0; c < v; c++) out.data[o + c] = acc[c]! / rows.length;
  });
  return out;
}
