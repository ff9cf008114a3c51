/**
 * Property tests of the file parsers (NIfTI, .npy, .npz, events.tsv, WAV, .au, run config):
 * a few hundred mutated real files and random headers each; every case parses or
 * fails with a UserError, none hangs, none allocates past the budget. The
 * benchmark `bench/fuzz.bench.ts` runs ≥ 10⁴ cases per parser.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { FUZZ_TARGETS, fuzz } from '../testing/fuzz.js';

const scratch = mkdtempSync(join(tmpdir(), 'b2m-fuzz-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

const RUNS = Number(process.env.B2M_FUZZ_RUNS ?? 300);
const SEED = Number(process.env.B2M_FUZZ_SEED ?? 42);

describe('parsers under fuzzing: a result or a UserError, never a crash, hang or huge allocation', () => {
  for (const target of FUZZ_TARGETS) {
    it(`${target.name}: ${RUNS} cases`, async () => {
      const r = await fuzz(target, scratch, RUNS, SEED);
      assert.equal(r.cases, RUNS);
      // Both outcomes occur: the mutations reach past the first check.
      assert.ok(r.userErrors > 0, 'no case was refused');
      assert.ok(r.parsed > 0 || target.name === 'au', 'no case parsed');
    });
  }
});
