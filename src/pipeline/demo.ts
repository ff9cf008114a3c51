/**
 * `npm run demo`: the main job on the built-in default — the synthetic twin of
 * ds003720 (built once into the cache), every subject, every decoder, evaluation,
 * retrieval and the later stages — with the paper's settings. It is a config plus
 * `runPipeline`, nothing the library lacks.
 */

import type { ProgressSink } from '../util/progress.js';
import { type RunConfigInput, resolveConfig } from './config.js';
import { type RunResult, runPipeline } from './run.js';

/**
 * The demo's configuration: the defaults (the paper's), on the built-in twin, with two
 * changes to fit a laptop's 15 minutes:
 * - the encoding maps compare a low-level acoustic space (the `dsp` modulation block)
 *   with the high-level control (one-hot genre), instead of the whole 383-d `dsp`
 *   embedding (4× the ridge features; `--set encode.features=[dsp,genre]`);
 * - generation keeps the best of 2 candidates per clip instead of 8 (the stage's cost is
 *   ∝ N: ≈ 4.5 min of the demo at 2, ≈ 4× that at 8; `--set generate.candidates=8`).
 */
export const DEMO_CONFIG: RunConfigInput = {
  encode: { features: ['dsp-modulation', 'genre'] },
  generate: { candidates: 2 },
};

export async function runDemo(o: {
  out: string;
  sets?: Partial<RunConfigInput>;
  progress?: ProgressSink;
  log?: (line: string) => void;
}): Promise<RunResult> {
  const config = resolveConfig({ ...DEMO_CONFIG, ...o.sets }, 'demo config');
  return runPipeline({ config, out: o.out, progress: o.progress, log: o.log });
}
