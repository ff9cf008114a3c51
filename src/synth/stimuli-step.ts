/**
 * Cuts the stimuli from the source tracks with the audio module's cutter (as the
 * real dataset did: excerpt, 2-s sine fades, RMS normalised to the set mean), then
 * computes the per-scan-bin acoustic features from the written stimulus files —
 * the audio actually played. Only the features are kept in memory.
 */
import { join } from 'node:path';
import { cutStimuli } from '../audio/stimuli.js';
import type { Clip } from '../fmri/design.js';
import type { ProgressSink } from '../util/progress.js';
import { mapInWorkers } from '../util/worker-pool.js';
import type { StimulusFeaturesJob } from './stimulus-features-task.js';

const TASK = new URL('./stimulus-features-task.ts', import.meta.url);

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
  progress.start('stimulus features', clips.length);
  // Decoding and the feature transforms are per clip and CPU-bound: one thread per core.
  let done = 0;
  const out = await mapInWorkers<StimulusFeaturesJob, { acoustic: Float64Array; peak: number }>(
    TASK,
    clips.map((c) => ({ path: join(dir, `${c.id}.wav`), tr })),
    { onResult: () => progress.update(++done) },
  );
  // In clip order, whatever order the threads finished in.
  const acoustic = new Map(clips.map((c, i) => [c.id, (out[i] as { acoustic: Float64Array }).acoustic]));
  const peak = out.reduce((m, r) => Math.max(m, r.peak), 0);
  progress.finish();
  return { acoustic, peak };
}
