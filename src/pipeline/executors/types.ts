/** The executor contract: carry out a run's jobs (in dependency order) against its run folder. */
import type { JobSpec } from '../jobs.js';
import type { RunFolder } from '../run-folder.js';
import type { StageContext } from '../stage.js';

export interface ExecutionReport {
  /** Jobs computed now. */
  computed: number;
  /** Jobs whose outputs were already in the run folder. */
  cached: number;
  seconds: number;
}

export interface Executor {
  readonly name: string;
  /** Runs every job whose output is missing; resolves when all outputs are in the run folder. */
  run(folder: RunFolder, jobs: readonly JobSpec[], ctx: StageContext): Promise<ExecutionReport>;
  close(): Promise<void>;
}
