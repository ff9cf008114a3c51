/**
 * LAION-CLAP audio and text towers through `@huggingface/transformers`, from a
 * local model folder only: remote loading is switched off and nothing is ever
 * downloaded (see docs/embeddings.md for how to obtain the ONNX files).
 *
 * Folder layout (the transformers.js export, e.g. Xenova/clap-htsat-unfused):
 *   config.json, preprocessor_config.json, tokenizer.json, tokenizer_config.json,
 *   onnx/audio_model.onnx, onnx/text_model.onnx   (fp32; `_quantized` etc. for other dtypes)
 *
 * Audio: 48 kHz, CLAP's own feature extractor (64 log-mel bands, n_fft 1024,
 * hop 480, 50–14,000 Hz, repeat-padding of short clips). A window longer than the
 * model's 10 s is covered by consecutive 10-s chunks (the last one aligned to the
 * window's end) whose embeddings are averaged — deterministic, unlike the
 * extractor's random crop. Rows are L2-normalised, as LAION-CLAP's own
 * `get_audio_embedding` returns them.
 */
import { readFile, stat } from 'node:fs/promises';
import { isAbsolute, join, resolve } from 'node:path';
import { Matrix } from '../../linalg/matrix.js';
import { UserError } from '../../util/errors.js';
import { hashJson } from '../../util/hash.js';
import type { Embedder, TextEmbedder, WindowSpec } from '../types.js';
import { windowStarts } from '../windows.js';

export interface ClapOptions {
  /** The model folder; default `$B2M_CLAP_DIR`. */
  modelDir?: string;
  /** ONNX weight precision: 'fp32' (default) loads onnx/*_model.onnx, 'q8' onnx/*_model_quantized.onnx, … */
  dtype?: 'fp32' | 'fp16' | 'q8' | 'int8' | 'uint8' | 'q4';
  /** Windows per ONNX call (bounds memory: one 10-s window is 1001 × 64 floats). Default 8. */
  batch?: number;
}

const SUFFIX: Record<NonNullable<ClapOptions['dtype']>, string> = {
  fp32: '',
  fp16: '_fp16',
  q8: '_quantized',
  int8: '_int8',
  uint8: '_uint8',
  q4: '_q4',
};

const DOCS_HINT = 'see docs/embeddings.md ("CLAP weights") for how to export or copy the ONNX files';

type Tower = 'audio' | 'text';

/** The files a tower needs, relative to the model folder. */
export function clapRequiredFiles(tower: Tower, dtype: NonNullable<ClapOptions['dtype']> = 'fp32'): string[] {
  const onnx = `onnx/${tower}_model${SUFFIX[dtype]}.onnx`;
  return tower === 'audio'
    ? ['config.json', 'preprocessor_config.json', onnx]
    : ['config.json', 'tokenizer.json', 'tokenizer_config.json', onnx];
}

/** Absolute model folder with every file the tower needs, or a UserError naming the missing ones. */
export async function resolveClapDir(tower: Tower, opts: ClapOptions = {}): Promise<string> {
  const given = opts.modelDir ?? process.env.B2M_CLAP_DIR;
  if (!given) {
    throw new UserError('the clap embedder needs a local model folder, and none was given', {
      field: '--model-dir',
      hint: `pass --model-dir DIR (or set B2M_CLAP_DIR); ${DOCS_HINT}`,
    });
  }
  const dir = isAbsolute(given) ? given : resolve(given);
  const missing: string[] = [];
  for (const f of clapRequiredFiles(tower, opts.dtype)) {
    const ok = await stat(join(dir, f)).then(
      (s) => s.isFile(),
      () => false,
    );
    if (!ok) missing.push(f);
  }
  if (missing.length > 0) {
    throw new UserError(`CLAP ${tower} model files are missing from ${dir}: ${missing.join(', ')}`, {
      file: dir,
      hint: DOCS_HINT,
    });
  }
  return dir;
}

type Transformers = typeof import('@huggingface/transformers');

/** Loads transformers.js with every remote path switched off. */
export async function loadTransformersOffline(): Promise<Transformers> {
  const tr = await import('@huggingface/transformers');
  tr.env.allowRemoteModels = false;
  tr.env.allowLocalModels = true;
  tr.env.useFSCache = false;
  tr.env.useBrowserCache = false;
  return tr;
}

