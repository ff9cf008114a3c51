import type { Command } from 'commander';
import { Masker } from '../../fmri/masker.js';
import { looksLikeNifti, looksLikeNpy } from '../../io/formats.js';
import {
  formatAffine,
  type NiftiFileHeader,
  type NiftiStats,
  niftiStats,
  readNiftiHeader,
  writeNifti,
} from '../../io/nifti/index.js';
import { writeNpy } from '../../io/npy.js';
import { UserError } from '../../util/errors.js';
import { claimOutputFile } from '../../util/output-guard.js';
import { ConsoleProgress } from '../../util/progress.js';
import { numberFlag, numberListFlag } from '../flags.js';

/** The inputs a mask-building command reads, by flag. */
function maskInputs(flags: MaskFlags): Record<string, string | undefined> {
  return { '--mask': flags.mask, '--parcellation': flags.parcellation };
}

const XFORM_CODES: Record<number, string> = {
  0: 'unknown',
  1: 'scanner_anat',
  2: 'aligned_anat',
  3: 'talairach',
  4: 'mni_152',
  5: 'template_other',
};

function size(bytes: number): string {
  if (bytes >= 1e9) return `${(bytes / 1e9).toFixed(2)} GB`;
  if (bytes >= 1e6) return `${(bytes / 1e6).toFixed(1)} MB`;
  return `${(bytes / 1e3).toFixed(1)} kB`;
}

/** JSON with arrays of numbers kept on one line (affines stay readable). */
function toJson(value: unknown): string {
  return JSON.stringify(value, null, 2).replace(
    /\[\s+([-\d.e+,\s]+?)\s+\]/g,
    (_, body: string) => `[${body.replace(/\s+/g, ' ')}]`,
  );
}

function num(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  return Number.isInteger(v) ? String(v) : Number(v.toPrecision(6)).toString();
}

/** The header as JSON-friendly data (extensions summarised, not dumped). */
export function headerSummary(h: NiftiFileHeader, stats: NiftiStats | null): Record<string, unknown> {
  const { extensions, ...rest } = h;
  return {
    ...rest,
    extensions: extensions.map((e) => ({ code: e.code, bytes: e.data.length })),
    affineCode: h.affineSource === 'sform' ? h.sformCode : h.affineSource === 'qform' ? h.qformCode : 0,
    stats,
  };
}

/** The human-readable `nifti info` report of one file. */
export function formatInfo(h: NiftiFileHeader, stats: NiftiStats | null): string {
  const zooms = h.pixdim.slice(1, 4).map(num).join(' × ');
  const unit = h.spatialUnit === 'unknown' ? '' : ` ${h.spatialUnit}`;
  const code = (c: number) => `code ${c}: ${XFORM_CODES[c] ?? 'invalid'}`;
  const affineFrom =
    h.affineSource === 'sform'
      ? `sform (${code(h.sformCode)}); qform ${code(h.qformCode)}`
      : h.affineSource === 'qform'
        ? `qform (${code(h.qformCode)}); sform code 0 unused`
        : 'none stored (qform and sform codes 0): base affine from pixdim, as nibabel';
  const lines = [
    `file        ${h.path}`,
    `format      NIfTI-${h.version}, ${h.littleEndian ? 'little' : 'big'}-endian, ${h.gzip ? 'gzip' : 'uncompressed'}, ${size(h.fileBytes)} on disk, data at byte ${h.voxOffset}`,
    `dims        ${h.dims.join(' × ')}${h.dims.length >= 4 ? ` (${h.dims.slice(3).reduce((a, b) => a * b, 1)} volumes)` : ''}`,
    `datatype    ${h.datatype} (bitpix ${h.bitpix})`,
    `pixdim      ${zooms}${unit}${h.tr !== null ? `, TR ${num(h.tr)} s` : ''}${h.tr === null ? '' : h.temporalUnit === 'unknown' ? ' (time unit unknown: seconds assumed)' : h.temporalUnit !== 's' ? ` (stored ${num(h.pixdim[4]!)} ${h.temporalUnit})` : ''}`,
    `units       space ${h.spatialUnit}, time ${h.temporalUnit}`,
    `scaling     ${h.scaling ? `slope ${num(h.scaling.slope)}, intercept ${num(h.scaling.inter)}` : 'none (scl_slope 0 or NaN)'}`,
    `affine      ${affineFrom}`,
    ...formatAffine(h.affine)
      .split('\n')
      .map((l) => `            ${l}`),
  ];
  if (h.descrip) lines.push(`descrip     ${h.descrip}`);
  if (h.intentCode || h.intentName) lines.push(`intent      code ${h.intentCode} ${h.intentName}`);
  if (h.extensions.length) {
    lines.push(
      `extensions  ${h.extensions.map((e) => `code ${e.code} (${e.data.length} bytes)`).join(', ')}`,
    );
  }
  if (stats) {
    lines.push(
      `data        min ${num(stats.min)}, max ${num(stats.max)}, mean ${num(stats.mean)} over ${stats.count} voxels${stats.nonFinite ? ` (${stats.nonFinite} NaN/Inf left out)` : ''}`,
    );
  }
  return `${lines.join('\n')}\n`;
}

