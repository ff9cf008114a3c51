/**
 * The `musicgen` generator: MusicGen (text → music) loaded from a local folder
 * through transformers.js, remote loading off, prompted with captions.
 *
 * For each target: candidate k is prompted with the caption of the
 * ((k mod 3) + 1)-th nearest training clip in caption space (captions.ts: a ridge
 * map from the clip embedding to the caption-text space, fitted on training clips
 * only) and sampled (`do_sample`, the folder's generation_config: guidance scale,
 * top-k) after seeding transformers.js's Mersenne Twister with a seed derived
 * from (target seed, k). Candidates run one at a time in this thread, so no other
 * sampling interleaves between the seeding and the sampling it governs: same
 * seed, same audio. The audio (the model's rate: 32 kHz for MusicGen) is
 * resampled to the contract's rate, trimmed or zero-padded to its length, set to
 * the stimuli's RMS level, embedded with the run's embedder (on the pool) and
 * scored by cosine to the target; the best of N is kept (or the brain's pick).
 *
 * The folder is checked first (`checkModelFolder`): every missing file listed at
 * once, and an empty, truncated or non-ONNX file named, before anything loads.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { resample } from '../audio/resample.js';
import { loadTransformersOffline } from '../embed/clap/clap.js';
import { cosine, pearson } from '../evaluate/correlation.js';
import { Matrix } from '../linalg/matrix.js';
import { UserError } from '../util/errors.js';
import { hashJson } from '../util/hash.js';
import { PROMPT_NEIGHBOURS, type PromptNeighbour } from './captions.js';
import { alternativeOf, checkContext } from './composer.js';
import type { EmbedJob, EmbedResult } from './job.js';
import { checkModelFolder, MUSICGEN_FILES } from './model-folder.js';
import type {
  CandidateRecord,
  GeneratedClip,
  GenerationTarget,
  Generator,
  GeneratorContext,
} from './types.js';

const DOCS_HINT = 'see docs/generation.md ("Neural generators") for the files and how to obtain them';

type Transformers = Awaited<ReturnType<typeof loadTransformersOffline>>;

interface LoadedMusicgen {
  tokenizer: Awaited<ReturnType<Transformers['AutoTokenizer']['from_pretrained']>>;
  model: InstanceType<Transformers['MusicgenForConditionalGeneration']>;
  random: Transformers['random'];
  /** Rate of the decoded audio, Hz, and codec frames per second. */
  sampleRate: number;
  frameRate: number;
  codebooks: number;
  guidanceScale: number;
  topK: number;
}

/** Loaded models by folder: the oracle, random and every subject's pass share one load. */
const loaded = new Map<string, Promise<LoadedMusicgen>>();

async function readConfig(dir: string, file: string): Promise<Record<string, unknown>> {
  try {
    return JSON.parse(await readFile(join(dir, file), 'utf8')) as Record<string, unknown>;
  } catch (e) {
    throw new UserError(`cannot read the MusicGen ${file}: ${(e as Error).message}`, {
      file: join(dir, file),
      field: 'generate.modelDir',
      hint: DOCS_HINT,
      cause: e,
    });
  }
}

function positive(v: unknown, what: string, file: string): number {
  const x = Number(v);
  if (!Number.isFinite(x) || x <= 0)
    throw new UserError(`the MusicGen ${what} must be a positive number, got ${JSON.stringify(v)}`, {
      file,
      field: 'generate.modelDir',
      hint: DOCS_HINT,
    });
  return x;
}

