/**
 * Ridge with one alpha per target, 5-fold CV, 17 alphas, float32 data, at paper
 * scale: ours against scikit-learn's `RidgeCV(alpha_per_target=True)` (its
 * efficient leave-one-out path) and himalaya's `RidgeCV` (numpy backend, 5-fold)
 * when `import himalaya` works, side by side on the same machine and the same files.
 *
 *   npm run bench:ridge                       full shapes (decoding and encoding), 1 repeat
 *   npm run bench:ridge -- --quick            smaller shapes, 3 repeats (medians)
 *   npm run bench:ridge -- --only encoding --repeats 3 --timeout 900
 *   npm run bench:ridge -- --contenders b2m,sklearn   (skip himalaya)
 *
 * Shapes: decoding X 1,920 × 60,000 → Y 512 targets; encoding X 4,800 × 2,048 →
 * Y 60,000 targets. Every measurement runs in a fresh process, so its peak RSS is
 * its own (inputs included); times cover the fit only (not reading the files).
 * A Python contender that runs past --timeout seconds (default 600) is killed and
 * reported as such. OPENBLAS_CORETYPE and the thread settings are inherited by both
 * sides alike.
 *
 * "Floor" = (GEMM + SYRK flops) ÷ the machine's measured float32 GEMM rate, plus the
 * time LAPACK spent in eigendecompositions; "floor fraction" = floor ÷ our wall time
 * (1.0 would mean no time outside BLAS/LAPACK at peak speed).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readNpyMatrix, writeNpy } from '../src/io/npy.js';
import { getBackend } from '../src/linalg/index.js';
import { Matrix } from '../src/linalg/matrix.js';
import { fitRidgeCV } from '../src/ridge/fit.js';
import type { WorkTally } from '../src/ridge/instrument.js';
import { logspace } from '../src/ridge/options.js';
import { Rng } from '../src/util/rng.js';
import { findPython } from './lib/python.js';

interface Shape {
  name: 'decoding' | 'encoding';
  n: number;
  p: number;
  t: number;
}

const FULL: Shape[] = [
  { name: 'decoding', n: 1920, p: 60_000, t: 512 },
  { name: 'encoding', n: 4800, p: 2048, t: 60_000 },
];
const QUICK: Shape[] = [
  { name: 'decoding', n: 1920, p: 10_000, t: 512 },
  { name: 'encoding', n: 4800, p: 2048, t: 5000 },
];
const ALPHAS = logspace(-2, 6, 17);

interface Result {
  seconds: number;
  peakRssMB: number;
  work?: WorkTally;
  gemmGflops?: number;
  solver?: string;
  backend?: string;
  note?: string;
}

// ---------------------------------------------------------------- child process side
async function child(dir: string): Promise<void> {
  const X = await readNpyMatrix(join(dir, 'X.npy'));
  const Y = await readNpyMatrix(join(dir, 'Y.npy'));
  const t0 = performance.now();
  const m = await fitRidgeCV(X, Y, { alphas: ALPHAS, cv: { kind: 'kfold', folds: 5 }, dtype: 'float32' });
  const seconds = (performance.now() - t0) / 1000;
  const peakRssMB = process.resourceUsage().maxRSS / 1024;
  // The machine's float32 GEMM rate, measured here with the same backend (median of 3).
  const be = await getBackend();
  const s = 2048;
  const rng = new Rng(1);
  const A = new Matrix(s, s, rng.fillNormal(new Float32Array(s * s)));
  const rates: number[] = [];
  for (let r = 0; r < 3; r++) {
    const g0 = performance.now();
    await be.gemm(A, A);
    rates.push((2 * s ** 3) / ((performance.now() - g0) / 1000) / 1e9);
  }
  const result: Result = {
    seconds,
    peakRssMB,
    work: m.info.work,
    gemmGflops: median(rates),
    solver: m.info.solver,
    backend: `${be.info.name}${be.info.blas ? ` (${be.info.blas}, ${be.info.threads} threads)` : ''}`,
  };
  process.stdout.write(`RESULT ${JSON.stringify(result)}\n`);
}

// ---------------------------------------------------------------- python side
const PY_MAKE = `
import sys, numpy as np
d, n, p, t = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
rng = np.random.default_rng(0)
X = rng.standard_normal((n, p), dtype=np.float32)
# A low-rank signal plus noise of a different level per target, so alphas differ.
r = 64
W = rng.standard_normal((p, r), dtype=np.float32) / np.sqrt(p)
Z = X @ W
Y = np.empty((n, t), dtype=np.float32)
step = 4096
for j in range(0, t, step):
    k = min(step, t - j)
    M = rng.standard_normal((r, k), dtype=np.float32)
    noise = rng.standard_normal((n, k), dtype=np.float32) * np.logspace(-0.5, 1, k, dtype=np.float32)
    Y[:, j:j + k] = Z @ M + noise
np.save(d + '/X.npy', X)
np.save(d + '/Y.npy', Y)
`;

const PY_FIT = `
import sys, time, json, resource, numpy as np
which, d = sys.argv[1], sys.argv[2]
X = np.load(d + '/X.npy'); Y = np.load(d + '/Y.npy')
alphas = np.logspace(-2, 6, 17)
t0 = time.perf_counter()
if which == 'sklearn':
    from sklearn.linear_model import RidgeCV
    RidgeCV(alphas=alphas, alpha_per_target=True).fit(X, Y)
    note = 'RidgeCV(alpha_per_target=True), efficient LOO (GCV), float64 internally'
else:
    from himalaya.backend import set_backend
    from himalaya.ridge import RidgeCV
    from himalaya.scoring import r2_score
    from sklearn.model_selection import KFold
    set_backend('numpy')
    batch = min(Y.shape[1], 8192)
    RidgeCV(alphas=alphas, cv=KFold(5), fit_intercept=True,
            solver_params=dict(n_targets_batch=batch, score_func=r2_score)).fit(X, Y)
    note = f'himalaya RidgeCV, numpy backend, KFold(5), float32, n_targets_batch={batch}'
sec = time.perf_counter() - t0
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print('RESULT ' + json.dumps(dict(seconds=sec, peakRssMB=peak, note=note)))
`;

const PY_GEMM = `
import time, numpy as np
a = np.random.default_rng(1).standard_normal((2048, 2048), dtype=np.float32)
r = []
for _ in range(3):
    t0 = time.perf_counter(); a @ a; r.append(2 * 2048**3 / (time.perf_counter() - t0) / 1e9)
print(sorted(r)[1])
`;

function median(v: number[]): number {
  const s = [...v].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

function parseResult(stdout: string): Result | null {
  const line = stdout.split('\n').find((l) => l.startsWith('RESULT '));
  return line ? (JSON.parse(line.slice(7)) as Result) : null;
}

function runOurs(dir: string, timeoutS: number): Result | string {
  const self = fileURLToPath(import.meta.url);
  const r = spawnSync(process.execPath, ['--import', 'tsx', self, '--child', dir], {
    encoding: 'utf8',
    timeout: timeoutS * 1000,
    maxBuffer: 1 << 26,
  });
  return parseResult(r.stdout) ?? `failed: ${r.error?.message ?? r.stderr.slice(-400)}`;
}

function runPython(py: string, which: string, dir: string, timeoutS: number): Result | string {
  const r = spawnSync(py, ['-c', PY_FIT, which, dir], { encoding: 'utf8', timeout: timeoutS * 1000 });
  if (r.error && (r.error as NodeJS.ErrnoException).code === 'ETIMEDOUT')
    return `killed after ${timeoutS} s (timeout)`;
  if (r.signal) return `killed by ${r.signal}${r.signal === 'SIGKILL' ? ' (out of memory?)' : ''}`;
  return parseResult(r.stdout) ?? `failed: ${r.stderr.trim().split('\n').slice(-2).join(' ')}`;
}

function medianOf(runs: (Result | string)[]): Result | string {
  const ok = runs.filter((r): r is Result => typeof r !== 'string');
  if (ok.length === 0) return runs[0] ?? 'not run';
  const best = ok.sort((a, b) => a.seconds - b.seconds)[Math.floor(ok.length / 2)]!;
  return {
    ...best,
    seconds: median(ok.map((r) => r.seconds)),
    peakRssMB: Math.max(...ok.map((r) => r.peakRssMB)),
  };
}

function fmtRow(name: string, r: Result | string, ours: Result | string): string {
  if (typeof r === 'string') return `  ${name.padEnd(28)} ${r}`;
  const ratio = typeof ours !== 'string' ? `${(r.seconds / ours.seconds).toFixed(2)}×` : '–';
  return `  ${name.padEnd(28)} ${r.seconds.toFixed(2).padStart(9)} s ${(r.peakRssMB / 1024).toFixed(2).padStart(7)} GB   ${ratio.padStart(7)}${r.note ? `   ${r.note}` : ''}`;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (args[0] === '--child') return child(args[1]!);
  const quick = args.includes('--quick');
  const opt = (name: string) => {
    const i = args.indexOf(name);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const repeats = Number(opt('--repeats') ?? (quick ? 3 : 1));
  const timeoutS = Number(opt('--timeout') ?? 600);
  const only = opt('--only');
  const shapes = (quick ? QUICK : FULL).filter((s) => !only || s.name === only);
  const contenders = (opt('--contenders') ?? 'b2m,sklearn,himalaya').split(',');
  const py = findPython(['numpy', 'sklearn']);
  const hasHimalaya =
    py !== null && spawnSync(py, ['-c', 'import himalaya'], { stdio: 'ignore' }).status === 0;
  console.log(
    `ridge benchmark: 5-fold CV (ours, himalaya) / LOO (scikit-learn), ${ALPHAS.length} alphas, float32 data`,
  );
  console.log(
    `OPENBLAS_CORETYPE=${process.env.OPENBLAS_CORETYPE ?? '(unset)'}  python: ${py ?? 'not found (Python rows skipped)'}  himalaya: ${hasHimalaya ? 'importable' : 'not importable (row skipped)'}`,
  );
  if (py) {
    const g = spawnSync(py, ['-c', PY_GEMM], { encoding: 'utf8' });
    console.log(`numpy float32 GEMM 2048³: ${Number(g.stdout.trim()).toFixed(0)} GFLOP/s`);
  }
  for (const shape of shapes) {
    const dir = join(
      process.env.B2M_BENCH_DIR ?? join(tmpdir(), 'b2m-bench-ridge'),
      `${shape.name}-${shape.n}x${shape.p}x${shape.t}`,
    );
    mkdirSync(dir, { recursive: true });
    if (!existsSync(join(dir, 'Y.npy'))) {
      if (py) {
        const r = spawnSync(py, ['-c', PY_MAKE, dir, String(shape.n), String(shape.p), String(shape.t)], {
          stdio: 'inherit',
        });
        if (r.status !== 0) throw new Error('could not generate the benchmark data');
      } else {
        const rng = new Rng(0);
        await writeNpy(join(dir, 'X.npy'), rng.fillNormal(new Float32Array(shape.n * shape.p)), [
          shape.n,
          shape.p,
        ]);
        await writeNpy(join(dir, 'Y.npy'), rng.fillNormal(new Float32Array(shape.n * shape.t)), [
          shape.n,
          shape.t,
        ]);
      }
    }
    console.log(
      `\n${shape.name}: X ${shape.n} × ${shape.p} → Y ${shape.t} targets (${repeats} repeat(s), medians)`,
    );
    const ours = medianOf(Array.from({ length: repeats }, () => runOurs(dir, timeoutS * 3)));
    const sk = !contenders.includes('sklearn')
      ? 'skipped (--contenders)'
      : py
        ? medianOf(Array.from({ length: repeats }, () => runPython(py, 'sklearn', dir, timeoutS)))
        : 'python not found';
    const hi = !contenders.includes('himalaya')
      ? 'skipped (--contenders)'
      : hasHimalaya
        ? medianOf(Array.from({ length: repeats }, () => runPython(py!, 'himalaya', dir, timeoutS)))
        : 'not importable';
    console.log(
      `  ${'contender'.padEnd(28)} ${'wall'.padStart(11)} ${'peak RSS'.padStart(10)}   ${'÷ ours'.padStart(7)}`,
    );
    console.log(fmtRow(`b2m (${typeof ours === 'string' ? '?' : ours.solver})`, ours, ours));
    console.log(fmtRow('scikit-learn RidgeCV', sk, ours));
    console.log(fmtRow('himalaya RidgeCV (numpy)', hi, ours));
    if (typeof ours !== 'string' && ours.work && ours.gemmGflops) {
      const w = ours.work;
      const blasFlops = w.gemm.flops + w.syrk.flops;
      const floor = blasFlops / (ours.gemmGflops * 1e9) + w.eigh.seconds;
      const inBackend = w.gemm.seconds + w.syrk.seconds + w.eigh.seconds;
      console.log(
        `  ours: ${ours.backend}; GEMM+SYRK ${(blasFlops / 1e12).toFixed(2)} TFLOP in ${(w.gemm.seconds + w.syrk.seconds).toFixed(1)} s ` +
          `(${(blasFlops / (w.gemm.seconds + w.syrk.seconds) / 1e9).toFixed(0)} GFLOP/s vs ${ours.gemmGflops.toFixed(0)} GFLOP/s peak), ` +
          `eigh ${w.eigh.calls}× (n = ${[...new Set(w.eigh.sizes)].join(', ')}) ${w.eigh.seconds.toFixed(1)} s, ` +
          `outside the backend ${(ours.seconds - inBackend).toFixed(1)} s`,
      );
      console.log(
        `  floor ${floor.toFixed(1)} s → floor fraction ${(floor / ours.seconds).toFixed(2)} (1.00 = all time in BLAS/LAPACK at peak)`,
      );
    }
  }
}

await main();
