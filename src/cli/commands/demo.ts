import type { Command } from 'commander';
import { runDemo } from '../../pipeline/demo.js';
import { ConsoleProgress } from '../../util/progress.js';

interface DemoFlags {
  out: string;
  subjects?: string[];
  seed: string;
  embedder: string;
}

/** Registers `b2m demo`: the main job on the built-in synthetic twin. */
export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description(
      'run the main job on the built-in synthetic twin of ds003720: build it once, embed the stimuli, decode each subject, score identification',
    )
    .option('-o, --out <dir>', 'working folder (twin, caches, report.json)', 'runs/demo')
    .option('--subjects <ids...>', 'subjects to decode (default: all five)')
    .option('--seed <n>', 'seed of the synthetic twin', '0')
    .option('--embedder <name>', 'embedder (dsp needs no weights)', 'dsp')
    .addHelpText(
      'after',
      `
What it does today: build (or reuse) the synthetic twin, embed its 540 stimuli
(10-s windows at 1.5-s stride), preprocess each subject's runs (240-s median
filter, z-score, 3-scan delay, window averaging, test repetitions averaged),
fit ridge (one alpha per embedding dimension, 5-fold CV), predict the 60 test
clips and report identification accuracy (chance 0.5) and embedding r.
Retrieval, generation, encoding maps and the HTML report come with later stages.

Examples:
  $ npm run demo
  $ b2m demo --subjects 001 --out /tmp/b2m-demo`,
    )
    .action(async (f: DemoFlags) => {
      const seed = Number(f.seed);
      await runDemo({
        out: f.out,
        subjects: f.subjects,
        seed,
        embedder: f.embedder,
        progress: new ConsoleProgress(),
        log: (line) => process.stdout.write(`${line}\n`),
      });
      process.stdout.write(
        'note: this demo covers decoding and identification; retrieval, generation, encoding maps and the report are the next stages of the pipeline.\n',
      );
    });
}
