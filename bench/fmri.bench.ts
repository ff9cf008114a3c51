/**
 * fMRI preprocessing at ds003720 scale (one run: 410 scans × 60,000 voxels, float32),
 * ours against scipy/numpy on the same machine and the same data:
 *   - 240-s running median (161 scans, reflect), on 1 thread and on B2M_THREADS (default all
 *     cores) — scipy.ndimage.median_filter(size=(161, 1)) (single-threaded, timed once);
 *   - median drift removal + z-score of a run (the paper's per-run preprocessing);
 *   - cosine (DCT) detrend, against numpy least squares on the same basis;
 *   - window averaging of a run (40 clips × 4 windows of 10 s, delay 3), against numpy.
 *
 *   node --import tsx bench/fmri.bench.ts     (B2M_BENCH_VOXELS=60000, B2M_BENCH_REPEATS=3)
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { detrend } from '../src/fmri/preprocess/detrend.js';
import { subtractRunningMedianParallel } from '../src/fmri/preprocess/median-parallel.js';
import { PREPROCESS_DEFAULTS } from '../src/fmri/preprocess/options.js';
import { preprocessRun } from '../src/fmri/preprocess/prepare.js';
import { subtractRunningMedian } from '../src/fmri/preprocess/running-median.js';
import { averageWindows, runWindowRows } from '../src/fmri/preprocess/windows.js';
import { writeNpy } from '../src/io/npy.js';
import { Matrix } from '../src/linalg/matrix.js';
import { threadsFromEnv } from '../src/linalg/threads.js';
import { Rng } from '../src/util/rng.js';
import { findPython } from './lib/python.js';

const N = 410;
const V = Number(process.env.B2M_BENCH_VOXELS ?? 60_000);
const REPEATS = Number(process.env.B2M_BENCH_REPEATS ?? 3);

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

function makeRun(): Matrix<Float32Array> {
  const rng = new Rng(1);
  const X = new Float32Array(N * V);
  const drift = Float32Array.from({ length: V }, () => rng.normal() * 0.01);
  for (let t = 0; t < N; t++)
    for (let v = 0; v < V; v++) X[t * V + v] = 1000 + drift[v]! * t + rng.normal() * 10;
  return new Matrix(N, V, X);
}

async function time(fn: () => unknown): Promise<number[]> {
  const out: number[] = [];
  for (let r = 0; r < REPEATS; r++) {
    const t0 = performance.now();
    await fn();
    out.push((performance.now() - t0) / 1000);
  }
  return out;
}

const base = makeRun();
const rows = runWindowRows(
  Array.from({ length: 40 }, (_, k) => ({ onset: 15 * (k + 1), duration: 15 })),
  1.5,
  N,
  { window: 10, stride: 1.5 },
  3,
  'overlap',
);
const ours: Record<string, number> = {};
const threads = threadsFromEnv();
ours.running_median_1thread = median(await time(() => subtractRunningMedian(base.clone(), 161, 'reflect')));
ours[`running_median_${threads}threads`] = median(
  await time(() => subtractRunningMedianParallel(base.clone(), 161, 'reflect', threads)),
);
ours.median_zscore_run = median(await time(() => preprocessRun(base.clone(), 1.5, PREPROCESS_DEFAULTS)));
ours.cosine_detrend = median(
  await time(() => detrend(base.clone(), 1.5, { ...PREPROCESS_DEFAULTS.detrend, method: 'cosine' })),
);
ours.window_average = median(await time(() => averageWindows(base, rows)));

const py = findPython(['numpy', 'scipy']);
let ref: Record<string, number> | null = null;
if (py) {
  const dir = mkdtempSync(join(tmpdir(), 'b2m-bench-fmri-'));
  try {
    await writeNpy(join(dir, 'X.npy'), base.data, [N, V]);
    writeFileSync(
      join(dir, 'rows.json'),
      JSON.stringify(rows.map((r) => ({ scans: r.scans, weights: r.weights }))),
    );
    const script = `
import json, sys, time
import numpy as np
from scipy.ndimage import median_filter
d = sys.argv[1]; R = int(sys.argv[2]); T = int(sys.argv[3])
X = np.load(d + '/X.npy'); rows = json.load(open(d + '/rows.json'))
def t(f):
    out = []
    for _ in range(R):
        t0 = time.perf_counter(); f(); out.append(time.perf_counter() - t0)
    return float(np.median(out))
def t1(f):
    # scipy's median filter takes minutes at this size: timed once.
    t0 = time.perf_counter(); f(); return time.perf_counter() - t0
def med(): return X - median_filter(X, size=(161, 1), mode='reflect')
def medz():
    Y = X - median_filter(X, size=(161, 1), mode='reflect')
    sd = Y.std(0); sd[sd == 0] = 1
    return (Y - Y.mean(0)) / sd
n = X.shape[0]; tt = np.arange(n); K = int(np.floor(2 * n * 1.5 / 128))
B = np.stack([np.cos(np.pi * k * (2 * tt + 1) / (2 * n)) for k in range(K + 1)], 1)
Q, _ = np.linalg.qr(B)
def cos(): return X - Q @ (Q.T @ X)
W = np.zeros((len(rows), n), np.float32)
for i, r in enumerate(rows): W[i, r['scans']] = r['weights']
def win(): return W @ X
tm = t1(med)
print(json.dumps({'running_median_1thread': tm, 'running_median_%dthreads' % T: tm, 'median_zscore_run': t1(medz), 'cosine_detrend': t(cos), 'window_average': t(win)}))
`;
    const r = spawnSync(py, ['-c', script, dir, String(REPEATS), String(threads)], {
      encoding: 'utf8',
      maxBuffer: 1 << 20,
    });
    if (r.status === 0) ref = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as Record<string, number>;
    else console.error(`python reference failed: ${r.stderr}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
} else {
  console.error('no Python with numpy + scipy found: reference column left empty');
}

console.log(`fMRI preprocessing, one run ${N} scans × ${V} voxels float32, median of ${REPEATS} (seconds)`);
console.log(`${'step'.padEnd(26)}${'ours'.padStart(10)}${'scipy/numpy'.padStart(14)}${'ratio'.padStart(9)}`);
for (const k of Object.keys(ours)) {
  const o = ours[k]!;
  const p = ref?.[k];
  console.log(
    `${k.padEnd(26)}${o.toFixed(3).padStart(10)}${(p === undefined ? '-' : p.toFixed(3)).padStart(14)}${(p === undefined ? '-' : `${(o / p).toFixed(2)}×`).padStart(9)}`,
  );
}
console.log('ratio = ours / reference (below 1: ours faster). A subject has 18 runs.');
