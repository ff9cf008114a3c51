/**
 * FIR delays for encoding models (voxelwise_tutorials' Delayer): instead of a fixed
 * HRF, the features at delays d₁…d_m (in samples, e.g. scans 1–4) are stacked side
 * by side, and ridge learns a response shape per voxel.
 *
 * X: n_samples × n_features → n_samples × (n_features · n_delays); column block i
 * holds X shifted by delays[i] rows: out[t, i·p + j] = X[t − delays[i], j], zero
 * when t − delays[i] falls outside the sample's segment. Segments (runs) never leak
 * into each other: pass `segments` (lengths, summing to n_samples), default one.
 * Negative delays shift the other way (the future), zero-filled at the segment end.
 */

import type { FloatArray } from '../../linalg/matrix.js';
import { Matrix } from '../../linalg/matrix.js';
import { UserError } from '../../util/errors.js';

export function delayRows<T extends FloatArray>(
  X: Matrix<T>,
  delays: readonly number[],
  segments?: readonly number[],
): Matrix<T> {
  if (delays.length === 0 || delays.some((d) => !Number.isInteger(d))) {
    throw new UserError(`delays must be a non-empty list of integers (scans), got [${delays.join(', ')}]`, {
      field: 'delays',
      hint: 'e.g. 1 2 3 4',
    });
  }
  const segs = segments ?? [X.rows];
  const total = segs.reduce((a, b) => a + b, 0);
  if (total !== X.rows || segs.some((s) => !Number.isInteger(s) || s < 0)) {
    throw new UserError(`segment lengths [${segs.join(', ')}] do not add up to the ${X.rows} rows`, {
      field: 'segments',
      hint: 'give the number of samples of each run, in order',
    });
  }
  const p = X.cols;
  const m = delays.length;
  const out = new Matrix(
    X.rows,
    p * m,
    (X.dtype === 'float32' ? new Float32Array(X.rows * p * m) : new Float64Array(X.rows * p * m)) as T,
  );
  let start = 0;
  for (const len of segs) {
    for (let t = 0; t < len; t++) {
      const o = (start + t) * p * m;
      delays.forEach((d, i) => {
        const src = t - d;
        if (src < 0 || src >= len) return;
        out.data.set(X.data.subarray((start + src) * p, (start + src + 1) * p), o + i * p);
      });
    }
    start += len;
  }
  return out;
}
