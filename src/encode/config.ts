/** The `encode` section of the run configuration (the encoding stage fills it in). */
import { z } from 'zod';

export const EncodeConfigSchema = z.strictObject({
  enabled: z.boolean().default(true),
  /** Feature spaces (registry names; `a+b` stacks spaces). */
  features: z.array(z.string()).default(['dsp', 'genre']),
  /** FIR delays in scans. */
  delays: z.array(z.number().int().min(0)).default([1, 2, 3, 4]),
  /** Subjects to encode (default: every subject of the run). */
  subjects: z.array(z.string()).optional(),
  /**
   * Also fit banded ridge over all `features` (one alpha per space, random search over
   * kernel weights) and partition R² into unique and shared parts (≥ 2 spaces, no part in common).
   */
  banded: z.boolean().default(false),
  /** Kernel-weight candidates of the banded search. */
  bandedIter: z.number().int().min(1).default(20),
  permutations: z.number().int().min(0).default(1000),
  fdrQ: z.number().gt(0).lt(1).default(0.05),
  fwer: z.boolean().default(false),
  /**
   * Most voxels whose test time courses (measured and predicted) are kept for the studio:
   * the atlas's cortical voxels, or the best-r ones when there are more; 0 keeps none.
   */
  timecourseVoxels: z.number().int().min(0).default(2000),
  /**
   * Voxels per encoding job: each feature space is fitted in jobs of at most this many
   * voxels (spread over the executor's workers), then merged for whole-brain statistics.
   * A job's memory grows with it (see docs/queue.md, "Sizing encode.chunkVoxels").
   */
  chunkVoxels: z
    .number({ error: 'must be a number of voxels, e.g. 20000' })
    .int({ error: 'must be a whole number of voxels, e.g. 20000' })
    .min(1, { error: 'must be at least 1 voxel per encoding job (default 20000)' })
    .default(20000),
});
export type EncodeConfig = z.infer<typeof EncodeConfigSchema>;
