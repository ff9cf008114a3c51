import type { Command } from 'commander';
import { loadAudio } from '../../audio/decode.js';
import { FEATURES, type FeatureOptions } from '../../audio/features.js';
import type { PadMode } from '../../audio/stft.js';
import { looksLikeNpy } from '../../io/formats.js';
import { writeNpy } from '../../io/npy.js';
import { UserError } from '../../util/errors.js';
import { claimOutputFile } from '../../util/output-guard.js';
import { ConsoleProgress } from '../../util/progress.js';
import { intFlag, optionalNumberFlag } from '../flags.js';

interface FeatureFlags {
  out?: string;
  force?: boolean;
  json?: boolean;
  sr: string;
  nFft?: string;
  hop?: string;
  nMels?: string;
  fmin?: string;
  fmax?: string;
  power?: string;
  pad: string;
  db?: boolean;
  nMfcc?: string;
  deltas?: boolean;
  patch?: string;
  patchHop?: string;
}

const EXAMPLES: Record<string, string> = {
  mel: `  $ b2m features mel song.wav --sr 22050 --n-fft 2048 --hop 512 --n-mels 128 --out M.npy
  $ b2m features mel clip.mp3 --db --fmax 8000 --out M_db.npy   # 44.1 kHz input is resampled first`,
  mfcc: '  $ b2m features mfcc clip.wav --n-mfcc 13 --deltas --out mfcc.npy',
  chroma: '  $ b2m features chroma clip.flac --out chroma.npy',
  spectral: '  $ b2m features spectral clip.wav --out spectral.npy --json   # row names in the JSON',
  onset:
    '  $ b2m features onset clip.wav            # prints the tempo\n  $ b2m features onset clip.wav --out onset.npy',
  modulation: '  $ b2m features modulation clip.wav --out mod.npy --json   # 60 named features per 3-s patch',
};

