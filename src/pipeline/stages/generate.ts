/**
 * Stage `generate`: new music from every subject's decoded embeddings (the first
 * decoder's), with the oracle and random baselines and the reconstruction metrics
 * (src/generate). One stage run covers all subjects, because the conditioning
 * probes, the tagger, the stimulus analyses and the baselines are shared by them.
 * It computes straight into its folder (`produce`): `audio/generated/…`,
 * `generation/sub-XXX/<generator>.json` and `generate.json` (the metrics), which the
 * run publishes into the run folder. Being a stage makes it a job like the others:
 * cached by its inputs' hashes (a re-run of an unchanged run regenerates nothing),
 * resumable, and runnable on a queue worker.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DSP_BLOCKS } from '../../embed/index.js';
import { Standardizer } from '../../embed/standardize.js';
import type { WindowSpec } from '../../embed/types.js';
import { loadEncodingModel } from '../../encode/model.js';
import { averageWindows } from '../../evaluate/index.js';
import type { MetricSet } from '../../evaluate/metrics-schema.js';
import { brainSelectionFromModel } from '../../generate/brain.js';
import type { GenerateConfig } from '../../generate/config.js';
import {
  type BrainSelection,
  closeGeneration,
  generateForSubject,
  type MusicAttributes,
  prepareGeneration,
  readAttributesTsv,
} from '../../generate/index.js';
import { Matrix } from '../../linalg/matrix.js';
import type { LibraryIndex } from '../../retrieve/build.js';
import { type PreparedLibrary, prepareLibrary, queryLibrary } from '../../retrieve/query.js';
import { UserError } from '../../util/errors.js';
import { loadJson, saveJson } from '../artifact-io.js';
import type { Artifact, Stage } from '../stage.js';
import type { DecodeStageOutput } from './decode.js';
import { type StimulusEmbeddings, type StimulusFiles, standardizedRows } from './embed-stimuli.js';
import type { EncodeStageOutput } from './encode.js';
import { type DatasetArtifact, type PreparedSubject, testClipsOf } from './prepare.js';

export interface GenerateStageInputs {
  dataset: DatasetArtifact;
  stimuli: StimulusFiles;
  embeddings: StimulusEmbeddings & Artifact;
  library: LibraryIndex & Artifact;
  /** Prepared subjects and their decoded embeddings (the first decoder), index-aligned. */
  subjects: Array<PreparedSubject & Artifact>;
  decoded: Array<DecodeStageOutput & Artifact>;
  /** The twin's `stimuli/attributes.tsv` (path and content hash), which conditions the composer. */
  attributes: { path: string; hash: string };
  /** The twin's music seed (`tracks.json`), for the `anchored` generator. */
  anchorSeed: number | null;
  /** Encoding outputs of the subjects that have them: best-of-N by the predicted brain response. */
  encodings: Array<EncodeStageOutput & Artifact>;
  /** The dataset's `stimuli/captions.tsv` (path and content hash), which prompts `musicgen`; null without one. */
  captions?: { path: string; hash: string } | null;
}

export interface GenerateStageOptions {
  generate: GenerateConfig;
  /** The decoder whose predictions condition the generators (for the record). */
  decoder: string;
  seed: number;
  embedder: { name: string; modelDir?: string };
  windows: WindowSpec;
}

export interface GenerateStageOutput {
  /** generator → subject → reconstruction metric set. */
  perGenerator: Record<string, Record<string, MetricSet>>;
}

/** Why generation cannot run on this dataset, or null when it can. */
export function generationUnavailable(datasetRoot: string, hasLibrary: boolean): string | null {
  if (!existsSync(attributesPath(datasetRoot))) {
    return 'no stimuli/attributes.tsv in the dataset: the composer is conditioned through probes trained on musical attributes (the twin ships them)';
  }
  if (!hasLibrary) return 'generation needs the retrieval library (its tracks train the attribute probes)';
  return null;
}

export function attributesPath(datasetRoot: string): string {
  return join(datasetRoot, 'stimuli', 'attributes.tsv');
}

export function captionsPath(datasetRoot: string): string {
  return join(datasetRoot, 'stimuli', 'captions.tsv');
}

/** The twin's music seed, when the dataset is the twin (the anchored generator re-composes its tracks). */
export async function anchorSeedOf(datasetRoot: string): Promise<number | null> {
  const p = join(datasetRoot, 'derivatives', 'simulation', 'music', 'tracks.json');
  return existsSync(p) ? (JSON.parse(await readFile(p, 'utf8')).seed as number) : null;
}

