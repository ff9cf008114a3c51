/**
 * Tiny synthetic decoder inputs for the tests: a planted linear signal from the
 * embedding to a few Destrieux regions, plus regions and non-cortical voxels
 * that carry only noise, and other subjects who heard the same stimuli through
 * their own voxel mixing.
 */
import { Matrix } from '../linalg/matrix.js';
import { Rng } from '../util/rng.js';
import type { DecodeData } from './types.js';

export interface FixtureOptions {
  seed?: number;
  runs?: number;
  rowsPerRun?: number;
  testRows?: number;
  dim?: number;
  others?: number;
  noise?: number;
}

/** Regions: [label, voxels, signal gain]. 12150 is below the 10-voxel minimum; 17 is not cortical. */
export const FIXTURE_REGIONS: ReadonlyArray<readonly [number, number, number]> = [
  [11101, 20, 1.0],
  [11102, 20, 0.7],
  [11103, 15, 0.4],
  [11104, 15, 0],
  [12101, 12, 0],
  [12150, 5, 1.0],
  [17, 10, 0],
];

export const FIXTURE_NAMES: ReadonlyMap<number, string> = new Map([
  [11101, 'ctx_lh_G_and_S_frontomargin'],
  [11102, 'ctx_lh_G_and_S_occipital_inf'],
  [11103, 'ctx_lh_G_and_S_paracentral'],
  [11104, 'ctx_lh_G_and_S_subcentral'],
  [12101, 'ctx_rh_G_and_S_frontomargin'],
  [12150, 'ctx_rh_S_calcarine'],
  [17, 'Left-Hippocampus'],
]);

function gaussian(rng: Rng, rows: number, cols: number): Matrix<Float32Array> {
  const M = Matrix.zeros(rows, cols, 'float32');
  rng.fillNormal(M.data);
  return M;
}

/** X = Y·W + noise, W zero outside the signal voxels. Y: n × dim, W: dim × p. */
function brain(
  Y: Matrix<Float32Array>,
  W: Matrix<Float64Array>,
  noise: number,
  rng: Rng,
): Matrix<Float32Array> {
  const n = Y.rows;
  const p = W.cols;
  const X = gaussian(rng, n, p);
  for (let i = 0; i < n; i++)
    for (let v = 0; v < p; v++) {
      let s = 0;
      for (let k = 0; k < Y.cols; k++)
        s += (Y.data[i * Y.cols + k] as number) * (W.data[k * p + v] as number);
      X.data[i * p + v] = s + noise * (X.data[i * p + v] as number);
    }
  return X;
}

function mixing(rng: Rng, dim: number, gains: Float64Array): Matrix<Float64Array> {
  const p = gains.length;
  const W = Matrix.zeros(dim, p, 'float64');
  for (let k = 0; k < dim; k++)
    for (let v = 0; v < p; v++)
      W.data[k * p + v] = (((gains[v] as number) * rng.normal()) / Math.sqrt(dim)) * 2;
  return W;
}

/** Decoder inputs of one subject plus `others`, and the true test embedding (testY). */
export function makeDecodeFixture(o: FixtureOptions = {}): { data: DecodeData; testY: Matrix<Float32Array> } {
  const rng = new Rng(o.seed ?? 1);
  const runs = o.runs ?? 4;
  const perRun = o.rowsPerRun ?? 40;
  const n = runs * perRun;
  const m = o.testRows ?? 40;
  const dim = o.dim ?? 8;
  const noise = o.noise ?? 1;
  const labels: number[] = [];
  const gains: number[] = [];
  for (const [label, count, gain] of FIXTURE_REGIONS)
    for (let i = 0; i < count; i++) {
      labels.push(label);
      gains.push(gain);
    }
  const g = Float64Array.from(gains);
  const trainY = gaussian(rng.fork('Ytrain'), n, dim);
  const testY = gaussian(rng.fork('Ytest'), m, dim);
  const W = mixing(rng.fork('W'), dim, g);
  const subjectRng = rng.fork('sub-001');
  const data: DecodeData = {
    subject: 'sub-001',
    trainX: brain(trainY, W, noise, subjectRng),
    trainY,
    trainRun: Int32Array.from({ length: n }, (_, i) => Math.floor(i / perRun)),
    trainClip: Int32Array.from({ length: n }, (_, i) => Math.floor(i / 4)),
    testX: brain(testY, W, noise, subjectRng),
    voxelLabels: Int32Array.from(labels),
    labelNames: FIXTURE_NAMES,
    others: Array.from({ length: o.others ?? 2 }, (_, k) => {
      const name = `sub-00${k + 2}`;
      const r = rng.fork(name);
      const Wo = mixing(r.fork('W'), dim, g);
      return { subject: name, trainX: brain(trainY, Wo, noise, r), testX: brain(testY, Wo, noise, r) };
    }),
  };
  return { data, testY };
}

/** Mean over columns of the Pearson r between prediction and truth. */
export function meanColumnR(pred: Matrix, truth: Matrix): number {
  let total = 0;
  for (let j = 0; j < truth.cols; j++) {
    let ma = 0;
    let mb = 0;
    for (let i = 0; i < truth.rows; i++) {
      ma += pred.get(i, j);
      mb += truth.get(i, j);
    }
    ma /= truth.rows;
    mb /= truth.rows;
    let sab = 0;
    let saa = 0;
    let sbb = 0;
    for (let i = 0; i < truth.rows; i++) {
      const a = pred.get(i, j) - ma;
      const b = truth.get(i, j) - mb;
      sab += a * b;
      saa += a * a;
      sbb += b * b;
    }
    total += sab / Math.sqrt(saa * sbb);
  }
  return total / truth.cols;
}
