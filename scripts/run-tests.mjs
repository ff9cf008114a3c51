#!/usr/bin/env node
// Runs every `*.test.ts` under src/ and test/ with Node's own test runner (through tsx).
// Node 20's `--test` cannot glob TypeScript files itself, so we list them here.
// Extra arguments are passed through: `npm test -- src/ridge` runs one folder.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const roots = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const flags = process.argv.slice(2).filter((a) => a.startsWith('-'));
const files = [];
function walk(p) {
  const st = statSync(p);
  if (st.isDirectory()) {
    for (const name of readdirSync(p).sort()) {
      if (name === 'node_modules' || name.startsWith('.')) continue;
      walk(join(p, name));
    }
  } else if (p.endsWith('.test.ts')) {
    files.push(relative(process.cwd(), p));
  }
}
for (const r of roots.length ? roots : ['src', 'test']) {
  try {
    walk(r);
  } catch (e) {
    if (e.code !== 'ENOENT') throw e;
  }
}
if (files.length === 0) {
  console.error('no test files found');
  process.exit(1);
}
// Freed memory is kept and reused by the process instead of returned to the system:
// on virtual machines that hand freed pages back to the host (free page reporting),
// touching fresh memory costs ≈ 15 ms per MB, which made large temporaries the main cost
// of the ridge folds. The same setting as `npm run demo` (README, "Performance").
const GLIBC_TUNABLES =
  process.env.GLIBC_TUNABLES ?? 'glibc.malloc.mmap_max=0:glibc.malloc.trim_threshold=68719476736';
const res = spawnSync(process.execPath, ['--import', 'tsx', '--test', ...flags, ...files], {
  stdio: 'inherit',
  env: { ...process.env, GLIBC_TUNABLES },
});
process.exit(res.status ?? 1);
