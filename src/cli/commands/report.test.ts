/** `b2m report RUNDIR` in process (the command is registered in commands/index.ts by the integrator). */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Command } from 'commander';
import { tempRun } from '../../report/testing.js';
import { UserError } from '../../util/errors.js';
import { registerReport } from './report.js';

async function run(...args: string[]): Promise<string> {
  const program = new Command('b2m').exitOverride();
  registerReport(program);
  const out: string[] = [];
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((s: string) => {
    out.push(String(s));
    return true;
  }) as typeof process.stdout.write;
  try {
    await program.parseAsync(['node', 'b2m', 'report', ...args]);
  } finally {
    process.stdout.write = write;
  }
  return out.join('');
}

describe('b2m report', () => {
  let fx: Awaited<ReturnType<typeof tempRun>>;
  before(async () => {
    fx = await tempRun('report-cli', { parts: { generation: false, retrieval: false } });
  });
  after(() => fx?.cleanup());

  it('writes report.html and prints its size and time', async () => {
    const out = await run(fx.run, '-q');
    assert.match(out, /wrote .*report\.html \(\d+(\.\d)? kB, assets [\d.]+ [km]B\) in [\d.]+ s/);
    assert.ok(existsSync(join(fx.run, 'report.html')));
  });

  it('refuses a missing or non-run folder with a UserError that says what to do', async () => {
    await assert.rejects(
      run(join(fx.dir, 'missing'), '-q'),
      (e: unknown) =>
        e instanceof UserError && /does not exist/.test(e.message) && /--out folder/.test(e.hint ?? ''),
    );
    await assert.rejects(
      run(fx.dir, '-q'),
      (e: unknown) => e instanceof UserError && /not a b2m run folder/.test(e.message),
    );
  });
});
