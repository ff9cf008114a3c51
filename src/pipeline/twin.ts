/**
 * The built-in default dataset: the synthetic twin of ds003720, built once into the
 * cache folder (`$B2M_CACHE_DIR/twin/seed-N`) and reused. The builder renames the
 * finished folder into place, so a folder with `dataset_description.json` is complete.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { synthesizeDataset } from '../synth/index.js';
import { cacheDir } from '../util/cache-dir.js';
import { type ProgressSink, silentProgress } from '../util/progress.js';

export function twinPath(seed: number, root = cacheDir('twin')): string {
  return join(root, `seed-${seed}`);
}

/** The twin's root, built first when missing (a few minutes, once). */
export async function ensureTwin(
  seed: number,
  o: { root?: string; subjects?: number; progress?: ProgressSink; log?: (line: string) => void } = {},
): Promise<string> {
  const dir = twinPath(seed, o.root);
  if (existsSync(join(dir, 'dataset_description.json'))) {
    o.log?.(`dataset: the synthetic twin (seed ${seed}) from ${dir}`);
    return dir;
  }
  o.log?.(
    `dataset: building the synthetic twin of ds003720 (seed ${seed}) into ${dir} — a few minutes, once`,
  );
  const r = await synthesizeDataset({
    out: dir,
    seed,
    subjects: o.subjects ?? 5,
    progress: o.progress ?? silentProgress,
  });
  o.log?.(
    `dataset: twin built: ${r.subjects.length} subjects, ${r.runs.length} runs, ${r.clips} clips in ${r.seconds.toFixed(0)} s`,
  );
  return dir;
}
