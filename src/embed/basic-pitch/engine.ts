/** What a basic-pitch engine does: model frames in, the three activation heads out. */

/** Activations of `nb` model frames: nb × 172 × 88, nb × 172 × 88, nb × 172 × 264 (row-major). */
export interface PitchHeads {
  notes: Float32Array;
  onsets: Float32Array;
  contours: Float32Array;
}

export interface PitchEngine {
  /** frames: nb × 43,844 samples at 22,050 Hz, row-major. */
  run(frames: Float32Array, nb: number): Promise<PitchHeads>;
  dispose(): Promise<void>;
}