async function load(dir: string): Promise<LoadedMusicgen> {
  await checkModelFolder(dir, MUSICGEN_FILES, 'MusicGen');
  const config = await readConfig(dir, 'config.json');
  const gen = await readConfig(dir, 'generation_config.json');
  const audio = (config.audio_encoder ?? {}) as Record<string, unknown>;
  const decoder = (config.decoder ?? {}) as Record<string, unknown>;
  const cfgFile = join(dir, 'config.json');
  const sampleRate = positive(audio.sampling_rate, 'audio_encoder.sampling_rate', cfgFile);
  // EnCodec: one frame per hop; the hop is the product of the upsampling ratios when frame_rate is absent.
  const ratios = audio.upsampling_ratios as number[] | undefined;
  const frameRate = positive(
    audio.frame_rate ?? (ratios ? sampleRate / ratios.reduce((a, b) => a * b, 1) : undefined),
    'audio_encoder.frame_rate',
    cfgFile,
  );
  const codebooks = positive(decoder.num_codebooks, 'decoder.num_codebooks', cfgFile);
  const tr = await loadTransformersOffline();
  try {
    const tokenizer = await tr.AutoTokenizer.from_pretrained(dir, { local_files_only: true });
    const model = (await tr.MusicgenForConditionalGeneration.from_pretrained(dir, {
      dtype: 'fp32',
      local_files_only: true,
    })) as InstanceType<Transformers['MusicgenForConditionalGeneration']>;
    return {
      tokenizer,
      model,
      random: tr.random,
      sampleRate,
      frameRate,
      codebooks,
      guidanceScale: Number(gen.guidance_scale ?? 3),
      topK: Number(gen.top_k ?? 250),
    };
  } catch (e) {
    throw new UserError(`the MusicGen model in ${dir} could not be loaded: ${(e as Error).message}`, {
      file: dir,
      field: 'generate.modelDir',
      hint: `${DOCS_HINT}; a folder from another transformers.js export or version may not match`,
      cause: e,
    });
  }
}

function loadCached(dir: string): Promise<LoadedMusicgen> {
  let p = loaded.get(dir);
  if (!p) {
    p = load(dir);
    // A failed load is not cached: the user may fix the folder and retry in the same process.
    p.catch(() => loaded.delete(dir));
    loaded.set(dir, p);
  }
  return p;
}

/** A 31-bit seed for transformers.js's `random.seed` from a seed label. */
export function numericSeed(label: string): number {
  return Number.parseInt(hashJson(label).slice(0, 8), 16) & 0x7fffffff;
}

/** `x` trimmed or zero-padded to `n` samples. */
export function fitLength(x: Float32Array, n: number): Float32Array {
  if (x.length === n) return x;
  const out = new Float32Array(n);
  out.set(x.subarray(0, Math.min(n, x.length)));
  return out;
}

/** `x` scaled in place to an RMS of `dbfs` (silence stays silent), clipped to ±1. */
export function setLevel(x: Float32Array, dbfs: number): Float32Array {
  let ss = 0;
  for (const v of x) ss += v * v;
  const rms = Math.sqrt(ss / Math.max(1, x.length));
  if (rms === 0) return x;
  const g = 10 ** (dbfs / 20) / rms;
  for (let i = 0; i < x.length; i++) x[i] = Math.max(-1, Math.min(1, (x[i] as number) * g));
  return x;
}

/** Checks what `musicgen` needs before any work: a model folder (sound files) and a prompter. */
export async function checkMusicgenContext(
  ctx: Pick<GeneratorContext, 'modelDir' | 'prompter'>,
): Promise<void> {
  if (!ctx.modelDir)
    throw new UserError('the musicgen generator needs a local MusicGen folder', {
      field: 'generate.modelDir',
      hint: `set generate.modelDir to the folder (${DOCS_HINT})`,
    });
  if (!ctx.prompter)
    throw new UserError('the musicgen generator is prompted with captions, and the dataset has none', {
      field: 'generate.generators',
      hint: 'write stimuli/captions.tsv (columns id, caption) for the training clips, or use the composer generator',
    });
  await checkModelFolder(ctx.modelDir, MUSICGEN_FILES, 'MusicGen');
}

interface Candidate {
  index: number;
  audio: Float32Array;
  prompt: PromptNeighbour & { rank: number };
  settings: Record<string, number | string | boolean>;
}

