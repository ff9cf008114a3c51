/**
 * The evaluation part of the main job: decoding metrics per subject × decoder
 * (identification with permutation p and bootstrap CI, cross-validated training
 * identification, embedding r, per-genre, leave-one-genre-out, 60-way ranks), then
 * the stages that read decoded embeddings (retrieval, generation, encoding).
 * Everything numeric is in src/evaluate; this file only gathers and files results.
 */
import {
  averageWindows,
  evaluateDecoding,
  identificationAccuracy,
  summarizeBlock,
} from '../evaluate/index.js';
import type { MetricBlock, MetricSet, MetricsFile } from '../evaluate/metrics-schema.js';
import type { Design } from '../fmri/design.js';
import type { ProgressSink } from '../util/progress.js';
import type { RunConfig } from './config.js';
import type { DecodeResults } from './run.js';
import type { RunFolder } from './run-folder.js';
import type { Artifact } from './stage.js';
import type { StimulusEmbeddings } from './stages/embed-stimuli.js';
import type { PreparedSubject } from './stages/prepare.js';

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
  log: (line: string) => void;
  progress: ProgressSink;
}

export async function evaluateRun(i: EvaluateRunInputs): Promise<RunEvaluation> {
  const { config, design, subjects } = i;
  const decoding: Record<string, MetricBlock> = {};
  for (const name of config.decode.decoders) {
    const perSubject: Record<string, MetricSet> = {};
    const details: Record<string, unknown> = {};
    for (const s of subjects) {
      const p = i.prepared.get(s)!;
      const out = i.decoded.get(s)!.get(name)!;
      const w = p.windowsPerClip;
      const genres = Array.from(
        { length: p.testClip.length / w },
        (_, k) => design.clips[p.testClip[k * w] as number]!.genre,
      );
      const pred = averageWindows(out.predTest, w);
      const target = averageWindows(out.trueTest, w);
      const ev = evaluateDecoding({
        pred,
        target,
        genres,
        permutations: config.evaluate.permutations,
        bootstrap: config.evaluate.bootstrap,
        seed: config.seed,
      });
      const m: MetricSet = { ...ev.metrics };
      if (out.predTrainCv.rows > 0) {
        const a = identificationAccuracy(
          averageWindows(out.predTrainCv, w),
          averageWindows(out.trueTrain, w),
        );
        m.trainIdentificationCv = { value: a.accuracy, chance: 0.5, better: 'higher', n: a.perItem.length };
      }
      if (out.predLogo.rows > 0) {
        const a = identificationAccuracy(averageWindows(out.predLogo, w), target);
        m.identificationLeaveGenreOut = {
          value: a.accuracy,
          chance: 0.5,
          better: 'higher',
          n: a.perItem.length,
        };
      }
      perSubject[s] = m;
      details[s] = { ...ev.details, decoderInfo: out.info, seconds: out.seconds };
      const id = m.identification;
      i.log(
        `evaluate ${s} ${name}: identification ${id?.value?.toFixed(3)} (chance 0.5, p ${id?.p !== undefined ? fmtP(id.p) : '–'}), CV-train ${m.trainIdentificationCv?.value?.toFixed(3) ?? '–'}`,
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
  return { metrics };
}

export function fmtP(p: number): string {
  return p < 0.001 ? '< 0.001' : p.toFixed(3);
}
