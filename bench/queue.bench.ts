/**
 * The job queue against the local executor on the same work: the encoding of one
 * subject on its full grid (every voxel of the brain mask, every feature space),
 * chunked by voxels, run by `b2m run` in-process (local executor) and by 1, 2 and 4
 * `b2m worker` processes over a throwaway loopback `redis-server`.
 *
 *   node --import tsx bench/queue.bench.ts [--dataset ROOT] [--subject sub-001]
 *     [--features dsp,genre] [--chunk-voxels 512] [--permutations 1000] [--workers 1,2,4]
 *     [--concurrency 1] [--keep DIR]
 *
 * The dataset defaults to the built-in twin (built into the cache if missing). A seed
 * run folder is made first with the stages the encoding does not need done (preparation,
 * embeddings, one cheap decoder); each variant starts from a copy of it, so every
 * variant computes exactly the encoding's chunk jobs and their merge. Printed per
 * variant: wall time of the run, of its jobs, chunk jobs per minute, voxel-fits
 * (voxels × spaces) per second, CPU seconds of the worker processes, and whether the
 * encoding folders hold the bytes of the local run (`stage.json`, timings aside).
 * Each worker takes `--concurrency` jobs at once (default 1), each job one BLAS thread.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { resolveConfig } from '../src/pipeline/config.js';
import { BullmqExecutor } from '../src/pipeline/executors/bullmq.js';
import { LocalExecutor } from '../src/pipeline/executors/local.js';
import type { Executor } from '../src/pipeline/executors/types.js';
import { runPipeline } from '../src/pipeline/run.js';
import { ensureTwin } from '../src/pipeline/twin.js';
import { startRedis } from '../src/testing/redis.js';
import { assertSameOutputs } from '../src/testing/same-outputs.js';

const argv = process.argv.slice(2);
const arg = (name: string, def?: string) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : def;
};
const subject = arg('subject', 'sub-001') as string;
const features = (arg('features', 'dsp,genre') as string).split(',');
const chunkVoxels = Number(arg('chunk-voxels', '512'));
const permutations = Number(arg('permutations', '1000'));
const workerCounts = (arg('workers', '1,2,4') as string).split(',').map(Number);
const concurrency = Number(arg('concurrency', '1'));
const keep = arg('keep');
const bin = resolve(import.meta.dirname, '..', 'bin', 'b2m.mjs');

const dataset = arg('dataset')
  ? resolve(arg('dataset') as string)
  : await ensureTwin(0, { log: console.log });
const base = keep ? resolve(keep) : mkdtempSync(join(tmpdir(), 'b2m-queue-bench-'));
const redis = await startRedis();
if (!redis) {
  console.error('redis-server is not installed: apt-get install redis-server');
  process.exit(1);
}

/** The run's config; `encode` off for the seed folder. */
const config = (encode: boolean) =>
  resolveConfig({
    dataset,
    subjects: [subject],
    decode: { decoders: ['encoding-selected'] },
    evaluate: { permutations: 0, bootstrap: 0, trainCv: [], leaveOneGenreOut: [] },
    encode: { enabled: encode, features, chunkVoxels, permutations },
    retrieval: { enabled: false },
    generate: { enabled: false },
    report: { enabled: false },
  });

interface Variant {
  name: string;
  wall: number;
  jobsWall: number;
  chunks: number;
  voxelFits: number;
  workerCpu: number;
  same: string;
}

/**
 * Wall seconds of the jobs (from the run's log), the chunk jobs' count and their
 * voxel-fits (from the `stage.json` of every `encode-chunk` output in the run folder:
 * the manifest lists only the stages the coordinator ran or loaded itself, and a
 * queued run's merge reads the workers' chunks without loading them as stages).
 */
