/**
 * Cuts the stimuli from the source tracks with the audio module's cutter (as the
 * real dataset did: excerpt, 2-s sine fades, RMS normalised to the set mean), then
 * computes the per-scan-bin acoustic features from the written stimulus files —
 * the audio actually played. Only the features are kept in memory.
 */
import { join } from 'node:path';
import { decodeAudioFile, toMono } from '../audio/decode.js';
import { cutStimuli } from '../audio/stimuli.js';
import type { Clip } from '../fmri/design.js';
import type { ProgressSink } from '../util/progress.js';
import { acousticFeatures } from './brain/features.js';

export interface StimulusFeatures {
  /** clip id → n_bins × n_acoustic (row-major, raw, not standardised). */
  acoustic: Map<string, Float64Array>;
  /** Peak absolute sample over all written stimuli (< 1: no clipping). */
  peak: number;
}

export async function cutStimuliAndFeatures(
  root: string,
  clips: readonly Clip[],
  tr: number,
  progress: ProgressSink,
): Promise<StimulusFeatures> {
  const dir = join(root, 'stimuli');
  await cutStimuli(
    clips.map((c) => ({ id: c.id, genre: c.genre, track: c.track, start: c.start, end: c.end })),
    join(root, 'sourcedata', 'gtzan'),
    dir,
    { progress },
  );
  const acoustic = new Map<string, Float64Array>();
  let peak = 0;
  progress.start('stimulus features', clips.length);
  for (const [k, clip] of clips.entries()) {
    const audio = await decodeAudioFile(join(dir, `${clip.id}.wav`));
    const x = toMono(audio);
    for (let i = 0; i < x.length; i++) peak = Math.max(peak, Math.abs(x[i] as number));
    acoustic.set(clip.id, acousticFeatures(x, audio.sampleRate, tr).data);
    progress.update(k + 1);
  }
  progress.finish();
  return { acoustic, peak };
}
