/**
 * Fuzzing at scale: ≥ 10⁴ cases per parser (NIfTI, .npy, .npz, events.tsv, run config,
 * WAV, .au), mutated real files and random headers, under a 64-MiB memory budget.
 * Every case must parse or fail with a UserError: no other exception, no hang, no
 * allocation past the budget. Prints the counts per parser; exits 1 on a break
 * (with fast-check's seed and counterexample to replay).
 *
 *   node --import tsx bench/fuzz.bench.ts     (B2M_FUZZ_RUNS=10000, B2M_FUZZ_SEED=<random>)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FUZZ_BUDGET, FUZZ_TARGETS, type FuzzReport, fuzz } from '../src/testing/fuzz.js';

const runs = Number(process.env.B2M_FUZZ_RUNS ?? 10_000);
const seed = Number(process.env.B2M_FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31));
const scratch = mkdtempSync(join(tmpdir(), 'b2m-fuzz-bench-'));
const rows: FuzzReport[] = [];
let broken = 0;
console.log(
  `fuzzing ${FUZZ_TARGETS.length} parsers × ${runs} cases, seed ${seed}, budget ${FUZZ_BUDGET / 2 ** 20} MiB`,
);
try {
  for (const t of FUZZ_TARGETS) {
    try {
      const r = await fuzz(t, scratch, runs, seed);
      rows.push(r);
      console.log(
        `${t.name.padEnd(11)} ${String(r.cases).padStart(6)} cases: ${String(r.parsed).padStart(6)} parsed, ${String(r.userErrors).padStart(6)} clear errors, 0 crashes/hangs/over-budget, ${r.seconds.toFixed(1)} s (${((r.seconds / r.cases) * 1e3).toFixed(2)} ms/case)`,
      );
    } catch (e) {
      broken++;
      console.log(
        `${t.name.padEnd(11)} BROKEN: ${(e as Error).message.split('\n').slice(0, 6).join('\n  ')}`,
      );
    }
  }
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
const total = rows.reduce((s, r) => s + r.cases, 0);
console.log(`total ${total} cases, ${broken} parser(s) broken`);
process.exitCode = broken ? 1 : 0;
