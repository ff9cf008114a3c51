/**
 * Atomic outputs: everything is written to a temporary sibling and renamed into
 * place, so a crash or Ctrl-C never leaves a half-written artifact that a later
 * run would trust (rename is atomic within one file system).
 */
import { randomBytes } from 'node:crypto';
import { createWriteStream, existsSync, readdirSync, renameSync, rmSync, type WriteStream } from 'node:fs';
import { mkdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { UserError } from './errors.js';

/**
 * Every temporary this process has open, so a signal handler can remove them all
 * (`installTempCleanup`). Entries leave the set when committed or aborted.
 */
const liveTemps = new Set<string>();

/** Temporaries this process holds right now (absolute paths; for tests and diagnostics). */
export function liveTemporaries(): string[] {
  return [...liveTemps];
}

/** Folders moved aside while their replacement is renamed in: old name → moved-to name. */
const movedAside = new Map<string, string>();

/** Removes every temporary this process holds (synchronous: safe in a signal handler). */
export function removeLiveTemporaries(): number {
  for (const [dir, old] of movedAside) {
    try {
      if (!existsSync(dir)) renameSync(old, dir);
    } catch {
      // Left as .<name>.old-…: still the user's only copy, so never removed.
    }
  }
  movedAside.clear();
  let n = 0;
  for (const p of liveTemps) {
    // Worker threads may still be writing into a temporary folder (and re-create it):
    // remove until it has stayed gone for 5 checks in a row, for at most about 3 s
    // (the workers die with the process right after; anything left is swept by the
    // next run, since its pid is dead).
    let gone = 0;
    for (let attempt = 0; attempt < 150 && gone < 5; attempt++) {
      if (existsSync(p)) {
        gone = 0;
        try {
          rmSync(p, { recursive: true, force: true, maxRetries: 2 });
        } catch {
          // Tried again on the next round.
        }
      } else gone++;
      Atomics.wait(PAUSE, 0, 0, 20);
    }
    n++;
  }
  liveTemps.clear();
  return n;
}

let cleanupInstalled = false;
const PAUSE = new Int32Array(new SharedArrayBuffer(4));

/**
 * On SIGINT or SIGTERM, removes this process's temporaries, says so on stderr and
 * exits 130 (SIGINT) or 143 (SIGTERM), as a shell does. The CLI installs it once;
 * library callers that own their process may too.
 */
export function installTempCleanup(
  say: (line: string) => void = (l) => process.stderr.write(`${l}\n`),
): void {
  if (cleanupInstalled) return;
  cleanupInstalled = true;
  const handler = (signal: NodeJS.Signals) => {
    const n = removeLiveTemporaries();
    say(
      `\ninterrupted (${signal})${n ? `; removed ${n} unfinished output${n > 1 ? 's' : ''}` : ''}; nothing half-written was left`,
    );
    process.exit(signal === 'SIGINT' ? 130 : 143);
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
}

const TEMP_RE = /^\.(.+)\.tmp-(\d+)-[0-9a-f]{8}$/;

function processAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: the pid runs under another user, so it is alive.
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Removes temporaries of ours in `dir` left by a process that no longer runs
 * (a kill -9, a power cut). With `name`, only those of that output. Returns the
 * paths removed; ones that cannot be removed are returned in `kept`.
 */
export function sweepStaleTemps(dir: string, name?: string): { removed: string[]; kept: string[] } {
  const removed: string[] = [];
  const kept: string[] = [];
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return { removed, kept };
  }
  for (const e of entries) {
    const m = TEMP_RE.exec(e);
    if (!m || (name !== undefined && m[1] !== name) || processAlive(Number(m[2]))) continue;
    const p = join(dir, e);
    try {
      rmSync(p, { recursive: true, force: true });
      removed.push(p);
    } catch {
      kept.push(p);
    }
  }
  return { removed, kept };
}

function tempSibling(path: string): string {
  const p = join(
    dirname(resolve(path)),
    `.${basename(path)}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`,
  );
  liveTemps.add(p);
  return p;
}

/**
 * Registers a temporary made outside these helpers (a stage's working folder) so
 * that a signal removes it too. Call the returned function once it is renamed into
 * place or removed.
 */
export function trackTemporary(path: string): () => void {
  const p = resolve(path);
  liveTemps.add(p);
  return () => released(p);
}

function released(tmp: string): void {
  liveTemps.delete(tmp);
}

async function ensureParent(path: string): Promise<void> {
  const dir = dirname(path);
  try {
    await mkdir(dir, { recursive: true });
  } catch (e) {
    throw new UserError(`cannot create output folder ${dir}: ${(e as Error).message}`, {
      file: path,
      hint: 'choose an output path in a folder you can write to',
      cause: e,
    });
  }
}

/** Writes `data` to `path` atomically, creating parent folders. */
export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  await ensureParent(path);
  const tmp = tempSibling(path);
  try {
    await writeFile(tmp, data);
    await rename(tmp, path);
    released(tmp);
  } catch (e) {
    await rm(tmp, { force: true });
    released(tmp);
    throw new UserError(`cannot write ${path}: ${(e as Error).message}`, {
      file: path,
      hint: 'check that the folder exists and is writable, and that the disk has room',
      cause: e,
    });
  }
}

