/**
 * The twin's brain simulator and writer, against numpy + nibabel doing the same
 * work on the same machine:
 *  1. simulate one run (410 scans) on the small grid, no writing — ours (scan by
 *     scan, as `b2m synth` streams) vs numpy (the same model, vectorised over the
 *     whole run in memory);
 *  2. simulate + write the run as raw and preprocessed `.nii.gz` (gzip level 1)
 *     — ours (streaming writer) vs numpy + nibabel (`Nifti1Image.to_filename`);
 *  3. the same at the full grid (96×96×68, one run) when B2M_BENCH_FULL=1.
 * Figures are medians over B2M_BENCH_REPEATS (default 3) runs.
 *
 *   npm run bench:synth
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openRunWriters, type RunName } from '../src/synth/bids-writer.js';
import { buildAnatomy } from '../src/synth/brain/anatomy.js';
import { GRIDS } from '../src/synth/brain/grid.js';
import { buildSubjectModel, type RunSink, simulateSubject } from '../src/synth/brain/simulate.js';
import { randomChannelWeights } from '../src/synth/brain/tuning.js';
import { Rng } from '../src/util/rng.js';
import { findPython } from './lib/python.js';

const REPEATS = Number(process.env.B2M_BENCH_REPEATS ?? 3);
const T = 410;
const D_A = 68;
const D_S = 20;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}

async function ours(gridName: string, write: boolean, dir: string): Promise<number> {
  const rng = new Rng(0);
  const anat = buildAnatomy(GRIDS[gridName]!, rng.fork('anat'));
  const w = randomChannelWeights(D_A, D_S, 10, 6, rng.fork('w'));
  const model = buildSubjectModel(anat, w, rng.fork('model'));
  const features = rng.fork('f').fillNormal(new Float64Array(T * (D_A + D_S)));
  const run: RunName = { task: 'Test', run: 1 };
  const noop: RunSink = { write: async () => {}, end: async () => {} };
  const t0 = performance.now();
  await simulateSubject(model, [{ name: 'r', features, nScans: T }], {
    weights: w,
    rng: rng.fork('sim'),
    openRun: async () => (write ? openRunWriters(dir, 'sub-001', run, anat, T, 1.5) : noop),
  });
  return (performance.now() - t0) / 1000;
}

const PY = `
import sys, time, numpy as np, nibabel as nib
dims = tuple(int(v) for v in sys.argv[1].split('x')); n_brain = int(sys.argv[2]); write = sys.argv[3] == '1'; out = sys.argv[4]
T, K, M, J = 410, 16, 8, 3
rng = np.random.default_rng(0)
nvox = int(np.prod(dims)); brain = np.sort(rng.choice(nvox, n_brain, replace=False))
base = rng.uniform(600, 1000, n_brain).astype(np.float32)
modes = rng.standard_normal((M, n_brain)).astype(np.float32); drift = rng.standard_normal((J, n_brain)).astype(np.float32)
tuned = n_brain // 6; L = rng.standard_normal((tuned, K)).astype(np.float32); Z = rng.standard_normal((T, K)).astype(np.float32)
t0 = time.perf_counter()
e = np.empty((T, n_brain), np.float32); e[0] = rng.standard_normal(n_brain)
phi = 0.35; w = np.sqrt(1 - phi * phi)
xi = rng.standard_normal((T, n_brain)).astype(np.float32)
for t in range(1, T): e[t] = phi * e[t - 1] + w * xi[t]
eta = rng.standard_normal((T, M)).astype(np.float32)
cos = np.cos(np.pi * np.arange(1, J + 1)[:, None] * (np.arange(T) + 0.5) / T).astype(np.float32)
noise = 1.0 * e + (eta @ modes) * 0.18 + cos.T @ drift
noise[:, :tuned] += Z @ L.T
raw = np.zeros((T, nvox), np.int16); raw[:, brain] = np.round(base * (1 + 0.01 * noise))
pre = raw.copy()
if write:
    aff = np.diag([6.0, 6.0, 6.0, 1.0])
    for name, arr in (('raw', raw), ('pre', pre)):
        img = nib.Nifti1Image(arr.reshape((T,) + dims[::-1]).transpose(3, 2, 1, 0), aff)
        img.header.set_data_dtype(np.int16)
        nib.openers.Opener.default_compresslevel = 1
        img.to_filename(f'{out}/{name}.nii.gz')
print(time.perf_counter() - t0)
`;

function python(py: string, dims: readonly number[], nBrain: number, write: boolean, dir: string): number {
  const r = spawnSync(py, ['-c', PY, dims.join('x'), String(nBrain), write ? '1' : '0', dir], {
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(r.stderr);
  return Number(r.stdout.trim());
}

async function main(): Promise<void> {
  const py = findPython(['numpy', 'nibabel']);
  const grids = process.env.B2M_BENCH_FULL === '1' ? ['small', 'full'] : ['small'];
  console.log(
    `synth bench: one run of ${T} scans, medians of ${REPEATS}; numpy + nibabel: ${py ?? 'not found'}`,
  );
  console.log(
    'case'.padEnd(34),
    'ours s'.padStart(9),
    'numpy s'.padStart(9),
    'ratio'.padStart(7),
    ' MB written',
  );
  for (const g of grids) {
    const anat = buildAnatomy(GRIDS[g]!, new Rng(0).fork('anat'));
    for (const write of [false, true]) {
      const oursT: number[] = [];
      const pyT: number[] = [];
      let mb = 0;
      for (let i = 0; i < REPEATS; i++) {
        const dir = mkdtempSync(join(tmpdir(), 'b2m-bench-synth-'));
        oursT.push(await ours(g, write, dir));
        if (write) {
          const f = join(dir, 'sub-001', 'func', 'sub-001_task-Test_run-01_bold.nii.gz');
          mb = (2 * statSync(f).size) / 1e6;
        }
        rmSync(dir, { recursive: true, force: true });
        if (py) {
          const pdir = mkdtempSync(join(tmpdir(), 'b2m-bench-synth-py-'));
          pyT.push(python(py, GRIDS[g]!.dims, anat.brain.length, write, pdir));
          rmSync(pdir, { recursive: true, force: true });
        }
      }
      const a = median(oursT);
      const b = pyT.length ? median(pyT) : Number.NaN;
      console.log(
        `${g} grid (${anat.brain.length} brain voxels) ${write ? 'simulate+write' : 'simulate'}`.padEnd(34),
        a.toFixed(2).padStart(9),
        (Number.isNaN(b) ? '-' : b.toFixed(2)).padStart(9),
        (Number.isNaN(b) ? '-' : (a / b).toFixed(2)).padStart(7),
        write ? ` ${mb.toFixed(1)}` : '',
      );
    }
  }
}

await main();
