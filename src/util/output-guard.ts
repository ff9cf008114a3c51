/**
 * The one rule for where a command may write. Before any work, a command claims
 * its output; the claim refuses (with a `UserError`, nothing touched):
 *   - an output that equals, contains or lies inside one of the command's inputs;
 *   - the working folder or one of its parents (renaming it fails with EBUSY, and
 *     replacing it would take everything in it);
 *   - an existing output that is not recognisably ours (a manifest or marker we
 *     wrote, or a file in the format we write), whatever `--force` says;
 *   - an existing output of ours without `--force`.
 * It also sweeps the temporaries a killed run of ours left beside the output
 * (`.<name>.tmp-<pid>-…` of a process that no longer runs).
 */
import {
  closeSync,
  existsSync,
  lstatSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  realpathSync,
} from 'node:fs';
import { mkdir, rmdir } from 'node:fs/promises';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import { sweepStaleTemps } from './atomic.js';
import { UserError } from './errors.js';

/** Name of the marker file a command may leave in an output folder it created. */
export const OUTPUT_MARKER = '.b2m-output.json';

export interface OutputMarker {
  tool: 'brain2music';
  /** What the folder holds, e.g. `ridge-model`. */
  kind: string;
  createdAt: string;
}

/** Inputs by the name the user knows them by (`--x` → path); undefined entries are skipped. */
export type GuardInputs = Record<string, string | undefined | null>;

interface GuardCommon {
  inputs?: GuardInputs;
  /** The user said `--force`: replace an existing output that is ours. */
  force?: boolean;
  /** The option naming the output, for messages (default `--out`). */
  flag?: string;
}

export interface FileGuardOptions extends GuardCommon {
  /** What we write, in words (`a .npy array`), for messages. */
  kind: string;
  /** True when an existing file is in the format we write (so `--force` may replace it). */
  recognise: (path: string) => boolean;
}

export interface DirGuardOptions extends GuardCommon {
  /** Marker kind (see `OUTPUT_MARKER`), e.g. `ridge-model`. */
  kind: string;
  /** What the folder holds, in words (`a ridge model`), for messages. */
  what: string;
  /** Recognises an existing folder as ours without the marker (a manifest we wrote). */
  recognise?: (dir: string, entries: string[]) => boolean;
  /**
   * Names we would write at the folder's top level; anything else in an existing
   * folder of ours is the user's and makes the claim fail rather than be replaced.
   */
  owns?: (name: string) => boolean;
}

/** Resolves symlinks of the longest existing prefix, so `a/../b` and links compare equal. */
export function canonicalPath(p: string): string {
  let cur = resolve(p);
  const rest: string[] = [];
  while (!existsSync(cur)) {
    const parent = dirname(cur);
    if (parent === cur) break;
    rest.unshift(basename(cur));
    cur = parent;
  }
  try {
    return join(realpathSync(cur), ...rest);
  } catch {
    return resolve(p);
  }
}

function isInside(child: string, parent: string): boolean {
  const r = relative(parent, child);
  return r === '' || (r !== '..' && !r.startsWith(`..${sep}`) && !r.startsWith(sep) && !/^[a-z]:/i.test(r));
}

/** Refuses an output that equals, contains or lies inside an input. */
export function assertApartFromInputs(out: string, inputs: GuardInputs, flag = '--out'): void {
  const o = canonicalPath(out);
  for (const [what, p] of Object.entries(inputs)) {
    if (!p) continue;
    const i = canonicalPath(p);
    if (!isInside(o, i) && !isInside(i, o)) continue;
    const how = o === i ? 'is' : isInside(o, i) ? 'lies inside' : 'contains';
    throw new UserError(`the output ${how} an input (${what} ${p}); nothing was written`, {
      file: out,
      field: flag,
      hint: 'choose an output path outside every input',
    });
  }
}

/** Refuses the working folder and its parents (EBUSY on rename, and everything in them at stake). */
function assertNotWorkingFolder(out: string, flag: string): void {
  const o = canonicalPath(out);
  const cwd = canonicalPath(process.cwd());
  if (isInside(cwd, o)) {
    throw new UserError(
      `the output ${o === cwd ? 'is the working folder' : 'contains the working folder'}; nothing was written`,
      { file: out, field: flag, hint: `name a new folder, e.g. ${flag} out/` },
    );
  }
}

/**
 * Fails early (before a long job) when `path`'s folder cannot be created or written:
 * creates and removes a probe folder in the nearest existing folder above it (a
 * permission check alone is wrong for root and read-only mounts).
 */
async function assertCreatable(path: string, flag: string): Promise<void> {
  let dir = dirname(resolve(path));
  for (;;) {
    let st: ReturnType<typeof lstatSync> | null = null;
    try {
      st = lstatSync(dir);
    } catch {
      st = null;
    }
    if (st) {
      if (!st.isDirectory() && !(st.isSymbolicLink() && existsSync(join(dir, '.')))) {
        throw new UserError(`cannot create ${path}: ${dir} is a file, not a folder`, {
          file: path,
          field: flag,
          hint: 'choose an output path inside a folder',
        });
      }
      const probe = join(dir, `.b2m-probe-${process.pid}-${Math.random().toString(16).slice(2, 10)}`);
      try {
        await mkdir(probe);
        await rmdir(probe);
      } catch (e) {
        throw new UserError(`cannot write into ${dir}: ${(e as Error).message}`, {
          file: path,
          field: flag,
          hint: 'choose an output path you can write to',
        });
      }
      return;
    }
    const up = dirname(dir);
    if (up === dir) return;
    dir = up;
  }
}

function lstatOrNull(p: string) {
  try {
    return lstatSync(p);
  } catch {
    return null;
  }
}

