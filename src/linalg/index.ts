/**
 * The numeric engine's entry point. `getBackend()` answers one cached backend:
 * native when the addon loads, portable otherwise, or what `B2M_BACKEND=native|portable`
 * asks for. Matrices are row-major (see matrix.ts).
 */
import { UserError } from '../util/errors.js';
import type { Backend } from './backend.js';
import { FIX_HINT, loadAddon } from './native/addon.js';
import { createNativeBackend } from './native/index.js';
import { createPortableBackend } from './portable/index.js';
import { threadsFromEnv } from './threads.js';

export type {
  Backend,
  BackendInfo,
  EighResult,
  GemmOptions,
  SvdResult,
  Transpose,
} from './backend.js';
export { CheckedBackend, SYMMETRY_TOLERANCE } from './checked.js';
export type { Kernels } from './kernels.js';
export {
  type ArrayFor,
  allocate,
  assertShape,
  type DType,
  dtypeOf,
  type FloatArray,
  Matrix,
} from './matrix.js';
export { jobThreadsFromEnv, threadsFromEnv } from './threads.js';

/** Names `B2M_BACKEND` accepts, each with a factory. */
export const BACKENDS: Record<'native' | 'portable', (reason: string) => Backend> = {
  native: (reason) => {
    const load = loadAddon();
    if (!load.ok) {
      throw new UserError(`B2M_BACKEND=native was requested but ${load.reason}`, {
        field: 'B2M_BACKEND',
        hint: `${FIX_HINT}, or unset B2M_BACKEND to fall back to the portable backend`,
      });
    }
    return createNativeBackend(load.addon, reason, threadsFromEnv());
  },
  portable: (reason) => createPortableBackend(reason),
};

let portable: Backend | undefined;
let selected: Promise<Backend> | undefined;

/** The pure-TypeScript backend (a cached singleton), whatever B2M_BACKEND says. */
export function getPortableBackend(): Backend {
  portable ??= createPortableBackend('requested explicitly');
  return portable;
}

/** Picks the backend as `getBackend()` does, without caching (for `b2m doctor` and tests). */
export function selectBackend(env: NodeJS.ProcessEnv = process.env): Backend {
  const want = env.B2M_BACKEND?.trim();
  if (want) {
    if (!Object.hasOwn(BACKENDS, want)) {
      throw new UserError(`unknown B2M_BACKEND '${want}'`, {
        field: 'B2M_BACKEND',
        hint: `use one of: ${Object.keys(BACKENDS).join(', ')} (or unset it to choose automatically)`,
      });
    }
    return BACKENDS[want as keyof typeof BACKENDS](`B2M_BACKEND=${want}`);
  }
  const load = loadAddon();
  if (load.ok) return createNativeBackend(load.addon, 'the native addon loaded', threadsFromEnv(env));
  return createPortableBackend(`${load.reason}; fix: ${FIX_HINT}`);
}

/** The active backend (cached for the process). */
export function getBackend(): Promise<Backend> {
  if (!selected) {
    const p = (async () => selectBackend())();
    // A failed choice (bad B2M_BACKEND) is not cached, so a corrected environment works.
    p.catch(() => {
      if (selected === p) selected = undefined;
    });
    selected = p;
  }
  return selected;
}

/**
 * Sets the BLAS threads of the active backend for the rest of the process and
 * answers the count that was in force before (the portable backend is single-threaded
 * and ignores it). One thread lets concurrent calls run side by side (see
 * native/src/b2m_linalg.c), which is how the pipeline runs jobs at once.
 */
export async function setBlasThreads(threads: number): Promise<number> {
  if (!Number.isInteger(threads) || threads < 1)
    throw new RangeError(`BLAS threads must be ≥ 1, got ${threads}`);
  const backend = await getBackend();
  const before = backend.info.threads;
  if (backend.info.name !== 'native') return before;
  const load = loadAddon();
  if (!load.ok) return before;
  load.addon.setThreads(threads);
  backend.info.threads = load.addon.info().threads;
  return before;
}

/** Runs `work` with `threads` BLAS threads, then restores the count that was in force. */
export async function withBlasThreads<T>(threads: number, work: () => Promise<T>): Promise<T> {
  const before = await setBlasThreads(threads);
  try {
    return await work();
  } finally {
    await setBlasThreads(before);
  }
}