async function sampleCandidates(
  m: LoadedMusicgen,
  target: GenerationTarget,
  ctx: GeneratorContext,
): Promise<Candidate[]> {
  const prompter = ctx.prompter!;
  const near = await prompter.nearest(target.embedding, Math.min(ctx.candidates, PROMPT_NEIGHBOURS));
  // Frames F decode to F / frameRate seconds; the delay pattern costs K − 1 extra steps.
  const frames = Math.ceil(ctx.durationS * m.frameRate);
  const maxNewTokens = frames + m.codebooks - 1;
  const out: Candidate[] = [];
  for (let k = 0; k < ctx.candidates; k++) {
    const rank = k % near.length;
    const prompt = near[rank] as PromptNeighbour;
    const seed = numericSeed(`${target.seed}:musicgen:${k}`);
    const settings = {
      seed,
      do_sample: true,
      guidance_scale: m.guidanceScale,
      top_k: m.topK,
      max_new_tokens: maxNewTokens,
      model_sample_rate: m.sampleRate,
    };
    const inputs = m.tokenizer(prompt.caption);
    m.random.seed(seed);
    const values = (await m.model.generate({
      ...inputs,
      do_sample: true,
      guidance_scale: m.guidanceScale,
      top_k: m.topK,
      max_new_tokens: maxNewTokens,
    })) as { data: Float32Array; dims: number[] };
    // audio_values: batch × channels × samples; one prompt, mono.
    const raw = values.data.subarray(0, values.dims.at(-1));
    const audio = setLevel(
      fitLength(resample(raw, m.sampleRate, ctx.sampleRate), Math.round(ctx.durationS * ctx.sampleRate)),
      ctx.targetDbfs,
    );
    out.push({ index: k, audio, prompt: { ...prompt, rank }, settings });
  }
  return out;
}

type Best = { index: number; score: number; audio: Float32Array; embedding: Float32Array } | null;

async function generateMusicgen(
  targets: readonly GenerationTarget[],
  ctx: GeneratorContext,
): Promise<GeneratedClip[]> {
  checkContext(ctx);
  await checkMusicgenContext(ctx);
  const m = await loadCached(ctx.modelDir!);
  const total = targets.length * ctx.candidates;
  ctx.progress?.start(`musicgen: ${total} candidates (${targets.length} clips × ${ctx.candidates})`, total);
  const out: GeneratedClip[] = [];
  let done = 0;
  for (const target of targets) {
    const cands = await sampleCandidates(m, target, ctx);
    const records: CandidateRecord[] = [];
    let bestEmb: Best = null;
    let bestBrain: Best = null;
    const jobs = cands.map(
      (c): EmbedJob => ({
        kind: 'embed',
        index: c.index,
        samples: c.audio,
        sampleRate: ctx.sampleRate,
        windows: ctx.windows,
      }),
    );
    const embedded = new Map<number, EmbedResult>();
    await ctx.pool.run<EmbedJob, EmbedResult>(jobs, (r) => {
      embedded.set(r.index, r);
    });
    // Scored in candidate order, so ties and the brain's awaits never depend on arrival order.
    for (const c of cands) {
      const r = embedded.get(c.index) as EmbedResult;
      const clipVec = ctx.toClip(new Matrix(r.rows, r.cols, r.embedding));
      const score = cosine(clipVec, target.embedding);
      let brainScore: number | undefined;
      if (ctx.brain) {
        const pred = await ctx.brain.predict(new Matrix(1, clipVec.length, clipVec));
        brainScore = pearson(Array.from(pred.data), Array.from(ctx.brain.measured(target.clip)));
      }
      records.push({
        index: c.index,
        score,
        ...(brainScore === undefined ? {} : { brainScore }),
        prompt: {
          text: c.prompt.caption,
          source: c.prompt.clip,
          similarity: c.prompt.similarity,
          rank: c.prompt.rank,
        },
        settings: c.settings,
      });
      if (!bestEmb || score > bestEmb.score)
        bestEmb = { index: c.index, score, audio: c.audio, embedding: clipVec };
      if (brainScore !== undefined && (!bestBrain || brainScore > bestBrain.score))
        bestBrain = { index: c.index, score: brainScore, audio: c.audio, embedding: clipVec };
      ctx.progress?.update(++done);
    }
    const kept = (ctx.select === 'brain' ? bestBrain : bestEmb) as NonNullable<Best>;
    const other = ctx.select === 'brain' ? bestEmb : bestBrain;
    out.push({
      clip: target.clip,
      kept: kept.index,
      bestByEmbedding: (bestEmb as NonNullable<Best>).index,
      ...(bestBrain ? { bestByBrain: bestBrain.index } : {}),
      audio: kept.audio,
      sampleRate: ctx.sampleRate,
      embedding: kept.embedding,
      candidates: records,
      attributes: target.attributes,
      ...alternativeOf(ctx.select, other),
    });
  }
  ctx.progress?.finish();
  return out;
}

export const musicgenGenerator: Generator = {
  name: 'musicgen',
  description:
    'MusicGen from a local transformers.js folder (generate.modelDir), prompted with the captions nearest to the embedding, best of N by embedding cosine',
  generate: generateMusicgen,
};
