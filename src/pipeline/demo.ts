/**
 * The main job on the built-in default, as far as the foundations reach today:
 * build (or reuse) the synthetic twin of ds003720, embed its stimuli, prepare each
 * subject's fMRI, decode the embedding with cross-validated ridge, and score the
 * decoder with the paper's identification accuracy. Retrieval, generation, encoding
 * maps and the HTML report are later stages of this pipeline.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { embedFiles } from '../embed/pool.js';
import { Standardizer } from '../embed/standardize.js';
import { DEFAULT_WINDOWS } from '../embed/types.js';
import { identificationAccuracy, meanDimensionCorrelation } from '../evaluate/identification.js';
import { RunMatrixCache } from '../fmri/cache.js';
import { type Clip, loadDesign } from '../fmri/design.js';
import { resolvePreprocessOptions } from '../fmri/preprocess/options.js';
import { prepareSubject, type WindowedSet } from '../fmri/preprocess/prepare.js';
import { bidsRunSource, subjectMask } from '../fmri/preprocess/source.js';
import { getBackend } from '../linalg/index.js';
import { Matrix } from '../linalg/matrix.js';
import { fitRidgeCV } from '../ridge/fit.js';
import { synthesizeDataset } from '../synth/index.js';
import { writeFileAtomic } from '../util/atomic.js';
import { hashFile, hashJson } from '../util/hash.js';
import { type ProgressSink, silentProgress } from '../util/progress.js';
import { VERSION } from '../version.js';

export interface DemoOptions {
  /** Working folder: the twin, caches and the report go here. */
  out: string;
  /** Subjects to decode (labels like `001`); default all subjects of the twin. */
  subjects?: string[];
  /** Seed of the twin (and of nothing else: the rest is deterministic). */
  seed?: number;
  /** Subjects in the twin when it has to be built (default 5, as ds003720). */
  twinSubjects?: number;
  /** Embedder registry name (default `dsp`, which needs no weights). */
  embedder?: string;
  progress?: ProgressSink;
  /** One line per step, for the person watching. */
  log?: (line: string) => void;
}

export interface SubjectScore {
  subject: string;
  voxels: number;
  trainRows: number;
  testClips: number;
  /** Identification accuracy over the 60 test clips (windows averaged), chance 0.5. */
  identification: number;
  /** Fraction of test clips whose own embedding is the best match (chance 1/60). */
  top1: number;
  /** Mean over embedding dimensions of Pearson r across test clips. */
  embeddingR: number;
  /** Identification on the training rows' in-sample fit, for the overfitting gap. */
  trainIdentification: number;
  solver: string;
  medianAlpha: number;
  seconds: number;
}

export interface DemoReport {
  tool: string;
  version: string;
  node: string;
  backend: string;
  twin: { root: string; seed: number; datasetDescriptionSha256: string };
  design: { trainClips: number; testClips: number; testRepetitions: number; tr: number };
  embedder: { name: string; dim: number; windows: typeof DEFAULT_WINDOWS; fingerprint: string };
  preprocessing: unknown;
  ridge: { cv: string; score: string; alphas: string };
  subjects: SubjectScore[];
  summary: {
    identificationMean: number;
    identificationSd: number;
    embeddingRMean: number;
    embeddingRSd: number;
  };
  notDoneYet: string[];
}

function meanSd(xs: number[]): [number, number] {
  const m = xs.reduce((a, b) => a + b, 0) / xs.length;
  const v = xs.length > 1 ? xs.reduce((a, b) => a + (b - m) ** 2, 0) / (xs.length - 1) : 0;
  return [m, Math.sqrt(v)];
}

/**
 * Rows of the embedding matrix that match the fMRI rows: row r of `set` is window
 * `set.window[r]` of clip `set.clipIndex[r]`. embeddings: n_clips_total × windows × dim,
 * stored per clip. Returns n_rows × dim.
 */
function targetsFor(
  set: WindowedSet,
  perClip: Map<number, Matrix<Float32Array>>,
  dim: number,
): Matrix<Float32Array> {
  const Y = Matrix.zeros(set.X.rows, dim, 'float32');
  for (let r = 0; r < set.X.rows; r++) {
    const E = perClip.get(set.clipIndex[r] as number);
    if (!E) throw new Error(`no embedding for clip ${set.clipIds[r]}`);
    Y.data.set(E.row(set.window[r] as number), r * dim);
  }
  return Y;
}