interface MaskFlags {
  mask?: string;
  parcellation?: string;
  labels?: string;
  threshold?: string;
  fraction?: string;
}

/** Builds the masker a command's flags describe (exactly one source). */
async function maskerFromFlags(flags: MaskFlags, meanSource?: string): Promise<Masker> {
  const sources = [flags.mask, flags.parcellation, flags.threshold ?? flags.fraction].filter(
    (v) => v !== undefined,
  );
  if (sources.length !== 1) {
    throw new UserError(
      'give exactly one of --mask, --parcellation (with --labels), --threshold or --fraction',
      {
        hint: 'e.g. --mask brain_mask.nii.gz',
      },
    );
  }
  if (flags.mask) return Masker.fromMaskFile(flags.mask);
  if (flags.parcellation) {
    if (!flags.labels) {
      throw new UserError('--parcellation needs --labels', {
        field: '--labels',
        hint: 'e.g. --labels 11133,12133',
      });
    }
    return Masker.fromParcellation(
      flags.parcellation,
      numberListFlag(flags.labels, '--labels', { integer: true }),
    );
  }
  if (!meanSource) throw new UserError('a threshold mask needs an image to threshold');
  const t = flags.threshold
    ? numberFlag(flags.threshold, '--threshold')
    : numberFlag(flags.fraction!, '--fraction', { positive: true, max: 1 });
  return Masker.fromThreshold(meanSource, flags.threshold ? { threshold: t } : { fraction: t });
}

