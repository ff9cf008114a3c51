/**
 * The generation stage as the pipeline calls it.
 *
 * `prepareGeneration` builds what every subject shares, once per run: the
 * conditioning probes (trained on library tracks and training stimuli only), the
 * reconstruction tagger (trained on the library's audio and attributes, on a
 * representation other than the decoder's), and the acoustic analyses of the
 * test stimuli. The oracle (generator conditioned on the TRUE embedding) and
 * random baselines (conditioned on a random training clip's embedding) do not
 * depend on the subject either: they are generated on first use and reused.
 *
 * `generateForSubject` conditions each generator on a subject's predicted
 * embeddings, keeps the best of N, measures the reconstructions against the
 * stimuli (with oracle and chance) and writes, atomically:
 *   audio/generated/sub-XXX/<generator>/<clipId>.mp3 + <clipId>.json
 *   audio/generated/{oracle,random}/<generator>/<clipId>.mp3 + .json   (shared baselines)
 *   generation/sub-XXX/<generator>.json
 * Everything is checked before anything is generated or written: an unknown
 * generator or N < 1 leaves the run folder untouched.
 */
import { join } from 'node:path';
import { decodeAudioFile, toMono } from '../audio/decode.js';
import type { EmbedderOptions } from '../embed/registry.js';
import type { Standardizer } from '../embed/standardize.js';
import type { WindowSpec } from '../embed/types.js';
import { type MetricBlock, type MetricSet, summarise } from '../evaluate/metrics-schema.js';
import type { AcousticSummary } from '../evaluate/reconstruction/acoustic.js';
import { type ClipAnalysis, reconstructionMetrics } from '../evaluate/reconstruction/metrics.js';
import {
  ACOUSTIC_STATS,
  type Tagger,
  type TaggerReport,
  trainTagger,
} from '../evaluate/reconstruction/tagger.js';
import { Matrix } from '../linalg/matrix.js';
import { DEFAULT_SOUNDFONT } from '../synth/music/index.js';
import { writeDirAtomic, writeFileAtomic } from '../util/atomic.js';
import { UserError } from '../util/errors.js';
import { type ProgressSink, silentProgress } from '../util/progress.js';
import { Rng } from '../util/rng.js';
import type { MusicAttributes } from './attributes.js';
import { CaptionPrompter } from './captions.js';
import { checkContext } from './composer.js';
import type { AnalyseJob, AnalyseResult, Mp3Job, Mp3Result } from './job.js';
import { checkMusicgenContext } from './musicgen.js';
import { JobPool } from './pool.js';
import { type AttributeProbes, fitAttributeProbes, type ProbeOptions, type ProbeScore } from './probes.js';
import { generatorByName } from './registry.js';
import type { BrainSelection, GeneratedClip, GenerationTarget, GeneratorContext } from './types.js';

/** Generation length and rate: the stimuli's (15 s at 22,050 Hz). */
export const GENERATED_SECONDS = 15;
export const GENERATED_RATE = 22050;
/**
 * Candidates per clip by default (the method's best of N). The stage's cost is ∝ N: see
 * docs/generation.md § Budget and `npm run bench:generate -- --candidates N`.
 */
export const DEFAULT_CANDIDATES = 8;
/** MP3 bit rate of written samples: 64 kbit/s mono is plenty for 22,050 Hz, and cheaper to encode than 96. */
export const MP3_KBPS = 64;

export interface TestClip {
  id: string;
  genre: string;
  /** The stimulus audio as played (15 s). */
  path: string;
}

export interface PrepareGenerationInput {
  /** Test clips, in the row order of `truth` and of every subject's predictions. */
  clips: readonly TestClip[];
  /** True standardised clip-level embeddings of the test clips: n_clips × dim. */
  truth: Matrix;
  /** Probe training set: library tracks and TRAINING stimuli (never test clips). */
  training: { embeddings: Matrix; attributes: readonly MusicAttributes[] };
  /** Tagger training set: library audio files with their attributes (first 15 s used). */
  library: readonly { path: string; attributes: MusicAttributes }[];
  /** The run's embedder (registry name), its fingerprint and its standardiser. */
  embedder: { name: string; fingerprint: string; options?: EmbedderOptions };
  standardizer: Standardizer;
  windows: WindowSpec;
  seed?: number;
  /** Probe CV settings (folds, grids); defaults in probes.ts. */
  probeOptions?: Omit<ProbeOptions, 'seed'>;
  /** Length of generated samples and of the analysed excerpts, seconds (default 15: the stimuli's). */
  durationS?: number;
  /** Worker threads for rendering and analysis (default 2). */
  workers?: number;
  soundfont?: string;
  /** The twin's music seed (tracks.json `seed`), for the `anchored` generator. */
  anchorSeed?: number;
  /**
   * Captions by clip id (`stimuli/captions.tsv`), for text-prompted generators
   * (`musicgen`): only those of the training stimuli in `training` are used.
   */
  captions?: ReadonlyMap<string, string>;
  progress?: ProgressSink;
}

