#!/usr/bin/env node
// Builds the native BLAS/LAPACK addon (native/) with node-gyp against the Node
// headers installed on this machine; it never downloads headers. A failed build is
// not fatal during `npm install`/`npm ci` (one line is printed, the portable backend
// takes over, and `b2m doctor` says why); `npm run build:native` (--force) exits 1.
//
//   node scripts/build-native.mjs [--force]
//   B2M_SKIP_NATIVE=1 skips the build entirely.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const nativeDir = join(root, 'native');
const buildDir = join(nativeDir, 'build');
const addon = join(buildDir, 'Release', 'b2m_linalg.node');
const statusFile = join(buildDir, 'b2m-build-status.json');
const logFile = join(buildDir, 'b2m-build.log');
const force = process.argv.includes('--force');
const FIX = 'apt-get install build-essential libopenblas-dev liblapacke-dev, then npm run build:native';

function finish(ok, reason, log = '') {
  mkdirSync(buildDir, { recursive: true });
  writeFileSync(statusFile, `${JSON.stringify({ ok, reason, date: new Date().toISOString() }, null, 2)}\n`);
  if (log) writeFileSync(logFile, log);
  if (ok) {
    console.log(`[b2m] native addon built: ${reason}`);
    process.exit(0);
  }
  console.log(`[b2m] native addon NOT built (${reason}); using the portable backend. Fix: ${FIX}`);
  process.exit(force ? 1 : 0);
}

if (!existsSync(join(nativeDir, 'binding.gyp'))) finish(false, 'native/binding.gyp is missing');
if (process.env.B2M_SKIP_NATIVE === '1') {
  console.log('[b2m] B2M_SKIP_NATIVE=1: skipping the native addon build');
  process.exit(0);
}

// Up to date: the addon is newer than every source.
if (!force && existsSync(addon)) {
  const built = statSync(addon).mtimeMs;
  const sources = [join(nativeDir, 'binding.gyp'), join(nativeDir, 'src', 'b2m_linalg.c')];
  if (sources.every((s) => !existsSync(s) || statSync(s).mtimeMs <= built)) {
    console.log('[b2m] native addon is up to date');
    process.exit(0);
  }
}

// Node headers already on this machine: never let node-gyp download them.
function findNodeDir() {
  const candidates = [process.env.npm_config_nodedir, dirname(dirname(process.execPath)), '/usr'];
  for (const dir of candidates) {
    if (
      dir &&
      existsSync(join(dir, 'include', 'node', 'node_api.h')) &&
      existsSync(join(dir, 'include', 'node', 'common.gypi'))
    ) {
      return dir;
    }
  }
  return null;
}

function findNodeGyp() {
  try {
    return createRequire(join(root, 'package.json')).resolve('node-gyp/bin/node-gyp.js');
  } catch {
    // npm's bundled copy, when our own dependency is not installed yet.
    const npmCli = process.env.npm_execpath;
    const bundled = npmCli && join(dirname(npmCli), '..', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js');
    return bundled && existsSync(bundled) ? bundled : null;
  }
}

const nodedir = findNodeDir();
if (!nodedir)
  finish(
    false,
    'Node.js headers (include/node/node_api.h) not found; install the nodejs development headers',
  );
const gyp = findNodeGyp();
if (!gyp) finish(false, 'node-gyp is not installed (run npm ci)');

const env = { ...process.env, npm_config_nodedir: nodedir };
const r = spawnSync(process.execPath, [gyp, 'rebuild', `--nodedir=${nodedir}`, '--release'], {
  cwd: nativeDir,
  env,
  encoding: 'utf8',
  maxBuffer: 64 * 1024 * 1024,
});
const log = `${r.stdout ?? ''}\n${r.stderr ?? ''}`;
if (r.status !== 0 || !existsSync(addon)) {
  let reason = `node-gyp failed (exit ${r.status}); see native/build/b2m-build.log`;
  const header = /fatal error: ([\w./-]+\.h): No such file/.exec(log);
  if (header) reason = `the header ${header[1]} is missing (OpenBLAS/LAPACKE or Node development files)`;
  else if (/cannot find -l(openblas|lapacke)/.test(log))
    reason = 'the OpenBLAS/LAPACKE libraries are missing';
  else if (/not found: (make|cc|gcc|g\+\+)|gyp ERR! stack Error: not found/.test(log))
    reason = 'no C compiler or make';
  finish(false, reason, log);
}

// Prove it loads and talks to OpenBLAS before calling it built.
const probe = spawnSync(
  process.execPath,
  [
    '-e',
    `const a = require(${JSON.stringify(addon)}); const i = a.info(); console.log(i.config + ' (' + i.corename + ')');`,
  ],
  { encoding: 'utf8' },
);
if (probe.status !== 0) {
  finish(
    false,
    `built but does not load: ${(probe.stderr || '').trim().split('\n')[0]}`,
    `${log}\n${probe.stderr}`,
  );
}
finish(true, probe.stdout.trim(), log);
