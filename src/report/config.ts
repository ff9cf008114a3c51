/** The `report` section of the run configuration (the report stage fills it in). */
import { z } from 'zod';

export const ReportConfigSchema = z.strictObject({
  enabled: z.boolean().default(true),
  /** Subject whose clips are shown first. */
  subject: z.string().optional(),
});
export type ReportConfig = z.infer<typeof ReportConfigSchema>;