interface Baseline {
  clips: GeneratedClip[];
  analyses: ClipAnalysis[];
}

export interface GenerationShared {
  input: PrepareGenerationInput;
  probes: AttributeProbes;
  tagger: Tagger;
  /** Analyses of the test stimuli, in clip order (embedding = the true one). */
  stimuli: ClipAnalysis[];
  /** Mean RMS level of the test stimuli, dBFS: generated audio is rendered at it. */
  targetDbfs: number;
  /** The rendering/analysis threads; `closeGeneration` stops them. */
  pool: JobPool;
  /** generator name → baselines, filled on first use. */
  baselines: Map<string, { oracle: Baseline; random: Baseline; randomSources: string[] }>;
  /** Embedding → caption prompts, fitted on first use by a text-prompted generator. */
  prompter?: Promise<CaptionPrompter | undefined>;
}

/**
 * The caption prompter of the run: fitted on the training STIMULI that have a
 * caption (never library tracks, never test clips); undefined without captions.
 */
function prompterOf(shared: GenerationShared): Promise<CaptionPrompter | undefined> {
  shared.prompter ??= (async () => {
    const caps = shared.input.captions;
    if (!caps) return undefined;
    const { embeddings, attributes } = shared.input.training;
    const rows = attributes.flatMap((a, i) => (a.role !== 'library' && caps.get(a.id)?.trim() ? [i] : []));
    if (rows.length === 0) return undefined;
    const E = Matrix.zeros(rows.length, embeddings.cols, 'float64');
    rows.forEach((i, r) => {
      E.data.set(embeddings.row(i), r * E.cols);
    });
    return CaptionPrompter.fit(
      {
        ids: rows.map((i) => attributes[i]!.id),
        embeddings: E,
        captions: rows.map((i) => caps.get(attributes[i]!.id) as string),
      },
      shared.input.seed ?? 0,
    );
  })();
  return shared.prompter;
}

function checkTrainingIsNotTest(clips: readonly TestClip[], attrs: readonly MusicAttributes[]): void {
  const test = new Set(clips.map((c) => c.id));
  const leak = attrs.filter((a) => test.has(a.id)).map((a) => a.id);
  if (leak.length)
    throw new UserError(`the probe training set holds ${leak.length} test clip(s), e.g. ${leak[0]}`, {
      field: 'training',
      hint: 'train the probes on library tracks and training stimuli only',
    });
}

async function analyseMany(pool: JobPool, jobs: AnalyseJob[]): Promise<AcousticSummary[]> {
  const out: AcousticSummary[] = new Array(jobs.length);
  await pool.run<AnalyseJob, AnalyseResult>(jobs, (r) => {
    out[r.index] = r.summary;
  });
  return out;
}

/** Builds the per-run shared state (probes, tagger, stimulus analyses). */
export async function prepareGeneration(input: PrepareGenerationInput): Promise<GenerationShared> {
  const n = input.clips.length;
  if (input.truth.rows !== n)
    throw new UserError(`truth has ${input.truth.rows} rows for ${n} test clips`, { field: 'truth' });
  checkTrainingIsNotTest(input.clips, input.training.attributes);
  const workers = input.workers ?? 2;
  const soundfont = input.soundfont ?? DEFAULT_SOUNDFONT;
  const pool = new JobPool(
    { soundfont, embedder: input.embedder.name, embedderOptions: input.embedder.options ?? {} },
    workers,
  );
  try {
    return await prepareWith(input, pool);
  } catch (e) {
    await pool.close();
    throw e;
  }
}

/** Stops the shared threads (safe to call twice). */
export async function closeGeneration(shared: GenerationShared): Promise<void> {
  await shared.pool.close();
}

