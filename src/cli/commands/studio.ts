import type { Command } from 'commander';
import { ensureWebBundle } from '../../report/studio/bundle.js';
import { startStudio } from '../../report/studio/server.js';
import { UserError } from '../../util/errors.js';

export function registerStudio(program: Command): void {
  program
    .command('studio')
    .description('open a run in a local web app: brain maps, clip browser, listening test')
    .requiredOption('--run <RUNDIR>', 'the --out folder of a b2m run')
    .option('--port <N>', 'port to listen on (0: any free port)', '8642')
    .option('--host <H>', 'address to bind (default 127.0.0.1: this machine only)', '127.0.0.1')
    .option('-v, --verbose', 'log every request')
    .addHelpText(
      'after',
      '\nExamples:\n  b2m studio --run runs/demo\n  b2m studio --run runs/demo --port 9000\n\nOnly files inside RUNDIR are served; listening-test answers go to RUNDIR/listening/answers.jsonl.\nBinding another --host exposes the run folder to that network.',
    )
    .action(async (opts: { run: string; port: string; host: string; verbose?: boolean }) => {
      const port = Number(opts.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535) {
        throw new UserError(`--port must be an integer 0–65535, got '${opts.port}'`, { field: '--port' });
      }
      const webDir = ensureWebBundle();
      const studio = await startStudio({
        runDir: opts.run,
        port,
        host: opts.host,
        webDir,
        log: opts.verbose ? (l) => process.stderr.write(`${l}\n`) : undefined,
      });
      process.stdout.write(`b2m studio: serving ${opts.run} at ${studio.url} (Ctrl-C to stop)\n`);
      if (!['127.0.0.1', 'localhost', '::1'].includes(opts.host)) {
        process.stderr.write(
          `warning: bound to ${opts.host}: anyone who can reach it can read this run folder\n`,
        );
      }
      await new Promise<void>((resolve) => {
        const stop = () => {
          void studio.close().then(resolve);
        };
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
    });
}