/**
 * Probe training set: library tracks and TRAINING stimuli with attributes, never test
 * clips — standardised clip-level embeddings (rows) with their attributes.
 */
function probeTrainingSet(
  inputs: GenerateStageInputs,
  attrs: Map<string, MusicAttributes>,
  std: Standardizer,
): { embeddings: Matrix<Float32Array>; attributes: MusicAttributes[] } {
  const { library, embeddings, dataset } = inputs;
  const rows: Float32Array[] = [];
  const attributes: MusicAttributes[] = [];
  const libStd = std.transform(library.E);
  library.ids.forEach((id, k) => {
    const a = attrs.get(id);
    if (a) {
      rows.push(Float32Array.from(libStd.row(k)));
      attributes.push(a);
    }
  });
  const clips = dataset.design.clips;
  const trainIdx = clips.flatMap((c, k) => (c.split === 'train' && attrs.has(c.id) ? [k] : []));
  const trainEmb = averageWindows(standardizedRows(embeddings, trainIdx), embeddings.nWindows);
  trainIdx.forEach((k, r) => {
    rows.push(Float32Array.from(trainEmb.row(r)));
    attributes.push(attrs.get(clips[k]!.id)!);
  });
  const E = Matrix.zeros(rows.length, libStd.cols, 'float32');
  for (const [k, r] of rows.entries()) E.data.set(r, k * libStd.cols);
  return { embeddings: E, attributes };
}

export const generateStage: Stage<GenerateStageInputs, GenerateStageOptions, GenerateStageOutput> = {
  name: 'generate',
  // 2: `dynamics_diff_db` replaced `loudness_diff_db`.
  version: 2,
  typicalSeconds: 180,
  async run() {
    throw new Error('the generate stage computes into its folder (produce)');
  },
  async produce(dir, inputs, o, ctx) {
    const { dataset, stimuli, embeddings, library, subjects, decoded } = inputs;
    const attrs = new Map((await readAttributesTsv(inputs.attributes.path)).map((a) => [a.id, a]));
    const first = subjects[0]!;
    const pathOf = new Map(stimuli.clipIds.map((id, k) => [id, stimuli.paths[k]!]));
    const clips = testClipsOf(first, dataset.design).map((c) => ({ ...c, path: pathOf.get(c.id)! }));
    const truth = averageWindows(decoded[0]!.trueTest, first.windowsPerClip);
    const std = new Standardizer(embeddings.standardizer);
    const shared = await prepareGeneration({
      clips,
      truth,
      training: probeTrainingSet(inputs, attrs, std),
      library: library.ids.flatMap((id, k) => {
        const a = attrs.get(id);
        return a ? [{ path: library.paths[k]!, attributes: a }] : [];
      }),
      embedder: {
        name: o.embedder.name,
        fingerprint: embeddings.fingerprint,
        options: o.embedder.modelDir ? { modelDir: o.embedder.modelDir } : undefined,
      },
      standardizer: std,
      windows: o.windows,
      seed: o.seed,
      soundfont: o.generate.soundfont,
      anchorSeed: inputs.anchorSeed ?? undefined,
      ...(inputs.captions ? { captions: await readCaptionsTable(inputs.captions.path) } : {}),
      progress: ctx.progress,
    });
    const perGenerator: Record<string, Record<string, MetricSet>> = {};
    // `anchored` grows from the tracks retrieval finds (the same cosine search as the
    // retrieval the report shows), so its oracle anchors are shared by every subject.
    const anchorLib = o.generate.generators.includes('anchored')
      ? { ...prepareLibrary(library, { standardizer: std }), ids: library.ids }
      : null;
    const anchorK = Math.min(o.generate.candidates, library.ids.length);
    const oracleAnchors = anchorLib ? await nearestTracks(anchorLib, clips, truth, anchorK) : null;
    try {
      for (const [k, p] of subjects.entries()) {
        const enc = inputs.encodings.find((e) => e.summary.subject === p.subject);
        const brain = enc ? await brainSelection(enc, p, dataset, embeddings) : null;
        if (enc && !brain)
          ctx.log(
            `generate ${p.subject}: no encoding model in the embedding's space; candidates are not scored by the brain`,
          );
        if (o.generate.select === 'brain' && !brain)
          throw new UserError(
            `selection by brain response needs an encoding model of ${p.subject} in the embedding's space`,
            {
              field: 'generate.select',
              hint: "enable encoding for every subject with a feature space of the run's embedder (e.g. encode.features=[dsp-modulation]), or select by 'embedding'",
            },
          );
        const predicted = averageWindows(decoded[k]!.predTest, p.windowsPerClip);
        const res = await generateForSubject({
          subject: p.subject,
          predicted,
          shared,
          options: {
            generators: o.generate.generators,
            candidates: o.generate.candidates,
            seed: o.seed,
            select: o.generate.select,
            ...(brain ? { brain } : {}),
            ...(anchorLib && oracleAnchors
              ? {
                  anchors: {
                    brain: await nearestTracks(anchorLib, clips, predicted, anchorK),
                    oracle: oracleAnchors,
                  },
                }
              : {}),
            ...(o.generate.modelDir ? { modelDir: o.generate.modelDir } : {}),
          },
          outDir: dir,
          progress: ctx.progress,
        });
        for (const [g, m] of Object.entries(res.metrics)) (perGenerator[g] ??= {})[p.subject] = m;
        const m = res.metrics[o.generate.generators[0]!];
        ctx.log(
          `generate ${p.subject} (${o.decoder}): identification of the generated audio ${fmt(m?.identification?.value)} (oracle ${fmt(m?.['oracle.identification']?.value)}, random ${fmt(m?.['random.identification']?.value)}), genre top-2 ${fmt(m?.genre_top2?.value)}`,
        );
      }
    } finally {
      await closeGeneration(shared);
    }
    const out = { perGenerator };
    await saveJson(dir, 'generate', out);
    return out;
  },
  async save() {},
  async load(dir) {
    return loadJson<GenerateStageOutput>(dir, 'generate');
  },
};

