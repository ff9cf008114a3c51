/**
 * `b2m doctor`: is this machine ready? Prints the numeric engine's checks (see
 * src/linalg/diagnose.ts) and exits 1 when something required fails.
 */
import type { Command } from 'commander';
import { type Check, diagnoseEngine } from '../../linalg/diagnose.js';
import { VERSION } from '../../version.js';

const MARK: Record<Check['status'], string> = { ok: 'ok  ', warn: 'warn', fail: 'FAIL' };

export function registerDoctor(program: Command): void {
  program
    .command('doctor')
    .description('check this machine: numeric backend and why, BLAS library and core type, threads, Node')
    .option('--json', 'print one JSON object instead of lines')
    .option('--strict', 'treat warnings (e.g. the native addon missing) as failures')
    .addHelpText(
      'after',
      `
Exit status: 0 when everything required works, 1 otherwise (with a fix for each
problem). The native addon is optional (the portable backend takes over) unless
B2M_BACKEND=native or --strict.

Environment: B2M_BACKEND=native|portable, B2M_THREADS=<n> (default: all cores),
OPENBLAS_CORETYPE (respected, reported; never changed).

Examples:
  $ b2m doctor
  $ b2m doctor --json | jq .backend
  $ B2M_BACKEND=portable b2m doctor
  $ b2m doctor --strict          # in CI: fail when the native addon did not build`,
    )
    .action(async (opts: { json?: boolean; strict?: boolean }) => {
      const { backend, checks } = await diagnoseEngine(process.env);
      const failed = checks.some((c) => c.status === 'fail' || (opts.strict && c.status === 'warn'));
      if (opts.json) {
        const out = { ok: !failed, version: VERSION, node: process.version, backend, checks };
        process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
      } else {
        const width = Math.max(...checks.map((c) => c.name.length));
        process.stdout.write(`b2m ${VERSION} doctor\n`);
        for (const c of checks) {
          process.stdout.write(`  ${MARK[c.status]}  ${c.name.padEnd(width)}  ${c.detail}\n`);
          if (c.fix && c.status !== 'ok')
            process.stdout.write(`  ${' '.repeat(4)}  ${' '.repeat(width)}  fix: ${c.fix}\n`);
        }
        process.stdout.write(failed ? 'Some checks failed; see the fixes above.\n' : 'Ready.\n');
      }
      if (failed) process.exitCode = 1;
    });
}
