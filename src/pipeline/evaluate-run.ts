/**
 * The evaluation part of the main job: decoding metrics per subject × decoder
 * (identification with permutation p and bootstrap CI, cross-validated training
 * identification, embedding r, per-genre, leave-one-genre-out, 60-way ranks), and
 * retrieval from the library with its oracle and chance baselines. Everything
 * numeric is in src/evaluate and src/retrieve; this file only gathers and files.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Standardizer } from '../embed/standardize.js';
import type { EncodingSummary } from '../encode/index.js';
import {
  averageWindows,
  evaluateDecoding,
  leaveGenreOutIdentification,
  libraryRetrievalMetrics,
  retrievedGenres,
  summarizeBlock,
} from '../evaluate/index.js';
import type { MetricBlock, MetricSet, MetricsFile } from '../evaluate/metrics-schema.js';
import type { Design } from '../fmri/design.js';
import { reconstructionBlock } from '../generate/index.js';
import { Matrix } from '../linalg/matrix.js';
import type { LibraryIndex } from '../retrieve/build.js';
import { prepareLibrary, retrieveClips, writeExcerpts, writeRetrievedAudio } from '../retrieve/index.js';
import { writeFileAtomic } from '../util/atomic.js';
import type { ProgressSink } from '../util/progress.js';
import type { RunConfig } from './config.js';
import type { RunFolder } from './run-folder.js';
import type { Artifact } from './stage.js';
import type { DecodeStageOutput } from './stages/decode.js';
import type { StimulusEmbeddings } from './stages/embed-stimuli.js';
import type { GenerateStageOutput } from './stages/generate.js';
import { type PreparedSubject, testClipsOf } from './stages/prepare.js';

/** Results of the decode stage, by subject then decoder. */
export type DecodeResults = Map<string, Map<string, DecodeStageOutput>>;

export interface RunEvaluation {
  metrics: MetricsFile;
}

export interface EvaluateRunInputs {
  config: RunConfig;
  design: Design;
  subjects: string[];
  prepared: Map<string, PreparedSubject & Artifact>;
  decoded: DecodeResults;
  folder: RunFolder;
  embeddings: StimulusEmbeddings;
  /** The library index, when retrieval runs. */
  library: (LibraryIndex & { root: string }) | null;
  /** Encoding summaries by subject (when encoding ran). */
  encodings: Map<string, EncodingSummary>;
  /** The generate stage's metrics (its audio is already published), or why it did not run. */
  generation: { output: GenerateStageOutput | null; skipped?: string };
  /** The dataset root (for the twin's attributes). */
  datasetRoot: string;
  /** Stimulus audio of every design clip, by clip id. */
  stimulusPaths: Map<string, string>;
  log: (line: string) => void;
  progress: ProgressSink;
}

function toFloat32(M: Matrix): Matrix<Float32Array> {
  return new Matrix(M.rows, M.cols, Float32Array.from(M.data));
}

export async function evaluateRun(i: EvaluateRunInputs): Promise<RunEvaluation> {
  const { config, design, subjects, folder } = i;
  const stat = {
    permutations: config.evaluate.permutations,
    bootstrap: config.evaluate.bootstrap,
    seed: config.seed,
  };
  const decoding: Record<string, MetricBlock> = {};
  for (const name of config.decode.decoders) {
    const perSubject: Record<string, MetricSet> = {};
    const details: Record<string, unknown> = {};
    for (const s of subjects) {
      const p = i.prepared.get(s)!;
      const out = i.decoded.get(s)!.get(name)!;
      const w = p.windowsPerClip;
      const clips = testClipsOf(p, design);
      const genres = clips.map((c) => c.genre);
      const target = averageWindows(out.trueTest, w);
      const ev = evaluateDecoding({
        ...stat,
        pred: averageWindows(out.predTest, w),
        target,
        genres,
        clips: clips.map((c) => c.id),
        trainCv:
          out.predTrainCv.rows > 0
            ? { pred: out.predTrainCv, target: out.trueTrain, clipOfRow: p.trainClip }
            : undefined,
      });
      const m: MetricSet = { ...ev.metrics };
      if (out.predLogo.rows > 0) {
        Object.assign(
          m,
          leaveGenreOutIdentification({ ...stat, pred: averageWindows(out.predLogo, w), target, genres }),
        );
      }
      perSubject[s] = m;
      details[s] = { decoderInfo: out.info, ranksByClip: ev.details.ranksByClip, null: ev.details.null };
      await writeFileAtomic(
        join(folder.predictionsDir(s, name), 'ranks.json'),
        `${JSON.stringify(ev.details.ranksByClip ?? {}, null, 2)}\n`,
      );
      const id = m.identification;
      i.log(
        `evaluate ${s} ${name}: identification ${fmt(id?.value)} (chance 0.5, p ${id?.p !== undefined ? fmtP(id.p) : '–'}), CV-train ${fmt(m['identification.trainCv']?.value)}${m['logo.identification'] ? `, unseen genre ${fmt(m['logo.identification'].value)}` : ''}`,
      );
    }
    decoding[name] = { ...summarizeBlock(perSubject), details };
  }
  const metrics: MetricsFile = {
    schema: 'brain2music/metrics@1',
    subjects,
    embedder: config.embedder.name,
    decoding,
    skipped: {},
  };
  if (i.library) metrics.retrieval = await retrieve(i, i.library);
  else
    metrics.skipped.retrieval = config.retrieval.enabled
      ? 'no music library found'
      : 'retrieval.enabled is false';
  if (i.encodings.size > 0) metrics.encoding = encodingBlocks(i.encodings);
  else metrics.skipped.encoding = config.encode.enabled ? 'no subject to encode' : 'encode.enabled is false';
  if (i.generation.output) {
    metrics.reconstruction = Object.fromEntries(
      Object.entries(i.generation.output.perGenerator).map(([g, per]) => [g, reconstructionBlock(per)]),
    );
  } else metrics.skipped.reconstruction = i.generation.skipped ?? 'generation did not run';
  return { metrics };
}

