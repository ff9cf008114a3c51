/**
 * `b2m embed` (audio → n_clips × n_windows × dim) and `b2m embed-text`
 * (captions → n_captions × dim): thin wrappers over src/embed/.
 */
import type { Command } from 'commander';
import {
  BASIC_PITCH_BACKENDS,
  DEFAULT_EMBEDDER,
  DEFAULT_WINDOWS,
  EMBEDDERS,
  embeddingOutputBase,
  embedFiles,
  expandAudioPaths,
  readAudioList,
  readCaptions,
  resolveBasicPitchBackend,
  stackClips,
  standardizeClips,
  TEXT_EMBEDDERS,
  textEmbedderEntry,
  trainClipIndices,
  writeEmbeddingOutputs,
  writeTextEmbeddingOutputs,
} from '../../embed/index.js';
import { cacheDir } from '../../util/cache-dir.js';
import { UserError } from '../../util/errors.js';
import { ConsoleProgress } from '../../util/progress.js';

interface EmbedFlags {
  audio?: string[];
  audioList?: string;
  embedder: string;
  window: string;
  stride: string;
  out: string;
  index?: string;
  modelDir?: string;
  dtype?: string;
  engine?: string;
  cache: string | boolean;
  workers?: string;
  maxSeconds: string;
  standardizeTrain?: string;
}

interface EmbedTextFlags {
  captions: string;
  embedder: string;
  out: string;
  dim: string;
  modelDir?: string;
  dtype?: string;
}

function num(value: string, flag: string, min: number, integer = false): number {
  const v = Number(value);
  if (!Number.isFinite(v) || v < min || (integer && !Number.isInteger(v))) {
    const bound = min === -Infinity ? '' : ` ≥ ${min}`;
    throw new UserError(`${flag} must be ${integer ? 'an integer' : 'a number'}${bound}, got '${value}'`, {
      field: flag,
    });
  }
  return v;
}

/** Default cache: $B2M_CACHE_DIR/embed, else $XDG_CACHE_HOME/brain2music/embed, else ~/.cache/…. */
export function defaultCacheDir(): string {
  return cacheDir('embed');
}

