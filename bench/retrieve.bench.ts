/**
 * Library retrieval speed: exact cosine top-k over a 10⁵-track library (the size
 * of FMA-large, METHOD.md §3.7), ours (`prepareLibrary` + `queryLibrary`: one GEMM
 * per query batch on the numeric engine, top-k kept while scanning) against numpy
 * on the same data in the same run (row normalisation, `Q @ U.T`, `argpartition`,
 * then a sort of the k kept). Prints medians, the ratio ours / numpy, and how many
 * top-k lists agree exactly (float32 near-ties may swap neighbours).
 *
 *   npm run bench:retrieve [-- --tracks 100000] [-- --dim 128] [-- --queries 60,1000] [-- --k 5] [-- --reps 5]
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readNpy, writeNpy } from '../src/io/npy.js';
import { getBackend } from '../src/linalg/index.js';
import { Matrix } from '../src/linalg/matrix.js';
import { prepareLibrary, queryLibrary } from '../src/retrieve/query.js';
import { Rng } from '../src/util/rng.js';
import { findPython } from './lib/python.js';

const args = process.argv.slice(2);
function flag(name: string, def: string): string {
  const i = args.indexOf(name);
  return i >= 0 && args[i + 1] ? (args[i + 1] as string) : def;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

const PY = `
import json, sys, time
import numpy as np
E = np.load(sys.argv[1]); k = int(sys.argv[3]); reps = int(sys.argv[4]); out_dir = sys.argv[5]
res = {"prepare": [], "query": {}}
def prepare():
    n = np.linalg.norm(E, axis=1, keepdims=True); n[n == 0] = 1
    return (E / n).astype(np.float32)
for _ in range(reps):
    t = time.perf_counter(); U = prepare(); res["prepare"].append(time.perf_counter() - t)
for qf in sys.argv[2].split(','):
    Q = np.load(qf)
    def run():
        Qn = Q / np.maximum(np.linalg.norm(Q, axis=1, keepdims=True), 1e-30)
        S = Qn @ U.T
        part = np.argpartition(-S, k - 1, axis=1)[:, :k]
        sc = np.take_along_axis(S, part, axis=1)
        order = np.argsort(-sc, axis=1, kind='stable')
        return np.take_along_axis(part, order, axis=1)
    run()
    times = []
    for _ in range(reps):
        t = time.perf_counter(); idx = run(); times.append(time.perf_counter() - t)
    res["query"][qf] = times
    np.save(qf.replace('.npy', '.idx.npy'), idx.astype(np.int32))
print(json.dumps(res))
`;

async function main(): Promise<void> {
  const n = Number(flag('--tracks', '100000'));
  const d = Number(flag('--dim', '128'));
  const k = Number(flag('--k', '5'));
  const reps = Math.max(3, Number(flag('--reps', '5')));
  const queryCounts = flag('--queries', '60,1000').split(',').map(Number);
  const be = await getBackend();
  console.log('b2m retrieval benchmark');
  console.log(
    `  library ${n} × ${d} float32, top ${k}, backend ${be.info.name} (${be.info.blas ?? 'no BLAS'}, ${be.info.threads} threads)`,
  );
  console.log(`  medians of ${reps} runs after one untimed run; ratio = ours / numpy\n`);

  const dir = mkdtempSync(join(tmpdir(), 'b2m-bench-retrieve-'));
  try {
    const rng = new Rng(0);
    const E = Matrix.zeros(n, d, 'float32');
    rng.fillNormal(E.data);
    const ePath = join(dir, 'E.npy');
    await writeNpy(ePath, E.data, [n, d]);
    const qPaths: string[] = [];
    const Qs: Matrix<Float32Array>[] = [];
    for (const nq of queryCounts) {
      const Q = Matrix.zeros(nq, d, 'float32');
      rng.fillNormal(Q.data);
      const p = join(dir, `Q${nq}.npy`);
      await writeNpy(p, Q.data, [nq, d]);
      qPaths.push(p);
      Qs.push(Q);
    }

    const py = findPython(['numpy']);
    let pyRes: { prepare: number[]; query: Record<string, number[]> } | null = null;
    if (py) {
      const r = spawnSync(py, ['-c', PY, ePath, qPaths.join(','), String(k), String(reps), dir], {
        encoding: 'utf8',
        maxBuffer: 64 * 2 ** 20,
      });
      if (r.status === 0) pyRes = JSON.parse(r.stdout.trim().split('\n').pop() as string);
      else console.log(`  numpy side failed: ${(r.stderr || '').trim().split('\n').pop()}`);
    } else console.log('  numpy not found: ours only');

    const prepTimes: number[] = [];
    let lib = prepareLibrary({ E });
    for (let i = 0; i < reps; i++) {
      const t = performance.now();
      lib = prepareLibrary({ E });
      prepTimes.push((performance.now() - t) / 1000);
    }
    const rows: string[][] = [['step', 'ours (ms)', 'numpy (ms)', 'ratio', 'top-k lists equal']];
    const fmt = (s: number) => (s * 1000).toFixed(1);
    const pyPrep = pyRes ? median(pyRes.prepare) : Number.NaN;
    rows.push([
      `normalise library (${n} rows)`,
      fmt(median(prepTimes)),
      pyRes ? fmt(pyPrep) : '–',
      pyRes ? (median(prepTimes) / pyPrep).toFixed(2) : '–',
      '',
    ]);
    for (const [i, Q] of Qs.entries()) {
      await queryLibrary(lib, Q, k);
      const times: number[] = [];
      let res = await queryLibrary(lib, Q, k);
      for (let r = 0; r < reps; r++) {
        const t = performance.now();
        res = await queryLibrary(lib, Q, k);
        times.push((performance.now() - t) / 1000);
      }
      let agree = '–';
      let pyT = Number.NaN;
      if (pyRes) {
        pyT = median(pyRes.query[qPaths[i] as string] as number[]);
        const idx = (await readNpy((qPaths[i] as string).replace('.npy', '.idx.npy'))).data as Int32Array;
        let same = 0;
        for (let q = 0; q < Q.rows; q++) {
          let eq = true;
          for (let j = 0; j < k; j++) if (idx[q * k + j] !== res.indices[q * k + j]) eq = false;
          if (eq) same++;
        }
        agree = `${same}/${Q.rows}`;
      }
      rows.push([
        `query ${Q.rows} × top ${k}`,
        fmt(median(times)),
        pyRes ? fmt(pyT) : '–',
        pyRes ? (median(times) / pyT).toFixed(2) : '–',
        agree,
      ]);
    }
    const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => (r[c] as string).length)));
    for (const [i, r] of rows.entries()) {
      console.log(
        r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  '),
      );
      if (i === 0) console.log('-'.repeat(widths.reduce((a, b) => a + b + 2, -2)));
    }
    const rss = process.resourceUsage().maxRSS / 1024;
    console.log(
      `\npeak RSS ${rss.toFixed(0)} MiB (library ${((n * d * 4) / 2 ** 20).toFixed(0)} MiB raw + ${((n * d * 4) / 2 ** 20).toFixed(0)} MiB normalised)`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
