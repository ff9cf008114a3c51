/**
 * Generation: what one candidate, one analysis and one MP3 cost, the projected
 * wall time of the generation stage for the demo (5 subjects × 60 test clips, N
 * candidates, oracle and random baselines once, 2 threads), and the conditioning
 * probe's logistic regression against scikit-learn on the same data.
 *
 *   node --import tsx bench/generate.bench.ts [--candidates 3] [--reps 6] [--workers 2]
 *
 * Figures are noisy on a shared machine: CPU seconds are printed next to wall time.
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeMp3 } from '../src/audio/encode.js';
import { analyseAudio } from '../src/evaluate/reconstruction/acoustic.js';
import { type CandidateResult, CandidateRunner } from '../src/generate/job.js';
import { fitLogistic } from '../src/generate/logistic.js';
import { JobPool } from '../src/generate/pool.js';
import { DEFAULT_CANDIDATES, MP3_KBPS } from '../src/generate/run.js';
import { Matrix } from '../src/linalg/matrix.js';
import { GENRES } from '../src/synth/music/index.js';
import { Rng } from '../src/util/rng.js';
import { findPython } from './lib/python.js';

const args = process.argv.slice(2);
const arg = (name: string, dflt: number) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : dflt;
};
const N = arg('candidates', DEFAULT_CANDIDATES);
const REPS = arg('reps', 6);
const WORKERS = arg('workers', 2);
const SUBJECTS = 5;
const CLIPS = 60;
const LIBRARY = 500;

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
};
const cpu = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};

async function main(): Promise<void> {
  console.log(`generation bench: ${REPS} candidates per measurement, N = ${N}, ${WORKERS} threads`);
  const runner = new CandidateRunner({ soundfont: 'fluidr3mono', embedder: 'dsp', embedderOptions: {} });
  const job = (k: number) =>
    ({
      kind: 'candidate',
      index: k,
      seed: `bench:${k}`,
      genre: GENRES[k % 10] as (typeof GENRES)[number],
      condition: { tempo: 100 + k },
      durationS: 15,
      sampleRate: 22050,
      targetDbfs: -20,
      windows: { window: 10, stride: 1.5 },
    }) as const;
  let t = performance.now();
  const first = (await runner.run(job(0))) as CandidateResult;
  console.log(
    `  thread start-up (soundfont + embedder) + 1st candidate: ${((performance.now() - t) / 1000).toFixed(2)} s`,
  );
  const cand: number[] = [];
  const ana: number[] = [];
  const mp3: number[] = [];
  // CPU seconds of this thread's work (robust to other load on a shared machine; wall in brackets).
  const wallOf: number[][] = [[], [], []];
  for (let k = 1; k <= REPS; k++) {
    let c0 = cpu();
    t = performance.now();
    const r = (await runner.run(job(k))) as CandidateResult;
    cand.push((cpu() - c0) * 1000);
    wallOf[0]?.push(performance.now() - t);
    c0 = cpu();
    t = performance.now();
    analyseAudio(r.samples, 22050);
    ana.push((cpu() - c0) * 1000);
    wallOf[1]?.push(performance.now() - t);
    c0 = cpu();
    t = performance.now();
    await encodeMp3(r.samples, 22050, { kbps: MP3_KBPS });
    mp3.push((cpu() - c0) * 1000);
    wallOf[2]?.push(performance.now() - t);
  }
  await runner.dispose();
  const c = median(cand) / 1000;
  const a = median(ana) / 1000;
  const m = median(mp3) / 1000;
  const w = wallOf.map((x) => (median(x) / 1000).toFixed(3));
  console.log(
    `  per candidate (compose + render 15 s + dsp embed): ${c.toFixed(3)} CPU s (median; wall ${w[0]} s)`,
  );
  console.log(`  per analysis (acoustic summary, tagger features):   ${a.toFixed(3)} CPU s (wall ${w[1]} s)`);
  console.log(`  per MP3 (64 kbit/s, 15 s):                          ${m.toFixed(3)} CPU s (wall ${w[2]} s)`);
  void first;

  // The stage: brain generation per subject, oracle + random once, every kept clip analysed and written.
  const sets = SUBJECTS + 2;
  const work = sets * CLIPS * N * c + (sets * CLIPS + CLIPS + LIBRARY) * a + sets * CLIPS * m;
  console.log(
    `  projected stage on ${WORKERS} idle cores, ${SUBJECTS} subjects × ${CLIPS} clips, N = ${N}: ${(work / WORKERS).toFixed(0)} s` +
      ` (candidates ${((sets * CLIPS * N * c) / WORKERS).toFixed(0)} s, analyses ${(((sets * CLIPS + CLIPS + LIBRARY) * a) / WORKERS).toFixed(0)} s, MP3 ${((sets * CLIPS * m) / WORKERS).toFixed(0)} s; probes not included)`,
  );

  // The pool on real threads: wall and CPU for 4 × WORKERS candidates.
  const pool = new JobPool({ soundfont: 'fluidr3mono', embedder: 'dsp', embedderOptions: {} }, WORKERS);
  const warm = Array.from({ length: WORKERS }, (_, k) => job(100 + k));
  await pool.run(warm, () => {});
  const batch = Array.from({ length: 4 * WORKERS }, (_, k) => job(200 + k));
  const c0 = cpu();
  t = performance.now();
  await pool.run(batch, () => {});
  const wall = (performance.now() - t) / 1000;
  await pool.close();
  console.log(
    `  pool: ${batch.length} candidates on ${WORKERS} threads in ${wall.toFixed(2)} s wall (${(wall / batch.length).toFixed(3)} s per candidate; process CPU ${(cpu() - c0).toFixed(2)} s, all threads)`,
  );

  // Logistic probe vs scikit-learn: 980 clips × 383 dims × 10 genres, λ = 10.
  const rng = new Rng(1);
  const n = 980;
  const d = 383;
  const K = 10;
  const X = Matrix.zeros(n, d, 'float64');
  rng.fillNormal(X.data);
  const y = Array.from({ length: n }, (_, i) => i % K);
  for (let i = 0; i < n; i++)
    X.data[i * d + (y[i] as number)] = (X.data[i * d + (y[i] as number)] as number) + 2;
  t = performance.now();
  const model = await fitLogistic(X, y, K, { lambda: 10, tol: 1e-4 });
  const ours = (performance.now() - t) / 1000;
  console.log(
    `  logistic (${n} × ${d}, ${K} classes): ours ${ours.toFixed(2)} s, ${model.iterations} iterations`,
  );
  const py = findPython(['numpy', 'sklearn']);
  if (!py) {
    console.log('  scikit-learn: not found (skipped)');
    return;
  }
  const dir = await mkdtemp(join(tmpdir(), 'b2m-bench-generate-'));
  try {
    await writeFile(join(dir, 'X.bin'), new Uint8Array(X.data.buffer));
    await writeFile(join(dir, 'y.json'), JSON.stringify(y));
    const script = `
import json, time, numpy as np
from sklearn.linear_model import LogisticRegression
X = np.fromfile('${join(dir, 'X.bin')}', dtype=np.float64).reshape(${n}, ${d})
y = np.array(json.load(open('${join(dir, 'y.json')}')))
ts = []
for _ in range(3):
    t = time.perf_counter(); m = LogisticRegression(multi_class='multinomial', C=1/10, tol=1e-4, max_iter=1000).fit(X, y); ts.append(time.perf_counter() - t)
print(json.dumps({'s': sorted(ts)[1], 'coef': m.coef_.T.ravel().tolist()}))
`;
    const r = spawnSync(py, ['-c', script], { encoding: 'utf8' });
    if (r.status !== 0) {
      console.log(`  scikit-learn failed: ${r.stderr.slice(0, 300)}`);
      return;
    }
    const out = JSON.parse(r.stdout) as { s: number; coef: number[] };
    let maxDiff = 0;
    for (let j = 0; j < out.coef.length; j++)
      maxDiff = Math.max(maxDiff, Math.abs((model.coef.data[j] as number) - (out.coef[j] as number)));
    console.log(
      `  scikit-learn lbfgs: ${out.s.toFixed(2)} s (median of 3); ratio ours/sklearn ${(ours / out.s).toFixed(2)}; max |Δcoef| ${maxDiff.toExponential(1)}`,
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
