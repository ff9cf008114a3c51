import { join } from 'node:path';
import { type Command, Option } from 'commander';
import { defaultFmriCacheDir, RunMatrixCache } from '../../fmri/cache.js';
import { loadDesign } from '../../fmri/design.js';
import { writeDesignJson } from '../../fmri/design-io.js';
import { formatReport, inspectDataset } from '../../fmri/inspect.js';
import { DETRENDERS, type DetrendMethod } from '../../fmri/preprocess/detrend.js';
import { writeSubjectMatrices } from '../../fmri/preprocess/export.js';
import { resolvePreprocessOptions, type WindowWeighting } from '../../fmri/preprocess/options.js';
import { prepareSubject } from '../../fmri/preprocess/prepare.js';
import { EDGE_MODES, type EdgeMode } from '../../fmri/preprocess/running-median.js';
import { bidsRunSource, subjectMask } from '../../fmri/preprocess/source.js';
import { UserError } from '../../util/errors.js';
import { ConsoleProgress } from '../../util/progress.js';

interface PrepareFlags {
  subject: string[];
  out: string;
  mask?: string;
  space?: string;
  raw?: boolean;
  detrend: DetrendMethod;
  medianSeconds: string;
  medianEdge: EdgeMode;
  order: string;
  cutoff: string;
  zscore: boolean;
  delay: string;
  window: string;
  stride: string;
  weighting: WindowWeighting;
  keepRepetitions?: boolean;
  cache: string | false;
}

function num(v: string, flag: string): number {
  const x = Number(v);
  if (v.trim() === '' || !Number.isFinite(x)) {
    throw new UserError(`${flag} "${v}" is not a number`, { field: flag, hint: `e.g. ${flag} 3` });
  }
  return x;
}

interface InspectFlags {
  json?: boolean;
  space?: string;
  subject?: string[];
}

