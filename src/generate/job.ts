/**
 * One candidate's work, the same in the main thread and in a worker: compose
 * under the request's conditioning, render with the soundfont, describe what was
 * composed, and embed the audio with the run's embedder.
 */
import { decodeAudioFile, toMono } from '../audio/decode.js';
import { encodeMp3 } from '../audio/encode.js';
import { prepareAudio } from '../embed/prepare.js';
import { createEmbedder, type EmbedderOptions } from '../embed/registry.js';
import type { Embedder, WindowSpec } from '../embed/types.js';
import { type AcousticSummary, analyseAudio } from '../evaluate/reconstruction/acoustic.js';
import type { Conditioning } from '../synth/music/index.js';
import {
  compose,
  describe,
  type Genre,
  loadSoundfont,
  renderScore,
  type Score,
  type TrackAttributes,
} from '../synth/music/index.js';
import { Rng } from '../util/rng.js';

export interface CandidateJob {
  kind: 'candidate';
  index: number;
  /** Seed label of the candidate's composer stream. */
  seed: string;
  genre: Genre;
  condition: Conditioning;
  durationS: number;
  sampleRate: number;
  /** Target RMS level, dBFS. */
  targetDbfs: number;
  windows: WindowSpec;
}

/**
 * Render a given score and embed it (the real-audio route of `anchored`: the
 * score is a varied transcription, built in the main thread).
 */
export interface ScoreJob {
  kind: 'score';
  index: number;
  score: Score;
  sampleRate: number;
  /** Target RMS level, dBFS. */
  targetDbfs: number;
  windows: WindowSpec;
}

/** Acoustic analysis of a file (its first `maxSeconds`) or of given samples. */
export interface AnalyseJob {
  kind: 'analyse';
  index: number;
  path?: string;
  samples?: Float32Array;
  sampleRate?: number;
  maxSeconds?: number;
}

export interface AnalyseResult {
  kind: 'analyse';
  index: number;
  summary: AcousticSummary;
}

/** Embedding of given samples (audio a neural generator made in the main thread). */
export interface EmbedJob {
  kind: 'embed';
  index: number;
  samples: Float32Array;
  sampleRate: number;
  windows: WindowSpec;
}

export interface EmbedResult {
  kind: 'embed';
  index: number;
  /** Raw window embeddings: rows × cols. */
  rows: number;
  cols: number;
  embedding: Float32Array;
}

/** MP3 encoding of given samples (runs on the pool too, beside rendering). */
export interface Mp3Job {
  kind: 'mp3';
  index: number;
  samples: Float32Array;
  sampleRate: number;
  kbps: number;
}

export interface Mp3Result {
  kind: 'mp3';
  index: number;
  bytes: Uint8Array;
}

export type Job = CandidateJob | ScoreJob | AnalyseJob | Mp3Job | EmbedJob;
export type JobResult = CandidateResult | AnalyseResult | Mp3Result | EmbedResult;

export interface CandidateResult {
  kind: 'candidate';
  index: number;
  samples: Float32Array;
  /** What was composed, measured from the notes (absent for a ScoreJob: no composition to describe). */
  composed?: TrackAttributes;
  /** Raw window embeddings: rows × cols. */
  rows: number;
  cols: number;
  embedding: Float32Array;
}

export interface JobSettings {
  soundfont: string;
  embedder: string;
  embedderOptions: EmbedderOptions;
}

/** Loads the soundfont and the embedder once per thread. */
export class CandidateRunner {
  private embedder: Promise<Embedder> | null = null;
  constructor(readonly settings: JobSettings) {}

  async run(job: Job): Promise<JobResult> {
    if (job.kind === 'mp3') {
      const { bytes } = await encodeMp3(job.samples, job.sampleRate, { kbps: job.kbps });
      return { kind: 'mp3', index: job.index, bytes };
    }
    if (job.kind === 'embed') return this.embedSamples(job);
    if (job.kind === 'score') return this.renderGiven(job);
    return job.kind === 'analyse' ? this.analyse(job) : this.candidate(job);
  }

  async embedSamples(job: EmbedJob): Promise<EmbedResult> {
    this.embedder ??= createEmbedder(this.settings.embedder, this.settings.embedderOptions);
    const emb = await this.embedder;
    const x = prepareAudio({ sampleRate: job.sampleRate, channels: [job.samples] }, emb.sampleRate);
    const E = await emb.embed(x, job.windows);
    return { kind: 'embed', index: job.index, rows: E.rows, cols: E.cols, embedding: E.data };
  }

  async analyse(job: AnalyseJob): Promise<AnalyseResult> {
    let x: Float32Array;
    let sr: number;
    if (job.path !== undefined) {
      const a = await decodeAudioFile(job.path);
      x = toMono(a);
      sr = a.sampleRate;
    } else {
      x = job.samples as Float32Array;
      sr = job.sampleRate as number;
    }
    if (job.maxSeconds !== undefined) x = x.subarray(0, Math.round(job.maxSeconds * sr));
    return { kind: 'analyse', index: job.index, summary: analyseAudio(x, sr) };
  }

  async candidate(job: CandidateJob): Promise<CandidateResult> {
    this.embedder ??= createEmbedder(this.settings.embedder, this.settings.embedderOptions);
    const bank = await loadSoundfont(this.settings.soundfont);
    const c = compose(job.genre, new Rng(job.seed), { durationS: job.durationS, condition: job.condition });
    const r = await renderScore(c.score, bank, { sampleRate: job.sampleRate, targetDbfs: job.targetDbfs });
    const emb = await this.embedder;
    // The embedder's own rate may differ (CLAP: 48 kHz); the embedders' input rules resample.
    const x = prepareAudio({ sampleRate: r.sampleRate, channels: [r.samples] }, emb.sampleRate);
    const E = await emb.embed(x, job.windows);
    return {
      kind: 'candidate',
      index: job.index,
      samples: r.samples,
      composed: describe(job.seed, c),
      rows: E.rows,
      cols: E.cols,
      embedding: E.data,
    };
  }

  async renderGiven(job: ScoreJob): Promise<CandidateResult> {
    const bank = await loadSoundfont(this.settings.soundfont);
    const r = await renderScore(job.score, bank, { sampleRate: job.sampleRate, targetDbfs: job.targetDbfs });
    const e = await this.embedSamples({
      kind: 'embed',
      index: job.index,
      samples: r.samples,
      sampleRate: r.sampleRate,
      windows: job.windows,
    });
    return {
      kind: 'candidate',
      index: job.index,
      samples: r.samples,
      rows: e.rows,
      cols: e.cols,
      embedding: e.embedding,
    };
  }

  async dispose(): Promise<void> {
    if (this.embedder) await (await this.embedder).dispose?.();
  }
}
