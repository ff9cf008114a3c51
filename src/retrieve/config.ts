/** The `retrieval` section of the run configuration. */
import { z } from 'zod';

export const RetrievalConfigSchema = z.strictObject({
  enabled: z.boolean().default(true),
  /** Folder of library audio; default: the dataset's `sourcedata/library/` when present. */
  library: z.string().optional(),
  /** Retrieved tracks kept per test clip (audio written for the first `audioTopK`). */
  topK: z.number().int().min(1).default(5),
  audioTopK: z.number().int().min(0).default(3),
  /** Length of the audio excerpts written (seconds). */
  excerptSeconds: z.number().positive().default(15),
});
export type RetrievalConfig = z.infer<typeof RetrievalConfigSchema>;
