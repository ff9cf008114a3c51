/**
 * The main job: composes the stages from one resolved configuration. This file
 * decides only order and wiring; every computation lives in a stage folder
 * (src/decode, src/evaluate, src/retrieve, …) behind the contract of `stage.ts`, so
 * a re-run redoes only what is missing and a stage can later run on another machine.
 *
 *   dataset (BIDS or the built-in twin) ─► design
 *   stimuli ─► embed-stimuli ─┐
 *   per subject: prepare ─────┴► decode (per decoder) ─► evaluate ─► metrics.json
 *                                     └► retrieval from the library ─► audio/
 */
import { existsSync } from 'node:fs';
import { cp, rm } from 'node:fs/promises';
import { cpus, platform, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { getDecoder } from '../decode/index.js';
import { type EncodingSummary, resolveFeatureSpaces } from '../encode/index.js';
import { RunMatrixCache } from '../fmri/cache.js';
import { type Design, loadDesign } from '../fmri/design.js';
import { resolvePreprocessOptions } from '../fmri/preprocess/options.js';
import { checkGenerators } from '../generate/check.js';
import { writeNpy } from '../io/npy.js';
import { getBackend, jobThreadsFromEnv, withBlasThreads } from '../linalg/index.js';
import { writeReport } from '../report/report.js';
import type { LibraryIndex } from '../retrieve/build.js';
import { listLibraryAudio } from '../retrieve/index.js';
import { parseAlphas, validateAlphas } from '../ridge/options.js';
import { writeFileAtomic } from '../util/atomic.js';
import { cacheDir } from '../util/cache-dir.js';
import { UserError } from '../util/errors.js';
import { hashFile, hashJson } from '../util/hash.js';
import { unknownNameHint } from '../util/nearest.js';
import { type ProgressSink, silentProgress } from '../util/progress.js';
import { VERSION } from '../version.js';
import type { RunConfig } from './config.js';
import { type DecodeResults, evaluateRun, type RunEvaluation } from './evaluate-run.js';
import { LocalExecutor } from './executors/local.js';
import type { Executor } from './executors/types.js';
import { datasetRef, type JobSpec, makeJob, outputOf } from './jobs.js';
import { planEncodeJobs } from './plan-encode.js';
import { RunFolder } from './run-folder.js';
import { type Artifact, peakRss, type Stage, type StageContext } from './stage.js';
import {
  clipGenresOf,
  type DecodeStageOptions,
  type DecodeStageOutput,
  decodeStage,
} from './stages/decode.js';
import { embedStimuliStage, type StimulusFiles } from './stages/embed-stimuli.js';
import { encodeStage } from './stages/encode.js';
import {
  anchorSeedOf,
  attributesPath,
  captionsPath,
  type GenerateStageOptions,
  type GenerateStageOutput,
  generateStage,
  generationUnavailable,
} from './stages/generate.js';
import { STAGES } from './stages/index.js';
import { type PreparedSubject, prepareStage, subjectImages } from './stages/prepare.js';
import { ensureTwin } from './twin.js';

export interface RunOptions {
  config: RunConfig;
  /** The run folder. */
  out: string;
  /** The config file, if any (protected from being overwritten, recorded in the manifest). */
  configFile?: string;
  progress?: ProgressSink;
  log?: (line: string) => void;
  /** Where jobs run (default: in this process). */
  executor?: Executor;
}

export interface RunResult {
  root: string;
  metricsPath: string;
  evaluation: RunEvaluation;
  seconds: number;
}

function normaliseSubject(s: string): string {
  return s.startsWith('sub-') ? s : `sub-${s}`;
}

/** Fails before any work when a subject or a decoder name is wrong. */
function checkSelections(config: RunConfig, dsSubjects: string[]): string[] {
  const subjects = (config.subjects ?? dsSubjects).map(normaliseSubject);
  for (const s of subjects) {
    if (!dsSubjects.includes(s)) {
      throw new UserError(`subject ${s} is not in the dataset`, {
        field: 'subjects',
        hint: unknownNameHint(s, dsSubjects),
      });
    }
  }
  for (const d of config.decode.decoders) getDecoder(d);
  return subjects;
}

/**
 * Runs the configured pipeline into `o.out`. Every job (and the evaluation) runs with
 * `jobThreadsFromEnv()` BLAS threads, restored afterwards: the run's parallelism is
 * across jobs, and the same count whatever the executor keeps the bytes identical.
 */
export function runPipeline(o: RunOptions): Promise<RunResult> {
  return withBlasThreads(jobThreadsFromEnv(), () => runPipelineJobs(o));
}

async function runPipelineJobs(o: RunOptions): Promise<RunResult> {
  const t0 = performance.now();
  const startedAt = new Date().toISOString();
  const config = o.config;
  const log = o.log ?? (() => {});
  const progress = o.progress ?? silentProgress;
  const ctx: StageContext = { progress, log };

  // Validate cheap things first: nothing is written before the config is sound.
  const alphas =
    typeof config.decode.alphas === 'string' ? parseAlphas(config.decode.alphas) : config.decode.alphas;
  validateAlphas(alphas);
  if (config.generate.enabled) await checkGenerators(config.generate);
  const preprocess = resolvePreprocessOptions({
    delayScans: config.preprocess.delayScans,
    zscore: config.preprocess.zscore,
    detrend: { medianSeconds: config.preprocess.detrendSeconds },
    window: { window: config.embedder.windowSeconds, stride: config.embedder.strideSeconds },
  });

  const root = config.dataset ? resolve(config.dataset) : await ensureTwin(config.seed, { progress, log });
  // Refuse a bad output folder before minutes of work; claim it only once the plan stands.
  const protectedInputs = {
    '--dataset': root,
    '--config': o.configFile,
    stimuli: config.stimuli,
    'retrieval.library': config.retrieval.library,
    'mask.file': config.mask.file,
    'generate.modelDir': config.generate.modelDir,
    'embedder.modelDir': config.embedder.modelDir,
  };
  await RunFolder.check(o.out, protectedInputs);

  const backend = await getBackend();
  log(
    `engine: ${backend.info.name} backend (${backend.info.reason}), ${backend.info.threads} BLAS thread(s) per job${process.env.B2M_THREADS ? ' (B2M_THREADS)' : ''}`,
  );

  // The design, from the dataset's own events files.
  const { design, dataset } = await loadDesign(root, { space: config.space });
  const dsSubjects = dataset.subjects.map((s) => `sub-${s.id}`);
  const subjects = checkSelections(config, dsSubjects);
  log(
    `design: ${design.counts.trainClips} training clips, ${design.counts.testClips} test clips × ${design.counts.testRepetitions} repetitions, TR ${design.tr} s; subjects ${subjects.join(', ')}`,
  );

  // The plan: every stage run as a job with its key, known before anything runs.
  const stimuliDir = config.stimuli ? resolve(config.stimuli) : join(root, 'stimuli');
  const stimuli = await stimulusFiles(design, stimuliDir);
  const embedJob = makeJob(
    'embed-stimuli',
    'stimuli',
    { stimuli },
    {
      embedder: config.embedder.name,
      modelDir: config.embedder.modelDir,
      windows: preprocess.window,
    },
  );
  const ds = datasetRef(root, design, config.space);
  const fmriCache = new RunMatrixCache(cacheDir('fmri'));
  const prepJobs = new Map<string, JobSpec>();
  for (const s of subjects) {
    const images = await subjectImages(dataset, design, s, config.mask, (p) => fmriCache.contentHash(p));
    prepJobs.set(s, makeJob('prepare', s, { dataset: ds, images }, { preprocess, mask: config.mask }));
  }
  const clipGenres = clipGenresOf(design, hashJson);
  const decodeJobs = new Map<string, JobSpec>();
  for (const s of subjects) {
    for (const name of config.decode.decoders) {
      const decoder = getDecoder(name);
      const others = decoder.needs.others
        ? subjects.filter((o) => o !== s).map((o) => outputOf(prepJobs.get(o)!))
        : [];
      const options: DecodeStageOptions = {
        decoder: name,
        decoderOptions: {
          alphas,
          cvFolds: config.decode.cvFolds,
          seed: config.seed,
          params: { ...decoder.defaults, ...(config.decode.params[name] ?? {}) },
        },
        trainCvFolds: config.evaluate.trainCv.includes(name) ? config.evaluate.trainCvFolds : 0,
        leaveOneGenreOut: config.evaluate.leaveOneGenreOut.includes(name),
      };
      decodeJobs.set(
        `${s}\0${name}`,
        makeJob(
          'decode',
          `${s} ${name}`,
          { subject: outputOf(prepJobs.get(s)!), embeddings: outputOf(embedJob), clipGenres, others },
          options,
        ),
      );
    }
  }
  // The retrieval library: every file checked now, so a bad one stops the run before work.
  const libraryRoot = config.retrieval.enabled ? libraryFolder(config, root) : null;
  let libraryJob: JobSpec | null = null;
  if (libraryRoot) {
    const tracks = await listLibraryAudio(libraryRoot, { minSeconds: config.retrieval.excerptSeconds });
    libraryJob = makeJob(
      'library-index',
      `${tracks.length} tracks`,
      { tracks },
      {
        embedder: config.embedder.name,
        embedderOptions: config.embedder.modelDir ? { modelDir: config.embedder.modelDir } : undefined,
        windows: preprocess.window,
        excerptSeconds: config.retrieval.excerptSeconds,
      },
    );
  }
  // Encoding maps per subject (voxelwise, brain mask), when the config asks.
  const encodeJobs = new Map<string, JobSpec>();
  const encodeChunkJobs: JobSpec[] = [];
  if (config.encode.enabled) {
    if (config.encode.banded) {
      // Checked now (not in the worker), so a bad config stops the run before any work.
      const specs = resolveFeatureSpaces(config.encode.features, 'encode.features');
      const parts = specs.flatMap((x) => x.parts);
      if (specs.length < 2 || new Set(parts).size !== parts.length) {
        throw new UserError('encode.banded needs at least two feature spaces with no part in common', {
          field: 'encode.features',
          hint: 'e.g. encode.features: [dsp-modulation, caption] with encode.banded: true',
        });
      }
    }
    const encSubjects = (config.encode.subjects ?? subjects).map(normaliseSubject);
    for (const s of encSubjects) {
      if (!subjects.includes(s)) {
        throw new UserError(`encode.subjects names ${s}, which this run does not include`, {
          field: 'encode.subjects',
          hint: unknownNameHint(s, subjects),
        });
      }
      const images = await subjectImages(dataset, design, s, { kind: 'brain' }, (p) =>
        fmriCache.contentHash(p),
      );
      const plan = await planEncodeJobs({
        dataset,
        inputs: { dataset: ds, images, stimuli },
        options: {
          features: config.encode.features,
          options: {
            delays: config.encode.delays,
            permutations: config.encode.permutations,
            seed: config.seed,
            fdrQ: config.encode.fdrQ,
            fwer: config.encode.fwer,
            // Only when asked, so the keys of existing runs do not change.
            ...(config.encode.banded ? { banded: true, bandedIter: config.encode.bandedIter } : {}),
            timecourseVoxels: config.encode.timecourseVoxels,
            windows: preprocess.window,
            preprocess,
          },
        },
        chunkVoxels: config.encode.chunkVoxels,
      });
      encodeChunkJobs.push(...plan.chunks);
      encodeJobs.set(s, plan.merge);
    }
  }
  // Generation from the first decoder's predictions, every subject (one job: the probes,
  // tagger and baselines are shared).
  let generateJob: JobSpec | null = null;
  let generateSkipped: string | undefined = config.generate.enabled ? undefined : 'generate.enabled is false';
  if (config.generate.enabled) {
    generateSkipped = generationUnavailable(root, libraryJob !== null) ?? undefined;
    if (!generateSkipped) {
      const decoder = config.decode.decoders[0]!;
      const attributes = attributesPath(root);
      generateJob = makeJob(
        'generate',
        `${subjects.length} subjects (${decoder})`,
        {
          dataset: ds,
          stimuli,
          embeddings: outputOf(embedJob),
          library: outputOf(libraryJob!),
          subjects: subjects.map((s) => outputOf(prepJobs.get(s)!)),
          decoded: subjects.map((s) => outputOf(decodeJobs.get(`${s}\0${decoder}`)!)),
          attributes: { path: attributes, hash: await hashFile(attributes) },
          anchorSeed: await anchorSeedOf(root),
          encodings: [...encodeJobs.values()].map(outputOf),
          captions:
            config.generate.generators.includes('musicgen') && existsSync(captionsPath(root))
              ? { path: captionsPath(root), hash: await hashFile(captionsPath(root)) }
              : null,
        },
        {
          generate: config.generate,
          decoder,
          seed: config.seed,
          embedder: { name: config.embedder.name, modelDir: config.embedder.modelDir },
          windows: preprocess.window,
        } satisfies GenerateStageOptions,
      );
    }
  }
  const jobs = [
    embedJob,
    ...(libraryJob ? [libraryJob] : []),
    ...prepJobs.values(),
    ...decodeJobs.values(),
    ...encodeChunkJobs,
    ...encodeJobs.values(),
    ...(generateJob ? [generateJob] : []),
  ];
  const folder = await RunFolder.claim(o.out, protectedInputs);
  const swept = await folder.stages.sweepTemporaries();
  if (swept.length)
    log(`run folder: removed ${swept.length} unfinished stage folder(s) of an interrupted run`);
  await writeFileAtomic(
    folder.path('config.json'),
    `${JSON.stringify({ ...config, dataset: root }, null, 2)}\n`,
  );

  await writeFileAtomic(
    folder.path('jobs.json'),
    `${JSON.stringify(
      jobs.map(({ key, stage, label, deps }) => ({ key, stage, label, deps })),
      null,
      2,
    )}\n`,
  );
  const executor = o.executor ?? new LocalExecutor();
  log(
    `plan: ${jobs.length} jobs (${subjects.length} subjects × ${config.decode.decoders.length} decoders${encodeJobs.size ? `, encoding of ${encodeJobs.size} subject(s) in ${encodeChunkJobs.length} chunk job(s)` : ''}), executor ${executor.name}`,
  );
  const exec = await executor.run(folder, jobs, ctx);
  log(`jobs: ${exec.computed} computed, ${exec.cached} from the run folder, ${exec.seconds.toFixed(1)} s`);

  // Gather the outputs.
  const emb = await mustLoad(folder, embedStimuliStage, embedJob);
  const prepared = new Map<string, PreparedSubject & Artifact>();
  for (const s of subjects) prepared.set(s, await mustLoad(folder, prepareStage, prepJobs.get(s)!));
  const decoded: DecodeResults = new Map();
  for (const s of subjects) {
    const bySubject = new Map<string, DecodeStageOutput>();
    decoded.set(s, bySubject);
    for (const name of config.decode.decoders) {
      const out = await mustLoad(folder, decodeStage, decodeJobs.get(`${s}\0${name}`)!);
      bySubject.set(name, out);
      await writePredictions(folder, s, name, out, prepared.get(s)!, design);
    }
  }

  // Encoding outputs, published where the report and the studio read them.
  const encodings = new Map<string, EncodingSummary>();
  for (const [s, job] of encodeJobs) {
    const out = await mustLoad(folder, encodeStage, job);
    const dst = folder.path('encoding', s);
    await rm(dst, { recursive: true, force: true });
    await cp(folder.stages.dirOf('encode', job.key), dst, { recursive: true });
    await rm(join(dst, 'stage.json'), { force: true });
    encodings.set(s, out.summary);
  }

  // Generated audio and its records, published where the report and the studio read them.
  let generation: GenerateStageOutput | null = null;
  if (generateJob) {
    generation = await mustLoad(folder, generateStage, generateJob);
    for (const sub of [join('audio', 'generated'), 'generation']) {
      const dst = folder.path(sub);
      await rm(dst, { recursive: true, force: true });
      await cp(join(folder.stages.dirOf('generate', generateJob.key), sub), dst, { recursive: true });
    }
  }

  // Evaluation (and the later stages that read decoded embeddings).
  const evaluation = await evaluateRun({
    config,
    design,
    subjects,
    prepared,
    decoded,
    folder,
    embeddings: emb,
    library: libraryJob
      ? {
          ...(await mustLoad(
            folder,
            STAGES['library-index'] as Stage<unknown, unknown, LibraryIndex>,
            libraryJob,
          )),
          root: libraryRoot!,
        }
      : null,
    datasetRoot: root,
    encodings,
    generation: { output: generation, skipped: generateSkipped },
    stimulusPaths: new Map(stimuli.clipIds.map((id, k) => [id, stimuli.paths[k]!])),
    log,
    progress,
  });
  const metricsPath = folder.path('metrics.json');
  await writeFileAtomic(metricsPath, `${JSON.stringify(evaluation.metrics, null, 2)}\n`);
  await writeFileAtomic(
    folder.path('clips.json'),
    `${JSON.stringify(
      design.clips.map((c) => ({ id: c.id, genre: c.genre, split: c.split })),
      null,
      2,
    )}\n`,
  );

  // The report reads what the stages wrote (and says so where a stage did not run).
  if (config.report.enabled) {
    const rep = await writeReport(folder.root, { progress });
    log(
      `report: ${rep.path} (${(rep.bytes / 2 ** 20).toFixed(1)} MiB + ${(rep.assetBytes / 2 ** 20).toFixed(1)} MiB of images) in ${rep.seconds.toFixed(1)} s`,
    );
  }

  const seconds = (performance.now() - t0) / 1000;
  await writeManifest(folder, {
    startedAt,
    root,
    designHash: hashJson({ design }),
    stimuliHash: stimuli.hash,
    configFile: o.configFile,
    seconds,
  });
  return { root: folder.root, metricsPath, evaluation, seconds };
}

async function mustLoad<O extends object>(
  folder: RunFolder,
  stage: Stage<unknown, unknown, O>,
  job: JobSpec,
): Promise<O & Artifact> {
  const o = await folder.stages.load(stage, job.key);
  if (!o) throw new Error(`the executor finished but ${job.stage} ${job.label} has no output`);
  return o;
}

/** `retrieval.library`, else the dataset's `sourcedata/library/` when present (the twin ships one). */
function libraryFolder(config: RunConfig, root: string): string | null {
  if (config.retrieval.library) return resolve(config.retrieval.library);
  const twin = join(root, 'sourcedata', 'library');
  return existsSync(twin) ? twin : null;
}

/** The design's stimulus files (`<dir>/<clipId>.wav`), all checked before any work. */
async function stimulusFiles(design: Design, dir: string): Promise<StimulusFiles> {
  const paths = design.clips.map((c) => join(dir, `${c.id}.wav`));
  const missing = paths.filter((p) => !existsSync(p));
  if (missing.length) {
    throw new UserError(
      `${missing.length} of ${paths.length} stimulus files are missing (first: ${missing.slice(0, 3).join(', ')})`,
      {
        file: dir,
        field: 'stimuli',
        hint: 'rebuild them from GTZAN with `b2m stimuli --gtzan DIR --dataset ROOT --out DIR` and set `stimuli:` in the config',
      },
    );
  }
  const hashes: string[] = [];
  for (const p of paths) hashes.push(await hashFile(p));
  return {
    hash: hashJson(hashes),
    clipIds: design.clips.map((c) => c.id),
    paths,
    splits: design.clips.map((c) => c.split),
  };
}

/** The human-facing copy of one decode result: predictions/sub-XXX/<decoder>/. */
async function writePredictions(
  folder: RunFolder,
  subject: string,
  decoder: string,
  out: DecodeStageOutput,
  p: PreparedSubject,
  design: Design,
): Promise<void> {
  const dir = folder.predictionsDir(subject, decoder);
  const w = p.windowsPerClip;
  const nClips = out.predTest.rows / w;
  const dim = out.predTest.cols;
  await writeNpy(join(dir, 'pred_test.npy'), out.predTest.data, [nClips, w, dim]);
  await writeNpy(join(dir, 'true_test.npy'), out.trueTest.data, [nClips, w, dim]);
  const rows = ['row,clip,genre'];
  for (let i = 0; i < nClips; i++) {
    const c = design.clips[p.testClip[i * w] as number]!;
    rows.push(`${i},${c.id},${c.genre}`);
  }
  await writeFileAtomic(join(dir, 'clips.csv'), `${rows.join('\n')}\n`);
}

async function writeManifest(
  folder: RunFolder,
  m: {
    startedAt: string;
    root: string;
    designHash: string;
    stimuliHash: string;
    configFile?: string;
    seconds: number;
  },
): Promise<void> {
  const backend = await getBackend();
  const manifest = {
    tool: 'brain2music',
    version: VERSION,
    node: process.version,
    backend: `${backend.info.name}${backend.info.blas ? ` (${backend.info.blas})` : ''}`,
    machine: {
      platform: platform(),
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model,
      memGiB: +(totalmem() / 2 ** 30).toFixed(1),
    },
    startedAt: m.startedAt,
    finishedAt: new Date().toISOString(),
    seconds: m.seconds,
    /** Peak resident memory of the whole run (this process and its worker threads). */
    peakRssBytes: peakRss(),
    inputs: {
      dataset: { root: m.root, designHash: m.designHash },
      stimuli: { hash: m.stimuliHash },
      config: m.configFile ? { path: resolve(m.configFile), hash: await hashFile(m.configFile) } : null,
    },
    stages: folder.stages.records.map((r) => ({
      stage: r.stage,
      label: r.label,
      key: r.key,
      seconds: r.seconds,
      peakRssBytes: r.peakRssBytes,
      cached: r.cached,
    })),
  };
  await writeFileAtomic(folder.path('manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
}
