/**
 * The five decoders on one subject of a dataset (the twin or ds003720 with fMRIPrep
 * derivatives): per-decoder wall time of one fit (train → test) and the test
 * identification accuracy (METHOD.md §3.6, windows averaged per clip, chance 0.5).
 *
 *   B2M_CACHE_DIR=… node --import tsx bench/decode.bench.ts DATASET [--subject 001] [--decoders a,b]
 *     [--params '{"aligned":{"pool":"average"}}']
 *
 * Preparation as the demo does it, with a CORTEX mask (Destrieux labels ≥ 11100 of
 * the subject's aparc.a2009s dseg) and the `dsp` embedding; every subject is
 * prepared because `aligned` needs the others. Preparation is not timed (it is
 * cached); each decoder's fit is timed once in this process after one warm-up of
 * the backend. There is no reference tool for these decoders as a whole; the
 * ridge engine's own benchmark (bench:ridge) compares it with scikit-learn.
 */
import { readFile } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { DECODERS, getDecoder } from '../src/decode/registry.js';
import type { DecodeData } from '../src/decode/types.js';
import { embedFiles } from '../src/embed/pool.js';
import { Standardizer } from '../src/embed/standardize.js';
import { DEFAULT_WINDOWS } from '../src/embed/types.js';
import { identificationAccuracy, meanDimensionCorrelation } from '../src/evaluate/identification.js';
import { RunMatrixCache } from '../src/fmri/cache.js';
import { loadDesign } from '../src/fmri/design.js';
import { Masker } from '../src/fmri/masker.js';
import { resolvePreprocessOptions } from '../src/fmri/preprocess/options.js';
import { prepareSubject, type WindowedSet } from '../src/fmri/preprocess/prepare.js';
import { bidsRunSource } from '../src/fmri/preprocess/source.js';
import { readNifti } from '../src/io/nifti/index.js';
import { getBackend } from '../src/linalg/index.js';
import { Matrix } from '../src/linalg/matrix.js';
import { logspace } from '../src/ridge/options.js';
import { cacheDir } from '../src/util/cache-dir.js';

const args = process.argv.slice(2);
const root = args.find((a) => !a.startsWith('--'));
const flag = (k: string) => {
  const i = args.indexOf(`--${k}`);
  return i >= 0 ? args[i + 1] : undefined;
};
if (!root) {
  console.error('usage: node --import tsx bench/decode.bench.ts DATASET [--subject 001] [--decoders a,b]');
  process.exit(1);
}
const subject = (flag('subject') ?? '001').replace(/^sub-/, '');
/** Decoder names, each optionally followed by its params as JSON: `aligned{"pool":"average"}`. */
const decoders = (flag('decoders') ?? Object.keys(DECODERS).join(',')).split(/,(?![^{]*\})/);
/** Per-decoder params as JSON, e.g. '{"aligned":{"pool":"average"}}'. */
const params = JSON.parse(flag('params') ?? '{}') as Record<string, Record<string, unknown>>;

function averageByClip(M: Matrix, clipIndex: Int32Array): Matrix<Float64Array> {
  const order: number[] = [];
  const pos = new Map<number, number>();
  for (const c of clipIndex) if (!pos.has(c)) pos.set(c, order.push(c) - 1);
  const A = Matrix.zeros(order.length, M.cols, 'float64');
  const count = new Float64Array(order.length);
  for (let r = 0; r < M.rows; r++) {
    const k = pos.get(clipIndex[r] as number) as number;
    count[k] = (count[k] as number) + 1;
    for (let j = 0; j < M.cols; j++) A.data[k * M.cols + j] += M.data[r * M.cols + j] as number;
  }
  for (let k = 0; k < order.length; k++)
    for (let j = 0; j < M.cols; j++) A.data[k * M.cols + j] /= count[k] as number;
  return A;
}

