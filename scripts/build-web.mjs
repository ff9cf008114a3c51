#!/usr/bin/env node
// Bundles the studio's web app (web/) with esbuild into dist/web/ (git-ignored):
// app.js (niivue included, no CDN), app.css and index.html. Run by `npm install`
// and by `b2m studio` when the bundle is missing or older than its sources.
// `--if-stale` skips the build when dist/web is newer than every file in web/.
import { copyFileSync, existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const SRC = join(ROOT, 'web');
const OUT = join(ROOT, 'dist', 'web');

function newest(dir) {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return t;
}

export function isStale() {
  const files = ['app.js', 'app.css', 'index.html'].map((f) => join(OUT, f));
  if (!files.every((f) => existsSync(f))) return true;
  const built = Math.min(...files.map((f) => statSync(f).mtimeMs));
  return newest(SRC) > built;
}

export async function buildWeb() {
  const esbuild = await import('esbuild');
  mkdirSync(OUT, { recursive: true });
  await esbuild.build({
    entryPoints: [join(SRC, 'src', 'main.ts')],
    outfile: join(OUT, 'app.js'),
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    minify: true,
    legalComments: 'linked',
    logLevel: 'warning',
  });
  copyFileSync(join(SRC, 'app.css'), join(OUT, 'app.css'));
  copyFileSync(join(SRC, 'index.html'), join(OUT, 'index.html'));
  return OUT;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  if (process.argv.includes('--if-stale') && !isStale()) process.exit(0);
  buildWeb().then(
    (out) => console.log(`[build-web] wrote ${out}`),
    (e) => {
      console.error(`[build-web] failed: ${e?.message ?? e}`);
      process.exit(1);
    },
  );
}
