/**
 * MFCCs and their time derivatives, as librosa defines them:
 * `librosa.feature.mfcc` = DCT-II (orthonormal) of `power_to_db(melspectrogram)`
 * (top_db 80) over the mel axis, first nMfcc coefficients;
 * `librosa.feature.delta` = Savitzky–Golay derivative along time
 * (`scipy.signal.savgol_filter(width, deriv=order, polyorder=order, mode='interp')`).
 */
import { Matrix } from '../linalg/matrix.js';
import { UserError } from '../util/errors.js';
import { powerToDb } from './db.js';
import { type MelOptions, melSpectrogram } from './mel.js';

export interface MfccOptions extends MelOptions {
  /** Coefficients kept (default 20). */
  nMfcc?: number;
  /** Dynamic range of the dB mel spectrogram (default 80, librosa's). */
  topDb?: number | null;
}

/** Orthonormal DCT-II matrix, nOut × nIn (`scipy.fft.dct(type=2, norm='ortho')` rows). */
export function dctMatrix(nOut: number, nIn: number): Float64Array {
  const d = new Float64Array(nOut * nIn);
  for (let k = 0; k < nOut; k++) {
    const s = k === 0 ? Math.sqrt(1 / nIn) : Math.sqrt(2 / nIn);
    for (let n = 0; n < nIn; n++) d[k * nIn + n] = s * Math.cos((Math.PI * k * (2 * n + 1)) / (2 * nIn));
  }
  return d;
}

/** MFCCs of a dB mel spectrogram (nMels × nFrames) → nMfcc × nFrames. */
export function mfccFromMelDb(melDb: Matrix, nMfcc = 20): Matrix<Float32Array> {
  if (!Number.isInteger(nMfcc) || nMfcc < 1 || nMfcc > melDb.rows) {
    throw new UserError(
      `nMfcc must be an integer in 1–${melDb.rows} (the number of mel bands), got ${nMfcc}`,
      {
        field: 'nMfcc',
      },
    );
  }
  const { rows: nMels, cols: T } = melDb;
  const D = dctMatrix(nMfcc, nMels);
  const out = Matrix.zeros(nMfcc, T, 'float32');
  const col = new Float64Array(nMels);
  for (let t = 0; t < T; t++) {
    for (let m = 0; m < nMels; m++) col[m] = melDb.data[m * T + t] as number;
    for (let k = 0; k < nMfcc; k++) {
      let acc = 0;
      for (let m = 0; m < nMels; m++) acc += (D[k * nMels + m] as number) * (col[m] as number);
      out.data[k * T + t] = acc;
    }
  }
  return out;
}

/** MFCCs of mono samples: nMfcc × nFrames (defaults: 20 coefficients over 128 mels, nFft 2048, hop 512). */
export function mfcc(
  x: Float32Array | Float64Array,
  sr: number,
  opts: MfccOptions = {},
): Matrix<Float32Array> {
  const mel = melSpectrogram(x, sr, opts);
  const db = powerToDb(mel.data, { topDb: opts.topDb === undefined ? 80 : opts.topDb });
  return mfccFromMelDb(new Matrix(mel.rows, mel.cols, db), opts.nMfcc ?? 20);
}

/** Solves the small dense system A·x = b (Gaussian elimination with partial pivoting). */
function solve(A: number[][], b: number[]): number[] {
  const n = b.length;
  const M = A.map((r, i) => [...r, b[i] as number]);
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(M[r]![c]!) > Math.abs(M[p]![c]!)) p = r;
    [M[c], M[p]] = [M[p]!, M[c]!];
    for (let r = 0; r < n; r++) {
      if (r === c) continue;
      const f = M[r]![c]! / M[c]![c]!;
      for (let k = c; k <= n; k++) M[r]![k] = M[r]![k]! - f * M[c]![k]!;
    }
  }
  return M.map((r, i) => r[n]! / r[i]!);
}

/**
 * Savitzky–Golay weights w_j (j = −h..h) of the `order`-th derivative at the
 * window centre of a degree-`order` least-squares polynomial: d = Σ_j w_j x_{t+j}.
 */
export function savgolDerivativeWeights(width: number, order: number): Float64Array {
  const h = (width - 1) / 2;
  const deg = order;
  // Normal equations (AᵀA) c = Aᵀ e_j for each j, A_{j,p} = j^p; derivative = order! · c_order.
  const AtA: number[][] = Array.from({ length: deg + 1 }, (_, p) =>
    Array.from({ length: deg + 1 }, (_, q) => {
      let s = 0;
      for (let j = -h; j <= h; j++) s += j ** (p + q);
      return s;
    }),
  );
  let fact = 1;
  for (let i = 2; i <= order; i++) fact *= i;
  const w = new Float64Array(width);
  for (let j = -h; j <= h; j++) {
    const rhs = Array.from({ length: deg + 1 }, (_, p) => j ** p);
    w[j + h] = fact * (solve(AtA, rhs)[order] as number);
  }
  return w;
}

export interface DeltaOptions {
  /** Odd window length in frames, ≥ 3 (default 9). */
  width?: number;
  /** Derivative order (default 1: delta; 2: delta-delta). */
  order?: number;
}

/**
 * Time derivative of every row of `data` (features × frames), librosa's `delta`.
 * Edges (mode 'interp'): the first and last ⌊width/2⌋ frames take the derivative
 * of the polynomial fitted to the first/last window, which for polyorder = order
 * is constant, i.e. the value at the nearest full window. Needs ≥ width frames.
 */
export function delta(data: Matrix, opts: DeltaOptions = {}): Matrix<Float32Array> {
  const width = opts.width ?? 9;
  const order = opts.order ?? 1;
  if (!Number.isInteger(width) || width < 3 || width % 2 === 0) {
    throw new UserError(`delta width must be an odd integer ≥ 3, got ${width}`, { field: 'width' });
  }
  if (!Number.isInteger(order) || order < 1 || order >= width) {
    throw new UserError(`delta order must be an integer in 1–${width - 1}, got ${order}`, { field: 'order' });
  }
  const T = data.cols;
  if (T < width) {
    throw new UserError(`delta needs at least width = ${width} frames, the input has ${T}`, {
      field: 'width',
      hint: `use a smaller odd width (≥ 3 and ≤ ${T}) or a longer input`,
    });
  }
  const w = savgolDerivativeWeights(width, order);
  const h = (width - 1) / 2;
  const out = Matrix.zeros(data.rows, T, 'float32');
  for (let r = 0; r < data.rows; r++) {
    const base = r * T;
    for (let t = h; t < T - h; t++) {
      let acc = 0;
      for (let j = 0; j < width; j++) acc += (w[j] as number) * (data.data[base + t - h + j] as number);
      out.data[base + t] = acc;
    }
    for (let t = 0; t < h; t++) {
      out.data[base + t] = out.data[base + h] as number;
      out.data[base + T - 1 - t] = out.data[base + T - 1 - h] as number;
    }
  }
  return out;
}
