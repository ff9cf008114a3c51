/**
 * Loads the N-API addon built from native/ (see scripts/build-native.mjs) and
 * describes its raw interface. Loading never throws: it answers the addon or the
 * reason it is unavailable, which `getBackend()` and `b2m doctor` report.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FloatArray } from '../matrix.js';

/** What the C side exports (native/src/b2m_linalg.c). All arrays are row-major. */
export interface NativeAddon {
  /** OpenBLAS's own description of itself. */
  info(): { config: string; corename: string; threads: number; procs: number };
  setThreads(n: number): void;
  firstNonFinite(a: FloatArray): number;
  maxAbs(a: FloatArray): number;
  firstAsymmetric(n: number, a: FloatArray, tol: number): number;
  gemm(
    transA: boolean,
    transB: boolean,
    m: number,
    n: number,
    k: number,
    alpha: number,
    A: FloatArray,
    B: FloatArray,
    beta: number,
    C: FloatArray,
  ): Promise<void>;
  syrk(trans: boolean, n: number, k: number, alpha: number, A: FloatArray, C: FloatArray): Promise<void>;
  syevd(n: number, A: FloatArray, w: FloatArray): Promise<number>;
  potrf(n: number, A: FloatArray): Promise<number>;
  potrs(n: number, m: number, L: FloatArray, B: FloatArray): Promise<void>;
  gesdd(m: number, n: number, A: FloatArray, s: FloatArray, U: FloatArray, Vt: FloatArray): Promise<number>;
}

export type AddonLoad = { ok: true; addon: NativeAddon; path: string } | { ok: false; reason: string };

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const ADDON_PATH = join(ROOT, 'native', 'build', 'Release', 'b2m_linalg.node');
/** Written by scripts/build-native.mjs: `{ ok, reason?, log? }` of the last build. */
export const BUILD_STATUS_PATH = join(ROOT, 'native', 'build', 'b2m-build-status.json');

export const FIX_HINT =
  'install the system libraries (apt-get install build-essential libopenblas-dev liblapacke-dev) and run `npm run build:native`';

/** The last build's failure reason, if the build script recorded one. */
export function lastBuildFailure(): string | undefined {
  try {
    const st = JSON.parse(readFileSync(BUILD_STATUS_PATH, 'utf8')) as { ok?: boolean; reason?: string };
    return st.ok ? undefined : st.reason;
  } catch {
    return undefined;
  }
}

let cached: AddonLoad | undefined;

export function loadAddon(): AddonLoad {
  if (cached) return cached;
  if (!existsSync(ADDON_PATH)) {
    const why = lastBuildFailure();
    cached = {
      ok: false,
      reason: why ? `the native addon failed to build: ${why}` : 'the native addon is not built',
    };
    return cached;
  }
  try {
    const require = createRequire(import.meta.url);
    cached = { ok: true, addon: require(ADDON_PATH) as NativeAddon, path: ADDON_PATH };
  } catch (e) {
    cached = { ok: false, reason: `the native addon failed to load: ${(e as Error).message.split('\n')[0]}` };
  }
  return cached;
}
