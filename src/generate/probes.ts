/**
 * Conditioning probes: from a clip-level embedding (the run's embedder,
 * standardised, the 4 windows averaged) to the attributes the composer
 * understands. Categorical attributes (genre, mood, mode, tonic, meter) get a
 * multinomial logistic probe whose λ is chosen by K-fold CV log-loss (so the
 * probabilities the generator samples from are calibrated); continuous ones
 * (tempo, swing, energy, valence, note rate) and the 16 instrument-family
 * indicators get ridge with a per-target alpha chosen by inner CV (src/ridge).
 * Every probe's cross-validated accuracy or error is kept with its chance level.
 *
 * Trained on library tracks and training stimuli only: never on test clips.
 */

import { pearson } from '../evaluate/correlation.js';
import type { Backend } from '../linalg/backend.js';
import { getBackend } from '../linalg/index.js';
import { Matrix } from '../linalg/matrix.js';
import { fitRidgeCV } from '../ridge/index.js';
import type { RidgeModel } from '../ridge/model.js';
import {
  GENRES,
  type Genre,
  INSTRUMENT_FAMILIES,
  type InstrumentFamily,
  type Mood,
} from '../synth/music/index.js';
import type { ModeName } from '../synth/music/theory.js';
import { UserError } from '../util/errors.js';
import { Rng } from '../util/rng.js';
import { METERS, type Meter, MODE_NAMES, MOODS, type MusicAttributes } from './attributes.js';
import { fitLogistic, type LogisticModel, predictLogistic } from './logistic.js';

/** What the probes predict for one clip. */
export interface PredictedAttributes {
  genre: Record<Genre, number>;
  mood: Record<Mood, number>;
  mode: Record<ModeName, number>;
  /** Probability of each tonic pitch class 0–11. */
  tonic: number[];
  meter: Record<Meter, number>;
  tempo: number;
  swing: number;
  energy: number;
  valence: number;
  noteRate: number;
  /** Probability that each family plays. */
  instruments: Record<InstrumentFamily, number>;
}

/** One probe's cross-validated quality. */
export interface ProbeScore {
  probe: string;
  kind: 'categorical' | 'continuous' | 'binary';
  /** `accuracy` (higher is better) or `mae` (lower is better), out of fold. */
  metric: 'accuracy' | 'mae';
  cv: number;
  /** Majority class share, or the MAE of predicting the training mean. */
  chance: number;
  /** Out-of-fold Pearson r (continuous probes). */
  r?: number;
  /** Chosen λ (logistic) or the median chosen alpha (ridge). */
  regularisation: number;
}

export interface ProbeOptions {
  /** CV folds (default 5). */
  folds?: number;
  seed?: number;
  /** Logistic λ grid (default 1, 10, 100, 1000). */
  lambdas?: readonly number[];
  /** Ridge alpha grid (default 10^-1 … 10^5). */
  alphas?: readonly number[];
  backend?: Backend;
}

const CATEGORICAL = {
  genre: GENRES as readonly string[],
  mood: MOODS as readonly string[],
  mode: MODE_NAMES as readonly string[],
  tonic: Array.from({ length: 12 }, (_, i) => String(i)),
  meter: METERS as readonly string[],
} as const;
type CategoricalName = keyof typeof CATEGORICAL;

const CONTINUOUS = ['tempo', 'swing', 'energy', 'valence', 'noteRate'] as const;
const LIMITS: Record<(typeof CONTINUOUS)[number], [number, number]> = {
  tempo: [40, 220],
  swing: [0, 1 / 6],
  energy: [0, 1],
  valence: [0, 1],
  noteRate: [0.2, 30],
};

function label(a: MusicAttributes, name: CategoricalName): string {
  return name === 'tonic' ? String(a.tonic) : (a[name] as string);
}

/** Rows `idx` of X as a new float64 matrix. */
export function takeRows(X: Matrix, idx: readonly number[]): Matrix<Float64Array> {
  const out = Matrix.zeros(idx.length, X.cols, 'float64');
  for (let k = 0; k < idx.length; k++) out.data.set(X.row(idx[k] as number), k * X.cols);
  return out;
}

/** Seeded K folds: fold k holds the rows at positions ≡ k (mod K) of a shuffled order. */
export function randomFolds(n: number, folds: number, seed: number | string): number[][] {
  const order = new Rng(`folds:${seed}`).shuffle(Array.from({ length: n }, (_, i) => i));
  const out: number[][] = Array.from({ length: folds }, () => []);
  order.forEach((row, p) => {
    out[p % folds]?.push(row);
  });
  return out.map((f) => f.sort((a, b) => a - b));
}

function complement(n: number, test: readonly number[]): number[] {
  const s = new Set(test);
  return Array.from({ length: n }, (_, i) => i).filter((i) => !s.has(i));
}