async function prepareWith(input: PrepareGenerationInput, pool: JobPool): Promise<GenerationShared> {
  const progress = input.progress ?? silentProgress;
  const n = input.clips.length;
  progress.start('generation: fitting conditioning probes', 1);
  const probes = await fitAttributeProbes(input.training.embeddings, input.training.attributes, {
    ...input.probeOptions,
    seed: input.seed ?? 0,
  });
  progress.finish();
  progress.start(`generation: analysing ${input.library.length} library tracks and ${n} stimuli`, 1);
  const summaries = await analyseMany(pool, [
    ...input.library.map(
      (t, index): AnalyseJob => ({
        kind: 'analyse',
        index,
        path: t.path,
        maxSeconds: input.durationS ?? GENERATED_SECONDS,
      }),
    ),
    ...input.clips.map(
      (c, k): AnalyseJob => ({
        kind: 'analyse',
        index: input.library.length + k,
        path: c.path,
        maxSeconds: input.durationS ?? GENERATED_SECONDS,
      }),
    ),
  ]);
  progress.finish();
  const libFeat = Matrix.zeros(input.library.length, ACOUSTIC_STATS.dim, 'float64');
  for (let i = 0; i < input.library.length; i++)
    libFeat.data.set((summaries[i] as AcousticSummary).features, i * libFeat.cols);
  const tagger = await trainTagger(
    libFeat,
    input.library.map((t) => t.attributes),
    { decoderFingerprint: input.embedder.fingerprint, seed: input.seed ?? 0 },
  );
  const stimSummaries = summaries.slice(input.library.length);
  const stimFeat = Matrix.zeros(n, ACOUSTIC_STATS.dim, 'float64');
  for (const [i, s] of stimSummaries.entries()) stimFeat.data.set(s.features, i * stimFeat.cols);
  const tags = await tagger.tagFeatures(stimFeat);
  const stimuli = input.clips.map(
    (_, i): ClipAnalysis => ({
      embedding: input.truth.row(i),
      tags: tags[i] as ClipAnalysis['tags'],
      acoustic: stimSummaries[i] as AcousticSummary,
    }),
  );
  const targetDbfs = stimSummaries.reduce((a, s) => a + s.loudnessDb, 0) / Math.max(1, n);
  return { input, probes, tagger, stimuli, targetDbfs, pool, baselines: new Map() };
}

export interface GenerateOptions {
  /** Generator names (default ['composer']). */
  generators?: readonly string[];
  /** Candidates per clip (default DEFAULT_CANDIDATES). */
  candidates?: number;
  seed?: number;
  select?: 'embedding' | 'brain';
  /** Best-of-N by the brain (encoding stage); required when select is 'brain'. */
  brain?: BrainSelection;
  /**
   * Retrieved library tracks per clip id, best first, for `anchored`: from the
   * subject's decoder (`brain`) and from the true embedding (`oracle`).
   */
  anchors?: {
    brain: Readonly<Record<string, readonly string[]>>;
    oracle: Readonly<Record<string, readonly string[]>>;
  };
  /** Folder of a neural generator's weights (`generate.modelDir`), for `musicgen`. */
  modelDir?: string;
}

export interface GenerateForSubjectInput {
  subject: string;
  /** Predicted standardised clip-level embeddings, rows in `shared.input.clips` order: n_clips × dim. */
  predicted: Matrix;
  shared: GenerationShared;
  options?: GenerateOptions;
  /** Run folder. */
  outDir: string;
  progress?: ProgressSink;
}

/** generation/sub-XXX/<generator>.json */
export interface GenerationFile {
  schema: 'brain2music/generation@1';
  subject: string;
  generator: string;
  candidates: number;
  select: 'embedding' | 'brain';
  seed: number;
  probes: ProbeScore[];
  tagger: TaggerReport;
  clips: Array<{
    clip: string;
    genre: string;
    kept: { audio: string; score: number; index: number };
    /** The three best candidates by embedding score. */
    top3: Array<{ index: number; score: number }>;
    bestByEmbedding: number;
    bestByBrain?: number;
    candidates: GeneratedClip['candidates'];
    attributes: GeneratedClip['attributes'];
    oracle: { audio: string; score: number };
    random: { audio: string; score: number; source: string };
  }>;
  metrics: MetricSet;
}

export interface GenerateForSubjectResult {
  records: Record<string, GenerationFile>;
  /** generator → metric set (brain rows, then `oracle.*` and `random.*`). */
  metrics: Record<string, MetricSet>;
}

const subjectLabel = (s: string) => (s.startsWith('sub-') ? s : `sub-${s}`);

