/**
 * `b2m encode`: voxelwise encoding maps for one subject (a thin wrapper over
 * `encodeSubject` in src/encode/). The output folder is claimed like a run folder:
 * new or empty, or one this command wrote before; anything else is refused untouched.
 */
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { encodeSubject } from '../../encode/encode.js';
import { ENCODE_DEFAULTS } from '../../encode/fit.js';
import { FEATURE_SPACES, resolveFeatureSpaces } from '../../encode/spaces.js';
import { RunFolder } from '../../pipeline/run-folder.js';
import { UserError } from '../../util/errors.js';
import { unknownNameHint } from '../../util/nearest.js';
import { ConsoleProgress, silentProgress } from '../../util/progress.js';

interface EncodeFlags {
  dataset: string;
  subject: string;
  features: string;
  out: string;
  delays: string;
  permutations: string;
  seed: string;
  fdr: string;
  fwer?: boolean;
  null: string;
  blockScans?: string;
  mask?: string;
  modelDir?: string;
  maxMemory?: string;
  banded?: boolean;
  bandedIter: string;
  raw?: boolean;
  regressGlobal?: boolean;
  timecourseVoxels: string;
  quiet?: boolean;
}

function intList(text: string, flag: string): number[] {
  const items = text.split(',').map((s) => s.trim());
  const out = items.map(Number);
  if (items.some((s) => s === '') || out.some((v) => !Number.isInteger(v) || v < 0)) {
    throw new UserError(`${flag} must be comma-separated non-negative integers, got '${text}'`, {
      field: flag,
      hint: 'e.g. --delays 1,2,3,4',
    });
  }
  return out;
}

function number(text: string, flag: string, ok: (v: number) => boolean, hint: string): number {
  const v = Number(text);
  if (!Number.isFinite(v) || !ok(v))
    throw new UserError(`${flag}: invalid value '${text}'`, { field: flag, hint });
  return v;
}

function bytes(text: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([KMG]?)i?B?$/i.exec(text.trim());
  if (!m) {
    throw new UserError(`--max-memory: cannot read '${text}'`, {
      field: '--max-memory',
      hint: 'e.g. 3G or 1500M',
    });
  }
  const unit = { '': 1, K: 2 ** 10, M: 2 ** 20, G: 2 ** 30 }[
    (m[2] ?? '').toUpperCase() as '' | 'K' | 'M' | 'G'
  ];
  return Number(m[1]) * unit;
}

async function encodeCommand(f: EncodeFlags): Promise<void> {
  if (f.null !== 'blocks' && f.null !== 'shift') {
    throw new UserError(`unknown permutation null "${f.null}"`, {
      field: '--null',
      hint: unknownNameHint(f.null, ['blocks', 'shift']),
    });
  }
  const features = f.features.split(',').map((s) => s.trim());
  resolveFeatureSpaces(features, '--features');
  const folder = await RunFolder.claim(f.out, { '--dataset': f.dataset });
  const subject = `sub-${f.subject.replace(/^sub-/, '')}`;
  const outDir = join(folder.root, 'encoding', subject);
  const progress = f.quiet ? silentProgress : new ConsoleProgress();
  const log = f.quiet ? () => {} : (l: string) => process.stderr.write(`${l}\n`);
  const s = await encodeSubject({
    dataset: resolve(f.dataset),
    subject,
    features,
    outDir,
    progress,
    log,
    options: {
      delays: intList(f.delays, '--delays'),
      permutations: number(
        f.permutations,
        '--permutations',
        (v) => Number.isInteger(v) && v >= 0,
        'e.g. 1000',
      ),
      seed: number(f.seed, '--seed', Number.isInteger, 'an integer'),
      fdrQ: number(f.fdr, '--fdr', (v) => v > 0 && v < 1, 'e.g. 0.05'),
      fwer: f.fwer ?? false,
      nullModel: f.null as 'shift' | 'blocks',
      blockScans: f.blockScans
        ? number(f.blockScans, '--block-scans', (v) => Number.isInteger(v) && v >= 1, 'e.g. 10')
        : undefined,
      maskPath: f.mask,
      clapModelDir: f.modelDir,
      maxMemoryBytes: f.maxMemory ? bytes(f.maxMemory) : undefined,
      raw: f.raw,
      regressGlobal: f.regressGlobal,
      banded: f.banded ?? false,
      bandedIter: number(f.bandedIter, '--banded-iter', (v) => Number.isInteger(v) && v >= 1, 'e.g. 20'),
      timecourseVoxels: number(
        f.timecourseVoxels,
        '--timecourse-voxels',
        (v) => Number.isInteger(v) && v >= 0,
        'e.g. 2000 (0: none)',
      ),
    },
  });
  const lines = s.spaces.map(
    (x) =>
      `  ${x.name.padEnd(16)} ${String(x.significant).padStart(6)} of ${x.voxels} voxels significant (${s.options.correction.toUpperCase()} q < ${s.options.fdrQ}), max r ${x.maxR.toFixed(3)}`,
  );
  const part = s.partition;
  if (part) {
    lines.push(
      `  unique R² (median over voxels): ${part.members.map((m) => `${m} ${(part.medianUnique[m] as number).toFixed(4)}`).join(', ')}; shared ${part.medianShared.toFixed(4)}`,
    );
  }
  process.stdout.write(
    `${subject}: median noise ceiling ${s.noiseCeiling.medianCeiling.toFixed(3)} (${s.design.repetitions} repetitions)\n${lines.join('\n')}\n  preferred space: ${Object.entries(
      s.preferred.counts,
    )
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}\n→ ${outDir}\n`,
  );
}

