/** `b2m run`: the main job from one validated configuration (thin: parse, load config, call the pipeline, print). */
import type { Command } from 'commander';
import { stringify as toYaml } from 'yaml';
import { DECODERS } from '../../decode/index.js';
import { loadRunConfig } from '../../pipeline/config.js';
import { BullmqExecutor } from '../../pipeline/executors/bullmq.js';
import { LocalExecutor } from '../../pipeline/executors/local.js';
import type { Executor } from '../../pipeline/executors/types.js';
import { runPipeline } from '../../pipeline/run.js';
import { formatRetrievalTable, formatSummaryTable } from '../../pipeline/summary.js';
import { UserError } from '../../util/errors.js';
import { unknownNameHint } from '../../util/nearest.js';
import { ConsoleProgress } from '../../util/progress.js';

interface RunFlags {
  config?: string;
  dataset?: string;
  out: string;
  subjects?: string;
  set: string[];
  printConfig?: boolean;
  executor: string;
  redis?: string;
}

function makeExecutor(name: string, redis?: string): Executor {
  if (name === 'local') return new LocalExecutor();
  if (name === 'bullmq') return new BullmqExecutor({ redis: redis ?? 'redis://127.0.0.1:6379' });
  throw new UserError(`unknown executor '${name}'`, {
    field: '--executor',
    hint: unknownNameHint(name, ['local', 'bullmq']),
  });
}

const collect = (v: string, prev: string[]) => [...prev, v];

export function registerRun(program: Command): void {
  program
    .command('run')
    .description(
      'the main job: decode every subject with every decoder, evaluate, retrieve (and the later stages) from one config',
    )
    .option(
      '-c, --config <file>',
      'run configuration (YAML or JSON); without it the defaults (the paper’s) run',
    )
    .option(
      '--dataset <root>',
      'BIDS dataset (raw or with fMRIPrep derivatives); default: the built-in synthetic twin',
    )
    .option(
      '-o, --out <dir>',
      'run folder (created; an existing one is resumed only if a b2m run made it)',
      'runs/run',
    )
    .option('--subjects <list>', 'comma-separated subjects, e.g. sub-001,sub-002 (default: all)')
    .option(
      '--set <key=value>',
      'override one config key, e.g. --set evaluate.permutations=2000 (repeatable)',
      collect,
      [],
    )
    .option('--print-config', 'print the resolved configuration (YAML) and exit')
    .option(
      '--executor <name>',
      'where jobs run: local (this process) or bullmq (workers on a Redis queue)',
      'local',
    )
    .option('--redis <url>', 'Redis server for --executor bullmq', 'redis://127.0.0.1:6379')
    .addHelpText(
      'after',
      `
Decoders: ${Object.keys(DECODERS).join(', ')}.
The run folder holds config.json, manifest.json, metrics.json, predictions/, audio/ and the
stage cache (stages/); re-running the same command redoes only what is missing.

Examples:
  $ b2m run --out runs/twin                                  # built-in twin, all defaults
  $ b2m run --dataset /data/ds003720 --config real.yaml --out runs/real
  $ b2m run --subjects sub-001 --set decode.decoders=[whole-cortex] --out runs/quick
  $ b2m run --print-config > my-config.yaml`,
    )
    .action(async (f: RunFlags) => {
      const config = await loadRunConfig({
        file: f.config,
        sets: f.set,
        overrides: {
          dataset: f.dataset,
          subjects: f.subjects
            ? f.subjects
                .split(',')
                .map((s) => s.trim())
                .filter(Boolean)
            : undefined,
        },
      });
      if (f.printConfig) {
        process.stdout.write(toYaml(config));
        return;
      }
      const executor = makeExecutor(f.executor, f.redis);
      const r = await runPipeline({
        config,
        out: f.out,
        configFile: f.config,
        executor,
        progress: new ConsoleProgress(),
        log: (line) => process.stdout.write(`${line}\n`),
      }).finally(() => executor.close());
      process.stdout.write(
        `\n${formatSummaryTable(r.evaluation.metrics)}\n\n${formatRetrievalTable(r.evaluation.metrics)}\n`,
      );
      process.stdout.write(
        `\nrun folder: ${r.root} (metrics.json, predictions/, audio/) in ${r.seconds.toFixed(0)} s\n`,
      );
    });
}