export interface CategoricalFit {
  model: LogisticModel;
  lambda: number;
  /** Out-of-fold accuracy at the chosen λ. */
  accuracy: number;
  chance: number;
}

/**
 * Logistic probe with λ chosen by CV log-loss (ties to the larger λ).
 * X: n × d, y: labels 0..K−1.
 */
export async function fitCategoricalProbe(
  X: Matrix<Float64Array>,
  y: readonly number[],
  K: number,
  folds: readonly number[][],
  lambdas: readonly number[],
  backend: Backend,
): Promise<CategoricalFit> {
  const n = X.rows;
  const grid = [...lambdas].sort((a, b) => b - a);
  let best = { lambda: grid[0] as number, loss: Infinity, accuracy: 0 };
  const warm = new Map<number, LogisticModel>();
  for (const lambda of grid) {
    let loss = 0;
    let correct = 0;
    for (const [f, test] of folds.entries()) {
      const train = complement(n, test);
      const prev = warm.get(f);
      const m = await fitLogistic(
        takeRows(X, train),
        train.map((i) => y[i] as number),
        K,
        {
          lambda,
          backend,
          maxIter: 300,
          tol: 1e-3,
          init: prev ? { coef: prev.coef, intercept: prev.intercept } : undefined,
        },
      );
      warm.set(f, m);
      const P = await predictLogistic(m, takeRows(X, test), backend);
      for (const [r, i] of test.entries()) {
        const yi = y[i] as number;
        loss -= Math.log(Math.max(1e-12, P.data[r * K + yi] as number));
        let arg = 0;
        for (let k = 1; k < K; k++)
          if ((P.data[r * K + k] as number) > (P.data[r * K + arg] as number)) arg = k;
        if (arg === yi) correct++;
      }
    }
    if (loss < best.loss - 1e-9) best = { lambda, loss, accuracy: correct / n };
  }
  const model = await fitLogistic(X, y, K, { lambda: best.lambda, backend, maxIter: 500, tol: 1e-4 });
  const counts = new Array<number>(K).fill(0);
  for (const c of y) counts[c] = (counts[c] as number) + 1;
  return { model, lambda: best.lambda, accuracy: best.accuracy, chance: Math.max(...counts) / n };
}

/** The fitted probes; `predict` maps clip embeddings to attributes. */
export class AttributeProbes {
  constructor(
    readonly dim: number,
    private readonly categorical: Record<CategoricalName, LogisticModel>,
    private readonly ridge: RidgeModel,
    readonly scores: ProbeScore[],
  ) {}

  /** E: n_clips × dim (standardised, clip-level) → one attribute record per row. */
  async predict(E: Matrix, backend?: Backend): Promise<PredictedAttributes[]> {
    if (E.cols !== this.dim)
      throw new UserError(`probes were trained on ${this.dim}-d embeddings, got ${E.cols}-d`, {
        hint: 'train the probes with the same embedder as the decoder',
      });
    const be = backend ?? (await getBackend());
    const X = takeRows(
      E,
      Array.from({ length: E.rows }, (_, i) => i),
    );
    const probs = {} as Record<CategoricalName, Matrix<Float64Array>>;
    for (const name of Object.keys(CATEGORICAL) as CategoricalName[])
      probs[name] = await predictLogistic(this.categorical[name], X, be);
    const R = await this.ridge.predict(X, be);
    const nR = R.cols;
    const out: PredictedAttributes[] = [];
    for (let i = 0; i < E.rows; i++) {
      const row = (name: CategoricalName) => {
        const K = CATEGORICAL[name].length;
        return Array.from(probs[name].data.subarray(i * K, (i + 1) * K));
      };
      const asRecord = <T extends string>(names: readonly string[], p: number[]) =>
        Object.fromEntries(names.map((n, k) => [n, p[k] as number])) as Record<T, number>;
      const cont = (j: number, [lo, hi]: [number, number]) =>
        Math.min(hi, Math.max(lo, R.data[i * nR + j] as number));
      out.push({
        genre: asRecord<Genre>(GENRES, row('genre')),
        mood: asRecord<Mood>(MOODS, row('mood')),
        mode: asRecord<ModeName>(MODE_NAMES, row('mode')),
        tonic: row('tonic'),
        meter: asRecord<Meter>(METERS, row('meter')),
        tempo: cont(0, LIMITS.tempo),
        swing: cont(1, LIMITS.swing),
        energy: cont(2, LIMITS.energy),
        valence: cont(3, LIMITS.valence),
        noteRate: cont(4, LIMITS.noteRate),
        instruments: Object.fromEntries(
          INSTRUMENT_FAMILIES.map((f, k) => [f, cont(CONTINUOUS.length + k, [0.02, 0.98])]),
        ) as Record<InstrumentFamily, number>,
      });
    }
    return out;
  }
}