/**
 * A write stream to a temporary sibling of `path`; `commit()` closes it and renames
 * it into place, `abort()` removes it. For outputs too large to build in memory.
 */
export async function openAtomicStream(
  path: string,
): Promise<{ stream: WriteStream; commit: () => Promise<void>; abort: () => Promise<void> }> {
  await ensureParent(path);
  const tmp = tempSibling(path);
  const stream = createWriteStream(tmp);
  await new Promise<void>((resolve, reject) => {
    stream.once('open', () => resolve());
    stream.once('error', reject);
  }).catch(async (e) => {
    released(tmp);
    throw new UserError(`cannot write ${path}: ${(e as Error).message}`, {
      file: path,
      hint: 'check that the folder is writable and the disk has room',
      cause: e,
    });
  });
  const close = () =>
    new Promise<void>((resolve, reject) => {
      if (stream.closed) return resolve();
      stream.end((err?: Error | null) => (err ? reject(err) : resolve()));
    });
  return {
    stream,
    commit: async () => {
      await close();
      await rename(tmp, path);
      released(tmp);
    },
    abort: async () => {
      stream.destroy();
      await rm(tmp, { force: true });
      released(tmp);
    },
  };
}

/**
 * Builds a whole output folder atomically: `fill(tmpDir)` writes into a temporary
 * sibling folder, which then replaces `dir` (an existing `dir` is replaced only
 * after the new one is complete).
 */
export async function writeDirAtomic(dir: string, fill: (tmpDir: string) => Promise<void>): Promise<void> {
  await ensureParent(dir);
  const tmp = tempSibling(dir);
  try {
    await mkdir(tmp);
  } catch (e) {
    released(tmp);
    throw new UserError(`cannot write into ${dirname(dir)}: ${(e as Error).message}`, {
      file: dir,
      hint: 'choose an output folder you can write to',
      cause: e,
    });
  }
  try {
    await fill(tmp);
    // The old folder is moved aside under a name that is NOT registered for
    // removal on a signal: until the new one is in place it is the only copy.
    const old = await stat(dir).then(
      () =>
        join(dirname(resolve(dir)), `.${basename(dir)}.old-${process.pid}-${randomBytes(4).toString('hex')}`),
      () => null,
    );
    const target = resolve(dir);
    if (old) {
      await rename(dir, old);
      movedAside.set(target, old);
    }
    try {
      await rename(tmp, dir);
    } catch (e) {
      if (old) await rename(old, dir);
      throw e;
    } finally {
      movedAside.delete(target);
    }
    released(tmp);
    if (old) await rm(old, { recursive: true, force: true });
  } catch (e) {
    await rm(tmp, { recursive: true, force: true });
    released(tmp);
    throw e;
  }
}
