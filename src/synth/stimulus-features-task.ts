/** Worker task of the twin's stimulus features: one written stimulus → its per-bin acoustic features and peak. */
import { decodeAudioFile, toMono } from '../audio/decode.js';
import { acousticFeatures } from './brain/features.js';

export interface StimulusFeaturesJob {
  path: string;
  tr: number;
}

/** `acoustic`: n_bins × n_acoustic (row-major, raw); `peak`: max |sample|. */
export default async function features(
  job: StimulusFeaturesJob,
): Promise<{ acoustic: Float64Array; peak: number }> {
  const audio = await decodeAudioFile(job.path);
  const x = toMono(audio);
  let peak = 0;
  for (let i = 0; i < x.length; i++) peak = Math.max(peak, Math.abs(x[i] as number));
  return { acoustic: acousticFeatures(x, audio.sampleRate, job.tr).data, peak };
}