export function registerEncode(program: Command): void {
  program
    .command('encode')
    .description(
      'voxelwise encoding maps: which voxels each feature space predicts, with noise ceilings and permutation statistics',
    )
    .requiredOption('--dataset <ROOT>', 'BIDS dataset (raw, or with fMRIPrep derivatives)')
    .requiredOption('--subject <sub-XXX>', 'the subject to fit')
    .option(
      '--features <list>',
      `feature spaces, comma-separated; a+b stacks (${Object.keys(FEATURE_SPACES).join(', ')})`,
      'dsp,genre',
    )
    .requiredOption(
      '--out <DIR>',
      'output folder (new, empty, or written by b2m before); maps go to DIR/encoding/sub-XXX/',
    )
    .option('--delays <list>', 'FIR delays in scans', ENCODE_DEFAULTS.delays.join(','))
    .option('--permutations <N>', 'permutations for p-values (0: none)', String(ENCODE_DEFAULTS.permutations))
    .option('--seed <N>', 'seed of the permutations', '0')
    .option('--fdr <q>', 'significance level (BH FDR, or FWER with --fwer)', String(ENCODE_DEFAULTS.fdrQ))
    .option('--fwer', 'significance by max-statistic FWER instead of FDR')
    .option(
      '--null <kind>',
      'permutation null: blocks (shuffle clip-long blocks) or shift (rotate each test run by ≥ 1 clip)',
      'blocks',
    )
    .option('--block-scans <N>', 'block length / minimum shift in scans (default: one clip)')
    .option('--mask <FILE>', 'mask on the BOLD grid (default: the subject’s fMRIPrep brain masks)')
    .option('--model-dir <DIR>', 'local LAION-CLAP folder (for clap and clap-caption)')
    .option('--max-memory <size>', 'memory budget, e.g. 3G (default 3G); voxels are batched to fit')
    .option('--raw', 'use raw BOLD even when preprocessed images exist')
    .option(
      '--regress-global',
      'regress the global signal out of every voxel before fitting (fewer shared false positives)',
    )
    .option(
      '--banded',
      'also fit banded ridge over all spaces (one alpha per space) and partition R² into unique and shared parts',
    )
    .option(
      '--banded-iter <N>',
      'kernel-weight candidates of the banded random search',
      String(ENCODE_DEFAULTS.bandedIter),
    )
    .option(
      '--timecourse-voxels <N>',
      'most voxels whose test time courses are kept for the studio (cortical, else best r; 0: none)',
      String(ENCODE_DEFAULTS.timecourseVoxels),
    )
    .option('-q, --quiet', 'no progress')
    .addHelpText(
      'after',
      `
Writes into DIR/encoding/sub-XXX/: per space …_feat-<space>_stat-{r,nr,r2,logp,alpha}_statmap.nii.gz and
…_desc-significant_mask.nii.gz, the noise ceiling (…_stat-ev / _stat-ceiling), the preferred space
(…_desc-preferred_dseg.nii.gz + .tsv), per-ROI tables sub-XXX_feat-<space>_roi.csv (Destrieux names),
the kept test time courses (…_desc-timecourses_voxels.npy, …_desc-measured_timecourses.npy,
…_feat-<space>_desc-predicted_timecourses.npy: n_test × n_voxels, for b2m studio),
models/feat-<space>/ (coef per voxel, delays, standardisation) and encoding.json. With --banded, also the
model banded(<a>,<b>,…) (…_feat-banded<a><b>_…, kernel weights …_desc-<space>_stat-gamma_statmap.nii.gz),
unique R² per space (…_feat-<space>_desc-unique_stat-r2_statmap.nii.gz), the shared R²
(…_feat-banded<a><b>_desc-shared_stat-r2_statmap.nii.gz) and sub-XXX_feat-banded<a><b>_desc-partition_roi.csv.

Examples:
  $ b2m encode --dataset twin --subject sub-001 --out runs/enc
  $ b2m encode --dataset twin --subject sub-001 --features dsp-modulation,dsp-mfcc,caption,dsp+genre --out runs/enc
  $ b2m encode --dataset twin --subject sub-002 --permutations 5000 --fwer --out runs/enc
  $ b2m encode --dataset twin --subject sub-001 --features dsp-modulation,caption --banded --out runs/enc`,
    )
    .action(encodeCommand);
}
