/** The `decode` section of the run configuration. */
import { z } from 'zod';

export const DecodeConfigSchema = z.strictObject({
  /** Decoders to compare (registry names, `b2m run --help` lists them). */
  decoders: z
    .array(z.string())
    .min(1)
    .default(['roi-ensemble', 'whole-cortex', 'encoding-selected', 'aligned', 'kernel-rbf']),
  /** Ridge alpha grid: a list, or `logspace:START:STOP:NUM` (powers of ten). */
  alphas: z.union([z.string(), z.array(z.number().positive())]).default('logspace:-2:6:17'),
  /** Inner CV folds (grouped by training run) that choose alphas. */
  cvFolds: z.number().int().min(2).default(5),
  /** Per-decoder settings, merged over each decoder's defaults: `{ "encoding-selected": { "topK": 3000 } }`. */
  params: z.record(z.string(), z.record(z.string(), z.unknown())).default({}),
});
export type DecodeConfig = z.infer<typeof DecodeConfigSchema>;
