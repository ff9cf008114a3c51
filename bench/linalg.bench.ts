/**
 * Numeric engine benchmark: each row runs on the active backend (native when the
 * addon loads) and on numpy/scipy in the same run, same machine, same OPENBLAS_*
 * environment and thread count, interleaved row by row so that background load
 * hits both sides alike. Prints medians, GFLOP/s and the ratio ours/numpy
 * (≤ 1.10 is the target).
 *
 *   npm run bench:linalg [-- --reps 3] [-- --rows gemm-f32-2048,eigh-f64-2000] [-- --json out.json]
 *
 * Flop counts: gemm 2mnk; Cholesky solve n³/3 + 2n²·nrhs; eigh a nominal 4n³
 * (tridiagonalisation + back-transformation; the divide-and-conquer step is extra),
 * so its GFLOP/s compare the two sides, not the hardware peak.
 * When OPENBLAS_CORETYPE is set, one extra row repeats gemm-f32-2048 with it unset
 * on both sides (that row alone), to show what the setting costs.
 */
import { spawnSync } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { performance } from 'node:perf_hooks';
import { type Backend, getBackend, Matrix } from '../src/linalg/index.js';
import { threadsFromEnv } from '../src/linalg/threads.js';
import { writeFileAtomic } from '../src/util/atomic.js';
import { Rng } from '../src/util/rng.js';
import { findPython } from './lib/python.js';

type Dt = 'f32' | 'f64';
interface Row {
  id: string;
  label: string;
  kind: 'gemm' | 'eigh' | 'chol';
  dt: Dt;
  /** gemm: [m, k, n]; eigh: [n]; chol: [n, nrhs]. */
  dims: number[];
}

const ROWS: Row[] = [
  { id: 'gemm-f32-2048', label: 'gemm f32 2048³', kind: 'gemm', dt: 'f32', dims: [2048, 2048, 2048] },
  { id: 'gemm-f64-2048', label: 'gemm f64 2048³', kind: 'gemm', dt: 'f64', dims: [2048, 2048, 2048] },
  {
    id: 'gemm-f32-4800',
    label: 'gemm f32 4800×2048×6000',
    kind: 'gemm',
    dt: 'f32',
    dims: [4800, 2048, 6000],
  },
  {
    id: 'gemm-f64-4800',
    label: 'gemm f64 4800×2048×6000',
    kind: 'gemm',
    dt: 'f64',
    dims: [4800, 2048, 6000],
  },
  { id: 'eigh-f32-2000', label: 'eigh f32 n=2000', kind: 'eigh', dt: 'f32', dims: [2000] },
  { id: 'eigh-f64-2000', label: 'eigh f64 n=2000', kind: 'eigh', dt: 'f64', dims: [2000] },
  { id: 'eigh-f32-4000', label: 'eigh f32 n=4000', kind: 'eigh', dt: 'f32', dims: [4000] },
  { id: 'eigh-f64-4000', label: 'eigh f64 n=4000', kind: 'eigh', dt: 'f64', dims: [4000] },
  {
    id: 'chol-f32-2000',
    label: 'Cholesky solve f32 n=2000, 512 rhs',
    kind: 'chol',
    dt: 'f32',
    dims: [2000, 512],
  },
  {
    id: 'chol-f64-2000',
    label: 'Cholesky solve f64 n=2000, 512 rhs',
    kind: 'chol',
    dt: 'f64',
    dims: [2000, 512],
  },
];

function flops(r: Row): number {
  const [a = 0, b = 0, c = 0] = r.dims;
  if (r.kind === 'gemm') return 2 * a * b * c;
  if (r.kind === 'eigh') return 4 * a ** 3;
  return a ** 3 / 3 + 2 * a * a * b;
}

/** Short rows get one untimed run first (page faults, OpenBLAS thread start), on both sides; long ones need none. */
function warmUp(r: Row): boolean {
  return flops(r) < 5e10;
}

