/** The `evaluate` section of the run configuration. */
import { z } from 'zod';

export const EvaluateConfigSchema = z.strictObject({
  /** Label permutations for identification p-values (≥ 1,000 for p < 0.001 to be reachable). */
  permutations: z.number().int().min(0).default(1000),
  /** Bootstrap resamples over clips for 95 % CIs. */
  bootstrap: z.number().int().min(0).default(1000),
  /** Outer folds (grouped by training run) for cross-validated training identification. */
  trainCvFolds: z.number().int().min(2).default(5),
  /**
   * Decoders that also get cross-validated training identification (the whole
   * procedure refitted per outer fold: `trainCvFolds` more fits each). The cheap linear
   * decoder by default, to keep the demo's budget; list others to compare overfitting.
   */
  trainCv: z.array(z.string()).default(['whole-cortex']),
  /** Decoders that also get leave-one-genre-out generalisation (10 refits each). */
  leaveOneGenreOut: z.array(z.string()).default(['whole-cortex']),
});
export type EvaluateConfig = z.infer<typeof EvaluateConfigSchema>;
