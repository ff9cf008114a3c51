/** The `generate` section of the run configuration (the generation stage fills it in). */
import { z } from 'zod';

export const GenerateConfigSchema = z.strictObject({
  enabled: z.boolean().default(true),
  generators: z.array(z.string()).default(['composer']),
  /** Candidates drawn per clip (2: about 6 min for 5 subjects × 60 clips on 2 cores, 1: about 5; docs/generation.md). */
  candidates: z.number().int().min(1).default(2),
  /** Which score keeps a candidate: cosine to the predicted embedding, or the predicted brain response (needs encoding). */
  select: z.enum(['embedding', 'brain']).default('embedding'),
  /** Soundfont the composer renders with (see SOUNDFONTS). */
  soundfont: z.string().default('fluidr3mono'),
  /** Folder of a neural generator's weights (e.g. MusicGen ONNX), for generators that need one. */
  modelDir: z.string().optional(),
  params: z.record(z.string(), z.record(z.string(), z.unknown())).default({}),
});
export type GenerateConfig = z.infer<typeof GenerateConfigSchema>;
