/**
 * The generation contract: a generator turns conditioning targets (a predicted
 * clip embedding and the attributes probed from it) into one kept 15-s sample per
 * target, plus the record of every candidate it drew and how each scored.
 */
import type { EmbedderOptions } from '../embed/registry.js';
import type { WindowSpec } from '../embed/types.js';
import type { Matrix } from '../linalg/matrix.js';
import type { TrackAttributes } from '../synth/music/index.js';
import type { ProgressSink } from '../util/progress.js';
import type { AnchorEstimate } from './anchor-score.js';
import type { CaptionPrompter, PromptNeighbour } from './captions.js';
import type { CandidateRequest } from './condition.js';
import type { JobPool } from './pool.js';
import type { PredictedAttributes } from './probes.js';

/** One thing to generate for. */
export interface GenerationTarget {
  clip: string;
  /** Standardised clip-level embedding to condition on and to select against: dim. */
  embedding: Float32Array;
  attributes: PredictedAttributes;
  /** Seed label unique to (run seed, subject, condition, clip): the candidates' streams derive from it. */
  seed: string;
  /**
   * Library tracks retrieved for this target, best first (`anchored` varies their
   * scores): ids of tracks the twin composed (`genre.000XX`).
   */
  anchors?: readonly string[];
}

/**
 * Best-of-N by the brain (Ciferri et al. 2025): the candidate whose predicted
 * response is closest (Pearson r) to the measured one. The encoding stage
 * supplies `predict` (its `predictBrainResponse`).
 */
export interface BrainSelection {
  /** features: n_candidates × dim (standardised clip-level) → predicted response n_candidates × n_voxels. */
  predict(features: Matrix<Float32Array>): Promise<Matrix>;
  /** The measured test response of a clip: n_voxels. */
  measured(clip: string): ArrayLike<number>;
}

export interface GeneratorContext {
  /** Candidates drawn per target (≥ 1). */
  candidates: number;
  /** Length of a sample in seconds (15) and its rate (22,050 Hz). */
  durationS: number;
  sampleRate: number;
  /** RMS level to render at, dBFS (the stimuli's mean, so loudness is comparable). */
  targetDbfs: number;
  windows: WindowSpec;
  /** The run's embedder, by registry name (workers create their own). */
  embedder: { name: string; options?: EmbedderOptions };
  /** Raw window embeddings (n_windows × dim) → the standardised clip-level vector (dim). */
  toClip(raw: Matrix<Float32Array>): Float32Array;
  soundfont: string;
  /** The twin's music seed (derivatives/simulation/music/tracks.json `seed`): recomposes its library tracks exactly. */
  anchorSeed?: number;
  /**
   * The audio of a retrieved library clip by id (mono samples and their rate), for
   * `anchored`'s real-audio route: a clip the twin did not compose is transcribed
   * with basic-pitch and its notes varied (anchor-audio.ts).
   */
  anchorAudio?: (id: string) => Promise<{ samples: Float32Array; sampleRate: number }>;
  /** Rendering/embedding threads (persistent across calls; see pool.ts). */
  pool: JobPool;
  /** Which score keeps a candidate: cosine to the target embedding, or the brain's. */
  select: 'embedding' | 'brain';
  brain?: BrainSelection;
  /** Folder of a neural generator's weights (`generate.modelDir`; `musicgen` needs it). */
  modelDir?: string;
  /** Embedding → caption prompts, fitted on training clips (text-conditioned generators need it). */
  prompter?: CaptionPrompter;
  progress?: ProgressSink;
}

/** What a text-conditioned candidate was prompted with, and how it was sampled. */
export interface PromptRecord {
  text: string;
  /** The training clip the caption belongs to, and its cosine to the target in caption space. */
  source: PromptNeighbour['clip'];
  similarity: number;
  /** Rank of that clip among the target's nearest captions (0 = nearest). */
  rank: number;
}

/**
 * How an `anchored` candidate was grown. `composed-score`: the twin's composer
 * re-run on the track's own seed stream. `transcribed-audio`: the clip's
 * basic-pitch transcription, with the tempo, key and note count estimated from it,
 * varied toward the request (stretch = source / output seconds; GM programs).
 */
export interface AnchorRecord {
  id: string;
  route: 'composed-score' | 'transcribed-audio';
  estimate?: AnchorEstimate;
  programs?: { lead: number; bass?: number };
  stretch?: number;
}

/** One drawn candidate, as the record keeps it. */
export interface CandidateRecord {
  index: number;
  /** Cosine between the candidate's embedding and the target's. */
  score: number;
  /** Pearson r between predicted and measured brain response (when a brain selection ran). */
  brainScore?: number;
  /** The composer's request (composer, anchored). */
  request?: CandidateRequest;
  /** The text prompt (musicgen). */
  prompt?: PromptRecord;
  /** Sampling settings of a neural generator (seed, tokens, guidance…), as passed to it. */
  settings?: Record<string, number | string | boolean>;
  /** `anchored`: which anchor was varied, by which route, and what was estimated from it. */
  anchor?: AnchorRecord;
  /** What was composed, measured from the notes (composer, anchored). */
  composed?: Pick<
    TrackAttributes,
    | 'genre'
    | 'tempo'
    | 'meter'
    | 'swing'
    | 'key'
    | 'mode'
    | 'instruments'
    | 'parts'
    | 'energy'
    | 'valence'
    | 'mood'
    | 'noteRate'
  >;
}

export interface GeneratedClip {
  clip: string;
  /** Index of the kept candidate (by `select`), and of the best by each score. */
  kept: number;
  bestByEmbedding: number;
  bestByBrain?: number;
  /** The kept sample: mono, `sampleRate`, `durationS` long. */
  audio: Float32Array;
  sampleRate: number;
  /** The kept sample's standardised clip-level embedding: dim. */
  embedding: Float32Array;
  candidates: CandidateRecord[];
  attributes: PredictedAttributes;
  /**
   * When candidates were scored by the brain too: the best by the score that did not
   * decide `kept`, so both selections can be measured side by side.
   */
  alternative?: {
    select: 'embedding' | 'brain';
    index: number;
    audio: Float32Array;
    embedding: Float32Array;
  };
}

export interface Generator {
  readonly name: string;
  readonly description: string;
  generate(targets: readonly GenerationTarget[], ctx: GeneratorContext): Promise<GeneratedClip[]>;
}