function median(xs: number[]): number {
  const s = [...xs].sort((x, y) => x - y);
  const m = s.length >> 1;
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

// ---------- the Python side ----------

const PY = `
import json, sys, time
import numpy as np, scipy.linalg
kind, dt, dims, reps, warm = sys.argv[1], sys.argv[2], [int(x) for x in sys.argv[3].split(',')], int(sys.argv[4]), sys.argv[5] == '1'
dtype = np.float32 if dt == 'f32' else np.float64
rng = np.random.default_rng(0)
def rand(*shape): return rng.standard_normal(shape).astype(dtype)
if kind == 'gemm':
    m, k, n = dims; A = rand(m, k); B = rand(k, n)
    run = lambda: A @ B
elif kind == 'eigh':
    n = dims[0]; R = rand(n, n); S = (R + R.T) / 2
    run = lambda: np.linalg.eigh(S)
else:
    n, nrhs = dims; X = rand(n + 16, n); A = (X.T @ X) / n + np.eye(n, dtype=dtype); B = rand(n, nrhs)
    run = lambda: scipy.linalg.cho_solve(scipy.linalg.cho_factor(A, lower=True), B)
out = {"times": [], "error": None}
try:
    if warm: run()
    for _ in range(reps):
        t = time.perf_counter(); run(); out["times"].append(time.perf_counter() - t)
except Exception as e:
    out["error"] = f"{type(e).__name__}: {e}"
try:
    import threadpoolctl
    info = [d for d in threadpoolctl.threadpool_info() if d.get("internal_api") == "openblas"]
    out["blas"] = f'{info[0].get("version")} {info[0].get("architecture")} threads={info[0].get("num_threads")}' if info else None
except Exception:
    out["blas"] = None
print(json.dumps(out))
`;

function runPython(
  py: string,
  r: Row,
  reps: number,
  env: NodeJS.ProcessEnv,
): { times: number[]; error?: string; blas?: string } {
  const res = spawnSync(py, ['-c', PY, r.kind, r.dt, r.dims.join(','), String(reps), warmUp(r) ? '1' : '0'], {
    env,
    encoding: 'utf8',
    maxBuffer: 16 * 1024 * 1024,
  });
  if (res.status !== 0)
    return { times: [], error: (res.stderr || `exit ${res.status}`).trim().split('\n').pop() };
  const out = JSON.parse(res.stdout.trim().split('\n').pop() as string);
  return { times: out.times, error: out.error ?? undefined, blas: out.blas ?? undefined };
}

// ---------- our side ----------

function rand(rows: number, cols: number, dt: Dt, rng: Rng): Matrix {
  const m = Matrix.zeros(rows, cols, dt === 'f32' ? 'float32' : 'float64');
  rng.fillNormal(m.data);
  return m;
}

async function prepare(b: Backend, r: Row): Promise<() => Promise<unknown>> {
  const rng = new Rng(0);
  if (r.kind === 'gemm') {
    const [m, k, n] = r.dims as [number, number, number];
    const A = rand(m, k, r.dt, rng);
    const B = rand(k, n, r.dt, rng);
    return () => b.gemm(A, B);
  }
  if (r.kind === 'eigh') {
    const n = r.dims[0] as number;
    const R = rand(n, n, r.dt, rng);
    const S = Matrix.build(n, n, (i, j) => (R.get(i, j) + R.get(j, i)) / 2, R.dtype);
    return () => b.eigh(S);
  }
  const [n, nrhs] = r.dims as [number, number];
  const X = rand(n + 16, n, r.dt, rng);
  const G = await b.syrk(X, { trans: true, alpha: 1 / n });
  for (let i = 0; i < n; i++) G.data[i * n + i] = (G.data[i * n + i] as number) + 1;
  const B = rand(n, nrhs, r.dt, rng);
  return () => b.solveSPD(G, B);
}

async function runOurs(b: Backend, r: Row, reps: number): Promise<number[]> {
  const run = await prepare(b, r);
  if (warmUp(r)) await run();
  const times: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t = performance.now();
    await run();
    times.push((performance.now() - t) / 1000);
  }
  return times;
}

// ---------- driver ----------

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

interface Result {
  id: string;
  label: string;
  ours: number | null;
  numpy: number | null;
  gflopsOurs: number | null;
  gflopsNumpy: number | null;
  ratio: number | null;
  note?: string;
}

