/**
 * The demo's budget: `npm run demo` from nothing (an empty cache folder: the twin is
 * built, the stimuli and library embedded) and then again with everything cached (a
 * new run folder, so only the run-folder stages are redone from cached inputs), and a
 * third time on the same run folder (every stage loaded). Prints wall time and the
 * peak resident memory the run recorded in its manifest. Targets (issue): < 15 min
 * fresh and < 3 min cached on 2 cores, peak < 4 GB.
 *
 *   npm run bench:demo            # uses a temporary cache folder (≈ 10 min)
 *   B2M_BENCH_KEEP=1 npm run bench:demo   # keep the folder to look at the run
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = mkdtempSync(join(tmpdir(), 'b2m-bench-demo-'));
// As `npm run demo` runs it (package.json): freed memory reused, not returned to the system.
const env = {
  ...process.env,
  B2M_CACHE_DIR: join(root, 'cache'),
  GLIBC_TUNABLES:
    process.env.GLIBC_TUNABLES ?? 'glibc.malloc.mmap_max=0:glibc.malloc.trim_threshold=68719476736',
};

function demo(out: string): { seconds: number; peakGiB: number } {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, ['bin/b2m.mjs', 'demo', '--out', out], {
    env,
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  if (r.status !== 0) throw new Error(`demo exited with ${r.status}`);
  const seconds = (performance.now() - t0) / 1000;
  const m = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')) as {
    peakRssBytes?: number;
    stages: Array<{ peakRssBytes: number }>;
  };
  const peak = Math.max(m.peakRssBytes ?? 0, ...m.stages.map((s) => s.peakRssBytes));
  return { seconds, peakGiB: peak / 2 ** 30 };
}

const rows: Array<[string, { seconds: number; peakGiB: number }]> = [];
rows.push(['fresh (twin built, everything computed)', demo(join(root, 'run-1'))]);
rows.push(['cached inputs, new run folder', demo(join(root, 'run-2'))]);
rows.push(['same run folder again', demo(join(root, 'run-2'))]);
console.log('\ncase                                      wall (s)   peak RSS (GiB)');
for (const [name, r] of rows)
  console.log(`${name.padEnd(42)}${r.seconds.toFixed(0).padStart(8)}   ${r.peakGiB.toFixed(2).padStart(8)}`);
if (!process.env.B2M_BENCH_KEEP) rmSync(root, { recursive: true, force: true });
else console.log(`kept ${root}`);