async function readJson(path: string): Promise<Record<string, unknown>> {
  try {
    return JSON.parse(await readFile(path, 'utf8'));
  } catch (e) {
    throw new UserError(`cannot read ${path}: ${(e as Error).message}`, {
      file: path,
      hint: DOCS_HINT,
      cause: e,
    });
  }
}

async function fingerprintOf(dir: string, files: string[]): Promise<string> {
  // Sizes and mtimes of the weights plus the configs' text: cheap, and any re-export changes it.
  const parts: unknown[] = [];
  for (const f of files) {
    const p = join(dir, f);
    const s = await stat(p);
    parts.push(f.endsWith('.onnx') ? [f, s.size, s.mtimeMs] : [f, await readFile(p, 'utf8')]);
  }
  return hashJson(parts).slice(0, 16);
}

function l2normalizeRows(m: Matrix<Float32Array>): Matrix<Float32Array> {
  for (let i = 0; i < m.rows; i++) {
    const r = m.row(i);
    let ss = 0;
    for (let j = 0; j < r.length; j++) ss += (r[j] as number) ** 2;
    const s = ss > 0 ? 1 / Math.sqrt(ss) : 0;
    for (let j = 0; j < r.length; j++) r[j] = (r[j] as number) * s;
  }
  return m;
}

function errorFromModel(e: unknown, dir: string, what: string): UserError {
  return new UserError(`CLAP ${what} failed: ${(e as Error)?.message ?? String(e)}`, {
    file: dir,
    hint: `check that the folder holds a transformers.js CLAP export; ${DOCS_HINT}`,
    cause: e,
  });
}

/** The audio embedder's fingerprint, from file sizes/mtimes and configs (no model loading). */
export async function clapAudioFingerprint(opts: ClapOptions = {}): Promise<string> {
  const dtype = opts.dtype ?? 'fp32';
  const dir = await resolveClapDir('audio', opts);
  return `clap-audio:${dtype}:${await fingerprintOf(dir, clapRequiredFiles('audio', dtype))}`;
}

export async function createClapAudioEmbedder(opts: ClapOptions = {}): Promise<Embedder> {
  const dtype = opts.dtype ?? 'fp32';
  const dir = await resolveClapDir('audio', opts);
  const tr = await loadTransformersOffline();
  const pre = await readJson(join(dir, 'preprocessor_config.json'));
  const config = await readJson(join(dir, 'config.json'));
  let extractor: InstanceType<Transformers['ClapFeatureExtractor']>;
  let model: InstanceType<Transformers['ClapAudioModelWithProjection']>;
  try {
    extractor = new tr.ClapFeatureExtractor(pre);
    model = (await tr.ClapAudioModelWithProjection.from_pretrained(dir, {
      dtype,
      local_files_only: true,
    })) as InstanceType<Transformers['ClapAudioModelWithProjection']>;
  } catch (e) {
    throw errorFromModel(e, dir, 'audio model loading');
  }
  const sampleRate = Number(pre.sampling_rate ?? 48000);
  const maxSamples = Number(pre.nb_max_samples ?? 480000);
  const dim = Number(config.projection_dim ?? 512);
  const batch = Math.max(1, opts.batch ?? 8);
  const fingerprint = await clapAudioFingerprint(opts);

  /** Chunks (start, length) in samples covering one window, each ≤ the model's 10 s. */
  const chunksOf = (start: number, length: number): [number, number][] => {
    if (length <= maxSamples) return [[start, length]];
    const n = Math.ceil(length / maxSamples);
    return Array.from({ length: n }, (_, k) => [
      Math.min(start + k * maxSamples, start + length - maxSamples),
      maxSamples,
    ]);
  };

  async function run(slices: Float32Array[]): Promise<Float32Array[]> {
    const feats = [];
    for (const s of slices) feats.push((await extractor(s)).input_features);
    const input = feats.length === 1 ? feats[0] : tr.cat(feats, 0);
    let out: Record<string, { data: Float32Array; dims: number[] }>;
    try {
      out = await model({ input_features: input });
    } catch (e) {
      throw errorFromModel(e, dir, 'audio inference');
    }
    const emb = out.audio_embeds;
    if (emb?.dims.length !== 2 || emb.dims[1] !== dim) {
      throw new UserError(
        `CLAP audio model returned ${emb ? `shape [${emb.dims}]` : 'no audio_embeds'}, expected [n, ${dim}]`,
        {
          file: dir,
          hint: `set projection_dim in config.json to the model's output size; ${DOCS_HINT}`,
        },
      );
    }
    return Array.from({ length: emb.dims[0] as number }, (_, i) => emb.data.slice(i * dim, (i + 1) * dim));
  }

  return {
    name: 'clap',
    dim,
    sampleRate,
    fingerprint,
    async embed(audio: Float32Array, windows: WindowSpec): Promise<Matrix<Float32Array>> {
      const wins = windowStarts(audio.length, sampleRate, windows);
      const jobs: { win: number; start: number; length: number }[] = [];
      wins.forEach((w, i) => {
        for (const [start, length] of chunksOf(w.start, w.length)) jobs.push({ win: i, start, length });
      });
      const out = Matrix.zeros(wins.length, dim, 'float32');
      for (let b = 0; b < jobs.length; b += batch) {
        const part = jobs.slice(b, b + batch);
        const vecs = await run(part.map((j) => audio.subarray(j.start, j.start + j.length)));
        part.forEach((j, k) => {
          const v = l2normalizeRows(new Matrix(1, dim, vecs[k] as Float32Array)).data;
          const row = out.row(j.win);
          for (let d = 0; d < dim; d++) row[d] = (row[d] as number) + (v[d] as number);
        });
      }
      return l2normalizeRows(out);
    },
    async dispose() {
      await model.dispose();
    },
  };
}