/** Registers `b2m dataset` (inspect a BIDS dataset, export its design). */
export function registerDataset(program: Command): void {
  const dataset = program
    .command('dataset')
    .description('inspect a BIDS music-fMRI dataset (ds003720 or your own) and export its design');

  dataset
    .command('inspect')
    .description(
      'list subjects, runs, TR, scans per run, clip counts per split and genre, repetitions, which imaging files exist, and every problem found',
    )
    .argument('<root>', 'BIDS dataset root (the folder with dataset_description.json and sub-* folders)')
    .option('--json', 'print the report as JSON')
    .option('--space <space>', 'fMRIPrep space to use when several exist (e.g. T1w, MNI152NLin2009cAsym)')
    .option('--subject <ids...>', 'only these subjects (e.g. 001 or sub-001)')
    .addHelpText(
      'after',
      `
Works on a metadata-only copy: missing imaging files are listed as problems and
the design is still reported. Exits 1 only when the design cannot be built.

Examples:
  $ b2m dataset inspect data/ds003720
  $ b2m dataset inspect /data/ds003720 --space T1w --json > report.json
  $ b2m dataset inspect /data/ds003720 --subject 001 002`,
    )
    .action(async (root: string, flags: InspectFlags) => {
      const { report } = await inspectDataset(root, { space: flags.space, subjects: flags.subject });
      process.stdout.write(flags.json ? `${JSON.stringify(report, null, 2)}\n` : formatReport(report));
      if (!report.design.ok) process.exitCode = 1;
    });

  dataset
    .command('design')
    .description('write the design (clips, per-run schedules, split, test repetitions) as JSON')
    .argument('<root>', 'BIDS dataset root')
    .requiredOption('-o, --out <file>', 'output JSON file (written atomically)')
    .option('--subject <ids...>', 'only these subjects')
    .addHelpText(
      'after',
      `
The JSON has: tr, subjects, clips [{id: "blues.00014", genre, track, start, end, split}],
runs [{key, task, run, split, events [{clipId, onset, duration, onsetScan, repetition, line}],
dropped, nScansNeeded}], presentations {clipId: [{run, event}]}, counts, notes.

Examples:
  $ b2m dataset design data/ds003720 -o design.json`,
    )
    .action(async (root: string, flags: { out: string; subject?: string[] }) => {
      const { design } = await loadDesign(root, { subjects: flags.subject });
      await writeDesignJson(flags.out, design);
      process.stderr.write(
        `wrote ${flags.out}: ${design.counts.trainClips} training clips, ${design.counts.testClips} test clips × ${design.counts.testRepetitions}, ${design.runs.length} runs\n`,
      );
    });

  dataset
    .command('prepare')
    .description(
      'mask, detrend and z-score every run, align scans with embedding windows, average test repetitions, and write the decoder inputs per subject',
    )
    .argument('<root>', 'BIDS dataset root (raw BOLD, or fMRIPrep derivatives under derivatives/)')
    .requiredOption('--subject <ids...>', 'subjects to prepare (e.g. 001 or sub-001)')
    .requiredOption('-o, --out <dir>', 'output folder; one sub-XXX folder per subject (written atomically)')
    .option(
      '--mask <file>',
      "mask NIfTI on the BOLD grid (default: the intersection of the runs' fMRIPrep brain masks)",
    )
    .option('--space <space>', 'fMRIPrep space to read when several exist')
    .option('--raw', 'read the raw BOLD even when preprocessed images exist')
    .addOption(
      new Option('--detrend <method>', 'drift removal').choices(Object.keys(DETRENDERS)).default('median'),
    )
    .option('--median-seconds <s>', 'median filter window in seconds', '240')
    .addOption(
      new Option('--median-edge <mode>', 'median filter edge handling')
        .choices([...EDGE_MODES])
        .default('reflect'),
    )
    .option('--order <n>', 'polynomial detrend degree', '2')
    .option('--cutoff <s>', 'cosine detrend cutoff period in seconds', '128')
    .option('--no-zscore', 'skip per-run z-scoring')
    .option('--delay <scans>', 'hemodynamic delay in scans', '3')
    .option('--window <s>', 'embedding window length in seconds', '10')
    .option('--stride <s>', 'embedding window stride in seconds', '1.5')
    .addOption(
      new Option('--weighting <how>', 'how a window weights the scans it covers')
        .choices(['overlap', 'start'])
        .default('overlap'),
    )
    .option('--keep-repetitions', 'one test row per presentation instead of averaging the repetitions')
    .option('--cache <dir>', 'cache of preprocessed run matrices', defaultFmriCacheDir())
    .option('--no-cache', 'do not read or write the cache')
    .addHelpText(
      'after',
      `
Defaults are the paper's: 240-s median filter, per-run z-score, delay 3 scans,
10-s windows at 1.5-s stride (4 per 15-s clip), test repetitions averaged.
A window [a, b) of run time averages the scans k whose span [k·TR, (k+1)·TR)
overlaps it, weighted by the overlap (--weighting start: scans starting in it).
Writes per subject: train_X.npy, test_X.npy (float32), *_run/_window/_clip/
_repetition.npy (int32) and samples.json (clip ids per row, settings).
The cache is keyed by each image's content hash, the mask and the drift and
z-score settings: a second run skips all NIfTI work.

Examples:
  $ b2m dataset prepare /data/ds003720 --subject 001 --mask cortex.nii.gz -o prepared
  $ b2m dataset prepare /data/bids --subject 001 002 --space T1w -o prepared --window 1.5
  $ b2m dataset prepare /data/ds003720 --subject 001 --mask m.nii --detrend cosine --cutoff 128 -o out`,
    )
    .action(async (root: string, f: PrepareFlags) => {
      const options = resolvePreprocessOptions({
        detrend: {
          method: f.detrend,
          medianSeconds: num(f.medianSeconds, '--median-seconds'),
          medianEdge: f.medianEdge,
          order: num(f.order, '--order'),
          cutoffSeconds: num(f.cutoff, '--cutoff'),
        },
        zscore: f.zscore,
        delayScans: num(f.delay, '--delay'),
        window: { window: num(f.window, '--window'), stride: num(f.stride, '--stride') },
        weighting: f.weighting,
        averageTestRepetitions: !f.keepRepetitions,
      });
      const { design, dataset } = await loadDesign(root, { space: f.space, subjects: f.subject });
      const cache = f.cache === false ? null : new RunMatrixCache(f.cache);
      const progress = new ConsoleProgress();
      for (const subject of f.subject) {
        const id = subject.replace(/^sub-/, '');
        const mask = await subjectMask(dataset, id, f.mask);
        const t0 = Date.now();
        const m = await prepareSubject(
          design,
          bidsRunSource({ dataset, design, subject: id, mask, options, raw: f.raw, cache }),
          options,
          progress,
        );
        const dir = join(f.out, `sub-${id}`);
        await writeSubjectMatrices(dir, m, { subject: id, mask: mask.source, tr: design.tr });
        process.stdout.write(
          `sub-${id}: train ${m.train.X.rows} × ${m.nVoxels}, test ${m.test.X.rows} × ${m.nVoxels} (${m.windowsPerClip} windows per clip), ` +
            `${m.constantVoxels.length} constant and ${m.nonFiniteVoxels.length} non-finite voxels zeroed, ` +
            `${m.truncatedWindows} windows truncated at run ends, ${((Date.now() - t0) / 1000).toFixed(1)} s → ${dir}\n`,
        );
      }
      if (cache) process.stdout.write(`cache: ${cache.hits} hits, ${cache.misses} misses (${cache.dir})\n`);
    });
}