async function main(): Promise<void> {
  const backend = await getBackend();
  const { design, dataset } = await loadDesign(root as string);
  const clips = design.clips;
  const emb = await embedFiles(
    clips.map((c) => join(root as string, 'stimuli', `${c.id}.wav`)),
    { embedder: 'dsp', windows: DEFAULT_WINDOWS, cacheDir: cacheDir('embeddings') },
  );
  const dim = emb.clips[0]?.cols ?? 0;
  const train = clips.map((c, i) => [c, i] as const).filter(([c]) => c.split === 'train');
  const stacked = Matrix.zeros(train.length * (emb.clips[0]?.rows ?? 0), dim, 'float32');
  for (const [k, [, i]] of train.entries()) {
    const E = emb.clips[i] as Matrix<Float32Array>;
    stacked.data.set(E.data, k * E.data.length);
  }
  const std = Standardizer.fit(stacked);
  const perClip = emb.clips.map((E) => std.transform(E));
  const targets = (set: WindowedSet) => {
    const Y = Matrix.zeros(set.X.rows, dim, 'float32');
    for (let r = 0; r < set.X.rows; r++)
      Y.data.set(
        (perClip[set.clipIndex[r] as number] as Matrix<Float32Array>).row(set.window[r] as number),
        r * dim,
      );
    return Y;
  };

  const options = resolvePreprocessOptions({ window: DEFAULT_WINDOWS });
  const cache = new RunMatrixCache(cacheDir('fmri'));
  const subjects = dataset.subjects.map((s) => s.id);
  const prepared = new Map<
    string,
    { train: WindowedSet; test: WindowedSet; labels: Int32Array; names: Map<number, string> }
  >();
  for (const id of subjects) {
    const dseg = join(
      root as string,
      'derivatives',
      'fmriprep',
      `sub-${id}`,
      'anat',
      `sub-${id}_space-T1w_desc-aparc.a2009s_dseg.nii.gz`,
    );
    const img = await readNifti(dseg, { as: 'float64' });
    const present = [...new Set(Array.from(img.data as Float64Array).filter((v) => v >= 11100))];
    const mask = await Masker.fromParcellation(dseg, present);
    const labels = Int32Array.from(mask.indices, (i) => (img.data as Float64Array)[i] as number);
    const names = new Map<number, string>();
    const tsv = await readFile(dseg.replace(/\.nii\.gz$/, '.tsv'), 'utf8');
    for (const line of tsv.split(/\r?\n/).slice(1)) {
      const [k, name] = line.split('\t');
      if (k && name) names.set(Number(k), name);
    }
    const m = await prepareSubject(
      design,
      bidsRunSource({ dataset, design, subject: id, mask, options, cache }),
      options,
    );
    prepared.set(id, { train: m.train, test: m.test, labels, names });
  }
  const mine = prepared.get(subject);
  if (!mine) throw new Error(`no subject ${subject}`);
  const Ytest = targets(mine.test);
  const data: DecodeData = {
    subject: `sub-${subject}`,
    trainX: mine.train.X,
    trainY: targets(mine.train),
    trainRun: mine.train.run,
    trainClip: mine.train.clipIndex,
    testX: mine.test.X,
    voxelLabels: mine.labels,
    labelNames: mine.names,
    others: subjects
      .filter((s) => s !== subject)
      .map((s) => ({
        subject: `sub-${s}`,
        trainX: prepared.get(s)!.train.X,
        testX: prepared.get(s)!.test.X,
      })),
  };
  console.log(
    `backend ${backend.info.name} (${backend.info.blas ?? ''}, ${backend.info.threads} threads); sub-${subject}: train ${data.trainX.rows} × ${data.trainX.cols} cortical voxels, test ${data.testX.rows} rows, dim ${dim}, ${data.others?.length} others`,
  );
  // Warm the backend (thread pool, first-call costs) outside the timings.
  await backend.gemm(Matrix.zeros(64, 64, 'float32'), Matrix.zeros(64, 64, 'float32'));
  const yt = averageByClip(Ytest, mine.test.clipIndex);
  let total = 0;
  console.log(
    `load average before: ${loadavg()
      .map((x) => x.toFixed(1))
      .join(' ')} on ${cpus().length} CPUs`,
  );
  console.log('decoder             wall s   cpu s  identification  embedding r  info');
  for (const entry of decoders) {
    const brace = entry.indexOf('{');
    const name = brace < 0 ? entry : entry.slice(0, brace);
    const extra = brace < 0 ? {} : (JSON.parse(entry.slice(brace)) as Record<string, unknown>);
    const d = getDecoder(name);
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    const fit = await d.fit(data, {
      alphas: logspace(-2, 6, 17),
      cvFolds: 5,
      seed: 0,
      params: { ...(params[name] ?? {}), ...extra },
    });
    const s = (performance.now() - t0) / 1000;
    const c = process.cpuUsage(c0);
    const cpu = (c.user + c.system) / 1e6;
    total += s;
    const pt = averageByClip(fit.predTest, mine.test.clipIndex);
    const id = identificationAccuracy(pt, yt).accuracy;
    const r = meanDimensionCorrelation(pt, yt);
    console.log(
      `${name.padEnd(18)} ${s.toFixed(2).padStart(8)} ${cpu.toFixed(1).padStart(7)}  ${id.toFixed(3).padStart(14)}  ${r.toFixed(3).padStart(11)}  ${JSON.stringify(fit.info).slice(0, 300)}`,
    );
  }
  console.log(
    `total ${total.toFixed(2)} s wall (chance identification 0.5); load average after: ${loadavg()
      .map((x) => x.toFixed(1))
      .join(' ')}`,
  );
}

await main();
