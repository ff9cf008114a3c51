/**
 * The demo's evaluation workload: 5 subjects × 5 decoders, each 60 test clips ×
 * 383 dimensions (the `dsp` embedding), 1,000 label permutations and 1,000 bootstrap
 * resamples, per-genre identification and 60-way ranks. Ours (`evaluateDecoding`)
 * against a vectorised numpy implementation of the same statistics, run side by
 * side on the same matrices (written as .npy to a temporary folder). Identification
 * values must agree exactly; p-values and CIs come from different random streams,
 * so they are compared loosely.
 *
 *   npm run bench:evaluate -- [--repeats 5] [--dim 383] [--permutations 1000]
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { evaluateDecoding } from '../src/evaluate/decoding.js';
import { writeNpyMatrix } from '../src/io/npy.js';
import { Matrix } from '../src/linalg/matrix.js';
import { Rng } from '../src/util/rng.js';
import { findPython } from './lib/python.js';

function arg(name: string, dflt: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
}
const REPEATS = arg('repeats', 5);
const DIM = arg('dim', 383);
const PERMS = arg('permutations', 1000);
const BOOT = 1000;
const N = 60;
const JOBS = 25;
const GENRES = ['blues', 'classical', 'country', 'disco', 'hiphop', 'jazz', 'metal', 'pop', 'reggae', 'rock'];
const genres = GENRES.flatMap((g) => Array.from({ length: 6 }, () => g));

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

const PY = `
import sys, time, json
import numpy as np
d, jobs, perms, boot, repeats = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
genres = json.load(open(d + '/genres.json'))
data = [(np.load(f'{d}/pred{j}.npy'), np.load(f'{d}/target{j}.npy')) for j in range(jobs)]
def evaluate(P, T, rng):
    n = P.shape[0]
    C = np.corrcoef(P, T)[:n, n:]
    own = np.diag(C)
    wins = (own[:, None] > C).sum(1)            # the diagonal never beats itself
    acc = wins / (n - 1)
    ranks = 1 + (C >= own[:, None]).sum(1) - 1  # ties pessimistic, minus self
    W = (C[:, :, None] > C[:, None, :]).sum(2)   # W[i, k] = #{k': C[i,k] > C[i,k']}
    pm = np.array([rng.permutation(n) for _ in range(perms)])
    null = W[np.arange(n)[None, :], pm].sum(1)
    p = (1 + (null >= wins.sum()).sum()) / (1 + perms)
    idx = rng.integers(0, n, size=(boot, n))
    ci = np.percentile(acc[idx].mean(1), [2.5, 97.5])
    Pc, Tc = P - P.mean(0), T - T.mean(0)
    r = (Pc * Tc).sum(0) / np.sqrt((Pc ** 2).sum(0) * (Tc ** 2).sum(0))
    g = np.array(genres)
    per_genre = {x: acc[g == x].mean() for x in sorted(set(genres))}
    return acc.mean(), p, ci, r.mean(), ranks, per_genre
times, out = [], None
for _ in range(repeats):
    rng = np.random.default_rng(1)
    t = time.perf_counter()
    out = [evaluate(P, T, rng) for P, T in data]
    times.append(time.perf_counter() - t)
print(json.dumps({'seconds': times, 'identification': [o[0] for o in out], 'p': [o[1] for o in out]}))
`;

async function main(): Promise<void> {
  const rng = new Rng(2026);
  const data = Array.from({ length: JOBS }, (_, j) => {
    const target = Matrix.build(N, DIM, () => rng.normal());
    const noise = 20 + (j % 5) * 20; // decoders from good to near chance
    const pred = Matrix.build(N, DIM, (i, k) => target.get(i, k) + noise * rng.normal());
    return { pred, target };
  });
  const ours: number[] = [];
  let idOurs: number[] = [];
  let pOurs: number[] = [];
  for (let r = 0; r < REPEATS; r++) {
    const t0 = performance.now();
    const res = data.map(
      (d, j) => evaluateDecoding({ ...d, genres, permutations: PERMS, bootstrap: BOOT, seed: j }).metrics,
    );
    ours.push((performance.now() - t0) / 1000);
    idOurs = res.map((m) => m.identification?.value as number);
    pOurs = res.map((m) => m.identification?.p as number);
  }
  console.log(
    `b2m   : ${JOBS} evaluations (${N} clips × ${DIM} dims, ${PERMS} permutations, ${BOOT} bootstrap): median ${median(ours).toFixed(3)} s over ${REPEATS}`,
  );

  const py = findPython(['numpy']);
  if (!py) {
    console.log('numpy: not available (set B2M_PYTHON to an interpreter with numpy)');
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'b2m-bench-evaluate-'));
  try {
    for (const [j, d] of data.entries()) {
      await writeNpyMatrix(join(dir, `pred${j}.npy`), d.pred);
      await writeNpyMatrix(join(dir, `target${j}.npy`), d.target);
    }
    writeFileSync(join(dir, 'genres.json'), JSON.stringify(genres));
    const res = spawnSync(py, ['-c', PY, dir, String(JOBS), String(PERMS), String(BOOT), String(REPEATS)], {
      encoding: 'utf8',
      maxBuffer: 1 << 26,
    });
    if (res.status !== 0) throw new Error(`numpy reference failed: ${res.stderr}`);
    const ref = JSON.parse(res.stdout) as { seconds: number[]; identification: number[]; p: number[] };
    const pySec = median(ref.seconds);
    console.log(
      `numpy : same workload: median ${pySec.toFixed(3)} s; ratio numpy/b2m ${(pySec / median(ours)).toFixed(2)}`,
    );
    const maxDiff = Math.max(...ref.identification.map((v, j) => Math.abs(v - (idOurs[j] as number))));
    console.log(`identification agrees to ${maxDiff.toExponential(1)} (max |Δ| over ${JOBS})`);
    const pairs = ref.p.map((p, j) => `${(pOurs[j] as number).toFixed(3)}/${p.toFixed(3)}`);
    console.log(`p (b2m/numpy, different random streams): ${pairs.join(' ')}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