async function main(): Promise<void> {
  const reps = Math.max(3, Number(arg('--reps') ?? 3));
  const only = arg('--rows')?.split(',');
  const rows = only ? ROWS.filter((r) => only.includes(r.id)) : ROWS;
  const childMode = process.argv.includes('--child');
  const b = await getBackend();
  const threads = threadsFromEnv();

  // One row, our side only, as JSON: used for the OPENBLAS_CORETYPE-unset row.
  if (childMode) {
    const times = await runOurs(b, rows[0] as Row, reps);
    process.stdout.write(`${JSON.stringify({ times, info: b.info })}\n`);
    return;
  }

  const py = findPython(['numpy', 'scipy']);
  // numpy's OpenBLAS gets the same thread count; every OPENBLAS_* variable passes through.
  const pyEnv: NodeJS.ProcessEnv = {
    ...process.env,
    OPENBLAS_NUM_THREADS: String(threads),
    OMP_NUM_THREADS: String(threads),
  };
  console.log('b2m linalg benchmark');
  console.log(
    `  ours:   ${b.info.name} backend, ${b.info.blas ?? 'TypeScript'}${b.info.coreType ? ` (core ${b.info.coreType})` : ''}, ${b.info.threads} threads`,
  );
  console.log(
    `  env:    OPENBLAS_CORETYPE=${process.env.OPENBLAS_CORETYPE ?? '(unset)'}, B2M_THREADS=${process.env.B2M_THREADS ?? `(unset: ${availableParallelism()} cores)`}`,
  );
  if (!py)
    console.log(
      '  numpy:  not found (install python3-numpy python3-scipy, or set B2M_PYTHON); our side only',
    );
  if (b.info.name === 'portable')
    console.log('  note:   the portable backend is slow by design; rows may take minutes');
  console.log(
    `  medians of ${reps} runs (rows under 50 GFLOP after one untimed warm-up); ratio = ours / numpy (target ≤ 1.10)\n`,
  );

  const results: Result[] = [];
  const header = `${'row'.padEnd(36)} ${'ours s'.padStart(9)} ${'numpy s'.padStart(9)} ${'ours GF/s'.padStart(10)} ${'numpy GF/s'.padStart(11)} ${'ratio'.padStart(7)}`;
  console.log(header);
  console.log('-'.repeat(header.length));
  const print = (r: Result) => {
    const f = (x: number | null, d: number, w: number) => (x === null ? '—' : x.toFixed(d)).padStart(w);
    console.log(
      `${r.label.padEnd(36)} ${f(r.ours, 3, 9)} ${f(r.numpy, 3, 9)} ${f(r.gflopsOurs, 1, 10)} ${f(r.gflopsNumpy, 1, 11)} ${f(r.ratio, 2, 7)}${r.note ? `  ${r.note}` : ''}`,
    );
  };
  let blasPy: string | undefined;
  const record = (
    row: Row,
    label: string,
    ours: number[],
    pyOut: { times: number[]; error?: string } | null,
  ) => {
    const o = ours.length ? median(ours) : null;
    const p = pyOut?.times.length ? median(pyOut.times) : null;
    const fl = flops(row) / 1e9;
    const res: Result = {
      id: row.id,
      label,
      ours: o,
      numpy: p,
      gflopsOurs: o ? fl / o : null,
      gflopsNumpy: p ? fl / p : null,
      ratio: o && p ? o / p : null,
    };
    if (pyOut?.error) res.note = `numpy: ${pyOut.error}`;
    else if (res.ratio !== null && res.ratio > 1.1) res.note = 'over target';
    results.push(res);
    print(res);
  };

  for (const row of rows) {
    const pyOut = py ? runPython(py, row, reps, pyEnv) : null;
    blasPy ??= (pyOut as { blas?: string } | null)?.blas;
    const ours = await runOurs(b, row, reps);
    record(row, row.label, ours, pyOut);
  }

  // The cost of a forced core type: both sides with it unset, in this row alone.
  const core = process.env.OPENBLAS_CORETYPE;
  if (core && b.info.name === 'native' && (!only || only.includes('gemm-f32-2048'))) {
    const row = ROWS[0] as Row;
    const env = { ...process.env };
    delete env.OPENBLAS_CORETYPE;
    const pyEnvUnset = { ...pyEnv };
    delete pyEnvUnset.OPENBLAS_CORETYPE;
    const pyOut = py ? runPython(py, row, reps, pyEnvUnset) : null;
    const child = spawnSync(
      process.execPath,
      ['--import', 'tsx', ...process.argv.slice(1, 2), '--child', '--rows', row.id, '--reps', String(reps)],
      {
        env,
        encoding: 'utf8',
      },
    );
    const ours = child.status === 0 ? JSON.parse(child.stdout.trim().split('\n').pop() as string).times : [];
    record(row, `${row.label} (CORETYPE unset)`, ours, pyOut);
  }

  if (blasPy) console.log(`\nnumpy's BLAS (threadpoolctl): ${blasPy}`);
  const json = arg('--json');
  if (json) {
    await writeFileAtomic(json, `${JSON.stringify({ backend: b.info, threads, reps, results }, null, 2)}\n`);
    console.log(`wrote ${json}`);
  }
}

await main();
