/**
 * Per-dimension standardisation (z-scoring) fitted on training rows only, so no
 * statistic of the test clips leaks into the features. Same rule as
 * scikit-learn's `StandardScaler`: population std (ddof 0); a constant column
 * (std 0) gets scale 1 so it maps to 0 instead of dividing by zero.
 * Raw embeddings are cached; the fitted state is small and saved with the model.
 */
import { Matrix } from '../linalg/matrix.js';
import { UserError } from '../util/errors.js';

export interface StandardizerState {
  kind: 'standardizer';
  mean: number[];
  scale: number[];
}

export class Standardizer {
  constructor(readonly state: StandardizerState) {}

  get dim(): number {
    return this.state.mean.length;
  }

  /**
   * X: n_rows × dim. `rows`: the training rows to fit on (default all rows).
   * Two-pass mean then variance in float64.
   */
  static fit(X: Matrix, rows?: ArrayLike<number>): Standardizer {
    const idx = rows ?? Array.from({ length: X.rows }, (_, i) => i);
    if (idx.length === 0) {
      throw new UserError('cannot fit a standardiser on zero training rows', {
        hint: 'pass at least one training clip',
      });
    }
    const d = X.cols;
    const mean = new Float64Array(d);
    for (let k = 0; k < idx.length; k++) {
      const r = X.row(idx[k] as number);
      for (let j = 0; j < d; j++) mean[j] = (mean[j] as number) + (r[j] as number);
    }
    for (let j = 0; j < d; j++) mean[j] = (mean[j] as number) / idx.length;
    const varr = new Float64Array(d);
    for (let k = 0; k < idx.length; k++) {
      const r = X.row(idx[k] as number);
      for (let j = 0; j < d; j++)
        varr[j] = (varr[j] as number) + ((r[j] as number) - (mean[j] as number)) ** 2;
    }
    const scale = Array.from(varr, (v) => {
      const s = Math.sqrt(v / idx.length);
      return s > 0 && Number.isFinite(s) ? s : 1;
    });
    return new Standardizer({ kind: 'standardizer', mean: Array.from(mean), scale });
  }

  static fromJSON(state: unknown, file?: string): Standardizer {
    const s = state as Partial<StandardizerState>;
    if (
      s?.kind !== 'standardizer' ||
      !Array.isArray(s.mean) ||
      !Array.isArray(s.scale) ||
      s.mean.length !== s.scale.length
    ) {
      throw new UserError('not a standardiser file (expected {kind: "standardizer", mean, scale})', { file });
    }
    return new Standardizer(s as StandardizerState);
  }

  /** (X − mean) / scale, as a new float32 matrix: n_rows × dim. */
  transform(X: Matrix): Matrix<Float32Array> {
    if (X.cols !== this.dim) {
      throw new UserError(`standardiser was fitted on ${this.dim} columns, got ${X.cols}`, {
        hint: 'use the standardiser saved with the same embedder',
      });
    }
    const out = Matrix.zeros(X.rows, X.cols, 'float32');
    const { mean, scale } = this.state;
    for (let i = 0; i < X.rows; i++) {
      const r = X.row(i);
      const o = out.row(i);
      for (let j = 0; j < X.cols; j++) o[j] = ((r[j] as number) - (mean[j] as number)) / (scale[j] as number);
    }
    return out;
  }

  toJSON(): StandardizerState {
    return this.state;
  }
}
