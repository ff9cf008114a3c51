import type { Command } from 'commander';
import { runDemo } from '../../pipeline/demo.js';
import { formatRetrievalTable, formatSummaryTable } from '../../pipeline/summary.js';
import { ConsoleProgress } from '../../util/progress.js';

interface DemoFlags {
  out: string;
  subjects?: string;
}

/** Registers `b2m demo`: `b2m run` on the built-in synthetic twin with the demo config. */
export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description(
      'the main job on the built-in synthetic twin of ds003720 (built once, a few minutes): `b2m run` with the defaults',
    )
    .option('-o, --out <dir>', 'run folder', 'runs/demo')
    .option('--subjects <list>', 'comma-separated subjects (default: all five)')
    .addHelpText(
      'after',
      `
Builds (or reuses, from the cache folder) the synthetic twin, then runs every stage on it:
embeddings, preprocessing, five decoders, evaluation with permutation p-values, retrieval
from the twin's music library, and the stages after it. Same as \`b2m run --out runs/demo\`.

Examples:
  $ npm run demo
  $ b2m demo --subjects sub-001 --out /tmp/b2m-demo`,
    )
    .action(async (f: DemoFlags) => {
      const r = await runDemo({
        out: f.out,
        sets: f.subjects ? { subjects: f.subjects.split(',').map((s) => s.trim()) } : {},
        progress: new ConsoleProgress(),
        log: (line) => process.stdout.write(`${line}\n`),
      });
      process.stdout.write(
        `\n${formatSummaryTable(r.evaluation.metrics)}\n\n${formatRetrievalTable(r.evaluation.metrics)}\n`,
      );
      process.stdout.write(
        `\nrun folder: ${r.root} (metrics.json, predictions/, audio/) in ${r.seconds.toFixed(0)} s\n`,
      );
    });
}
