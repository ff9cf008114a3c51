/**
 * Atomic outputs: everything is written to a temporary sibling and renamed into
 * place, so a crash or Ctrl-C never leaves a half-written artifact that a later
 * run would trust (rename is atomic within one file system).
 */
import { randomBytes } from 'node:crypto';
import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { UserError } from './errors.js';

function tempSibling(path: string): string {
  return join(dirname(path), `.${basename(path)}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`);
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
  } catch (e) {
    await rm(tmp, { force: true });
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
    },
    abort: async () => {
      stream.destroy();
      await rm(tmp, { force: true });
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
    throw new UserError(`cannot write into ${dirname(dir)}: ${(e as Error).message}`, {
      file: dir,
      hint: 'choose an output folder you can write to',
      cause: e,
    });
  }
  try {
    await fill(tmp);
    const old = await stat(dir).then(
      () => tempSibling(dir),
      () => null,
    );
    if (old) await rename(dir, old);
    await rename(tmp, dir);
    if (old) await rm(old, { recursive: true, force: true });
  } catch (e) {
    await rm(tmp, { recursive: true, force: true });
    throw e;
  }
}
