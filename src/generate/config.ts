/** The `generate` section of the run configuration (the generation stage fills it in). */
import { z } from 'zod';

export const GenerateConfigSchema = z.strictObject({
  enabled: z.boolean().default(true),
  generators: z.array(z.string()).default(['composer']),
  /** Candidates drawn per clip. */
  candidates: z.number().int().min(1).default(8),
  /** Folder of a neural generator's weights (e.g. MusicGen ONNX), for generators that need one. */
  modelDir: z.string().optional(),
  params: z.record(z.string(), z.record(z.string(), z.unknown())).default({}),
});
export type GenerateConfig = z.infer<typeof GenerateConfigSchema>;