function clipLevelStandardiser(st: Standardizer): (raw: Matrix<Float32Array>) => Float32Array {
  return (raw) => {
    const z = st.transform(raw);
    const v = new Float32Array(z.cols);
    for (let i = 0; i < z.rows; i++)
      for (let j = 0; j < z.cols; j++) v[j] = (v[j] as number) + (z.data[i * z.cols + j] as number) / z.rows;
    return v;
  };
}

async function analyseGenerated(shared: GenerationShared, clips: GeneratedClip[]): Promise<ClipAnalysis[]> {
  const summaries = await analyseMany(
    shared.pool,
    clips.map((c, index) => ({ kind: 'analyse', index, samples: c.audio, sampleRate: c.sampleRate })),
  );
  const F = Matrix.zeros(clips.length, ACOUSTIC_STATS.dim, 'float64');
  for (const [i, s] of summaries.entries()) F.data.set(s.features, i * F.cols);
  const tags = await shared.tagger.tagFeatures(F);
  return clips.map((c, i) => ({
    embedding: c.embedding,
    tags: tags[i] as ClipAnalysis['tags'],
    acoustic: summaries[i] as AcousticSummary,
  }));
}

function rowsOf(M: Matrix): Float32Array[] {
  return Array.from({ length: M.rows }, (_, i) => Float32Array.from(M.row(i)));
}

async function writeClips(
  pool: JobPool,
  dir: string,
  clips: GeneratedClip[],
  extra: (i: number) => object,
): Promise<void> {
  const mp3 = new Array<Uint8Array>(clips.length);
  await pool.run<Mp3Job, Mp3Result>(
    clips.map((c, index) => ({
      kind: 'mp3',
      index,
      samples: c.audio,
      sampleRate: c.sampleRate,
      kbps: MP3_KBPS,
    })),
    (r) => {
      mp3[r.index] = r.bytes;
    },
  );
  await writeDirAtomic(dir, async (tmp) => {
    for (const [i, c] of clips.entries()) {
      await writeFileAtomic(join(tmp, `${c.clip}.mp3`), mp3[i] as Uint8Array);
      const kept = c.candidates.find((k) => k.index === c.kept);
      const record = {
        clip: c.clip,
        kept: c.kept,
        score: kept?.score,
        ...(kept?.request ? { conditionedOn: kept.request } : {}),
        ...(kept?.prompt ? { prompt: kept.prompt } : {}),
        ...(kept?.settings ? { settings: kept.settings } : {}),
        ...(kept?.composed ? { composed: kept.composed } : {}),
        attributes: c.attributes,
        ...extra(i),
      };
      await writeFileAtomic(join(tmp, `${c.clip}.json`), `${JSON.stringify(record, null, 2)}\n`);
    }
  });
}