function jobFigures(dir: string, log: string[]): { jobsWall: number; chunks: number; voxelFits: number } {
  const line = log.find((l) => /^jobs: \d+ computed/.test(l)) ?? '';
  const jobsWall = Number(/([\d.]+) s$/.exec(line)?.[1] ?? Number.NaN);
  const chunkDir = join(dir, 'stages', 'encode-chunk');
  // Every chunk is new to the variant: the seed run folder has none.
  const keys = existsSync(chunkDir)
    ? readdirSync(chunkDir).filter((k) => existsSync(join(chunkDir, k, 'stage.json')))
    : [];
  let voxelFits = 0;
  for (const k of keys) {
    const rec = JSON.parse(readFileSync(join(chunkDir, k, 'stage.json'), 'utf8')) as { label: string };
    const m = /voxels (\d+)–(\d+)/.exec(rec.label);
    if (m) voxelFits += Number(m[2]) - Number(m[1]);
  }
  return { jobsWall, chunks: keys.length, voxelFits };
}

/** CPU seconds (user + system) a child has used so far, from /proc (read before it is killed). */
function cpuSeconds(pid: number | undefined): number {
  if (pid === undefined) return 0;
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(f[11]) + Number(f[12])) / 100;
  } catch {
    return Number.NaN;
  }
}

async function runVariant(name: string, workers: number): Promise<Variant> {
  const dir = join(base, name);
  cpSync(join(base, 'seed'), dir, { recursive: true });
  const procs: ChildProcess[] = [];
  let executor: Executor = new LocalExecutor();
  if (workers > 0) {
    for (let i = 0; i < workers; i++) {
      procs.push(
        spawn(
          process.execPath,
          [bin, 'worker', '--redis', redis!.url, '--concurrency', String(concurrency)],
          {
            stdio: 'ignore',
          },
        ),
      );
    }
    // Workers take jobs as soon as they are queued; a few seconds covers their start-up.
    await new Promise((r) => setTimeout(r, 4000));
    executor = new BullmqExecutor({ redis: redis!.url, pollMs: 200 });
  }
  const log: string[] = [];
  const t0 = performance.now();
  try {
    await runPipeline({ config: config(true), out: dir, executor, log: (l) => log.push(l) });
  } finally {
    if (workers > 0) await (executor as BullmqExecutor).close();
  }
  const wall = (performance.now() - t0) / 1000;
  const workerCpu = procs.reduce((a, p) => a + cpuSeconds(p.pid), 0);
  for (const p of procs) p.kill('SIGKILL');
  let same = 'reference';
  if (workers > 0) {
    try {
      assertSameOutputs(join(base, 'local', 'encoding'), join(dir, 'encoding'), { skip: ['stage.json'] });
      same = 'identical';
    } catch (e) {
      same = `DIFFERS: ${(e as Error).message.split('\n')[0]}`;
    }
  }
  return { name, wall, ...jobFigures(dir, log), workerCpu, same };
}

try {
  console.log(
    `queue benchmark: ${dataset}, ${subject}, features ${features.join('+')}, chunks of ${chunkVoxels} voxels, ${permutations} permutations; ${availableParallelism()} cores, load ${loadavg()
      .map((x) => x.toFixed(1))
      .join(' ')}`,
  );
  const t0 = performance.now();
  await runPipeline({ config: config(false), out: join(base, 'seed') });
  console.log(
    `seed run folder (prepare, embeddings, one decoder): ${((performance.now() - t0) / 1000).toFixed(1)} s`,
  );
  const results: Variant[] = [await runVariant('local', 0)];
  for (const w of workerCounts) results.push(await runVariant(`bullmq-${w}`, w));
  const local = results[0]!;
  console.log(
    '\nvariant      run wall s  jobs wall s  chunk jobs  chunks/min  voxel-fits/s  vs local  worker CPU s  outputs',
  );
  for (const r of results) {
    console.log(
      `${r.name.padEnd(12)} ${r.wall.toFixed(1).padStart(10)} ${r.jobsWall.toFixed(1).padStart(12)} ${String(r.chunks).padStart(11)} ${((r.chunks / r.jobsWall) * 60).toFixed(1).padStart(11)} ${(r.voxelFits / r.jobsWall).toFixed(0).padStart(13)} ${(local.jobsWall / r.jobsWall).toFixed(2).padStart(9)}× ${(r.name === 'local' ? '–' : r.workerCpu.toFixed(1)).padStart(12)}  ${r.same}`,
    );
  }
  console.log(
    `load average after: ${loadavg()
      .map((x) => x.toFixed(1))
      .join(' ')}`,
  );
} finally {
  await redis.stop();
  if (!keep) rmSync(base, { recursive: true, force: true });
}
