/**
 * The studio's web app bundle (dist/web): built by `npm install`
 * (scripts/build-web.mjs); rebuilt here at start when it is missing or older
 * than web/, so a fresh checkout works on first run.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { UserError } from '../../util/errors.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const WEB_DIR = join(ROOT, 'dist', 'web');

/** Ensures dist/web is built and current; returns its path. */
export function ensureWebBundle(): string {
  const script = join(ROOT, 'scripts', 'build-web.mjs');
  if (!existsSync(join(ROOT, 'web'))) return WEB_DIR;
  const r = spawnSync(process.execPath, [script, '--if-stale'], { encoding: 'utf8' });
  if (r.status !== 0) {
    throw new UserError(
      `building the studio's web app failed: ${(r.stderr || r.stdout).trim().split('\n').pop()}`,
      {
        file: script,
        hint: 'run `node scripts/build-web.mjs` to see the whole error',
      },
    );
  }
  return WEB_DIR;
}
