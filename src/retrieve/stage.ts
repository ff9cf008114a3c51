/**
 * The library index as a pipeline stage (structurally a `Stage` of
 * src/pipeline/stage.ts; this folder does not import the pipeline, which composes
 * it). Inputs are the listed tracks (ids, genres, paths, sizes, mtimes: plain
 * values, so a changed file changes the key); options are what changes the
 * numbers (embedder, its options, windows, excerpt). The cache folder and the
 * worker count do not change the output, so they are given to the factory.
 */
import type { EmbedderOptions } from '../embed/registry.js';
import type { WindowSpec } from '../embed/types.js';
import type { ProgressSink } from '../util/progress.js';
import { buildLibraryIndex, type LibraryIndex } from './build.js';
import type { LibraryTrack } from './library.js';
import { loadLibraryIndex, saveLibraryIndex } from './store.js';

export interface LibraryIndexStageInputs {
  tracks: LibraryTrack[];
}

export interface LibraryIndexStageOptions {
  embedder: string;
  embedderOptions?: EmbedderOptions;
  windows: WindowSpec;
  excerptSeconds: number;
}

export interface LibraryIndexStage {
  readonly name: 'library-index';
  readonly version: number;
  readonly typicalSeconds?: number;
  run(
    inputs: LibraryIndexStageInputs,
    options: LibraryIndexStageOptions,
    ctx: { progress: ProgressSink; log: (line: string) => void },
  ): Promise<LibraryIndex>;
  save(dir: string, output: LibraryIndex): Promise<void>;
  load(dir: string): Promise<LibraryIndex>;
}

/** The stage; `cacheDir` is the embedding cache (null: none). */
export function libraryIndexStage(runtime: { cacheDir: string | null; workers?: number }): LibraryIndexStage {
  return {
    name: 'library-index',
    version: 1,
    typicalSeconds: 40,
    async run(inputs, options, ctx) {
      const index = await buildLibraryIndex(inputs.tracks, {
        embedder: options.embedder,
        embedderOptions: options.embedderOptions,
        windows: options.windows,
        excerptSeconds: options.excerptSeconds,
        cacheDir: runtime.cacheDir,
        workers: runtime.workers,
        progress: ctx.progress,
      });
      ctx.log(
        `library index: ${index.E.rows} tracks × ${index.E.cols} (${options.embedder}, first ${options.excerptSeconds} s)`,
      );
      return index;
    },
    save: saveLibraryIndex,
    load: loadLibraryIndex,
  };
}
