/**
 * The `b2m` command line: a thin shell over the library. Each command lives in
 * `commands/<name>.ts` and only parses options, calls the library and prints.
 */
import { Command, CommanderError } from 'commander';
import { installTempCleanup } from '../util/atomic.js';
import { isUserError } from '../util/errors.js';
import { VERSION } from '../version.js';
import { COMMANDS } from './commands/index.js';

export function buildProgram(): Command {
  const program = new Command('b2m')
    .description(
      'brain2music: reconstruct the music a person heard from fMRI, and map where music lives in the brain',
    )
    .version(VERSION)
    .showHelpAfterError('(run with --help for usage and examples)')
    .configureHelp({ sortSubcommands: false });
  for (const register of COMMANDS) register(program);
  return program;
}

let pipeHandled = false;

/** Runs the CLI; exit code 1 for user errors (message only), 2 for bugs (with stack). */
export async function main(argv: string[]): Promise<void> {
  if (!pipeHandled) {
    pipeHandled = true;
    // `b2m … | head` closes the pipe early; that is not an error.
    process.stdout.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'EPIPE') process.exit(0);
      throw e;
    });
  }
  // Ctrl-C or SIGTERM: remove every temporary of this run, exit 130/143.
  installTempCleanup((line) => process.stderr.write(`b2m: ${line.trimStart()}\n`));
  const program = buildProgram().exitOverride();
  try {
    await program.parseAsync(argv);
  } catch (e) {
    if (e instanceof CommanderError) {
      process.exitCode = e.exitCode;
      return;
    }
    if (isUserError(e)) {
      process.stderr.write(`b2m: error: ${e.format()}\n`);
      process.exitCode = 1;
      return;
    }
    process.stderr.write(`b2m: internal error (please report): ${(e as Error)?.stack ?? String(e)}\n`);
    process.exitCode = 2;
  }
}
