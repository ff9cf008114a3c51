/**
 * Health of the numeric engine, for `b2m doctor`: which backend is active and why,
 * the BLAS library and core type, threads, and a small self-test of every routine
 * on the active backend against the portable one. Each finding is a `Check`, so
 * the CLI can print them as lines or JSON and decide the exit code.
 */
import { availableParallelism } from 'node:os';
import { isUserError } from '../util/errors.js';
import type { Backend, BackendInfo } from './backend.js';
import { getPortableBackend, selectBackend } from './index.js';
import { Matrix } from './matrix.js';
import { ADDON_PATH, FIX_HINT, lastBuildFailure, loadAddon } from './native/addon.js';
import { threadsFromEnv } from './threads.js';

export type CheckStatus = 'ok' | 'warn' | 'fail';

export interface Check {
  name: string;
  status: CheckStatus;
  detail: string;
  /** What to do about a warn/fail. */
  fix?: string;
}

export interface EngineDiagnosis {
  /** The active backend's description; absent when none could be selected. */
  backend?: BackendInfo;
  checks: Check[];
}

/** Node major version the project supports at least (package.json engines). */
const MIN_NODE_MAJOR = 20;

export async function diagnoseEngine(env: NodeJS.ProcessEnv = process.env): Promise<EngineDiagnosis> {
  const checks: Check[] = [];
  const major = Number(process.versions.node.split('.')[0]);
  checks.push({
    name: 'node',
    status: major >= MIN_NODE_MAJOR ? 'ok' : 'fail',
    detail: `${process.version} (${process.platform} ${process.arch})`,
    fix: major >= MIN_NODE_MAJOR ? undefined : `install Node.js ${MIN_NODE_MAJOR} or newer`,
  });

  const load = loadAddon();
  const wantNative = env.B2M_BACKEND?.trim() === 'native';
  if (load.ok) checks.push({ name: 'native addon', status: 'ok', detail: `loaded (${load.path})` });
  else {
    const build = lastBuildFailure();
    checks.push({
      name: 'native addon',
      // Optional unless asked for: the portable backend takes over.
      status: wantNative ? 'fail' : 'warn',
      detail: `${load.reason}${build && !load.reason.includes(build) ? ` (last build: ${build})` : ''}; expected at ${ADDON_PATH}`,
      fix: FIX_HINT,
    });
  }

  let backend: Backend | undefined;
  try {
    backend = selectBackend(env);
    checks.push({ name: 'backend', status: 'ok', detail: `${backend.info.name}: ${backend.info.reason}` });
  } catch (e) {
    if (!isUserError(e)) throw e;
    checks.push({ name: 'backend', status: 'fail', detail: e.message, fix: e.hint });
  }

  if (backend?.info.name === 'native') {
    const info = backend.info;
    checks.push({ name: 'blas', status: 'ok', detail: info.blas ?? 'unknown' });
    const envCore = env.OPENBLAS_CORETYPE;
    const l2 = env.OPENBLAS_L2_SIZE;
    checks.push({
      name: 'core type',
      status: 'ok',
      detail:
        `${info.coreType ?? 'unknown'} (OPENBLAS_CORETYPE ${envCore ? `= ${envCore}` : 'not set'}` +
        `${l2 ? `, OPENBLAS_L2_SIZE = ${l2}` : ''})`,
    });
  }

  try {
    const threads = threadsFromEnv(env);
    const cores = availableParallelism();
    const active = backend?.info.threads ?? threads;
    checks.push({
      name: 'threads',
      status: 'ok',
      detail:
        backend?.info.name === 'portable'
          ? `1 (the portable backend is single-threaded; ${cores} cores available)`
          : `${active} (${env.B2M_THREADS ? `B2M_THREADS=${env.B2M_THREADS}` : `B2M_THREADS not set: all ${cores} cores`})`,
    });
  } catch (e) {
    if (!isUserError(e)) throw e;
    checks.push({ name: 'threads', status: 'fail', detail: e.message, fix: e.hint });
  }

  if (backend) checks.push(await selfTest(backend));
  return { backend: backend?.info, checks };
}

/** Every routine on a small problem, in both dtypes, against the portable backend. */
async function selfTest(b: Backend): Promise<Check> {
  const ref = getPortableBackend();
  const failures: string[] = [];
  for (const dtype of ['float32', 'float64'] as const) {
    const tol = dtype === 'float32' ? 1e-4 : 1e-10;
    const X = Matrix.build(23, 9, (i, j) => Math.sin(i * 9 + j + 1) + (i === j ? 2 : 0), dtype);
    const close = (a: ArrayLike<number>, r: ArrayLike<number>, what: string) => {
      let err = 0;
      let scale = 0;
      for (let t = 0; t < r.length; t++) {
        err = Math.max(err, Math.abs((a[t] as number) - (r[t] as number)));
        scale = Math.max(scale, Math.abs(r[t] as number));
      }
      if (!(err <= tol * Math.max(1, scale)))
        failures.push(`${what} ${dtype} (error ${err.toExponential(1)})`);
    };
    try {
      const G = await b.gemm(X, X, { transA: true });
      close(G.data, (await ref.gemm(X, X, { transA: true })).data, 'gemm');
      close((await b.syrk(X, { trans: true })).data, G.data, 'syrk');
      close((await b.eigh(G)).values, (await ref.eigh(G)).values, 'eigh');
      close((await b.cholesky(G)).data, (await ref.cholesky(G)).data, 'cholesky');
      const B = X.rowSlice(0, 9).clone();
      close((await b.solveSPD(G, B)).data, (await ref.solveSPD(G, B)).data, 'solve');
      close((await b.svd(X)).s, (await ref.svd(X)).s, 'svd');
    } catch (e) {
      failures.push(`${dtype}: ${(e as Error).message}`);
    }
  }
  if (failures.length === 0) {
    return {
      name: 'self-test',
      status: 'ok',
      detail: 'gemm, syrk, eigh, cholesky, solve, svd agree with the portable reference (float32, float64)',
    };
  }
  return {
    name: 'self-test',
    status: 'fail',
    detail: `wrong results: ${failures.join('; ')}`,
    fix:
      'the BLAS library computes wrong results on this processor: set OPENBLAS_CORETYPE to an older core ' +
      '(e.g. OPENBLAS_CORETYPE=Haswell) or use B2M_BACKEND=portable, and report it',
  };
}