/** Registers `b2m nifti` (inspect images, build masks, extract masked voxels). */
export function registerNifti(program: Command): void {
  const nifti = program
    .command('nifti')
    .description('inspect NIfTI images, build voxel masks, and extract masked voxels from fMRI runs');

  nifti
    .command('info')
    .description(
      'dims, datatype, voxel sizes and TR, scaling, the affine in use (and its code), and min/max/mean of the scaled data',
    )
    .argument('<files...>', '.nii or .nii.gz images (NIfTI-1 or NIfTI-2)')
    .option('--json', 'print JSON (one object per file, in an array when several)')
    .option('--no-stats', 'skip min/max/mean (reads the header only: instant on large files)')
    .addHelpText(
      'after',
      `
The affine is chosen as nibabel does: the sform when its code > 0, else the qform
when its code > 0, else a base affine from the voxel sizes. The TR is pixdim[4]
converted to seconds from the header's time unit.

Examples:
  $ b2m nifti info sub-001_task-Training_run-01_bold.nii
  $ b2m nifti info --no-stats derivatives/*/func/*_desc-brain_mask.nii.gz
  $ b2m nifti info --json map.nii.gz | jq .affine`,
    )
    .action(async (files: string[], flags: { json?: boolean; stats: boolean }) => {
      const out: Record<string, unknown>[] = [];
      // Every file is read; the bad ones are listed together at the end, not one per run.
      const bad: UserError[] = [];
      for (const file of files) {
        try {
          const h = await readNiftiHeader(file);
          const stats = flags.stats ? await niftiStats(file, h) : null;
          if (flags.json) out.push(headerSummary(h, stats));
          else process.stdout.write(`${formatInfo(h, stats)}${files.length > 1 ? '\n' : ''}`);
        } catch (e) {
          if (!(e instanceof UserError) || files.length === 1) throw e;
          bad.push(e);
        }
      }
      if (flags.json && out.length)
        process.stdout.write(`${toJson(out.length === 1 && files.length === 1 ? out[0] : out)}\n`);
      if (bad.length) {
        throw new UserError(
          `${bad.length} of ${files.length} files could not be read:\n${bad.map((e) => `  ${e.format().replace(/\n/g, '\n  ')}`).join('\n')}`,
          { hint: 'the files above were reported in full; fix or leave out the ones listed' },
        );
      }
    });

  nifti
    .command('mask')
    .description(
      'build a voxel mask (from a mask, a parcellation + labels, or a threshold on a mean image) and save it',
    )
    .option('--mask <file>', 'a 3-D mask image: nonzero voxels are kept')
    .option('--parcellation <file>', 'a 3-D label image (atlas), with --labels')
    .option('--labels <list>', 'labels to keep from the parcellation, e.g. 11133,12133')
    .option('--threshold <value>', 'keep voxels whose mean intensity is above this value (with --image)')
    .option('--fraction <f>', 'keep voxels above this fraction of the maximum mean intensity (with --image)')
    .option('--image <file>', 'the 3-D mean image or 4-D run to threshold')
    .requiredOption('-o, --out <file>', 'output mask (.nii or .nii.gz, uint8, written atomically)')
    .option('--force', 'replace an existing NIfTI file at --out (never other files)')
    .addHelpText(
      'after',
      `
Examples:
  $ b2m nifti mask --parcellation sub-001_desc-aparcaseg_dseg.nii.gz --labels 1034,2034 -o auditory.nii.gz
  $ b2m nifti mask --image sub-001_task-Training_run-01_bold.nii --fraction 0.3 -o brain.nii.gz`,
    )
    .action(async (flags: MaskFlags & { image?: string; out: string; force?: boolean }) => {
      if ((flags.threshold !== undefined || flags.fraction !== undefined) && !flags.image) {
        throw new UserError('--threshold and --fraction need --image', { field: '--image' });
      }
      await claimOutputFile(flags.out, {
        kind: 'a NIfTI image',
        recognise: looksLikeNifti,
        inputs: { ...maskInputs(flags), '--image': flags.image },
        force: flags.force,
      });
      const masker = await maskerFromFlags(flags, flags.image);
      await masker.save(flags.out);
      process.stderr.write(`wrote ${flags.out}: ${masker.nVoxels} voxels of ${masker.shape.join('×')}\n`);
    });

  nifti
    .command('extract')
    .description('extract the masked voxels of a 4-D run as a scans × voxels float32 .npy matrix (streaming)')
    .argument('<run>', '4-D run (.nii or .nii.gz)')
    .option('--mask <file>', 'a 3-D mask image: nonzero voxels are kept')
    .option('--parcellation <file>', 'a 3-D label image (atlas), with --labels')
    .option('--labels <list>', 'labels to keep from the parcellation')
    .option('--threshold <value>', 'keep voxels whose mean over the run is above this value')
    .option('--fraction <f>', "keep voxels above this fraction of the run's maximum mean")
    .requiredOption('-o, --out <file>', 'output .npy (float32, n_scans × n_voxels, written atomically)')
    .option('--inverse <file>', 'also write the mean over scans back onto the grid as NIfTI (a quick check)')
    .option('--force', 'replace existing .npy/NIfTI files at --out/--inverse (never other files)')
    .addHelpText(
      'after',
      `
Columns are in nilearn's order (numpy's data[mask]), so the matrix matches
NiftiMasker(mask).fit_transform(run) for the same mask. The mask must be on the
run's grid (same shape and affine); the error says which differs otherwise.

Examples:
  $ b2m nifti extract sub-001_task-Training_run-01_bold.nii --mask brain.nii.gz -o run01.npy
  $ b2m nifti extract run.nii.gz --fraction 0.3 -o X.npy --inverse mean_in_mask.nii.gz`,
    )
    .action(async (run: string, flags: MaskFlags & { out: string; inverse?: string; force?: boolean }) => {
      const inputs = { '<run>': run, ...maskInputs(flags) };
      await claimOutputFile(flags.out, {
        kind: 'a .npy array',
        recognise: looksLikeNpy,
        inputs,
        force: flags.force,
      });
      if (flags.inverse) {
        await claimOutputFile(flags.inverse, {
          kind: 'a NIfTI image',
          recognise: looksLikeNifti,
          inputs: { ...inputs, '--out': flags.out },
          force: flags.force,
          flag: '--inverse',
        });
      }
      const masker = await maskerFromFlags(flags, run);
      const t0 = performance.now();
      const X = await masker.transform(run, { progress: new ConsoleProgress() });
      const secs = (performance.now() - t0) / 1000;
      await writeNpy(flags.out, X.data, [X.rows, X.cols]);
      if (flags.inverse) {
        const mean = new Float32Array(X.cols);
        for (let i = 0; i < X.rows; i++) for (let j = 0; j < X.cols; j++) mean[j]! += X.data[i * X.cols + j]!;
        for (let j = 0; j < X.cols; j++) mean[j]! /= X.rows;
        await writeNifti(flags.inverse, masker.inverseTransform(mean, { descrip: `mean of ${run} in mask` }));
      }
      const h = await readNiftiHeader(run);
      process.stderr.write(
        `wrote ${flags.out}: ${X.rows} scans × ${X.cols} voxels in ${secs.toFixed(2)} s (${(h.fileBytes / 1e6 / secs).toFixed(0)} MB/s of ${h.gzip ? 'compressed ' : ''}file)\n`,
      );
    });
}