function listShort(entries: string[]): string {
  return entries.slice(0, 5).join(', ') + (entries.length > 5 ? `, … (${entries.length} in all)` : '');
}

/** A refusal of the output at `path` (nothing was touched). */
function refused(path: string, flag: string, message: string, hint: string): UserError {
  return new UserError(message, { file: path, field: flag, hint });
}

/** The checks of where an output goes, before looking at what is there. */
function checkPlace(path: string, inputs: GuardInputs, flag: string): string {
  const abs = resolve(path);
  assertApartFromInputs(abs, inputs, flag);
  assertNotWorkingFolder(abs, flag);
  return abs;
}

/** The claim's last steps: the folder can be written, and dead runs' temporaries are gone. */
async function settle(abs: string, flag: string): Promise<string> {
  await assertCreatable(abs, flag);
  sweepStaleTemps(dirname(abs), basename(abs));
  return abs;
}

const KEEP = 'nothing was touched';

/**
 * Claims an output file. Returns its absolute path. An existing file is replaced
 * only with `force` and only when it is in the format we write.
 */
export async function claimOutputFile(path: string, opts: FileGuardOptions): Promise<string> {
  const flag = opts.flag ?? '--out';
  const abs = checkPlace(path, opts.inputs ?? {}, flag);
  const st = lstatOrNull(abs);
  if (st) {
    if (st.isDirectory()) {
      throw refused(
        path,
        flag,
        `the output path is a folder; ${flag} names a file here`,
        'name a file inside it',
      );
    }
    if (!st.isFile() && !st.isSymbolicLink()) {
      throw refused(
        path,
        flag,
        'the output path exists and is not a regular file',
        `choose a new file name; ${KEEP}`,
      );
    }
    if (!opts.recognise(abs)) {
      throw refused(
        path,
        flag,
        `the output file exists and is not ${opts.kind}; it is not replaced, even with --force`,
        `choose a new file name; ${KEEP}`,
      );
    }
    if (!opts.force) {
      throw refused(
        path,
        flag,
        `the output file exists (${opts.kind})`,
        'choose a new file name, or pass --force to replace it',
      );
    }
  }
  return settle(abs, flag);
}

/** Reads our marker from `dir`, or null when there is none or it is not ours. */
export function readOutputMarker(dir: string): OutputMarker | null {
  try {
    const m = JSON.parse(readFileSync(join(dir, OUTPUT_MARKER), 'utf8')) as Partial<OutputMarker>;
    return m.tool === 'brain2music' && typeof m.kind === 'string' ? (m as OutputMarker) : null;
  } catch {
    return null;
  }
}

/** The marker's text for `kind` (write it into the folder you build). */
export function outputMarkerText(kind: string): string {
  const m: OutputMarker = { tool: 'brain2music', kind, createdAt: new Date().toISOString() };
  return `${JSON.stringify(m, null, 2)}\n`;
}

/**
 * Claims an output folder. Returns its absolute path. A missing or empty folder is
 * fine; an existing folder of ours (our marker of the same kind, or `recognise`)
 * is replaced only with `force`, and only when it holds nothing but what we write.
 */
export async function claimOutputDir(dir: string, opts: DirGuardOptions): Promise<string> {
  const flag = opts.flag ?? '--out';
  const abs = checkPlace(dir, opts.inputs ?? {}, flag);
  const st = lstatOrNull(abs);
  if (!st) return settle(abs, flag);
  if (!st.isDirectory()) {
    throw refused(
      dir,
      flag,
      'the output path exists and is not a folder; it is not replaced, even with --force',
      `choose a new folder name; ${KEEP}`,
    );
  }
  const entries = readdirSync(abs).filter((n) => !isOurTemp(n));
  if (entries.length === 0) return settle(abs, flag);
  const marker = readOutputMarker(abs);
  if (marker && marker.kind !== opts.kind) {
    throw refused(
      dir,
      flag,
      `the output folder holds a b2m ${marker.kind}, not ${opts.what}`,
      `choose a new folder name; ${KEEP}`,
    );
  }
  if (!marker && !(opts.recognise?.(abs, entries) ?? false)) {
    throw refused(
      dir,
      flag,
      `the output folder holds files that b2m did not write (${listShort(entries)}); it is not replaced, even with --force`,
      `choose a new or empty folder; ${KEEP}`,
    );
  }
  const foreign = opts.owns ? entries.filter((n) => n !== OUTPUT_MARKER && !opts.owns!(n)) : [];
  if (foreign.length) {
    throw refused(
      dir,
      flag,
      `the output folder holds ${opts.what} and also files b2m did not write (${listShort(foreign)}); it is not replaced, even with --force`,
      `move those files out, or choose a new folder; ${KEEP}`,
    );
  }
  if (!opts.force) {
    throw refused(
      dir,
      flag,
      `the output folder already holds ${opts.what}`,
      'choose a new folder, or pass --force to replace it',
    );
  }
  return settle(abs, flag);
}

function isOurTemp(name: string): boolean {
  return /\.tmp-\d+-[0-9a-f]+$/.test(name);
}

/** True when the file starts with `magic` (for `recognise`); reads only those bytes. */
export function startsWith(path: string, magic: Uint8Array | string): boolean {
  const want = typeof magic === 'string' ? Buffer.from(magic, 'latin1') : Buffer.from(magic);
  let fd: number | null = null;
  try {
    fd = openSync(path, 'r');
    const got = Buffer.alloc(want.length);
    const n = readSync(fd, got, 0, want.length, 0);
    return n === want.length && Buffer.compare(got, want) === 0;
  } catch {
    return false;
  } finally {
    if (fd !== null) closeSync(fd);
  }
}