export async function createClapTextEmbedder(opts: ClapOptions = {}): Promise<TextEmbedder> {
  const dtype = opts.dtype ?? 'fp32';
  const dir = await resolveClapDir('text', opts);
  const tr = await loadTransformersOffline();
  const config = await readJson(join(dir, 'config.json'));
  let tokenizer: Awaited<ReturnType<Transformers['AutoTokenizer']['from_pretrained']>>;
  let model: InstanceType<Transformers['ClapTextModelWithProjection']>;
  try {
    tokenizer = await tr.AutoTokenizer.from_pretrained(dir, { local_files_only: true });
    model = (await tr.ClapTextModelWithProjection.from_pretrained(dir, {
      dtype,
      local_files_only: true,
    })) as InstanceType<Transformers['ClapTextModelWithProjection']>;
  } catch (e) {
    throw errorFromModel(e, dir, 'text model loading');
  }
  const dim = Number(config.projection_dim ?? 512);
  const batch = Math.max(1, opts.batch ?? 32);
  const fingerprint = `clap-text:${dtype}:${await fingerprintOf(dir, clapRequiredFiles('text', dtype))}`;
  return {
    name: 'clap',
    dim,
    fingerprint,
    async embed(texts: readonly string[]): Promise<Matrix<Float32Array>> {
      const out = Matrix.zeros(texts.length, dim, 'float32');
      for (let b = 0; b < texts.length; b += batch) {
        const part = texts.slice(b, b + batch) as string[];
        let emb: { data: Float32Array; dims: number[] };
        try {
          const inputs = tokenizer(part, { padding: true, truncation: true });
          emb = (await model(inputs)).text_embeds;
        } catch (e) {
          throw errorFromModel(e, dir, 'text inference');
        }
        if (!emb || emb.dims[1] !== dim) {
          throw new UserError(
            `CLAP text model returned ${emb ? `shape [${emb.dims}]` : 'no text_embeds'}, expected [n, ${dim}]`,
            {
              file: dir,
              hint: `set projection_dim in config.json to the model's output size; ${DOCS_HINT}`,
            },
          );
        }
        out.data.set(emb.data.subarray(0, part.length * dim), b * dim);
      }
      return l2normalizeRows(out);
    },
    async dispose() {
      await model.dispose();
    },
  };
}
