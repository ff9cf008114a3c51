/**
 * Running `b2m` as a user does, for tests: a child process on bin/b2m.mjs, and an
 * interrupt at the moment a command has an unfinished output on disk.
 */
import { spawn, spawnSync } from 'node:child_process';
import { type Dirent, readdirSync, watch } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from './bids.js';

export const B2M = join(REPO_ROOT, 'bin', 'b2m.mjs');

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  out: string;
  err: string;
}

/** Runs `b2m args…` to completion (in `cwd` when given). */
export function runB2m(args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): CliResult {
  const r = spawnSync(process.execPath, [B2M, ...args], {
    encoding: 'utf8',
    cwd: opts.cwd,
    env: { ...process.env, ...opts.env },
  });
  return { code: r.status, signal: r.signal, out: r.stdout, err: r.stderr };
}

/**
 * Runs `b2m args…` inside this process, for the many quick refusals a test checks
 * (no start-up cost). Resolves with the user error's text as the CLI prints it, or
 * null when the command succeeded. Other errors are rethrown (a bug). Nothing is
 * captured: a command that does not refuse prints as usual.
 */
export async function b2mRefusal(args: string[], opts: { cwd?: string } = {}): Promise<string | null> {
  const { buildProgram } = await import('../cli/main.js');
  const { isUserError } = await import('../util/errors.js');
  const before = process.cwd();
  try {
    if (opts.cwd) process.chdir(opts.cwd);
    await buildProgram()
      .exitOverride()
      .parseAsync(['node', 'b2m', ...args]);
    return null;
  } catch (e) {
    if (isUserError(e)) return e.format();
    throw e;
  } finally {
    process.chdir(before);
  }
}

/** Names in `dir` that are temporaries of ours (`.<name>.tmp-<pid>-<hex>`). */
export function tempsIn(dir: string): string[] {
  return readdirSync(dir).filter((n) => /\.tmp-\d+-[0-9a-f]+$/.test(n));
}

/** Paths under `dir` (relative, any depth) that are temporaries: ours (`.<name>.tmp-<pid>-<hex>`) or a stage's (`.tmp-…`). */
export function tempsUnder(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string, rel: string) => {
    let entries: Dirent[];
    try {
      entries = readdirSync(d, { withFileTypes: true });
    } catch {
      return; // removed while we looked
    }
    for (const e of entries) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (/\.tmp-\d+-[0-9a-f]+$/.test(e.name) || e.name.startsWith('.tmp-')) out.push(r);
      else if (e.isDirectory()) walk(join(d, e.name), r);
    }
  };
  walk(dir, '');
  return out;
}

/**
 * Starts `b2m args…`, and as soon as one of our temporaries appears in `watchDir`
 * freezes the process (SIGSTOP), queues `signal`, and lets it go on (SIGCONT): the
 * signal is then certain to arrive while the temporary exists. Resolves with the
 * exit and whether a temporary was seen (false: the command ended first).
 */
export function interruptWhenTempAppears(
  args: string[],
  watchDir: string,
  signal: 'SIGINT' | 'SIGTERM' = 'SIGINT',
  opts: { cwd?: string; timeoutMs?: number } = {},
): Promise<CliResult & { sawTemp: boolean }> {
  return interruptWhen(args, () => tempsIn(watchDir).length > 0, signal, { ...opts, watchDir });
}

/**
 * Starts `b2m args…` and sends `signal` (frozen with SIGSTOP meanwhile, as above)
 * the first time `ready()` holds; `ready` is polled every 5 ms and on every change
 * in `watchDir`. `sawTemp` says whether the signal was sent before the command ended.
 */
export function interruptWhen(
  args: string[],
  ready: () => boolean,
  signal: 'SIGINT' | 'SIGTERM' = 'SIGINT',
  opts: { cwd?: string; timeoutMs?: number; watchDir?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<CliResult & { sawTemp: boolean }> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [B2M, ...args], {
      cwd: opts.cwd,
      env: { ...process.env, ...opts.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => {
      out += d;
    });
    child.stderr.on('data', (d) => {
      err += d;
    });
    let sawTemp = false;
    const fire = () => {
      if (sawTemp || child.exitCode !== null) return;
      if (!ready()) return;
      sawTemp = true;
      child.kill('SIGSTOP');
      child.kill(signal);
      child.kill('SIGCONT');
    };
    const watcher = opts.watchDir ? watch(opts.watchDir, fire) : null;
    // fs.watch can miss events on some file systems: poll as well.
    const poll = setInterval(fire, 5);
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`b2m ${args.join(' ')} did not finish in time`));
    }, opts.timeoutMs ?? 60_000);
    child.on('exit', (code, sig) => {
      watcher?.close();
      clearInterval(poll);
      clearTimeout(timer);
      resolvePromise({ code, signal: sig, out, err, sawTemp });
    });
    child.on('error', reject);
  });
}
