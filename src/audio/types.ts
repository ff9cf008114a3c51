/** Decoded audio: one Float32Array per channel, samples in [-1, 1], all the same length. */
export interface AudioData {
  /** Samples per second (Hz), a positive integer. */
  sampleRate: number;
  /** channels[c]: n_samples, float32, nominal range [-1, 1]. */
  channels: Float32Array[];
}

/** The sample rates every function here accepts: a documented range, not a guess. */
export const MIN_SAMPLE_RATE = 1000;
export const MAX_SAMPLE_RATE = 384_000;
