import { readdirSync, rmSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import type { Command } from 'commander';
import { GRIDS } from '../../synth/brain/grid.js';
import { SYNTH_DEFAULTS, synthesizeDataset } from '../../synth/index.js';
import { MUSIC_SOURCES } from '../../synth/music-sources.js';
import { formatReliabilityTable, regionReliability } from '../../synth/report.js';
import { UserError } from '../../util/errors.js';
import { ConsoleProgress } from '../../util/progress.js';

interface SynthFlags {
  out: string;
  subjects: string;
  grid: string;
  seed: string;
  force?: boolean;
  library: string;
  music: string;
  soundfont?: string;
  runs?: string[];
}

function intFlag(value: string, name: string): number {
  const n = Number(value);
  if (!Number.isInteger(n)) {
    throw new UserError(`${name} must be an integer, got "${value}"`, {
      field: name,
      hint: `e.g. ${name} 5`,
    });
  }
  return n;
}

/**
 * On Ctrl-C or SIGTERM, removes this process's half-built temporary sibling of `out`
 * (`.<name>.tmp-<pid>-…`, see util/atomic.ts) before exiting, so nothing is left behind.
 */
function cleanUpOnSignal(out: string): () => void {
  const dir = dirname(resolve(out));
  const prefix = `.${basename(resolve(out))}.tmp-${process.pid}-`;
  const handler = (signal: NodeJS.Signals) => {
    try {
      for (const name of readdirSync(dir)) {
        if (name.startsWith(prefix)) rmSync(join(dir, name), { recursive: true, force: true });
      }
    } finally {
      process.stderr.write(`\nb2m synth: interrupted (${signal}); nothing was written to ${out}\n`);
      process.exit(130);
    }
  };
  process.once('SIGINT', handler);
  process.once('SIGTERM', handler);
  return () => {
    process.off('SIGINT', handler);
    process.off('SIGTERM', handler);
  };
}

/** Registers `b2m synth` (build the synthetic twin of ds003720). */
export function registerSynth(program: Command): void {
  program
    .command('synth')
    .description(
      'build the synthetic twin of ds003720: composed music in the 10 GTZAN genres and simulated fMRI in the real design, as a BIDS dataset with ground truth',
    )
    .requiredOption(
      '-o, --out <dir>',
      'dataset folder to create (built in a temporary sibling, renamed when complete)',
    )
    .option('--subjects <n>', 'number of simulated subjects', String(SYNTH_DEFAULTS.subjects))
    .option(
      '--grid <name>',
      `voxel grid: ${Object.values(GRIDS)
        .map((g) => `${g.name} (${g.dims.join('×')}, ${g.voxelMm} mm)`)
        .join(', ')}`,
      SYNTH_DEFAULTS.grid,
    )
    .option(
      '--seed <n>',
      'seed of every random choice (same seed → identical files)',
      String(SYNTH_DEFAULTS.seed),
    )
    .option('--force', 'replace an existing non-empty output folder')
    .option(
      '--library <n>',
      'extra retrieval-library tracks per genre',
      String(SYNTH_DEFAULTS.libraryPerGenre),
    )
    .option(
      '--music <source>',
      `music source: ${Object.keys(MUSIC_SOURCES).join(', ')}`,
      SYNTH_DEFAULTS.music,
    )
    .option('--soundfont <name>', 'soundfont for the composed music (default: the music module default)')
    .option('--runs <keys...>', 'only these runs, e.g. task-Test_run-01 (default: all 18)')
    .addHelpText(
      'after',
      `
Writes <dir>/sub-XXX/func (raw-like int16 runs, events and sidecars copied from
ds003720), derivatives/fmriprep (preprocessed runs, brain masks, Destrieux
aparc.a2009s dseg), sourcedata/gtzan (30-s tracks), stimuli/ (the 540 15-s clips,
attributes, captions) and derivatives/simulation (ground truth: features, tuning,
true signal and noise variance, noise ceilings, explainable variance).

Examples:
  $ b2m synth --out twin                       # the default twin: 5 subjects, small grid
  $ b2m synth --out twin-full --subjects 1 --grid full
  $ b2m synth --out quick --subjects 1 --grid tiny --runs task-Test_run-01 --music tones
  $ b2m synth --out twin --seed 1 --force      # rebuild with another seed`,
    )
    .action(async (flags: SynthFlags) => {
      const progress = new ConsoleProgress();
      const release = cleanUpOnSignal(flags.out);
      const res = await synthesizeDataset({
        out: flags.out,
        subjects: intFlag(flags.subjects, '--subjects'),
        grid: flags.grid,
        seed: intFlag(flags.seed, '--seed'),
        force: flags.force ?? false,
        libraryPerGenre: intFlag(flags.library, '--library'),
        music: flags.music,
        soundfont: flags.soundfont,
        runs: flags.runs,
        progress,
      }).finally(release);
      process.stdout.write(
        `wrote ${res.root}: ${res.subjects.length} subject(s), ${res.runs.length} run(s), ${res.clips} clips, stimulus peak ${res.stimulusPeak.toFixed(3)}, in ${res.seconds.toFixed(1)} s\n`,
      );
      if (res.roi.length) {
        process.stdout.write(
          `\ntest-retest reliability per region (explainable variance of one presentation, medians over voxels, then over subjects × hemispheres):\n${formatReliabilityTable(regionReliability(res.roi))}`,
        );
      }
    });
}
