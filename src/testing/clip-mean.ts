/** A generator context's `toClip` for tests: the mean over windows, no standardisation. */
import type { Matrix } from '../linalg/matrix.js';

/** `raw`: n_windows × n_dims → n_dims. */
export function meanOverWindows(raw: Matrix<Float32Array>): Float32Array {
  const v = new Float32Array(raw.cols);
  for (let i = 0; i < raw.rows; i++)
    for (let j = 0; j < raw.cols; j++) v[j] = (v[j] as number) + (raw.get(i, j) as number) / raw.rows;
  return v;
}
