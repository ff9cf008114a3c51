/**
 * Feature spaces for encoding models (registry). A space gives one feature matrix
 * per design clip: per window (`n_windows × dim`, audio embeddings) or per clip
 * (`1 × dim`: genre labels, caption text). `a+b` stacks spaces side by side; each
 * part keeps its own standardisation (fitted on training clips only).
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createClapTextEmbedder } from '../embed/clap/clap.js';
import { DSP_BLOCKS } from '../embed/dsp/dsp.js';
import { embedFiles } from '../embed/pool.js';
import { TfidfSvdEmbedder } from '../embed/text/tfidf.js';
import { DEFAULT_WINDOWS, type WindowSpec } from '../embed/types.js';
import type { Clip } from '../fmri/design.js';
import { Matrix } from '../linalg/matrix.js';
import { UserError } from '../util/errors.js';
import { unknownNameHint } from '../util/nearest.js';
import { type ProgressSink, silentProgress } from '../util/progress.js';

/** Features of every clip of the design, in `clips` order. */
export interface ClipFeatures {
  /** `window`: one row per embedding window; `clip`: one row per clip. */
  kind: 'window' | 'clip';
  dim: number;
  /** One matrix per clip: n_windows × dim (window) or 1 × dim (clip), float32, raw (unstandardised). */
  perClip: Matrix<Float32Array>[];
  /** Window layout of `window` features (seconds within the clip). */
  windows?: WindowSpec;
  /** What identifies the numbers (embedder fingerprint, fitted text model…), for caches and records. */
  fingerprint: string;
}

/** What computing a space may use: the dataset's stimuli and captions, caches, progress. */
export interface FeatureContext {
  /** Dataset root (stimuli in `<root>/stimuli/<clip>.wav`, captions in `<root>/stimuli/captions.tsv`). */
  root: string;
  clips: readonly Clip[];
  /** Embedding windows for audio spaces (default 10 s at 1.5 s). */
  windows?: WindowSpec;
  /** Embedding cache folder (null: no cache). */
  cacheDir?: string | null;
  /** Local CLAP folder (for `clap` and `clap-caption`). */
  clapModelDir?: string;
  workers?: number;
  progress?: ProgressSink;
  /** Memo shared by spaces of one call (e.g. the dsp blocks reuse one embedding). */
  memo?: Map<string, Promise<ClipFeatures>>;
}

export type FeatureLevel = 'low' | 'high';
export type FeatureModality = 'audio' | 'text' | 'label';

export interface FeatureSpaceEntry {
  description: string;
  /** Low-level acoustic or high-level (semantic) — the hierarchy the paper draws. */
  level: FeatureLevel;
  modality: FeatureModality;
  compute(ctx: FeatureContext): Promise<ClipFeatures>;
}

function memo(ctx: FeatureContext, key: string, make: () => Promise<ClipFeatures>): Promise<ClipFeatures> {
  const m = ctx.memo;
  if (!m) return make();
  let p = m.get(key);
  if (!p) {
    p = make();
    m.set(key, p);
  }
  return p;
}

function stimulusPaths(ctx: FeatureContext): string[] {
  const paths = ctx.clips.map((c) => join(ctx.root, 'stimuli', `${c.id}.wav`));
  const missing = paths.filter((p) => !existsSync(p));
  if (missing.length) {
    throw new UserError(
      `${missing.length} stimulus file(s) missing, e.g. ${missing.slice(0, 3).join(', ')}`,
      {
        file: missing[0],
        hint: 'audio feature spaces need the stimuli as played: run b2m stimuli to cut them into <dataset>/stimuli/',
      },
    );
  }
  return paths;
}

function audioSpace(embedder: string, needsClap = false): (ctx: FeatureContext) => Promise<ClipFeatures> {
  return (ctx) =>
    memo(ctx, `audio:${embedder}`, async () => {
      if (needsClap && !ctx.clapModelDir) {
        throw new UserError(`feature space "${embedder}" needs CLAP weights`, {
          field: 'features',
          hint: 'pass --model-dir DIR (a local LAION-CLAP ONNX folder), or use dsp / caption instead',
        });
      }
      const windows = ctx.windows ?? DEFAULT_WINDOWS;
      const r = await embedFiles(stimulusPaths(ctx), {
        embedder,
        embedderOptions: needsClap ? { modelDir: ctx.clapModelDir } : {},
        windows,
        cacheDir: ctx.cacheDir ?? null,
        workers: ctx.workers,
        progress: ctx.progress ?? silentProgress,
      });
      return {
        kind: 'window',
        dim: r.clips[0]?.cols ?? 0,
        perClip: r.clips,
        windows,
        fingerprint: r.fingerprint,
      };
    });
}

