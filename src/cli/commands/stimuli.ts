import { existsSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Command } from 'commander';
import { CUT_DEFAULTS, cutStimuli, type StimulusClip } from '../../audio/stimuli.js';
import type { WavBitDepth } from '../../audio/wav.js';
import { loadDesign } from '../../fmri/design.js';
import { writeFileAtomic } from '../../util/atomic.js';
import { UserError } from '../../util/errors.js';
import { claimOutputDir, OUTPUT_MARKER, outputMarkerText } from '../../util/output-guard.js';
import { ConsoleProgress } from '../../util/progress.js';
import { choiceFlag, intFlag, numberFlag } from '../flags.js';

/** A stimulus folder written before markers existed: stimuli.json with our manifest's keys. */
function isStimulusDir(dir: string): boolean {
  const p = join(dir, 'stimuli.json');
  if (!existsSync(p)) return false;
  try {
    const m = JSON.parse(readFileSync(p, 'utf8')) as Record<string, unknown>;
    return typeof m.targetRms === 'number' && Array.isArray(m.clips);
  } catch {
    return false;
  }
}

interface StimuliFlags {
  gtzan: string;
  dataset?: string;
  design?: string;
  out: string;
  split: string;
  sr: string;
  fade: string;
  normalize: boolean;
  bitDepth: string;
  force?: boolean;
}

async function clipsFromDesignFile(path: string): Promise<(StimulusClip & { split?: string })[]> {
  let json: { clips?: unknown };
  try {
    json = JSON.parse(await readFile(path, 'utf8'));
  } catch (e) {
    throw new UserError(`cannot read the design JSON: ${(e as Error).message}`, {
      file: path,
      hint: 'write one with `b2m dataset design ROOT -o design.json`',
    });
  }
  if (!Array.isArray(json.clips)) {
    throw new UserError('the design JSON has no "clips" list', { file: path, field: 'clips' });
  }
  return json.clips as (StimulusClip & { split?: string })[];
}

/** Registers `b2m stimuli` (rebuild the stimulus clips from a GTZAN copy). */
export function registerStimuli(program: Command): void {
  program
    .command('stimuli')
    .description(
      'rebuild the stimulus clips of a music-fMRI dataset from a GTZAN copy: [start, end) excerpts, 2-s sine fades, RMS-normalised to the set mean, 22,050 Hz mono wav',
    )
    .requiredOption(
      '--gtzan <dir>',
      'GTZAN folder: <genre>/<genre>.000XX.au (or .wav), or all files in one folder',
    )
    .option('--dataset <root>', 'BIDS dataset whose events.tsv files list the clips (e.g. ds003720)')
    .option('--design <file>', 'or a design JSON written by `b2m dataset design`')
    .requiredOption('-o, --out <dir>', 'output folder: <genre>.000XX.wav, stimuli.json, stimuli.csv')
    .option('--split <split>', 'which clips: all, train or test', 'all')
    .option('--sr <hz>', 'output sample rate', String(CUT_DEFAULTS.sampleRate))
    .option('--fade <seconds>', 'fade-in and fade-out length', String(CUT_DEFAULTS.fadeSeconds))
    .option('--no-normalize', 'keep each clip at its own level (no RMS normalisation)')
    .option('--bit-depth <bits>', 'wav sample format: 16, 24, 32 or float32', '16')
    .option('--force', 'replace clips in a folder an earlier b2m stimuli wrote (never other files)')
    .addHelpText(
      'after',
      `
Rules: first sample round(start·sr), length round((end−start)·sr); sources at another
rate are resampled, stereo averaged; fade gain sin(π/2·t/fade) in and mirrored out;
every clip scaled to the mean RMS of the set (if a peak would pass full scale, the
whole set is lowered by one common gain, recorded in stimuli.json). A track that
ends up to 0.5 s early is padded with zeros (recorded); missing tracks are listed
before any work. ds003720 gives 540 clips (480 train + 60 test).

Examples:
  $ b2m stimuli --gtzan ~/data/gtzan/genres --dataset ~/data/ds003720 --out stimuli/
  $ b2m stimuli --gtzan gtzan/ --design design.json --out stimuli-test/ --split test
  $ b2m stimuli --gtzan gtzan/ --dataset ds003720 --out s/ --bit-depth float32 --no-normalize`,
    )
    .action(async (flags: StimuliFlags) => {
      if (!flags.dataset === !flags.design) {
        throw new UserError('give exactly one of --dataset ROOT or --design FILE', {
          field: '--dataset/--design',
          hint: 'e.g. --dataset path/to/ds003720',
        });
      }
      choiceFlag(flags.split, '--split', ['all', 'train', 'test'] as const);
      const sampleRate = intFlag(flags.sr, '--sr', { min: 1000 });
      const fadeSeconds = numberFlag(flags.fade, '--fade', { min: 0 });
      const bitDepth = (flags.bitDepth === 'float32' ? 'float32' : Number(flags.bitDepth)) as WavBitDepth;
      if (![16, 24, 32, 'float32'].includes(bitDepth)) {
        throw new UserError(`--bit-depth must be 16, 24, 32 or float32, got '${flags.bitDepth}'`, {
          field: '--bit-depth',
        });
      }
      const out = await claimOutputDir(flags.out, {
        kind: 'stimuli',
        what: 'stimulus clips',
        inputs: { '--gtzan': flags.gtzan, '--dataset': flags.dataset, '--design': flags.design },
        force: flags.force,
        recognise: isStimulusDir,
        owns: (name) => name.endsWith('.wav') || name === 'stimuli.json' || name === 'stimuli.csv',
      });
      const all = flags.dataset
        ? (await loadDesign(flags.dataset)).design.clips
        : await clipsFromDesignFile(flags.design!);
      const clips = flags.split === 'all' ? all : all.filter((c) => c.split === flags.split);
      const progress = new ConsoleProgress();
      // The marker goes in first, so an interrupted run's folder is still known as ours.
      await writeFileAtomic(join(out, OUTPUT_MARKER), outputMarkerText('stimuli'));
      const m = await cutStimuli(clips, flags.gtzan, flags.out, {
        sampleRate,
        fadeSeconds,
        normalize: flags.normalize,
        bitDepth,
        progress,
      });
      const padded = m.clips.filter((c) => c.paddedSamples > 0).length;
      process.stderr.write(
        `wrote ${m.clips.length} clips to ${flags.out} (${m.sampleRate} Hz, target RMS ${m.targetRms.toFixed(4)}, set gain ${m.setGain.toFixed(3)}${padded ? `, ${padded} padded at the end` : ''}); manifest: stimuli.json, stimuli.csv\n`,
      );
    });
}
