/**
 * Stage `embed-stimuli`: the run's embedder over every design clip's audio, per
 * window, and the standardiser fitted on the TRAINING clips only (so no statistic of
 * the test clips reaches the decoders).
 */
import { embedFiles } from '../../embed/pool.js';
import { Standardizer, type StandardizerState } from '../../embed/standardize.js';
import type { WindowSpec } from '../../embed/types.js';
import { Matrix } from '../../linalg/matrix.js';
import { cacheDir } from '../../util/cache-dir.js';
import { loadJson, loadMatrix, saveJson, saveMatrix } from '../artifact-io.js';
import type { Artifact, Stage } from '../stage.js';

/** The stimulus audio files of the design's clips, in design order. */
export interface StimulusFiles extends Artifact {
  clipIds: string[];
  paths: string[];
  /** Split of each clip. */
  splits: Array<'train' | 'test'>;
}

export interface EmbedStimuliOptions {
  embedder: string;
  modelDir?: string;
  windows: WindowSpec;
}

export interface StimulusEmbeddings {
  clipIds: string[];
  /** Windows per clip. */
  nWindows: number;
  dim: number;
  /** Raw embeddings: (n_clips·n_windows) × dim, clip-major. */
  raw: Matrix<Float32Array>;
  standardizer: StandardizerState;
  fingerprint: string;
}

export const embedStimuliStage: Stage<{ stimuli: StimulusFiles }, EmbedStimuliOptions, StimulusEmbeddings> = {
  name: 'embed-stimuli',
  version: 1,
  typicalSeconds: 70,
  async run({ stimuli }, o, ctx) {
    const r = await embedFiles(stimuli.paths, {
      embedder: o.embedder,
      embedderOptions: o.modelDir ? { modelDir: o.modelDir } : undefined,
      windows: o.windows,
      // Content-addressed and shared by runs: each machine uses its own (not part of the key).
      cacheDir: cacheDir('embed'),
      progress: ctx.progress,
    });
    const nWindows = r.clips[0]?.rows ?? 0;
    const dim = r.clips[0]?.cols ?? 0;
    const raw = Matrix.zeros(r.clips.length * nWindows, dim, 'float32');
    for (const [i, E] of r.clips.entries()) raw.data.set(E.data, i * nWindows * dim);
    const trainRows: number[] = [];
    stimuli.splits.forEach((s, i) => {
      if (s === 'train') for (let w = 0; w < nWindows; w++) trainRows.push(i * nWindows + w);
    });
    const standardizer = Standardizer.fit(raw, trainRows).state;
    ctx.log(
      `embeddings: ${o.embedder}, ${r.clips.length} clips × ${nWindows} windows × ${dim} (${r.cacheHits} from cache)`,
    );
    return { clipIds: stimuli.clipIds, nWindows, dim, raw, standardizer, fingerprint: r.fingerprint };
  },
  async save(dir, out) {
    await saveMatrix(dir, 'raw', out.raw);
    await saveJson(dir, 'embeddings', { ...out, raw: undefined });
  },
  async load(dir) {
    const meta = await loadJson<Omit<StimulusEmbeddings, 'raw'>>(dir, 'embeddings');
    return { ...meta, raw: await loadMatrix(dir, 'raw') };
  },
};

/** Standardised embeddings of the given clips (design indices): (n·n_windows) × dim. */
export function standardizedRows(
  e: StimulusEmbeddings,
  clipIndices: ArrayLike<number>,
): Matrix<Float32Array> {
  const s = new Standardizer(e.standardizer);
  const per = e.nWindows * e.dim;
  const out = Matrix.zeros(clipIndices.length * e.nWindows, e.dim, 'float32');
  for (let k = 0; k < clipIndices.length; k++) {
    const c = clipIndices[k] as number;
    out.data.set(e.raw.data.subarray(c * per, (c + 1) * per), k * per);
  }
  return s.transform(out) as Matrix<Float32Array>;
}