/**
 * The k nearest library tracks (cosine in the standardised space) of each clip, best
 * first, by clip id. Q: n_clips × dim, clip-level rows in `clips` order.
 */
async function nearestTracks(
  library: PreparedLibrary & { ids: readonly string[] },
  clips: readonly { id: string }[],
  Q: Matrix,
  k: number,
): Promise<Record<string, string[]>> {
  const res = await queryLibrary(library, Q, k);
  return Object.fromEntries(
    clips.map((c, q) => [c.id, Array.from(res.indices.subarray(q * k, q * k + k), (t) => library.ids[t]!)]),
  );
}

/**
 * Best-of-N by the brain for one subject: the first of its encoding models that reads
 * the run's embedding (the model files live in the encode stage's folder), against the
 * measured test response of each clip (the prepared test rows, repetitions averaged,
 * averaged over the clip's windows).
 */
async function brainSelection(
  enc: EncodeStageOutput,
  p: PreparedSubject,
  dataset: DatasetArtifact,
  embeddings: StimulusEmbeddings,
): Promise<BrainSelection | null> {
  const w = p.windowsPerClip;
  const measured = new Map<string, Float32Array>();
  const V = p.testX.cols;
  for (let r0 = 0; r0 < p.testX.rows; r0 += w) {
    const m = new Float32Array(V);
    for (let r = r0; r < r0 + w; r++)
      for (let j = 0; j < V; j++) m[j] = (m[j] as number) + (p.testX.data[r * V + j] as number) / w;
    measured.set(dataset.design.clips[p.testClip[r0] as number]!.id, m);
  }
  for (const space of enc.summary.spaces) {
    if (!space.model) continue;
    const model = await loadEncodingModel(join(enc.dir, space.model));
    const sel = brainSelectionFromModel({
      model,
      embeddingFingerprint: embeddings.fingerprint,
      blocks: DSP_BLOCKS,
      standardizer: embeddings.standardizer,
      measured,
      measuredVoxels: p.maskIndices,
    });
    if (sel) return sel;
  }
  return null;
}

/** `stimuli/captions.tsv` → caption by clip id (every row; the prompter keeps training stimuli only). */
async function readCaptionsTable(path: string): Promise<Map<string, string>> {
  const lines = (await readFile(path, 'utf8')).replace(/^\uFEFF/, '').split(/\r?\n/);
  const head = (lines[0] ?? '').split('\t');
  const idCol = head.indexOf('id');
  const capCol = ['caption', 'text', 'description'].map((c) => head.indexOf(c)).find((i) => i >= 0) ?? -1;
  if (idCol < 0 || capCol < 0)
    throw new UserError(`captions table needs columns id and caption, has ${head.join(', ')}`, {
      file: path,
      line: 1,
      hint: 'first line: id<TAB>caption',
    });
  const out = new Map<string, string>();
  for (const l of lines.slice(1)) {
    if (!l.trim()) continue;
    const cells = l.split('\t');
    out.set(cells[idCol] ?? '', cells[capCol] ?? '');
  }
  return out;
}

function fmt(v: number | null | undefined): string {
  return v === null || v === undefined ? '–' : v.toFixed(3);
}