/** Retrieval from the library per subject × decoder, its metrics, and the audio the report plays. */
async function retrieve(
  i: EvaluateRunInputs,
  library: LibraryIndex & { root: string },
): Promise<Record<string, MetricBlock>> {
  const { config, design, subjects, folder } = i;
  const prepared = prepareLibrary(library, { standardizer: new Standardizer(i.embeddings.standardizer) });
  const idRow = new Map(library.ids.map((id, k) => [id, k]));
  const libStd = new Standardizer(i.embeddings.standardizer).transform(library.E);
  const blocks: Record<string, MetricBlock> = {};
  // Audio is written for the first decoder (the paper's, by default), every subject.
  const audioDecoder = config.decode.decoders[0];
  for (const name of config.decode.decoders) {
    const perSubject: Record<string, MetricSet> = {};
    for (const s of subjects) {
      const p = i.prepared.get(s)!;
      const out = i.decoded.get(s)!.get(name)!;
      const clips = testClipsOf(p, design);
      const truth = averageWindows(out.trueTest, p.windowsPerClip);
      const rec = await retrieveClips(
        library,
        prepared,
        { clips, predicted: averageWindows(out.predTest, p.windowsPerClip), truth },
        { topK: config.retrieval.topK, seed: `${config.seed}:${s}:${name}`, libraryRoot: library.root },
      );
      await writeFileAtomic(folder.path('retrieval', s, `${name}.json`), `${JSON.stringify(rec, null, 2)}\n`);
      const top1 = (cond: 'brain' | 'oracle' | 'chance') => {
        const M = Matrix.zeros(clips.length, libStd.cols, 'float32');
        rec.clips.forEach((c, k) => {
          const row = idRow.get(c[cond][0]!.track)!;
          M.data.set(libStd.row(row), k * libStd.cols);
        });
        return M;
      };
      const lm = libraryRetrievalMetrics({
        stimulusGenres: clips.map((c) => c.genre),
        libraryGenres: library.genres,
        retrieved: retrievedGenres(rec.clips),
        embeddings: {
          stimulus: toFloat32(truth),
          brain: top1('brain'),
          oracle: top1('oracle'),
          chance: top1('chance'),
        },
        topK: 3,
        permutations: config.evaluate.permutations,
        bootstrap: config.evaluate.bootstrap,
        seed: config.seed,
      });
      perSubject[s] = lm.metrics;
      if (name === audioDecoder && config.retrieval.audioTopK > 0) {
        await writeRetrievedAudio(rec, library, folder.path('audio', 'library'), {
          audioTopK: config.retrieval.audioTopK,
          include: ['brain', 'oracle'],
          excerpt: { seconds: config.retrieval.excerptSeconds },
          progress: i.progress,
        });
      }
    }
    blocks[name] = summarizeBlock(perSubject);
    const b = blocks[name]!.summary;
    i.log(
      `retrieval ${name}: genre of the top track brain ${fmt(b['genreTop1.brain']?.mean)}, oracle ${fmt(b['genreTop1.oracle']?.mean)}, chance ${fmt(b['genreTop1.chance']?.mean)} (expected ${fmt(b['genreTop1.brain']?.chance)})`,
    );
  }
  // The originals of the test clips, as played.
  const testIds = [...new Set(design.clips.filter((c) => c.split === 'test').map((c) => c.id))];
  await writeExcerpts(
    testIds
      .filter((id) => !existsSync(folder.path('audio', 'stimuli', `${id}.mp3`)))
      .map((id) => ({
        src: i.stimulusPaths.get(id)!,
        dst: folder.path('audio', 'stimuli', `${id}.mp3`),
        options: { seconds: config.retrieval.excerptSeconds },
      })),
    { progress: i.progress },
  );
  return blocks;
}

/** Per feature space: median and peak r over voxels, and the share of significant voxels, per subject. */
function encodingBlocks(encodings: Map<string, EncodingSummary>): Record<string, MetricBlock> {
  const per: Record<string, Record<string, MetricSet>> = {};
  for (const [s, e] of encodings) {
    for (const sp of e.spaces) {
      (per[sp.label] ??= {})[s] = {
        medianR: { value: sp.medianR, chance: 0, better: 'higher', n: sp.voxels },
        maxR: { value: sp.maxR, chance: 0, better: 'higher', n: sp.voxels },
        significantFraction: {
          value: sp.voxels ? sp.significant / sp.voxels : null,
          // Under the null, the corrected test flags at most about its level's share of voxels.
          chance: 0,
          better: 'higher',
          n: sp.voxels,
        },
      };
    }
  }
  return Object.fromEntries(Object.entries(per).map(([k, v]) => [k, summarizeBlock(v)]));
}

function fmt(v: number | null | undefined): string {
  return v === null || v === undefined ? '–' : v.toFixed(3);
}

export function fmtP(p: number): string {
  return p < 0.001 ? '< 0.001' : p.toFixed(3);
}