/**
 * Fits every probe. X: n_tracks × dim (standardised clip-level embeddings of
 * library tracks and training stimuli), `attributes[i]` describes row i.
 */
export async function fitAttributeProbes(
  X: Matrix,
  attributes: readonly MusicAttributes[],
  opts: ProbeOptions = {},
): Promise<AttributeProbes> {
  const n = X.rows;
  if (attributes.length !== n)
    throw new UserError(`probes: ${attributes.length} attribute rows for ${n} embeddings`);
  const K = opts.folds ?? 5;
  if (n < 2 * K)
    throw new UserError(`probes need at least ${2 * K} training tracks, got ${n}`, {
      hint: 'give the probes the library tracks and the training stimuli',
    });
  const backend = opts.backend ?? (await getBackend());
  const X64 = takeRows(
    X,
    Array.from({ length: n }, (_, i) => i),
  );
  const folds = randomFolds(n, K, opts.seed ?? 0);
  const lambdas = opts.lambdas ?? [1, 10, 100, 1000];
  const scores: ProbeScore[] = [];
  const categorical = {} as Record<CategoricalName, LogisticModel>;
  for (const name of Object.keys(CATEGORICAL) as CategoricalName[]) {
    const classes = CATEGORICAL[name];
    const y = attributes.map((a) => classes.indexOf(label(a, name)));
    const fit = await fitCategoricalProbe(X64, y, classes.length, folds, lambdas, backend);
    categorical[name] = fit.model;
    scores.push({
      probe: name,
      kind: 'categorical',
      metric: 'accuracy',
      cv: fit.accuracy,
      chance: fit.chance,
      regularisation: fit.lambda,
    });
  }

  // Ridge targets: the continuous attributes, then the family indicators.
  const nT = CONTINUOUS.length + INSTRUMENT_FAMILIES.length;
  const Y = Matrix.zeros(n, nT, 'float64');
  attributes.forEach((a, i) => {
    CONTINUOUS.forEach((c, j) => {
      Y.data[i * nT + j] = a[c];
    });
    INSTRUMENT_FAMILIES.forEach((f, k) => {
      Y.data[i * nT + CONTINUOUS.length + k] = a.instruments.includes(f) ? 1 : 0;
    });
  });
  const alphas = opts.alphas ?? [0.1, 1, 10, 100, 1000, 1e4, 1e5];
  const ridgeOpts = { alphas, cv: { kind: 'kfold' as const, folds: K }, backend };
  const oof = Matrix.zeros(n, nT, 'float64');
  for (const test of folds) {
    const train = complement(n, test);
    // Inner CV on contiguous folds: the training rows are shuffled first.
    const perm = new Rng(`inner:${opts.seed ?? 0}:${test[0]}`).shuffle([...train]);
    const m = await fitRidgeCV(takeRows(X64, perm), takeRows(Y, perm), ridgeOpts);
    const P = await m.predict(takeRows(X64, test), backend);
    test.forEach((i, r) => {
      for (let j = 0; j < nT; j++) oof.data[i * nT + j] = P.data[r * nT + j] as number;
    });
  }
  const perm = new Rng(`inner:${opts.seed ?? 0}:all`).shuffle(Array.from({ length: n }, (_, i) => i));
  const ridge = await fitRidgeCV(takeRows(X64, perm), takeRows(Y, perm), ridgeOpts);
  const col = (M: Matrix<Float64Array>, j: number) =>
    Array.from({ length: n }, (_, i) => M.data[i * nT + j] as number);
  CONTINUOUS.forEach((c, j) => {
    const truth = col(Y, j);
    const pred = col(oof, j);
    const mean = truth.reduce((s, v) => s + v, 0) / n;
    scores.push({
      probe: c,
      kind: 'continuous',
      metric: 'mae',
      cv: truth.reduce((s, v, i) => s + Math.abs(v - (pred[i] as number)), 0) / n,
      chance: truth.reduce((s, v) => s + Math.abs(v - mean), 0) / n,
      r: pearson(truth, pred),
      regularisation: ridge.alphas[j] as number,
    });
  });
  INSTRUMENT_FAMILIES.forEach((f, k) => {
    const j = CONTINUOUS.length + k;
    const truth = col(Y, j);
    const pred = col(oof, j);
    const pos = truth.filter((v) => v > 0.5).length / n;
    scores.push({
      probe: `instrument_${f}`,
      kind: 'binary',
      metric: 'accuracy',
      cv: truth.filter((v, i) => v > 0.5 === (pred[i] as number) > 0.5).length / n,
      chance: Math.max(pos, 1 - pos),
      regularisation: ridge.alphas[j] as number,
    });
  });
  return new AttributeProbes(X.cols, categorical, ridge, scores);
}
