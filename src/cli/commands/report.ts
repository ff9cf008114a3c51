import type { Command } from 'commander';
import { writeReport } from '../../report/report.js';
import { ConsoleProgress, silentProgress } from '../../util/progress.js';

function size(bytes: number): string {
  if (bytes >= 1e6) return `${(bytes / 1e6).toFixed(1)} MB`;
  return `${(bytes / 1e3).toFixed(1)} kB`;
}

export function registerReport(program: Command): void {
  program
    .command('report')
    .description(
      'write report.html into a run folder (charts, audio side by side, brain maps; opens with no network)',
    )
    .argument('<RUNDIR>', 'the --out folder of a b2m run')
    .option('--subject <sub>', 'subject shown first in the clip and encoding sections')
    .option('-q, --quiet', 'no progress')
    .addHelpText(
      'after',
      '\nExamples:\n  b2m report runs/demo\n  b2m report runs/demo --subject sub-003\n\nOpen RUNDIR/report.html in a browser; audio and pictures are linked relatively, so keep the folder together.',
    )
    .action(async (runDir: string, opts: { subject?: string; quiet?: boolean }) => {
      const progress = opts.quiet ? silentProgress : new ConsoleProgress();
      const r = await writeReport(runDir, { progress, subject: opts.subject });
      process.stdout.write(
        `wrote ${r.path} (${size(r.bytes)}, assets ${size(r.assetBytes)}) in ${r.seconds.toFixed(1)} s\n`,
      );
    });
}