function dspBlock(block: string): (ctx: FeatureContext) => Promise<ClipFeatures> {
  const b = DSP_BLOCKS.find((x) => x.name === block);
  if (!b) throw new Error(`no dsp block ${block}`);
  return async (ctx) => {
    const full = await audioSpace('dsp')(ctx);
    const cols = Array.from({ length: b.size }, (_, i) => b.start + i);
    return {
      ...full,
      dim: b.size,
      perClip: full.perClip.map((m) => m.takeCols(cols)),
      fingerprint: `${full.fingerprint}:${block}`,
    };
  };
}

async function genreSpace(ctx: FeatureContext): Promise<ClipFeatures> {
  const genres = [...new Set(ctx.clips.map((c) => c.genre))].sort();
  return {
    kind: 'clip',
    dim: genres.length,
    perClip: ctx.clips.map((c) => {
      const m = Matrix.zeros(1, genres.length, 'float32');
      m.data[genres.indexOf(c.genre)] = 1;
      return m;
    }),
    fingerprint: `genre-onehot:${genres.join(',')}`,
  };
}

/** Reads `<root>/stimuli/captions.tsv` (columns id, caption) → caption per clip, in `clips` order. */
export async function readClipCaptions(root: string, clips: readonly Clip[]): Promise<string[]> {
  const file = join(root, 'stimuli', 'captions.tsv');
  if (!existsSync(file)) {
    throw new UserError('no captions for the caption feature space', {
      file,
      hint: 'write stimuli/captions.tsv (columns id, caption), or leave caption out of --features',
    });
  }
  const lines = (await readFile(file, 'utf8')).replace(/^\uFEFF/, '').split(/\r?\n/);
  const head = (lines[0] ?? '').split('\t');
  const idCol = head.indexOf('id');
  const capCol = ['caption', 'text', 'description'].map((c) => head.indexOf(c)).find((i) => i >= 0) ?? -1;
  if (idCol < 0 || capCol < 0) {
    throw new UserError(`captions table needs columns id and caption, has ${head.join(', ')}`, {
      file,
      line: 1,
      hint: 'first line: id<TAB>caption',
    });
  }
  const byId = new Map<string, string>();
  lines.slice(1).forEach((l) => {
    if (!l.trim()) return;
    const cells = l.split('\t');
    byId.set(cells[idCol] ?? '', cells[capCol] ?? '');
  });
  const missing = clips.filter((c) => !byId.get(c.id)?.trim());
  if (missing.length) {
    throw new UserError(
      `${missing.length} clip(s) have no caption, e.g. ${missing
        .slice(0, 3)
        .map((c) => c.id)
        .join(', ')}`,
      { file, hint: 'every clip of the design needs a caption row' },
    );
  }
  return clips.map((c) => byId.get(c.id) as string);
}

async function captionSpace(ctx: FeatureContext): Promise<ClipFeatures> {
  return memo(ctx, 'caption', async () => {
    const texts = await readClipCaptions(ctx.root, ctx.clips);
    // Fitted on the training captions only: test clips never shape the text space.
    const train = texts.filter((_, i) => ctx.clips[i]?.split === 'train');
    const emb = await TfidfSvdEmbedder.fit(train, { dim: 64 });
    const E = await emb.embed(texts);
    return {
      kind: 'clip',
      dim: E.cols,
      perClip: ctx.clips.map((_, i) => E.takeRows([i])),
      fingerprint: emb.fingerprint,
    };
  });
}

async function clapCaptionSpace(ctx: FeatureContext): Promise<ClipFeatures> {
  if (!ctx.clapModelDir) {
    throw new UserError('feature space "clap-caption" needs CLAP weights', {
      field: 'features',
      hint: 'pass --model-dir DIR (a local LAION-CLAP ONNX folder), or use caption (TF-IDF) instead',
    });
  }
  const texts = await readClipCaptions(ctx.root, ctx.clips);
  const emb = await createClapTextEmbedder({ modelDir: ctx.clapModelDir });
  try {
    const E = await emb.embed(texts);
    return {
      kind: 'clip',
      dim: E.cols,
      perClip: ctx.clips.map((_, i) => E.takeRows([i])),
      fingerprint: emb.fingerprint,
    };
  } finally {
    await emb.dispose?.();
  }
}