/** Registers `b2m features` (one subcommand per entry of the feature registry). */
export function registerFeatures(program: Command): void {
  const features = program
    .command('features')
    .description(
      'compute audio features (mel, MFCC, chroma, spectral shape, onsets/tempo, modulation) and write .npy',
    )
    .addHelpText(
      'after',
      `
Every feature decodes the file (wav, mp3, ogg, flac, au), averages stereo to mono and
resamples to --sr (default 22050) first. Run \`b2m features <name> --help\` for its options.

Examples:
  $ b2m features mel song.wav --out M.npy
  $ b2m features mfcc song.mp3 --deltas --out mfcc.npy
  $ b2m features onset song.wav`,
    );
  for (const [name, spec] of Object.entries(FEATURES)) {
    const cmd = features
      .command(name)
      .description(spec.description)
      .argument('<file>', 'audio file: wav, mp3, ogg, flac or au (stereo is averaged to mono)')
      .option('-o, --out <file.npy>', 'write the feature matrix as float32 .npy (atomically)')
      .option('--force', 'replace an existing .npy file at --out (never other files)')
      .option('--json', 'print shape, axes, row names and summary as JSON on stdout')
      .option('--sr <hz>', 'analysis sample rate; the file is resampled to it when different', '22050')
      .option('--n-fft <n>', 'FFT size (default 2048; modulation 4096)')
      .option('--hop <n>', 'hop between frames in samples (default 512)')
      .option(
        '--pad <mode>',
        'padding of centred frames: reflect or constant (librosa ≥ 0.10 uses constant)',
        'reflect',
      );
    if (name === 'mel' || name === 'mfcc' || name === 'onset') {
      cmd
        .option('--n-mels <n>', 'mel bands (default 128)')
        .option('--fmin <hz>', 'lowest mel edge (default 0)')
        .option('--fmax <hz>', 'highest mel edge (default sr/2)');
    }
    if (name === 'mel') {
      cmd
        .option('--power <p>', 'exponent of the magnitude: 2 power, 1 magnitude (default 2)')
        .option('--db', 'output dB (power_to_db, ref 1, top_db 80)');
    }
    if (name === 'mfcc')
      cmd
        .option('--n-mfcc <n>', 'coefficients (default 20)')
        .option('--deltas', 'append Δ and ΔΔ rows (width 9)');
    if (name === 'modulation') {
      cmd
        .option('--patch <seconds>', 'patch length (default 3)')
        .option('--patch-hop <seconds>', 'step between patches (default 1.5)');
    }
    cmd.addHelpText(
      'after',
      `
Layout: ${name === 'modulation' ? 'patches × features' : 'features × frames (like librosa)'}; frame t is centred at t·hop/sr seconds.
Definitions are librosa's (see docs/ARCHITECTURE.md, audio); results match a numpy/scipy
implementation of them to 1e-4 relative.

Examples:
${EXAMPLES[name] ?? ''}`,
    );
    cmd.action(async (file: string, flags: FeatureFlags) => {
      const sr = intFlag(flags.sr, '--sr', { min: 1000 });
      if (flags.pad !== 'reflect' && flags.pad !== 'constant') {
        throw new UserError(`--pad must be reflect or constant, got '${flags.pad}'`, { field: '--pad' });
      }
      const opts: FeatureOptions = {
        nFft: optionalNumberFlag(flags.nFft, '--n-fft', { min: 2, integer: true }),
        hop: optionalNumberFlag(flags.hop, '--hop', { min: 1, integer: true }),
        nMels: optionalNumberFlag(flags.nMels, '--n-mels', { min: 1, integer: true }),
        fmin: optionalNumberFlag(flags.fmin, '--fmin', { min: 0 }),
        fmax: optionalNumberFlag(flags.fmax, '--fmax', { min: 0 }),
        power: optionalNumberFlag(flags.power, '--power', { positive: true }),
        padMode: flags.pad as PadMode,
        db: flags.db,
        nMfcc: optionalNumberFlag(flags.nMfcc, '--n-mfcc', { min: 1, integer: true }),
        deltas: flags.deltas,
        patchSeconds: optionalNumberFlag(flags.patch, '--patch', { min: 0.1 }),
        hopSeconds: optionalNumberFlag(flags.patchHop, '--patch-hop', { min: 0.01 }),
      };
      for (const k of Object.keys(opts) as (keyof FeatureOptions)[])
        if (opts[k] === undefined) delete opts[k];
      if (flags.out) {
        await claimOutputFile(flags.out, {
          kind: 'a .npy array',
          recognise: looksLikeNpy,
          inputs: { '<file>': file },
          force: flags.force,
        });
      }
      const audio = await loadAudio(file, { sampleRate: sr });
      for (const w of audio.warnings) process.stderr.write(`warning: ${file}: ${w}\n`);
      // Progress only where it helps: inputs longer than two minutes.
      if (audio.samples.length > 120 * sr) opts.progress = new ConsoleProgress();
      const res = spec.compute(audio.samples, sr, opts);
      if (flags.out) await writeNpy(flags.out, res.data, res.shape);
      const seconds = audio.samples.length / sr;
      const resampled = audio.sourceRate !== sr ? `, resampled from ${audio.sourceRate} Hz` : '';
      const summary = Object.entries(res.summary ?? {})
        .map(([k, v]) => `${k} ${v.toFixed(k === 'tempoBpm' ? 1 : 3)}`)
        .join(', ');
      process.stderr.write(
        `${name}: ${res.shape[0]} × ${res.shape[1]} (${res.axes[0]} × ${res.axes[1]}) float32 from ${seconds.toFixed(2)} s at ${sr} Hz${resampled}${summary ? `; ${summary}` : ''}${flags.out ? `; wrote ${flags.out}` : ''}\n`,
      );
      if (flags.json) {
        process.stdout.write(
          `${JSON.stringify({ feature: name, file, sampleRate: sr, sourceRate: audio.sourceRate, seconds, shape: res.shape, axes: res.axes, names: res.names, summary: res.summary, options: { ...opts, progress: undefined }, out: flags.out }, null, 2)}\n`,
        );
      }
    });
  }
}
