/**
 * Banded ridge (src/ridge/banded.ts) at the twin's encoding size: X 1,920 training
 * scans (12 runs of 160) × 1,750 delayed features in two spaces (1,500 + 250), Y a
 * batch of voxels driven by A, by B, by both or by neither; leave-one-run-out CV, the
 * encode module's 17 alphas, the same Dirichlet candidates for every contender.
 *
 * Contenders, side by side on the same files, each in a fresh process (so its peak RSS
 * is its own, inputs included; times cover the search and refit, not reading files):
 * - ours: `fitBandedRidgeCV` (scaled features through the ridge engine, native backend);
 * - the numpy reference `scripts/fixtures/banded_ridge.py --bench` (himalaya's kernel
 *   form: per candidate and fold, eigh of the centred training kernel), float32;
 * - himalaya's `MultipleKernelRidgeCV(solver="random_search")` when `import himalaya`
 *   works (it is not a Debian package; the bench says so when it is missing).
 * It also reports how often ours and the reference pick the same (candidate, alpha).
 *
 *   node --import tsx bench/encode-banded.bench.ts [--voxels 2000] [--iter 10] [--repeats 3] [--timeout 1800]
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ENCODE_DEFAULTS } from '../src/encode/fit.js';
import { readNpy, readNpyMatrix, writeNpy } from '../src/io/npy.js';
import type { Matrix } from '../src/linalg/matrix.js';
import { dirichletCandidates, fitBandedRidgeCV } from '../src/ridge/banded.js';
import { Rng } from '../src/util/rng.js';
import { findPython } from './lib/python.js';

const RUNS = 12;
const PER_RUN = 160;
const PA = 1500;
const PB = 250;

interface Result {
  seconds: number;
  peakRssMB: number;
  candidate?: number[];
  alpha?: number[];
  note?: string;
}

function median(v: number[]): number {
  const s = [...v].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

function parseResult(stdout: string): Result | null {
  const line = stdout.split('\n').find((l) => l.startsWith('RESULT '));
  return line ? (JSON.parse(line.slice(7)) as Result) : null;
}

async function makeProblem(dir: string, t: number, nIter: number): Promise<void> {
  const rng = new Rng('encode-banded-bench');
  const n = RUNS * PER_RUN;
  const p = PA + PB;
  // Smooth-ish features (AR(1) over scans), like delayed stimulus features.
  const X = new Float32Array(n * p);
  for (let c = 0; c < p; c++) {
    let prev = 0;
    for (let i = 0; i < n; i++) {
      prev = 0.7 * prev + rng.normal();
      X[i * p + c] = prev;
    }
  }
  const Y = new Float32Array(n * t);
  const k = 16; // the signal lives in a few directions of each space
  const dirA = Array.from({ length: k }, () => rng.int(0, PA - 1));
  const dirB = Array.from({ length: k }, () => PA + rng.int(0, PB - 1));
  for (let j = 0; j < t; j++) {
    const kind = j % 4; // 0: A, 1: B, 2: both, 3: none
    const wa = kind === 0 || kind === 2 ? dirA.map(() => rng.normal() / Math.sqrt(k)) : null;
    const wb = kind === 1 || kind === 2 ? dirB.map(() => rng.normal() / Math.sqrt(k)) : null;
    const noise = 1 + 2 * rng.uniform();
    for (let i = 0; i < n; i++) {
      let s = 0;
      if (wa) for (let q = 0; q < k; q++) s += (wa[q] as number) * (X[i * p + (dirA[q] as number)] as number);
      if (wb) for (let q = 0; q < k; q++) s += (wb[q] as number) * (X[i * p + (dirB[q] as number)] as number);
      Y[i * t + j] = s + noise * rng.normal();
    }
  }
  const gammas = dirichletCandidates(nIter, 2, [0.1, 1], 0);
  await writeNpy(join(dir, 'X.npy'), X, [n, p]);
  await writeNpy(join(dir, 'Y.npy'), Y, [n, t]);
  await writeNpy(
    join(dir, 'groups.npy'),
    Int32Array.from({ length: n }, (_, i) => Math.floor(i / PER_RUN)),
    [n],
  );
  await writeNpy(
    join(dir, 'bands.npy'),
    Int32Array.from({ length: p }, (_, c) => (c < PA ? 0 : 1)),
    [p],
  );
  await writeNpy(join(dir, 'gammas.npy'), Float64Array.from(gammas.flat()), [nIter, 2]);
  await writeNpy(join(dir, 'alphas.npy'), Float64Array.from(ENCODE_DEFAULTS.alphas), [
    ENCODE_DEFAULTS.alphas.length,
  ]);
}

async function child(dir: string): Promise<void> {
  const X = await readNpyMatrix(join(dir, 'X.npy'));
  const Y = await readNpyMatrix(join(dir, 'Y.npy'));
  const groups = (await readNpy(join(dir, 'groups.npy'))).data as Int32Array;
  const bands = (await readNpy(join(dir, 'bands.npy'))).data as Int32Array;
  const g = await readNpyMatrix(join(dir, 'gammas.npy'));
  const alphas = Array.from((await readNpy(join(dir, 'alphas.npy'))).data as Float64Array);
  const gammas = Array.from({ length: g.rows }, (_, i) => Array.from(g.row(i)));
  const t0 = performance.now();
  const fit = await fitBandedRidgeCV(X as Matrix, Y as Matrix, {
    bands,
    gammas,
    alphas,
    cv: { kind: 'groups', groups },
    score: 'r2',
    dtype: 'float32',
  });
  const seconds = (performance.now() - t0) / 1000;
  const peakRssMB = process.resourceUsage().maxRSS / 1024;
  const out: Result = {
    seconds,
    peakRssMB,
    candidate: Array.from(fit.candidate),
    alpha: Array.from(fit.model.alphas),
    note: `${fit.model.info.solver} solver per candidate, float32, ${fit.model.info.backend}`,
  };
  process.stdout.write(`RESULT ${JSON.stringify(out)}\n`);
}

function run(cmd: string, args: string[], timeoutS: number): Result | string {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: timeoutS * 1000, maxBuffer: 1 << 26 });
  if (r.error && (r.error as NodeJS.ErrnoException).code === 'ETIMEDOUT') return `killed after ${timeoutS} s`;
  return parseResult(r.stdout) ?? `failed: ${r.stderr.trim().split('\n').slice(-3).join(' ')}`;
}

const PY_HIMALAYA = `
import sys, time, json, resource, numpy as np
from himalaya.backend import set_backend
from himalaya.kernel_ridge import MultipleKernelRidgeCV, Kernelizer, ColumnKernelizer
from himalaya.scoring import r2_score
from sklearn.model_selection import PredefinedSplit
d = sys.argv[1]
X, Y = np.load(d + '/X.npy'), np.load(d + '/Y.npy')
groups, bands = np.load(d + '/groups.npy'), np.load(d + '/bands.npy')
gammas, alphas = np.load(d + '/gammas.npy'), np.load(d + '/alphas.npy')
set_backend('numpy')
t0 = time.perf_counter()
ck = ColumnKernelizer([(f'b{b}', Kernelizer(kernel='linear'), np.flatnonzero(bands == b)) for b in np.unique(bands)])
Ks = ck.fit_transform(X)
m = MultipleKernelRidgeCV(kernels='precomputed', solver='random_search', cv=PredefinedSplit(groups),
    solver_params=dict(n_iter=gammas, alphas=alphas, score_func=r2_score, progress_bar=False))
m.fit(Ks, Y)
sec = time.perf_counter() - t0
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print('RESULT ' + json.dumps(dict(seconds=sec, peakRssMB=peak, note='himalaya MultipleKernelRidgeCV random_search, numpy backend')))
`;

function fmt(name: string, r: Result | string, ours: Result | string): string {
  if (typeof r === 'string') return `  ${name.padEnd(34)} ${r}`;
  const ratio = typeof ours !== 'string' ? `${(r.seconds / ours.seconds).toFixed(2)}×` : '–';
  return `  ${name.padEnd(34)} ${r.seconds.toFixed(1).padStart(8)} s ${r.peakRssMB.toFixed(0).padStart(7)} MiB ${ratio.padStart(8)}${r.note ? `   ${r.note}` : ''}`;
}

function medianOf(runs: (Result | string)[]): Result | string {
  const ok = runs.filter((r): r is Result => typeof r !== 'string');
  if (ok.length === 0) return runs[0] ?? 'not run';
  return {
    ...ok[0]!,
    seconds: median(ok.map((r) => r.seconds)),
    peakRssMB: Math.max(...ok.map((r) => r.peakRssMB)),
  };
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (args[0] === '--child') return child(args[1]!);
  const opt = (name: string, def: number) => {
    const i = args.indexOf(name);
    return i >= 0 ? Number(args[i + 1]) : def;
  };
  const t = opt('--voxels', 2000);
  const nIter = opt('--iter', 10);
  const repeats = opt('--repeats', 1);
  const timeoutS = opt('--timeout', 1800);
  const dir = mkdtempSync(join(tmpdir(), 'b2m-banded-bench-'));
  try {
    await makeProblem(dir, t, nIter);
    const py = findPython(['numpy']);
    const hasHimalaya =
      py !== null && spawnSync(py, ['-c', 'import himalaya'], { stdio: 'ignore' }).status === 0;
    process.stdout.write(
      `banded ridge: X ${RUNS * PER_RUN} × ${PA + PB} (bands ${PA} + ${PB}) → ${t} voxels, leave-one-run-out (${RUNS} runs), ${ENCODE_DEFAULTS.alphas.length} alphas, ${nIter} candidates; ${repeats} repeat(s), medians\n`,
    );
    const self = fileURLToPath(import.meta.url);
    const ref = join(fileURLToPath(new URL('../scripts/fixtures/banded_ridge.py', import.meta.url)));
    const oursRuns: (Result | string)[] = [];
    const refRuns: (Result | string)[] = [];
    for (let r = 0; r < repeats; r++) {
      oursRuns.push(run(process.execPath, ['--import', 'tsx', self, '--child', dir], timeoutS));
      if (py) refRuns.push(run(py, [ref, '--bench', dir], timeoutS));
    }
    const ours = medianOf(oursRuns);
    const numpyRef = py ? medianOf(refRuns) : 'no python3 with numpy';
    const him = hasHimalaya
      ? run(py!, ['-c', PY_HIMALAYA, dir], timeoutS)
      : 'not run: `import himalaya` fails (not installed; it is not a Debian package)';
    process.stdout.write(
      `  ${'contender'.padEnd(34)} ${'wall'.padStart(10)} ${'peak RSS'.padStart(11)} ${'÷ ours'.padStart(8)}\n`,
    );
    process.stdout.write(`${fmt('b2m fitBandedRidgeCV', ours, ours)}\n`);
    process.stdout.write(`${fmt('numpy reference (kernel form)', numpyRef, ours)}\n`);
    process.stdout.write(`${fmt('himalaya MultipleKernelRidgeCV', him, ours)}\n`);
    if (typeof ours !== 'string' && typeof numpyRef !== 'string' && ours.candidate && numpyRef.candidate) {
      let same = 0;
      for (let j = 0; j < t; j++)
        if (ours.candidate[j] === numpyRef.candidate[j] && ours.alpha![j] === numpyRef.alpha![j]) same++;
      process.stdout.write(
        `  same (candidate, alpha) as the reference: ${same} of ${t} voxels (float32 on both sides)\n`,
      );
    }
    const X = await readNpyMatrix(join(dir, 'X.npy'));
    process.stdout.write(
      `  (X ${X.rows} × ${X.cols} float32: ${(X.data.byteLength / 2 ** 20).toFixed(0)} MiB)\n`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