const DSP_BLOCK_SPACES: Record<string, FeatureSpaceEntry> = Object.fromEntries(
  DSP_BLOCKS.map((b) => [
    `dsp-${b.name}`,
    {
      description: `the dsp embedding's ${b.name} block (${b.size}-d): ${b.description}`,
      level: 'low',
      modality: 'audio',
      compute: dspBlock(b.name),
    } satisfies FeatureSpaceEntry,
  ]),
);

export const FEATURE_SPACES: Record<string, FeatureSpaceEntry> = {
  dsp: {
    description: 'built-in acoustic embedding (383-d per 10-s window): all six blocks',
    level: 'low',
    modality: 'audio',
    compute: audioSpace('dsp'),
  },
  ...DSP_BLOCK_SPACES,
  'basic-pitch': {
    description:
      'Spotify basic-pitch note/onset/contour activations per window (slow: ≈ 2 min for 540 clips)',
    level: 'low',
    modality: 'audio',
    compute: audioSpace('basic-pitch'),
  },
  clap: {
    description: 'LAION-CLAP audio embedding per window (needs --model-dir)',
    level: 'high',
    modality: 'audio',
    compute: audioSpace('clap', true),
  },
  genre: {
    description: "one-hot genre of the clip (the paper's control)",
    level: 'high',
    modality: 'label',
    compute: genreSpace,
  },
  caption: {
    description: 'caption text: TF-IDF + truncated SVD (64-d) fitted on the training captions',
    level: 'high',
    modality: 'text',
    compute: captionSpace,
  },
  'clap-caption': {
    description: 'caption text through the CLAP text tower (needs --model-dir)',
    level: 'high',
    modality: 'text',
    compute: clapCaptionSpace,
  },
};

/** A requested space: its name (`a+b` for a stack) and its parts, in order. */
export interface SpaceSpec {
  name: string;
  parts: string[];
}

/** Parses `--features` names (each a registry name or a `+` stack); UserError naming the unknown one. */
export function resolveFeatureSpaces(names: readonly string[], field = 'features'): SpaceSpec[] {
  if (names.length === 0) {
    throw new UserError('no feature space given', { field, hint: 'e.g. --features dsp,genre' });
  }
  const valid = Object.keys(FEATURE_SPACES);
  const seen = new Set<string>();
  return names.map((raw) => {
    const name = raw.trim();
    const parts = name.split('+').map((p) => p.trim());
    for (const p of parts) {
      if (!FEATURE_SPACES[p]) {
        throw new UserError(`unknown feature space "${p}"${parts.length > 1 ? ` in "${name}"` : ''}`, {
          field,
          hint: unknownNameHint(p, valid),
        });
      }
    }
    if (new Set(parts).size !== parts.length) {
      throw new UserError(`feature space "${name}" stacks the same space twice`, {
        field,
        hint: 'name each space once in a stack, e.g. dsp+genre',
      });
    }
    if (seen.has(name)) {
      throw new UserError(`feature space "${name}" is listed twice`, { field, hint: 'list each space once' });
    }
    seen.add(name);
    return { name, parts };
  });
}

/** Checks computed features against the design: one matrix per clip, equal widths, finite. */
export function checkClipFeatures(name: string, f: ClipFeatures, clips: readonly Clip[]): void {
  if (f.perClip.length !== clips.length) {
    throw new UserError(
      `feature space "${name}" gives ${f.perClip.length} clips but the design has ${clips.length}`,
      { field: 'features', hint: 'give one feature matrix per design clip, in design order' },
    );
  }
  f.perClip.forEach((m, i) => {
    const c = clips[i] as Clip;
    if (m.cols !== f.dim) {
      throw new UserError(`feature space "${name}": clip ${c.id} has ${m.cols} columns, expected ${f.dim}`, {
        field: 'features',
        hint: 'every clip needs the same feature width',
      });
    }
    if (m.rows < 1 || (f.kind === 'clip' && m.rows !== 1)) {
      throw new UserError(
        `feature space "${name}": clip ${c.id} has ${m.rows} rows (${f.kind === 'clip' ? 'expected 1' : 'expected ≥ 1 window'})`,
        { field: 'features', hint: 'per-clip features have one row; per-window features one row per window' },
      );
    }
    for (const v of m.data) {
      if (!Number.isFinite(v)) {
        throw new UserError(`feature space "${name}": clip ${c.id} has a NaN or infinite value`, {
          field: 'features',
          hint: 'recompute the features of that clip (is its audio silent or damaged?)',
        });
      }
    }
  });
}