/** Generates, scores and writes one subject's reconstructions for each generator. */
export async function generateForSubject(input: GenerateForSubjectInput): Promise<GenerateForSubjectResult> {
  const { shared, predicted } = input;
  const opts = input.options ?? {};
  const names = opts.generators ?? ['composer'];
  const generators = names.map((n) => generatorByName(n));
  const N = opts.candidates ?? DEFAULT_CANDIDATES;
  const seed = opts.seed ?? shared.input.seed ?? 0;
  const select = opts.select ?? 'embedding';
  const sub = subjectLabel(input.subject);
  const clips = shared.input.clips;
  const n = clips.length;
  if (predicted.rows !== n || predicted.cols !== shared.input.truth.cols)
    throw new UserError(
      `predictions are ${predicted.rows} × ${predicted.cols}, expected ${n} clips × ${shared.input.truth.cols}`,
      { field: 'predicted' },
    );
  const ctx: GeneratorContext = {
    candidates: N,
    durationS: shared.input.durationS ?? GENERATED_SECONDS,
    sampleRate: GENERATED_RATE,
    targetDbfs: shared.targetDbfs,
    windows: shared.input.windows,
    embedder: { name: shared.input.embedder.name, options: shared.input.embedder.options },
    toClip: clipLevelStandardiser(shared.input.standardizer),
    soundfont: shared.input.soundfont ?? DEFAULT_SOUNDFONT,
    anchorSeed: shared.input.anchorSeed,
    pool: shared.pool,
    select,
    brain: opts.brain,
    ...(opts.modelDir ? { modelDir: opts.modelDir } : {}),
    progress: input.progress,
  };
  // Everything that can be refused is refused before any work or write.
  checkContext(ctx);
  if (names.includes('musicgen')) {
    const prompter = await prompterOf(shared);
    if (prompter) ctx.prompter = prompter;
    await checkMusicgenContext(ctx);
  }
  if (names.includes('anchored')) {
    const missing = clips.filter(
      (c) => !opts.anchors?.brain[c.id]?.length || !opts.anchors?.oracle[c.id]?.length,
    );
    if (missing.length)
      throw new UserError(
        `the anchored generator needs retrieved tracks (brain and oracle) for every clip; missing for ${missing.length}, e.g. ${missing[0]?.id}`,
        {
          field: 'generate.generators',
          hint: 'run retrieval on the library first, or use the composer generator',
        },
      );
    // Without the twin's music seed, anchors are real audio: every retrieved id must
    // have a library file to transcribe (checked here, before any work).
    if (shared.input.anchorSeed === undefined) {
      const paths = new Map(shared.input.library.map((l) => [l.attributes.id, l.path]));
      const ids = clips.flatMap((c) => [
        ...(opts.anchors?.brain[c.id] ?? []),
        ...(opts.anchors?.oracle[c.id] ?? []),
      ]);
      const unknown = ids.find((id) => !paths.has(id));
      if (unknown !== undefined)
        throw new UserError(`retrieved library clip "${unknown}" has no audio file to transcribe`, {
          field: 'generate.generators',
          hint: "anchored generation needs the twin's music seed or the retrieved clips' audio",
        });
      ctx.anchorAudio = async (id) => {
        const a = await decodeAudioFile(paths.get(id) as string);
        return { samples: toMono(a), sampleRate: a.sampleRate };
      };
    }
  }
  // The random baseline's anchors: without the twin's seed only clips with audio can be transcribed.
  const libraryIds =
    shared.input.anchorSeed === undefined && names.includes('anchored')
      ? shared.input.library.map((l) => l.attributes.id)
      : shared.input.training.attributes.filter((a) => a.role === 'library').map((a) => a.id);
  const randomAnchors = (clip: string) =>
    libraryIds.length
      ? Array.from({ length: N }, (_, k) => new Rng(`random-anchor:${seed}:${clip}:${k}`).pick(libraryIds))
      : [];

  const records: Record<string, GenerationFile> = {};
  const metrics: Record<string, MetricSet> = {};
  const predRows = rowsOf(predicted);
  const predAttrs = await shared.probes.predict(predicted);
  for (const [gi, gen] of generators.entries()) {
    const name = names[gi] as string;
    // Baselines: generated once per generator, shared by every subject.
    let base = shared.baselines.get(name);
    if (!base) {
      const truthRows = rowsOf(shared.input.truth);
      const trainAttrs = shared.input.training.attributes;
      const pool = trainAttrs.map((a, i) => [a, i] as const).filter(([a]) => a.role !== 'library');
      const candidatesRows = (pool.length ? pool : trainAttrs.map((a, i) => [a, i] as const)).map(
        ([, i]) => i,
      );
      const randomRows = clips.map((c) => new Rng(`random:${seed}:${c.id}`).pick(candidatesRows));
      const randomMatrix = Matrix.zeros(n, predicted.cols, 'float32');
      for (const [i, r] of randomRows.entries())
        randomMatrix.data.set(shared.input.training.embeddings.row(r), i * predicted.cols);
      const truthAttrs = await shared.probes.predict(shared.input.truth);
      const randAttrs = await shared.probes.predict(randomMatrix);
      const oracleClips = await gen.generate(
        clips.map((c, i) => ({
          clip: c.id,
          embedding: truthRows[i] as Float32Array,
          attributes: truthAttrs[i] as GenerationTarget['attributes'],
          seed: `${seed}:oracle:${c.id}`,
          anchors: opts.anchors?.oracle[c.id],
        })),
        { ...ctx, select: 'embedding', brain: undefined },
      );
      const randomClips = await gen.generate(
        clips.map((c, i) => ({
          clip: c.id,
          embedding: Float32Array.from(randomMatrix.row(i)),
          attributes: randAttrs[i] as GenerationTarget['attributes'],
          seed: `${seed}:random:${c.id}`,
          anchors: randomAnchors(c.id),
        })),
        { ...ctx, select: 'embedding', brain: undefined },
      );
      const randomSources = randomRows.map((r) => shared.input.training.attributes[r]?.id ?? String(r));
      base = {
        oracle: { clips: oracleClips, analyses: await analyseGenerated(shared, oracleClips) },
        random: { clips: randomClips, analyses: await analyseGenerated(shared, randomClips) },
        randomSources,
      };
      await writeClips(
        shared.pool,
        join(input.outDir, 'audio', 'generated', 'oracle', name),
        oracleClips,
        () => ({
          conditionedOnEmbedding: 'true',
        }),
      );
      await writeClips(
        shared.pool,
        join(input.outDir, 'audio', 'generated', 'random', name),
        randomClips,
        (i) => ({
          conditionedOnEmbedding: `random training clip ${base?.randomSources[i] ?? randomSources[i]}`,
        }),
      );
      shared.baselines.set(name, base);
    }
    const brainClips = await gen.generate(
      clips.map((c, i) => ({
        clip: c.id,
        embedding: predRows[i] as Float32Array,
        attributes: predAttrs[i] as GenerationTarget['attributes'],
        seed: `${seed}:${sub}:${c.id}`,
        anchors: opts.anchors?.brain[c.id],
      })),
      ctx,
    );
    const analyses = await analyseGenerated(shared, brainClips);
    const set: MetricSet = { ...reconstructionMetrics(shared.stimuli, analyses) };
    for (const [label, b] of [
      ['oracle', base.oracle],
      ['random', base.random],
    ] as const)
      for (const [k, v] of Object.entries(reconstructionMetrics(shared.stimuli, b.analyses)))
        set[`${label}.${k}`] = v;
    metrics[name] = set;
    // Both selections side by side (Ciferri et al. 2025): the one that did not decide
    // `kept`, measured the same way against the same baselines.
    const alt = brainClips.every((c) => c.alternative) ? brainClips[0]?.alternative?.select : undefined;
    if (alt) {
      const altClips = brainClips.map((c) => ({
        ...c,
        audio: c.alternative!.audio,
        embedding: c.alternative!.embedding,
      }));
      const altSet: MetricSet = {
        ...reconstructionMetrics(shared.stimuli, await analyseGenerated(shared, altClips)),
      };
      for (const [k, v] of Object.entries(set))
        if (k.startsWith('oracle.') || k.startsWith('random.')) altSet[k] = v;
      metrics[`${name}:${alt}-selected`] = altSet;
    }
    const audioRel = (who: string, clip: string) => `audio/generated/${who}/${name}/${clip}.mp3`;
    const scoreOf = (c: GeneratedClip) => c.candidates.find((k) => k.index === c.kept)?.score ?? 0;
    const record: GenerationFile = {
      schema: 'brain2music/generation@1',
      subject: sub,
      generator: name,
      candidates: N,
      select,
      seed,
      probes: shared.probes.scores,
      tagger: shared.tagger.report,
      clips: brainClips.map((c, i) => ({
        clip: c.clip,
        genre: clips[i]?.genre ?? '',
        kept: { audio: audioRel(sub, c.clip), score: scoreOf(c), index: c.kept },
        top3: [...c.candidates]
          .sort((a, b) => b.score - a.score || a.index - b.index)
          .slice(0, 3)
          .map((k) => ({ index: k.index, score: k.score })),
        bestByEmbedding: c.bestByEmbedding,
        ...(c.bestByBrain === undefined ? {} : { bestByBrain: c.bestByBrain }),
        candidates: c.candidates,
        attributes: c.attributes,
        oracle: { audio: audioRel('oracle', c.clip), score: scoreOf(base.oracle.clips[i] as GeneratedClip) },
        random: {
          audio: audioRel('random', c.clip),
          score: scoreOf(base.random.clips[i] as GeneratedClip),
          source: base.randomSources[i] as string,
        },
      })),
      metrics: set,
    };
    await writeClips(shared.pool, join(input.outDir, 'audio', 'generated', sub, name), brainClips, () => ({
      subject: sub,
    }));
    await writeFileAtomic(
      join(input.outDir, 'generation', sub, `${name}.json`),
      `${JSON.stringify(record, null, 2)}\n`,
    );
    records[name] = record;
  }
  return { records, metrics };
}

/** metrics.json `reconstruction[generator]`: per-subject sets and their summary over subjects. */
export function reconstructionBlock(perSubject: Record<string, MetricSet>): MetricBlock {
  const names = [...new Set(Object.values(perSubject).flatMap((s) => Object.keys(s)))];
  const summary: MetricBlock['summary'] = {};
  for (const k of names) {
    const vals = Object.values(perSubject).map((s) => s[k]);
    const first = vals.find((v) => v !== undefined);
    if (!first) continue;
    summary[k] = summarise(
      vals.map((v) => v?.value ?? null),
      first.chance,
      first.better,
    );
  }
  return { perSubject, summary };
}