export function registerEmbed(program: Command): void {
  const names = Object.keys(EMBEDDERS).join('|');
  program
    .command('embed')
    .description(
      'embed audio clips per window: writes n_clips × n_windows × dim float32 .npy plus the clip order',
    )
    .option('--audio <paths...>', 'audio files or folders (wav, mp3, ogg, flac, au)')
    .option(
      '--audio-list <file>',
      'or a list of audio files: .txt one per line, .csv/.tsv with a path column',
    )
    .option('-e, --embedder <name>', `${names}`, DEFAULT_EMBEDDER)
    .option('--window <seconds>', 'window length', String(DEFAULT_WINDOWS.window))
    .option('--stride <seconds>', 'step between window starts', String(DEFAULT_WINDOWS.stride))
    .requiredOption('-o, --out <file.npy>', 'output array (float32, C order)')
    .option('--index <file.csv>', 'clip order (index,path,sha256); default <out>.clips.csv')
    .option('--model-dir <dir>', 'clap: local model folder (or $B2M_CLAP_DIR); see docs/embeddings.md')
    .option('--dtype <dtype>', 'clap: ONNX precision fp32|fp16|q8|int8|uint8|q4', 'fp32')
    .option(
      '--engine <name>',
      `basic-pitch: ${BASIC_PITCH_BACKENDS.join('|')} (default onnx, or $B2M_BASIC_PITCH_BACKEND; tfjs-* are the slow reference engines)`,
    )
    .option(
      '--cache <dir>',
      'embedding cache folder (default: $B2M_CACHE_DIR/embed or ~/.cache/brain2music/embed)',
    )
    .option('--no-cache', 'do not read or write the cache')
    .option('--workers <n>', 'worker threads (default: one per core; clap always runs in one)')
    .option('--max-seconds <s>', 'refuse clips longer than this', '1800')
    .option(
      '--standardize-train <list>',
      'z-score every dimension with mean/std of these training clips (list file, as --audio-list); saves <out>.standardizer.json',
    )
    .addHelpText(
      'after',
      `
Embedders:
${Object.entries(EMBEDDERS)
  .map(([k, e]) => `  ${k.padEnd(12)} ${e.description}`)
  .join('\n')}

Windows start every --stride seconds and must end inside the clip: a 15-s clip gives
4 windows of 10 s (the paper's MuLan/CLAP layout), 10 of 1.5 s, or 1 of 15 s. A clip
shorter than one window gives one window (the whole clip). All clips of one output
must give the same number of windows. Audio is mixed to mono, resampled to the
embedder's rate, DC removed and clamped to ±1 (docs/embeddings.md lists every rule).
Results are cached by file content: re-running costs one small read per clip.

Writes: <out>.npy, <out>.clips.csv (row order), <out>.json (embedder, fingerprint,
windows, dimension blocks).

Examples:
  $ b2m embed --audio stimuli/ --out emb/dsp.npy
  $ b2m embed --audio-list stimuli/stimuli.csv --embedder basic-pitch --out emb/bp.npy
  $ b2m embed --audio stimuli/ --embedder clap --model-dir ~/models/clap-htsat-unfused --out emb/clap.npy
  $ b2m embed --audio a.wav b.wav --window 1.5 --stride 1.5 --out short.npy --no-cache
  $ b2m embed --audio stimuli/ --out dsp_z.npy --standardize-train train.txt`,
    )
    .action(async (flags: EmbedFlags) => {
      const base = embeddingOutputBase(flags.out);
      const items = [...(flags.audio ?? [])];
      let paths = items.length ? await expandAudioPaths(items) : [];
      if (flags.audioList) paths = paths.concat(await readAudioList(flags.audioList));
      if (paths.length === 0) {
        throw new UserError('no audio given', {
          field: '--audio',
          hint: 'pass --audio FILE_OR_FOLDER… or --audio-list FILE',
        });
      }
      // validateWindows (inside embedFiles) explains non-positive values; only non-numbers fail here.
      const windows = {
        window: num(flags.window, '--window', -Infinity),
        stride: num(flags.stride, '--stride', -Infinity),
      };
      const progress = new ConsoleProgress();
      const t0 = Date.now();
      const res = await embedFiles(paths, {
        embedder: flags.embedder,
        embedderOptions: {
          modelDir: flags.modelDir,
          dtype: flags.dtype as never,
          basicPitchBackend:
            flags.engine === undefined ? undefined : resolveBasicPitchBackend(flags.engine, '--engine'),
        },
        windows,
        cacheDir:
          flags.cache === false ? null : typeof flags.cache === 'string' ? flags.cache : defaultCacheDir(),
        workers: flags.workers === undefined ? undefined : num(flags.workers, '--workers', 1, true),
        maxSeconds: num(flags.maxSeconds, '--max-seconds', 1),
        progress,
      });
      const stacked = stackClips(res.clips, paths);
      const std = flags.standardizeTrain
        ? standardizeClips(stacked.data, stacked.shape, await trainClipIndices(paths, flags.standardizeTrain))
        : null;
      const { index } = await writeEmbeddingOutputs(base, {
        paths,
        hashes: res.hashes,
        data: std?.data ?? stacked.data,
        shape: stacked.shape,
        embedder: flags.embedder,
        fingerprint: res.fingerprint,
        windows,
        standardizer: std?.standardizer ?? null,
        indexPath: flags.index,
      });
      const shape = stacked.shape;
      process.stderr.write(
        `wrote ${base}.npy: ${shape.join(' × ')} (${flags.embedder}; ${res.cacheHits} cached, ${res.computed} computed, ${((Date.now() - t0) / 1000).toFixed(1)} s); clip order: ${index}\n`,
      );
    });

  const textNames = Object.keys(TEXT_EMBEDDERS).join('|');
  program
    .command('embed-text')
    .description('embed captions (text) into vectors: writes n_captions × dim float32 .npy')
    .requiredOption('--captions <file>', 'captions: .txt one per line, or .csv/.tsv with a caption column')
    .option('-e, --embedder <name>', textNames, 'tfidf')
    .requiredOption('-o, --out <file.npy>', 'output array (float32)')
    .option('--dim <n>', 'tfidf: components kept (capped at the corpus rank)', '128')
    .option('--model-dir <dir>', 'clap: local model folder (or $B2M_CLAP_DIR)')
    .option('--dtype <dtype>', 'clap: ONNX precision', 'fp32')
    .addHelpText(
      'after',
      `
Text embedders:
${Object.entries(TEXT_EMBEDDERS)
  .map(([k, e]) => `  ${k.padEnd(8)} ${e.description}`)
  .join('\n')}

The tfidf model is fitted on the captions given and saved as <out>.model.json.
Rows follow the file's order.

Examples:
  $ b2m embed-text --captions captions.csv --out emb/text.npy
  $ b2m embed-text --captions captions.txt --embedder clap --model-dir ~/models/clap-htsat-unfused --out emb/clap_text.npy`,
    )
    .action(async (flags: EmbedTextFlags) => {
      const base = embeddingOutputBase(flags.out);
      const captions = await readCaptions(flags.captions);
      const entry = textEmbedderEntry(flags.embedder);
      const emb = await entry.create({
        corpus: captions,
        dim: num(flags.dim, '--dim', 1, true),
        modelDir: flags.modelDir,
        dtype: flags.dtype as never,
      });
      try {
        const T = await emb.embed(captions);
        await writeTextEmbeddingOutputs(base, {
          T,
          embedder: flags.embedder,
          fingerprint: emb.fingerprint,
          captions: flags.captions,
          model: (emb as { toJSON?: () => unknown }).toJSON?.(),
        });
        process.stderr.write(`wrote ${base}.npy: ${T.rows} × ${T.cols} (${flags.embedder})\n`);
      } finally {
        await emb.dispose?.();
      }
    });
}
