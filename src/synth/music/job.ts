/**
 * One unit of render work (a score in, an audio file out), shared by the in-process
 * path and the worker threads.
 */
import { writeMp3, writeWav } from '../../audio/index.js';
import { renderScore } from './render.js';
import type { Score } from './score.js';
import { loadSoundfont } from './soundfonts.js';

export type AudioFormat = 'wav' | 'mp3';

export interface RenderJob {
  index: number;
  score: Score;
  /** Absolute output path. */
  path: string;
  format: AudioFormat;
  sampleRate: number;
  targetDbfs: number;
}

export type RenderJobResult =
  | { index: number; error?: undefined; rmsDbfs: number; peak: number; peakLimited: boolean }
  | { index: number; error: string };

export async function renderAndWrite(job: RenderJob, soundfont: string): Promise<RenderJobResult> {
  const bank = await loadSoundfont(soundfont);
  const r = await renderScore(job.score, bank, { sampleRate: job.sampleRate, targetDbfs: job.targetDbfs });
  if (job.format === 'mp3') await writeMp3(job.path, r.samples, r.sampleRate, { kbps: 96 });
  else {
    const w = await writeWav(job.path, r.samples, r.sampleRate);
    if (w.clipped)
      throw new Error(`${w.clipped} samples clipped writing ${job.path} (the loudness rule failed)`);
  }
  return { index: job.index, rmsDbfs: r.rmsDbfs, peak: r.peak, peakLimited: r.peakLimited };
}
