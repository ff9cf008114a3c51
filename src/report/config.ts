/** The `report` section of the run configuration (the report stage fills it in). */
import { z } from 'zod';

export const ReportConfigSchema = z.strictObject({
  enabled: z.boolean().default(true),
  /** Subject whose clips are shown first. */
  subject: z.string().optional(),
  /** Mel spectrogram pictures next to every player (made once per audio file, then reused). */
  spectrograms: z.boolean().default(true),
});
export type ReportConfig = z.infer<typeof ReportConfigSchema>;