/** Averages the rows of each clip (the windows) → n_clips × cols, clips in first-seen order. */
function averageByClip(M: Matrix, clipIndex: Int32Array): { clips: number[]; A: Matrix<Float64Array> } {
  const order: number[] = [];
  const pos = new Map<number, number>();
  for (const c of clipIndex) if (!pos.has(c)) pos.set(c, order.push(c) - 1);
  const A = Matrix.zeros(order.length, M.cols, 'float64');
  const count = new Float64Array(order.length);
  for (let r = 0; r < M.rows; r++) {
    const k = pos.get(clipIndex[r] as number) as number;
    count[k] = (count[k] as number) + 1;
    const src = M.row(r);
    for (let j = 0; j < M.cols; j++)
      A.data[k * M.cols + j] = (A.data[k * M.cols + j] as number) + (src[j] as number);
  }
  for (let k = 0; k < order.length; k++)
    for (let j = 0; j < M.cols; j++)
      A.data[k * M.cols + j] = (A.data[k * M.cols + j] as number) / (count[k] as number);
  return { clips: order, A };
}

export async function runDemo(opts: DemoOptions): Promise<DemoReport> {
  const log = opts.log ?? (() => {});
  const progress = opts.progress ?? silentProgress;
  const seed = opts.seed ?? 0;
  const out = resolve(opts.out);
  const embedderName = opts.embedder ?? 'dsp';

  const backend = await getBackend();
  log(`engine: ${backend.info.name} backend (${backend.info.reason}), ${backend.info.threads} threads`);

  // 1. The synthetic twin (built once; a complete twin has its description file,
  //    since the builder renames the finished folder into place).
  const twin = join(out, `twin-seed${seed}`);
  if (existsSync(join(twin, 'dataset_description.json'))) {
    log(`twin: reusing ${twin}`);
  } else {
    log(`twin: building the synthetic twin of ds003720 into ${twin} (a few minutes, once)`);
    const r = await synthesizeDataset({ out: twin, seed, subjects: opts.twinSubjects ?? 5, progress });
    log(
      `twin: ${r.subjects.length} subjects, ${r.runs.length} runs, ${r.clips} clips in ${r.seconds.toFixed(0)} s`,
    );
  }

  // 2. The design, from the twin's own events files (the real ds003720 events).
  const { design, dataset } = await loadDesign(twin);
  log(
    `design: ${design.counts.trainClips} training clips, ${design.counts.testClips} test clips × ${design.counts.testRepetitions} repetitions, TR ${design.tr} s`,
  );

  // 3. Embeddings of the stimuli actually played, per 10-s window at 1.5-s stride.
  const clips: Clip[] = design.clips;
  const paths = clips.map((c) => join(twin, 'stimuli', `${c.id}.wav`));
  const emb = await embedFiles(paths, {
    embedder: embedderName,
    windows: DEFAULT_WINDOWS,
    cacheDir: join(out, 'cache', 'embeddings'),
    progress,
  });
  const dim = emb.clips[0]?.cols ?? 0;
  log(
    `embeddings: ${embedderName}, ${clips.length} clips × ${emb.clips[0]?.rows} windows × ${dim} (${emb.cacheHits} from cache)`,
  );

  // Standardise each embedding dimension on the training clips only.
  const trainClipIdx = clips.map((c, i) => [c, i] as const).filter(([c]) => c.split === 'train');
  const stackedTrain = Matrix.zeros(trainClipIdx.length * (emb.clips[0]?.rows ?? 0), dim, 'float32');
  let fill = 0;
  for (const [, i] of trainClipIdx) {
    const E = emb.clips[i] as Matrix<Float32Array>;
    stackedTrain.data.set(E.data, fill);
    fill += E.data.length;
  }
  const standardizer = Standardizer.fit(stackedTrain);
  const perClip = new Map<number, Matrix<Float32Array>>();
  for (const [i, E] of emb.clips.entries()) perClip.set(i, standardizer.transform(E));

  // 4. Per subject: preprocess, decode, score.
  const options = resolvePreprocessOptions({ window: DEFAULT_WINDOWS });
  const cache = new RunMatrixCache(join(out, 'cache', 'fmri'));
  const subjects = opts.subjects ?? dataset.subjects.map((s) => s.id);
  const scores: SubjectScore[] = [];
  for (const subject of subjects) {
    const t0 = Date.now();
    const id = subject.replace(/^sub-/, '');
    const mask = await subjectMask(dataset, id);
    const m = await prepareSubject(
      design,
      bidsRunSource({ dataset, design, subject: id, mask, options, cache }),
      options,
      progress,
    );
    const Ytrain = targetsFor(m.train, perClip, dim);
    const Ytest = targetsFor(m.test, perClip, dim);
    const model = await fitRidgeCV(m.train.X, Ytrain, { cv: { kind: 'kfold', folds: 5 }, progress });
    const Ptest = await model.predict(m.test.X);
    const Ptrain = await model.predict(m.train.X);
    const pt = averageByClip(Ptest, m.test.clipIndex);
    const yt = averageByClip(Ytest, m.test.clipIndex);
    const ident = identificationAccuracy(pt.A, yt.A);
    const trainIdent = identificationAccuracy(
      averageByClip(Ptrain, m.train.clipIndex).A,
      averageByClip(Ytrain, m.train.clipIndex).A,
    );
    const alphas = Array.from(model.alphas).sort((a, b) => a - b);
    const s: SubjectScore = {
      subject: `sub-${id}`,
      voxels: m.nVoxels,
      trainRows: m.train.X.rows,
      testClips: pt.clips.length,
      identification: ident.accuracy,
      top1: ident.top1,
      embeddingR: meanDimensionCorrelation(pt.A, yt.A),
      trainIdentification: trainIdent.accuracy,
      solver: model.info.solver,
      medianAlpha: alphas[Math.floor(alphas.length / 2)] as number,
      seconds: (Date.now() - t0) / 1000,
    };
    scores.push(s);
    log(
      `decode sub-${id}: ${s.voxels} voxels, identification ${s.identification.toFixed(3)} (chance 0.5; train ${s.trainIdentification.toFixed(3)}), top-1 ${(100 * s.top1).toFixed(1)}% (chance 1.7%), embedding r ${s.embeddingR.toFixed(3)}, ${s.seconds.toFixed(1)} s`,
    );
  }

  const [im, isd] = meanSd(scores.map((s) => s.identification));
  const [rm, rsd] = meanSd(scores.map((s) => s.embeddingR));
  const report: DemoReport = {
    tool: 'brain2music demo',
    version: VERSION,
    node: process.version,
    backend: `${backend.info.name}${backend.info.blas ? ` (${backend.info.blas})` : ''}`,
    twin: {
      root: twin,
      seed,
      datasetDescriptionSha256: await hashFile(join(twin, 'dataset_description.json')),
    },
    design: {
      trainClips: design.counts.trainClips,
      testClips: design.counts.testClips,
      testRepetitions: design.counts.testRepetitions,
      tr: design.tr,
    },
    embedder: { name: embedderName, dim, windows: DEFAULT_WINDOWS, fingerprint: emb.fingerprint },
    preprocessing: options,
    ridge: { cv: 'KFold(5), contiguous', score: 'r2', alphas: 'logspace(-2, 6, 17), one per target' },
    subjects: scores,
    summary: { identificationMean: im, identificationSd: isd, embeddingRMean: rm, embeddingRSd: rsd },
    notDoneYet: [
      'retrieval from the music library and generation (reconstruction)',
      'reconstruction metrics, encoding maps, and the HTML report / studio',
    ],
  };
  const reportPath = join(out, 'report.json');
  await writeFileAtomic(
    reportPath,
    `${JSON.stringify({ ...report, configHash: hashJson(report.preprocessing) }, null, 2)}\n`,
  );
  log(
    `summary: identification ${im.toFixed(3)} ± ${isd.toFixed(3)}, embedding r ${rm.toFixed(3)} ± ${rsd.toFixed(3)} over ${scores.length} subject(s) → ${reportPath}`,
  );
  return report;
}

/** Reads a demo report written by `runDemo`. */
export async function readDemoReport(out: string): Promise<DemoReport> {
  return JSON.parse(await readFile(join(resolve(out), 'report.json'), 'utf8')) as DemoReport;
}
