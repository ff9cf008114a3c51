/** The `generate` section of the run configuration (the generation stage fills it in). */
import { z } from 'zod';
import { DEFAULT_CANDIDATES } from './run.js';

export const GenerateConfigSchema = z.strictObject({
  enabled: z.boolean().default(true),
  generators: z.array(z.string()).default(['composer']),
  /**
   * Candidates drawn per clip, best of N kept (default 8; the demo draws 2 to fit its
   * laptop budget: the stage's cost is ∝ N, docs/generation.md § Budget).
   */
  candidates: z.number().int().min(1).default(DEFAULT_CANDIDATES),
  /** Which score keeps a candidate: cosine to the predicted embedding, or the predicted brain response (needs encoding). */
  select: z.enum(['embedding', 'brain']).default('embedding'),
  /** Soundfont the composer renders with (see SOUNDFONTS). */
  soundfont: z.string().default('fluidr3mono'),
  /** Folder of a neural generator's weights (e.g. MusicGen ONNX), for generators that need one. */
  modelDir: z.string().optional(),
  params: z.record(z.string(), z.record(z.string(), z.unknown())).default({}),
});
export type GenerateConfig = z.infer<typeof GenerateConfigSchema>;
